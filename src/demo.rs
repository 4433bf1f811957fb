//! Demo host wiring for `index.html` (feature `demo`, used by Trunk only): mounts the widget with
//! sample state and a pretend agent so the UI can be tried and screenshotted without a backend.
//!
//! Query parameters pick the scene: `?scene=chat|offline|survey|thumbs|cobrowse|ended|blocked`,
//! `&lang=de`, `&color=%23ffd400`, `&open=1`. This is not the controller.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::actions::UiAction;
use crate::i18n::Lang;
use crate::model::{
    ChatStore, CobrowseConfig, EndedBy, MessageStatus, Notice, Phase, SurveyConfig, SurveyOption,
    WidgetConfig,
};
use crate::mount::mount_widget;

fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name)
            .then(|| js_sys::decode_uri_component(v).ok().map(String::from))
            .flatten()
    })
}

fn config(thumbs: bool) -> WidgetConfig {
    let opt = |v: &str, l: &str| SurveyOption {
        value: v.into(),
        label: Some(l.into()),
    };
    WidgetConfig {
        title: Some("Northwind Support".into()),
        color: Some(param("color").unwrap_or_else(|| "#0a6018".into())),
        language: param("lang")
            .and_then(|l| Lang::from_tag(&l))
            .unwrap_or_default(),
        language_override: None,
        offline_text: None,
        survey: Some(SurveyConfig {
            question: Some("How would you rate our service?".into()),
            options: if thumbs {
                vec![opt("good", "Good"), opt("bad", "Bad")]
            } else {
                vec![
                    opt("good", "Good"),
                    opt("moderate", "Might be better"),
                    opt("bad", "Bad"),
                ]
            },
            comment_enabled: true,
            comment_prompt: Some("Help us out to improve our service with your comments".into()),
            thanks_enabled: true,
            thanks: Some("Thanks for your time and comments".into()),
        }),
        cobrowse: Some(CobrowseConfig {
            text: Some("Screen sharing?".into()),
            accept: Some("Yes".into()),
            deny: Some("No".into()),
        }),
    }
}

fn sample_conversation(store: ChatStore) {
    store.set_phase(Phase::Chatting);
    store.set_agent_name(Some("Ana".into()));
    store.add_visitor_message("v1", "Hi! My order #1042 hasn't arrived yet.");
    store.set_message_status(&"v1".into(), MessageStatus::Sent);
    store.add_agent_message(
        "a1",
        "Ana",
        "Hello! I'm sorry to hear that. Let me check it for you.",
    );
    store.add_agent_message(
        "a2",
        "Ana",
        "It left our warehouse yesterday — you can follow it here: https://tracking.example.com/1042",
    );
    store.add_visitor_message("v2", "Great, thank you!\nWill it arrive before Friday?");
    store.set_message_status(&"v2".into(), MessageStatus::Sent);
}

#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(host) = document
        .get_element_by_id("webchat")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let scene = param("scene").unwrap_or_else(|| "chat".into());
    let store = ChatStore::new(config(scene == "thumbs"), scene != "offline");
    match scene.as_str() {
        "chat" => {
            sample_conversation(store);
            store.set_agent_typing(true);
        }
        "cobrowse" => {
            sample_conversation(store);
            store.cobrowse_requested();
        }
        "survey" | "thumbs" | "ended" => {
            sample_conversation(store);
            store.chat_ended(EndedBy::Agent);
        }
        "blocked" => {
            sample_conversation(store);
            store.blocked();
        }
        "notices" => {
            sample_conversation(store);
            store.add_notice(Notice::AgentUnavailable);
            store.add_notice(Notice::AgentAvailable);
            store.agent_transferred("Bo");
        }
        _ => {}
    }
    if param("open").as_deref() == Some("1") {
        store.open_window();
    }

    // A pretend agent: acknowledges each message and answers after a short pause.
    let next_id = Rc::new(Cell::new(0u32));
    let sink = move |action: UiAction| match action {
        UiAction::SendText(text) => {
            let n = next_id.get() + 1;
            next_id.set(n);
            let id = format!("demo-v{n}");
            store.add_visitor_message(id.clone(), text);
            if store.phase().get_untracked() == Phase::Idle {
                store.set_phase(Phase::Chatting);
                store.set_agent_name(Some("Ana".into()));
            }
            set_timeout(
                move || _ = store.set_message_status(&id.into(), MessageStatus::Sent),
                Duration::from_millis(300),
            );
            set_timeout(
                move || store.set_agent_typing(true),
                Duration::from_millis(700),
            );
            set_timeout(
                move || {
                    _ = store.add_agent_message(
                        format!("demo-a{n}"),
                        "Ana",
                        "Thanks! Give me a moment to look into that.",
                    )
                },
                Duration::from_millis(2200),
            );
        }
        UiAction::EndChat => store.chat_ended(EndedBy::Visitor),
        other => leptos::logging::log!("webchat demo: {other:?}"),
    };
    match mount_widget(&host, store, Rc::new(sink)) {
        // The demo page lives as long as the widget: keep it mounted.
        Ok(mounted) => std::mem::forget(mounted),
        Err(e) => web_sys::console::error_1(&e.to_string().into()),
    }
}
