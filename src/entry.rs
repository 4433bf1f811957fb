//! Starting a widget: the widget's options ([`InitOptions`], read from the JS options object) and
//! [`Widget`], which mounts the view with a controller and removes everything again when dropped.
//!
//! Options are read by hand with `Reflect` (serde-wasm-bindgen would cost size), with a clear
//! error for every missing key or wrong type. The JS API object (`init`, `CV.*`) is
//! [`embed`](crate::embed)'s; embedding-only options (`position`, `zIndex`, `visibility`) are read
//! there too. This module does not talk to the page beyond mounting.

use std::fmt;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::adapters::storage::{Storage, StorageKind};
use crate::controller::time::{BrowserTime, Time};
use crate::controller::transport::{BrowserTransport, Transport};
use crate::controller::{Controller, ControllerOptions};
use crate::i18n::Lang;
use crate::model::ChatStore;
use crate::mount::{mount_widget, MountedWidget};

/// Where the widget lives on the page.
#[derive(Clone, Debug)]
pub enum Container {
    /// A floating widget in a `<div>` the widget appends to `<body>` (and removes on destroy).
    Floating,
    /// An element the page gave (a CSS selector or the element itself).
    Element(HtmlElement),
}

/// The options of `init`, checked.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// `apiUrl`: the Public API base URL.
    pub api_url: String,
    /// `apiToken`: sent as `X-API-TOKEN`.
    pub api_token: String,
    /// `campaign`: the campaign id.
    pub campaign: String,
    /// `websocketUrl`: the XMPP WebSocket (`ws://` or `wss://`).
    pub websocket_url: String,
    /// `visitorIds`: `"session"` (default) or `"persistent"`.
    pub visitor_ids: StorageKind,
    /// `language`: overrides the campaign's.
    pub language: Option<Lang>,
    /// `container`: where to mount.
    pub container: Container,
}

/// Why `init` refused its options or could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitError {
    /// `options` is not an object.
    NotAnObject,
    /// A required option is missing or empty.
    Missing(&'static str),
    /// An option has the wrong type.
    WrongType {
        /// The option.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An option has a value the widget does not know.
    BadValue {
        /// The option.
        key: &'static str,
        /// What was given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// `container` matched no element.
    NoContainer(String),
    /// Mounting failed.
    Mount(String),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::NotAnObject => f.write_str("webchat.init: options must be an object"),
            InitError::Missing(k) => write!(f, "webchat.init: option `{k}` is required"),
            InitError::WrongType { key, expected } => {
                write!(f, "webchat.init: option `{key}` must be {expected}")
            }
            InitError::BadValue {
                key,
                value,
                expected,
            } => write!(
                f,
                "webchat.init: option `{key}` is {value:?}; expected {expected}"
            ),
            InitError::NoContainer(sel) => {
                write!(f, "webchat.init: `container` {sel:?} matches no element")
            }
            InitError::Mount(e) => write!(f, "webchat.init: {e}"),
        }
    }
}

impl std::error::Error for InitError {}

impl From<InitError> for JsValue {
    fn from(e: InitError) -> JsValue {
        js_sys::Error::new(&e.to_string()).into()
    }
}

fn get(options: &JsValue, key: &'static str) -> JsValue {
    js_sys::Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn optional_string(options: &JsValue, key: &'static str) -> Result<Option<String>, InitError> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_string() {
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => Ok(Some(s.trim().to_owned())),
        None => Err(InitError::WrongType {
            key,
            expected: "a string",
        }),
    }
}

fn required_string(options: &JsValue, key: &'static str) -> Result<String, InitError> {
    optional_string(options, key)?.ok_or(InitError::Missing(key))
}

impl InitOptions {
    /// Reads and checks the options object given to `init`.
    pub fn from_js(options: &JsValue) -> Result<InitOptions, InitError> {
        if !options.is_object() {
            return Err(InitError::NotAnObject);
        }
        let visitor_ids = match optional_string(options, "visitorIds")?.as_deref() {
            None | Some("session") => StorageKind::Session,
            Some("persistent") => StorageKind::Local,
            Some(other) => {
                return Err(InitError::BadValue {
                    key: "visitorIds",
                    value: other.to_owned(),
                    expected: "\"session\" or \"persistent\"",
                })
            }
        };
        let language = match optional_string(options, "language")? {
            None => None,
            Some(tag) => Some(Lang::from_tag(&tag).ok_or(InitError::BadValue {
                key: "language",
                value: tag,
                expected: "a supported language tag such as \"en\" or \"de\"",
            })?),
        };
        let websocket_url = required_string(options, "websocketUrl")?;
        if !(websocket_url.starts_with("ws://") || websocket_url.starts_with("wss://")) {
            return Err(InitError::BadValue {
                key: "websocketUrl",
                value: websocket_url,
                expected: "a ws:// or wss:// URL",
            });
        }
        let container = {
            let v = get(options, "container");
            if v.is_undefined() || v.is_null() {
                Container::Floating
            } else if let Some(el) = v.dyn_ref::<HtmlElement>() {
                Container::Element(el.clone())
            } else if let Some(selector) = v.as_string() {
                let found = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.query_selector(&selector).ok().flatten())
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                Container::Element(found.ok_or(InitError::NoContainer(selector))?)
            } else {
                return Err(InitError::WrongType {
                    key: "container",
                    expected: "a CSS selector or an HTML element",
                });
            }
        };
        Ok(InitOptions {
            api_url: required_string(options, "apiUrl")?,
            api_token: required_string(options, "apiToken")?,
            campaign: required_string(options, "campaign")?,
            websocket_url,
            visitor_ids,
            language,
            container,
        })
    }
}

/// A running widget: the controller, the mounted view and its reactive owner.
pub struct Widget {
    controller: Controller,
    mounted: Rc<std::cell::RefCell<Option<MountedWidget>>>,
    host: HtmlElement,
    created_host: bool,
    owner: Owner,
}

impl Widget {
    /// Mounts a widget on `host` driven by `transport` and `time` (tests pass scripted ones).
    pub fn start(
        host: HtmlElement,
        created_host: bool,
        transport: Rc<dyn Transport>,
        time: Rc<dyn Time>,
        storage: &Storage,
        options: ControllerOptions,
    ) -> Result<Widget, InitError> {
        let (owner, store) = Widget::new_store();
        let widget = Widget::start_controller(
            owner,
            store,
            host,
            created_host,
            (transport, time),
            storage,
            options,
        );
        widget.mount()?;
        Ok(widget)
    }

    /// The first half of [`start`](Widget::start): starts the controller (which restores a
    /// stored chat into the store and starts loading the campaign) without mounting the view.
    /// `init` yields to the page between the halves, so neither is one long task.
    pub fn prepare(
        host: HtmlElement,
        created_host: bool,
        transport: Rc<dyn Transport>,
        storage: &Storage,
        options: ControllerOptions,
    ) -> Widget {
        let (owner, store) = Widget::new_store();
        Widget::start_controller(
            owner,
            store,
            host,
            created_host,
            (transport, Rc::new(BrowserTime)),
            storage,
            options,
        )
    }

    fn new_store() -> (Owner, ChatStore) {
        init_executor();
        let owner = Owner::new();
        let store = owner.with(ChatStore::awaiting_campaign);
        (owner, store)
    }

    fn start_controller(
        owner: Owner,
        store: ChatStore,
        host: HtmlElement,
        created_host: bool,
        (transport, time): (Rc<dyn Transport>, Rc<dyn Time>),
        storage: &Storage,
        options: ControllerOptions,
    ) -> Widget {
        let mounted: Rc<std::cell::RefCell<Option<MountedWidget>>> = Rc::default();
        let on_hide = {
            let (mounted, host) = (Rc::downgrade(&mounted), host.clone());
            Box::new(move || {
                host.set_hidden(true);
                if let Some(m) = mounted.upgrade() {
                    // Later: the unmount runs outside this borrow of the controller.
                    let m = m.borrow_mut().take();
                    leptos::task::spawn_local(async move { drop(m) });
                }
            })
        };
        let controller = owner.with(|| {
            Controller::start(
                store,
                transport,
                time,
                storage,
                host.clone(),
                options,
                on_hide,
            )
        });
        Widget {
            controller,
            mounted,
            host,
            created_host,
            owner,
        }
    }

    /// The second half of [`start`](Widget::start): mounts the view (only the launcher, or the
    /// window too when the restored chat was open). Does nothing once the campaign hid the
    /// widget for good, or when already mounted.
    pub fn mount(&self) -> Result<(), InitError> {
        if self.host.hidden() || self.mounted.borrow().is_some() {
            return Ok(());
        }
        let store = self.controller.store();
        let sink = self.controller.sink();
        let view = self
            .owner
            .with(|| mount_widget(&self.host, store, sink))
            .map_err(|e| InitError::Mount(e.to_string()))?;
        *self.mounted.borrow_mut() = Some(view);
        Ok(())
    }

    /// The controller (tests and the JS API).
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The host element (the widget's own floating `<div>`, or the page's container).
    pub fn host(&self) -> &HtmlElement {
        &self.host
    }

    /// Runs `f` under the widget's reactive owner: effects created there stop on destroy.
    pub fn with_owner<T>(&self, f: impl FnOnce() -> T) -> T {
        self.owner.with(f)
    }

    /// The shadow root, while mounted.
    pub fn shadow_root(&self) -> Option<web_sys::ShadowRoot> {
        self.mounted
            .borrow()
            .as_ref()
            .map(|m| m.shadow_root().clone())
    }

    /// Stops the chat (sending `closed` if one is live), unmounts and removes what init added.
    pub fn destroy(self) {
        drop(self);
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.controller.shutdown();
        drop(self.mounted.borrow_mut().take());
        self.owner.cleanup();
        if self.created_host {
            self.host.remove();
        } else {
            self.host.set_hidden(false);
        }
    }
}

/// Sets up Leptos's task executor (idempotent). Mounting does it too, but the controller may
/// need it earlier: `init` yields between starting the controller and mounting, and a campaign
/// reply arriving in between (an unusable campaign hides the widget through
/// `leptos::task::spawn_local`) would otherwise find no executor and abort the wasm.
pub fn init_executor() {
    _ = any_spawner::Executor::init_wasm_bindgen();
}

/// Starts a widget from checked options, in one go: what the demo page calls.
/// [`embed::init`](crate::embed::init) uses [`prepare`] and [`Widget::mount`] with a yield
/// between them.
pub fn start(options: InitOptions) -> Result<Widget, InitError> {
    let widget = prepare(options)?;
    widget.mount()?;
    Ok(widget)
}

/// Creates the host element (for a floating widget) and starts the controller, without mounting
/// the view (see [`Widget::prepare`]).
pub fn prepare(options: InitOptions) -> Result<Widget, InitError> {
    let (host, created, transport, storage, options) = host_and_parts(options, None)?;
    Ok(Widget::prepare(host, created, transport, &storage, options))
}

/// [`prepare`] as two tasks: the store, then (after a yield to the page) the controller, on
/// the given `transport` (which `init` shares with the visibility rules). What `init` uses on
/// the host page.
pub async fn prepare_paced(
    options: InitOptions,
    transport: Rc<dyn Transport>,
) -> Result<Widget, InitError> {
    let (host, created, transport, storage, options) = host_and_parts(options, Some(transport))?;
    let (owner, store) = Widget::new_store();
    crate::embed::pace::yield_to_page().await;
    Ok(Widget::start_controller(
        owner,
        store,
        host,
        created,
        (transport, Rc::new(BrowserTime)),
        &storage,
        options,
    ))
}

type Parts = (
    HtmlElement,
    bool,
    Rc<dyn Transport>,
    Storage,
    ControllerOptions,
);

/// The host element (created for a floating widget), storage, transport (`transport`, else a
/// browser one for the options' API) and controller options.
fn host_and_parts(
    options: InitOptions,
    transport: Option<Rc<dyn Transport>>,
) -> Result<Parts, InitError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| InitError::Mount("no browser document".into()))?;
    let (host, created) = match options.container {
        Container::Element(el) => (el, false),
        Container::Floating => {
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
            (el, true)
        }
    };
    let storage = Storage::open(options.visitor_ids);
    let transport = transport
        .unwrap_or_else(|| Rc::new(BrowserTransport::new(&options.api_url, &options.api_token)));
    Ok((
        host,
        created,
        transport,
        storage,
        ControllerOptions {
            campaign: options.campaign,
            websocket_url: options.websocket_url,
            language: options.language,
            request_url: None,
        },
    ))
}
