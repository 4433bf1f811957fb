//! Identity: reset, tag, and a tagged user's history.

use leptos::prelude::GetUntracked;
use webchat::events::{EndedBy, HostEvent};
use webchat::model::{EntryKind, Notice, Phase};
use webchat::session::{Method, TagError, UiAction, UserInfo};

use crate::sim::{campaign, Storage, Tab, SESSION};

const HISTORY_PATH: &str =
    "chatsessions?tracker_id=user%3Aemail%3Ajohn%40x.example&campaign_id=camp1";

/// What John's site's server signed for him (any 64 hex digits: the backend checks it).
const JOHN_SIGNATURE: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

fn john() -> UserInfo {
    UserInfo::from_json(&serde_json::json!({
        "email": "John@x.example", "firstname": "John", "lastname": "Doe",
        "labels": ["vip"], "assignedUser": "ana", "signature": JOHN_SIGNATURE
    }))
    .unwrap()
}

fn tag(t: &mut Tab, user: UserInfo) -> Result<(), TagError> {
    let now = t.now();
    let r = t.s.handle_tag(user, now);
    t.drain();
    r
}

fn reset(t: &mut Tab) {
    let now = t.now();
    t.s.handle_reset(now);
    t.drain();
}

#[test]
fn reset_ends_the_chat_forgets_everything_and_makes_a_new_visitor() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.agent("<body>secret answer</body>", "m1");
    t.advance(100);
    let old_id = t.s.visitor_id();
    assert!(t.keys().contains(&"transcript".to_owned()));
    let old_socket = t.socket();
    t.take_events();
    reset(&mut t);
    let out: Vec<String> = t.frames.drain(..).map(|(_, f)| f).collect();
    let closed = out.iter().position(|f| f.contains("<closed"));
    let close = out.iter().position(|f| f.starts_with("<close "));
    assert!(
        matches!((closed, close), (Some(a), Some(b)) if a < b),
        "{out:?}"
    );
    assert_eq!(t.keys(), ["visitor_id"]);
    assert_ne!(t.s.visitor_id(), old_id);
    assert!(t.texts().is_empty());
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(
        t.take_events(),
        [HostEvent::ChatEnded {
            by: EndedBy::Visitor
        }]
    );
    // The old stream finishes its close on its own socket, then it is let go.
    assert!(!t.closed.iter().any(|(s, _)| *s == old_socket));
    t.frame_on(
        old_socket,
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    );
    assert!(t.closed.iter().any(|(s, _)| *s == old_socket));
    // Twice is harmless (another new id, no second "ended").
    reset(&mut t);
    assert!(t.take_events().is_empty());
    let newest = t.s.visitor_id();
    // The next chat is a new visitor's.
    t.say("new me");
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["tracker_id"], newest.as_str());
}

#[test]
fn reset_before_the_campaign_is_read_is_safe() {
    let mut t = Tab::open(&Storage::default());
    reset(&mut t);
    reset(&mut t);
    assert_eq!(t.phase(), Phase::Connecting);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(t.keys(), ["campaign", "visitor_id"]);
}

#[test]
fn tag_sends_the_user_and_brings_the_history_back() {
    let mut t = Tab::loaded(&campaign(true, true));
    tag(&mut t, john()).expect("valid user");
    assert_eq!(t.s.visitor_id(), "user:email:john@x.example");
    assert!(t.keys().contains(&"user".to_owned()));
    let list = r#"[{"id":"cs-new","campaign_id":"camp1","tracker_id":"user:email:john@x.example","visitor_identifier":"John@x.example","request_url":null,"status":"closed"},
                   {"id":"cs-0","campaign_id":"camp1","tracker_id":"user:email:john@x.example","visitor_identifier":"John@x.example","request_url":null,"status":"closed"}]"#;
    t.reply(Method::Get, HISTORY_PATH, 200, list);
    // One after the other, oldest first.
    t.reply(
        Method::Get,
        "chatsessions/cs-0/transcript",
        200,
        r#"{"chatsession_id":"cs-0","messages":[{"id":"v0@webchat.test:s1","from":"visitor","body":"old question","timestamp":1},{"id":"u1","from":"agent","nick":"Ana","body":"old answer","timestamp":2}]}"#,
    );
    t.reply(
        Method::Get,
        "chatsessions/cs-new/transcript",
        200,
        r#"{"chatsession_id":"cs-new","messages":[{"id":"u2","from":"agent","nick":"Ana","body":"<b>newer</b>","timestamp":3}]}"#,
    );
    assert_eq!(t.texts(), ["old question", "old answer", "<b>newer</b>"]);
    assert_eq!(
        t.notices(),
        [
            Notice::EarlierChat { at_ms: Some(1) },
            Notice::EarlierChat { at_ms: Some(3) }
        ]
    );
    let marks: Vec<(bool, Option<u64>)> = t
        .store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => Some((m.earlier, m.at_ms)),
            EntryKind::Notice(_) => None,
        })
        .collect();
    assert_eq!(marks, [(true, Some(1)), (true, Some(2)), (true, Some(3))]);
    // The list and every transcript carry John's signature, and nothing else proves anything.
    let reads: Vec<_> = t
        .requests
        .iter()
        .filter(|r| r.path.starts_with("chatsessions"))
        .collect();
    assert_eq!(reads.len(), 3);
    for r in reads {
        assert_eq!(
            r.headers,
            [("X-User-Signature", JOHN_SIGNATURE.to_owned())],
            "{}",
            r.path
        );
    }
    // The same user again (the page tags on every load): nothing happens.
    let before = t.requests.len();
    let mut again = john();
    again.email = "JOHN@X.EXAMPLE".into();
    tag(&mut t, again).unwrap();
    assert_eq!(t.requests.len(), before);
    // The next chat carries the user.
    t.say("me again");
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["visitor_identifier"], "John@x.example");
    assert_eq!(body["tracker_id"], "user:email:john@x.example");
    assert_eq!(body["user"]["email"], "John@x.example");
    assert_eq!(body["user"]["assigned_user"], "ana");
    assert_eq!(body["user"]["labels"][0], "vip");
    assert_eq!(body["user"]["signature"], JOHN_SIGNATURE);
    // Another user: a reset first — nothing of John stays.
    let jane = UserInfo::from_json(
        &serde_json::json!({"email": "jane@x.example", "signature": "ab".repeat(32)}),
    )
    .unwrap();
    tag(&mut t, jane).unwrap();
    assert!(t.texts().is_empty(), "{:?}", t.texts());
    let user = t.stored("user").unwrap();
    assert!(
        user.contains("jane@x.example") && !user.contains("John"),
        "{user}"
    );
    assert_eq!(
        t.paths().last().map(String::as_str),
        Some("chatsessions?tracker_id=user%3Aemail%3Ajane%40x.example&campaign_id=camp1")
    );
    // John's chat start is forgotten.
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    assert!(!t.asked(Method::Post, "xmppcredentials"));
}

#[test]
fn history_falls_back_to_what_the_browser_kept_and_bad_users_are_refused() {
    let storage = Storage::default();
    storage.borrow_mut().insert(
        "history".into(),
        r#"[{"id":"k1","from":"agent","nick":"Ana","text":"kept by this browser","status":"sent"}]"#
            .into(),
    );
    let mut t = Tab::open(&storage);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    tag(&mut t, john()).unwrap();
    t.reply(
        Method::Get,
        HISTORY_PATH,
        404,
        r#"{"Status":404,"StatusText":"Not Found","Message":"Not found"}"#,
    );
    assert_eq!(t.texts(), ["kept by this browser"]);
    // Rows kept without separators: one before them all.
    assert_eq!(t.notices(), [Notice::EarlierChat { at_ms: None }]);
    assert!(t.take_logs()[0].starts_with("Info: webchat: no chat history from the backend"));
    let mut bad = john();
    bad.email = "not-an-email".into();
    assert_eq!(
        tag(&mut t, bad),
        Err(TagError::InvalidEmail("not-an-email".into()))
    );
    let mut empty = john();
    empty.email = " ".into();
    assert_eq!(tag(&mut t, empty), Err(TagError::MissingEmail));
    assert_eq!(t.s.visitor_id(), "user:email:john@x.example");
}

#[test]
fn an_unreadable_earlier_transcript_is_left_out() {
    let mut t = Tab::loaded(&campaign(true, true));
    tag(&mut t, john()).unwrap();
    t.reply(
        Method::Get,
        HISTORY_PATH,
        200,
        r#"[{"id":"cs-2","campaign_id":"camp1","status":"closed"},{"id":"cs-1","campaign_id":"camp1","status":"closed"}]"#,
    );
    t.fail(Method::Get, "chatsessions/cs-1/transcript");
    t.reply(
        Method::Get,
        "chatsessions/cs-2/transcript",
        200,
        r#"{"chatsession_id":"cs-2","messages":[{"id":"u9","from":"agent","body":"kept","timestamp":9}]}"#,
    );
    assert_eq!(t.texts(), ["kept"]);
}

#[test]
fn a_tagged_users_ended_chat_is_kept_by_the_browser_for_the_next_one() {
    let mut t = Tab::loaded(&campaign(true, true));
    tag(&mut t, john()).unwrap();
    t.reply(Method::Get, HISTORY_PATH, 404, "{}");
    t.chatting(false);
    t.agent("<body>the answer</body>", "m1");
    t.act(UiAction::EndChat);
    t.act(UiAction::StartNewChat);
    let kept = t.stored("history").expect("kept");
    assert!(
        kept.contains("\"hi\"") && kept.contains("the answer"),
        "{kept}"
    );
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(
        kept[0]["notice"], "earlier_chat",
        "one dated earlier chat: {kept}"
    );
    assert_eq!(kept[0]["at"], kept[1]["at"], "dated by its first message");
    assert!(t.texts().is_empty());
}

#[test]
fn an_unsigned_tag_asks_for_no_history_and_a_refused_signature_leaves_the_chat_working() {
    let mut t = Tab::loaded(&campaign(true, true));
    // Anyone can type an email: without the site's signature nothing is asked of the backend.
    let mut unsigned = john();
    unsigned.signature = None;
    tag(&mut t, unsigned).unwrap();
    assert!(t
        .requests
        .iter()
        .all(|r| !r.path.starts_with("chatsessions")));
    assert!(t.take_logs()[0].starts_with("Warn: webchat: CV.user.tag() without a `signature`"));
    assert!(t.texts().is_empty());
    // The same user, now signed: chats carry the signature from now on.
    tag(&mut t, john()).unwrap();
    assert!(t.stored("user").unwrap().contains(JOHN_SIGNATURE));
    assert!(t
        .requests
        .iter()
        .all(|r| !r.path.starts_with("chatsessions")));

    // Another page whose backend refuses the signature: no history, one warning, the chat goes
    // on.
    let mut t = Tab::loaded(&campaign(true, true));
    tag(&mut t, john()).unwrap();
    t.reply(
        Method::Get,
        HISTORY_PATH,
        403,
        r#"{"Status":403,"StatusText":"Forbidden","Message":"the X-User-Signature does not match this user with the campaign's identity secret"}"#,
    );
    let logs = t.take_logs();
    assert_eq!(logs.len(), 1);
    assert!(logs[0].starts_with("Warn: webchat: no chat history for this user (not allowed (403): the X-User-Signature does not match"), "{logs:?}");
    assert_eq!(t.phase(), Phase::Idle);
    t.say("still here");
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    assert_eq!(t.texts(), ["still here"]);
    assert_eq!(t.phase(), Phase::Connecting);
}
