//! The browser driver of the [`Session`] core: it owns the transports, one timer, the storage,
//! the tabs and the page-hide hook, and does nothing but move data between them and the core.
//!
//! Each input from the browser (a visitor action, a REST reply, a frame, a timer, a tab
//! message, the page going away) becomes one `Session::handle_*` call with the time; then every
//! output queue is drained: requests are fetched, socket operations carried out, view updates
//! applied to the [`ChatStore`], host events dispatched, saves written, tab messages posted,
//! console lines printed, and the one timer armed at the core's next deadline. What the chat
//! means — every rule — is the core's; this module decides nothing.

pub mod time;
pub mod transport;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use web_sys::HtmlElement;
use webchat_protocol::Instant;

use crate::actions::{ActionSink, UiAction};
use crate::adapters::storage::Storage;
use crate::adapters::tabs::Tabs;
use crate::adapters::websocket::SocketEvent;
use crate::events;
use crate::i18n::Lang;
use crate::model::campaign::widget_config;
use crate::model::ChatStore;
use crate::session::continuity::ALL_KEYS;
use crate::session::{
    Greeting, HttpReply, HttpRequest, Level, Log, Now, Save, Session, SessionOptions, SocketId,
    Stored, TabMessage, Transmit, ViewUpdate,
};
pub use crate::session::{TagError, UserInfo};
use time::{BrowserRandom, Time, Wakeup};
use transport::{Link, Transport};

/// What the controller needs to know besides its transports.
#[derive(Clone, Debug)]
pub struct ControllerOptions {
    /// The campaign id.
    pub campaign: String,
    /// The XMPP WebSocket URL (`ws://` or `wss://`).
    pub websocket_url: String,
    /// The BOSH (HTTP-Bind) URL for when WebSockets do not get through.
    pub bosh_url: Option<String>,
    /// The host page's language choice (wins over the campaign's).
    pub language: Option<Lang>,
    /// The page the chat starts on (`request_url`); `None` reads `location.href`.
    pub request_url: Option<String>,
    /// The launcher told the page `ready` already.
    pub ready_announced: bool,
    /// The page's livechat options, put over the campaign's configuration.
    pub livechat: Option<serde_json::Map<String, serde_json::Value>>,
}

struct Driver {
    me: Weak<RefCell<Driver>>,
    session: Session,
    store: ChatStore,
    options: ControllerOptions,
    transport: Rc<dyn Transport>,
    time: Rc<dyn Time>,
    /// The one timer, and the deadline it is armed for.
    wake: Option<Box<dyn Wakeup>>,
    armed: Option<Instant>,
    host: HtmlElement,
    storage: Storage,
    sockets: HashMap<SocketId, Box<dyn Link>>,
    tabs: Option<Tabs>,
    page_hide: Option<OnPageHide>,
    on_hide: Option<Box<dyn FnOnce()>>,
}

/// The widget's controller. Cheap to clone (shared state); dropping the last clone releases the
/// sockets, the timer and pending requests' results.
#[derive(Clone)]
pub struct Controller {
    inner: Rc<RefCell<Driver>>,
}

/// The [`ActionSink`] handed to the UI: a weak reference, so the mounted view does not keep the
/// controller alive.
pub struct Sink(Weak<RefCell<Driver>>);

impl ActionSink for Sink {
    fn dispatch(&self, action: UiAction) {
        if let Some(inner) = self.0.upgrade() {
            Controller { inner }.handle_action(action);
        }
    }
}

/// Runs `f` on the driver behind `me` (if it still exists), then drains the core.
fn with(me: &Weak<RefCell<Driver>>, f: impl FnOnce(&mut Session, Now)) {
    let Some(driver) = me.upgrade() else { return };
    // Never re-entered: the browser calls back from its own tasks, never while the driver runs.
    let Ok(mut d) = driver.try_borrow_mut() else {
        return;
    };
    let now = d.time.now();
    f(&mut d.session, now);
    d.drain();
}

impl Controller {
    /// A controller for `store` that restores what `storage` holds and reads the campaign at
    /// once. `host` receives the host events; `on_hide` runs once if the campaign turns out
    /// unusable.
    pub fn start(
        store: ChatStore,
        transport: Rc<dyn Transport>,
        time: Rc<dyn Time>,
        storage: &Storage,
        host: HtmlElement,
        options: ControllerOptions,
        on_hide: Box<dyn FnOnce()>,
    ) -> Controller {
        let mut session = Session::new(
            SessionOptions {
                campaign: options.campaign.clone(),
                websocket_url: options.websocket_url.clone(),
                ready_announced: options.ready_announced,
                bosh_url: options.bosh_url.clone(),
                livechat: options.livechat.clone(),
            },
            Box::new(BrowserRandom),
        );
        session.set_page_url(options.request_url.clone().or_else(page_url));
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Driver>>| {
            let fire = me.clone();
            let hide = me.clone();
            RefCell::new(Driver {
                me: me.clone(),
                session,
                store,
                wake: Some(time.timer(Box::new(move || {
                    let Some(driver) = fire.upgrade() else { return };
                    let Ok(mut d) = driver.try_borrow_mut() else {
                        return;
                    };
                    d.armed = None;
                    let now = d.time.now();
                    d.session.handle_timeout(now);
                    d.drain();
                }))),
                armed: None,
                transport,
                time,
                host,
                storage: storage.clone(),
                sockets: HashMap::new(),
                tabs: None,
                page_hide: OnPageHide::listen(move || with(&hide, Session::handle_page_hide)),
                on_hide: Some(on_hide),
                options,
            })
        });
        inner.borrow_mut().drain();
        Controller::join_tabs(&inner);
        Controller { inner }
    }

    /// With `localStorage` ids, every tab of the profile joins one group: the tab holding the
    /// lock runs the chat, the others mirror it.
    fn join_tabs(inner: &Rc<RefCell<Driver>>) {
        let name = {
            let d = inner.borrow();
            if !d.storage.is_shared() {
                return;
            }
            format!("webchat:{}", d.options.campaign)
        };
        let (leader, message) = (Rc::downgrade(inner), Rc::downgrade(inner));
        let tabs = Tabs::join(
            &name,
            move || with(&leader, Session::handle_became_leader),
            move |text| {
                if let Some(m) = TabMessage::decode(&text) {
                    with(&message, |s, now| s.handle_tab_message(m, now));
                }
            },
        );
        if let Some(tabs) = tabs {
            let leader = tabs.is_leader();
            inner.borrow_mut().tabs = Some(tabs);
            with(&Rc::downgrade(inner), |s, now| {
                s.handle_tabs_joined(leader, now)
            });
        }
    }

    fn run<T>(&self, f: impl FnOnce(&mut Session, Now) -> T) -> T {
        let mut d = self.inner.borrow_mut();
        let now = d.time.now();
        let result = f(&mut d.session, now);
        d.drain();
        result
    }

    /// The sink for [`mount_widget`](crate::mount::mount_widget).
    pub fn sink(&self) -> Rc<dyn ActionSink> {
        Rc::new(Sink(Rc::downgrade(&self.inner)))
    }

    /// The view model this controller feeds.
    pub fn store(&self) -> ChatStore {
        self.inner.borrow().store
    }

    /// The id sent as `tracker_id`: the visitor id, or the tagged user's stable id.
    pub fn visitor_id(&self) -> String {
        self.inner.borrow().session.visitor_id()
    }

    /// The tagged user, if any.
    pub fn user(&self) -> Option<UserInfo> {
        self.inner.borrow().session.user().cloned()
    }

    /// The chat session id, once created.
    pub fn session_id(&self) -> Option<String> {
        self.inner.borrow().session.session_id().map(str::to_owned)
    }

    /// `CV.user.tag({...})` (see [`Session::handle_tag`]).
    pub fn tag(&self, user: UserInfo) -> Result<(), TagError> {
        self.run(|s, now| s.handle_tag(user, now))
    }

    /// `CV.user.reset()` (see [`Session::handle_reset`]).
    pub fn reset(&self) {
        self.run(Session::handle_reset);
    }

    /// Handles one visitor action (what the UI's sink does).
    pub fn handle_action(&self, action: UiAction) {
        let fixed = self.inner.borrow().options.request_url.is_some();
        self.run(|s, now| {
            if !fixed && matches!(action, UiAction::SendText(_)) {
                s.set_page_url(page_url());
            }
            s.handle_action(action, now)
        });
    }

    /// Shows the tagged user's earlier chats (see [`Session::handle_history_due`]).
    pub fn load_history(&self) {
        self.run(Session::handle_history_due);
    }

    /// The page opened the window itself (an inline widget is always open).
    pub fn window_opened(&self) {
        self.run(|s, now| s.handle_window(true, now));
    }

    /// The visitor accepted a proactive greeting (see [`Session::handle_greeting`]).
    pub fn greeting(&self, greeting: Greeting) {
        self.run(|s, now| s.handle_greeting(greeting, now));
    }

    /// Whether a chat could start now, as the visibility rules' polling found.
    pub fn set_available(&self, available: bool) {
        self.run(|s, now| s.handle_availability(available, now));
    }

    /// What a page unload amounts to (see [`Session::handle_suspend`]); the controller does
    /// nothing more.
    pub fn suspend(&self) {
        self.run(Session::handle_suspend);
        self.inner.borrow_mut().stop();
    }

    /// Ends everything (see [`Session::handle_shutdown`]).
    pub fn shutdown(&self) {
        self.run(Session::handle_shutdown);
        self.inner.borrow_mut().stop();
    }
}

impl Driver {
    fn stop(&mut self) {
        self.wake = None;
        self.armed = None;
        self.sockets.clear();
        self.page_hide = None;
        self.on_hide = None;
    }

    /// Moves every output of the core to where it goes, until the core has nothing more.
    fn drain(&mut self) {
        loop {
            if self.session.poll_storage_read() {
                let stored = read_storage(&self.storage);
                let now = self.time.now();
                self.session.handle_storage_loaded(stored, now);
                continue;
            }
            let mut busy = false;
            while let Some(t) = self.session.poll_transmit() {
                busy = true;
                self.transmit(t);
            }
            while let Some(u) = self.session.poll_update() {
                self.update(u);
            }
            while let Some(save) = self.session.poll_save() {
                match save {
                    Save::Set { key, value } => self.storage.set(key, &value),
                    Save::Remove(key) => self.storage.remove(key),
                    Save::ClearAll => self.storage.clear_all(),
                }
            }
            while let Some(request) = self.session.poll_request() {
                self.fetch(request);
            }
            while let Some(message) = self.session.poll_tab_message() {
                if let Some(tabs) = &self.tabs {
                    tabs.post(&message.encode());
                }
            }
            while let Some(event) = self.session.poll_event() {
                events::emit(&self.host, &event);
            }
            while let Some(log) = self.session.poll_log() {
                console(&log);
            }
            if !busy {
                break;
            }
        }
        self.arm();
    }

    /// The one timer at the core's next deadline. Armed for that instant or an earlier one:
    /// that wake-up comes first, and the core answers an early one by asking for the later
    /// (re-arming on every frame would cost a clearTimeout and a setTimeout each time the
    /// keepalive moved).
    fn arm(&mut self) {
        let Some(wake) = &self.wake else { return };
        match self.session.poll_timeout() {
            Some(at) if self.armed.is_some_and(|armed| armed <= at) => {}
            Some(at) => {
                wake.arm(at);
                self.armed = Some(at);
            }
            None => {
                wake.cancel();
                self.armed = None;
            }
        }
    }

    fn update(&mut self, update: ViewUpdate) {
        match update {
            ViewUpdate::Campaign(c) => self
                .store
                .set_config(widget_config(&c, self.options.language)),
            ViewUpdate::Unavailable => {
                if let Some(hide) = self.on_hide.take() {
                    hide();
                }
            }
            other => self.store.apply(other),
        }
    }

    fn fetch(&self, request: HttpRequest) {
        let HttpRequest {
            id,
            method,
            path,
            headers,
            body,
        } = request;
        let reply = self.transport.request(method, &path, headers, body);
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = match reply.await {
                Ok((status, body)) => HttpReply::Response { status, body },
                Err(e) => HttpReply::Failed(e.to_string()),
            };
            with(&me, |s, now| s.handle_reply(id, reply, now));
        });
    }

    fn transmit(&mut self, t: Transmit) {
        match t {
            Transmit::Connect { socket, url } => {
                let me = self.me.clone();
                let on_event = Box::new(move |ev: SocketEvent| match ev {
                    SocketEvent::Open => {}
                    SocketEvent::Frame(text) => {
                        with(&me, |s, now| s.handle_frame(socket, &text, now))
                    }
                    SocketEvent::Closed { .. } => {
                        with(&me, |s, now| s.handle_socket_closed(socket, now))
                    }
                });
                match self.transport.connect(&url, on_event) {
                    Ok(link) => {
                        self.sockets.insert(socket, link);
                    }
                    Err(e) => {
                        // Reported to the core as a closed socket: it decides what that means.
                        web_sys::console::warn_1(&format!("webchat: {e}").into());
                        let now = self.time.now();
                        self.session.handle_socket_closed(socket, now);
                    }
                }
            }
            Transmit::Frame { socket, text } => {
                if let Some(link) = self.sockets.get(&socket) {
                    if let Err(e) = link.send(&text) {
                        web_sys::console::warn_1(&format!("webchat: {e}").into());
                    }
                }
            }
            Transmit::Post {
                socket,
                request,
                url,
                body,
                timeout_ms,
            } => {
                let reply = self.transport.post_xml(&url, body, timeout_ms);
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let reply = match reply.await {
                        Ok((status, body)) => HttpReply::Response { status, body },
                        Err(e) => HttpReply::Failed(e.to_string()),
                    };
                    with(&me, |s, now| {
                        s.handle_post_reply(socket, request, reply, now)
                    });
                });
            }
            Transmit::Close { socket, linger } => {
                if let Some(link) = self.sockets.remove(&socket) {
                    if linger {
                        link.linger();
                    }
                }
            }
        }
    }
}

/// Everything the session may have stored.
fn read_storage(storage: &Storage) -> Stored {
    Stored(
        ALL_KEYS
            .iter()
            .filter_map(|k| storage.get(k).map(|v| ((*k).to_owned(), v)))
            .collect(),
    )
}

fn console(log: &Log) {
    let text = log.message.as_str().into();
    match log.level {
        Level::Error => web_sys::console::error_1(&text),
        Level::Warn => web_sys::console::warn_1(&text),
        Level::Info => web_sys::console::info_1(&text),
    }
}

/// The page the visitor is on.
fn page_url() -> Option<String> {
    web_sys::window().and_then(|w| w.location().href().ok())
}

/// A `pagehide` listener on the window, removed when dropped: a navigation right after a
/// message arrived keeps it in the transcript the next page shows at once.
struct OnPageHide(wasm_bindgen::closure::Closure<dyn FnMut()>);

impl OnPageHide {
    fn listen(f: impl FnMut() + 'static) -> Option<OnPageHide> {
        use wasm_bindgen::JsCast;
        let cb = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(f);
        web_sys::window()?
            .add_event_listener_with_callback("pagehide", cb.as_ref().unchecked_ref())
            .ok()?;
        Some(OnPageHide(cb))
    }
}

impl Drop for OnPageHide {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        if let Some(w) = web_sys::window() {
            let _ =
                w.remove_event_listener_with_callback("pagehide", self.0.as_ref().unchecked_ref());
        }
    }
}
