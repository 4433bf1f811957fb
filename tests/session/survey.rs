//! The survey PATCH (and re-rating) and the co-browsing prompt.

use leptos::prelude::GetUntracked;
use webchat::events::HostEvent;
use webchat::model::{CobrowseState, SurveyState};
use webchat::session::{Method, UiAction};

use crate::sim::{campaign, Tab};

const REQUEST: &str = "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>";

fn ended() -> Tab {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    t.take_events();
    t
}

#[test]
fn the_survey_is_sent_and_can_be_changed() {
    let mut t = ended();
    assert_eq!(t.store.survey().get_untracked(), SurveyState::Open);
    t.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: Some("Quick and kind".into()),
    });
    assert_eq!(
        t.store.survey().get_untracked(),
        SurveyState::Submitted {
            value: "good".into(),
            comment: Some("Quick and kind".into())
        }
    );
    assert_eq!(
        t.requests.last().unwrap().body.as_deref(),
        Some(r#"{"survey":{"result":"good","message":"Quick and kind"}}"#)
    );
    assert_eq!(
        t.header(Method::Patch, "chatsessions/cs-1", "X-Chat-Secret")
            .as_deref(),
        Some("k3y")
    );
    t.reply(Method::Patch, "chatsessions/cs-1", 200, "{}");
    assert_eq!(
        t.take_events(),
        [HostEvent::SurveySubmitted {
            result: "good".into(),
            comment: Some("Quick and kind".into())
        }]
    );
    // Changed: sent again; a blank comment is none.
    t.act(UiAction::SurveyAnswer {
        value: "bad".into(),
        comment: Some("  ".into()),
    });
    assert_eq!(
        t.requests.last().unwrap().body.as_deref(),
        Some(r#"{"survey":{"result":"bad"}}"#)
    );
    // The backend refuses (a value the campaign does not allow): one warning, nothing else.
    t.reply(
        Method::Patch,
        "chatsessions/cs-1",
        422,
        r#"{"Message":"not allowed"}"#,
    );
    let logs = t.take_logs();
    assert_eq!(logs.len(), 1);
    assert!(
        logs[0].starts_with("Warn: webchat: the survey was not saved: "),
        "{logs:?}"
    );
    // No network either: one warning.
    t.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: None,
    });
    t.fail(Method::Patch, "chatsessions/cs-1");
    assert_eq!(
        t.take_logs(),
        ["Warn: webchat: the survey was not saved: network error: offline"]
    );
}

#[test]
fn a_survey_without_a_chat_session_is_not_sent() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hi");
    t.act(UiAction::EndChat);
    t.take_logs();
    t.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: None,
    });
    assert!(!t.asked(Method::Patch, "chatsessions/cs-1"));
    assert_eq!(
        t.take_logs(),
        ["Warn: webchat: no chat session; the survey was not sent"]
    );
}

#[test]
fn the_cobrowsing_prompt_is_answered_once() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.take_events();
    t.agent(REQUEST, "c1");
    assert_eq!(t.store.cobrowse().get_untracked(), CobrowseState::Requested);
    assert_eq!(t.take_events(), [HostEvent::CobrowsingRequested]);
    t.act(UiAction::CobrowseAnswer { accepted: true });
    assert_eq!(t.store.cobrowse().get_untracked(), CobrowseState::Accepted);
    assert_eq!(t.take_events(), [HostEvent::CobrowsingAccepted]);
    assert_eq!(
        t.sent()
            .iter()
            .filter(|f| f.contains("cobrowsing_accepted"))
            .count(),
        1
    );
    // A second press finds nothing to answer.
    t.act(UiAction::CobrowseAnswer { accepted: false });
    assert!(t.take_events().is_empty());
    assert!(t.sent().is_empty());
    // The chat ends while asked again: the prompt goes.
    t.agent(REQUEST, "c2");
    t.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    assert_eq!(t.store.cobrowse().get_untracked(), CobrowseState::Idle);
}

#[test]
fn cobrowsing_needs_the_campaign_and_a_chat() {
    let off = campaign(true, true).replace(
        r#""cobrowsing":{"active":true"#,
        r#""cobrowsing":{"active":false"#,
    );
    let mut t = Tab::loaded(&off);
    t.chatting(false);
    t.take_events();
    t.agent(REQUEST, "c1");
    assert_eq!(t.store.cobrowse().get_untracked(), CobrowseState::Idle);
    assert!(t.take_events().is_empty());
}
