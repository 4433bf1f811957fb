//! The controller: turns what the visitor does ([`UiAction`]) into REST calls and protocol
//! commands, and what the network answers into [`ChatStore`] changes (issue 5's flow).
//!
//! 1. `GET campaigns/{id}` → config, colour, language, availability (offline state). Inactive,
//!    401 and 404 hide the widget with one console message; network trouble retries with
//!    backoff while the widget shows a calm "connecting" state.
//! 2. The first message is shown at once as "sending", then `POST chatsessions`,
//!    `POST xmppcredentials`, the WebSocket and a [`Chat`]; queued messages go out when
//!    the core has them (acknowledged → "sent"). 409 No Availability → offline, text kept.
//! 3. Core events → store methods; chat states, co-browsing answers and the end → core commands.
//! 4. The survey → `PATCH chatsessions/{id}` (again when changed).
//!
//! Every rule about stanzas lives in `webchat_protocol`; this module only moves data between the
//! core, the transports ([`transport`]) and the store. It renders nothing.

pub mod campaign;
pub mod transport;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::{Rc, Weak};

use leptos::prelude::GetUntracked;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;
use webchat_protocol::api::{
    self, ApiError, Campaign, ChatSession, ChatSessionRequest, SurveyAnswer, SurveyPatch,
    XmppCredentials, XmppCredentialsRequest,
};
use webchat_protocol::connection::CloseReason;
use webchat_protocol::{Chat, ChatConfig, ChatEvent, Config, Jid};

use crate::actions::{ActionSink, UiAction};
use crate::adapters::fetch::{FetchError, Method};
use crate::adapters::storage::Storage;
use crate::adapters::timer::Timer;
use crate::adapters::websocket::SocketEvent;
use crate::adapters::{clock, entropy};
use crate::i18n::Lang;
use crate::model::{ChatState, ChatStore, EndedBy, MessageId, MessageStatus, Notice, Phase};
use transport::{Link, Transport};

/// The storage key (under `webchat:`) of the visitor id sent as `tracker_id`.
pub const VISITOR_ID_KEY: &str = "visitor_id";

/// The name of the DOM event the host element receives when the visitor answers co-browsing;
/// `detail` is `{ "accepted": true|false }`.
pub const COBROWSING_EVENT: &str = "webchat:cobrowsing";

/// Longest backoff between retries (campaign load, chat start, reconnect).
const MAX_BACKOFF_MS: u64 = 30_000;

/// What the controller needs to know besides its transports.
#[derive(Clone, Debug)]
pub struct ControllerOptions {
    /// The campaign id.
    pub campaign: String,
    /// The XMPP WebSocket URL (`ws://` or `wss://`).
    pub websocket_url: String,
    /// The host page's language choice (wins over the campaign's).
    pub language: Option<Lang>,
    /// The page the chat starts on (`request_url`); `None` reads `location.href`.
    pub request_url: Option<String>,
}

/// Why the widget gave up on the campaign (it is hidden).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// The API said so.
    Api(ApiError),
    /// The campaign is switched off.
    Inactive,
}

impl fmt::Display for Hidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hidden::Api(ApiError::Unauthorized) => {
                f.write_str("the API token was refused (401): check `apiToken`")
            }
            Hidden::Api(ApiError::NotFound) => {
                f.write_str("the campaign does not exist (404): check `campaign`")
            }
            Hidden::Api(e) => write!(f, "{e}"),
            Hidden::Inactive => f.write_str("the campaign is inactive"),
        }
    }
}

/// Where the controller is in the chat's life (the store's [`Phase`] is what the visitor sees).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Reading the campaign.
    Loading,
    /// Hidden for good (inactive, 401, 404).
    Hidden,
    /// Campaign applied; the next message starts a chat.
    Ready,
    /// Creating the session and credentials.
    Starting,
    /// A `Chat` exists (connecting, connected or reconnecting).
    Live,
    /// Ended or blocked; `StartNewChat` goes back to `Ready` (not after a block).
    Over,
}

/// How a failed REST call is handled.
enum Failure {
    /// Worth retrying later (network, 5xx, 429).
    Transient(String),
    /// The API refused for good.
    Api(ApiError),
}

impl Failure {
    fn from_fetch(e: FetchError) -> Failure {
        Failure::Transient(e.to_string())
    }
    fn from_api(e: ApiError) -> Failure {
        match e {
            ApiError::OtherStatus(s) if s >= 500 || s == 429 || s == 408 => {
                Failure::Transient(format!("HTTP {s}"))
            }
            other => Failure::Api(other),
        }
    }
}

struct Inner {
    me: Weak<RefCell<Inner>>,
    store: ChatStore,
    transport: Rc<dyn Transport>,
    options: ControllerOptions,
    host: HtmlElement,
    on_hide: Option<Box<dyn FnOnce()>>,
    visitor_id: String,
    stage: Stage,
    campaign: Option<Campaign>,
    /// Bumped whenever a pending async reply must be ignored (new chat, destroy).
    epoch: u64,
    attempt: u32,
    next_local: u64,
    /// Visitor messages waiting for the chat to exist.
    outbox: Vec<(MessageId, String)>,
    /// Core message id → widget message id, until delivered.
    in_flight: HashMap<String, MessageId>,
    /// Every visitor text not yet confirmed sent (for Retry).
    texts: HashMap<MessageId, String>,
    session: Option<ChatSession>,
    credentials: Option<XmppCredentials>,
    chat: Option<Chat>,
    link: Option<Box<dyn Link>>,
    link_gen: u64,
    core_timer: Option<Timer>,
    retry_timer: Option<Timer>,
    /// What the retry timer does when it fires.
    retry: Option<Retry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    LoadCampaign,
    StartChat,
    Reconnect,
}

/// The widget's controller. Cheap to clone (shared state); dropping the last clone releases the
/// socket, the timers and pending requests' results.
#[derive(Clone)]
pub struct Controller {
    inner: Rc<RefCell<Inner>>,
}

/// The [`ActionSink`] handed to the UI: a weak reference, so the mounted view does not keep the
/// controller alive.
pub struct Sink(Weak<RefCell<Inner>>);

impl ActionSink for Sink {
    fn dispatch(&self, action: UiAction) {
        if let Some(inner) = self.0.upgrade() {
            Controller { inner }.handle_action(action);
        }
    }
}

impl Controller {
    /// A controller for `store` that reads the campaign at once. `storage` holds the visitor id;
    /// `host` receives DOM events; `on_hide` runs once if the campaign turns out unusable.
    pub fn start(
        store: ChatStore,
        transport: Rc<dyn Transport>,
        storage: &Storage,
        host: HtmlElement,
        options: ControllerOptions,
        on_hide: Box<dyn FnOnce()>,
    ) -> Controller {
        let visitor_id = match storage.get(VISITOR_ID_KEY).filter(|v| !v.is_empty()) {
            Some(id) => id,
            None => {
                let id = entropy::hex_id(16).unwrap_or_else(|e| {
                    web_sys::console::warn_1(&e.to_string().into());
                    format!("{:x}", js_sys::Date::now() as u64)
                });
                storage.set(VISITOR_ID_KEY, &id);
                id
            }
        };
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Inner>>| {
            let core_me = me.clone();
            let retry_me = me.clone();
            RefCell::new(Inner {
                me: me.clone(),
                store,
                transport,
                options,
                host,
                on_hide: Some(on_hide),
                visitor_id,
                stage: Stage::Loading,
                campaign: None,
                epoch: 0,
                attempt: 0,
                next_local: 0,
                outbox: Vec::new(),
                in_flight: HashMap::new(),
                texts: HashMap::new(),
                session: None,
                credentials: None,
                chat: None,
                link: None,
                link_gen: 0,
                core_timer: Some(Timer::new(move || {
                    if let Some(inner) = core_me.upgrade() {
                        inner.borrow_mut().on_core_timer();
                    }
                })),
                retry_timer: Some(Timer::new(move || {
                    if let Some(inner) = retry_me.upgrade() {
                        Inner::on_retry(&inner);
                    }
                })),
                retry: None,
            })
        });
        store.set_phase(Phase::Connecting);
        Inner::load_campaign(&inner);
        Controller { inner }
    }

    /// The sink for [`mount_widget`](crate::mount::mount_widget).
    pub fn sink(&self) -> Rc<dyn ActionSink> {
        Rc::new(Sink(Rc::downgrade(&self.inner)))
    }

    /// The view model this controller feeds.
    pub fn store(&self) -> ChatStore {
        self.inner.borrow().store
    }

    /// The visitor id sent as `tracker_id`.
    pub fn visitor_id(&self) -> String {
        self.inner.borrow().visitor_id.clone()
    }

    /// The chat session id, once created.
    pub fn session_id(&self) -> Option<String> {
        self.inner.borrow().session.as_ref().map(|s| s.id.clone())
    }

    /// Handles one visitor action (what the UI's sink does).
    pub fn handle_action(&self, action: UiAction) {
        Inner::action(&self.inner, action);
    }

    /// Ends everything: sends `closed` when a chat is live (the visitor left through the page's
    /// code), closes the socket, stops timers and ignores pending replies.
    pub fn shutdown(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.epoch += 1;
        if let Some(chat) = inner.chat.as_mut() {
            chat.close(clock::now());
        }
        inner.flush_transmit();
        inner.link = None;
        inner.chat = None;
        inner.core_timer = None;
        inner.retry_timer = None;
        inner.on_hide = None;
    }
}

impl Inner {
    // ---- campaign ----

    fn load_campaign(this: &Rc<RefCell<Inner>>) {
        let (transport, path, epoch, me) = {
            let i = this.borrow();
            (
                i.transport.clone(),
                format!("campaigns/{}", encode_path(&i.options.campaign)),
                i.epoch,
                i.me.clone(),
            )
        };
        let fut = transport.request(Method::Get, &path, None);
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            let mut i = this.borrow_mut();
            if i.epoch != epoch {
                return;
            }
            let result = reply.map_err(Failure::from_fetch).and_then(|(s, b)| {
                api::parse_response::<Campaign>(s, &b).map_err(Failure::from_api)
            });
            match result {
                Ok(c) if !c.active => i.hide(Hidden::Inactive),
                Ok(c) => i.apply_campaign(c),
                Err(Failure::Transient(why)) => i.retry_later(Retry::LoadCampaign, &why),
                Err(Failure::Api(ApiError::CampaignInactive)) => i.hide(Hidden::Inactive),
                Err(Failure::Api(e)) => i.hide(Hidden::Api(e)),
            }
        });
    }

    fn apply_campaign(&mut self, c: Campaign) {
        self.attempt = 0;
        let config = campaign::widget_config(&c, self.options.language);
        let available = campaign::is_available(&c);
        self.store.set_config(config);
        self.campaign = Some(c);
        self.stage = Stage::Ready;
        if self.outbox.is_empty() {
            self.store.set_phase(if available {
                Phase::Idle
            } else {
                Phase::Offline
            });
        } else if available {
            // The visitor wrote while the campaign loaded: start the chat now.
            self.start_chat();
        } else {
            self.no_availability();
        }
    }

    fn hide(&mut self, why: Hidden) {
        self.stage = Stage::Hidden;
        web_sys::console::error_1(
            &format!(
                "webchat: hidden: {why} (campaign {})",
                self.options.campaign
            )
            .into(),
        );
        if let Some(hide) = self.on_hide.take() {
            hide();
        }
    }

    fn retry_later(&mut self, what: Retry, why: &str) {
        self.attempt = self.attempt.saturating_add(1);
        let base = 1000u64.saturating_mul(1 << self.attempt.min(5)) / 2;
        let jitter = entropy::hex_id(1)
            .ok()
            .and_then(|h| u64::from_str_radix(&h, 16).ok())
            .unwrap_or(0)
            * 4;
        let delay = base.min(MAX_BACKOFF_MS) + jitter;
        web_sys::console::warn_1(
            &format!("webchat: {why}; trying again in {} s", delay / 1000).into(),
        );
        self.retry = Some(what);
        if let Some(t) = &self.retry_timer {
            t.arm(delay);
        }
    }

    fn on_retry(this: &Rc<RefCell<Inner>>) {
        let what = this.borrow_mut().retry.take();
        match what {
            Some(Retry::LoadCampaign) => Inner::load_campaign(this),
            Some(Retry::StartChat) => this.borrow_mut().start_chat(),
            Some(Retry::Reconnect) => this.borrow_mut().reconnect(),
            None => {}
        }
    }

    // ---- visitor actions ----

    fn action(this: &Rc<RefCell<Inner>>, action: UiAction) {
        if let UiAction::CobrowseAnswer { accepted } = action {
            let host = {
                let mut i = this.borrow_mut();
                if let Some(chat) = i.chat.as_mut() {
                    if chat.answer_cobrowsing(accepted, clock::now()).is_err() {
                        web_sys::console::warn_1(
                            &"webchat: the chat has ended; the co-browsing answer was not sent"
                                .into(),
                        );
                    }
                    i.pump();
                }
                i.host.clone()
            };
            // Outside the borrow: the host page's listeners run synchronously and may call back.
            emit_cobrowsing(&host, accepted);
            return;
        }
        let mut i = this.borrow_mut();
        match action {
            UiAction::SendText(text) => i.send_text(text),
            UiAction::Retry(id) => i.retry_message(id),
            UiAction::ChatState(state) => {
                if let Some(chat) = i.chat.as_mut() {
                    chat.set_chat_state(core_state(state), clock::now());
                    i.pump();
                }
            }
            UiAction::EndChat => i.end_chat(),
            UiAction::StartNewChat => i.start_new_chat(),
            UiAction::SurveyAnswer { value, comment } => i.send_survey(value, comment),
            UiAction::CobrowseAnswer { .. } | UiAction::Open | UiAction::Minimise => {}
        }
    }

    fn send_text(&mut self, text: String) {
        if matches!(self.stage, Stage::Hidden | Stage::Over) {
            return;
        }
        self.next_local += 1;
        let id = MessageId(format!("v-{}-{}", self.epoch, self.next_local));
        self.store.add_visitor_message(id.clone(), text.clone());
        self.texts.insert(id.clone(), text.clone());
        self.submit(id, text);
    }

    /// Hands a shown message to the chat, or queues it and starts one.
    fn submit(&mut self, id: MessageId, text: String) {
        self.store.set_message_status(&id, MessageStatus::Sending);
        match self.stage {
            Stage::Live => self.send_now(id, text),
            Stage::Ready => {
                self.outbox.push((id, text));
                self.start_chat();
            }
            Stage::Loading | Stage::Starting => self.outbox.push((id, text)),
            Stage::Hidden | Stage::Over => {
                self.store.set_message_status(&id, MessageStatus::Failed);
            }
        }
    }

    fn send_now(&mut self, id: MessageId, text: String) {
        let Some(chat) = self.chat.as_mut() else {
            self.outbox.push((id, text));
            return;
        };
        match chat.send_message(&text, clock::now()) {
            Ok(core_id) => {
                self.in_flight.insert(core_id, id);
                self.pump();
            }
            Err(_) => {
                self.store.set_message_status(&id, MessageStatus::Failed);
            }
        }
    }

    fn retry_message(&mut self, id: MessageId) {
        if let Some(text) = self.texts.get(&id).cloned() {
            if self.store.phase().get_untracked().can_write() {
                self.submit(id, text);
            }
        }
    }

    fn end_chat(&mut self) {
        match self.stage {
            Stage::Live => {
                if let Some(chat) = self.chat.as_mut() {
                    chat.close(clock::now());
                }
                self.pump();
            }
            Stage::Starting | Stage::Loading | Stage::Ready => {
                // Nothing reached an agent yet: forget the pending replies.
                self.epoch += 1;
                self.retry = None;
            }
            Stage::Hidden | Stage::Over => return,
        }
        self.fail_waiting();
        self.stage = Stage::Over;
        self.store.chat_ended(EndedBy::Visitor);
    }

    fn start_new_chat(&mut self) {
        if self.stage != Stage::Over || self.store.phase().get_untracked() == Phase::Blocked {
            return;
        }
        self.epoch += 1;
        self.link = None;
        self.chat = None;
        self.session = None;
        self.credentials = None;
        self.in_flight.clear();
        self.texts.clear();
        self.outbox.clear();
        if let Some(t) = &self.core_timer {
            t.cancel();
        }
        self.stage = Stage::Ready;
        let available = self.campaign.as_ref().is_some_and(campaign::is_available);
        self.store.set_phase(if available {
            Phase::Idle
        } else {
            Phase::Offline
        });
    }

    fn send_survey(&mut self, value: String, comment: Option<String>) {
        let Some(session) = self.session.as_ref() else {
            web_sys::console::warn_1(&"webchat: no chat session; the survey was not sent".into());
            return;
        };
        let patch = SurveyPatch {
            survey: SurveyAnswer {
                result: value,
                message: comment.filter(|c| !c.trim().is_empty()),
            },
        };
        let Ok(body) = serde_json::to_string(&patch) else {
            return;
        };
        let path = format!("chatsessions/{}", encode_path(&session.id));
        let fut = self.transport.request(Method::Patch, &path, Some(body));
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = match fut.await {
                Ok((status, body)) => api::check_status(status, &body).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(why) = outcome {
                web_sys::console::warn_1(
                    &format!("webchat: the survey was not saved: {why}").into(),
                );
            }
        });
    }

    // ---- starting a chat ----

    fn start_chat(&mut self) {
        if self.stage != Stage::Ready && self.stage != Stage::Starting {
            return;
        }
        let Some(campaign) = self.campaign.as_ref() else {
            return;
        };
        self.stage = Stage::Starting;
        self.store.set_phase(Phase::Connecting);
        let request = ChatSessionRequest {
            campaign_id: campaign.id.clone(),
            tracker_id: Some(self.visitor_id.clone()),
            visitor_identifier: None,
            request_url: self
                .options
                .request_url
                .clone()
                .or_else(|| web_sys::window().and_then(|w| w.location().href().ok())),
            user: None,
        };
        let Ok(body) = serde_json::to_string(&request) else {
            return;
        };
        let transport = self.transport.clone();
        let (epoch, me) = (self.epoch, self.me.clone());
        let reuse = self.session.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // A session created by an earlier attempt (credentials failed) is reused.
            let session = match reuse {
                Some(s) => Ok(s),
                None => match transport
                    .request(Method::Post, "chatsessions", Some(body))
                    .await
                {
                    Ok((s, b)) => {
                        api::parse_response::<ChatSession>(s, &b).map_err(Failure::from_api)
                    }
                    Err(e) => Err(Failure::from_fetch(e)),
                },
            };
            let session = match session {
                Ok(s) => s,
                Err(f) => return Inner::start_failed(&me, epoch, f),
            };
            if let Some(this) = me.upgrade() {
                let mut i = this.borrow_mut();
                if i.epoch != epoch {
                    return;
                }
                i.session = Some(session.clone());
            }
            let req = XmppCredentialsRequest {
                chatsession_id: session.id.clone(),
            };
            let Ok(body) = serde_json::to_string(&req) else {
                return;
            };
            let creds = match transport
                .request(Method::Post, "xmppcredentials", Some(body))
                .await
            {
                Ok((s, b)) => {
                    api::parse_response::<XmppCredentials>(s, &b).map_err(Failure::from_api)
                }
                Err(e) => Err(Failure::from_fetch(e)),
            };
            match creds {
                Ok(c) => {
                    let Some(this) = me.upgrade() else { return };
                    let mut i = this.borrow_mut();
                    if i.epoch == epoch {
                        i.connect(c);
                    }
                }
                Err(f) => Inner::start_failed(&me, epoch, f),
            }
        });
    }

    fn start_failed(me: &Weak<RefCell<Inner>>, epoch: u64, f: Failure) {
        let Some(this) = me.upgrade() else { return };
        let mut i = this.borrow_mut();
        if i.epoch != epoch {
            return;
        }
        match f {
            Failure::Transient(why) => i.retry_later(Retry::StartChat, &why),
            Failure::Api(ApiError::NoAvailability) => {
                i.stage = Stage::Ready;
                i.no_availability();
            }
            Failure::Api(ApiError::CampaignInactive) => i.hide(Hidden::Inactive),
            Failure::Api(e @ (ApiError::Unauthorized | ApiError::NotFound)) => {
                i.hide(Hidden::Api(e))
            }
            Failure::Api(e) => {
                web_sys::console::error_1(&format!("webchat: cannot start the chat: {e}").into());
                i.stage = Stage::Ready;
                i.fail_waiting();
                i.store.set_phase(Phase::Idle);
            }
        }
    }

    /// 409 No Availability (or an unavailable campaign): offline, the visitor's text stays shown.
    fn no_availability(&mut self) {
        self.fail_waiting();
        self.store.set_phase(Phase::Offline);
    }

    /// Marks every message that has not gone out as failed (text kept, retry offered).
    fn fail_waiting(&mut self) {
        for (id, _) in self.outbox.drain(..) {
            self.store.set_message_status(&id, MessageStatus::Failed);
        }
    }

    fn connect(&mut self, creds: XmppCredentials) {
        self.attempt = 0;
        let agent = match Jid::parse(&creds.agent.jid) {
            Ok(j) => j,
            Err(e) => {
                web_sys::console::error_1(
                    &format!(
                        "webchat: the agent's address {:?} is invalid: {e}",
                        creds.agent.jid
                    )
                    .into(),
                );
                self.stage = Stage::Ready;
                self.fail_waiting();
                self.store.set_phase(Phase::Idle);
                return;
            }
        };
        let Some(config) = self.xmpp_config(&creds) else {
            return;
        };
        let nick = creds.agent.nickname.clone();
        let name = Some(creds.agent.firstname.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| nick.clone());
        self.credentials = Some(creds);
        let chat = Chat::new(
            ChatConfig {
                connection: config,
                agent,
                agent_nick: nick,
            },
            clock::now(),
        );
        self.chat = Some(chat);
        self.stage = Stage::Live;
        self.store.set_agent_name(Some(name));
        self.open_link();
        for (id, text) in std::mem::take(&mut self.outbox) {
            self.send_now(id, text);
        }
        self.pump();
    }

    fn xmpp_config(&mut self, creds: &XmppCredentials) -> Option<Config> {
        match entropy::seed() {
            Ok(seed) => {
                let c = &creds.credentials;
                Some(Config::new(
                    &c.user,
                    &c.password,
                    &c.domain,
                    &c.resource,
                    seed,
                ))
            }
            Err(e) => {
                web_sys::console::error_1(&e.to_string().into());
                self.stage = Stage::Ready;
                self.fail_waiting();
                self.store.set_phase(Phase::Idle);
                None
            }
        }
    }

    fn open_link(&mut self) {
        self.link_gen += 1;
        let gen = self.link_gen;
        let me = self.me.clone();
        let on_event = Box::new(move |ev: SocketEvent| {
            if let Some(this) = me.upgrade() {
                this.borrow_mut().on_socket(gen, ev);
            }
        });
        match self
            .transport
            .connect(&self.options.websocket_url, on_event)
        {
            Ok(link) => self.link = Some(link),
            Err(e) => {
                self.link = None;
                // Reported to the core as a closed transport: it decides what that means.
                web_sys::console::warn_1(&format!("webchat: {e}").into());
                if let Some(chat) = self.chat.as_mut() {
                    chat.handle_transport_closed(clock::now());
                }
            }
        }
    }

    fn reconnect(&mut self) {
        if self.stage != Stage::Live {
            return;
        }
        let Some(creds) = self.credentials.clone() else {
            return;
        };
        let Some(config) = self.xmpp_config(&creds) else {
            return;
        };
        let now = clock::now();
        let Some(chat) = self.chat.as_mut() else {
            return;
        };
        if chat.reconnect(config, now).is_err() {
            return;
        }
        self.open_link();
        self.pump();
    }

    // ---- the core ----

    fn on_socket(&mut self, gen: u64, ev: SocketEvent) {
        if gen != self.link_gen {
            return; // an old socket's last words
        }
        let now = clock::now();
        let Some(chat) = self.chat.as_mut() else {
            return;
        };
        match ev {
            SocketEvent::Open => return,
            SocketEvent::Frame(text) => chat.handle_frame(&text, now),
            SocketEvent::Closed { .. } => {
                self.link = None;
                chat.handle_transport_closed(now);
            }
        }
        self.pump();
    }

    fn on_core_timer(&mut self) {
        if let Some(chat) = self.chat.as_mut() {
            chat.handle_timeout(clock::now());
            self.pump();
        }
    }

    fn flush_transmit(&mut self) {
        // Without a socket the frames stay in the core (a reconnect starts a new stream anyway).
        let (Some(chat), Some(link)) = (self.chat.as_mut(), self.link.as_ref()) else {
            return;
        };
        while let Some(frame) = chat.poll_transmit() {
            if let Err(e) = link.send(&frame) {
                web_sys::console::warn_1(&format!("webchat: {e}").into());
            }
        }
    }

    /// Drains the core: frames out, events into the store, the timer re-armed.
    fn pump(&mut self) {
        // Events can produce more frames (and the other way round): loop until both are dry.
        loop {
            self.flush_transmit();
            let Some(ev) = self.chat.as_mut().and_then(Chat::poll_event) else {
                break;
            };
            self.on_event(ev);
        }
        // Without stream management nothing is ever acknowledged: on a live stream, what went
        // out counts as sent.
        let unacked_stream = self
            .chat
            .as_ref()
            .is_some_and(|c| c.resume_state().is_none());
        if unacked_stream
            && !self.in_flight.is_empty()
            && self.store.phase().get_untracked() == Phase::Chatting
        {
            self.mark_all_sent();
        }
        let next = self.chat.as_ref().and_then(Chat::poll_timeout);
        if let Some(timer) = &self.core_timer {
            match next {
                Some(at) => {
                    timer.arm(at.saturating_duration_since(clock::now()).as_millis() as u64);
                }
                None => timer.cancel(),
            }
        }
    }

    fn on_event(&mut self, ev: ChatEvent) {
        let store = self.store;
        match ev {
            ChatEvent::Connected { .. } => {
                self.attempt = 0;
                if self.stage == Stage::Live {
                    store.set_phase(Phase::Chatting);
                }
            }
            ChatEvent::AgentMessage { id, nick, body } => {
                store.add_agent_message(id, nick, body);
            }
            ChatEvent::AgentTyping(typing) => store.set_agent_typing(typing),
            ChatEvent::AgentClosed => {
                if self.stage != Stage::Over {
                    self.stage = Stage::Over;
                    self.fail_waiting();
                    store.chat_ended(EndedBy::Agent);
                }
            }
            ChatEvent::Blocked => {
                self.stage = Stage::Over;
                self.fail_waiting();
                store.blocked();
            }
            ChatEvent::Transferred {
                firstname,
                nickname,
            } => {
                let name = if firstname.trim().is_empty() {
                    nickname
                } else {
                    firstname
                };
                store.agent_transferred(name);
            }
            ChatEvent::AgentUnavailable => store.add_notice(Notice::AgentUnavailable),
            ChatEvent::AgentAvailable => store.add_notice(Notice::AgentAvailable),
            ChatEvent::CobrowsingRequested => {
                store.cobrowse_requested();
            }
            ChatEvent::Delivered(core_id) => {
                if let Some(id) = self.in_flight.remove(&core_id) {
                    self.texts.remove(&id);
                    store.set_message_status(&id, MessageStatus::Sent);
                }
            }
            ChatEvent::History { messages, .. } => {
                for m in messages {
                    if m.from_agent {
                        let nick = m.nick.unwrap_or_else(|| self.agent_nick());
                        store.add_agent_message(m.id, nick, m.body);
                    } else if store.add_visitor_message(m.id.clone(), m.body) {
                        store.set_message_status(&m.id.into(), MessageStatus::Sent);
                    }
                }
            }
            ChatEvent::Disconnected(reason) => self.on_disconnected(reason),
            ChatEvent::Closed => {
                self.link = None;
                if let Some(t) = &self.core_timer {
                    t.cancel();
                }
            }
        }
    }

    fn agent_nick(&self) -> String {
        self.chat
            .as_ref()
            .map(|c| c.agent_nick().to_owned())
            .unwrap_or_default()
    }

    fn mark_all_sent(&mut self) {
        for (_, id) in self.in_flight.drain() {
            self.texts.remove(&id);
            self.store.set_message_status(&id, MessageStatus::Sent);
        }
    }

    fn on_disconnected(&mut self, reason: CloseReason) {
        self.link = None;
        if self.stage != Stage::Live {
            return;
        }
        let fatal = matches!(
            reason,
            CloseReason::AuthFailed { .. } | CloseReason::Sasl(_) | CloseReason::RegisterFailed(_)
        );
        if fatal {
            // These credentials will never work: the chat cannot go on. The text stays, marked
            // failed, and a retry starts a fresh session.
            web_sys::console::error_1(
                &format!("webchat: the chat connection failed: {reason:?}").into(),
            );
            for (_, id) in self.in_flight.drain() {
                self.store.set_message_status(&id, MessageStatus::Failed);
            }
            self.chat = None;
            self.session = None;
            self.credentials = None;
            self.stage = Stage::Ready;
            self.store.set_phase(Phase::Idle);
            return;
        }
        self.store.set_phase(Phase::Reconnecting);
        self.retry_later(Retry::Reconnect, &format!("connection lost ({reason:?})"));
    }
}

/// Tells the host page the visitor's co-browsing answer (`webchat:cobrowsing`, bubbling and
/// composed so a listener on the host or the document sees it).
fn emit_cobrowsing(host: &HtmlElement, accepted: bool) {
    let detail = js_sys::Object::new();
    _ = js_sys::Reflect::set(&detail, &"accepted".into(), &JsValue::from_bool(accepted));
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    init.set_bubbles(true);
    init.set_composed(true);
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(COBROWSING_EVENT, &init) {
        _ = host.dispatch_event(&ev);
    }
}

/// The UI's chat state as the core's.
fn core_state(state: ChatState) -> webchat_protocol::ChatState {
    match state {
        ChatState::Active => webchat_protocol::ChatState::Active,
        ChatState::Composing => webchat_protocol::ChatState::Composing,
        ChatState::Paused => webchat_protocol::ChatState::Paused,
    }
}

/// Percent-encodes an id for a URL path segment (ids are opaque; never trust them to be safe).
fn encode_path(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
