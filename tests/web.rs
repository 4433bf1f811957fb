#![cfg(target_arch = "wasm32")]
//! Browser tests for the widget (Chromium and Firefox through wasm-bindgen-test-runner).
//!
//! Every test mounts a fresh widget into a fresh host element (all tests share one page), acts
//! through the DOM as a visitor would, waits for the reactive system to settle, and asserts on
//! what the shadow root contains and which actions reached the sink.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::GetUntracked;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};

use webchat::actions::UiAction;
use webchat::i18n::Lang;
use webchat::model::{
    ChatState, ChatStore, CobrowseConfig, CobrowseState, EndedBy, MessageStatus, Notice, Phase,
    SurveyConfig, SurveyOption, SurveyState, WidgetConfig,
};
use webchat::mount::{mount_widget, MountedWidget};
use webchat::session::ViewUpdate;

mod support;
use support::shadow::{mounted_fixture, Shadowed};
use support::{computed, document, fresh_host, settle};

wasm_bindgen_test_configure!(run_in_browser);

// ---------- harness ----------

/// Recorded actions.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<UiAction>>>);

impl Recorder {
    fn take(&self) -> Vec<UiAction> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

struct Fixture {
    host: HtmlElement,
    store: ChatStore,
    actions: Recorder,
    widget: Option<MountedWidget>,
}

mounted_fixture!(Fixture);

impl Fixture {
    fn textarea(&self) -> HtmlTextAreaElement {
        self.el(".wc-composer textarea").unchecked_into()
    }
    fn active_class(&self) -> String {
        self.root()
            .active_element()
            .map(|e| e.class_name())
            .unwrap_or_default()
    }
}

async fn mount_with(config: WidgetConfig, available: bool) -> Fixture {
    let host = fresh_host("webchat-host");
    let store = ChatStore::new(config, available);
    let actions = Recorder::default();
    let sink = actions.clone();
    let widget = mount_widget(
        &host,
        store,
        Rc::new(move |a: UiAction| {
            answer_like_the_session(store, &a);
            sink.0.borrow_mut().push(a)
        }),
    )
    .unwrap();
    settle().await;
    Fixture {
        host,
        store,
        actions,
        widget: Some(widget),
    }
}

async fn mount() -> Fixture {
    mount_with(WidgetConfig::default(), true).await
}

/// What the session shows after an answer or a new chat (the survey, the prompt and the
/// conversation are its to change): the components only send the action.
fn answer_like_the_session(store: ChatStore, action: &UiAction) {
    match action {
        UiAction::SurveyAnswer { value, comment } => {
            store.apply(ViewUpdate::Survey(SurveyState::Submitted {
                value: value.clone(),
                comment: comment.clone(),
            }))
        }
        UiAction::CobrowseAnswer { accepted } => store.apply(ViewUpdate::Cobrowse(if *accepted {
            CobrowseState::Accepted
        } else {
            CobrowseState::Denied
        })),
        UiAction::StartNewChat => {
            store.apply(ViewUpdate::Clear { unread: false });
            store.apply(ViewUpdate::Survey(SurveyState::Hidden));
            store.set_phase(Phase::Idle);
        }
        _ => {}
    }
}

/// The end of a chat as the session shows it: the notice, the phase, the survey when the
/// campaign has one.
fn chat_ended(f: &Fixture, by: EndedBy) {
    f.store.add_notice(Notice::Ended(by));
    f.store.set_phase(Phase::Ended);
    if f.store.config().get_untracked().survey.is_some() {
        f.store.apply(ViewUpdate::Survey(SurveyState::Open));
    }
}

/// The agent asks to co-browse.
fn cobrowse_requested(f: &Fixture) {
    f.store
        .apply(ViewUpdate::Cobrowse(CobrowseState::Requested));
}

fn key(target: &Element, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

fn type_text(area: &HtmlTextAreaElement, text: &str) {
    area.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    area.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn survey_config() -> SurveyConfig {
    let opt = |v: &str, l: &str| SurveyOption {
        value: v.into(),
        label: Some(l.into()),
    };
    SurveyConfig {
        question: Some("How was it?".into()),
        options: vec![
            opt("good", "Great"),
            opt("moderate", "Might be better"),
            opt("bad", "Poor"),
        ],
        comment_enabled: true,
        comment_prompt: Some("Tell us more".into()),
        thanks_enabled: true,
        thanks: Some("Much appreciated".into()),
    }
}

// ---------- mounting ----------

#[wasm_bindgen_test]
async fn mounts_inside_an_open_shadow_root() {
    let f = mount().await;
    let shadow = f.host.shadow_root().expect("host has an open shadow root");
    assert!(shadow.query_selector(".wc-launcher").unwrap().is_some());
    // Nothing leaks into the light DOM.
    assert!(document().query_selector(".wc-launcher").unwrap().is_none());
    assert_eq!(
        f.attr(".wc-launcher", "aria-label").as_deref(),
        Some("Open chat")
    );
    // Styles come from adopted sheets (the launcher's base and theme, the chat's), not from
    // <style> elements.
    assert_eq!(shadow.adopted_style_sheets().length(), 3);
    assert!(shadow.query_selector("style").unwrap().is_none());
    assert_eq!(computed(&f.el(".wc-launcher"), "position"), "fixed");
    // The visual viewport is mirrored for the full-screen (small screen) layout only, from the
    // first open on: reading it forces a layout of the host page, which neither the launcher
    // nor a window beside the page needs.
    let root = f.el(".wc-root");
    let height = || {
        root.style()
            .get_property_value("--wc-viewport-height")
            .unwrap()
    };
    assert_eq!(height(), "", "not followed before the window opens");
    f.el(".wc-launcher").click();
    settle().await;
    let small = web_sys::window()
        .unwrap()
        .match_media(webchat::viewport::SMALL_SCREEN)
        .unwrap()
        .unwrap()
        .matches();
    if small {
        assert!(
            height().ends_with("px"),
            "--wc-viewport-height = {:?}",
            height()
        );
    } else {
        assert_eq!(height(), "", "a window beside the page reads no viewport");
    }
}

#[wasm_bindgen_test]
async fn dropping_the_widget_unmounts_it() {
    let mut f = mount().await;
    let shadow = f.host.shadow_root().unwrap();
    drop(f.widget.take());
    assert!(shadow.query_selector(".wc-root").unwrap().is_none());
    assert_eq!(shadow.adopted_style_sheets().length(), 0);
    // Remounting on the same host reuses its shadow root.
    let w = mount_widget(
        &f.host,
        ChatStore::new(WidgetConfig::default(), true),
        Rc::new(|_: UiAction| {}),
    )
    .unwrap();
    settle().await;
    assert!(w
        .shadow_root()
        .query_selector(".wc-launcher")
        .unwrap()
        .is_some());
}

#[wasm_bindgen_test]
async fn host_page_css_does_not_leak_in() {
    let f = mount().await;
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "button { background: rgb(255, 0, 0) !important; display: none !important; } \
         * { all: unset; } \
         body, div { letter-spacing: 7px !important; text-transform: uppercase !important; \
                     font-style: italic !important; color: rgb(255, 0, 0) !important; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
    settle().await;
    let launcher = f.el(".wc-launcher");
    assert_ne!(computed(&launcher, "display"), "none");
    assert_ne!(computed(&launcher, "background-color"), "rgb(255, 0, 0)");
    // Inherited typography from the page stops at the widget's root.
    let root = f.el(".wc-root");
    assert_eq!(computed(&root, "letter-spacing"), "normal");
    assert_eq!(computed(&root, "text-transform"), "none");
    assert_eq!(computed(&root, "font-style"), "normal");
    assert_eq!(computed(&root, "color"), "rgb(27, 29, 33)");
    style.remove();
}

// ---------- configuration ----------

#[wasm_bindgen_test]
async fn campaign_color_themes_the_launcher_with_readable_text() {
    let f = mount_with(
        WidgetConfig {
            color: Some("#0a6018".into()),
            ..Default::default()
        },
        true,
    )
    .await;
    let launcher = f.el(".wc-launcher");
    assert_eq!(computed(&launcher, "background-color"), "rgb(10, 96, 24)");
    assert_eq!(computed(&launcher, "color"), "rgb(255, 255, 255)");

    // A light campaign color switches the text to black. (The launcher's background animates,
    // so read the custom property it uses rather than a mid-transition color.)
    f.store.set_config(WidgetConfig {
        color: Some("#ffd400".into()),
        ..Default::default()
    });
    settle().await;
    assert_eq!(computed(&launcher, "--wc-accent").trim(), "#ffd400");
    assert_eq!(computed(&launcher, "color"), "rgb(0, 0, 0)");

    // The header follows too.
    f.store.open_window();
    settle().await;
    assert_eq!(
        computed(&f.el(".wc-header"), "background-color"),
        "rgb(255, 212, 0)"
    );
}

#[wasm_bindgen_test]
async fn hostile_color_falls_back_to_the_default_theme() {
    let f = mount_with(
        WidgetConfig {
            color: Some("red;}:host{display:none".into()),
            ..Default::default()
        },
        true,
    )
    .await;
    assert_eq!(
        computed(&f.el(".wc-launcher"), "background-color"),
        "rgb(37, 99, 235)"
    );
}

#[wasm_bindgen_test]
async fn campaign_language_localises_every_text() {
    let f = mount_with(
        WidgetConfig {
            language: Lang::De,
            ..Default::default()
        },
        true,
    )
    .await;
    assert_eq!(f.attr(".wc-root", "lang").as_deref(), Some("de"));
    assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("ltr"));
    assert_eq!(
        f.attr(".wc-launcher", "aria-label").as_deref(),
        Some("Chat öffnen")
    );
    f.el(".wc-launcher").click();
    settle().await;
    assert_eq!(
        f.attr(".wc-composer textarea", "aria-label").as_deref(),
        Some("Nachricht eingeben")
    );
    assert_eq!(f.attr(".wc-send", "aria-label").as_deref(), Some("Senden"));
    assert_eq!(f.text(".wc-title"), "Chatten Sie mit uns");
}

#[wasm_bindgen_test]
async fn rtl_languages_mirror_the_layout() {
    let f = mount_with(
        WidgetConfig {
            language: Lang::Ar,
            ..Default::default()
        },
        true,
    )
    .await;
    assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("rtl"));
    assert_eq!(f.attr(".wc-root", "lang").as_deref(), Some("ar"));
    assert_eq!(
        f.attr(".wc-launcher", "aria-label").as_deref(),
        Some("فتح المحادثة")
    );
    // The launcher sits on the left in a mirrored layout.
    let rect = f.el(".wc-launcher").get_bounding_client_rect();
    let width = web_sys::window()
        .unwrap()
        .inner_width()
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        rect.left() < width / 2.0,
        "launcher at {} of {width}",
        rect.left()
    );

    // The host page's language override wins.
    f.store.set_language_override(Some(Lang::He));
    settle().await;
    assert_eq!(f.attr(".wc-root", "lang").as_deref(), Some("he"));
    assert_eq!(
        f.attr(".wc-launcher", "aria-label").as_deref(),
        Some("פתיחת הצ'אט")
    );
    f.store.set_language_override(Some(Lang::En));
    settle().await;
    assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("ltr"));
    let rect = f.el(".wc-launcher").get_bounding_client_rect();
    assert!(rect.left() > width / 2.0);
}

// ---------- conversation ----------

#[wasm_bindgen_test]
async fn each_system_notice_is_shown_localised() {
    let f = mount().await;
    // The window is built on the first open.
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    f.store.add_notice(Notice::AgentUnavailable);
    f.store.add_notice(Notice::AgentAvailable);
    f.store.add_notice(Notice::Transferred {
        firstname: "Bo".into(),
    });
    f.store.add_notice(Notice::Ended(EndedBy::Agent));
    f.store.add_notice(Notice::Ended(EndedBy::Visitor));
    f.store.add_notice(Notice::Blocked);
    f.store.set_phase(Phase::Blocked);
    settle().await;
    let expect = [
        (
            "agent-unavailable",
            "The agent is unavailable at the moment.",
        ),
        ("agent-available", "The agent is available again."),
        ("transferred", "Your chat was transferred to Bo."),
        ("ended-by-agent", "The agent ended the chat."),
        ("ended-by-visitor", "You ended the chat."),
        ("blocked", "This chat has been blocked."),
    ];
    for (kind, text) in expect {
        assert_eq!(
            f.text(&format!(".wc-notice[data-notice=\"{kind}\"]")),
            text,
            "{kind}"
        );
    }
    // Notices follow a language change.
    f.store.set_language_override(Some(Lang::Fr));
    settle().await;
    assert_eq!(
        f.text(".wc-notice[data-notice=\"transferred\"]"),
        "Votre conversation a été transférée à Bo."
    );
    // Blocked: no composer, no new chat.
    assert_eq!(f.store.phase().get_untracked(), Phase::Blocked);
    assert!(f.textarea().disabled());
    assert!(f.q(".wc-new-chat").is_none());
}

#[wasm_bindgen_test]
async fn messages_render_with_sender_nick_and_status() {
    let f = mount().await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    f.store.set_agent_name(Some("Ana".into()));
    f.store.add_visitor_message("v1", "Hello there");
    f.store
        .add_agent_message("a1", "Ana", "Hi! How can I help?");
    settle().await;
    let rows = f.all(".wc-msg");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        f.attr(".wc-msg--visitor", "data-status").as_deref(),
        Some("sending")
    );
    assert_eq!(f.text(".wc-msg--visitor .wc-msg-status"), "Sending…");
    assert_eq!(f.text(".wc-msg--agent .wc-msg-nick"), "Ana");
    assert_eq!(f.text(".wc-msg--agent .wc-bubble"), "Hi! How can I help?");
    assert!(f.text(".wc-status").contains("Ana"));

    f.store
        .set_message_status(&"v1".into(), MessageStatus::Sent);
    settle().await;
    assert_eq!(
        f.attr(".wc-msg--visitor", "data-status").as_deref(),
        Some("sent")
    );
    assert_eq!(
        f.all(".wc-msg").len(),
        2,
        "status change does not duplicate rows"
    );
    assert!(f.q(".wc-retry").is_none());
    // A failed message can be sent again.
    f.store
        .set_message_status(&"v1".into(), MessageStatus::Failed);
    settle().await;
    assert_eq!(
        f.attr(".wc-msg--visitor", "data-status").as_deref(),
        Some("failed")
    );
    assert_eq!(f.text(".wc-retry"), "Retry");
    f.actions.take();
    f.el(".wc-retry").click();
    settle().await;
    assert_eq!(f.actions.take(), vec![UiAction::Retry("v1".into())]);
    f.store
        .set_message_status(&"v1".into(), MessageStatus::Sent);
    settle().await;
    assert!(f.q(".wc-retry").is_none());

    // A second message from Ana joins her group: the name stays for screen readers only.
    f.store.add_agent_message("a2", "Ana", "Still there?");
    settle().await;
    let nicks = f.all(".wc-msg--agent .wc-msg-nick");
    assert_eq!(nicks.len(), 2);
    assert!(!nicks[0].class_list().contains("wc-sr"));
    assert!(nicks[1].class_list().contains("wc-sr"));
    assert_eq!(f.all(".wc-msg--cont").len(), 1);
    // The log is a polite live region.
    assert_eq!(f.attr(".wc-log", "role").as_deref(), Some("log"));
    assert_eq!(f.attr(".wc-log", "aria-live").as_deref(), Some("polite"));
}

#[wasm_bindgen_test]
async fn typing_indicator_and_unread_badge() {
    let f = mount().await;
    f.store.set_phase(Phase::Chatting);
    f.store.set_agent_name(Some("Ana".into()));
    f.store.set_agent_typing(true);
    // The window is built on the first open, and kept (hidden) when minimised.
    f.store.open_window();
    settle().await;
    assert_eq!(f.text(".wc-typing .wc-sr"), "Ana is typing…");
    f.store.minimise_window();
    f.store.add_agent_message("a1", "Ana", "one");
    f.store.add_agent_message("a2", "Ana", "two");
    settle().await;
    assert!(f.q(".wc-typing").is_none(), "a message clears typing");
    assert_eq!(f.text(".wc-badge"), "2");
    assert_eq!(
        f.attr(".wc-launcher", "aria-label").as_deref(),
        Some("Open chat, 2 unread messages")
    );
    f.el(".wc-launcher").click();
    settle().await;
    assert!(f.q(".wc-badge").is_none());
    assert_eq!(f.actions.take(), vec![UiAction::Open]);
}

#[wasm_bindgen_test]
async fn offline_state_uses_campaign_text_and_disables_the_composer() {
    let f = mount_with(
        WidgetConfig {
            offline_text: Some("Back at 9 tomorrow.".into()),
            ..Default::default()
        },
        false,
    )
    .await;
    f.el(".wc-launcher").click();
    settle().await;
    assert_eq!(f.text(".wc-offline-text"), "Back at 9 tomorrow.");
    assert!(f.textarea().disabled());
    assert!(f
        .el(".wc-send")
        .unchecked_into::<web_sys::HtmlButtonElement>()
        .disabled());
    assert!(f.q(".wc-end").is_none());
    assert_eq!(f.text(".wc-status-text"), "Offline");
    // Without a campaign text, the catalogue's.
    f.store.set_config(WidgetConfig {
        offline_text: None,
        language: Lang::Es,
        ..Default::default()
    });
    settle().await;
    assert_eq!(
        f.text(".wc-offline-text"),
        "Ahora mismo no estamos disponibles. Vuelve más tarde."
    );
    // Enter does nothing while offline.
    type_text(&f.textarea(), "anyone?");
    key(&f.textarea(), "Enter", false);
    settle().await;
    assert!(!f
        .actions
        .take()
        .iter()
        .any(|a| matches!(a, UiAction::SendText(_))));
}

// ---------- survey ----------

#[wasm_bindgen_test]
async fn smiley_survey_with_comment_and_thanks_can_be_changed() {
    let f = mount_with(
        WidgetConfig {
            survey: Some(survey_config()),
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    chat_ended(&f, EndedBy::Agent);
    settle().await;
    assert_eq!(
        f.attr(".wc-survey", "data-style").as_deref(),
        Some("smileys")
    );
    assert_eq!(f.text(".wc-survey-q"), "How was it?");
    let labels: Vec<String> = f
        .all(".wc-survey-label")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(labels, vec!["Great", "Might be better", "Poor"]);
    assert_eq!(f.all(".wc-survey-option .wc-face").len(), 3);
    assert_eq!(f.text(".wc-survey-comment-label"), "Tell us more");
    f.actions.take();

    // With a comment field, choosing does not send yet.
    f.el(".wc-survey-option[data-value=\"moderate\"]").click();
    settle().await;
    assert!(f.actions.take().is_empty());
    assert_eq!(
        f.attr(".wc-survey-option[data-value=\"moderate\"]", "aria-pressed")
            .as_deref(),
        Some("true")
    );
    let comment: HtmlTextAreaElement = f.el(".wc-survey-input").unchecked_into();
    type_text(&comment, "  Slow at first  ");
    f.el(".wc-survey-submit").click();
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::SurveyAnswer {
            value: "moderate".into(),
            comment: Some("Slow at first".into())
        }]
    );
    assert_eq!(f.text(".wc-survey-thanks"), "Much appreciated");
    assert!(f
        .el(".wc-survey-submit")
        .unchecked_into::<web_sys::HtmlButtonElement>()
        .disabled());

    // Changing the rating afterwards sends again.
    f.el(".wc-survey-option[data-value=\"good\"]").click();
    settle().await;
    f.el(".wc-survey-submit").click();
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::SurveyAnswer {
            value: "good".into(),
            comment: Some("Slow at first".into())
        }]
    );
}

#[wasm_bindgen_test]
async fn thumbs_survey_without_comment_or_thanks_sends_on_tap() {
    let config = SurveyConfig {
        question: None,
        options: vec![
            SurveyOption {
                value: "good".into(),
                label: None,
            },
            SurveyOption {
                value: "bad".into(),
                label: Some("Nope".into()),
            },
        ],
        comment_enabled: false,
        comment_prompt: None,
        thanks_enabled: false,
        thanks: None,
    };
    let f = mount_with(
        WidgetConfig {
            survey: Some(config),
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.set_phase(Phase::Chatting);
    chat_ended(&f, EndedBy::Visitor);
    f.store.open_window();
    settle().await;
    assert_eq!(
        f.attr(".wc-survey", "data-style").as_deref(),
        Some("thumbs")
    );
    // `null` question and label fall back to the catalogue.
    assert_eq!(f.text(".wc-survey-q"), "How would you rate our service?");
    let labels: Vec<String> = f
        .all(".wc-survey-label")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(labels, vec!["Good", "Nope"]);
    assert_eq!(f.all(".wc-thumb").len(), 2);
    assert!(f.q(".wc-survey-input").is_none());
    assert!(f.q(".wc-survey-submit").is_none());
    f.actions.take();

    f.el(".wc-survey-option[data-value=\"bad\"]").click();
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::SurveyAnswer {
            value: "bad".into(),
            comment: None
        }]
    );
    assert!(f.q(".wc-survey-thanks").is_none(), "thanks disabled");
    assert!(f.q(".wc-survey-change").is_some());
    f.el(".wc-survey-option[data-value=\"good\"]").click();
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::SurveyAnswer {
            value: "good".into(),
            comment: None
        }]
    );
}

#[wasm_bindgen_test]
async fn never_saved_survey_with_null_texts_and_no_options() {
    let config = SurveyConfig {
        thanks_enabled: true,
        comment_enabled: true,
        ..Default::default()
    };
    let f = mount_with(
        WidgetConfig {
            survey: Some(config),
            language: Lang::It,
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.set_phase(Phase::Chatting);
    chat_ended(&f, EndedBy::Agent);
    f.store.open_window();
    settle().await;
    assert_eq!(
        f.attr(".wc-survey", "data-style").as_deref(),
        Some("thumbs")
    );
    assert_eq!(f.text(".wc-survey-q"), "Come valuti il nostro servizio?");
    let labels: Vec<String> = f
        .all(".wc-survey-label")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(labels, vec!["Buono", "Scarso"]);
    assert_eq!(
        f.text(".wc-survey-comment-label"),
        "Vuoi aggiungere qualcosa?"
    );
    f.el(".wc-survey-option[data-value=\"good\"]").click();
    settle().await;
    f.el(".wc-survey-submit").click();
    settle().await;
    assert_eq!(f.text(".wc-survey-thanks"), "Grazie per il tuo feedback!");
}

#[wasm_bindgen_test]
async fn no_survey_without_campaign_survey() {
    let f = mount().await;
    f.store.set_phase(Phase::Chatting);
    chat_ended(&f, EndedBy::Agent);
    f.store.open_window();
    settle().await;
    assert!(f.q(".wc-survey").is_none());
    // A new chat can be started after the end.
    f.el(".wc-new-chat").click();
    settle().await;
    assert_eq!(f.actions.take().last(), Some(&UiAction::StartNewChat));
    assert!(!f.textarea().disabled());
    assert!(f.all(".wc-notice").is_empty());
}

// ---------- co-browsing ----------

#[wasm_bindgen_test]
async fn cobrowse_prompt_uses_campaign_texts_and_reports_the_answer() {
    let cobrowse = CobrowseConfig {
        text: Some("Screen sharing?".into()),
        accept: Some("Yes".into()),
        deny: Some("No".into()),
    };
    let f = mount_with(
        WidgetConfig {
            cobrowse: Some(cobrowse),
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    cobrowse_requested(&f);
    settle().await;
    assert_eq!(f.text(".wc-cobrowse-text"), "Screen sharing?");
    assert_eq!(f.text(".wc-cobrowse-accept"), "Yes");
    assert_eq!(f.text(".wc-cobrowse-deny"), "No");
    f.actions.take();
    f.el(".wc-cobrowse-accept").click();
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::CobrowseAnswer { accepted: true }]
    );
    assert!(f.q(".wc-cobrowse").is_none());
    assert_eq!(
        f.text(".wc-notice[data-notice=\"cobrowse-accepted\"]"),
        "Screen sharing allowed."
    );
}

#[wasm_bindgen_test]
async fn cobrowse_prompt_with_null_texts_uses_the_catalogue() {
    let f = mount_with(
        WidgetConfig {
            cobrowse: Some(CobrowseConfig::default()),
            language: Lang::Nl,
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.set_phase(Phase::Chatting);
    cobrowse_requested(&f);
    f.store.open_window();
    settle().await;
    assert_eq!(
        f.text(".wc-cobrowse-text"),
        "De medewerker wil je scherm bekijken om je te helpen."
    );
    assert_eq!(f.text(".wc-cobrowse-accept"), "Toestaan");
    f.el(".wc-cobrowse-deny").click();
    settle().await;
    assert_eq!(
        f.actions.take().last(),
        Some(&UiAction::CobrowseAnswer { accepted: false })
    );
    assert_eq!(
        f.text(".wc-notice[data-notice=\"cobrowse-denied\"]"),
        "Scherm delen geweigerd."
    );
}

// ---------- text safety ----------

#[wasm_bindgen_test]
async fn hostile_text_stays_text_and_only_safe_links_are_made() {
    let f = mount().await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    let hostile = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> \
                   javascript:alert(1) <a href=\"javascript:alert(2)\">click</a> \
                   data:text/html,<b>x</b> see https://ok.example/a?b=\"c\"&d=<e> or mailto:help@example.com.";
    f.store.add_agent_message("evil", "<b>Mallory</b>", hostile);
    f.store.add_visitor_message(
        "v-evil",
        "<style>*{display:none}</style> http://visitor.example",
    );
    settle().await;

    let shadow = f.widget.as_ref().unwrap().shadow_root();
    for tag in ["script", "img", "b", "style", "iframe"] {
        assert!(
            shadow
                .query_selector(&format!(".wc-log {tag}"))
                .unwrap()
                .is_none(),
            "<{tag}> in the DOM"
        );
    }
    assert!(
        js_sys::Reflect::get(&web_sys::window().unwrap(), &JsValue::from_str("__pwned"))
            .unwrap()
            .is_undefined()
    );
    assert_eq!(f.text(".wc-msg--agent .wc-msg-nick"), "<b>Mallory</b>");
    // The bubble shows exactly the text that arrived.
    assert_eq!(
        f.el(".wc-msg--agent .wc-bubble").text_content().unwrap(),
        hostile
    );

    let links: Vec<web_sys::HtmlAnchorElement> = f
        .all(".wc-log a")
        .into_iter()
        .map(|e| e.unchecked_into())
        .collect();
    let hrefs: Vec<String> = links
        .iter()
        .map(|a| a.get_attribute("href").unwrap())
        .collect();
    assert_eq!(
        hrefs,
        vec![
            "https://ok.example/a?b=",
            "mailto:help@example.com",
            "http://visitor.example"
        ]
    );
    for a in &links {
        assert_eq!(a.target(), "_blank");
        assert_eq!(a.rel(), "noopener noreferrer");
    }
    assert!(shadow
        .query_selector("[href^=\"javascript\" i]")
        .unwrap()
        .is_none());
    assert!(shadow.query_selector("[onerror]").unwrap().is_none());
}

// ---------- keyboard and focus ----------

#[wasm_bindgen_test]
async fn enter_sends_shift_enter_does_not_escape_minimises() {
    let f = mount().await;
    f.el(".wc-launcher").click();
    settle().await;
    assert!(!f.el(".wc-window").hidden());
    assert_eq!(
        f.active_class(),
        "wc-input",
        "focus moves into the composer on open"
    );

    let area = f.textarea();
    type_text(&area, "first line");
    key(&area, "Enter", true);
    settle().await;
    assert!(
        !f.actions
            .take()
            .iter()
            .any(|a| matches!(a, UiAction::SendText(_))),
        "Shift+Enter must not send"
    );

    type_text(&area, "  hello agent  ");
    key(&area, "Enter", false);
    settle().await;
    let sent = f.actions.take();
    assert!(
        sent.contains(&UiAction::SendText("hello agent".into())),
        "{sent:?}"
    );
    assert!(
        sent.contains(&UiAction::ChatState(ChatState::Active)),
        "{sent:?}"
    );
    assert_eq!(f.textarea().value(), "");

    // Empty text never sends.
    key(&area, "Enter", false);
    settle().await;
    assert!(f.actions.take().is_empty());

    key(&area, "Escape", false);
    settle().await;
    assert!(f.el(".wc-window").hidden());
    assert_eq!(
        f.active_class(),
        "wc-launcher",
        "focus returns to the launcher on close"
    );
    assert_eq!(f.actions.take(), vec![UiAction::Minimise]);
}

#[wasm_bindgen_test]
async fn typing_reports_composing_once() {
    let f = mount().await;
    f.store.open_window();
    settle().await;
    let area = f.textarea();
    type_text(&area, "h");
    type_text(&area, "he");
    type_text(&area, "hel");
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::ChatState(ChatState::Composing)]
    );
    type_text(&area, "");
    settle().await;
    assert_eq!(
        f.actions.take(),
        vec![UiAction::ChatState(ChatState::Active)]
    );
}

#[wasm_bindgen_test]
async fn controls_have_accessible_names() {
    let f = mount().await;
    f.store.set_phase(Phase::Chatting);
    f.store.open_window();
    settle().await;
    assert_eq!(
        f.attr(".wc-composer textarea", "aria-label").as_deref(),
        Some("Type your message")
    );
    assert_eq!(f.attr(".wc-send", "aria-label").as_deref(), Some("Send"));
    assert_eq!(f.attr(".wc-end", "aria-label").as_deref(), Some("End chat"));
    assert_eq!(
        f.attr(".wc-minimise", "aria-label").as_deref(),
        Some("Minimise chat")
    );
    assert_eq!(
        f.attr(".wc-launcher", "aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(f.attr(".wc-window", "role").as_deref(), Some("dialog"));
}

#[wasm_bindgen_test]
async fn end_chat_needs_confirmation() {
    let f = mount().await;
    f.store.set_phase(Phase::Chatting);
    f.store.open_window();
    settle().await;
    f.actions.take();
    f.el(".wc-end").click();
    settle().await;
    assert!(f.q(".wc-confirm").is_some());
    f.el(".wc-confirm-cancel").click();
    settle().await;
    assert!(f.q(".wc-confirm").is_none());
    assert!(f.actions.take().is_empty());

    f.el(".wc-end").click();
    settle().await;
    f.el(".wc-confirm-end").click();
    settle().await;
    assert_eq!(f.actions.take(), vec![UiAction::EndChat]);
    assert!(f.q(".wc-confirm").is_none());
}

#[wasm_bindgen_test]
async fn minimise_button_closes_and_keeps_the_draft() {
    let f = mount().await;
    f.store.open_window();
    settle().await;
    type_text(&f.textarea(), "draft");
    f.el(".wc-minimise").click();
    settle().await;
    assert!(f.el(".wc-window").hidden());
    f.el(".wc-launcher").click();
    settle().await;
    assert_eq!(f.textarea().value(), "draft");
}

/// The rows of the conversation in order: `msg:TEXT`, `prompt`, `notice:KIND`.
fn log_rows(f: &Fixture) -> Vec<String> {
    f.all(".wc-log > *")
        .iter()
        .filter_map(|el| {
            let class = el.class_name();
            if class.contains("wc-msg") {
                let text = el
                    .query_selector(".wc-bubble")
                    .unwrap()
                    .and_then(|b| b.text_content())
                    .unwrap_or_default();
                Some(format!("msg:{text}"))
            } else if class.contains("wc-cobrowse") {
                Some("prompt".into())
            } else if class.contains("wc-notice") {
                Some(format!("notice:{}", el.get_attribute("data-notice")?))
            } else {
                None
            }
        })
        .collect()
}

#[wasm_bindgen_test]
async fn cobrowse_prompt_sits_where_the_request_arrived() {
    let f = mount_with(
        WidgetConfig {
            cobrowse: Some(CobrowseConfig {
                text: Some("Screen sharing?".into()),
                accept: Some("Yes".into()),
                deny: Some("No".into()),
            }),
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    f.store.add_agent_message("a1", "Ana", "Let me show you");
    cobrowse_requested(&f);
    // Each stanza arrives in its own WebSocket event, so the view updates in between.
    settle().await;
    f.store.add_agent_message("a2", "Ana", "Click Yes");
    settle().await;
    assert_eq!(
        log_rows(&f),
        ["msg:Let me show you", "prompt", "msg:Click Yes"],
        "later messages go below the prompt"
    );

    f.el(".wc-cobrowse-deny").click();
    f.store.add_agent_message("a3", "Ana", "No problem");
    settle().await;
    assert_eq!(
        log_rows(&f),
        [
            "msg:Let me show you",
            "notice:cobrowse-denied",
            "msg:Click Yes",
            "msg:No problem"
        ],
        "the answer stays where the question was"
    );

    // A second request is asked at the end of the conversation as it is then.
    cobrowse_requested(&f);
    settle().await;
    assert_eq!(log_rows(&f).last().map(String::as_str), Some("prompt"));
}

#[wasm_bindgen_test]
async fn a_message_sent_from_the_composer_outlives_the_composer() {
    // Like the controller, this sink creates the message (and its status signal) while the
    // composer's keydown handler runs. The composer is swapped out when the chat ends; the
    // message must stay alive and keep updating.
    let host = fresh_host("webchat-host");
    let store = ChatStore::new(WidgetConfig::default(), true);
    let sink = move |a: UiAction| {
        if let UiAction::SendText(text) = a {
            store.add_visitor_message("v1", text);
        }
    };
    let f = Fixture {
        widget: Some(mount_widget(&host, store, Rc::new(sink)).unwrap()),
        host,
        store,
        actions: Recorder::default(),
    };
    settle().await;
    f.el(".wc-launcher").click();
    settle().await;
    let area = f.textarea();
    type_text(&area, "hello");
    key(&area, "Enter", false);
    settle().await;
    assert_eq!(
        f.attr(".wc-msg--visitor", "data-status").as_deref(),
        Some("sending")
    );

    chat_ended(&f, EndedBy::Agent);
    settle().await;
    assert!(
        f.q(".wc-new-chat").is_some(),
        "the composer gave way to New chat"
    );
    assert!(f
        .store
        .set_message_status(&"v1".into(), MessageStatus::Failed));
    settle().await;
    assert_eq!(
        f.attr(".wc-msg--visitor", "data-status").as_deref(),
        Some("failed")
    );
}

#[wasm_bindgen_test]
async fn composer_grows_with_its_text_and_shrinks_after_sending() {
    let f = mount().await;
    f.el(".wc-launcher").click();
    settle().await;
    let area = f.textarea();
    let one_line = area.offset_height();
    assert!(one_line > 0);
    type_text(&area, "one\ntwo\nthree\nfour");
    settle().await;
    let grown = area.offset_height();
    assert!(grown > one_line + 30, "grew from {one_line} to {grown}");
    type_text(&area, &"a long line ".repeat(12).repeat(12));
    settle().await;
    let capped = area.offset_height();
    assert!(capped <= 141, "capped by max-height, got {capped}");
    key(&area, "Enter", false);
    settle().await;
    assert_eq!(area.value(), "");
    assert_eq!(
        area.offset_height(),
        one_line,
        "back to one line after sending"
    );
}

// ---------- times, earlier chats ----------

/// Noon UTC on 5 December 2026.
const NOON: u64 = 1_796_472_000_000;

#[wasm_bindgen_test]
async fn every_bubble_has_its_time_shown_once_per_group_and_heard_on_each() {
    let f = mount().await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    f.store
        .add_agent_message_at("a1", "Ana", "first", Some(NOON));
    f.store
        .add_agent_message_at("a2", "Ana", "same minute", Some(NOON + 20_000));
    f.store
        .add_agent_message_at("a3", "Ana", "much later", Some(NOON + 3_600_000));
    f.store
        .add_visitor_message_at("v1", "mine", Some(NOON + 3_660_000));
    f.store
        .add_agent_message("old", "Ana", "saved before times were kept");
    settle().await;
    let times = f.all(".wc-msg time");
    assert_eq!(times.len(), 4, "the row without a time shows none");
    assert_eq!(
        times[0].get_attribute("datetime").as_deref(),
        Some("2026-12-05T12:00:00.000Z")
    );
    // The short time is the browser's own rendering of that instant in the page's zone.
    let expected = js_sys::Date::new(&JsValue::from_f64(NOON as f64))
        .to_locale_time_string_with_options("en", &{
            let o = js_sys::Object::new();
            js_sys::Reflect::set(&o, &"hour".into(), &"numeric".into()).unwrap();
            js_sys::Reflect::set(&o, &"minute".into(), &"2-digit".into()).unwrap();
            o.into()
        });
    // (Today's messages show the time alone; older ones the day too.)
    let shown = times[0].text_content().unwrap();
    assert!(shown.ends_with(&String::from(expected)), "{shown}");
    assert!(times[0]
        .get_attribute("title")
        .is_some_and(|t| t.contains("2026")));
    // Seen on the first bubble of each group; the one 20 s later keeps it for screen readers.
    let hidden: Vec<bool> = times
        .iter()
        .map(|t| t.class_list().contains("wc-sr"))
        .collect();
    assert_eq!(hidden, vec![false, true, false, false]);
    // Screen readers hear the sender, then the time, then the text.
    let row = f.all(".wc-msg--agent")[1].text_content().unwrap();
    let nick_at = row.find("Ana").unwrap();
    let time_at = row.find(&times[1].text_content().unwrap()).unwrap();
    assert!(
        nick_at < time_at && time_at < row.find("same minute").unwrap(),
        "{row}"
    );
    let mine = f.el(".wc-msg--visitor").text_content().unwrap();
    assert!(mine.starts_with("You: "), "{mine}");

    // The time follows the widget's language.
    f.store.set_config(WidgetConfig {
        language: Lang::De,
        ..WidgetConfig::default()
    });
    settle().await;
    let de = js_sys::Date::new(&JsValue::from_f64(NOON as f64)).to_locale_time_string_with_options(
        "de",
        &{
            let o = js_sys::Object::new();
            js_sys::Reflect::set(&o, &"hour".into(), &"numeric".into()).unwrap();
            js_sys::Reflect::set(&o, &"minute".into(), &"2-digit".into()).unwrap();
            o.into()
        },
    );
    let shown = f.all(".wc-msg time")[0].text_content().unwrap();
    assert!(shown.ends_with(&String::from(de)), "{shown}");
}

#[wasm_bindgen_test]
async fn todays_messages_show_the_time_older_ones_the_day_too() {
    let f = mount().await;
    f.store.open_window();
    let now = js_sys::Date::now() as u64;
    let days_ago = now - 3 * 86_400_000;
    f.store
        .add_agent_message_at("old", "Ana", "three days ago", Some(days_ago));
    f.store.add_agent_message_at("new", "Ana", "now", Some(now));
    settle().await;
    let times = f.all(".wc-msg time");
    let day = js_sys::Date::new(&JsValue::from_f64(days_ago as f64))
        .get_date()
        .to_string();
    let old = times[0].text_content().unwrap();
    assert!(old.contains(&day) && old.chars().count() > 6, "{old}");
    let today = times[1].text_content().unwrap();
    assert!(today.chars().count() <= 8, "time alone: {today}");
    assert!(today.contains(':'), "{today}");
}

#[wasm_bindgen_test]
async fn earlier_chats_are_separated_labelled_and_marked() {
    use webchat::model::SavedEntry;
    let f = mount().await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    f.store
        .add_visitor_message_at("now", "today's question", Some(NOON + 86_400_000));
    let msg = |id: &str, at: u64| SavedEntry::Message {
        id: id.into(),
        sender: webchat::model::Sender::Agent { nick: "Ana".into() },
        text: format!("text {id}"),
        status: MessageStatus::Sent,
        at_ms: Some(at),
        earlier: true,
    };
    f.store.apply(ViewUpdate::Prepend(vec![
        SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(NOON) }),
        msg("h1", NOON),
        msg("h2", NOON + 60_000),
        SavedEntry::Notice(Notice::EarlierChat { at_ms: None }),
        msg("h3", NOON + 7_200_000),
    ]));
    settle().await;
    let seps = f.all(".wc-history-sep");
    assert_eq!(seps.len(), 2, "one per earlier chat, none inside one");
    assert_eq!(seps[0].get_attribute("role").as_deref(), Some("separator"));
    let day = js_sys::Date::new(&JsValue::from_f64(NOON as f64)).to_locale_date_string("en", &{
        let o = js_sys::Object::new();
        js_sys::Reflect::set(&o, &"dateStyle".into(), &"medium".into()).unwrap();
        o.into()
    });
    assert_eq!(
        seps[0].get_attribute("aria-label"),
        Some(format!("Earlier chat · {}", String::from(day)))
    );
    assert_eq!(
        seps[1].get_attribute("aria-label").as_deref(),
        Some("Earlier chat")
    );
    assert_eq!(f.all(".wc-msg--earlier").len(), 3);
    assert!(!f
        .el(".wc-msg--visitor")
        .class_list()
        .contains("wc-msg--earlier"));
    // Order: separator, its messages, next separator, its message, then today's chat.
    let order: Vec<String> = f
        .all(".wc-history-sep, .wc-msg")
        .iter()
        .map(|e| e.get_attribute("data-id").unwrap_or_else(|| "sep".into()))
        .collect();
    assert_eq!(order, vec!["sep", "h1", "h2", "sep", "h3", "now"]);
    // Localised with the widget.
    f.store.set_config(WidgetConfig {
        language: Lang::Fr,
        ..WidgetConfig::default()
    });
    settle().await;
    assert_eq!(
        f.all(".wc-history-sep")[1]
            .get_attribute("aria-label")
            .as_deref(),
        Some("Conversation précédente")
    );
}

#[wasm_bindgen_test]
async fn a_survey_answered_in_another_tab_shows_as_answered_here() {
    let f = mount_with(
        WidgetConfig {
            survey: Some(survey_config()),
            ..Default::default()
        },
        true,
    )
    .await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    chat_ended(&f, EndedBy::Agent);
    settle().await;
    assert!(f.q(".wc-survey-thanks").is_none());
    // What the controller does with the leader tab's view.
    f.store.apply(ViewUpdate::Survey(SurveyState::Submitted {
        value: "bad".into(),
        comment: Some("too slow".into()),
    }));
    settle().await;
    assert_eq!(
        f.attr(".wc-survey-option[data-value=\"bad\"]", "aria-pressed")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        f.el(".wc-survey-input")
            .unchecked_into::<HtmlTextAreaElement>()
            .value(),
        "too slow"
    );
    assert!(f.q(".wc-survey-thanks").is_some());
    assert!(
        f.actions.take().is_empty(),
        "nothing is sent again from here"
    );
}

// ---------- a long conversation (windowed log) ----------

/// Resolves at the next animation frame (after the frame callbacks queued before it).
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .request_animation_frame(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Lets the reactive system and a few frames run (scroll events and scroll corrections are
/// frame-bound).
async fn settle_frames() {
    for _ in 0..4 {
        settle().await;
        next_frame().await;
    }
    settle().await;
}

/// Opens a chat showing a restored conversation of `n` messages, `m0` … `m{n-1}`; returns the
/// log with its smooth scrolling off (the position is checked right after each move).
async fn long_history(f: &Fixture, n: u32) -> HtmlElement {
    use webchat::model::{SavedEntry, Sender};
    f.store.set_phase(Phase::Chatting);
    f.store.open_window();
    settle().await;
    let saved = (0..n)
        .map(|i| SavedEntry::Message {
            id: format!("m{i}"),
            sender: if i % 3 == 0 {
                Sender::Visitor
            } else {
                Sender::Agent { nick: "Ana".into() }
            },
            text: format!("Message number {i}, long enough to wrap now and then in the log."),
            status: MessageStatus::Sent,
            at_ms: Some(1_764_000_000_000 + u64::from(i) * 60_000),
            earlier: false,
        })
        .collect();
    f.store.apply(ViewUpdate::Restore(saved));
    let log = f.el("[role=log]");
    log.style().set_property("scroll-behavior", "auto").unwrap();
    settle_frames().await;
    log
}

fn ids(f: &Fixture) -> Vec<String> {
    f.all(".wc-msg")
        .iter()
        .map(|e| e.get_attribute("data-id").unwrap_or_default())
        .collect()
}

fn at_bottom(log: &HtmlElement) -> bool {
    log.scroll_top() + log.client_height() >= log.scroll_height() - 2
}

#[wasm_bindgen_test]
async fn a_long_history_renders_only_its_newest_rows() {
    let f = mount().await;
    let log = long_history(&f, 1000).await;
    let shown = ids(&f);
    assert!(
        (20..=80).contains(&shown.len()),
        "{} rows rendered of 1000",
        shown.len()
    );
    // The newest, in order, ending with the last message; the store still holds them all.
    let first: u32 = shown[0][1..].parse().unwrap();
    let expected: Vec<String> = (first..1000).map(|i| format!("m{i}")).collect();
    assert_eq!(shown, expected);
    assert_eq!(f.store.entries().get_untracked().len(), 1000);
    assert!(at_bottom(&log), "scrolled to the newest message");
    assert!(log.scroll_height() > log.client_height(), "the log scrolls");
}

#[wasm_bindgen_test]
async fn scrolling_to_the_top_renders_older_rows_and_keeps_the_view_in_place() {
    let f = mount().await;
    let log = long_history(&f, 1000).await;
    let before = ids(&f);
    let oldest = f.el(&format!(".wc-msg[data-id='{}']", before[0]));
    log.set_scroll_top(0);
    let offset = |el: &HtmlElement| {
        el.get_bounding_client_rect().top() - log.get_bounding_client_rect().top()
    };
    let at_top = offset(&oldest);
    settle_frames().await;
    let after = ids(&f);
    assert!(after.len() > before.len(), "older rows came in");
    assert_eq!(
        after[after.len() - before.len()..],
        before[..],
        "added above"
    );
    // The row that was at the top is where it was: the older ones are above it, out of view.
    assert!(
        (offset(&oldest) - at_top).abs() <= 1.0,
        "moved from {at_top} to {}",
        offset(&oldest)
    );
    assert!(log.scroll_top() > 0);
    assert_eq!(log.get_attribute("aria-busy"), None, "announcements resume");

    // All the way up: every message is reachable.
    for _ in 0..60 {
        if f.q(".wc-msg[data-id='m0']").is_some() {
            break;
        }
        log.set_scroll_top(0);
        settle_frames().await;
    }
    assert_eq!(ids(&f).len(), 1000);
    assert_eq!(ids(&f)[0], "m0");
}

#[wasm_bindgen_test]
async fn a_new_message_appears_at_the_bottom_of_a_long_history() {
    let f = mount().await;
    let log = long_history(&f, 1000).await;
    let before = ids(&f);
    f.store.add_agent_message("live", "Ana", "Still there?");
    settle_frames().await;
    let after = ids(&f);
    assert_eq!(
        after.len(),
        before.len() + 1,
        "the window grows, nothing drops out"
    );
    assert_eq!(after.last().map(String::as_str), Some("live"));
    // Inside the live region, so screen readers hear it; and in view.
    let row = f.el(".wc-msg[data-id='live']");
    assert!(row
        .closest("[role=log][aria-live=polite]")
        .unwrap()
        .is_some());
    assert!(at_bottom(&log));
}

#[wasm_bindgen_test]
async fn a_replaced_conversation_starts_again_at_its_newest_rows() {
    let f = mount().await;
    let log = long_history(&f, 1000).await;
    log.set_scroll_top(0);
    settle_frames().await;
    let grown = ids(&f).len();
    // Another conversation comes in (another tab's, a reload): the window starts over.
    let _ = long_history(&f, 300).await;
    let shown = ids(&f);
    assert!(
        shown.len() < grown,
        "{} rows after the replace",
        shown.len()
    );
    assert_eq!(shown.last().map(String::as_str), Some("m299"));
}
