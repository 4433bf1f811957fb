//! The visitor's session as a sans-IO core: the whole chat flow of the widget — campaign,
//! chat start, XMPP, outbox, continuity across reloads, identity, history, tabs, survey and
//! co-browsing — with no browser API, no clock and no Leptos (quinn-proto's shape, like
//! `webchat_protocol`'s [`Chat`](webchat_protocol::Chat) it drives).
//!
//! Inputs are `handle_*` calls, each with the time ([`Now`]); randomness comes from the
//! [`Random`] given at creation. Outputs are drained with `poll_*`: HTTP requests
//! ([`HttpRequest`], answered with [`Session::handle_reply`]), socket operations
//! ([`Transmit`]), view updates ([`ViewUpdate`]), host events, storage writes ([`Save`]), tab
//! messages ([`TabMessage`]), console lines ([`Log`]) and the next deadline
//! ([`Session::poll_timeout`], one [`TimerTable`](timers::TimerTable) for every timer).
//! `controller` is the browser driver that moves these between the core and the page;
//! `tests/session` drives it natively on a simulated clock.
//!
//! One responsibility per file, each an `impl Session` block over its own part of the state:
//!
//! | file | what |
//! | --- | --- |
//! | [`lifecycle`] | the stages of a chat (campaign → start → live → over), REST failures and the retry policy |
//! | [`link`] | the XMPP chat: socket per stream, core events, reconnects, what a lost connection means |
//! | [`outbox`] | the visitor's messages from typed to sent (queue, stanza ids, retry) |
//! | [`continuity`] | what is saved and when; a reload or another tab continuing a saved chat |
//! | [`identity`], [`history`] | visitor id, tagged user, reset; a tagged user's earlier chats |
//! | [`tabs`] | the leader/follower protocol of tabs sharing a persistent visitor |
//! | [`survey`] | the survey `PATCH` and the co-browsing answer |
//! | [`conversation`], [`view`], [`saved`] | what is shown, its vocabulary, its stored form ([`forms`]: reading it leniently) |
//! | [`prechat`], [`greeting`] | what the chat's start carries: the form's answers, an accepted proactive greeting |
//! | [`offline`], [`after_chat`] | the offline form; the transcript and its e-mail copy after a chat |
//! | [`carrier`] | what carries the XMPP stream: a WebSocket, or BOSH when WebSockets do not get through |
//! | [`io`], [`timers`], [`small_map`] | the boundary types, the timer table, the few-entry map |
//!
//! The widget's [`Phase`] is computed from the state by one function, [`Session::phase`];
//! nothing assigns it.

pub mod after_chat;
pub mod carrier;
pub mod continuity;
pub mod conversation;
pub mod forms;
pub mod greeting;
pub mod history;
pub mod identity;
pub mod io;
pub mod lifecycle;
pub mod link;
pub mod offline;
pub mod outbox;
pub mod prechat;
pub mod saved;
pub mod small_map;
pub mod survey;
pub mod tabs;
pub mod timers;
pub mod view;

use small_map::SmallMap;

use webchat_protocol::Instant;

use crate::events::HostEvent;
use continuity::Continuity;
use conversation::Conversation;
pub use greeting::Greeting;
use history::History;
use identity::Identity;
pub use identity::{TagError, UserInfo};
pub use io::{
    HttpReply, HttpRequest, Level, Log, Method, Now, Random, RequestId, Save, SocketId, Stored,
    Transmit, ViewUpdate,
};
use io::{Outputs, RandomExt};
use lifecycle::{Lifecycle, LinkState, Stage};
use link::Link;
use offline::Offline;
use outbox::Outbox;
use prechat::Prechat;
pub use tabs::{LeaderView, TabMessage, ToLeader};
use tabs::{Role, Tabs};
use timers::{Timer, TimerTable};
pub use view::{Phase, UiAction};

/// What the session needs to know besides what it is told later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// The campaign id.
    pub campaign: String,
    /// The XMPP WebSocket URL (`ws://` or `wss://`).
    pub websocket_url: String,
    /// The page heard `ready` already (the launcher read the campaign): not again.
    pub ready_announced: bool,
    /// The BOSH (HTTP-Bind) URL to fall back to when WebSockets do not get through.
    pub bosh_url: Option<String>,
    /// The host page's livechat options: keys of the campaign's configuration put over it
    /// (checked by `init`).
    pub livechat: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What a request in flight is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Campaign { epoch: u64 },
    CreateSession { epoch: u64 },
    CreateCredentials { epoch: u64 },
    RestoreCredentials { epoch: u64 },
    HistoryList,
    HistoryTranscript,
    Survey,
    Offline,
    TranscriptEmail,
}

/// The visitor's session. See the [module documentation](self).
pub struct Session {
    options: SessionOptions,
    /// The page the chat starts on (`request_url`), as the driver last said.
    page_url: Option<String>,
    random: Box<dyn Random>,
    /// The time of the input being handled.
    now: Now,
    /// After suspend or shutdown: every input is ignored.
    stopped: bool,
    out: Outputs,
    timers: TimerTable,
    pending: SmallMap<RequestId, Purpose>,
    life: Lifecycle,
    link: Link,
    outbox: Outbox,
    keep: Continuity,
    who: Identity,
    history: History,
    tabs: Tabs,
    view: Conversation,
    prechat: Prechat,
    offline: Offline,
    /// "Email me a copy" of the chat that ended, and where it was asked to go.
    mail: view::EmailState,
    mail_to: Option<String>,
}

impl Session {
    /// A session that first wants the storage read ([`Session::poll_storage_read`]), then
    /// reads the campaign.
    pub fn new(options: SessionOptions, random: Box<dyn Random>) -> Session {
        let mut out = Outputs::default();
        out.wants_storage = true;
        Session {
            options,
            page_url: None,
            random,
            now: Now {
                at: Instant::from_millis(0),
                wall_ms: 0,
            },
            stopped: false,
            out,
            timers: TimerTable::default(),
            pending: SmallMap::new(),
            life: Lifecycle::default(),
            link: Link::default(),
            outbox: Outbox::default(),
            keep: Continuity::default(),
            who: Identity::default(),
            history: History::default(),
            tabs: Tabs::default(),
            view: Conversation::default(),
            prechat: Prechat::default(),
            offline: Offline::default(),
            mail: view::EmailState::Idle,
            mail_to: None,
        }
    }

    // ---- inputs ----

    /// Starts handling an input at `now`; false when the session no longer listens.
    fn begin(&mut self, now: Now) -> bool {
        self.now = now;
        !self.stopped
    }

    /// After every input: the view hears the phase the state now amounts to, and what the
    /// forms around the chat show with it.
    fn finish(&mut self) {
        let phase = self.phase();
        self.view.set_phase(phase);
        self.show_forms();
    }

    /// What the storage holds, as asked for by [`Session::poll_storage_read`].
    pub fn handle_storage_loaded(&mut self, stored: Stored, now: Now) {
        if self.begin(now) {
            self.storage_loaded(stored);
            self.finish();
        }
    }

    /// The page URL a chat started from now would report (`request_url`).
    pub fn set_page_url(&mut self, url: Option<String>) {
        self.page_url = url;
    }

    /// What the visitor did in the widget.
    pub fn handle_action(&mut self, action: UiAction, now: Now) {
        if self.begin(now) {
            self.action(action);
            self.finish();
        }
    }

    /// `CV.user.tag(user)`.
    pub fn handle_tag(&mut self, user: UserInfo, now: Now) -> Result<(), TagError> {
        if !self.begin(now) {
            return Ok(());
        }
        let result = self.tag(user);
        self.finish();
        result
    }

    /// `CV.user.reset()`.
    pub fn handle_reset(&mut self, now: Now) {
        if self.begin(now) {
            if !self.forward(ToLeader::Reset) {
                self.reset();
            }
            self.finish();
        }
    }

    /// The window was opened or closed by the page (not by the visitor: no host event).
    pub fn handle_window(&mut self, open: bool, now: Now) {
        if self.begin(now) {
            self.view.open = open;
            self.save_next();
            self.finish();
        }
    }

    /// The visitor accepted a proactive greeting (see [`greeting`]): shown as the agent's
    /// first message and named by the chat's start, unless a chat is under way.
    pub fn handle_greeting(&mut self, greeting: Greeting, now: Now) {
        if self.begin(now) {
            self.greeting(greeting);
            self.finish();
        }
    }

    /// Whether a chat could start now, as the visibility rules' polling of the campaign found.
    pub fn handle_availability(&mut self, available: bool, now: Now) {
        if self.begin(now) {
            self.life.available = available;
            self.finish();
        }
    }

    /// The reply to a request from [`Session::poll_request`].
    pub fn handle_reply(&mut self, id: RequestId, reply: HttpReply, now: Now) {
        if !self.begin(now) {
            return;
        }
        let Some(purpose) = self.pending.remove(&id) else {
            return;
        };
        match purpose {
            Purpose::Campaign { epoch } => self.campaign_read(epoch, reply),
            Purpose::CreateSession { epoch } => self.session_created(epoch, reply),
            Purpose::CreateCredentials { epoch } => self.credentials_created(epoch, reply),
            Purpose::RestoreCredentials { epoch } => self.saved_credentials_read(epoch, reply),
            Purpose::HistoryList => self.history_listed(id, reply),
            Purpose::HistoryTranscript => self.history_transcript_read(id, reply),
            Purpose::Survey => self.survey_saved(reply),
            Purpose::Offline => self.offline_replied(reply),
            Purpose::TranscriptEmail => self.transcript_emailed(reply),
        }
        self.finish();
    }

    /// A text frame arrived on `socket`.
    pub fn handle_frame(&mut self, socket: SocketId, text: &str, now: Now) {
        if self.begin(now) {
            self.socket_frame(socket, text);
            self.finish();
        }
    }

    /// `socket` closed (or could not be opened).
    pub fn handle_socket_closed(&mut self, socket: SocketId, now: Now) {
        if self.begin(now) {
            self.socket_closed(socket);
            self.finish();
        }
    }

    /// The deadline from [`Session::poll_timeout`] passed (an early call does nothing).
    pub fn handle_timeout(&mut self, now: Now) {
        if !self.begin(now) {
            return;
        }
        while let Some(timer) = self.timers.take_expired(now.at) {
            match timer {
                Timer::Task => self.after_task(),
                Timer::Chat => self.chat_timeout(),
                Timer::Retry => self.retry_now(),
                Timer::Save => self.save(),
                Timer::Bosh => self.bosh_timeout(),
                Timer::Opening => self.opening_timed_out(),
            }
        }
        self.finish();
    }

    /// This tab joined the group of tabs sharing the visitor (`leader`: it holds the lock).
    pub fn handle_tabs_joined(&mut self, leader: bool, now: Now) {
        if self.begin(now) {
            self.tabs.role = if leader { Role::Leader } else { Role::Follower };
            self.finish();
        }
    }

    /// The lock came to this tab: it now holds the chat.
    pub fn handle_became_leader(&mut self, now: Now) {
        if self.begin(now) {
            self.become_leader();
            self.finish();
        }
    }

    /// Another tab of the group posted `message`.
    pub fn handle_tab_message(&mut self, message: TabMessage, now: Now) {
        if self.begin(now) {
            self.tab_message(message);
            self.finish();
        }
    }

    /// The page is going away: what is batched is saved now.
    pub fn handle_page_hide(&mut self, now: Now) {
        if self.begin(now) && self.keep.save_pending {
            self.save();
        }
    }

    /// What a page unload amounts to (for embedders that swap pages without unloading, and
    /// for tests): saves, then lets the socket and the timers go *without* ending the chat, so
    /// the next session on this storage continues it. Nothing more happens afterwards.
    pub fn handle_suspend(&mut self, now: Now) {
        if !self.begin(now) {
            return;
        }
        self.save();
        self.life.epoch += 1;
        self.life.stage = Stage::Hidden;
        self.drop_link();
        self.link.chat = None;
        self.stop();
    }

    /// Ends everything: a live chat is closed properly (`closed`, then `<close/>`) and saved
    /// as ended, the socket closed, the timers stopped, pending replies ignored.
    pub fn handle_shutdown(&mut self, now: Now) {
        if !self.begin(now) {
            return;
        }
        self.life.epoch += 1;
        if let Some(chat) = self.link.chat.as_mut() {
            chat.close(now.at);
            // Ended on purpose: a later page must not try to continue it.
            self.life.stage = Stage::Over { blocked: false };
            self.save();
        }
        if self.keep.save_pending {
            self.save();
        }
        self.flush_transmit();
        self.drop_link();
        self.link.chat = None;
        self.stop();
    }

    fn stop(&mut self) {
        self.timers.stop_all();
        self.keep.save_pending = false;
        self.stopped = true;
    }
}

/// The outputs: what the session asks the driver to do, and what it answers about itself.
impl Session {
    /// The next HTTP request to make.
    pub fn poll_request(&mut self) -> Option<HttpRequest> {
        self.out.requests.pop_front()
    }

    /// The next socket operation.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    /// The next change for the view model.
    pub fn poll_update(&mut self) -> Option<ViewUpdate> {
        self.view.poll()
    }

    /// The next event for the host page.
    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.out.events.pop_front()
    }

    /// The next storage write.
    pub fn poll_save(&mut self) -> Option<Save> {
        self.out.saves.pop_front()
    }

    /// The next message for the other tabs.
    pub fn poll_tab_message(&mut self) -> Option<TabMessage> {
        self.out.tabs.pop_front()
    }

    /// The next console line.
    pub fn poll_log(&mut self) -> Option<Log> {
        self.out.logs.pop_front()
    }

    /// Whether the core wants the storage read (answer with
    /// [`Session::handle_storage_loaded`]); asks once per need.
    pub fn poll_storage_read(&mut self) -> bool {
        std::mem::take(&mut self.out.wants_storage)
    }

    /// When to call [`Session::handle_timeout`]: at or after this instant. An instant not
    /// after the current time means "in the next task".
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ---- reading ----

    /// The phase the widget shows, computed from the state (the only place that decides it).
    pub fn phase(&self) -> Phase {
        if self.tabs.role == Role::Follower {
            if let Some(phase) = self.tabs.mirrored {
                return phase;
            }
        }
        match self.life.stage {
            Stage::Booting => Phase::Idle,
            Stage::Loading | Stage::Hidden | Stage::Starting => Phase::Connecting,
            Stage::Ready if self.life.available => Phase::Idle,
            Stage::Ready => Phase::Offline,
            Stage::Live(LinkState::Connecting) => Phase::Connecting,
            Stage::Live(LinkState::Up) => Phase::Chatting,
            Stage::Live(LinkState::Down) => Phase::Reconnecting,
            Stage::Over { blocked: false } => Phase::Ended,
            Stage::Over { blocked: true } => Phase::Blocked,
        }
    }

    /// The id sent as `tracker_id`: the tagged user's stable id, else the visitor id.
    pub fn visitor_id(&self) -> String {
        self.tracker_id()
    }

    /// The tagged user, if any.
    pub fn user(&self) -> Option<&UserInfo> {
        self.who.user.as_ref()
    }

    /// The chat session id, once created.
    pub fn session_id(&self) -> Option<&str> {
        self.link.session.as_ref().map(|s| s.id.as_str())
    }

    // ---- the visitor's actions ----

    fn action(&mut self, action: UiAction) {
        if self.follows() {
            return self.follower_action(action);
        }
        match action {
            UiAction::CobrowseAnswer { accepted } => {
                if self.answer_cobrowsing(accepted) {
                    self.emit(survey::cobrowsing_answered(accepted));
                }
                return;
            }
            UiAction::SendText(text) => self.send_text(text),
            UiAction::Retry(id) => self.retry_message(id),
            // The composer reports `active` just before the message on Enter; the message
            // carries `active` itself (XEP-0085), so the state waits for the end of the task
            // (armed by the save below) and the chat drops it as already said. Alone (text
            // cleared) it goes out then.
            UiAction::ChatState(view::ChatState::Active) => self.keep.active_pending = true,
            UiAction::ChatState(state) => {
                self.keep.active_pending = false;
                self.tell_chat_state(state);
            }
            UiAction::EndChat => self.end_chat(),
            UiAction::StartNewChat => self.start_new_chat(),
            UiAction::SurveyAnswer { value, comment } => self.send_survey(value, comment),
            UiAction::Open => {
                self.view.open = true;
                self.emit(HostEvent::Open);
            }
            UiAction::Minimise => {
                self.view.open = false;
                self.emit(HostEvent::Close);
            }
            UiAction::SubmitPrechat(values) => self.submit_prechat(values),
            UiAction::ChangeDepartment => self.change_department(),
            UiAction::SendOffline {
                name,
                email,
                message,
            } => return self.send_offline(name, email, message),
            UiAction::EmailTranscript(to) => self.email_transcript(to),
        }
        self.save_next();
    }

    // ---- shared helpers ----

    fn emit(&mut self, event: HostEvent) {
        self.out.events.push_back(event);
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        self.out.log(level, message);
    }

    /// A request whose reply goes to `purpose`, with `headers` (the proofs it needs).
    fn request(
        &mut self,
        purpose: Purpose,
        (method, path): (Method, String),
        headers: io::RequestHeaders,
        body: Option<String>,
    ) -> RequestId {
        let id = self.out.request(method, path, headers, body);
        self.pending.insert(id, purpose);
        id
    }

    /// A stable id for a visitor message: its stanza id, chosen once and kept across reloads.
    fn new_message_id(&mut self) -> view::MessageId {
        view::MessageId(format!("v{}", self.random.hex(8)))
    }
}
