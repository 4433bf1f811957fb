//! The JavaScript API host pages use: `init(options, { loadChat, early? })` resolves to one
//! object,
//!
//! ```text
//! cv.user.tag({ email, firstname, lastname, id?, labels?, assignedUser?, signature? })   cv.user.reset()
//! cv.chat.open() close() toggle() show() hide() auto() isOpen() state()
//! cv.on(event, fn)   cv.off(event, fn)   cv.destroy()   cv.visitorId
//! ```
//!
//! the same for the script tag (`loader.js` puts it behind the `CV` global) and the ES module
//! package (its `init(options)` passes its own `loadChat`). The object is a wasm-bindgen class
//! instance whose flat methods (`chatOpen` …) are bound into the `user` and `chat`
//! namespaces, so every call lands in Rust and bad calls throw a JS `Error` with one clear
//! message instead of breaking the widget. Compiled only into the launcher's own wasm (feature
//! `entry`): the chat stage links this crate without it.
//!
//! A running widget stays alive until `destroy()` even if the page drops the object: the page's
//! garbage collector must never remove a chat. This module loads nothing itself (`loadChat`
//! does) and decides nothing about the chat ([`Widget`] and the chat stage do).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::adapters::api::Early;
use crate::adapters::js_get;
use crate::events::{self, HostEvent};
use crate::identity::TagError;
use crate::options::{Container, InitError, InitOptions, Position};
use crate::pace;
use crate::shell::Shell;
use crate::widget::Widget;

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
        return Err(type_error(
            &[
                "webchat: ",
                method,
                "(event, fn): `event` must be a string, one of: ",
                &known,
            ]
            .concat(),
        ));
    };
    let Some(name) = events::known_name(&text) else {
        return Err(type_error(
            &[
                "webchat: ",
                method,
                "(): unknown event \"",
                &text,
                "\"; use one of: ",
                &known,
            ]
            .concat(),
        ));
    };
    let Some(handler) = handler.dyn_ref::<js_sys::Function>() else {
        return Err(type_error(
            &[
                "webchat: ",
                method,
                "(\"",
                name,
                "\", fn): `fn` must be a function",
            ]
            .concat(),
        ));
    };
    Ok((name, handler.clone()))
}

impl State {
    /// The widget, or one warning that it was destroyed.
    fn widget(&self, what: &str) -> Option<Widget> {
        let widget = self.widget.borrow().clone();
        if widget.is_none() {
            warn(
                &[
                    "webchat: ",
                    what,
                    ": this widget was destroyed; call init() again",
                ]
                .concat(),
            );
        }
        widget
    }

    fn window(&self, what: &str, open: Option<bool>) {
        let Some(widget) = self.widget(what) else {
            return;
        };
        if !widget.usable() {
            warn(
                &[
                    "webchat: ",
                    what,
                    ": the widget is not available (the campaign could not be used; see the error above)",
                ]
                .concat(),
            );
            return;
        }
        let open = open.unwrap_or(!widget.is_open());
        widget.set_window(open);
    }

    fn destroy(&self) {
        events::discard(&self.host);
        let listeners = std::mem::take(&mut *self.listeners.borrow_mut());
        for l in &listeners {
            let _ = self.host.remove_event_listener_with_callback(
                &["webchat:", l.name].concat(),
                l.closure.as_ref().unchecked_ref(),
            );
        }
        // A handler may be the caller (destroy() inside on('close')): its closure is dropped
        // after this turn, never while it runs.
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
        let widget = self.widget.borrow_mut().take();
        if let Some(w) = widget {
            w.destroy();
        }
    }
}

#[wasm_bindgen(js_class = Webchat)]
impl Api {
    /// `cv.on(event, fn)`: calls `fn(detail)` each time `event` happens. Unknown events and
    /// non-functions throw a `TypeError`. Adding the same function twice is a no-op.
    pub fn on(&self, name: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (name, handler) = event_args("on", &name, &handler)?;
        if self.state.widget("on()").is_none() {
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
                    &JsValue::from_str(&["webchat: a \"", name, "\" handler threw:"].concat()),
                    &e,
                );
            }
        });
        self.state
            .host
            .add_event_listener_with_callback(
                &["webchat:", name].concat(),
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
                &["webchat:", name].concat(),
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
        let widget = self.state.widget.borrow().clone();
        widget.map(|w| w.identity().tracker_id)
    }

    /// `cv.user.tag(user)`.
    #[wasm_bindgen(js_name = userTag)]
    pub fn user_tag(&self, user: JsValue) -> Result<(), JsValue> {
        if !user.is_object() || js_sys::Array::is_array(&user) {
            return Err(tag_error(TagError::NotAnObject));
        }
        match self.state.widget("user.tag()") {
            Some(w) => w.tag(&user).map_err(tag_error),
            // Still checked: a bad call is the page's bug either way.
            None => crate::identity::UserInfo::from_json(&crate::json::from_js(&user))
                .map(|_| ())
                .map_err(tag_error),
        }
    }

    /// `cv.user.reset()`.
    #[wasm_bindgen(js_name = userReset)]
    pub fn user_reset(&self) {
        if let Some(w) = self.state.widget("user.reset()") {
            w.reset();
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
        if let Some(w) = self.state.widget("chat.show()") {
            w.with_visibility(|v| v.show());
        }
    }

    /// `cv.chat.hide()`: hides the widget whatever the rules say (a chat goes on unseen).
    #[wasm_bindgen(js_name = chatHide)]
    pub fn chat_hide(&self) {
        if let Some(w) = self.state.widget("chat.hide()") {
            w.with_visibility(|v| v.hide());
        }
    }

    /// `cv.chat.auto()`: gives visibility back to the campaign's rules.
    #[wasm_bindgen(js_name = chatAuto)]
    pub fn chat_auto(&self) {
        if let Some(w) = self.state.widget("chat.auto()") {
            w.with_visibility(|v| v.auto());
        }
    }

    /// `cv.chat.isOpen()`.
    #[wasm_bindgen(js_name = chatIsOpen)]
    pub fn chat_is_open(&self) -> bool {
        let widget = self.state.widget.borrow().clone();
        widget.is_some_and(|w| w.is_open())
    }

    /// `cv.chat.state()`: `"connecting"`, `"idle"`, `"offline"`, `"chatting"` … (the README's
    /// table), `"unavailable"` or `"destroyed"`.
    #[wasm_bindgen(js_name = chatState)]
    pub fn chat_state(&self) -> String {
        let widget = self.state.widget.borrow().clone();
        widget.map_or_else(|| "destroyed".into(), |w| w.state())
    }
}

/// A refused `CV.user.tag` call throws a `TypeError` with the message.
fn tag_error(e: TagError) -> JsValue {
    type_error(&e.message())
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

fn init_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The host element: the page's container, or a floating `<div id="webchat-widget">` appended
/// to `<body>` (`true`: created here, removed on destroy).
fn host_for(container: &Container) -> Result<(HtmlElement, bool), InitError> {
    if let Container::Element(el) = container {
        return Ok((el.clone(), false));
    }
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| InitError::Mount("no browser document".into()))?;
    let el: HtmlElement = document
        .create_element("div")
        .map_err(|_| InitError::Mount("cannot create the host element".into()))?
        .unchecked_into();
    el.set_id("webchat-widget");
    let body = document
        .body()
        .ok_or_else(|| InitError::Mount("the page has no <body>".into()))?;
    body.append_child(&el)
        .map_err(|_| InitError::Mount("cannot insert the host element".into()))?;
    Ok((el, true))
}

/// Starts a widget and returns the API object: `await init({ apiUrl, apiToken, campaign,
/// websocketUrl, visitorIds?, language?, container?, position?, zIndex?, visibility? },
/// { loadChat, early? })`. Bad options reject with an `Error` naming the option.
///
/// Start-up runs in short tasks with a yield to the page between them (no long task on the
/// host page): the options; the stylesheet; the shell; the visibility rules and the campaign
/// read; then the page gets the object.
#[wasm_bindgen]
pub async fn init(options: JsValue, hooks: JsValue) -> Result<JsValue, JsValue> {
    let options = InitOptions::from_js(&options)?;
    let load_chat: js_sys::Function = js_get(&hooks, "loadChat")
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| init_error("webchat.init: no `loadChat` to load the chat with"))?;
    // Optional: a loader that started the campaign read alongside the launcher's download.
    let early = js_get(&hooks, "early")
        .and_then(|f| f.dyn_into().ok())
        .map(Early);
    let place = match &options.container {
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
    if options.embed.position != Position::BottomRight && inline {
        warn("webchat: `position` has no effect on a widget inside `container`");
    }

    pace::yield_to_page().await;
    // Parsed in a task of its own, not in the one that draws.
    _ = crate::shell::base_sheet();
    pace::yield_to_page().await;
    let (host, created) = host_for(&options.container)?;
    // Until the page has the API object it cannot subscribe: keep the widget's events (a quick
    // `ready`, an `error`) back until then. Dispatch is a microtask, so none went out yet.
    events::hold(&host);
    let _ = host.set_attribute(
        crate::host_css::POSITION_ATTR,
        options.embed.position.as_str(),
    );
    if inline {
        let _ = host.set_attribute(crate::host_css::INLINE_ATTR, "");
    }
    let gone = |e: InitError| {
        events::discard(&host);
        if created {
            host.remove();
        }
        JsValue::from(e)
    };
    // The launcher's tree (hidden until the campaign's look is known) in this task, the rest of
    // the start in the next: together they were one long task on the host page.
    let shell = Shell::mount(&host)
        .map(Rc::new)
        .map_err(|e| gone(InitError::Mount(e.message())))?;
    pace::yield_to_page().await;
    let widget = Widget::start(options, host.clone(), shell, created, load_chat, early);
    let state = Rc::new(State {
        widget: RefCell::new(Some(widget)),
        host: host.clone(),
        inline,
        listeners: RefCell::default(),
    });
    LIVE.with(|live| live.borrow_mut().push(state.clone()));
    let api = JsValue::from(Api {
        state: state.clone(),
    });
    if let Err(e) = add_namespaces(&api) {
        LIVE.with(|live| live.borrow_mut().retain(|s| !Rc::ptr_eq(s, &state)));
        state.destroy();
        return Err(e);
    }
    // In a later task: first the page gets the object (`await init()`, the loader replays its
    // queue of `on()` calls in the promise's reactions), then the kept events reach it.
    wasm_bindgen_futures::spawn_local(async move {
        pace::yield_to_page().await;
        events::release(&host);
    });
    Ok(api)
}
