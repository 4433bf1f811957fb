//! The JavaScript API host pages use: `init(options)` resolves to one object,
//!
//! ```text
//! cv.user.tag({ email, firstname, lastname, id?, labels?, assignedUser? })   cv.user.reset()
//! cv.chat.open() close() toggle() show() hide() auto() isOpen() state()
//! cv.on(event, fn)   cv.off(event, fn)   cv.destroy()   cv.visitorId
//! ```
//!
//! the same for the script tag (`loader.js` puts it behind the `CV` global) and the ES module
//! package. The object is a wasm-bindgen class instance whose flat methods (`chatOpen` …) are
//! bound into the `user` and `chat` namespaces, so every call lands in Rust and bad calls throw a
//! JS `Error` with one clear message instead of breaking the widget.
//!
//! - [`options`]: every option of `init`, read and checked ([`InitOptions`]).
//! - [`host_css`]: the host-level stylesheet for those options and for `chat.hide()`.
//! - [`pace`]: yields to the host page between start-up steps, so `init` adds no long task.
//!
//! A running widget stays alive until `destroy()` even if the page drops the object: the
//! page's garbage collector must never remove a chat. This module does not load anything (that is
//! `loader.js`) and does not decide visibility rules (the visibility module does).

pub mod host_css;
pub mod options;
pub mod pace;
pub mod shared_reads;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::GetUntracked;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::actions::UiAction;
use crate::adapters::fetch::Fetch;
use crate::adapters::storage::Storage;
use crate::controller::transport::{BrowserTransport, Transport};
use crate::entry::{self, Widget};
use crate::events::{self, HostEvent};
use crate::model::Phase;
use crate::session::{TagError, UserInfo};
use crate::visibility::{Deps as VisibilityDeps, Identity, Visibility};
use options::{Container, InitOptions, Position};
use shared_reads::SharedReads;

thread_local! {
    /// Every widget not yet destroyed (keeps them alive without the page holding the object).
    static LIVE: RefCell<Vec<Rc<State>>> = const { RefCell::new(Vec::new()) };
    /// Where an `init` still under way mounts (`None`: floating): `init` yields to the page
    /// while starting, and a second `init` for the same place meanwhile must be refused too.
    static STARTING: RefCell<Vec<Option<HtmlElement>>> = const { RefCell::new(Vec::new()) };
}

/// Claims a place in [`STARTING`] for the duration of one `init`.
struct Starting(Option<HtmlElement>);

impl Starting {
    fn claim(place: Option<HtmlElement>) -> Starting {
        STARTING.with(|s| s.borrow_mut().push(place.clone()));
        Starting(place)
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        STARTING.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().position(|p| *p == self.0) {
                s.remove(i);
            }
        });
    }
}

/// One `on(name, fn)` registration: the page's function and the listener wrapping it.
struct Listener {
    name: &'static str,
    handler: js_sys::Function,
    closure: Closure<dyn Fn(web_sys::Event)>,
}

struct State {
    // Dropped before the widget (destroy): its effect watches the widget's store.
    visibility: RefCell<Option<Visibility>>,
    widget: RefCell<Option<Widget>>,
    host: HtmlElement,
    inline: bool,
    listeners: RefCell<Vec<Listener>>,
}

/// The API object `init` resolves to. Exported to JS as `Webchat`; its flat methods are the
/// implementation of the `user.*` and `chat.*` namespaces.
#[wasm_bindgen(js_name = Webchat)]
pub struct Api {
    state: Rc<State>,
}

/// Logs one warning for a call the widget cannot honour right now (not the page's bug).
fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

fn type_error(text: &str) -> JsValue {
    js_sys::TypeError::new(text).into()
}

/// Checks `on`/`off`'s arguments.
fn event_args(
    method: &str,
    name: &JsValue,
    handler: &JsValue,
) -> Result<(&'static str, js_sys::Function), JsValue> {
    let known = HostEvent::NAMES.join(", ");
    let Some(text) = name.as_string() else {
        return Err(type_error(&format!(
            "webchat: {method}(event, fn): `event` must be a string, one of: {known}"
        )));
    };
    let Some(name) = events::known_name(&text) else {
        return Err(type_error(&format!(
            "webchat: {method}(): unknown event {text:?}; use one of: {known}"
        )));
    };
    let Some(handler) = handler.dyn_ref::<js_sys::Function>() else {
        return Err(type_error(&format!(
            "webchat: {method}({name:?}, fn): `fn` must be a function"
        )));
    };
    Ok((name, handler.clone()))
}

impl State {
    fn alive(&self, what: &str) -> bool {
        let alive = self.widget.borrow().is_some();
        if !alive {
            warn(&format!(
                "webchat: {what}: this widget was destroyed; call init() again"
            ));
        }
        alive
    }

    /// Whether the view is mounted (false once the campaign turned out unusable).
    fn mounted(&self) -> bool {
        self.widget
            .borrow()
            .as_ref()
            .is_some_and(|w| w.shadow_root().is_some())
    }

    /// Runs `f` on the visibility handle. (It announces changes with deferred events, so
    /// nothing re-enters this API while the handle is borrowed.)
    fn visibility(&self, what: &str, f: impl FnOnce(&Visibility)) {
        if !self.alive(what) {
            return;
        }
        if let Some(v) = self.visibility.borrow().as_ref() {
            f(v);
        }
    }

    fn window(&self, what: &str, open: Option<bool>) {
        if !self.alive(what) {
            return;
        }
        if !self.mounted() {
            warn(&format!(
                "webchat: {what}: the widget is not available (the campaign could not be used; see the error above)"
            ));
            return;
        }
        let Some((store, controller)) = self
            .widget
            .borrow()
            .as_ref()
            .map(|w| (w.controller().store(), w.controller().clone()))
        else {
            return;
        };
        let open = open.unwrap_or(!store.is_open().get_untracked());
        if open {
            let hidden = !store.visible().get_untracked();
            if hidden {
                // The page asks for the chat explicitly: a hidden launcher must not swallow it.
                if let Some(v) = self.visibility.borrow().as_ref() {
                    v.show();
                }
            }
            store.open_window();
            controller.handle_action(UiAction::Open);
        } else {
            store.minimise_window();
            controller.handle_action(UiAction::Minimise);
        }
    }

    fn destroy(&self) {
        events::discard(&self.host);
        let listeners = std::mem::take(&mut *self.listeners.borrow_mut());
        for l in &listeners {
            let _ = self.host.remove_event_listener_with_callback(
                &format!("webchat:{}", l.name),
                l.closure.as_ref().unchecked_ref(),
            );
        }
        // A handler may be the caller (destroy() inside on('close')): its closure is dropped
        // after this turn, never while it runs.
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
        // Dropping the widget removes a floating host with everything in it; a page's container
        // gets back its own state, without our attributes.
        let visibility = self.visibility.borrow_mut().take();
        drop(visibility);
        let widget = self.widget.borrow_mut().take();
        drop(widget);
        let _ = self.host.remove_attribute(host_css::INLINE_ATTR);
        let _ = self.host.remove_attribute(host_css::POSITION_ATTR);
    }
}

#[wasm_bindgen(js_class = Webchat)]
impl Api {
    /// `cv.on(event, fn)`: calls `fn(detail)` each time `event` happens. Unknown events and
    /// non-functions throw a `TypeError`. Adding the same function twice is a no-op.
    pub fn on(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (name, handler) = event_args("on", &name, &handler)?;
        if !self.state.alive("on()") {
            return Ok(());
        }
        let mut listeners = self.state.listeners.borrow_mut();
        if listeners
            .iter()
            .any(|l| l.name == name && l.handler == handler)
        {
            return Ok(());
        }
        let call = handler.clone();
        let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let detail = ev
                .dyn_ref::<web_sys::CustomEvent>()
                .map(|e| e.detail())
                .unwrap_or(JsValue::UNDEFINED);
            if let Err(e) = call.call1(&JsValue::UNDEFINED, &detail) {
                // The page's handler failed: report it, keep the widget and other handlers going.
                web_sys::console::error_2(
                    &JsValue::from_str(&format!("webchat: a {name:?} handler threw:")),
                    &e,
                );
            }
        });
        self.state
            .host
            .add_event_listener_with_callback(
                &format!("webchat:{name}"),
                closure.as_ref().unchecked_ref(),
            )
            .map_err(|_| type_error("webchat: on(): the browser refused the listener"))?;
        listeners.push(Listener {
            name,
            handler,
            closure,
        });
        Ok(())
    }

    /// `cv.off(event, fn)`: removes what `on(event, fn)` added (nothing if it was not added).
    pub fn off(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (name, handler) = event_args("off", &name, &handler)?;
        let removed = {
            let mut listeners = self.state.listeners.borrow_mut();
            listeners
                .iter()
                .position(|l| l.name == name && l.handler == handler)
                .map(|i| listeners.remove(i))
        };
        if let Some(l) = removed {
            let _ = self.state.host.remove_event_listener_with_callback(
                &format!("webchat:{name}"),
                l.closure.as_ref().unchecked_ref(),
            );
            // Dropped later: `off` may be called from inside this very handler.
            wasm_bindgen_futures::spawn_local(async move { drop(l) });
        }
        Ok(())
    }

    /// `cv.destroy()`: ends a live chat properly, closes the connection, stops timers, removes
    /// the listeners and every element the widget added. Calling it twice is harmless.
    pub fn destroy(&self) {
        self.state.destroy();
        LIVE.with(|live| live.borrow_mut().retain(|s| !Rc::ptr_eq(s, &self.state)));
    }

    /// `cv.visitorId`: the visitor id sent as `tracker_id` (`undefined` after destroy).
    #[wasm_bindgen(getter, js_name = visitorId)]
    pub fn visitor_id(&self) -> Option<String> {
        self.state
            .widget
            .borrow()
            .as_ref()
            .map(|w| w.controller().visitor_id())
    }

    /// `cv.user.tag(user)`.
    #[wasm_bindgen(js_name = userTag)]
    pub fn user_tag(&self, user: JsValue) -> Result<(), JsValue> {
        let user = user_from_js(&user).map_err(tag_error)?;
        if !self.state.alive("user.tag()") {
            return Ok(());
        }
        let controller = self
            .state
            .widget
            .borrow()
            .as_ref()
            .map(|w| w.controller().clone());
        if let Some(controller) = controller {
            controller.tag(user).map_err(tag_error)?;
            // The operator may hide or show this user: ask for their verdict.
            self.state
                .visibility("user.tag()", Visibility::identity_changed);
        }
        Ok(())
    }

    /// `cv.user.reset()`.
    #[wasm_bindgen(js_name = userReset)]
    pub fn user_reset(&self) {
        if !self.state.alive("user.reset()") {
            return;
        }
        let controller = self
            .state
            .widget
            .borrow()
            .as_ref()
            .map(|w| w.controller().clone());
        if let Some(controller) = controller {
            controller.reset();
            self.state
                .visibility("user.reset()", Visibility::identity_changed);
        }
    }

    /// `cv.chat.open()`: opens the window (and shows a hidden widget).
    #[wasm_bindgen(js_name = chatOpen)]
    pub fn chat_open(&self) {
        self.state.window("chat.open()", Some(true));
    }

    /// `cv.chat.close()`: minimises the window (the chat goes on).
    #[wasm_bindgen(js_name = chatClose)]
    pub fn chat_close(&self) {
        self.state.window("chat.close()", Some(false));
    }

    /// `cv.chat.toggle()`.
    #[wasm_bindgen(js_name = chatToggle)]
    pub fn chat_toggle(&self) {
        self.state.window("chat.toggle()", None);
    }

    /// `cv.chat.show()`: shows the widget whatever the visibility rules say, until `auto()`.
    #[wasm_bindgen(js_name = chatShow)]
    pub fn chat_show(&self) {
        self.state.visibility("chat.show()", Visibility::show);
    }

    /// `cv.chat.hide()`: hides the widget whatever the rules say (a chat goes on unseen).
    #[wasm_bindgen(js_name = chatHide)]
    pub fn chat_hide(&self) {
        self.state.visibility("chat.hide()", Visibility::hide);
    }

    /// `cv.chat.auto()`: gives visibility back to the campaign's rules.
    #[wasm_bindgen(js_name = chatAuto)]
    pub fn chat_auto(&self) {
        self.state.visibility("chat.auto()", Visibility::auto);
    }

    /// `cv.chat.isOpen()`.
    #[wasm_bindgen(js_name = chatIsOpen)]
    pub fn chat_is_open(&self) -> bool {
        self.state.mounted()
            && self
                .state
                .widget
                .borrow()
                .as_ref()
                .is_some_and(|w| w.controller().store().is_open().get_untracked())
    }

    /// `cv.chat.state()`: see [`state_name`].
    #[wasm_bindgen(js_name = chatState)]
    pub fn chat_state(&self) -> String {
        let widget = self.state.widget.borrow();
        let phase = match widget.as_ref() {
            None => return "destroyed".into(),
            Some(_) if !self.state.mounted() => return "unavailable".into(),
            Some(w) => w.controller().store().phase().get_untracked(),
        };
        state_name(phase).into()
    }
}

/// `chat.state()`'s spelling of the chat's phase.
pub fn state_name(phase: Phase) -> &'static str {
    phase.name()
}

/// `CV.user.tag`'s argument, validated.
pub fn user_from_js(value: &JsValue) -> Result<UserInfo, TagError> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(TagError::NotAnObject);
    }
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or(TagError::NotAnObject)?;
    let obj: serde_json::Value = serde_json::from_str(&json).map_err(|_| TagError::NotAnObject)?;
    UserInfo::from_json(&obj)
}

/// A refused `CV.user.tag` call throws a `TypeError` with the message.
fn tag_error(e: TagError) -> JsValue {
    type_error(&e.to_string())
}

/// The `user` and `chat` namespaces: name in the namespace → the class method behind it.
const NAMESPACES: [(&str, &[(&str, &str)]); 2] = [
    ("user", &[("tag", "userTag"), ("reset", "userReset")]),
    (
        "chat",
        &[
            ("open", "chatOpen"),
            ("close", "chatClose"),
            ("toggle", "chatToggle"),
            ("show", "chatShow"),
            ("hide", "chatHide"),
            ("auto", "chatAuto"),
            ("isOpen", "chatIsOpen"),
            ("state", "chatState"),
        ],
    ),
];

/// Adds `user` and `chat` to the API object, each a frozen object of bound methods.
fn add_namespaces(api: &JsValue) -> Result<(), JsValue> {
    for (ns, methods) in NAMESPACES {
        let obj = js_sys::Object::new();
        for (name, method) in methods {
            let f: js_sys::Function = js_sys::Reflect::get(api, &JsValue::from_str(method))?
                .dyn_into()
                .map_err(|_| type_error("webchat: internal: API method missing"))?;
            js_sys::Reflect::set(&obj, &JsValue::from_str(name), &f.bind0(api))?;
        }
        js_sys::Reflect::set(api, &JsValue::from_str(ns), &js_sys::Object::freeze(&obj))?;
    }
    Ok(())
}

fn init_error(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

/// Starts a widget and returns the API object: `await init({ apiUrl, apiToken, campaign,
/// websocketUrl, visitorIds?, language?, container?, position?, zIndex?, visibility? })`.
/// Bad options reject with an `Error` naming the option.
///
/// Start-up runs in three tasks with a yield to the page between them (no long task on the host
/// page): the options; the controller (restoring a stored chat, loading the campaign); then the
/// view (only the launcher, unless the restored chat was open or the widget is inline) with
/// the visibility rules.
#[wasm_bindgen]
pub async fn init(options: JsValue) -> Result<JsValue, JsValue> {
    let widget_options = InitOptions::from_js(&options)?;
    let embed = widget_options.embed.clone();
    // One transport for the controller and the visibility rules (agent rules poll the
    // campaign): their reads of the campaign at start become one request.
    let transport: Rc<dyn Transport> = Rc::new(SharedReads::new(Rc::new(BrowserTransport::new(
        &widget_options.api_url,
        &widget_options.api_token,
    ))));
    let (campaign, storage) = (
        widget_options.campaign.clone(),
        Storage::open(widget_options.visitor_ids),
    );
    let overrides = Rc::new(Fetch::new(
        &widget_options.api_url,
        &widget_options.api_token,
    ));
    let place = match &widget_options.container {
        Container::Floating => None,
        Container::Element(el) => Some(el.clone()),
    };
    let inline = place.is_some();
    let clash = LIVE.with(|live| {
        live.borrow().iter().any(|s| match &place {
            None => !s.inline,
            Some(el) => s.inline && s.host == *el,
        })
    }) || STARTING.with(|s| s.borrow().contains(&place));
    if clash {
        return Err(init_error(
            "webchat.init: a widget is already running there; call destroy() on it first",
        ));
    }
    let _starting = Starting::claim(place);
    if embed.position != Position::BottomRight && inline {
        warn("webchat: `position` has no effect on a widget inside `container`");
    }

    // Short tasks, each well under 50 ms on a slow phone: checking the options (above), the
    // store, the controller, the stylesheet and the visibility rules, the launcher.
    pace::yield_to_page().await;
    let widget = entry::prepare_paced(widget_options, transport.clone()).await?;
    let host = widget.host().clone();
    // Until the page has the API object it cannot subscribe: keep the widget's events (a quick
    // `ready`, an `error`) back until then. Dispatch is a microtask, so none went out yet.
    events::hold(&host);
    let _ = host.set_attribute(host_css::POSITION_ATTR, embed.position.as_str());
    if inline {
        let _ = host.set_attribute(host_css::INLINE_ATTR, "");
    }
    let store = widget.controller().store();
    if inline {
        store.open_window();
        widget.controller().window_opened();
    }
    let controller = widget.controller().clone();
    let state = Rc::new(State {
        visibility: RefCell::new(None),
        widget: RefCell::new(Some(widget)),
        host: host.clone(),
        inline,
        listeners: RefCell::default(),
    });
    // A failure from here on removes everything again (the page never gets the object).
    let fail = |state: &State, e: JsValue| {
        events::discard(&state.host);
        state.destroy();
        e
    };

    // The visibility rules start in their own task, before the mount: rules that hide the
    // widget hide it before the launcher's first paint. Not when the campaign already turned out
    // unusable (the host is then hidden for good).
    pace::yield_to_page().await;
    // Parsed here, not in the mount's task (an error shows at the mount).
    _ = crate::mount::base_sheet();
    let visibility = state
        .widget
        .borrow()
        .as_ref()
        .filter(|w| !w.host().hidden())
        .map(|widget| {
            let asked = widget.controller().clone();
            let identity = Rc::new(move || Identity {
                tracker_id: asked.visitor_id(),
                user: asked.user().map(|u| u.tracker_id()),
            });
            widget.with_owner(|| {
                Visibility::start(
                    embed.visibility.as_deref(),
                    VisibilityDeps {
                        host,
                        store,
                        transport,
                        overrides,
                        identity,
                        campaign,
                        storage,
                        now: VisibilityDeps::date_now(),
                        availability: Rc::new(move |available| controller.set_available(available)),
                    },
                )
            })
        });

    pace::yield_to_page().await;
    let mounted = state
        .widget
        .borrow()
        .as_ref()
        .map(|w| w.mount().map(|()| w.shadow_root()));
    let shown = match mounted {
        Some(Ok(Some(shadow))) => {
            // Adopted in the same task as the mount: the launcher's first paint is styled.
            if host_css::adopt(&shadow, &embed).is_none() {
                warn("webchat: the embedding stylesheet was refused; position and zIndex are ignored");
            }
            true
        }
        // The campaign turned out unusable while we yielded: nothing to show or to rule on.
        Some(Ok(None)) => false,
        Some(Err(e)) => return Err(fail(&state, e.into())),
        None => {
            return Err(fail(
                &state,
                init_error("webchat.init: destroyed while starting"),
            ))
        }
    };
    let visibility = visibility.filter(|_| shown);
    *state.visibility.borrow_mut() = visibility;
    LIVE.with(|live| live.borrow_mut().push(state.clone()));
    let api = JsValue::from(Api {
        state: state.clone(),
    });
    if let Err(e) = add_namespaces(&api) {
        LIVE.with(|live| live.borrow_mut().retain(|s| !Rc::ptr_eq(s, &state)));
        return Err(fail(&state, e));
    }
    // In a later task: first the page gets the object (`await init()`, the loader replays its
    // queue of `on()` calls in the promise's reactions), then the kept events reach it.
    let released = state.host.clone();
    wasm_bindgen_futures::spawn_local(async move {
        pace::yield_to_page().await;
        events::release(&released);
    });
    Ok(api)
}
