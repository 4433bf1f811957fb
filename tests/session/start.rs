//! Starting a chat: the REST chain and each of its failures.

use webchat::events::HostEvent;
use webchat::model::{MessageStatus, Phase};
use webchat::session::{Method, UiAction};

use crate::sim::{campaign, Tab, CREDS, SESSION, WS_URL};

#[test]
fn the_first_message_creates_the_session_then_the_credentials_then_the_socket() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.take_events();
    t.say("Hello there");
    assert_eq!(
        t.visitor_messages(),
        [("Hello there".into(), MessageStatus::Sending)],
        "shown at once"
    );
    assert_eq!(t.phase(), Phase::Connecting);
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["campaign_id"], "camp1");
    assert_eq!(body["tracker_id"], t.s.visitor_id().as_str());
    assert_eq!(body["request_url"], "http://shop.test/cart");
    assert!(body.get("user").is_none() || body["user"].is_null());
    assert!(
        t.requests.last().unwrap().headers.is_empty(),
        "nothing to prove yet"
    );
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    assert_eq!(
        t.requests.last().unwrap().body.as_deref(),
        Some(r#"{"chatsession_id":"cs-1"}"#)
    );
    // The chat's own secret proves this browser is its visitor.
    assert_eq!(
        t.header(Method::Post, "xmppcredentials", "X-Chat-Secret")
            .as_deref(),
        Some("k3y")
    );
    t.reply(Method::Post, "xmppcredentials", 201, CREDS);
    assert_eq!(t.connects.len(), 1);
    assert_eq!(t.connects[0].1, WS_URL);
    let after = t.log_in(false);
    // The three presences, then the queued message.
    assert_eq!(
        after.iter().filter(|f| f.starts_with("<presence")).count(),
        3
    );
    assert!(after.iter().any(|f| f.contains("<body>Hello there</body>")));
    assert_eq!(t.phase(), Phase::Chatting);
    // Without stream management what went out on the live stream counts as sent.
    assert_eq!(
        t.visitor_messages(),
        [("Hello there".into(), MessageStatus::Sent)]
    );
    let events = t.take_events();
    assert!(events.contains(&HostEvent::ChatStarted {
        session_id: "cs-1".into()
    }));
    assert!(matches!(&events[0], HostEvent::Message { text, .. } if text == "Hello there"));
}

#[test]
fn no_availability_keeps_the_text_and_goes_offline() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("Is my order on its way?");
    t.reply(
        Method::Post,
        "chatsessions",
        409,
        r#"{"Status":409,"StatusText":"Conflict","Message":"No Availability"}"#,
    );
    assert_eq!(t.phase(), Phase::Offline);
    assert_eq!(
        t.visitor_messages(),
        [("Is my order on its way?".into(), MessageStatus::Failed)]
    );
    // Agents come back (the visibility rules' poll): the text can be retried.
    let now = t.now();
    t.s.handle_availability(true, now);
    t.drain();
    assert_eq!(t.phase(), Phase::Idle);
    let id = t.visitor_ids()[0].clone();
    t.act(UiAction::Retry(id.into()));
    assert_eq!(
        t.visitor_messages(),
        [("Is my order on its way?".into(), MessageStatus::Sending)]
    );
    assert_eq!(
        t.requests
            .iter()
            .filter(|r| r.path == "chatsessions")
            .count(),
        2
    );
}

#[test]
fn an_inactive_campaign_or_a_refused_token_at_start_hides_the_widget() {
    for (status, body) in [
        (409, r#"{"Message":"CHAT_CAMPAIGN_INACTIVE"}"#),
        (401, "{}"),
        (404, "{}"),
    ] {
        let mut t = Tab::loaded(&campaign(true, true));
        t.say("hi");
        t.reply(Method::Post, "chatsessions", status, body);
        assert!(t.hidden, "{status}");
        assert_eq!(t.take_logs().len(), 1);
    }
}

#[test]
fn another_refusal_ends_the_attempt_with_one_error() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.take_events();
    t.say("hi");
    t.reply(Method::Post, "chatsessions", 400, r#"{"Message":"bad"}"#);
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(t.visitor_messages(), [("hi".into(), MessageStatus::Failed)]);
    let logs = t.take_logs();
    assert!(
        logs == ["Error: webchat: cannot start the chat: the server refused the request: HTTP 400"]
            || logs[0].starts_with("Error: webchat: cannot start the chat: "),
        "{logs:?}"
    );
    assert!(t
        .take_events()
        .iter()
        .any(|e| matches!(e, HostEvent::Error { .. })));
    assert_eq!(t.s.poll_timeout(), None, "not retried");
}

#[test]
fn failed_credentials_retry_on_the_session_already_created() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hi");
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    t.reply(Method::Post, "xmppcredentials", 503, "");
    assert_eq!(t.phase(), Phase::Connecting, "calm");
    t.retry();
    // No second session: the credentials are asked for again for cs-1.
    assert!(t.asked(Method::Post, "xmppcredentials"));
    assert_eq!(
        t.requests
            .iter()
            .filter(|r| r.path == "chatsessions")
            .count(),
        1
    );
    t.reply(Method::Post, "xmppcredentials", 201, CREDS);
    t.log_in(false);
    assert_eq!(t.phase(), Phase::Chatting);
    assert_eq!(
        t.take_events()
            .iter()
            .filter(|e| matches!(e, HostEvent::ChatStarted { .. }))
            .count(),
        1
    );
}

#[test]
fn a_bad_agent_address_ends_the_attempt() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hi");
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    t.reply(
        Method::Post,
        "xmppcredentials",
        201,
        &CREDS.replace("ana@internal.webchat.test", "@@"),
    );
    assert_eq!(t.phase(), Phase::Idle);
    assert!(t.connects.is_empty());
    assert_eq!(t.visitor_messages(), [("hi".into(), MessageStatus::Failed)]);
    assert!(t.take_logs()[0].contains("the agent's address \"@@\" is invalid"));
}

#[test]
fn ending_before_the_chat_exists_forgets_the_replies() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hi");
    t.act(UiAction::EndChat);
    assert_eq!(t.phase(), Phase::Ended);
    assert_eq!(t.visitor_messages(), [("hi".into(), MessageStatus::Failed)]);
    t.reply(Method::Post, "chatsessions", 201, SESSION);
    assert!(
        !t.asked(Method::Post, "xmppcredentials"),
        "a late reply is ignored"
    );
    // A new chat after the end.
    t.act(UiAction::StartNewChat);
    assert_eq!(t.phase(), Phase::Idle);
    assert!(t.texts().is_empty());
}
