//! The launcher stage's widget: what every page view runs. It draws the [`Shell`] in the
//! campaign's look (remembered from the last page view, then read: `GET campaigns/{id}`), runs
//! the visibility rules, keeps who the visitor is while no chat is loaded (visitor id,
//! `CV.user.tag`, `CV.user.reset` on the storage), opens the [`Frame`] on a click, and loads the
//! chat stage on the first sign of interest — the pointer on the launcher, a touch, its focus,
//! an open, a greeting shown — or at once when the storage says a chat is running. Then it
//! hands over through [`handoff`](crate::handoff) and forwards to the chat's handle.
//!
//! Who owns what: the launcher keeps the shell, the visibility rules and the campaign's look
//! for the page's lifetime; the chat stage, once started, owns the window, the session and
//! everything the chat decides (open state, unread count, identity), and tells the shell. A
//! download that fails is tried again with backoff, with a clear word in the frame and a retry
//! button; the launcher goes on working.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

use crate::adapters::api::{Api, ApiRead, Early, SharedReads};
use crate::adapters::entropy;
use crate::adapters::storage::Storage;
use crate::adapters::timer::Timer;
use crate::campaign::CampaignInfo;
use crate::events::{self, HostEvent};
use crate::frame::{Frame, Handlers};
use crate::handoff::{self, chat, Functions};
use crate::i18n::Lang;
use crate::identity::UserInfo;
use crate::keys;
use crate::livechat::OfflineLook;
use crate::options::{Container, InitOptions};
use crate::shell::Shell;
use crate::visibility::{Deps, Identity, Surface, Visibility};

mod greet;
mod read;
mod stage;
mod who;

/// Loads the chat stage: `(tag) => Promise<{ start, table }>`, given by the loader or the npm
/// package (they know where the files are). `start` is the chat's `startChat`; `table` its
/// texts for the language `tag`, or `null`.
pub type LoadChat = js_sys::Function;

/// Where the campaign read stands.
enum CampaignState {
    /// Not answered yet (or being retried).
    Reading,
    /// Usable.
    Usable,
    /// Hidden for good.
    Unusable,
}

/// Where the chat stage stands.
enum ChatStage {
    /// Not asked for.
    Idle,
    /// Wanted, but the language (and so its texts) is not known yet: loads with the campaign.
    Waiting,
    /// Being downloaded (or started).
    Loading,
    /// The last download failed; tried again by the timer or the retry button.
    Failed,
    /// Started: the handle `startChat` returned.
    Started(JsValue),
}

struct Inner {
    me: Weak<Shared>,
    options: InitOptions,
    host: HtmlElement,
    created_host: bool,
    inline: bool,
    storage: Storage,
    api: Rc<dyn ApiRead>,
    shell: Rc<Shell>,
    frame: Option<Frame>,
    load_chat: LoadChat,
    campaign: CampaignState,
    /// The definitive reply to the campaign read (`status`, `body`), once there.
    campaign_reply: Option<(u16, String)>,
    /// `resolve` functions of the chat's `campaign()` promises waiting for it.
    campaign_waiters: Vec<js_sys::Function>,
    campaign_attempt: u32,
    campaign_timer: Option<Timer>,
    available: bool,
    /// The campaign's look, once known (remembered or read).
    look: Option<CampaignInfo>,
    /// Whether the chat's phase is `offline`, once the chat stage says (it decides then).
    chat_offline: Option<bool>,
    visitor_id: String,
    user: Option<UserInfo>,
    /// A user was tagged while no chat was loaded: the chat shows their earlier chats.
    history_due: bool,
    chat: ChatStage,
    chat_attempt: u32,
    chat_timer: Option<Timer>,
    bridge: Option<Functions>,
    /// Hidden until the chat is in place: a running chat shows as it was, not as a launcher
    /// that then opens.
    held: bool,
    /// What the rules last said.
    rules_visible: bool,
    /// A chat is under way (the chat stage says).
    chatting: bool,
    ready_sent: bool,
    destroyed: bool,
    /// The proactive greetings.
    greeter: greet::Greeter,
}

/// The widget's state, and its visibility rules apart: they call back into the state (through
/// [`WidgetSurface`]), so they are never run while it is borrowed.
struct Shared {
    inner: RefCell<Inner>,
    rules: RefCell<Option<Visibility>>,
}

/// The launcher stage's widget. Cheap to clone; [`Widget::destroy`] removes it.
#[derive(Clone)]
pub struct Widget(Rc<Shared>);

/// What the visibility rules see: the shell, and whether a chat is going on.
struct WidgetSurface(Weak<Shared>);

impl WidgetSurface {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        let shared = self.0.upgrade()?;
        let mut i = shared.inner.try_borrow_mut().ok()?;
        Some(f(&mut i))
    }
}

impl Surface for WidgetSurface {
    fn configured(&self) -> bool {
        self.with(|i| i.shell.is_configured()).unwrap_or(true)
    }

    fn ongoing(&self) -> bool {
        self.with(|i| i.chatting || i.shell.is_open() || i.shell.unread() > 0)
            .unwrap_or(false)
    }

    fn set_visible(&self, visible: bool) {
        self.with(|i| {
            i.rules_visible = visible;
            i.show();
        });
        if let Some(shared) = self.0.upgrade() {
            Widget(shared).greet();
        }
    }
}

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

impl Widget {
    /// Starts the launcher on `host` (created for a floating widget when `created_host`), in
    /// `shell` (mounted on it, hidden until the campaign's look is known). The visibility rules
    /// (`options.embed.visibility`) start in the same task, before the launcher's first paint,
    /// so rules that hide it hide it before it is ever seen.
    pub fn start(
        options: InitOptions,
        host: HtmlElement,
        shell: Rc<Shell>,
        created_host: bool,
        load_chat: LoadChat,
        early: Option<Early>,
    ) -> Widget {
        let rules = options.embed.visibility.clone();
        let storage = Storage::open(options.visitor_ids);
        let api: Rc<dyn ApiRead> = Rc::new(SharedReads::new(Rc::new(
            Api::new(&options.api_url, &options.api_token).with_early(early),
        )));
        if crate::host_css::adopt(shell.shadow(), &options.embed).is_none() {
            warn("webchat: the embedding stylesheet was refused; position and zIndex are ignored");
        }
        let visitor_id = match storage.get(keys::VISITOR_ID).filter(|v| !v.is_empty()) {
            Some(id) => id,
            None => new_visitor(&storage),
        };
        let user = storage
            .get(keys::USER)
            .and_then(|t| UserInfo::from_stored(&t));
        let running = keys::chat_running(
            storage.get(keys::CHAT).as_deref(),
            storage.get(keys::OPEN).as_deref(),
        );
        let inline = matches!(options.container, Container::Element(_));
        let shared = Rc::new_cyclic(|me| Shared {
            rules: RefCell::new(None),
            inner: RefCell::new(Inner {
                me: me.clone(),
                options,
                host,
                created_host,
                inline,
                storage,
                api,
                shell,
                frame: None,
                load_chat,
                campaign: CampaignState::Reading,
                campaign_reply: None,
                campaign_waiters: Vec::new(),
                campaign_attempt: 0,
                campaign_timer: None,
                available: true,
                look: None,
                chat_offline: None,
                visitor_id,
                user,
                history_due: false,
                chat: ChatStage::Idle,
                chat_attempt: 0,
                chat_timer: None,
                bridge: None,
                held: running,
                rules_visible: true,
                chatting: false,
                ready_sent: false,
                destroyed: false,
                greeter: greet::Greeter::new(crate::adapters::now_ms()),
            }),
        });
        let widget = Widget(shared);
        widget.wire();
        widget.remembered_look();
        widget.start_visibility(rules.as_deref());
        widget.read_campaign();
        if running || inline {
            widget.want_chat();
        }
        if inline {
            widget.open_frame();
        }
        widget
    }

    fn wire(&self) {
        let i = self.0.inner.borrow();
        let me = Rc::downgrade(&self.0);
        i.shell.on_toggle(move || {
            if let Some(w) = me.upgrade() {
                Widget(w).toggle();
            }
        });
        let me = Rc::downgrade(&self.0);
        i.shell.on_intent(move || {
            // After this turn: a focus that the widget itself moved (back to the launcher as
            // the window closes) arrives while it is busy.
            let me = me.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(w) = me.upgrade() {
                    Widget(w).want_chat();
                }
            });
        });
    }

    /// Starts the visibility rules (`rules`: JSON text).
    fn start_visibility(&self, rules: Option<&str>) {
        let (deps, me) = {
            let i = self.0.inner.borrow();
            if i.destroyed || matches!(i.campaign, CampaignState::Unusable) {
                return;
            }
            let me = Rc::downgrade(&self.0);
            let ask = me.clone();
            let report = me.clone();
            let deps = Deps {
                host: i.host.clone(),
                surface: Rc::new(WidgetSurface(me.clone())),
                api: i.api.clone(),
                identity: Rc::new(move || {
                    ask.upgrade()
                        .map(|w| Widget(w).identity())
                        .unwrap_or_else(|| Identity {
                            tracker_id: String::new(),
                            user: None,
                        })
                }),
                campaign: i.options.campaign.clone(),
                storage: i.storage.clone(),
                now: Deps::date_now(),
                availability: Rc::new(move |available| {
                    if let Some(w) = report.upgrade() {
                        Widget(w).set_available(available);
                    }
                }),
            };
            (deps, me)
        };
        let visibility = Visibility::start(rules, deps);
        if let Some(shared) = me.upgrade() {
            *shared.rules.borrow_mut() = Some(visibility);
        }
    }

    // ---- the window ----

    /// The launcher was clicked.
    fn toggle(&self) {
        let open = self.0.inner.borrow().shell.is_open();
        self.set_window(!open);
    }

    /// Opens or minimises the window: the chat's, or the frame while the chat loads.
    pub fn set_window(&self, open: bool) {
        let hidden = !self.0.inner.borrow().rules_visible;
        if open && hidden {
            // The page asks for the chat explicitly: a hidden launcher must not swallow it.
            self.with_visibility(Visibility::show);
        }
        if open {
            self.0.inner.borrow_mut().greeter.hide();
        }
        let handle = self.0.inner.borrow().handle();
        if let Some(handle) = handle {
            let name = if open { chat::OPEN } else { chat::CLOSE };
            _ = handoff::call(&handle, name, &[]);
            return;
        }
        if open {
            self.open_frame();
        } else {
            self.close_frame();
        }
    }

    fn open_frame(&self) {
        {
            let mut i = self.0.inner.borrow_mut();
            if i.destroyed || i.shell.is_open() {
                return;
            }
            if i.frame.is_none() {
                match i.new_frame() {
                    Some(frame) => i.frame = Some(frame),
                    None => return,
                }
            }
            i.shell.set_open(true);
            if let Some(frame) = &i.frame {
                frame.set_available(i.available);
                frame.show(true);
            }
            events::emit(&i.host, &HostEvent::Open);
        }
        self.refresh_visibility();
        self.want_chat();
    }

    fn close_frame(&self) {
        {
            let i = self.0.inner.borrow();
            if !i.shell.is_open() || i.inline {
                return;
            }
            if let Some(frame) = &i.frame {
                frame.show(false);
            }
            i.shell.set_open(false);
            events::emit(&i.host, &HostEvent::Close);
        }
        self.refresh_visibility();
    }

    // ---- the API's questions ----

    /// `chat.state()`.
    pub fn state(&self) -> String {
        let i = self.0.inner.borrow();
        if i.destroyed {
            return "destroyed".into();
        }
        if let Some(handle) = i.handle() {
            if let Some(state) = handoff::call(&handle, chat::STATE, &[])
                .ok()
                .and_then(|s| s.as_string())
            {
                return state;
            }
        }
        match i.campaign {
            CampaignState::Unusable => "unavailable",
            CampaignState::Reading => "connecting",
            // A chat that is running comes back with the chat stage.
            CampaignState::Usable if i.held => "connecting",
            CampaignState::Usable if i.available => "idle",
            CampaignState::Usable => "offline",
        }
        .into()
    }

    /// `chat.isOpen()`.
    pub fn is_open(&self) -> bool {
        let i = self.0.inner.borrow();
        !i.destroyed && !matches!(i.campaign, CampaignState::Unusable) && i.shell.is_open()
    }

    /// Whether the widget can be used (the campaign is not unusable).
    pub fn usable(&self) -> bool {
        !matches!(self.0.inner.borrow().campaign, CampaignState::Unusable)
    }

    /// The visibility handle's `show`/`hide`/`auto`.
    pub fn with_visibility(&self, f: impl FnOnce(&Visibility)) {
        if let Some(v) = self.0.rules.borrow().as_ref() {
            f(v);
        }
    }

    /// The host element (host events are dispatched on it).
    pub fn host(&self) -> HtmlElement {
        self.0.inner.borrow().host.clone()
    }

    /// Whether the widget lives inside a page's container.
    pub fn is_inline(&self) -> bool {
        self.0.inner.borrow().inline
    }

    /// Stops everything: a live chat is ended properly by the chat stage; every element,
    /// listener and timer the launcher added goes.
    pub fn destroy(&self) {
        let (handle, parts) = {
            let mut i = self.0.inner.borrow_mut();
            if i.destroyed {
                return;
            }
            i.destroyed = true;
            i.campaign_timer = None;
            i.chat_timer = None;
            let handle = match std::mem::replace(&mut i.chat, ChatStage::Idle) {
                ChatStage::Started(h) => Some(h),
                _ => None,
            };
            i.greeter = greet::Greeter::default();
            (handle, (i.frame.take(), i.bridge.take()))
        };
        if let Some(handle) = handle {
            _ = handoff::call(&handle, chat::DESTROY, &[]);
        }
        drop(self.0.rules.borrow_mut().take());
        drop(parts);
        let i = self.0.inner.borrow();
        events::discard(&i.host);
        let _ = i.host.remove_attribute(crate::host_css::INLINE_ATTR);
        let _ = i.host.remove_attribute(crate::host_css::POSITION_ATTR);
        if i.created_host {
            i.host.remove();
        } else {
            i.host.set_hidden(false);
        }
        // The shell's DOM goes when the last reference does; take it out of sight now.
        i.shell.root().remove();
    }
}

impl Inner {
    fn handle(&self) -> Option<JsValue> {
        match &self.chat {
            ChatStage::Started(h) => Some(h.clone()),
            _ => None,
        }
    }

    /// The language every text is in: the page's choice, else the campaign's, else English.
    fn lang_for(&self, c: &CampaignInfo) -> Lang {
        self.options
            .language
            .or_else(|| c.language.as_deref().and_then(Lang::from_setting))
            .unwrap_or_default()
    }

    fn apply_look(&mut self, c: &CampaignInfo) {
        self.look = Some(c.clone());
        self.paint_look();
    }

    /// Whether nobody is available: the chat's word once it runs, else the campaign's and the
    /// rules' availability.
    fn offline(&self) -> bool {
        self.chat_offline.unwrap_or(!self.available)
    }

    /// The campaign's look, with the page's `livechat` keys over its offline look.
    fn offline_look(&self, c: &CampaignInfo) -> OfflineLook {
        c.offline.clone().over(self.options.livechat.as_ref())
    }

    /// Themes the shell: the campaign's colour, or its offline colour while nobody is available.
    fn paint_look(&self) {
        let Some(c) = &self.look else { return };
        let offline_color = self.offline_look(c).color.filter(|_| self.offline());
        let color = offline_color.as_deref().or(c.color.as_deref());
        self.shell.set_look(color, self.lang_for(c));
    }

    /// The window's title while the chat loads: the offline title while nobody is available
    /// (the catalogue's with the offline form), else the usual one.
    fn frame_title(&self) -> Option<String> {
        let look = self.offline_look(self.look.as_ref()?);
        if !self.offline() {
            return None;
        }
        look.title.or_else(|| {
            look.form.then(|| {
                self.shell
                    .lang()
                    .text(crate::i18n::Key::OfflineTitle)
                    .to_owned()
            })
        })
    }

    /// Shows what the rules allow, unless a running chat is still on its way.
    fn show(&self) {
        self.shell.set_visible(self.rules_visible && !self.held);
    }

    fn settle_campaign(&mut self, status: u16, body: String) {
        for resolve in self.campaign_waiters.drain(..) {
            _ = resolve.call1(&JsValue::UNDEFINED, &reply_object(status, &body));
        }
        self.campaign_reply = Some((status, body));
    }

    fn await_campaign(&mut self, resolve: js_sys::Function) {
        match &self.campaign_reply {
            Some((status, body)) => {
                _ = resolve.call1(&JsValue::UNDEFINED, &reply_object(*status, body));
            }
            None => self.campaign_waiters.push(resolve),
        }
    }

    fn new_frame(&self) -> Option<Frame> {
        let document = web_sys::window()?.document()?;
        let me = self.me.clone();
        let sent = self.me.clone();
        let retry = self.me.clone();
        let handlers = Handlers {
            minimise: Box::new(move || {
                if let Some(w) = me.upgrade() {
                    Widget(w).set_window(false);
                }
            }),
            sent: Box::new(move || {
                if let Some(w) = sent.upgrade() {
                    Widget(w).want_chat();
                }
            }),
            retry: Box::new(move || {
                if let Some(w) = retry.upgrade() {
                    Widget(w).want_chat();
                }
            }),
        };
        let title = self.frame_title();
        let frame = Frame::new(&document, self.shell.lang(), title.as_deref(), handlers).ok()?;
        let root = self.shell.root();
        root.insert_before(frame.element(), Some(self.shell.launcher()))
            .ok()?;
        Some(frame)
    }

    /// Forgets the visitor (a reset, or another user tagged while no chat is loaded): every
    /// `webchat:` key goes, a new visitor id is made.
    fn forget_visitor(&mut self) {
        self.storage.clear_all();
        self.visitor_id = new_visitor(&self.storage);
        self.user = None;
        self.history_due = false;
    }
}

/// `{ status, body }` for the chat's `campaign()` promise.
fn reply_object(status: u16, body: &str) -> JsValue {
    let obj = handoff::object();
    handoff::set(&obj, "status", &JsValue::from(status));
    handoff::set(&obj, "body", &JsValue::from_str(body));
    obj.into()
}

/// A new random visitor id, stored at once. Without Web Crypto (no supported browser lacks
/// it) the id is empty and the chat makes one.
fn new_visitor(storage: &Storage) -> String {
    let id = entropy::hex_id(16).unwrap_or_default();
    if !id.is_empty() {
        storage.set(keys::VISITOR_ID, &id);
    }
    id
}
