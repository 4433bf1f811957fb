//! Tabs of one persistent visitor: the leader holds the chat, followers mirror it and send
//! through it, a follower takes over when the leader's tab closes.

use leptos::prelude::GetUntracked;
use webchat::events::HostEvent;
use webchat::model::{ChatState, CobrowseState, MessageStatus, Phase, SurveyState};
use webchat::session::{Method, TabMessage, ToLeader, UiAction, UserInfo};

use crate::sim::{campaign, deliver, Storage, Tab, CREDS};

/// A tab that joined the group (the lock not granted yet) and read the campaign.
fn member(storage: &Storage, seed: u64) -> Tab {
    let mut t = Tab::open_seeded(storage, seed);
    let now = t.now();
    t.s.handle_tabs_joined(false, now);
    t.drain();
    t
}

fn becomes_leader(t: &mut Tab) {
    t.now += 1;
    let now = t.now();
    t.s.handle_became_leader(now);
    t.drain();
}

/// Two tabs: the first (the leader) in a chat, the second showing it.
fn two_tabs_chatting() -> (Tab, Tab) {
    let storage = Storage::default();
    let mut a = member(&storage, 1);
    becomes_leader(&mut a);
    a.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    a.chatting(false);
    let mut b = member(&storage, 2);
    b.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert_eq!(b.posted, [TabMessage::ToLeader(ToLeader::Hello)]);
    deliver(&mut a, &mut b);
    a.take_events();
    b.take_events();
    (a, b)
}

#[test]
fn a_second_tab_shows_the_chat_without_a_connection_of_its_own() {
    let (a, b) = two_tabs_chatting();
    assert_eq!(b.texts(), ["hi"]);
    assert_eq!(b.phase(), Phase::Chatting);
    assert_eq!(b.store.agent_name().get_untracked().as_deref(), Some("Ana"));
    assert!(b.connects.is_empty(), "only the leader connects");
    assert_eq!(b.paths(), ["campaigns/camp1"]);
    assert_eq!(b.s.visitor_id(), a.s.visitor_id());
    let written: Vec<&str> = b.writes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        written,
        ["campaign"],
        "a follower keeps only the campaign's look"
    );
}

#[test]
fn what_the_visitor_does_in_a_follower_goes_out_through_the_leader() {
    let (mut a, mut b) = two_tabs_chatting();
    a.sent();
    b.say("from the other tab");
    assert_eq!(
        b.visitor_messages()[1],
        ("from the other tab".into(), MessageStatus::Sending),
        "shown at once"
    );
    assert!(
        matches!(&b.take_events()[..], [HostEvent::Message { sender, .. }] if sender == "visitor")
    );
    b.act(UiAction::ChatState(ChatState::Composing));
    deliver(&mut a, &mut b);
    let out = a.sent();
    assert_eq!(
        out.iter()
            .filter(|f| f.contains("<body>from the other tab</body>"))
            .count(),
        1,
        "{out:?}"
    );
    assert!(out.iter().any(|f| f.contains("<composing")), "{out:?}");
    assert_eq!(a.texts(), ["hi", "from the other tab"]);
    // Delivered: sent in both; the leader's page heard nothing of it (the follower's did).
    deliver(&mut a, &mut b);
    assert_eq!(b.visitor_messages()[1].1, MessageStatus::Sent);
    // The agent's answer shows in both.
    a.agent("<body>seen in both tabs</body>", "m9");
    deliver(&mut a, &mut b);
    assert_eq!(b.texts(), ["hi", "from the other tab", "seen in both tabs"]);
    // A repeat of the same message is not sent twice.
    let id = b.visitor_ids()[1].clone();
    let now = a.now();
    a.s.handle_tab_message(
        TabMessage::ToLeader(ToLeader::Send {
            id: id.into(),
            text: "from the other tab".into(),
            at: None,
        }),
        now,
    );
    a.drain();
    assert!(a.sent().is_empty());
}

#[test]
fn the_follower_takes_over_when_the_leader_closes() {
    let (mut a, mut b) = two_tabs_chatting();
    // Written in the follower just before the leader's tab closed: never reached it.
    b.say("in flight");
    b.posted.clear();
    a.agent("<body>before the close</body>", "m1");
    a.advance(100);
    let storage = a.unload();
    assert!(storage.borrow().contains_key("chat"));
    becomes_leader(&mut b);
    assert_eq!(b.paths(), ["campaigns/camp1", "xmppcredentials/cr-1"]);
    b.reply(Method::Get, "xmppcredentials/cr-1", 200, CREDS);
    assert_eq!(b.connects.len(), 1, "the new leader connects");
    let after = b.log_in(false);
    let bodies: Vec<&String> = after.iter().filter(|f| f.contains("<body>")).collect();
    assert_eq!(bodies.len(), 1, "only what never went out: {after:?}");
    assert!(bodies[0].contains("in flight"));
    assert_eq!(b.phase(), Phase::Chatting);
    assert_eq!(b.texts(), ["hi", "before the close", "in flight"]);
    b.say("after the takeover");
    assert!(b
        .sent()
        .iter()
        .any(|f| f.contains("<body>after the takeover</body>")));
}

#[test]
fn a_lock_granted_before_the_campaign_continues_the_saved_chat() {
    let mut a = Tab::loaded(&campaign(true, true));
    a.chatting(false);
    let storage = a.unload();
    // The next page joins the group, gets the lock at once, then reads the campaign.
    let mut t = member(&storage, 3);
    becomes_leader(&mut t);
    assert_eq!(t.phase(), Phase::Connecting);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert!(t.asked(Method::Get, "xmppcredentials/cr-1"));
}

#[test]
fn the_cobrowsing_prompt_and_the_survey_are_answered_in_any_tab_once() {
    let (mut a, mut b) = two_tabs_chatting();
    a.agent(
        "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>",
        "c1",
    );
    deliver(&mut a, &mut b);
    assert_eq!(b.store.cobrowse().get_untracked(), CobrowseState::Requested);
    a.take_events();
    a.sent();
    // Declined in the second tab: gone in both, one answer to the agent, one event (on the
    // page where the visitor answered).
    b.act(UiAction::CobrowseAnswer { accepted: false });
    assert_eq!(b.store.cobrowse().get_untracked(), CobrowseState::Denied);
    // A stale view (sent before the answer arrived) does not ask again.
    let now = a.now();
    a.s.handle_tab_message(TabMessage::ToLeader(ToLeader::Hello), now);
    a.drain();
    let stale = a.posted.clone();
    for m in stale {
        let now = b.now();
        b.s.handle_tab_message(m, now);
        b.drain();
    }
    assert_eq!(b.store.cobrowse().get_untracked(), CobrowseState::Denied);
    a.posted.clear();
    deliver(&mut a, &mut b);
    assert_eq!(a.store.cobrowse().get_untracked(), CobrowseState::Denied);
    assert_eq!(
        a.sent()
            .iter()
            .filter(|f| f.contains("cobrowsing_denied"))
            .count(),
        1
    );
    assert!(a.take_events().is_empty());
    assert_eq!(b.take_events(), [HostEvent::CobrowsingDenied]);
    // A second press changes nothing.
    b.act(UiAction::CobrowseAnswer { accepted: true });
    deliver(&mut a, &mut b);
    assert!(a.sent().is_empty());
    assert!(b.take_events().is_empty());

    // The agent ends the chat: the survey opens in both tabs.
    a.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    deliver(&mut a, &mut b);
    assert_eq!(b.store.survey().get_untracked(), SurveyState::Open);
    assert_eq!(b.phase(), Phase::Ended);
    // Answered in the second tab: answered in the first, sent once.
    b.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: None,
    });
    deliver(&mut a, &mut b);
    let answered = SurveyState::Submitted {
        value: "good".into(),
        comment: None,
    };
    assert_eq!(a.store.survey().get_untracked(), answered);
    assert_eq!(b.store.survey().get_untracked(), answered);
    assert_eq!(
        a.requests
            .iter()
            .filter(|r| r.method == Method::Patch)
            .count(),
        1
    );
    assert!(b.requests.iter().all(|r| r.method != Method::Patch));
    // Changed in the first tab: the second follows.
    a.act(UiAction::SurveyAnswer {
        value: "bad".into(),
        comment: Some("slow".into()),
    });
    deliver(&mut a, &mut b);
    assert_eq!(
        b.store.survey().get_untracked(),
        SurveyState::Submitted {
            value: "bad".into(),
            comment: Some("slow".into())
        }
    );
    // A new chat from the follower.
    b.act(UiAction::StartNewChat);
    assert!(b.texts().is_empty(), "emptied at once");
    deliver(&mut a, &mut b);
    assert_eq!(a.phase(), Phase::Idle);
    assert_eq!(b.phase(), Phase::Idle);
}

#[test]
fn reset_and_tag_in_a_follower_are_the_leaders() {
    let (mut a, mut b) = two_tabs_chatting();
    let old = a.s.visitor_id();
    let now = b.now();
    b.s.handle_reset(now);
    b.drain();
    deliver(&mut a, &mut b);
    assert_ne!(a.s.visitor_id(), old);
    assert_eq!(
        b.s.visitor_id(),
        a.s.visitor_id(),
        "the identity is the leader's"
    );
    assert!(b.texts().is_empty());
    assert_eq!(b.phase(), Phase::Idle);
    let user = UserInfo::from_json(&serde_json::json!({"email": "ana@x.example"})).unwrap();
    let now = b.now();
    assert_eq!(b.s.handle_tag(user, now), Ok(()));
    b.drain();
    deliver(&mut a, &mut b);
    assert_eq!(a.s.visitor_id(), "user:email:ana@x.example");
    assert_eq!(
        b.s.user().map(|u| u.email.clone()).as_deref(),
        Some("ana@x.example")
    );
    // The follower's end is the leader's.
    b.act(UiAction::EndChat);
    deliver(&mut a, &mut b);
}

#[test]
fn a_follower_ends_the_leaders_chat() {
    let (mut a, mut b) = two_tabs_chatting();
    a.sent();
    b.act(UiAction::EndChat);
    deliver(&mut a, &mut b);
    assert!(a.sent().iter().any(|f| f.contains("<closed")));
    assert_eq!(a.phase(), Phase::Ended);
    assert_eq!(b.phase(), Phase::Ended);
}
