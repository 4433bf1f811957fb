//! Reading the campaign: applied, offline, hidden for good, retried with backoff.

use leptos::prelude::GetUntracked;
use webchat::events::HostEvent;
use webchat::i18n::Lang;
use webchat::model::{MessageStatus, Phase};
use webchat::session::lifecycle::backoff_ms;
use webchat::session::Method;

use crate::sim::{campaign, Storage, Tab};

#[test]
fn the_campaign_is_applied_and_the_visitor_gets_an_id() {
    let mut t = Tab::open(&Storage::default());
    assert_eq!(
        t.phase(),
        Phase::Connecting,
        "calm while the campaign loads"
    );
    assert_eq!(t.paths(), ["campaigns/camp1"]);
    assert!(!t.store.configured().get_untracked(), "nothing shown yet");
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    let config = t.store.config().get_untracked();
    assert_eq!(config.color.as_deref(), Some("#ffd400"));
    assert_eq!(config.lang(), Lang::De);
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(t.take_events(), [HostEvent::Ready]);
    let id = t.s.visitor_id();
    assert_eq!(id.len(), 32, "{id}");
    assert_eq!(t.stored("visitor_id"), Some(id));
    assert!(
        t.stored("campaign").unwrap().contains("#ffd400"),
        "its look for the next page"
    );
}

#[test]
fn an_unavailable_campaign_is_offline_until_agents_come() {
    let mut t = Tab::loaded(&campaign(true, false));
    assert_eq!(t.phase(), Phase::Offline);
    // The visibility rules' polling finds agents.
    let now = t.now();
    t.s.handle_availability(true, now);
    t.drain();
    assert_eq!(t.phase(), Phase::Idle);
    let now = t.now();
    t.s.handle_availability(false, now);
    t.drain();
    assert_eq!(t.phase(), Phase::Offline);
}

#[test]
fn inactive_unknown_and_refused_campaigns_hide_the_widget_for_good() {
    for (status, body, why) in [
        (200, campaign(false, true), "the campaign is inactive"),
        (
            404,
            r#"{"Message":"nope"}"#.into(),
            "the campaign does not exist (404)",
        ),
        (
            401,
            r#"{"Message":"nope"}"#.into(),
            "the API token was refused (401)",
        ),
        (
            409,
            r#"{"Status":409,"Message":"CHAT_CAMPAIGN_INACTIVE"}"#.into(),
            "the campaign is inactive",
        ),
    ] {
        let storage = Storage::default();
        // A look remembered from an earlier page view is forgotten.
        storage
            .borrow_mut()
            .insert("campaign".into(), campaign(true, true));
        let mut t = Tab::open(&storage);
        t.reply(Method::Get, "campaigns/camp1", status, &body);
        assert!(t.hidden, "{status}");
        let logs = t.take_logs();
        assert_eq!(logs.len(), 1, "one console line: {logs:?}");
        assert!(logs[0].starts_with("Error: webchat: hidden: "), "{logs:?}");
        assert!(logs[0].contains(why), "{logs:?}");
        assert!(
            matches!(&t.take_events()[..], [HostEvent::Error { message }] if message.contains(why))
        );
        assert_eq!(t.stored("campaign"), None);
        assert_eq!(t.s.poll_timeout(), None, "no retry");
    }
}

#[test]
fn network_trouble_retries_with_growing_backoff_and_the_text_waits() {
    let mut t = Tab::open(&Storage::default());
    t.fail(Method::Get, "campaigns/camp1");
    assert_eq!(t.phase(), Phase::Connecting);
    assert!(!t.hidden);
    // The visitor may already write: the text waits as "sending".
    t.say("anyone?");
    assert_eq!(
        t.visitor_messages(),
        [("anyone?".into(), MessageStatus::Sending)]
    );
    // Each retry waits longer: 0.5–1 s, 1–2 s, 2–4 s, … up to 30 s.
    let mut waits = Vec::new();
    for (attempt, status) in [
        (1, 0),
        (2, 503),
        (3, 429),
        (4, 500),
        (5, 408),
        (6, 502),
        (7, 0),
    ] {
        let waited = t.retry();
        waits.push(waited);
        let ceiling = 1000u64 << (attempt - 1).min(5);
        let ceiling = ceiling.min(30_000);
        assert!(
            (ceiling / 2..=ceiling).contains(&waited),
            "attempt {attempt}: {waited} ms"
        );
        assert!(t.asked(Method::Get, "campaigns/camp1"));
        if status == 0 {
            t.fail(Method::Get, "campaigns/camp1");
        } else {
            t.reply(Method::Get, "campaigns/camp1", status, "");
        }
    }
    assert!(waits.windows(2).take(4).all(|w| w[0] < w[1]), "{waits:?}");
    let logs = t.take_logs();
    assert_eq!(logs.len(), 8);
    assert!(
        logs[0].starts_with("Warn: webchat: network error: offline; trying again in "),
        "{logs:?}"
    );
    assert!(
        logs[2].starts_with("Warn: webchat: HTTP 503; trying again in "),
        "{logs:?}"
    );
    // The campaign comes: the chat starts with the text, and the backoff starts over.
    t.retry();
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert!(t.asked(Method::Post, "chatsessions"));
    assert_eq!(t.phase(), Phase::Connecting);
    t.fail(Method::Post, "chatsessions");
    let waited = t.retry();
    assert!((500..=1000).contains(&waited), "{waited}");
    assert_eq!(backoff_ms(1, 0.0), 500);
}

#[test]
fn written_while_loading_an_unavailable_campaign_fails_offline() {
    let mut t = Tab::open(&Storage::default());
    t.say("hello?");
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, false));
    assert_eq!(t.phase(), Phase::Offline);
    assert_eq!(
        t.visitor_messages(),
        [("hello?".into(), MessageStatus::Failed)]
    );
    assert!(!t.asked(Method::Post, "chatsessions"));
}

#[test]
fn the_campaign_remembered_from_the_last_page_view_shows_at_once() {
    let storage = Storage::default();
    storage
        .borrow_mut()
        .insert("campaign".into(), campaign(true, true));
    let t = Tab::open(&storage);
    assert!(t.store.configured().get_untracked());
    assert_eq!(t.store.config().get_untracked().lang(), Lang::De);
    assert_eq!(t.phase(), Phase::Connecting, "still read again");
}
