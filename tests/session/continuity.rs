//! Continuity: what is saved and when, and a reload continuing the chat (resumed, or logged in
//! again with the archive read).

use leptos::prelude::GetUntracked;
use webchat::events::HostEvent;
use webchat::model::{EntryKind, MessageStatus, Phase, Sender};
use webchat::session::{Method, UiAction};

use crate::sim::{attr_of, campaign, Storage, Tab, AGENT, CREDS, FEATURES_BIND_SM};

/// The next page on `storage`, with the campaign read.
fn reload(storage: &Storage) -> Tab {
    let mut t = Tab::open_seeded(storage, 99);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    t
}

#[test]
fn a_reload_mid_chat_shows_the_chat_at_once_and_resumes_the_stream() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.act(UiAction::Open);
    let after = t.chatting(true);
    assert!(
        after.iter().any(|f| f.contains("<body>hi</body>")),
        "{after:?}"
    );
    t.frame("<a xmlns='urn:xmpp:sm:3' h='4'/>"); // three presences and "hi"
    t.agent("<body>hello</body>", "m1");
    t.say("are you there?");
    let unacked = t
        .sent()
        .into_iter()
        .find(|f| f.contains("are you there?"))
        .expect("sent");
    assert_eq!(
        t.visitor_messages(),
        [
            ("hi".into(), MessageStatus::Sent),
            ("are you there?".into(), MessageStatus::Sending)
        ],
        "with stream management a message is sent when acknowledged"
    );
    let ids = t.visitor_ids();
    let storage = t.unload();

    // The next page: the window is back as it was before any reply arrived.
    let mut t = Tab::open_seeded(&storage, 99);
    assert_eq!(
        t.texts(),
        ["hi", "hello", "are you there?"],
        "no empty flash"
    );
    assert!(t.store.is_open().get_untracked());
    assert_eq!(t.visitor_ids(), ids);
    assert_eq!(t.store.agent_name().get_untracked().as_deref(), Some("Ana"));
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert_eq!(t.phase(), Phase::Connecting);
    t.reply(Method::Get, "xmppcredentials/cr-1", 200, CREDS);
    let resume = t.auth(FEATURES_BIND_SM);
    assert_eq!(
        resume,
        ["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"sm1\" h=\"1\"/>"]
    );
    assert_eq!(t.paths(), ["campaigns/camp1", "xmppcredentials/cr-1"]);
    // The saved chat kept its secret: the credentials are asked for as its visitor.
    assert_eq!(
        t.header(Method::Get, "xmppcredentials/cr-1", "X-Chat-Secret")
            .as_deref(),
        Some("k3y")
    );
    t.frame("<resumed xmlns='urn:xmpp:sm:3' previd='sm1' h='4'/>");
    let out = t.sent();
    assert_eq!(out[0], unacked, "the same stanza, same id, re-sent once");
    assert_eq!(
        out.iter().filter(|f| f.contains("are you there?")).count(),
        1
    );
    // The server re-delivers what it could not know we had, plus what came during the reload.
    t.take_events();
    t.agent("<body>hello</body>", "m1");
    t.agent("<body>written during the reload</body>", "m2");
    t.frame("<a xmlns='urn:xmpp:sm:3' h='5'/>");
    assert_eq!(
        t.texts(),
        ["hi", "hello", "are you there?", "written during the reload"]
    );
    assert_eq!(
        t.visitor_messages()[1],
        ("are you there?".into(), MessageStatus::Sent)
    );
    assert_eq!(t.phase(), Phase::Chatting);
    let told: Vec<String> = t
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            HostEvent::Message { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(told, ["m2"]);
    t.advance(100);
    let saved = t.stored("chat").expect("chat saved");
    assert!(
        saved.contains("\"sm1\"") && saved.contains("cr-1"),
        "{saved}"
    );
    assert!(
        !saved.contains("\"pw\""),
        "the password is never stored: {saved}"
    );
}

#[test]
fn a_reload_without_resumption_logs_in_sends_the_outbox_in_order_and_reads_the_archive() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.agent("<body>hello</body>", "m1");
    t.drop_socket();
    t.say("typed in the tunnel");
    t.say("and this");
    let ids = t.visitor_ids();
    let storage = t.unload();

    let mut t = Tab::open_seeded(&storage, 99);
    assert_eq!(
        t.visitor_messages(),
        [
            ("hi".into(), MessageStatus::Sent),
            ("typed in the tunnel".into(), MessageStatus::Sending),
            ("and this".into(), MessageStatus::Sending)
        ]
    );
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    t.reply(Method::Get, "xmppcredentials/cr-1", 200, CREDS);
    let out = t.log_in(false);
    let bodies: Vec<&String> = out.iter().filter(|f| f.contains("<body>")).collect();
    assert_eq!(bodies.len(), 2, "{out:?}");
    assert_eq!(attr_of(bodies[0], "id"), ids[1], "in order, same ids");
    assert_eq!(attr_of(bodies[1], "id"), ids[2]);
    let query = out
        .iter()
        .find(|f| f.contains("urn:xmpp:mam:2"))
        .expect("the archive is asked what was missed");
    let (iq, qid) = (attr_of(query, "id"), attr_of(query, "queryid"));
    let result = |id: &str, from: &str, attrs: &str, body: &str, stamp: &str| {
        format!("<message xmlns='jabber:client' to='v1@webchat.test/web'><result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'>{stamp}<message xmlns='jabber:client' from='{from}' to='v1@webchat.test' type='chat'{attrs}><body>{body}</body></message></forwarded></result></message>")
    };
    t.frame(&result(
        "A0",
        "v1@webchat.test/web",
        &format!(" id='{}'", ids[0]),
        "hi",
        "",
    ));
    t.frame(&result("A1", AGENT, " id='m1'", "hello", ""));
    t.frame(&result(
        "A2",
        AGENT,
        "",
        "missed while away",
        "<delay xmlns='urn:xmpp:delay' stamp='2026-12-05T12:00:00Z'/>",
    ));
    t.frame(&format!(
        "<iq xmlns='jabber:client' type='result' id='{iq}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"
    ));
    assert_eq!(
        t.texts(),
        [
            "hi",
            "hello",
            "typed in the tunnel",
            "and this",
            "missed while away"
        ]
    );
    assert!(t
        .visitor_messages()
        .iter()
        .all(|(_, s)| *s == MessageStatus::Sent));
    let missed = t
        .store
        .entries()
        .get_untracked()
        .into_iter()
        .find_map(|e| match e.kind {
            EntryKind::Message(m) if m.text == "missed while away" => Some((m.sender, m.at_ms)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        missed,
        (
            Sender::Agent { nick: "Ana".into() },
            Some(1_796_472_000_000)
        ),
        "first name from the credentials, time from the archive's stamp"
    );
}

#[test]
fn a_chat_the_backend_forgot_starts_afresh_with_what_waited() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.drop_socket();
    t.say("lost?");
    let storage = t.unload();
    let mut t = reload(&storage);
    // Transient trouble is retried.
    t.reply(Method::Get, "xmppcredentials/cr-1", 503, "");
    t.retry();
    t.reply(Method::Get, "xmppcredentials/cr-1", 404, "{}");
    assert!(t.take_logs().iter().any(|l| l.contains(
        "webchat: the saved chat cannot be continued (not found (404)); starting afresh"
    ) || l.contains("the saved chat cannot be continued")));
    assert!(
        t.asked(Method::Post, "chatsessions"),
        "what waited starts a new chat"
    );
    assert_eq!(t.texts(), ["hi", "lost?"], "the transcript stays");
}

#[test]
fn an_ended_chat_comes_back_ended_and_a_blocked_one_blocked() {
    for (frame, phase) in [
        (
            "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
            Phase::Ended,
        ),
        (
            "<blocked xmlns='http://jabber.org/protocol/chatstates'/>",
            Phase::Blocked,
        ),
    ] {
        let mut t = Tab::loaded(&campaign(true, true));
        t.chatting(false);
        t.agent(frame, "e1");
        let storage = t.unload();
        let t = reload(&storage);
        assert_eq!(t.phase(), phase);
        assert_eq!(t.paths(), ["campaigns/camp1"], "nothing to continue");
    }
}

#[test]
fn inbound_changes_are_saved_in_batches_and_page_hide_saves_at_once() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.advance(100);
    let writes = t.writes.len();
    t.agent("<body>one</body>", "m1");
    t.agent("<body>two</body>", "m2");
    assert!(!t.stored("transcript").unwrap().contains("two"), "not yet");
    t.advance(40);
    assert!(t.stored("transcript").unwrap().contains("two"));
    let transcripts = t.writes[writes..]
        .iter()
        .filter(|(k, _)| k == "transcript")
        .count();
    assert_eq!(transcripts, 1, "a burst is written once");
    // A frame's changes wait for the batch… unless the page goes away first.
    t.agent("<body>just before the navigation</body>", "m3");
    assert!(!t.stored("transcript").unwrap().contains("navigation"));
    let now = t.now();
    t.s.handle_page_hide(now);
    t.drain();
    assert!(t.stored("transcript").unwrap().contains("navigation"));
}

#[test]
fn what_the_visitor_does_is_saved_in_the_next_task_and_unchanged_values_are_not_rewritten() {
    let mut t = Tab::loaded(&campaign(true, true));
    let now = t.now();
    t.s.handle_action(UiAction::Open, now);
    // Not within the task …
    assert_eq!(t.s.poll_save(), None);
    t.drain();
    // … but in the next one.
    assert_eq!(t.stored("open").as_deref(), Some("1"));
    let writes = t.writes.len();
    t.act(UiAction::Open);
    assert_eq!(t.writes.len(), writes, "nothing changed, nothing written");
    t.act(UiAction::Minimise);
    assert_eq!(t.stored("open"), None);
}

#[test]
fn visitor_ids_persist_on_their_storage() {
    let t = Tab::loaded(&campaign(true, true));
    let id = t.s.visitor_id();
    let storage = t.unload();
    assert_eq!(
        reload(&storage).s.visitor_id(),
        id,
        "persistent ids survive"
    );
}
