//! A live chat: what the agent sends, what the visitor does, lost connections.

use leptos::prelude::GetUntracked;
use webchat::events::{Direction, EndedBy as HostEndedBy, HostEvent};
use webchat::model::{ChatState, EntryKind, MessageStatus, Notice, Phase, Sender};
use webchat::session::{Method, UiAction};

use crate::sim::{attr_of, campaign, Tab, AGENT, CREDS, SESSION, WALL0};

fn agent_rows(t: &Tab) -> Vec<(String, String, Option<u64>)> {
    t.store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => match m.sender {
                Sender::Agent { nick } => Some((nick, m.text, m.at_ms)),
                _ => None,
            },
            EntryKind::Notice(_) => None,
        })
        .collect()
}

#[test]
fn what_the_agent_sends_is_shown_and_told_to_the_page() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.take_events();
    t.agent(
        "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
        "t1",
    );
    assert!(t.store.agent_typing().get_untracked());
    t.agent(
        "<body>Hi! How can I help?</body><nick xmlns='http://jabber.org/protocol/nick'>ana</nick>",
        "m1",
    );
    assert!(
        !t.store.agent_typing().get_untracked(),
        "a message ends typing"
    );
    // Shown by first name (from the credentials), told to the page by nick.
    assert_eq!(agent_rows(&t)[0].0, "Ana");
    let events = t.take_events();
    assert_eq!(
        events,
        [
            HostEvent::AgentTyping { typing: true },
            HostEvent::AgentTyping { typing: false },
            HostEvent::Message {
                direction: Direction::Agent,
                sender: "ana".into(),
                text: "Hi! How can I help?".into(),
                id: "m1".into(),
            }
        ]
    );
    // The same message again (a redelivery) is not shown twice.
    t.agent("<body>Hi! How can I help?</body>", "m1");
    assert_eq!(agent_rows(&t).len(), 1);
    // Transferred: a notice with the first name, the raw body never shown.
    t.agent(
        "<body>visitor_forward_message</body><internal xmlns='http://cobrowser.io/protocol/chatsession#forward'><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>bo</nickname><firstname>Bo</firstname></agent></internal>",
        "f1",
    );
    assert!(t.notices().contains(&Notice::Transferred {
        firstname: "Bo".into()
    }));
    assert!(!t.texts().iter().any(|x| x.contains("visitor_forward")));
    assert_eq!(t.store.agent_name().get_untracked().as_deref(), Some("Bo"));
    t.agent(
        "<body>Bo here</body><nick xmlns='http://jabber.org/protocol/nick'>bo</nick>",
        "m2",
    );
    t.agent(
        "<body>a third</body><nick xmlns='http://jabber.org/protocol/nick'>cy</nick>",
        "m3",
    );
    let names: Vec<String> = agent_rows(&t).into_iter().map(|r| r.0).collect();
    assert_eq!(
        names,
        ["Ana", "Bo", "cy"],
        "a nick nobody named stays a nick"
    );
    // Hostile text is kept as text.
    t.agent("<body>&lt;img src=x onerror=alert(1)&gt;</body>", "x1");
    assert!(t
        .texts()
        .contains(&"<img src=x onerror=alert(1)>".to_owned()));
    // Each message carries the time it came.
    assert!(agent_rows(&t)
        .iter()
        .all(|(_, _, at)| at.is_some_and(|at| at > WALL0)));
}

#[test]
fn a_message_the_server_held_back_keeps_its_send_time() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.agent(
        "<body>sorry, I was away</body><delay xmlns='urn:xmpp:delay' from='webchat.test' stamp='2026-12-05T10:42:00Z'/>",
        "d1",
    );
    t.agent(
        "<body>back now</body><delay xmlns='urn:xmpp:delay' stamp='not a time'/>",
        "d2",
    );
    let rows = agent_rows(&t);
    assert_eq!(rows[0].2, Some(1_796_467_320_000), "the stamp's time");
    assert_eq!(
        rows[1].2,
        Some(WALL0 + t.now),
        "a bad stamp: the arrival time"
    );
}

#[test]
fn the_agent_ends_the_chat_and_the_survey_opens() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.take_events();
    t.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    let out = t.sent();
    assert!(out.iter().any(|f| f.contains("<closed")), "{out:?}");
    assert!(out.iter().any(|f| f.starts_with("<close ")), "{out:?}");
    assert_eq!(t.phase(), Phase::Ended);
    assert_eq!(
        t.store.survey().get_untracked(),
        webchat::model::SurveyState::Open
    );
    assert!(t
        .notices()
        .contains(&Notice::Ended(webchat::model::EndedBy::Agent)));
    assert_eq!(
        t.take_events(),
        [HostEvent::ChatEnded {
            by: HostEndedBy::Agent
        }]
    );
    // The server closes: the socket is left to the server to close (linger).
    let socket = t.socket();
    t.frame("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    assert!(t.closed.contains(&(socket, true)), "{:?}", t.closed);
    t.advance(100);
    assert_eq!(t.s.poll_timeout(), None, "nothing left to do");
    // Nothing more can be sent; a new chat can be started.
    t.say("still there?");
    assert!(!t.texts().contains(&"still there?".to_owned()));
    t.act(UiAction::StartNewChat);
    assert_eq!(t.phase(), Phase::Idle);
    assert!(t.texts().is_empty());
    assert_eq!(
        t.store.survey().get_untracked(),
        webchat::model::SurveyState::Hidden
    );
}

#[test]
fn a_block_means_no_new_chat() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.agent(
        "<blocked xmlns='http://jabber.org/protocol/chatstates'/>",
        "b1",
    );
    assert_eq!(t.phase(), Phase::Blocked);
    assert!(t.notices().contains(&Notice::Blocked));
    assert_eq!(
        t.store.survey().get_untracked(),
        webchat::model::SurveyState::Hidden
    );
    t.act(UiAction::StartNewChat);
    t.say("again");
    assert_eq!(t.phase(), Phase::Blocked);
    assert_eq!(
        t.requests
            .iter()
            .filter(|r| r.path == "chatsessions")
            .count(),
        1
    );
}

#[test]
fn the_visitor_ends_the_chat_properly() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.take_events();
    t.act(UiAction::EndChat);
    let out = t.sent();
    let closed = out.iter().position(|f| f.contains("<closed"));
    let close = out.iter().position(|f| f.starts_with("<close "));
    assert!(
        matches!((closed, close), (Some(a), Some(b)) if a < b),
        "{out:?}"
    );
    assert_eq!(t.phase(), Phase::Ended);
    assert_eq!(
        t.take_events(),
        [HostEvent::ChatEnded {
            by: HostEndedBy::Visitor
        }]
    );
}

#[test]
fn composer_states_go_to_the_agent_and_active_waits_for_the_message() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.act(UiAction::ChatState(ChatState::Composing));
    assert!(t.sent().iter().any(|f| f.contains("<composing")));
    // Enter: `active`, then the message in the same task. The message carries `active`.
    let now = t.now();
    t.s.handle_action(UiAction::ChatState(ChatState::Active), now);
    t.s.handle_action(UiAction::SendText("done".into()), now);
    t.drain();
    let out = t.sent();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].contains("<body>done</body>") && out[0].contains("<active"));
    // Alone (text cleared), `active` goes out at the end of the task.
    t.act(UiAction::ChatState(ChatState::Paused));
    t.sent();
    t.act(UiAction::ChatState(ChatState::Active));
    let out = t.sent();
    assert!(
        out.len() == 1 && out[0].contains("<active") && !out[0].contains("<body>"),
        "{out:?}"
    );
}

#[test]
fn a_dropped_connection_reconnects_and_sends_what_waited_in_order() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    let first = t.socket();
    t.drop_socket();
    assert_eq!(t.phase(), Phase::Reconnecting);
    assert!(t.take_logs()[0]
        .starts_with("Warn: webchat: connection lost (TransportClosed); trying again in "));
    // Typed while reconnecting: shown at once, waiting, in order.
    t.say("still there?");
    t.say("hello?");
    assert_eq!(
        &t.visitor_messages()[1..],
        [
            ("still there?".into(), MessageStatus::Sending),
            ("hello?".into(), MessageStatus::Sending)
        ]
    );
    let waited = t.retry();
    assert!((500..=1000).contains(&waited), "{waited}");
    assert_eq!(t.connects.len(), 2);
    assert_ne!(t.socket(), first);
    // A frame of the old socket is its last word, ignored.
    t.frame_on(first, "<message xmlns='jabber:client' type='chat' from='ana@internal.webchat.test/c'><body>ghost</body></message>");
    assert!(!t.texts().contains(&"ghost".to_owned()));
    // A new stream with the same credentials (no new REST calls).
    let after = t.log_in(false);
    let bodies: Vec<&String> = after.iter().filter(|f| f.contains("<body>")).collect();
    assert_eq!(bodies.len(), 2, "{after:?}");
    assert!(bodies[0].contains("still there?") && bodies[1].contains("hello?"));
    assert_eq!(t.phase(), Phase::Chatting);
    assert!(t
        .visitor_messages()
        .iter()
        .all(|(_, s)| *s == MessageStatus::Sent));
    assert_eq!(
        t.paths(),
        ["campaigns/camp1", "chatsessions", "xmppcredentials"]
    );
}

#[test]
fn reconnects_back_off_until_the_stream_is_up_again() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    let mut waits = Vec::new();
    for _ in 0..4 {
        t.drop_socket();
        waits.push(t.retry());
    }
    assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
    t.log_in(false);
    t.drop_socket();
    let waited = t.retry();
    assert!(
        waited <= 1000,
        "connected: the backoff started over ({waited})"
    );
}

#[test]
fn refused_credentials_end_the_chat_attempt_instead_of_retrying() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hi");
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    t.reply(Method::Post, "xmppcredentials", 201, CREDS);
    t.sent();
    t.frame(crate::sim::OPEN_S);
    t.frame(crate::sim::FEATURES_SASL);
    t.take_events();
    t.frame("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
    assert_eq!(t.phase(), Phase::Idle);
    let logs = t.take_logs();
    assert!(
        logs.iter()
            .any(|l| l
                .starts_with("Error: webchat: the chat connection failed: authentication failed")),
        "{logs:?}"
    );
    assert!(t
        .take_events()
        .iter()
        .any(|e| matches!(e, HostEvent::Error { .. })));
    assert_eq!(t.s.session_id(), None, "a retry starts a fresh session");
    // The next message starts a new chat session.
    t.say("again");
    assert_eq!(
        t.requests
            .iter()
            .filter(|r| r.path == "chatsessions")
            .count(),
        2
    );
}

#[test]
fn a_silent_server_is_pinged_and_then_given_up_on() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    // The keepalive comes from the chat's own timer, driven by the session's timer table.
    let mut waited = 0;
    while !t.sent().iter().any(|f| f.contains("urn:xmpp:ping")) {
        waited += t.fire();
    }
    assert!(waited >= 10_000, "after a quiet spell: {waited} ms");
    while t.phase() == Phase::Chatting {
        t.fire();
    }
    assert_eq!(
        t.phase(),
        Phase::Reconnecting,
        "no answer: the stream is lost"
    );
    assert!(t
        .take_logs()
        .iter()
        .any(|l| l.contains("connection lost (Timeout)")));
}

#[test]
fn shutdown_ends_a_live_chat_properly_and_remembers_it_ended() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    let socket = t.socket();
    let now = t.now();
    t.s.handle_shutdown(now);
    t.drain();
    let out = t.sent();
    assert!(out.iter().any(|f| f.contains("<closed")), "{out:?}");
    assert!(t.closed.iter().any(|(s, _)| *s == socket));
    assert!(t.stored("chat").unwrap().contains("\"ended\""));
    assert_eq!(t.s.poll_timeout(), None);
    // Nothing is heard afterwards.
    let now = t.now();
    t.s.handle_action(UiAction::SendText("after".into()), now);
    t.drain();
    assert!(!t.texts().contains(&"after".to_owned()));
}

#[test]
fn a_message_the_agent_could_not_take_shows_on_its_way_until_sent_again() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.frame(&format!("<presence xmlns='jabber:client' from='{AGENT}'/>"));
    t.say("are you there?");
    let sent = t.sent();
    let id = sent
        .iter()
        .find(|f| f.contains("are you there?"))
        .map(|f| attr_of(f, "id"))
        .expect("the message went out");
    assert_eq!(
        t.visitor_messages()[1],
        ("are you there?".into(), MessageStatus::Sent)
    );
    // The agent's connection is gone: the server sends it back.
    t.frame(&format!(
        "<message xmlns='jabber:client' type='error' id='{id}' from='{AGENT}' to='v1@webchat.test/web'><body>are you there?</body><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
    ));
    assert_eq!(
        t.visitor_messages()[1],
        ("are you there?".into(), MessageStatus::Sending)
    );
    assert!(t.notices().contains(&Notice::AgentUnavailable));
    // The agent is back: the same message goes again and counts as sent.
    t.frame(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}'><status>available</status></presence>"
    ));
    let again = t.sent();
    assert!(
        again
            .iter()
            .any(|f| f.contains("are you there?") && attr_of(f, "id") == id),
        "{again:?}"
    );
    assert_eq!(
        t.visitor_messages()[1],
        ("are you there?".into(), MessageStatus::Sent)
    );
    assert_eq!(
        t.texts().iter().filter(|x| *x == "are you there?").count(),
        1,
        "shown once"
    );
}
