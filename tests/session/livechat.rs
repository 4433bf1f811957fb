//! The campaign's livechat configuration around the chat: the pre-chat form and departments,
//! the offline form, the closing notice and the transcript offer, and the page's `livechat`
//! option over the campaign's.

use leptos::prelude::GetUntracked;
use webchat::model::{
    EmailState, MessageStatus, Notice, OfflineState, Phase, PrechatFields, PrechatState,
    PrechatValues, SendError, TranscriptOffer,
};
use webchat::session::{Method, TabMessage, ToLeader, UiAction, UserInfo};

use crate::sim::{campaign, campaign_with, deliver, Storage, Tab};

const FORM: &str = r#"{"registrationForm": true, "messageFieldRegistrationForm": true,
    "departments": [{"id": "orders", "name": "Orders"}, {"id": "brewing", "name": "Brewing"}],
    "allowSwitchingDepartments": true}"#;

const AFTER: &str = r#"{"conversationFinishedMessage": "Thanks for chatting with <b>us</b>.",
    "transcript": true, "registrationForm": true}"#;

fn prechat(t: &Tab) -> PrechatState {
    t.store.prechat().get_untracked()
}

fn values(name: &str, email: &str, message: &str, department: Option<&str>) -> PrechatValues {
    PrechatValues {
        name: name.into(),
        email: email.into(),
        message: message.into(),
        department: department.map(str::to_owned),
    }
}

const ALL_FIELDS: PrechatFields = PrechatFields {
    name: true,
    email: true,
    message: true,
    department: true,
};

#[test]
fn the_prechat_form_comes_first_and_its_answers_start_the_chat() {
    let mut t = Tab::loaded(&campaign_with(true, FORM));
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(
        prechat(&t),
        PrechatState::Open {
            fields: ALL_FIELDS,
            values: PrechatValues::default()
        }
    );
    t.act(UiAction::SubmitPrechat(values(
        " Ana Silva ",
        "ana@example.com",
        "Which grind for a moka pot?",
        Some("brewing"),
    )));
    // "How can we help?" is the first message, and the chat starts with the answers.
    assert_eq!(
        t.visitor_messages(),
        [("Which grind for a moka pot?".into(), MessageStatus::Sending)]
    );
    assert_eq!(t.phase(), Phase::Connecting);
    assert_eq!(prechat(&t), PrechatState::Hidden, "no form while starting");
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["department"], "brewing");
    assert_eq!(
        body["prechat"],
        serde_json::json!({"name": "Ana Silva", "email": "ana@example.com",
            "message": "Which grind for a moka pot?"})
    );
    assert!(body.get("greeting_trigger").is_none());
    assert_eq!(body["campaign_id"], "camp1");
    // The answers are kept, the message not (it is the conversation's).
    let stored: serde_json::Value =
        serde_json::from_str(&t.stored("prechat").expect("kept")).unwrap();
    assert_eq!(stored["department"], "brewing");
    assert_eq!(stored["prechat"]["name"], "Ana Silva");
    assert!(stored["prechat"].get("message").is_none());
    let sent = t.started(false);
    assert!(sent
        .iter()
        .any(|f| f.contains("<body>Which grind for a moka pot?</body>")));
}

#[test]
fn without_a_message_the_composer_starts_the_chat_and_the_answers_survive_a_reload() {
    let storage = Storage::default();
    let mut t = Tab::open(&storage);
    t.reply(
        Method::Get,
        "campaigns/camp1",
        200,
        &campaign_with(true, FORM),
    );
    t.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "",
        Some("orders"),
    )));
    assert!(t.visitor_messages().is_empty());
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(
        prechat(&t),
        PrechatState::Done {
            department: Some("orders".into()),
            can_switch: true
        }
    );
    // A reload before the first message: no form again.
    let storage = t.unload();
    let mut t = Tab::open(&storage);
    t.reply(
        Method::Get,
        "campaigns/camp1",
        200,
        &campaign_with(true, FORM),
    );
    assert!(matches!(prechat(&t), PrechatState::Done { .. }));
    t.say("Where is my parcel?");
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["department"], "orders");
    assert_eq!(
        body["prechat"],
        serde_json::json!({"name": "Ana", "email": "ana@example.com"})
    );
}

#[test]
fn the_department_can_be_changed_until_the_first_message_when_the_campaign_allows() {
    let mut t = Tab::loaded(&campaign_with(true, FORM));
    t.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "",
        Some("orders"),
    )));
    t.act(UiAction::ChangeDepartment);
    assert_eq!(
        prechat(&t),
        PrechatState::Open {
            fields: ALL_FIELDS,
            values: values("Ana", "ana@example.com", "", Some("orders"))
        },
        "the form again, with what was given"
    );
    t.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "",
        Some("brewing"),
    )));
    t.say("Hello");
    assert_eq!(
        t.body(Method::Post, "chatsessions")["department"],
        "brewing"
    );
    t.act(UiAction::ChangeDepartment);
    assert_eq!(
        prechat(&t),
        PrechatState::Hidden,
        "not once the chat started"
    );

    // Without `allowSwitchingDepartments` the first choice stays.
    let fixed = FORM.replace(
        r#""allowSwitchingDepartments": true"#,
        r#""allowSwitchingDepartments": false"#,
    );
    let mut t = Tab::loaded(&campaign_with(true, &fixed));
    t.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "",
        Some("orders"),
    )));
    t.act(UiAction::ChangeDepartment);
    assert_eq!(
        prechat(&t),
        PrechatState::Done {
            department: Some("orders".into()),
            can_switch: false
        }
    );
}

#[test]
fn answers_the_form_rules_refuse_change_nothing() {
    let mut t = Tab::loaded(&campaign_with(true, FORM));
    for bad in [
        values("Ana", "not an address", "", Some("orders")),
        values("", "ana@example.com", "", Some("orders")),
        values("Ana", "ana@example.com", "", Some("wholesale")),
        values("Ana", "ana@example.com", "", None),
        values("Ana\u{0}", "ana@example.com", "", Some("orders")),
    ] {
        t.act(UiAction::SubmitPrechat(bad.clone()));
        assert!(matches!(prechat(&t), PrechatState::Open { .. }), "{bad:?}");
        assert!(t.stored("prechat").is_none());
        assert!(!t.asked(Method::Post, "chatsessions"));
    }
    assert_eq!(t.take_logs().len(), 5, "one warning each");
}

#[test]
fn a_tagged_user_skips_the_form_but_still_chooses_a_department() {
    let mut t = Tab::loaded(&campaign_with(true, FORM));
    let user = UserInfo::from_json(&serde_json::json!({
        "email": "john@x.example", "firstname": "John"
    }))
    .unwrap();
    let now = t.now();
    t.s.handle_tag(user, now).unwrap();
    t.drain();
    assert_eq!(
        prechat(&t),
        PrechatState::Open {
            fields: PrechatFields {
                department: true,
                ..Default::default()
            },
            values: PrechatValues::default()
        }
    );
    t.act(UiAction::SubmitPrechat(values("", "", "", Some("orders"))));
    t.say("Hi");
    let body = t.body(Method::Post, "chatsessions");
    assert_eq!(body["department"], "orders");
    assert!(body.get("prechat").is_none());
    assert_eq!(body["user"]["email"], "john@x.example");

    // Without departments a tagged user sees no form at all.
    let mut t = Tab::loaded(&campaign_with(true, r#"{"registrationForm": true}"#));
    let user = UserInfo::from_json(&serde_json::json!({"email": "john@x.example"})).unwrap();
    let now = t.now();
    t.s.handle_tag(user, now).unwrap();
    t.drain();
    assert_eq!(prechat(&t), PrechatState::Hidden);
}

#[test]
fn a_campaign_without_the_configuration_shows_none_of_it() {
    let mut t = Tab::loaded(&campaign(true, false));
    assert_eq!(t.phase(), Phase::Offline);
    assert_eq!(prechat(&t), PrechatState::Hidden);
    assert_eq!(t.store.offline().get_untracked(), OfflineState::Hidden);
    t.say("hi");
    assert!(!t.asked(Method::Post, "offlinemessages"));
}

#[test]
fn the_offline_form_sends_name_email_and_message() {
    let offline =
        r#"{"displayOfflineForm": true, "departments": [{"id": "orders", "name": "Orders"}]}"#;
    let mut t = Tab::loaded(&campaign_with(false, offline));
    assert_eq!(t.phase(), Phase::Offline);
    assert_eq!(
        prechat(&t),
        PrechatState::Hidden,
        "offline: no pre-chat form"
    );
    assert_eq!(
        t.store.offline().get_untracked(),
        OfflineState::Form {
            draft: String::new(),
            sending: false,
            error: None
        }
    );
    let send = |t: &mut Tab| {
        t.act(UiAction::SendOffline {
            name: " Ana ".into(),
            email: "ana@example.com".into(),
            message: "Do you ship to Norway?\nThanks".into(),
        })
    };
    send(&mut t);
    assert!(matches!(
        t.store.offline().get_untracked(),
        OfflineState::Form { sending: true, .. }
    ));
    let body = t.body(Method::Post, "offlinemessages");
    assert_eq!(
        body,
        serde_json::json!({"campaign_id": "camp1", "name": "Ana", "email": "ana@example.com",
            "message": "Do you ship to Norway?\nThanks", "tracker_id": t.s.visitor_id(),
            "request_url": "http://shop.test/cart"})
    );
    // Trouble on the way: the form stays, with the error, and can be sent again.
    t.reply(Method::Post, "offlinemessages", 503, "");
    assert_eq!(
        t.store.offline().get_untracked(),
        OfflineState::Form {
            draft: String::new(),
            sending: false,
            error: Some(SendError::Network)
        }
    );
    send(&mut t);
    t.reply(Method::Post, "offlinemessages", 201, "{}");
    assert_eq!(t.store.offline().get_untracked(), OfflineState::Sent);
    // Agents come back: the chat, not the form.
    let now = t.now();
    t.s.handle_availability(true, now);
    t.drain();
    assert_eq!(t.phase(), Phase::Idle);
    assert_eq!(t.store.offline().get_untracked(), OfflineState::Hidden);
}

#[test]
fn a_message_typed_when_availability_drops_mid_start_is_offered_to_the_form() {
    let mut t = Tab::loaded(&campaign_with(true, r#"{"displayOfflineForm": true}"#));
    t.say("Is my order on its way?");
    t.say("It is #4711.");
    t.reply(
        Method::Post,
        "chatsessions",
        409,
        r#"{"Status":409,"StatusText":"Conflict","Message":"No Availability"}"#,
    );
    assert_eq!(t.phase(), Phase::Offline);
    assert_eq!(
        t.store.offline().get_untracked(),
        OfflineState::Form {
            draft: "Is my order on its way?\nIt is #4711.".into(),
            sending: false,
            error: None
        }
    );
    // Still in the conversation too, marked failed.
    assert!(t
        .visitor_messages()
        .iter()
        .all(|(_, s)| *s == MessageStatus::Failed));
    t.act(UiAction::SendOffline {
        name: "Ana".into(),
        email: "ana@example.com".into(),
        message: "Is my order on its way?\nIt is #4711.".into(),
    });
    t.reply(Method::Post, "offlinemessages", 400, r#"{"Message":"bad"}"#);
    assert!(matches!(
        t.store.offline().get_untracked(),
        OfflineState::Form {
            error: Some(SendError::Invalid),
            ..
        }
    ));
}

#[test]
fn the_end_shows_the_closing_text_and_offers_the_transcript_by_email() {
    let mut t = Tab::loaded(&campaign_with(true, AFTER));
    t.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "",
        None,
    )));
    t.chatting(false);
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Hidden
    );
    t.act(UiAction::EndChat);
    assert_eq!(
        t.notices()[t.notices().len() - 2..],
        [
            Notice::Ended(webchat::model::EndedBy::Visitor),
            Notice::Finished {
                text: "Thanks for chatting with <b>us</b>.".into()
            }
        ]
    );
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Shown {
            email: Some("ana@example.com".into()),
            mail: EmailState::Idle
        }
    );
    // A bad address never leaves the browser.
    t.act(UiAction::EmailTranscript(Some("ana@".into())));
    assert!(!t.asked(Method::Post, "chatsessions/cs-1/transcript/email"));
    t.act(UiAction::EmailTranscript(None));
    assert_eq!(
        t.header(
            Method::Post,
            "chatsessions/cs-1/transcript/email",
            "X-Chat-Secret"
        )
        .as_deref(),
        Some("k3y")
    );
    assert_eq!(
        t.body(Method::Post, "chatsessions/cs-1/transcript/email"),
        serde_json::json!({})
    );
    t.act(UiAction::EmailTranscript(None));
    assert_eq!(
        t.requests
            .iter()
            .filter(|r| r.path.ends_with("/transcript/email"))
            .count(),
        1,
        "once while it is on its way"
    );
    t.reply(
        Method::Post,
        "chatsessions/cs-1/transcript/email",
        202,
        r#"{"id":"m1","chatsession_id":"cs-1","to":"ana@example.com","created_ms":5}"#,
    );
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Shown {
            email: Some("ana@example.com".into()),
            mail: EmailState::Sent {
                to: "ana@example.com".into()
            }
        }
    );
    // The closing notice survives a reload.
    let storage = t.unload();
    let mut t = Tab::open(&storage);
    t.reply(
        Method::Get,
        "campaigns/camp1",
        200,
        &campaign_with(true, AFTER),
    );
    assert!(t.notices().contains(&Notice::Finished {
        text: "Thanks for chatting with <b>us</b>.".into()
    }));
    // A new chat: nothing of the old offer.
    t.act(UiAction::StartNewChat);
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Hidden
    );
}

#[test]
fn a_backend_without_the_mail_endpoint_leaves_the_download() {
    let mut t = Tab::loaded(&campaign_with(true, r#"{"transcript": true}"#));
    t.chatting(false);
    t.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "c1",
    );
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Shown {
            email: None,
            mail: EmailState::Idle
        }
    );
    assert!(
        !t.notices()
            .iter()
            .any(|n| matches!(n, Notice::Finished { .. })),
        "no closing text configured"
    );
    t.act(UiAction::EmailTranscript(Some("ana@example.com".into())));
    assert_eq!(
        t.body(Method::Post, "chatsessions/cs-1/transcript/email"),
        serde_json::json!({"email": "ana@example.com"})
    );
    t.reply(Method::Post, "chatsessions/cs-1/transcript/email", 404, "");
    assert_eq!(
        t.store.transcript().get_untracked(),
        TranscriptOffer::Shown {
            email: None,
            mail: EmailState::Failed(SendError::Unsupported)
        }
    );
}

#[test]
fn the_pages_livechat_option_wins_over_the_campaign() {
    let mut t = Tab::open_with_livechat(
        &Storage::default(),
        r#"{"registrationForm": true, "emailFieldRegistrationForm": false, "transcript": false}"#,
    );
    t.reply(
        Method::Get,
        "campaigns/camp1",
        200,
        &campaign_with(true, AFTER),
    );
    assert_eq!(
        prechat(&t),
        PrechatState::Open {
            fields: PrechatFields {
                name: true,
                ..Default::default()
            },
            values: PrechatValues::default()
        }
    );
    let config = t.store.config().get_untracked();
    assert!(!config.livechat.transcript, "the view sees the page's too");
    assert_eq!(
        config.livechat.conversation_finished_message.as_deref(),
        Some("Thanks for chatting with <b>us</b>."),
        "keys left out stay the campaign's"
    );
}

#[test]
fn a_followers_form_goes_through_the_leader_and_shows_in_every_tab() {
    let storage = Storage::default();
    let member = |seed| {
        let mut t = Tab::open_seeded(&storage, seed);
        let now = t.now();
        t.s.handle_tabs_joined(seed == 1, now);
        t.drain();
        t.reply(
            Method::Get,
            "campaigns/camp1",
            200,
            &campaign_with(true, FORM),
        );
        t
    };
    let mut a = member(1);
    let mut b = member(2);
    deliver(&mut a, &mut b);
    assert!(matches!(prechat(&b), PrechatState::Open { .. }));
    b.act(UiAction::SubmitPrechat(values(
        "Ana",
        "ana@example.com",
        "Hello from the second tab",
        Some("orders"),
    )));
    assert!(b
        .posted
        .contains(&TabMessage::ToLeader(ToLeader::Prechat(values(
            "Ana",
            "ana@example.com",
            "Hello from the second tab",
            Some("orders")
        )))));
    deliver(&mut a, &mut b);
    let body = a.body(Method::Post, "chatsessions");
    assert_eq!(body["department"], "orders");
    assert_eq!(body["prechat"]["message"], "Hello from the second tab");
    assert_eq!(prechat(&a), PrechatState::Hidden);
    assert_eq!(prechat(&b), PrechatState::Hidden);
    assert_eq!(b.texts(), ["Hello from the second tab"]);
    assert!(
        b.paths().iter().all(|p| p != "chatsessions"),
        "only the leader"
    );
}
