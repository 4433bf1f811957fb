//! The controller: turns what the visitor does ([`UiAction`]) into REST calls and protocol
//! commands, and what the network answers into [`ChatStore`] changes (issue 5's flow), and keeps
//! the visitor's identity and chat across reloads, navigations and dropped networks (issue 7).
//!
//! 1. `GET campaigns/{id}` → config, colour, language, availability (offline state). Inactive,
//!    401 and 404 hide the widget with one console message; network trouble retries with
//!    backoff while the widget shows a calm "connecting" state.
//! 2. The first message is shown at once as "sending", then `POST chatsessions`,
//!    `POST xmppcredentials`, the WebSocket and a [`Chat`]; queued messages go out when
//!    the core has them (acknowledged → "sent"). 409 No Availability → offline, text kept.
//! 3. Core events → store methods and host events ([`crate::events`]); chat states,
//!    co-browsing answers and the end → core commands.
//! 4. The survey → `PATCH chatsessions/{id}` (again when changed).
//! 5. Continuity ([`continuity`]): after every change the chat (session, credentials id,
//!    XEP-0198 state) and the transcript are saved; a new page restores the window from them
//!    before anything is fetched, asks `GET xmppcredentials/{id}`, resumes the stream (or logs in
//!    again and reads the archive) and sends the outbox (`sending` messages) in order. Visitor
//!    messages carry a stable id from the moment they are typed, so nothing is shown or sent
//!    twice. Page unload never ends the chat.
//! 6. Identity ([`identity`]): [`Controller::tag`] attaches a logged-in user (history from the
//!    backend, else from this browser); [`Controller::reset`] ends the chat, forgets every
//!    stored key and makes a new visitor.
//!
//! Every rule about stanzas lives in `webchat_protocol`; this module only moves data between the
//! core, the transports ([`transport`]), the storage and the store. It renders nothing.

pub mod campaign;
pub mod continuity;
pub mod identity;

pub mod transport;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::{Rc, Weak};

use leptos::prelude::GetUntracked;
use web_sys::HtmlElement;
use webchat_protocol::api::{
    self, ApiError, Campaign, ChatSession, ChatSessionRequest, SurveyAnswer, SurveyPatch,
    Transcript, XmppCredentials, XmppCredentialsRequest,
};
use webchat_protocol::connection::CloseReason;
use webchat_protocol::json::Value;
// The `json` module and the `json!` macro.
use webchat_protocol::json;
use webchat_protocol::{Chat, ChatConfig, ChatEvent, Config, Instant, Jid, ResumeState};

use crate::actions::{ActionSink, UiAction};
use crate::adapters::fetch::{FetchError, Method};
use crate::adapters::next_task::NextTask;
use crate::adapters::storage::Storage;
use crate::adapters::tabs::Tabs;
use crate::adapters::timer::Timer;
use crate::adapters::websocket::SocketEvent;
use crate::adapters::{clock, entropy};
use crate::events::{self, Direction, HostEvent};
use crate::i18n::Lang;
use crate::model::saved::{self as saved_entries, SavedEntry};
use crate::model::{
    ChatState, ChatStore, CobrowseState, EndedBy, MessageId, MessageStatus, Notice, Phase, Sender,
    SurveyState,
};
pub use continuity::VISITOR_ID_KEY;
use continuity::{SavedChat, SavedStatus};
pub use identity::{TagError, UserInfo};
use transport::{Link, Transport};

/// How long inbound changes wait before they are saved (batched).
const SAVE_DELAY_MS: u64 = 40;

/// How many of a tagged user's earlier chats are fetched as history.
const HISTORY_CHATS: usize = 5;
/// How many saved entries of earlier chats this browser keeps for a tagged user.
const HISTORY_ENTRIES: usize = 300;

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

/// This tab's part when several tabs share a persistent visitor (see [`Tabs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Not shared (session ids, memory, or no Web Locks): this tab does everything.
    Solo,
    /// Holds the chat's connection and storage; tells the others what to show.
    Leader,
    /// Shows what the leader tells and sends what the visitor does through it.
    Follower,
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
    storage: Storage,
    /// The anonymous visitor id (stored); the `tracker_id` while no user is tagged.
    visitor_id: String,
    /// The tagged user (`CV.user.tag`), stored.
    user: Option<UserInfo>,
    /// Agents' first names by nick (credentials, transfers): bubbles show the first name.
    agent_names: HashMap<String, String>,
    /// Bumped by tag/reset: a history reply for an earlier identity is dropped.
    user_epoch: u64,
    /// A chat saved by an earlier page, continued once the campaign is read.
    restoring: Option<SavedChat>,
    /// A restored chat waiting for `GET xmppcredentials/{id}`: the id and the saved XEP-0198 state.
    restore_creds: Option<(String, Option<ResumeState>)>,
    /// The last resumable state seen (kept while a reconnect is under way, when the new
    /// stream has none yet).
    last_resume: Option<ResumeState>,
    /// What was last written, so unchanged values are not written again.
    written: HashMap<&'static str, String>,
    role: Role,
    tabs: Option<Tabs>,
    /// A follower's messages handed to the leader and not yet in its transcript.
    forwarded: Vec<(MessageId, String)>,
    /// The leader's last view sent to the other tabs.
    view_sent: String,
    /// A follower's survey / co-browsing answer handed to the leader and not yet in its view:
    /// an older view must not show the question again (and so let it be answered twice).
    answered_here: (bool, bool),
    /// A follower: the leader's view shows the co-browsing prompt (an answer is still wanted).
    prompt_open: bool,
    /// A chat ended by a reset, its socket and generation, until the server closed it.
    closing: Option<(Chat, Box<dyn Link>, u64)>,
    stage: Stage,
    campaign: Option<Campaign>,
    /// Bumped whenever a pending async reply must be ignored (new chat, destroy).
    epoch: u64,
    attempt: u32,
    /// Visitor messages waiting for the chat to exist.
    outbox: Vec<(MessageId, String)>,
    /// Stanza id → widget message id (the same text: ids are stable), until delivered.
    in_flight: HashMap<String, MessageId>,
    /// Every visitor text not yet confirmed sent (for Retry).
    texts: HashMap<MessageId, String>,
    session: Option<ChatSession>,
    credentials: Option<XmppCredentials>,
    chat: Option<Chat>,
    link: Option<Box<dyn Link>>,
    link_gen: u64,
    core_timer: Option<Timer>,
    /// When `core_timer` is armed to fire (`None`: not armed).
    core_deadline: Option<Instant>,
    retry_timer: Option<Timer>,
    /// What the retry timer does when it fires.
    retry: Option<Retry>,
    /// Saves what arrived from the server a moment later, in batches (see [`Inner::save_soon`]).
    save_timer: Option<Timer>,
    /// Runs [`Inner::after_task`] in the task after this one; `None` without `MessageChannel`.
    later: Option<NextTask>,
    /// `later` is posted and has not run yet.
    later_posted: bool,
    save_pending: bool,
    /// The composer reported `active`; told to the agent after this task unless a message
    /// (which carries `active` itself) went out first.
    active_pending: bool,
    /// Saves what is still batched when the page goes away (see [`OnPageHide`]).
    page_hide: Option<OnPageHide>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    LoadCampaign,
    StartChat,
    Reconnect,
    /// `GET xmppcredentials/{id}` for a chat restored from storage.
    Restore,
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
    /// A controller for `store` that reads the campaign at once. `storage` holds the visitor id
    /// and the chat (a handle on it is kept); `host` receives DOM events; `on_hide` runs once if
    /// the campaign turns out unusable. A chat saved by an earlier page is shown at once and
    /// continued once the campaign is read.
    pub fn start(
        store: ChatStore,
        transport: Rc<dyn Transport>,
        storage: &Storage,
        host: HtmlElement,
        options: ControllerOptions,
        on_hide: Box<dyn FnOnce()>,
    ) -> Controller {
        let storage = storage.clone();
        let visitor_id = match storage.get(VISITOR_ID_KEY).filter(|v| !v.is_empty()) {
            Some(id) => id,
            None => new_visitor_id(&storage),
        };
        let user = storage
            .get(continuity::USER_KEY)
            .and_then(|u| UserInfo::from_stored(&u));
        // The window comes back exactly as it was, before anything is fetched: no empty flash.
        let transcript = storage
            .get(continuity::TRANSCRIPT_KEY)
            .map(|t| saved_entries::from_json_text(&t))
            .unwrap_or_default();
        let restoring = storage
            .get(continuity::CHAT_KEY)
            .and_then(|c| SavedChat::from_json_text(&c));
        // The campaign's look as an earlier page view read it: the launcher shows at once in
        // its colour and language, while the campaign is read again (which may still change or
        // hide it).
        if let Some(c) = storage
            .get(continuity::CAMPAIGN_KEY)
            .and_then(|text| api::parse_response::<Campaign>(200, &text).ok())
            .filter(|c| c.active)
        {
            store.set_config(campaign::widget_config(&c, options.language));
        }
        store.restore(transcript);
        if storage.get(continuity::OPEN_KEY).as_deref() == Some("1") {
            store.open_window();
        }
        if let Some(name) = restoring.as_ref().and_then(|r| r.agent_name.clone()) {
            store.set_agent_name(Some(name));
        }
        let agent_names = restoring
            .as_ref()
            .map(|r| r.agent_names.iter().cloned().collect())
            .unwrap_or_default();
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Inner>>| {
            let core_me = me.clone();
            let retry_me = me.clone();
            let save_me = me.clone();
            let task_me = me.clone();
            RefCell::new(Inner {
                me: me.clone(),
                store,
                transport,
                options,
                host,
                on_hide: Some(on_hide),
                storage,
                visitor_id,
                user,
                agent_names,
                user_epoch: 0,
                restoring,
                restore_creds: None,
                last_resume: None,
                written: HashMap::new(),
                role: Role::Solo,
                tabs: None,
                forwarded: Vec::new(),
                view_sent: String::new(),
                answered_here: (false, false),
                prompt_open: false,
                closing: None,
                stage: Stage::Loading,
                campaign: None,
                epoch: 0,
                attempt: 0,
                outbox: Vec::new(),
                in_flight: HashMap::new(),
                texts: HashMap::new(),
                session: None,
                credentials: None,
                chat: None,
                link: None,
                link_gen: 0,
                core_deadline: None,
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
                save_timer: Some(Timer::new(move || {
                    if let Some(inner) = save_me.upgrade() {
                        inner.borrow_mut().save();
                    }
                })),
                later: NextTask::new(move || {
                    let Some(inner) = task_me.upgrade() else {
                        return;
                    };
                    // Never re-entered: a save in progress finishes on its own (and posts again).
                    let borrowed = inner.try_borrow_mut();
                    if let Ok(mut i) = borrowed {
                        i.after_task();
                    }
                }),
                later_posted: false,
                save_pending: false,
                active_pending: false,
                page_hide: None,
                retry: None,
            })
        });
        let hide_me = Rc::downgrade(&inner);
        inner.borrow_mut().page_hide = OnPageHide::listen(move || {
            let Some(inner) = hide_me.upgrade() else {
                return;
            };
            // Never re-entered: a save in progress finishes on its own.
            let borrowed = inner.try_borrow_mut();
            if let Ok(mut i) = borrowed {
                if i.save_pending {
                    i.save();
                }
            }
        });
        store.set_phase(Phase::Connecting);
        Inner::join_tabs(&inner);
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

    /// The id sent as `tracker_id`: the visitor id, or the tagged user's stable id.
    pub fn visitor_id(&self) -> String {
        self.inner.borrow().tracker_id()
    }

    /// The tagged user, if any.
    pub fn user(&self) -> Option<UserInfo> {
        self.inner.borrow().user.clone()
    }

    /// `CV.user.tag({...})`: attaches a logged-in user. The same user again changes nothing; a
    /// different user first resets (nothing of the previous one stays). The user's fields go
    /// with the next chat's `POST chatsessions` (`visitor_identifier` = the email) and their
    /// earlier chats are shown (from the backend, else from what this browser kept).
    pub fn tag(&self, user: UserInfo) -> Result<(), TagError> {
        if user.email.trim().is_empty() {
            return Err(TagError::MissingEmail);
        }
        if !identity::is_email(&user.email) {
            return Err(TagError::InvalidEmail(user.email));
        }
        if self
            .inner
            .borrow()
            .forward(json!({"a": "tag", "user": user.to_json()}))
        {
            return Ok(());
        }
        let known = self
            .inner
            .borrow()
            .user
            .as_ref()
            .map(|u| (u.key(), u.signature.clone()));
        match known {
            None => self.attach(user),
            Some((key, signature)) if key == user.key() => {
                // The same user, perhaps now signed: later chats carry the signature.
                if user.signature.is_some() && signature != user.signature {
                    let mut i = self.inner.borrow_mut();
                    i.storage.set(continuity::USER_KEY, &user.to_json());
                    i.user = Some(user);
                }
            }
            Some(_) => {
                self.reset();
                self.attach(user);
            }
        }
        Ok(())
    }

    fn attach(&self, user: UserInfo) {
        {
            let mut i = self.inner.borrow_mut();
            i.storage.set(continuity::USER_KEY, &user.to_json());
            i.user = Some(user);
            i.user_epoch += 1;
        }
        Inner::load_history(&self.inner);
    }

    /// `CV.user.reset()`: ends a chat under way properly (`closed`, then `<close/>`), forgets
    /// every stored key of the visitor and the user, makes a new visitor id and empties the
    /// window. Safe to call twice, or before the campaign is read.
    pub fn reset(&self) {
        if self.inner.borrow().forward(json!({"a": "reset"})) {
            return;
        }
        Inner::reset(&self.inner);
    }

    /// The chat session id, once created.
    pub fn session_id(&self) -> Option<String> {
        self.inner.borrow().session.as_ref().map(|s| s.id.clone())
    }

    /// Handles one visitor action (what the UI's sink does).
    pub fn handle_action(&self, action: UiAction) {
        Inner::action(&self.inner, action);
    }

    /// What a page unload amounts to, for embedders that swap pages without unloading (and for
    /// tests): saves the chat, then lets the socket and the timers go *without* ending the chat,
    /// so the next controller on this storage continues it. The controller does nothing more.
    pub fn suspend(&self) {
        let mut i = self.inner.borrow_mut();
        i.save();
        i.epoch += 1;
        i.stage = Stage::Hidden;
        i.link = None;
        i.chat = None;
        i.core_timer = None;
        i.retry_timer = None;
        i.save_timer = None;
        i.later = None;
        i.page_hide = None;
        i.on_hide = None;
    }

    /// Ends everything: sends `closed` when a chat is live (the visitor left through the page's
    /// code), closes the socket, stops timers and ignores pending replies.
    pub fn shutdown(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.epoch += 1;
        if let Some(chat) = inner.chat.as_mut() {
            chat.close(clock::now());
            // Ended on purpose: a later page must not try to continue it.
            inner.stage = Stage::Over;
            inner.save();
        }
        if inner.save_pending {
            inner.save();
        }
        inner.flush_transmit();
        inner.link = None;
        inner.chat = None;
        inner.core_timer = None;
        inner.retry_timer = None;
        inner.save_timer = None;
        inner.later = None;
        inner.page_hide = None;
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
        let fut = transport.request(Method::Get, &path, Vec::new(), None);
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            let mut i = this.borrow_mut();
            if i.epoch != epoch {
                return;
            }
            let result = reply.map_err(Failure::from_fetch).and_then(|(s, b)| {
                api::parse_response::<Campaign>(s, &b)
                    .map(|c| (c, b))
                    .map_err(Failure::from_api)
            });
            match result {
                Ok((c, _)) if !c.active => i.hide(Hidden::Inactive),
                Ok((c, text)) => {
                    i.storage.set(continuity::CAMPAIGN_KEY, &text);
                    i.apply_campaign(c)
                }
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
        self.emit(HostEvent::Ready);
        if self.role == Role::Follower {
            // The leader tab holds the chat; ask it what to show.
            self.restoring = None;
            self.store.set_phase(if available {
                Phase::Idle
            } else {
                Phase::Offline
            });
            self.forward(json!({"a": "hello"}));
            return;
        }
        if let Some(saved) = self.restoring.take() {
            return self.continue_saved(saved, available);
        }
        self.requeue_saved_outbox();
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
        // Not remembered: the next page view must not show a launcher that then goes away.
        self.storage.remove(continuity::CAMPAIGN_KEY);
        let message = format!(
            "webchat: hidden: {why} (campaign {})",
            self.options.campaign
        );
        web_sys::console::error_1(&message.as_str().into());
        self.emit(HostEvent::Error { message });
        if let Some(hide) = self.on_hide.take() {
            hide();
        }
    }

    fn retry_later(&mut self, what: Retry, why: &str) {
        self.attempt = self.attempt.saturating_add(1);
        let delay = backoff_ms(self.attempt, random_fraction());
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
            Some(Retry::Restore) => this.borrow_mut().fetch_saved_credentials(),
            None => {}
        }
        this.borrow_mut().save();
    }

    // ---- identity and continuity ----

    fn emit(&self, event: HostEvent) {
        events::emit(&self.host, &event);
    }

    /// The `tracker_id`: the tagged user's stable id, else the visitor id.
    fn tracker_id(&self) -> String {
        match &self.user {
            Some(u) => u.tracker_id(),
            None => self.visitor_id.clone(),
        }
    }

    /// Writes `value` under `key` (or removes it), unless that is what the storage holds.
    fn put(&mut self, key: &'static str, value: Option<String>) {
        let value = value.unwrap_or_default();
        if self.written.get(key) == Some(&value) {
            return;
        }
        if value.is_empty() {
            self.storage.remove(key);
        } else {
            self.storage.set(key, &value);
        }
        self.written.insert(key, value);
    }

    /// Saves the chat and the transcript as they are now (see [`continuity`]).
    fn save(&mut self) {
        if std::mem::take(&mut self.save_pending) {
            if let Some(t) = &self.save_timer {
                t.cancel();
            }
        }
        // Until the campaign is read, what an earlier page saved is still to be continued.
        if matches!(self.stage, Stage::Loading | Stage::Hidden) || self.role == Role::Follower {
            return;
        }
        if let Some(r) = self.chat.as_ref().and_then(Chat::resume_state) {
            self.last_resume = Some(r);
        }
        let agent_name = self.store.agent_name().get_untracked();
        let chat = match (self.stage, &self.session) {
            (Stage::Starting | Stage::Live, Some(session)) => Some(SavedChat {
                status: SavedStatus::Live,
                session: Some(session.clone()),
                credentials_id: self
                    .credentials
                    .as_ref()
                    .map(|c| c.id.clone())
                    .or_else(|| self.restore_creds.as_ref().map(|(id, _)| id.clone())),
                resume: match &self.chat {
                    Some(_) => self.last_resume.clone(),
                    None => self.restore_creds.as_ref().and_then(|(_, r)| r.clone()),
                },
                agent_name,
                agent_names: self.sorted_agent_names(),
            }),
            (Stage::Over, Some(session)) => Some(SavedChat {
                status: if self.store.phase().get_untracked() == Phase::Blocked {
                    SavedStatus::Blocked
                } else {
                    SavedStatus::Ended
                },
                session: Some(session.clone()),
                credentials_id: None,
                resume: None,
                agent_name,
                agent_names: Vec::new(),
            }),
            _ => None,
        };
        self.put(continuity::CHAT_KEY, chat.map(|c| c.to_json_text()));
        let entries = self.store.snapshot();
        let transcript = (!entries.is_empty()).then(|| saved_entries::to_json_text(&entries));
        self.put(continuity::TRANSCRIPT_KEY, transcript);
        let open = self.store.is_open().get_untracked().then(|| "1".to_owned());
        self.put(continuity::OPEN_KEY, open);
        if self.role == Role::Leader {
            self.send_view(false);
        }
    }

    /// Visitor messages restored as `sending` are the outbox: queue them (once, in order);
    /// failed ones can be retried.
    fn requeue_saved_outbox(&mut self) {
        for entry in self.store.snapshot() {
            if let SavedEntry::Message {
                id,
                sender: Sender::Visitor,
                text,
                status,
                ..
            } = entry
            {
                let id = MessageId(id);
                if self.texts.contains_key(&id) {
                    continue;
                }
                match status {
                    MessageStatus::Sending => {
                        self.texts.insert(id.clone(), text.clone());
                        self.outbox.push((id, text));
                    }
                    MessageStatus::Failed => {
                        self.texts.insert(id, text);
                    }
                    MessageStatus::Sent => {}
                }
            }
        }
    }

    /// Continues the chat an earlier page saved (the campaign is read now).
    fn continue_saved(&mut self, saved: SavedChat, available: bool) {
        self.requeue_saved_outbox();
        match saved.status {
            SavedStatus::Live => match (saved.session, saved.credentials_id) {
                (Some(session), Some(cid)) => {
                    self.session = Some(session);
                    self.stage = Stage::Starting;
                    self.store.set_phase(Phase::Connecting);
                    self.restore_creds = Some((cid, saved.resume));
                    self.fetch_saved_credentials();
                }
                (Some(session), None) => {
                    // Created, but the credentials never came: finish starting that session.
                    self.session = Some(session);
                    self.start_chat();
                }
                (None, _) if !self.outbox.is_empty() && available => self.start_chat(),
                (None, _) => self.store.set_phase(if available {
                    Phase::Idle
                } else {
                    Phase::Offline
                }),
            },
            SavedStatus::Ended | SavedStatus::Blocked => {
                self.session = saved.session;
                self.stage = Stage::Over;
                self.fail_waiting();
                self.store
                    .set_phase(if saved.status == SavedStatus::Blocked {
                        Phase::Blocked
                    } else {
                        Phase::Ended
                    });
            }
        }
        self.save();
    }

    /// `GET xmppcredentials/{id}` for a restored chat, then the connection (resumed if it can).
    fn fetch_saved_credentials(&mut self) {
        let Some((cid, _)) = self.restore_creds.as_ref() else {
            return;
        };
        let path = format!("xmppcredentials/{}", encode_path(cid));
        let proof = identity::visitor_proof(self.session.as_ref());
        let fut = self.transport.request(Method::Get, &path, proof, None);
        let (epoch, me) = (self.epoch, self.me.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            let mut i = this.borrow_mut();
            if i.epoch != epoch || i.restore_creds.is_none() {
                return;
            }
            let result = reply.map_err(Failure::from_fetch).and_then(|(s, b)| {
                api::parse_response::<XmppCredentials>(s, &b).map_err(Failure::from_api)
            });
            match result {
                Ok(creds) => {
                    let resume = i.restore_creds.take().and_then(|(_, r)| r);
                    i.connect(creds, Some(resume));
                }
                Err(Failure::Transient(why)) => i.retry_later(Retry::Restore, &why),
                Err(Failure::Api(e)) => {
                    // The backend forgot this chat: the transcript stays, and what the visitor
                    // still had to send starts a new chat.
                    web_sys::console::warn_1(
                        &format!(
                            "webchat: the saved chat cannot be continued ({e}); starting afresh"
                        )
                        .into(),
                    );
                    i.restore_creds = None;
                    i.session = None;
                    i.stage = Stage::Ready;
                    if i.outbox.is_empty() {
                        let available = i.campaign.as_ref().is_some_and(campaign::is_available);
                        i.store.set_phase(if available {
                            Phase::Idle
                        } else {
                            Phase::Offline
                        });
                    } else {
                        i.start_chat();
                    }
                }
            }
            i.save();
        });
    }

    /// A tagged user's ended chat is kept by this browser (the history when the backend has
    /// none).
    fn keep_as_history(&mut self) {
        if self.user.is_none() {
            return;
        }
        let mut kept = self
            .storage
            .get(continuity::HISTORY_KEY)
            .map(|h| saved_entries::from_json_text(&h))
            .unwrap_or_default();
        // The window may already be empty (the UI clears it before asking for a new chat):
        // what was last saved is the ended chat.
        let ended = self
            .written
            .get(continuity::TRANSCRIPT_KEY)
            .map(|t| saved_entries::from_json_text(t))
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| self.store.snapshot());
        kept.extend(as_earlier_chat(ended));
        let excess = kept.len().saturating_sub(HISTORY_ENTRIES);
        kept.drain(..excess);
        self.put(
            continuity::HISTORY_KEY,
            Some(saved_entries::to_json_text(&kept)),
        );
    }

    /// Shows a tagged user's earlier chats: `GET chatsessions?tracker_id=…&campaign_id=…` and
    /// each one's transcript (our extension), proven by the user's signature. Without a
    /// signature, or when the backend serves no such history (404, 403, no network): what this
    /// browser kept.
    fn load_history(this: &Rc<RefCell<Inner>>) {
        let (transport, tracker, campaign, proof, user_epoch, me, current) = {
            let i = this.borrow();
            (
                i.transport.clone(),
                i.tracker_id(),
                i.options.campaign.clone(),
                i.user.as_ref().and_then(UserInfo::signature_proof),
                i.user_epoch,
                i.me.clone(),
                i.session.as_ref().map(|s| s.id.clone()),
            )
        };
        wasm_bindgen_futures::spawn_local(async move {
            let Some(proof) = proof else {
                web_sys::console::warn_1(
                    &"webchat: CV.user.tag() without a `signature`: the user's chats from other browsers are not shown (the site's server signs its users; see \"Signed identity\" in the README)".into(),
                );
                return Inner::show_history(&me, user_epoch, None);
            };
            let path = format!(
                "chatsessions?tracker_id={}&campaign_id={}",
                encode_path(&tracker),
                encode_path(&campaign)
            );
            let listed = match transport
                .request(Method::Get, &path, proof.clone(), None)
                .await
            {
                Ok((s, b)) => api::parse_response::<Vec<ChatSession>>(s, &b).map_err(|e| {
                    // A backend without the extension says 404; anything else is worth a warning.
                    let worth_a_warning = !matches!(e, ApiError::NotFound);
                    (e.to_string(), worth_a_warning)
                }),
                Err(e) => Err((e.to_string(), false)),
            };
            let entries = match listed {
                Ok(sessions) => {
                    let mut chosen: Vec<ChatSession> = sessions
                        .into_iter()
                        .filter(|s| Some(&s.id) != current.as_ref())
                        .take(HISTORY_CHATS)
                        .collect();
                    chosen.reverse(); // oldest first
                    let mut entries = Vec::new();
                    for s in chosen {
                        let path = format!("chatsessions/{}/transcript", encode_path(&s.id));
                        let reply = transport
                            .request(Method::Get, &path, proof.clone(), None)
                            .await;
                        let transcript = reply.map_err(|e| e.to_string()).and_then(|(s, b)| {
                            api::parse_response::<Transcript>(s, &b).map_err(|e| e.to_string())
                        });
                        match transcript {
                            Ok(t) => entries.extend(as_earlier_chat(transcript_entries(&t))),
                            Err(why) => web_sys::console::warn_1(
                                &format!("webchat: an earlier chat was left out ({why})").into(),
                            ),
                        }
                    }
                    Some(entries)
                }
                Err((why, true)) => {
                    // Refused or unreadable: say why, once; the chat goes on.
                    web_sys::console::warn_1(
                        &format!("webchat: no chat history for this user ({why}); a 403 means the backend did not accept the `signature` given to CV.user.tag()").into(),
                    );
                    None
                }
                Err((why, false)) => {
                    web_sys::console::info_1(
                        &format!("webchat: no chat history from the backend ({why}); showing what this browser kept").into(),
                    );
                    None
                }
            };
            Inner::show_history(&me, user_epoch, entries);
        });
    }

    /// Puts a user's earlier chats above the conversation: `entries` from the backend, or with
    /// `None` what this browser kept. Dropped when the user changed meanwhile.
    fn show_history(me: &Weak<RefCell<Inner>>, user_epoch: u64, entries: Option<Vec<SavedEntry>>) {
        let Some(this) = me.upgrade() else { return };
        let mut i = this.borrow_mut();
        if i.user_epoch != user_epoch {
            return;
        }
        let entries = entries.unwrap_or_else(|| {
            let kept = i
                .storage
                .get(continuity::HISTORY_KEY)
                .map(|h| saved_entries::from_json_text(&h))
                .unwrap_or_default();
            // Kept without a separator where the chat began: one is added.
            match kept.first() {
                Some(SavedEntry::Notice(Notice::EarlierChat { .. })) | None => kept,
                Some(_) => {
                    let mut with = vec![SavedEntry::Notice(Notice::EarlierChat {
                        at_ms: first_time(&kept),
                    })];
                    with.extend(kept);
                    with
                }
            }
        });
        i.store.prepend_history(entries);
        i.save();
    }

    /// `CV.user.reset()`.
    fn reset(this: &Rc<RefCell<Inner>>) {
        let mut i = this.borrow_mut();
        let live = i.stage == Stage::Live && i.chat.as_ref().is_some_and(|c| !c.is_ended());
        if let Some(chat) = i.chat.as_mut() {
            chat.close(clock::now());
        }
        // `closed` and `<close/>` leave now; the old stream finishes on its own (the server's
        // `<close/>`, then the socket) while everything else starts afresh.
        i.flush_transmit();
        let old = (i.chat.take(), i.link.take());
        if let (Some(chat), Some(link)) = old {
            if !chat.is_ended() {
                let gen = i.link_gen;
                i.closing = Some((chat, link, gen));
            }
        }
        i.session = None;
        i.credentials = None;
        i.restoring = None;
        i.restore_creds = None;
        i.last_resume = None;
        i.outbox.clear();
        i.in_flight.clear();
        i.texts.clear();
        i.cancel_core_timer();
        if i.retry != Some(Retry::LoadCampaign) {
            i.retry = None;
        }
        if matches!(
            i.stage,
            Stage::Ready | Stage::Starting | Stage::Live | Stage::Over
        ) {
            // Replies for the old chat (session, credentials) are ignored from now on.
            i.epoch += 1;
            i.stage = Stage::Ready;
        }
        // A save still pending from before would write the old chat back.
        i.save_pending = false;
        i.active_pending = false;
        if let Some(t) = &i.save_timer {
            t.cancel();
        }
        i.storage.clear_all();
        i.written.clear();
        i.visitor_id = new_visitor_id(&i.storage);
        i.user = None;
        i.user_epoch += 1;
        i.store.reset();
        let phase = match i.stage {
            Stage::Loading => Phase::Connecting,
            _ if i.campaign.as_ref().is_some_and(campaign::is_available) => Phase::Idle,
            _ => Phase::Offline,
        };
        if i.stage != Stage::Hidden {
            i.store.set_phase(phase);
        }
        if live {
            i.emit(HostEvent::ChatEnded {
                by: events::EndedBy::Visitor,
            });
        }
    }

    // ---- tabs sharing a persistent visitor ----

    /// With `localStorage` ids, every tab of the profile joins one group: the tab holding the
    /// lock runs the chat, the others mirror it (see [`Tabs`]).
    fn join_tabs(this: &Rc<RefCell<Inner>>) {
        let name = {
            let i = this.borrow();
            if !i.storage.is_shared() {
                return;
            }
            format!("webchat:{}", i.options.campaign)
        };
        let (leader_me, message_me) = (Rc::downgrade(this), Rc::downgrade(this));
        let tabs = Tabs::join(
            &name,
            move || {
                if let Some(this) = leader_me.upgrade() {
                    Inner::become_leader(&this);
                }
            },
            move |text| {
                if let Some(this) = message_me.upgrade() {
                    Inner::on_tab_message(&this, &text);
                }
            },
        );
        let mut i = this.borrow_mut();
        if let Some(tabs) = tabs {
            // A follower until the lock says otherwise (at once, for the first tab).
            i.role = if tabs.is_leader() {
                Role::Leader
            } else {
                Role::Follower
            };
            i.tabs = Some(tabs);
        }
    }

    /// Sends a message to the leader when this tab is a follower; false otherwise.
    fn forward(&self, message: Value) -> bool {
        if self.role != Role::Follower {
            return false;
        }
        if let Some(tabs) = &self.tabs {
            tabs.post(&json!({"to": "leader", "m": message}).to_string());
        }
        true
    }

    /// What a follower does with the visitor's actions: shown here, carried out by the leader.
    fn follower_action(&mut self, action: UiAction) {
        let message = match action {
            UiAction::SendText(text) => {
                if !self.store.phase().get_untracked().can_write() {
                    return;
                }
                let id = MessageId(message_id());
                let at = wall_ms();
                self.store
                    .add_visitor_message_at(id.clone(), text.clone(), Some(at));
                self.emit(HostEvent::Message {
                    direction: Direction::Visitor,
                    sender: "visitor".to_owned(),
                    text: text.clone(),
                    id: id.0.clone(),
                });
                self.forwarded.push((id.clone(), text.clone()));
                json!({"a": "send", "id": id.0, "text": text, "at": at})
            }
            UiAction::Retry(id) => {
                let Some((_, text)) = self.forwarded.iter().find(|(f, _)| *f == id).cloned() else {
                    return;
                };
                json!({"a": "send", "id": id.0, "text": text})
            }
            UiAction::ChatState(state) => json!({"a": "chat_state", "s": match state {
                ChatState::Active => "active",
                ChatState::Composing => "composing",
                ChatState::Paused => "paused",
            }}),
            UiAction::EndChat => json!({"a": "end"}),
            UiAction::StartNewChat => json!({"a": "new_chat"}),
            UiAction::SurveyAnswer { value, comment } => {
                self.answered_here.0 = true;
                json!({"a": "survey", "value": value, "comment": comment})
            }
            UiAction::CobrowseAnswer { accepted } => {
                // Answered once, in one tab: a second press (here or after another tab
                // answered) neither reaches the agent nor the page again.
                if !self.prompt_open || self.answered_here.1 {
                    return;
                }
                self.answered_here.1 = true;
                self.emit(if accepted {
                    HostEvent::CobrowsingAccepted
                } else {
                    HostEvent::CobrowsingDenied
                });
                json!({"a": "cobrowse", "accepted": accepted})
            }
            UiAction::Open => return self.emit(HostEvent::Open),
            UiAction::Minimise => return self.emit(HostEvent::Close),
        };
        self.forward(message);
    }

    /// The leader's view for the other tabs; sent when it changed (or when asked).
    fn send_view(&mut self, force: bool) {
        let view = json!({
            "phase": phase_name(self.store.phase().get_untracked()),
            "typing": self.store.agent_typing().get_untracked(),
            "agent": self.store.agent_name().get_untracked(),
            // Carried in the message: another tab may see the storage write later than this.
            "transcript": self.written.get(continuity::TRANSCRIPT_KEY),
            "visitor_id": self.visitor_id,
            "user": self.user.as_ref().map(UserInfo::to_json),
            "survey": survey_to_json(&self.store.survey().get_untracked()),
            "cobrowse": cobrowse_name(self.store.cobrowse().get_untracked()),
        })
        .to_string();
        if !force && view == self.view_sent {
            return;
        }
        if let Some(tabs) = &self.tabs {
            tabs.post(&json!({"to": "followers", "view": view}).to_string());
        }
        self.view_sent = view;
    }

    fn on_tab_message(this: &Rc<RefCell<Inner>>, text: &str) {
        let Ok(msg) = json::parse(text) else {
            return;
        };
        let role = this.borrow().role;
        match (msg.get("to").and_then(Value::as_str), role) {
            (Some("leader"), Role::Leader) => {
                if let Some(m) = msg.get("m") {
                    Inner::leader_handles(this, m);
                }
            }
            (Some("followers"), Role::Follower) => {
                let view = msg
                    .get("view")
                    .and_then(Value::as_str)
                    .and_then(|v| json::parse(v).ok());
                if let Some(view) = view {
                    this.borrow_mut().follow(&view);
                }
            }
            _ => {}
        }
    }

    /// A follower shows what the leader has: transcript, phase, typing, agent, identity.
    fn follow(&mut self, view: &Value) {
        let entries = view
            .get("transcript")
            .and_then(Value::as_str)
            .map(saved_entries::from_json_text)
            .unwrap_or_default();
        let known: Vec<String> = entries
            .iter()
            .filter_map(|e| match e {
                SavedEntry::Message { id, .. } => Some(id.clone()),
                SavedEntry::Notice(_) => None,
            })
            .collect();
        self.forwarded.retain(|(id, _)| !known.contains(&id.0));
        let before = self.store.agent_typing().get_untracked();
        self.store.sync(entries);
        for (id, text) in &self.forwarded {
            // Still on its way to the leader: keep showing it.
            self.store
                .add_visitor_message_at(id.clone(), text.clone(), Some(wall_ms()));
        }
        if let Some(phase) = view
            .get("phase")
            .and_then(Value::as_str)
            .and_then(phase_from)
        {
            self.store.set_phase(phase);
        }
        let typing = view.get("typing").and_then(Value::as_bool).unwrap_or(false);
        if typing != before {
            self.store.set_agent_typing(typing);
        }
        let agent = view.get("agent").and_then(Value::as_str).map(str::to_owned);
        if agent != self.store.agent_name().get_untracked() {
            self.store.set_agent_name(agent);
        }
        // The survey and the co-browsing prompt are the leader's too: answered in any tab,
        // answered in all.
        let mut survey = view.get("survey").map(survey_from_json).unwrap_or_default();
        let mut cobrowse = view
            .get("cobrowse")
            .and_then(Value::as_str)
            .and_then(cobrowse_from)
            .unwrap_or_default();
        if survey == SurveyState::Open && self.answered_here.0 {
            survey = self.store.survey().get_untracked();
        } else {
            self.answered_here.0 = false;
        }
        self.prompt_open = cobrowse == CobrowseState::Requested;
        if cobrowse == CobrowseState::Requested && self.answered_here.1 {
            cobrowse = self.store.cobrowse().get_untracked();
        } else {
            self.answered_here.1 = false;
        }
        self.store.mirror_prompts(survey, cobrowse);
        // The leader may have reset or tagged: the identity is the leader's.
        if let Some(id) = view
            .get("visitor_id")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            self.visitor_id = id.to_owned();
        }
        self.user = view
            .get("user")
            .and_then(Value::as_str)
            .and_then(UserInfo::from_stored);
    }

    /// The leader carries out what a follower's visitor did.
    fn leader_handles(this: &Rc<RefCell<Inner>>, m: &Value) {
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
        match text("a").as_deref() {
            Some("hello") => this.borrow_mut().send_view(true),
            Some("send") => {
                let (Some(id), Some(body)) = (text("id"), text("text")) else {
                    return;
                };
                let mut i = this.borrow_mut();
                let id = MessageId(id);
                let at = m.get("at").and_then(Value::as_u64).or(Some(wall_ms()));
                if i.texts.contains_key(&id)
                    || !i.store.add_visitor_message_at(id.clone(), body.clone(), at)
                {
                    return; // already on its way (a retry or a repeat)
                }
                if matches!(i.stage, Stage::Hidden | Stage::Over) {
                    i.store.set_message_status(&id, MessageStatus::Failed);
                } else {
                    i.texts.insert(id.clone(), body.clone());
                    i.submit(id, body);
                }
                i.save();
            }
            Some("chat_state") => {
                let state = match text("s").as_deref() {
                    Some("composing") => ChatState::Composing,
                    Some("paused") => ChatState::Paused,
                    _ => ChatState::Active,
                };
                Inner::action(this, UiAction::ChatState(state));
            }
            Some("end") => Inner::action(this, UiAction::EndChat),
            Some("new_chat") => {
                this.borrow().store.start_new_chat();
                Inner::action(this, UiAction::StartNewChat);
            }
            Some("survey") => {
                let Some(value) = text("value") else { return };
                let comment = text("comment");
                this.borrow()
                    .store
                    .survey_submitted(value.clone(), comment.clone());
                Inner::action(this, UiAction::SurveyAnswer { value, comment });
            }
            Some("cobrowse") => {
                let accepted = m.get("accepted").and_then(Value::as_bool).unwrap_or(false);
                let mut i = this.borrow_mut();
                // Two tabs answering at once: the first answer counts.
                if i.store.cobrowse().get_untracked() == CobrowseState::Requested {
                    i.store.cobrowse_answered(accepted);
                    // The tab where the visitor answered has told its page already.
                    i.answer_cobrowsing(accepted);
                }
            }
            Some("reset") => {
                Inner::reset(this);
                this.borrow_mut().send_view(true);
            }
            Some("tag") => {
                let user = text("user").and_then(|u| UserInfo::from_stored(&u));
                if let Some(user) = user {
                    let controller = Controller {
                        inner: this.clone(),
                    };
                    let _ = controller.tag(user);
                    this.borrow_mut().send_view(true);
                }
            }
            _ => {}
        }
    }

    /// The lock came to this tab: it now holds the chat. What the previous leader saved is
    /// continued (the stream resumed), and what this tab had handed over and not seen
    /// confirmed is sent.
    fn become_leader(this: &Rc<RefCell<Inner>>) {
        let mut i = this.borrow_mut();
        if i.role == Role::Leader {
            return;
        }
        i.role = Role::Leader;
        let saved = i
            .storage
            .get(continuity::CHAT_KEY)
            .and_then(|c| SavedChat::from_json_text(&c));
        match i.stage {
            Stage::Hidden => {}
            Stage::Loading => i.restoring = saved,
            _ => {
                let entries = i
                    .storage
                    .get(continuity::TRANSCRIPT_KEY)
                    .map(|t| saved_entries::from_json_text(&t))
                    .unwrap_or_default();
                i.store.sync(entries);
                for (id, text) in std::mem::take(&mut i.forwarded) {
                    if i.store
                        .add_visitor_message_at(id.clone(), text, Some(wall_ms()))
                    {
                        i.store.set_message_status(&id, MessageStatus::Sending);
                    }
                }
                let available = i.campaign.as_ref().is_some_and(campaign::is_available);
                match saved {
                    Some(saved) => i.continue_saved(saved, available),
                    None => {
                        i.requeue_saved_outbox();
                        if !i.outbox.is_empty() && i.stage == Stage::Ready {
                            i.start_chat();
                        }
                        i.save();
                    }
                }
            }
        }
    }

    // ---- visitor actions ----

    fn action(this: &Rc<RefCell<Inner>>, action: UiAction) {
        if this.borrow().role == Role::Follower {
            return this.borrow_mut().follower_action(action);
        }
        if let UiAction::CobrowseAnswer { accepted } = action {
            let host = {
                let mut i = this.borrow_mut();
                i.answer_cobrowsing(accepted);
                i.host.clone()
            };
            let event = if accepted {
                HostEvent::CobrowsingAccepted
            } else {
                HostEvent::CobrowsingDenied
            };
            events::emit(&host, &event);
            return;
        }
        let mut i = this.borrow_mut();
        match action {
            UiAction::SendText(text) => i.send_text(text),
            UiAction::Retry(id) => i.retry_message(id),
            // The composer reports `active` just before the message on Enter; the message
            // carries `active` itself (XEP-0085), so the state waits for the end of the task and
            // the chat drops it as already said. Alone (text cleared) it goes out then.
            UiAction::ChatState(ChatState::Active) if i.post_later() => i.active_pending = true,
            UiAction::ChatState(state) => {
                i.active_pending = false;
                i.tell_chat_state(state);
            }
            UiAction::EndChat => i.end_chat(),
            UiAction::StartNewChat => i.start_new_chat(),
            UiAction::SurveyAnswer { value, comment } => i.send_survey(value, comment),
            UiAction::Open => i.emit(HostEvent::Open),
            UiAction::Minimise => i.emit(HostEvent::Close),
            UiAction::CobrowseAnswer { .. } => {}
        }
        i.save_next();
    }

    /// Sends the visitor's co-browsing answer to the agent and tells the other tabs.
    fn answer_cobrowsing(&mut self, accepted: bool) {
        if let Some(chat) = self.chat.as_mut() {
            if chat.answer_cobrowsing(accepted, clock::now()).is_err() {
                web_sys::console::warn_1(
                    &"webchat: the chat has ended; the co-browsing answer was not sent".into(),
                );
            }
            self.pump();
        }
        self.save();
    }

    fn send_text(&mut self, text: String) {
        if matches!(self.stage, Stage::Hidden | Stage::Over) {
            return;
        }
        // The id is the stanza id too, fixed from now on: a reload re-sends the message under
        // it, and the archive's copy and the acknowledgement are recognised by it.
        let id = MessageId(message_id());
        self.store
            .add_visitor_message_at(id.clone(), text.clone(), Some(wall_ms()));
        self.texts.insert(id.clone(), text.clone());
        let sender = self
            .user
            .as_ref()
            .map(|u| u.firstname.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "visitor".to_owned());
        let event = HostEvent::Message {
            direction: Direction::Visitor,
            sender,
            text: text.clone(),
            id: id.0.clone(),
        };
        // On its way first: the page's listeners run inside the event's dispatch.
        self.submit(id, text);
        self.emit(event);
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
        match chat.send_message_with_id(&id.0, &text, clock::now()) {
            Ok(()) => {
                self.in_flight.insert(id.0.clone(), id);
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
        self.emit(HostEvent::ChatEnded {
            by: events::EndedBy::Visitor,
        });
    }

    fn start_new_chat(&mut self) {
        if self.stage != Stage::Over || self.store.phase().get_untracked() == Phase::Blocked {
            return;
        }
        self.keep_as_history();
        self.epoch += 1;
        self.link = None;
        self.chat = None;
        self.session = None;
        self.credentials = None;
        self.in_flight.clear();
        self.texts.clear();
        self.outbox.clear();
        self.cancel_core_timer();
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
        let body = json::to_string(&patch);
        self.emit(HostEvent::SurveySubmitted {
            result: patch.survey.result.clone(),
            comment: patch.survey.message.clone(),
        });
        let path = format!("chatsessions/{}", encode_path(&session.id));
        let proof = identity::visitor_proof(Some(session));
        let fut = self
            .transport
            .request(Method::Patch, &path, proof, Some(body));
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
            tracker_id: Some(self.tracker_id()),
            visitor_identifier: self.user.as_ref().map(|u| u.email.clone()),
            request_url: self
                .options
                .request_url
                .clone()
                .or_else(|| web_sys::window().and_then(|w| w.location().href().ok())),
            user: self.user.as_ref().map(UserInfo::to_api),
        };
        let body = json::to_string(&request);
        let transport = self.transport.clone();
        let (epoch, me) = (self.epoch, self.me.clone());
        let reuse = self.session.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // A session created by an earlier attempt (credentials failed) is reused.
            let session = match reuse {
                Some(s) => Ok(s),
                None => match transport
                    .request(Method::Post, "chatsessions", Vec::new(), Some(body))
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
                if i.session.is_none() {
                    i.emit(HostEvent::ChatStarted {
                        session_id: session.id.clone(),
                    });
                }
                i.session = Some(session.clone());
                i.save();
            }
            let req = XmppCredentialsRequest {
                chatsession_id: session.id.clone(),
            };
            let body = json::to_string(&req);
            let proof = identity::visitor_proof(Some(&session));
            let creds = match transport
                .request(Method::Post, "xmppcredentials", proof, Some(body))
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
                        i.connect(c, None);
                        i.save();
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
        i.start_failure(f);
        i.save();
    }

    fn start_failure(&mut self, f: Failure) {
        let i = self;
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
                let message = format!("webchat: cannot start the chat: {e}");
                web_sys::console::error_1(&message.as_str().into());
                i.emit(HostEvent::Error { message });
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

    /// Starts the chat's XMPP side with `creds`; `restored` carries the XEP-0198 state of a
    /// chat saved by an earlier page (then the transcript already shown is remembered, the
    /// archive is read when the stream cannot be resumed, and the outbox goes out in order).
    fn connect(&mut self, creds: XmppCredentials, restored: Option<Option<ResumeState>>) {
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
        let Some(mut config) = self.xmpp_config(&creds) else {
            return;
        };
        let resume = restored.clone().flatten();
        config.resume = resume.clone();
        let nick = creds.agent.nickname.clone();
        self.learn_name(&nick, &creds.agent.firstname);
        let name = self.shown_name(&nick);
        self.credentials = Some(creds);
        let mut chat = Chat::new(
            ChatConfig {
                connection: config,
                agent,
                agent_nick: nick,
            },
            clock::now(),
        );
        if restored.is_some() {
            let (own, agent) = shown_ids(&self.store.snapshot());
            chat.remember(own, agent);
            chat.fetch_history_when_connected();
            // Messages the saved session had sent but not had acknowledged are re-sent by the
            // resumed stream itself (or by the chat when resumption is refused).
            let handed: Vec<String> = resume.map(|r| r.unacked_ids()).unwrap_or_default();
            self.outbox.retain(|(id, _)| {
                if handed.contains(&id.0) {
                    self.in_flight.insert(id.0.clone(), id.clone());
                    false
                } else {
                    true
                }
            });
        }
        self.chat = Some(chat);
        self.stage = Stage::Live;
        // A restored chat keeps the name it had (a transfer may have changed it).
        if restored.is_none() || self.store.agent_name().get_untracked().is_none() {
            self.store.set_agent_name(Some(name));
        }
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
        if self.closing.as_ref().is_some_and(|c| c.2 == gen) {
            return self.on_closing_socket(ev);
        }
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

    /// The last frames of a stream left by a reset: answered until the server closes it.
    fn on_closing_socket(&mut self, ev: SocketEvent) {
        let Some((chat, link, _)) = self.closing.as_mut() else {
            return;
        };
        let now = clock::now();
        match ev {
            SocketEvent::Open => {}
            SocketEvent::Frame(text) => chat.handle_frame(&text, now),
            SocketEvent::Closed { .. } => chat.handle_transport_closed(now),
        }
        while let Some(frame) = chat.poll_transmit() {
            let _ = link.send(&frame);
        }
        while chat.poll_event().is_some() {}
        if chat.is_ended() {
            self.closing = None;
        }
    }

    fn on_core_timer(&mut self) {
        self.core_deadline = None;
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
        match next {
            // Armed for this instant or an earlier one: that wake-up comes first, and the core
            // answers an early one by asking for the later (re-arming on every frame cost a
            // clearTimeout and a setTimeout each time the keepalive moved).
            Some(at) if self.core_deadline.is_some_and(|armed| armed <= at) => {}
            Some(at) => {
                let armed = self.core_timer.as_ref().is_some_and(|timer| {
                    timer.arm(at.saturating_duration_since(clock::now()).as_millis() as u64)
                });
                self.core_deadline = armed.then_some(at);
            }
            None => self.cancel_core_timer(),
        }
        self.save_soon();
    }

    fn cancel_core_timer(&mut self) {
        if let Some(timer) = &self.core_timer {
            timer.cancel();
        }
        self.core_deadline = None;
    }

    /// Saves within [`SAVE_DELAY_MS`]: a burst of frames is written once, not once per frame.
    /// Safe because the XEP-0198 counters and the transcript are always saved *together*: a
    /// page that goes away in between resumes from the earlier pair, and the server re-sends
    /// what came after it (and `pagehide` saves what is pending). What the visitor does is saved
    /// in the next task (see [`Inner::action`]).
    fn save_soon(&mut self) {
        if self.role == Role::Leader {
            // The other tabs read the storage when told: tell them in the next task, not a
            // timer's batch later. (A leader tab is often in the background, where the browser
            // holds timers back.)
            return self.save_next();
        }
        if self.save_pending {
            return;
        }
        match &self.save_timer {
            Some(t) if t.arm(SAVE_DELAY_MS) => self.save_pending = true,
            _ => self.save(),
        }
    }

    /// Saves in the task after this one: once the view shows the change and the stanza is on
    /// its way, not in between (serialising and writing the whole transcript took most of the
    /// widget's share of a round trip). Changes of the same task are saved once; a page that
    /// goes away first saves on `pagehide`. Without `MessageChannel`, saves at once.
    fn save_next(&mut self) {
        if self.post_later() {
            self.save_pending = true;
        } else {
            self.save();
        }
    }

    /// Makes sure [`Inner::after_task`] runs in a coming task; false when it cannot.
    fn post_later(&mut self) -> bool {
        if self.later_posted {
            return true;
        }
        self.later_posted = self.later.as_ref().is_some_and(NextTask::post);
        self.later_posted
    }

    /// What waited for the end of a task: the composer's `active`, then the save.
    fn after_task(&mut self) {
        self.later_posted = false;
        if std::mem::take(&mut self.active_pending) {
            self.tell_chat_state(ChatState::Active);
        }
        if self.save_pending {
            self.save();
        }
    }

    /// Hands the visitor's chat state to the chat (ignored without one).
    fn tell_chat_state(&mut self, state: ChatState) {
        if let Some(chat) = self.chat.as_mut() {
            chat.set_chat_state(core_state(state), clock::now());
            self.pump();
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
            ChatEvent::AgentMessage {
                id,
                nick,
                body,
                stamp,
            } => {
                let name = self.shown_name(&nick);
                // A message the server held back (offline storage) keeps its send time.
                let at = stamp.as_deref().and_then(stamp_ms).unwrap_or_else(wall_ms);
                if store.add_agent_message_at(id.clone(), name, body.clone(), Some(at)) {
                    self.emit(HostEvent::Message {
                        direction: Direction::Agent,
                        sender: nick,
                        text: body,
                        id,
                    });
                }
            }
            ChatEvent::AgentTyping(typing) => {
                store.set_agent_typing(typing);
                self.emit(HostEvent::AgentTyping { typing });
            }
            ChatEvent::AgentClosed => {
                if self.stage != Stage::Over {
                    self.stage = Stage::Over;
                    self.fail_waiting();
                    store.chat_ended(EndedBy::Agent);
                    self.emit(HostEvent::ChatEnded {
                        by: events::EndedBy::Agent,
                    });
                }
            }
            ChatEvent::Blocked => {
                self.stage = Stage::Over;
                self.fail_waiting();
                store.blocked();
                self.emit(HostEvent::ChatEnded {
                    by: events::EndedBy::Blocked,
                });
            }
            ChatEvent::Transferred {
                firstname,
                nickname,
            } => {
                self.learn_name(&nickname, &firstname);
                store.agent_transferred(self.shown_name(&nickname));
            }
            ChatEvent::AgentUnavailable => store.add_notice(Notice::AgentUnavailable),
            ChatEvent::AgentAvailable => store.add_notice(Notice::AgentAvailable),
            ChatEvent::CobrowsingRequested => {
                if store.cobrowse_requested() {
                    self.emit(HostEvent::CobrowsingRequested);
                }
            }
            ChatEvent::Delivered(core_id) => {
                if let Some(id) = self.in_flight.remove(&core_id) {
                    self.texts.remove(&id);
                    store.set_message_status(&id, MessageStatus::Sent);
                }
            }
            ChatEvent::History { messages, .. } => {
                for m in messages {
                    // The archive's stamp is when it was written; without one, when it came.
                    let at = m.stamp.as_deref().and_then(stamp_ms).or(Some(wall_ms()));
                    if m.from_agent {
                        let nick = m.nick.unwrap_or_else(|| self.agent_nick());
                        store.add_agent_message_at(m.id, self.shown_name(&nick), m.body, at);
                    } else if store.add_visitor_message_at(m.id.clone(), m.body, at) {
                        store.set_message_status(&m.id.into(), MessageStatus::Sent);
                    }
                }
            }
            ChatEvent::Disconnected(reason) => self.on_disconnected(reason),
            ChatEvent::Closed => {
                if let Some(link) = self.link.take() {
                    link.linger();
                }
                self.cancel_core_timer();
            }
        }
    }

    /// Remembers an agent's first name (XEP-0172 nicks are what messages carry).
    fn learn_name(&mut self, nick: &str, firstname: &str) {
        let firstname = firstname.trim();
        if !nick.is_empty() && !firstname.is_empty() {
            self.agent_names
                .insert(nick.to_owned(), firstname.to_owned());
        }
    }

    /// The name shown for an agent's nick: the first name when known, else the nick.
    fn shown_name(&self, nick: &str) -> String {
        self.agent_names
            .get(nick)
            .cloned()
            .unwrap_or_else(|| nick.to_owned())
    }

    fn sorted_agent_names(&self) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = self
            .agent_names
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        names.sort();
        names
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
            let message = format!("webchat: the chat connection failed: {reason}");
            web_sys::console::error_1(&message.as_str().into());
            self.emit(HostEvent::Error { message });
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

/// A new random visitor id, stored at once.
fn new_visitor_id(storage: &Storage) -> String {
    let id = entropy::hex_id(16).unwrap_or_else(|e| {
        web_sys::console::warn_1(&e.to_string().into());
        format!("{:x}{:x}", js_sys::Date::now() as u64, random_u32())
    });
    storage.set(VISITOR_ID_KEY, &id);
    id
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if entropy::fill(&mut b).is_err() {
        // No Web Crypto (never in a supported browser): still vary between calls.
        return (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    }
    u32::from_le_bytes(b)
}

/// A random number in `[0, 1)` for backoff jitter.
fn random_fraction() -> f64 {
    f64::from(random_u32()) / (f64::from(u32::MAX) + 1.0)
}

/// The delay before retry number `attempt` (1, 2, …): exponential from 1 s, capped at
/// [`MAX_BACKOFF_MS`], with "full jitter" over its upper half so that many widgets cut off
/// together do not come back in lockstep.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u64 {
    let ceiling = 1000u64
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(MAX_BACKOFF_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    ceiling / 2 + ((ceiling / 2) as f64 * jitter) as u64
}

/// A stable id for a visitor message: its stanza id, chosen once and kept across reloads.
fn message_id() -> String {
    match entropy::hex_id(8) {
        Ok(h) => format!("v{h}"),
        Err(_) => format!("v{:x}{:08x}", js_sys::Date::now() as u64, random_u32()),
    }
}

/// The ids already shown: the visitor's messages and the agent's.
fn shown_ids(entries: &[SavedEntry]) -> (Vec<String>, Vec<String>) {
    let (mut own, mut agent) = (Vec::new(), Vec::new());
    for e in entries {
        if let SavedEntry::Message { id, sender, .. } = e {
            match sender {
                Sender::Visitor => own.push(id.clone()),
                Sender::Agent { .. } => agent.push(id.clone()),
                Sender::System => {}
            }
        }
    }
    (own, agent)
}

/// A transcript from the backend as saved entries. Visitor message ids there are
/// `visitorjid:stanzaid`; the stanza id is what this browser knows the message by.
fn transcript_entries(t: &Transcript) -> Vec<SavedEntry> {
    t.messages
        .iter()
        .filter(|m| !m.body.trim().is_empty())
        .map(|m| {
            let (id, sender) = match m.from {
                api::Sender::Visitor => (
                    m.id.rsplit_once(':').map_or(m.id.as_str(), |(_, s)| s),
                    Sender::Visitor,
                ),
                api::Sender::Agent => (
                    m.id.as_str(),
                    Sender::Agent {
                        nick: m.nick.clone().unwrap_or_default(),
                    },
                ),
            };
            SavedEntry::Message {
                id: id.to_owned(),
                sender,
                text: m.body.clone(),
                status: MessageStatus::Sent,
                // 0 means the backend recorded no time.
                at_ms: (m.timestamp > 0).then_some(m.timestamp),
                // Marked as history when shown as such (`ChatStore::prepend_history`).
                earlier: false,
            }
        })
        .collect()
}

/// One earlier chat as history: its messages (without rows that were history already when it
/// was shown) after a separator dated by its first message. Empty when it has no message.
fn as_earlier_chat(entries: Vec<SavedEntry>) -> Vec<SavedEntry> {
    let own: Vec<SavedEntry> = entries
        .into_iter()
        .filter(|e| {
            !matches!(
                e,
                SavedEntry::Message { earlier: true, .. }
                    | SavedEntry::Notice(Notice::EarlierChat { .. })
            )
        })
        .collect();
    if !own.iter().any(|e| matches!(e, SavedEntry::Message { .. })) {
        return Vec::new();
    }
    let mut chat = vec![SavedEntry::Notice(Notice::EarlierChat {
        at_ms: first_time(&own),
    })];
    chat.extend(own);
    chat
}

/// When the first message with a known time was written.
fn first_time(entries: &[SavedEntry]) -> Option<u64> {
    entries.iter().find_map(|e| match e {
        SavedEntry::Message { at_ms, .. } => *at_ms,
        SavedEntry::Notice(_) => None,
    })
}

/// The wall-clock time now, in ms since the Unix epoch (message times; not for timers).
fn wall_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// An XEP-0203 / XEP-0082 stamp (`2026-12-05T10:42:00Z`) in ms since the Unix epoch.
fn stamp_ms(stamp: &str) -> Option<u64> {
    let ms = js_sys::Date::parse(stamp);
    (ms.is_finite() && ms >= 0.0).then_some(ms as u64)
}

/// The survey as the tabs tell it each other: `null`, `"open"` or `{value, comment}`.
fn survey_to_json(survey: &SurveyState) -> Value {
    match survey {
        SurveyState::Hidden => Value::Null,
        SurveyState::Open => "open".into(),
        SurveyState::Submitted { value, comment } => json!({"value": value, "comment": comment}),
    }
}

fn survey_from_json(v: &Value) -> SurveyState {
    match (v.as_str(), v.get("value").and_then(Value::as_str)) {
        (Some("open"), _) => SurveyState::Open,
        (_, Some(value)) => SurveyState::Submitted {
            value: value.to_owned(),
            comment: v.get("comment").and_then(Value::as_str).map(str::to_owned),
        },
        _ => SurveyState::Hidden,
    }
}

/// The co-browsing prompt's state as the tabs tell it each other.
fn cobrowse_name(state: CobrowseState) -> &'static str {
    match state {
        CobrowseState::Idle => "idle",
        CobrowseState::Requested => "requested",
        CobrowseState::Accepted => "accepted",
        CobrowseState::Denied => "denied",
    }
}

fn cobrowse_from(name: &str) -> Option<CobrowseState> {
    Some(match name {
        "idle" => CobrowseState::Idle,
        "requested" => CobrowseState::Requested,
        "accepted" => CobrowseState::Accepted,
        "denied" => CobrowseState::Denied,
        _ => return None,
    })
}

/// The phase as the tabs tell it each other.
fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Offline => "offline",
        Phase::Idle => "idle",
        Phase::Connecting => "connecting",
        Phase::Chatting => "chatting",
        Phase::Reconnecting => "reconnecting",
        Phase::Ended => "ended",
        Phase::Blocked => "blocked",
    }
}

fn phase_from(name: &str) -> Option<Phase> {
    Some(match name {
        "offline" => Phase::Offline,
        "idle" => Phase::Idle,
        "connecting" => Phase::Connecting,
        "chatting" => Phase::Chatting,
        "reconnecting" => Phase::Reconnecting,
        "ended" => Phase::Ended,
        "blocked" => Phase::Blocked,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        // Jitter spreads each delay over the upper half of its ceiling.
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(1, 1.0), 1000);
        assert_eq!(backoff_ms(2, 0.5), 1500);
        assert_eq!(backoff_ms(3, 0.0), 2000);
        assert_eq!(backoff_ms(6, 1.0), 30_000);
        assert_eq!(backoff_ms(40, 1.0), MAX_BACKOFF_MS, "capped");
        assert_eq!(backoff_ms(40, 7.0), MAX_BACKOFF_MS, "bad jitter is clamped");
        let spread: std::collections::HashSet<u64> = (0..10)
            .map(|i| backoff_ms(4, f64::from(i) / 10.0))
            .collect();
        assert_eq!(
            spread.len(),
            10,
            "different widgets come back at different times"
        );
    }

    #[test]
    fn survey_and_prompt_travel_between_tabs() {
        for s in [
            SurveyState::Hidden,
            SurveyState::Open,
            SurveyState::Submitted {
                value: "good".into(),
                comment: None,
            },
            SurveyState::Submitted {
                value: "bad".into(),
                comment: Some("slow \"answers\"".into()),
            },
        ] {
            let text = survey_to_json(&s).to_string();
            let back = webchat_protocol::json::parse(&text).unwrap();
            assert_eq!(survey_from_json(&back), s);
        }
        assert_eq!(survey_from_json(&json!(42)), SurveyState::Hidden);
        for c in [
            CobrowseState::Idle,
            CobrowseState::Requested,
            CobrowseState::Accepted,
            CobrowseState::Denied,
        ] {
            assert_eq!(cobrowse_from(cobrowse_name(c)), Some(c));
        }
        assert_eq!(cobrowse_from("maybe"), None);
    }

    #[test]
    fn phases_travel_between_tabs_by_name() {
        for p in [
            Phase::Offline,
            Phase::Idle,
            Phase::Connecting,
            Phase::Chatting,
            Phase::Reconnecting,
            Phase::Ended,
            Phase::Blocked,
        ] {
            assert_eq!(phase_from(phase_name(p)), Some(p));
        }
        assert_eq!(phase_from("dancing"), None);
    }

    #[test]
    fn backend_transcripts_become_saved_entries_with_local_ids() {
        let t: Transcript = json::from_str(
            r#"{"chatsession_id":"cs","messages":[
                {"id":"v1@webchat.test/web:vabc","from":"visitor","body":"hi","timestamp":1},
                {"id":"u1","from":"agent","nick":"Ana","body":"<i>hello</i>","timestamp":2},
                {"id":"u2","from":"agent","body":"   ","timestamp":3}]}"#,
        )
        .unwrap();
        assert_eq!(
            transcript_entries(&t),
            vec![
                SavedEntry::Message {
                    id: "vabc".into(),
                    sender: Sender::Visitor,
                    text: "hi".into(),
                    status: MessageStatus::Sent,
                    at_ms: Some(1),
                    earlier: false,
                },
                SavedEntry::Message {
                    id: "u1".into(),
                    sender: Sender::Agent { nick: "Ana".into() },
                    text: "<i>hello</i>".into(),
                    status: MessageStatus::Sent,
                    at_ms: Some(2),
                    earlier: false,
                },
            ]
        );
    }

    fn msg(id: &str, at_ms: Option<u64>, earlier: bool) -> SavedEntry {
        SavedEntry::Message {
            id: id.into(),
            sender: Sender::Visitor,
            text: id.into(),
            status: MessageStatus::Sent,
            at_ms,
            earlier,
        }
    }

    #[test]
    fn an_earlier_chat_starts_with_a_separator_dated_by_its_first_message() {
        let day = 1_764_900_000_000;
        // What the window showed when the chat ended: older history, then this chat.
        let shown = vec![
            SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(7) }),
            msg("old", Some(7), true),
            msg("m1", None, false),
            msg("m2", Some(day), false),
            SavedEntry::Notice(Notice::Ended(EndedBy::Visitor)),
        ];
        assert_eq!(
            as_earlier_chat(shown),
            vec![
                SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(day) }),
                msg("m1", None, false),
                msg("m2", Some(day), false),
                SavedEntry::Notice(Notice::Ended(EndedBy::Visitor)),
            ],
            "no separator inside the chat, none of the older history kept twice"
        );
        assert!(
            as_earlier_chat(vec![SavedEntry::Notice(Notice::Blocked)]).is_empty(),
            "a chat without messages is no history"
        );
        assert_eq!(
            as_earlier_chat(vec![msg("x", None, false)])[0],
            SavedEntry::Notice(Notice::EarlierChat { at_ms: None })
        );
    }
}
