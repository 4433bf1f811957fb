//! The chat stage's entry: `startChat(bridge)`, called by the launcher stage (another wasm
//! module) once this one is loaded, resolves to a [`ChatHandle`] the launcher calls. The bridge
//! and the handle are plain JS objects whose members `webchat_launcher::handoff` names.
//!
//! Start-up, in two tasks so neither is long on the host page: the chat texts of the
//! language in use and the controller (which restores a stored chat, reads the campaign — the
//! first read answered by the launcher's, so the API sees one request — and joins the other
//! tabs); then, in one go, what the visitor left in the launcher's frame (draft, queued
//! messages, the window open, a greeting accepted), the unread count the launcher kept, the
//! window in the frame's place, the greeting applied, the queued messages sent (the first one
//! then names the greeting), and `mounted` back to the launcher. Nothing typed or clicked in
//! the frame is lost, and a queued message is sent exactly once.
//!
//! Only JS values are read here; what a greeting or a count means is the session core's and
//! the store's.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use webchat_launcher::handoff::{self, bridge};

use crate::actions::UiAction;
use crate::adapters::fetch::{FetchError, Method, RequestHeaders};
use crate::adapters::storage::{Storage, StorageKind};
use crate::adapters::websocket::{SocketError, SocketEvent};
use crate::adapters::{describe, js_get};
use crate::components::focus_into_window;
use crate::controller::transport::{BrowserTransport, Link, LocalFuture, Transport};
use crate::controller::ControllerOptions;
use crate::entry::{InitError, Widget};
use crate::i18n::{self, Lang};
use crate::mount::{ShellLink, WindowStart};
use crate::session::io::encode_path;
use crate::session::{Greeting, UserInfo};

/// A transport whose first plain read of the campaign is answered by the launcher's (the
/// bridge's `campaign()` promise of `{ status, body }`); everything else goes to `inner`.
struct LauncherCampaign {
    inner: Rc<dyn Transport>,
    path: String,
    reply: RefCell<Option<js_sys::Promise>>,
}

impl Transport for LauncherCampaign {
    fn request(
        &self,
        method: Method,
        path: &str,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        if method == Method::Get && path == self.path && headers.is_empty() {
            if let Some(promise) = self.reply.borrow_mut().take() {
                return Box::pin(async move {
                    let reply = JsFuture::from(promise)
                        .await
                        .map_err(|e| FetchError::Network(describe(&e)))?;
                    let status = js_get(&reply, "status")
                        .and_then(|s| s.as_f64())
                        .map_or(0, |s| s as u16);
                    let body = js_get(&reply, "body")
                        .and_then(|b| b.as_string())
                        .unwrap_or_default();
                    Ok((status, body))
                });
            }
        }
        self.inner.request(method, path, headers, body)
    }

    fn post_xml(
        &self,
        url: &str,
        body: String,
        timeout_ms: u64,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        self.inner.post_xml(url, body, timeout_ms)
    }

    fn connect(
        &self,
        url: &str,
        on_event: Box<dyn FnMut(SocketEvent)>,
    ) -> Result<Box<dyn Link>, SocketError> {
        self.inner.connect(url, on_event)
    }
}

/// A running chat: the widget (controller and window) and the launcher's shell.
struct Running {
    // Dropped first (field order): the page's title comes back before the window goes.
    _unread: webchat_launcher::notify::Notifier,
    widget: Widget,
}

/// What `startChat` resolves to: the launcher's handle on the chat. Exported to JS as
/// `ChatHandle`; its methods are the names in `webchat_launcher::handoff::chat`.
#[wasm_bindgen]
pub struct ChatHandle {
    running: Rc<RefCell<Option<Running>>>,
}

fn text(obj: &JsValue, key: &str) -> Result<String, InitError> {
    js_get(obj, key)
        .and_then(|v| v.as_string())
        .ok_or_else(|| InitError::Mount(format!("the launcher's options lack `{key}`")))
}

fn flag(obj: &JsValue, key: &str) -> bool {
    js_get(obj, key).is_some_and(|v| v.is_truthy())
}

/// A greeting as the launcher passes it (`{ id, message, agentName }`); `None` for anything
/// else. Whether its id and text will do is the session's to check.
fn greeting(value: &JsValue) -> Option<Greeting> {
    Some(Greeting {
        id: js_get(value, "id")?.as_string()?,
        message: js_get(value, "message")?.as_string()?,
        agent_name: js_get(value, "agentName").and_then(|n| n.as_string()),
    })
}

/// The page's `livechat` keys (JSON text the launcher checked), for the session to put over
/// the campaign's configuration.
fn livechat(
    options: &JsValue,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, InitError> {
    let Some(text) = js_get(options, "livechat").and_then(|l| l.as_string()) else {
        return Ok(None);
    };
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(keys)) => Ok(Some(keys)),
        _ => Err(InitError::Livechat("not an object".into())),
    }
}

/// Gives the catalogue the chat texts the launcher downloaded, and English's own copy for a
/// language whose table did not come.
fn load_tables(bridge: &JsValue) {
    i18n::load_chat_table(Lang::En, i18n::CHAT_EN.to_owned());
    let Some(table) = js_get(bridge, bridge::TABLE) else {
        return;
    };
    let lang = js_get(&table, "lang")
        .and_then(|l| l.as_string())
        .and_then(|l| Lang::from_tag(&l));
    let text = js_get(&table, "text").and_then(|t| t.as_string());
    if let (Some(lang), Some(text)) = (lang, text) {
        i18n::load_chat_table(lang, text);
    }
}

/// `startChat(bridge)`: see the module documentation.
#[wasm_bindgen(js_name = startChat)]
pub async fn start_chat(bridge: JsValue) -> Result<ChatHandle, JsValue> {
    let version = js_get(&bridge, bridge::VERSION).and_then(|v| v.as_f64());
    if version != Some(f64::from(handoff::VERSION)) {
        return Err(js_sys::Error::new(&format!(
            "webchat: this chat stage speaks handoff version {}, the launcher another: they come from different builds",
            handoff::VERSION
        ))
        .into());
    }
    let options = js_get(&bridge, bridge::OPTIONS).unwrap_or(JsValue::UNDEFINED);
    load_tables(&bridge);
    let link = Rc::new(ShellLink::from_bridge(&bridge).map_err(|e| e.to_string())?);
    let campaign = text(&options, "campaign")?;
    let api: Rc<dyn Transport> = Rc::new(BrowserTransport::new(
        &text(&options, "apiUrl")?,
        &text(&options, "apiToken")?,
    ));
    let reply = handoff::call(&bridge, bridge::CAMPAIGN, &[])
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let transport = Rc::new(LauncherCampaign {
        inner: api,
        path: format!("campaigns/{}", encode_path(&campaign)),
        reply: RefCell::new(reply),
    });
    let kind = match js_get(&options, "visitorIds").and_then(|v| v.as_string()) {
        Some(v) if v == "persistent" => StorageKind::Local,
        _ => StorageKind::Session,
    };
    let unavailable = {
        let bridge = bridge.clone();
        Box::new(move || _ = handoff::call(&bridge, bridge::UNAVAILABLE, &[]))
    };
    let storage = Storage::open(kind);
    let widget = Widget::attach(
        link.host().clone(),
        transport,
        &storage,
        ControllerOptions {
            campaign,
            websocket_url: text(&options, "websocketUrl")?,
            bosh_url: js_get(&options, "boshUrl").and_then(|b| b.as_string()),
            language: js_get(&options, "language")
                .and_then(|l| l.as_string())
                .and_then(|l| Lang::from_tag(&l)),
            request_url: None,
            ready_announced: true,
            livechat: livechat(&options)?,
        },
        unavailable,
    );

    // The window in its own task: the controller's start above was one already.
    webchat_launcher::pace::yield_to_page().await;
    let left = handoff::call(&bridge, bridge::TAKE, &[]).unwrap_or(JsValue::NULL);
    let open = flag(&left, "open") || flag(&options, "inline");
    let controller = widget.controller().clone();
    let store = controller.store();
    if open {
        store.open_window();
        controller.window_opened();
    }
    // Counted on from here while the window is closed (an open one has read them).
    store.set_unread(
        js_get(&options, "unread")
            .and_then(|n| handoff::count(&n))
            .unwrap_or(0),
    );
    store.set_draft(
        js_get(&left, "draft")
            .and_then(|d| d.as_string())
            .unwrap_or_default(),
    );
    widget.mount_window(
        link.clone(),
        WindowStart {
            build_now: true,
            still: open,
        },
    )?;
    // Before the queued messages: the first of them starts the greeting's chat.
    if let Some(accepted) = js_get(&left, "greeting").as_ref().and_then(greeting) {
        controller.greeting(accepted);
    }
    let queued = js_get(&left, "queued")
        .filter(js_sys::Array::is_array)
        .map(|q| js_sys::Array::from(&q))
        .unwrap_or_default();
    for text in queued.iter().filter_map(|t| t.as_string()) {
        controller.handle_action(UiAction::SendText(text));
    }
    if flag(&options, "historyDue") {
        controller.load_history();
    }
    if open && flag(&left, "focused") {
        if let Some(window) = link
            .root()
            .query_selector(".wc-window:not(.wc-frame)")
            .ok()
            .flatten()
        {
            focus_into_window(window.unchecked_ref());
        }
    }
    _ = handoff::call(&bridge, bridge::MOUNTED, &[]);
    let unread = widget.with_owner(|| crate::unread::notify(&store, link.host().clone(), storage));
    Ok(ChatHandle {
        running: Rc::new(RefCell::new(Some(Running {
            _unread: unread,
            widget,
        }))),
    })
}

#[wasm_bindgen]
impl ChatHandle {
    fn with<T>(&self, f: impl FnOnce(&Widget) -> T) -> Option<T> {
        self.running.borrow().as_ref().map(|r| f(&r.widget))
    }

    /// Opens the window (the launcher was clicked, or `CV.chat.open()`).
    pub fn open(&self) {
        self.with(|w| {
            w.controller().store().open_window();
            w.controller().handle_action(UiAction::Open);
        });
    }

    /// Minimises the window.
    pub fn close(&self) {
        self.with(|w| {
            w.controller().store().minimise_window();
            w.controller().handle_action(UiAction::Minimise);
        });
    }

    /// `CV.user.tag(user)`: throws the same `TypeError` as the launcher's check.
    pub fn tag(&self, user: JsValue) -> Result<(), JsValue> {
        let user = UserInfo::from_json(&webchat_launcher::json::from_js(&user))
            .map_err(|e| JsValue::from(js_sys::TypeError::new(&e.to_string())))?;
        self.with(|w| w.controller().tag(user))
            .unwrap_or(Ok(()))
            .map_err(|e| js_sys::TypeError::new(&e.to_string()).into())
    }

    /// `CV.user.reset()`.
    pub fn reset(&self) {
        self.with(|w| w.controller().reset());
    }

    /// The visitor accepted a proactive greeting, `{ id, message, agentName }` (before the
    /// launcher opens the window): its first message, unless a chat is under way.
    pub fn greeting(&self, accepted: JsValue) {
        match greeting(&accepted) {
            Some(accepted) => _ = self.with(|w| w.controller().greeting(accepted)),
            None => web_sys::console::warn_1(
                &"webchat: a greeting without `id` and `message` is ignored".into(),
            ),
        }
    }

    /// Whether a chat could start now, as the visibility rules' poll found.
    pub fn available(&self, available: bool) {
        self.with(|w| w.controller().set_available(available));
    }

    /// `{ trackerId, user }`: who the visitor is now.
    pub fn identity(&self) -> JsValue {
        let obj = handoff::object();
        self.with(|w| {
            let c = w.controller();
            handoff::set(&obj, "trackerId", &JsValue::from_str(&c.visitor_id()));
            let user = c
                .user()
                .map_or(JsValue::NULL, |u| JsValue::from_str(&u.tracker_id()));
            handoff::set(&obj, "user", &user);
        });
        obj.into()
    }

    /// `chat.state()`'s answer.
    pub fn state(&self) -> String {
        use leptos::prelude::GetUntracked;
        self.with(|w| {
            if w.shadow_root().is_none() {
                return "unavailable".to_owned();
            }
            w.controller()
                .store()
                .phase()
                .get_untracked()
                .name()
                .to_owned()
        })
        .unwrap_or_else(|| "destroyed".to_owned())
    }

    /// Ends a live chat properly and removes the window.
    pub fn destroy(&self) {
        let running = self.running.borrow_mut().take();
        // Later: this may be called from inside the chat's own turn (a host event handler).
        wasm_bindgen_futures::spawn_local(async move { drop(running) });
    }
}
