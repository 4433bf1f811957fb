//! Demo host wiring for `index.html` (feature `demo`, used by Trunk only).
//!
//! Without `?scene=`, it starts the real widget ([`crate::entry::start`]) against the devserver
//! that serves the page: API, token and campaign come from the `data-*` attributes of the
//! `#webchat` element, the WebSocket URL from `location` (`ws(s)://HOST/xmpp-websocket`).
//! With `?scene=chat|offline|survey|thumbs|cobrowse|ended|blocked` (plus `&lang=de`,
//! `&color=%23ffd400`, `&open=1`) it mounts sample state and a pretend agent instead, so the UI
//! can be tried and screenshotted without a backend. Scenes are not the controller.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::actions::UiAction;
use crate::i18n::Lang;
use crate::model::{
    ChatStore, CobrowseConfig, CobrowseState, EndedBy, MessageStatus, Notice, Phase, SurveyConfig,
    SurveyOption, SurveyState, WidgetConfig,
};
use crate::mount::mount_widget;
use crate::session::ViewUpdate;

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

/// The end of a chat as the session shows it: a notice, the phase, the survey.
fn ended(store: ChatStore, by: EndedBy) {
    store.add_notice(Notice::Ended(by));
    store.set_phase(Phase::Ended);
    store.apply(ViewUpdate::Survey(SurveyState::Open));
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
    let Some(scene) = param("scene") else {
        start_real(host);
        return;
    };
    let store = ChatStore::new(config(scene == "thumbs"), scene != "offline");
    match scene.as_str() {
        "chat" => {
            sample_conversation(store);
            store.set_agent_typing(true);
        }
        "cobrowse" => {
            sample_conversation(store);
            store.apply(ViewUpdate::Cobrowse(CobrowseState::Requested));
        }
        "survey" | "thumbs" | "ended" => {
            sample_conversation(store);
            ended(store, EndedBy::Agent);
        }
        "blocked" => {
            sample_conversation(store);
            store.add_notice(Notice::Blocked);
            store.set_phase(Phase::Blocked);
        }
        "notices" => {
            sample_conversation(store);
            store.add_notice(Notice::AgentUnavailable);
            store.add_notice(Notice::AgentAvailable);
            store.add_notice(Notice::Transferred {
                firstname: "Bo".into(),
            });
            store.set_agent_name(Some("Bo".into()));
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
        UiAction::EndChat => ended(store, EndedBy::Visitor),
        other => leptos::logging::log!("webchat demo: {other:?}"),
    };
    match mount_widget(&host, store, Rc::new(sink)) {
        // The demo page lives as long as the widget: keep it mounted.
        Ok(mounted) => std::mem::forget(mounted),
        Err(e) => web_sys::console::error_1(&e.to_string().into()),
    }
}

/// The real widget, configured by the page (`data-api-url`, `data-api-token`, `data-campaign`,
/// `data-websocket-path` on `#webchat`).
fn start_real(host: web_sys::HtmlElement) {
    let attr = |name: &str, default: &str| {
        host.get_attribute(name)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let ws_host = location.host().unwrap_or_default();
    let options = crate::entry::InitOptions {
        api_url: attr("data-api-url", "/api/app.php/chatbot/v1/"),
        api_token: attr("data-api-token", "webchat-dev-token"),
        campaign: attr("data-campaign", "Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX"),
        websocket_url: format!(
            "{scheme}://{ws_host}{}",
            attr("data-websocket-path", "/xmpp-websocket")
        ),
        // devserver's BOSH endpoint, for visitors whose WebSocket does not get through.
        bosh_url: location
            .origin()
            .ok()
            .map(|origin| format!("{origin}{}", attr("data-bosh-path", "/http-bind"))),
        visitor_ids: crate::adapters::storage::StorageKind::Session,
        language: param("lang").and_then(|l| Lang::from_tag(&l)),
        container: crate::entry::Container::Element(host),
        embed: Default::default(),
        livechat: None,
    };
    let (token, campaign) = (options.api_token.clone(), options.campaign.clone());
    match crate::entry::start(options) {
        Ok(widget) => {
            let widget = Rc::new(widget);
            wire_login(widget.clone(), token, campaign);
            // The demo page lives as long as the widget.
            std::mem::forget(widget);
        }
        Err(e) => web_sys::console::error_1(&e.to_string().into()),
    }
}

/// The shop's "log in" / "log out" (`#demo-login`): logging in asks devserver's demo signer for
/// the user's signature, as a real shop's server would compute it, and tags the visitor;
/// logging out resets the widget. So the demo shows a returning user's history and an empty
/// chat after logout.
fn wire_login(widget: Rc<crate::entry::Widget>, token: String, campaign: String) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(form), Some(status)) = (
        doc.get_element_by_id("demo-login"),
        doc.get_element_by_id("demo-user"),
    ) else {
        return;
    };
    let page = doc.clone();
    let value = move |id: &str| {
        page.get_element_by_id(id)
            .and_then(|el| js_sys::Reflect::get(&el, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let on_submit = {
        let (widget, status) = (widget.clone(), status.clone());
        let value = value.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let (email, firstname) = (value("demo-email"), value("demo-firstname"));
            let (widget, status, token, campaign) = (
                widget.clone(),
                status.clone(),
                token.clone(),
                campaign.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let body = serde_json::json!({
                    "campaign_id": campaign, "email": email
                })
                .to_string();
                let signer = crate::adapters::fetch::Fetch::new("/", &token);
                let signature = match signer
                    .request(
                        crate::adapters::fetch::Method::Post,
                        "demo/identity-signature",
                        &[],
                        Some(&body),
                    )
                    .await
                {
                    Ok((200, reply)) => serde_json::from_str::<serde_json::Value>(&reply)
                        .ok()
                        .and_then(|v| {
                            v.get("signature")
                                .and_then(|s| s.as_str().map(str::to_owned))
                        }),
                    _ => None,
                };
                let user = serde_json::json!({
                    "email": email, "firstname": firstname, "lastname": "", "signature": signature
                });
                match crate::controller::UserInfo::from_json(&user) {
                    Ok(user) => {
                        let _ = widget.controller().tag(user);
                        status.set_text_content(Some(&format!("Logged in as {email}")));
                    }
                    Err(e) => status.set_text_content(Some(&e.to_string())),
                }
            });
        })
    };
    let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    on_submit.forget();
    if let Some(logout) = doc.get_element_by_id("demo-logout") {
        let on_logout = Closure::<dyn Fn()>::new(move || {
            widget.controller().reset();
            status.set_text_content(Some("Not logged in"));
        });
        let _ =
            logout.add_event_listener_with_callback("click", on_logout.as_ref().unchecked_ref());
        on_logout.forget();
    }
}
