#![cfg(target_arch = "wasm32")]
//! Browser tests for the forms around the chat: the pre-chat form with its departments, the
//! offline form and the transcript offer, and the day separator.
//!
//! Each test mounts the widget with a store in the state the session would put it in, acts
//! through the DOM as a visitor would (typing, submitting, choosing), and asserts what the
//! shadow root shows (labels tied to controls, inline errors named by `aria-describedby`,
//! where focus goes) and which actions reached the sink. The session's side of these forms is
//! tested natively in `tests/session/livechat.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

use webchat::actions::UiAction;
use webchat::i18n::Lang;
use webchat::model::{
    ChatStore, EmailState, OfflineState, Phase, PrechatFields, PrechatState, PrechatValues,
    SendError, TranscriptOffer, WidgetConfig,
};
use webchat::mount::{mount_widget, MountedWidget};
use webchat::session::ViewUpdate;
use webchat_protocol::widget_config::Department;

mod support;
use support::shadow::{mounted_fixture, Shadowed};
use support::{fresh_host, settle};

wasm_bindgen_test_configure!(run_in_browser);

// ---------- harness ----------

struct Fixture {
    host: HtmlElement,
    store: ChatStore,
    actions: Rc<RefCell<Vec<UiAction>>>,
    widget: Option<MountedWidget>,
}

mounted_fixture!(Fixture);

impl Fixture {
    fn active_id(&self) -> String {
        self.root()
            .active_element()
            .map(|e| e.id())
            .unwrap_or_default()
    }
    fn take(&self) -> Vec<UiAction> {
        std::mem::take(&mut *self.actions.borrow_mut())
    }
    /// Types `text` into the field with `id` (an input event, as a keyboard would).
    fn type_into(&self, id: &str, text: &str) {
        let el = self.el(&format!("#{id}"));
        if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            input.set_value(text);
        } else {
            el.unchecked_ref::<web_sys::HtmlTextAreaElement>()
                .set_value(text);
        }
        fire(&el, "input");
    }
    fn choose(&self, id: &str, value: &str) {
        let select: HtmlSelectElement = self.el(&format!("#{id}")).unchecked_into();
        select.set_value(value);
        fire(&select, "change");
    }
    /// Submits the form matching `selector` as its submit button would.
    fn submit(&self, selector: &str) {
        self.el(&format!("{selector} button[type=submit]")).click();
    }
    /// The label text tied to the control with `id` (by `for`).
    fn label_of(&self, id: &str) -> String {
        self.text(&format!("label[for={id}]"))
    }
    /// The error text `aria-describedby` of the control with `id` names, when it is invalid.
    fn error_of(&self, id: &str) -> Option<String> {
        let control = self.el(&format!("#{id}"));
        if control.get_attribute("aria-invalid").as_deref() != Some("true") {
            return None;
        }
        let described = control.get_attribute("aria-describedby")?;
        let error = self.el(&format!("#{described}"));
        assert!(!error.hidden(), "the error of {id} is hidden");
        Some(error.text_content().unwrap_or_default().trim().to_owned())
    }
}

fn fire(target: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    target
        .dispatch_event(&web_sys::Event::new_with_event_init_dict(kind, &init).unwrap())
        .unwrap();
}

fn departments() -> Vec<Department> {
    vec![
        Department {
            id: "orders".into(),
            name: "Orders and delivery".into(),
            available: Some(true),
        },
        Department {
            id: "wholesale".into(),
            name: "Wholesale".into(),
            available: Some(false),
        },
    ]
}

fn config(lang: Lang) -> WidgetConfig {
    let mut c = WidgetConfig {
        language: lang,
        ..Default::default()
    };
    c.livechat.registration_form = true;
    c.livechat.departments = departments();
    c.livechat.allow_switching_departments = true;
    c
}

async fn mount_with(config: WidgetConfig, available: bool) -> Fixture {
    let host = fresh_host("webchat-host");
    let store = ChatStore::new(config, available);
    let actions = Rc::new(RefCell::new(Vec::new()));
    let sink = actions.clone();
    let widget = mount_widget(
        &host,
        store,
        Rc::new(move |a: UiAction| sink.borrow_mut().push(a)),
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

/// The window open with the pre-chat form as the session shows it.
async fn prechat(lang: Lang, fields: PrechatFields) -> Fixture {
    let f = mount_with(config(lang), true).await;
    f.store.open_window();
    f.store.apply(ViewUpdate::Prechat(PrechatState::Open {
        fields,
        values: PrechatValues::default(),
    }));
    settle().await;
    f
}

const ALL_FIELDS: PrechatFields = PrechatFields {
    name: true,
    email: true,
    message: true,
    department: true,
};

// ---------- pre-chat form ----------

#[wasm_bindgen_test]
async fn prechat_fields_are_labelled_in_order_and_stand_in_for_the_composer() {
    let f = prechat(Lang::En, ALL_FIELDS).await;
    assert!(f.el(".wc-composer-area").hidden(), "the composer waits");
    assert_eq!(f.label_of("wc-pc-name"), "Name");
    assert_eq!(f.label_of("wc-pc-email"), "Email address");
    assert_eq!(f.label_of("wc-pc-department"), "Department");
    assert_eq!(f.label_of("wc-pc-message"), "How can we help? (optional)");
    assert_eq!(
        f.attr("#wc-pc-name", "aria-required").as_deref(),
        Some("true")
    );
    assert_eq!(f.attr("#wc-pc-email", "type").as_deref(), Some("email"));
    assert_eq!(f.attr("#wc-pc-message", "aria-required"), None);
    // Focus order is document order: name, email, department, message, the button.
    let order: Vec<String> = {
        let list = f
            .widget
            .as_ref()
            .unwrap()
            .shadow_root()
            .query_selector_all(
                ".wc-prechat input, .wc-prechat select, .wc-prechat textarea, .wc-prechat button",
            )
            .unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into::<Element>())
            .map(|e| {
                if e.id().is_empty() {
                    e.tag_name()
                } else {
                    e.id()
                }
            })
            .collect()
    };
    assert_eq!(
        order,
        [
            "wc-pc-name",
            "wc-pc-email",
            "wc-pc-department",
            "wc-pc-message",
            "BUTTON"
        ]
    );
    // The departments, the one nobody serves marked so.
    let options = f.text("#wc-pc-department");
    assert!(options.contains("Orders and delivery"), "{options}");
    assert!(
        options.contains("Wholesale (nobody available)"),
        "{options}"
    );
    assert!(f.take().is_empty());
}

#[wasm_bindgen_test]
async fn prechat_errors_are_inline_focused_and_go_once_fixed() {
    let f = prechat(Lang::En, ALL_FIELDS).await;
    // Nothing is shown as wrong before the visitor tried.
    assert_eq!(f.error_of("wc-pc-name"), None);
    f.type_into("wc-pc-email", "ana@");
    f.submit(".wc-prechat");
    settle().await;
    assert!(f.take().is_empty(), "nothing sent while invalid");
    assert_eq!(
        f.error_of("wc-pc-name").as_deref(),
        Some("Please enter your name.")
    );
    assert_eq!(
        f.error_of("wc-pc-email").as_deref(),
        Some("Please enter a valid email address, like name@example.com.")
    );
    assert_eq!(
        f.error_of("wc-pc-department").as_deref(),
        Some("Please choose a department.")
    );
    assert_eq!(f.error_of("wc-pc-message"), None, "the message is optional");
    assert_eq!(
        f.active_id(),
        "wc-pc-name",
        "the first invalid field has focus"
    );
    // Each error goes as soon as its field is right.
    f.type_into("wc-pc-name", "Ana <b>Lima</b>");
    settle().await;
    assert_eq!(f.error_of("wc-pc-name"), None);
    assert!(f.error_of("wc-pc-email").is_some());
    f.type_into("wc-pc-email", "ana@example.com");
    f.choose("wc-pc-department", "orders");
    f.type_into("wc-pc-message", "Where is my order?");
    settle().await;
    f.submit(".wc-prechat");
    settle().await;
    assert_eq!(
        f.take(),
        [UiAction::SubmitPrechat(PrechatValues {
            name: "Ana <b>Lima</b>".into(),
            email: "ana@example.com".into(),
            message: "Where is my order?".into(),
            department: Some("orders".into()),
        })]
    );
}

#[wasm_bindgen_test]
async fn departments_alone_and_switching_before_the_first_message() {
    let fields = PrechatFields {
        department: true,
        ..PrechatFields::default()
    };
    let f = prechat(Lang::En, fields).await;
    assert!(f.q("#wc-pc-name").is_none());
    assert_eq!(f.text(".wc-form-intro"), "Choose a department");
    f.choose("wc-pc-department", "orders");
    f.submit(".wc-prechat");
    settle().await;
    assert!(matches!(
        f.take().as_slice(),
        [UiAction::SubmitPrechat(PrechatValues { department: Some(d), .. })] if d == "orders"
    ));
    // Given: the composer is back with the department above it and a way to change it.
    f.store.apply(ViewUpdate::Prechat(PrechatState::Done {
        department: Some("orders".into()),
        can_switch: true,
    }));
    settle().await;
    assert!(!f.el(".wc-composer-area").hidden());
    assert_eq!(
        f.text(".wc-department-name"),
        "Department: Orders and delivery"
    );
    f.el(".wc-department-change").click();
    settle().await;
    assert_eq!(f.take(), [UiAction::ChangeDepartment]);
    // Not allowed (or after the first message): no button.
    f.store.apply(ViewUpdate::Prechat(PrechatState::Done {
        department: Some("orders".into()),
        can_switch: false,
    }));
    settle().await;
    assert!(f.q(".wc-department-change").is_none());
}

#[wasm_bindgen_test]
async fn prechat_speaks_the_campaign_language_right_to_left() {
    let f = prechat(Lang::Ar, ALL_FIELDS).await;
    assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("rtl"));
    assert_eq!(f.label_of("wc-pc-name"), "الاسم");
    f.submit(".wc-prechat");
    settle().await;
    assert_eq!(
        f.error_of("wc-pc-name").as_deref(),
        Some("يُرجى إدخال اسمك.")
    );
    // The field's start edge is on the right in a mirrored layout.
    let label = f.el("label[for=wc-pc-name]").get_bounding_client_rect();
    let input = f.el("#wc-pc-name").get_bounding_client_rect();
    assert!(
        (label.right() - input.right()).abs() < 1.0,
        "label {} / input {}",
        label.right(),
        input.right()
    );
    // Another language, the same form: German.
    f.store.set_language_override(Some(Lang::De));
    settle().await;
    assert_eq!(f.text(".wc-prechat button[type=submit]"), "Chat starten");
}

// ---------- offline form ----------

#[wasm_bindgen_test]
async fn offline_form_keeps_the_typed_message_and_says_how_it_went() {
    let mut c = config(Lang::En);
    c.livechat.display_offline_form = true;
    c.livechat.offline_message = Some("Our baristas are away.".into());
    c.livechat.offline_success_message = Some("Thanks, we write back.".into());
    let f = mount_with(c, false).await;
    f.store.open_window();
    f.store.set_phase(Phase::Offline);
    // The visitor had typed in the composer when availability dropped.
    f.store.set_composer_draft("Do you ship to Norway?".into());
    f.store.apply(ViewUpdate::Offline(OfflineState::Form {
        draft: String::new(),
        sending: false,
        error: None,
    }));
    settle().await;
    assert_eq!(f.text(".wc-offline-text"), "Our baristas are away.");
    assert_eq!(f.text(".wc-title"), "Leave us a message");
    let message: web_sys::HtmlTextAreaElement = f.el("#wc-off-message").unchecked_into();
    assert_eq!(
        message.value(),
        "Do you ship to Norway?",
        "nothing typed is lost"
    );
    assert_eq!(f.label_of("wc-off-message"), "Message");
    f.submit(".wc-offline-form");
    settle().await;
    assert!(f.take().is_empty());
    assert_eq!(f.active_id(), "wc-off-name");
    assert_eq!(
        f.error_of("wc-off-email").as_deref(),
        Some("Please enter your email address.")
    );
    f.type_into("wc-off-name", "Bo");
    f.type_into("wc-off-email", "bo@example.com");
    settle().await;
    f.submit(".wc-offline-form");
    settle().await;
    assert_eq!(
        f.take(),
        [UiAction::SendOffline {
            name: "Bo".into(),
            email: "bo@example.com".into(),
            message: "Do you ship to Norway?".into(),
        }]
    );
    // A failure keeps everything and says why, as an alert.
    f.store.apply(ViewUpdate::Offline(OfflineState::Form {
        draft: String::new(),
        sending: false,
        error: Some(SendError::Network),
    }));
    settle().await;
    assert_eq!(
        f.attr(".wc-offline-form .wc-form-alert", "role").as_deref(),
        Some("alert")
    );
    assert_eq!(message.value(), "Do you ship to Norway?");
    // Accepted: the success message, announced; the form goes.
    f.store.apply(ViewUpdate::Offline(OfflineState::Sent));
    settle().await;
    assert!(f.q(".wc-offline-form").is_none());
    assert_eq!(f.text(".wc-offline-text"), "Thanks, we write back.");
    assert_eq!(
        f.attr(".wc-offline-text", "role").as_deref(),
        Some("status")
    );
}

#[wasm_bindgen_test]
async fn offline_without_a_form_says_the_unavailable_message() {
    let mut c = config(Lang::En);
    c.livechat.offline_unavailable_message = Some("Come back at nine.".into());
    let f = mount_with(c, false).await;
    f.store.open_window();
    f.store.set_phase(Phase::Offline);
    settle().await;
    assert_eq!(f.text(".wc-offline-text"), "Come back at nine.");
    assert!(f.q(".wc-offline-form").is_none());
}

// ---------- after the chat ----------

#[wasm_bindgen_test]
async fn transcript_offer_checks_the_address_and_reports_the_copy() {
    let mut c = config(Lang::En);
    c.livechat.transcript = true;
    let f = mount_with(c, true).await;
    f.store.open_window();
    f.store.set_phase(Phase::Ended);
    f.store
        .apply(ViewUpdate::Transcript(TranscriptOffer::Shown {
            email: Some("ana@example.com".into()),
            mail: EmailState::Idle,
        }));
    settle().await;
    assert_eq!(
        f.text(".wc-transcript-q"),
        "Would you like a copy of this chat?"
    );
    assert_eq!(f.text(".wc-transcript-download"), "Download transcript");
    let address: HtmlInputElement = f.el("#wc-tr-email").unchecked_into();
    assert_eq!(
        address.value(),
        "ana@example.com",
        "the chat's address is offered"
    );
    // The known address needs no repeating.
    f.submit(".wc-transcript-mail");
    settle().await;
    assert_eq!(f.take(), [UiAction::EmailTranscript(None)]);
    f.type_into("wc-tr-email", "not an address");
    f.submit(".wc-transcript-mail");
    settle().await;
    assert!(f.take().is_empty());
    assert!(f.error_of("wc-tr-email").is_some());
    f.type_into("wc-tr-email", "bo@example.com");
    f.submit(".wc-transcript-mail");
    settle().await;
    assert_eq!(
        f.take(),
        [UiAction::EmailTranscript(Some("bo@example.com".into()))]
    );
    f.store
        .apply(ViewUpdate::Transcript(TranscriptOffer::Shown {
            email: None,
            mail: EmailState::Sent {
                to: "bo@example.com".into(),
            },
        }));
    settle().await;
    assert_eq!(
        f.text(".wc-transcript .wc-form-note"),
        "A copy is on its way to bo@example.com."
    );
    // A backend without the mail: the download alone.
    f.store
        .apply(ViewUpdate::Transcript(TranscriptOffer::Shown {
            email: None,
            mail: EmailState::Failed(SendError::Unsupported),
        }));
    settle().await;
    assert!(f.q(".wc-transcript-mail").is_none());
    assert!(f.q(".wc-transcript-download").is_some());
}

#[wasm_bindgen_test]
async fn a_conversation_across_midnight_has_a_day_separator() {
    let f = mount_with(config(Lang::En), true).await;
    f.store.open_window();
    f.store.set_phase(Phase::Chatting);
    // Two local days: today's noon and the noon before it.
    let now = js_sys::Date::new_0();
    let noon = js_sys::Date::new_with_year_month_day_hr_min(
        now.get_full_year(),
        now.get_month() as i32,
        now.get_date() as i32,
        12,
        0,
    )
    .get_time() as u64;
    let day = 86_400_000;
    f.store
        .add_visitor_message_at("v1", "late question", Some(noon - day));
    f.store
        .add_agent_message_at("a1", "Ana", "same day answer", Some(noon - day + 60_000));
    f.store
        .add_agent_message_at("a2", "Ana", "next day", Some(noon));
    settle().await;
    let separators = f
        .widget
        .as_ref()
        .unwrap()
        .shadow_root()
        .query_selector_all(".wc-day-sep")
        .unwrap();
    assert_eq!(separators.length(), 1, "one separator, before the new day");
    let sep: Element = separators.item(0).unwrap().unchecked_into();
    assert_eq!(sep.get_attribute("role").as_deref(), Some("separator"));
    assert!(sep
        .get_attribute("aria-label")
        .is_some_and(|l| !l.is_empty()));
    let next = sep.next_element_sibling().unwrap();
    assert!(next.text_content().unwrap_or_default().contains("next day"));
}
