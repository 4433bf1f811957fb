//! The simulated browser around a [`Session`]: a clock the test moves, storage shared by the
//! tabs of one profile, a scripted Public API (every request waits until the test answers it),
//! a scripted XMPP server per socket, and the real [`ChatStore`] the view updates go to. The
//! driver's job, done in memory: after every input every output queue is drained.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use leptos::prelude::GetUntracked;
use webchat::events::HostEvent;
use webchat::model::campaign::widget_config;
use webchat::model::{ChatStore, EntryKind, MessageStatus, Notice, Phase, Sender};
use webchat::session::continuity::ALL_KEYS;
use webchat::session::{
    Greeting, HttpReply, HttpRequest, Log, Method, Now, Random, Save, Session, SessionOptions,
    SocketId, Stored, TabMessage, Transmit, UiAction, ViewUpdate,
};
use webchat_protocol::Instant;

#[path = "../support/fixtures.rs"]
mod fixtures;
pub use fixtures::{campaign, CAMPAIGN_ID};

pub const WS_URL: &str = "ws://127.0.0.1:9/xmpp-websocket";
pub const BOSH_URL: &str = "http://127.0.0.1:9/http-bind";

/// [`campaign`] (active) with the livechat configuration `webchat` (a JSON object).
pub fn campaign_with(availability: bool, webchat: &str) -> String {
    let mut c = campaign(true, availability);
    c.pop();
    format!("{c},\"webchat\":{webchat}}}")
}

pub const SESSION: &str = r#"{"id":"cs-1","campaign_id":"camp1","tracker_id":"t","visitor_identifier":null,"request_url":"http://x/","status":"created","visitor_secret":"k3y"}"#;
pub const CREDS: &str = r#"{"id":"cr-1","agent":{"firstname":"Ana","nickname":"ana","jid":"ana@internal.webchat.test"},"credentials":{"user":"v1@webchat.test","password":"pw","domain":"webchat.test","resource":"web"}}"#;
pub const AGENT: &str = "ana@internal.webchat.test/console";
pub const OPEN_S: &str =
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='s1' version='1.0' from='webchat.test'/>";
pub const FEATURES_SASL: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
pub const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
pub const FEATURES_BIND_SM: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
pub const SUCCESS: &str = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";

/// A counter dressed as randomness: ids and jitter are the same in every run.
struct Counter(u64);

impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            // SplitMix64's step: spread, but predictable.
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *b = (z ^ (z >> 31)) as u8;
        }
    }
}

/// The browser storage of one profile (shared by its tabs).
pub type Storage = Rc<RefCell<HashMap<String, String>>>;

/// One tab: a session, its view model and everything it sent out.
pub struct Tab {
    pub s: Session,
    pub store: ChatStore,
    pub storage: Storage,
    /// Milliseconds on the monotonic clock; the wall clock is `WALL0` later.
    pub now: u64,
    /// Every request made, in order.
    pub requests: Vec<HttpRequest>,
    /// Requests not answered yet.
    pub open: VecDeque<HttpRequest>,
    /// Frames sent since the last [`Tab::sent`], per socket.
    pub frames: Vec<(SocketId, String)>,
    /// Every socket opened (id, URL) and closed (id, lingering).
    pub connects: Vec<(SocketId, String)>,
    /// BOSH requests not answered yet, oldest first.
    pub posts: VecDeque<Post>,
    pub closed: Vec<(SocketId, bool)>,
    pub events: Vec<HostEvent>,
    pub logs: Vec<Log>,
    /// Tab messages posted, for the other tabs.
    pub posted: Vec<TabMessage>,
    /// The widget was hidden for good.
    pub hidden: bool,
    /// Every key write, in order (`None`: removed; `"*"`: all cleared).
    pub writes: Vec<(String, Option<String>)>,
}

/// A BOSH request the session asked the browser to make.
#[derive(Clone, Debug)]
pub struct Post {
    pub socket: SocketId,
    pub request: u64,
    pub url: String,
    pub body: String,
    pub timeout_ms: u64,
}

/// The wall clock at monotonic 0.
pub const WALL0: u64 = 1_764_900_000_000;

impl Tab {
    /// A tab on `storage` that has read its storage and asked for the campaign.
    pub fn open(storage: &Storage) -> Tab {
        Tab::open_seeded(storage, 1)
    }

    /// [`Tab::open`] with another random seed (two tabs must not make the same ids).
    pub fn open_seeded(storage: &Storage, seed: u64) -> Tab {
        Tab::open_with(storage, seed, None)
    }

    /// A tab that may fall back to BOSH at [`BOSH_URL`].
    pub fn open_with_bosh(storage: &Storage) -> Tab {
        Tab::open_with(storage, 1, Some(BOSH_URL.into()))
    }

    /// A tab whose page gives the `livechat` option `over` (a JSON object).
    pub fn open_with_livechat(storage: &Storage, over: &str) -> Tab {
        let over = serde_json::from_str(over).expect("a JSON object");
        Tab::open_with_options(storage, 1, None, Some(over))
    }

    fn open_with(storage: &Storage, seed: u64, bosh_url: Option<String>) -> Tab {
        Tab::open_with_options(storage, seed, bosh_url, None)
    }

    fn open_with_options(
        storage: &Storage,
        seed: u64,
        bosh_url: Option<String>,
        livechat: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Tab {
        let mut s = Session::new(
            SessionOptions {
                campaign: CAMPAIGN_ID.into(),
                websocket_url: WS_URL.into(),
                ready_announced: false,
                bosh_url,
                livechat,
            },
            Box::new(Counter(seed)),
        );
        s.set_page_url(Some("http://shop.test/cart".into()));
        let mut tab = Tab {
            s,
            store: ChatStore::awaiting_campaign(),
            storage: storage.clone(),
            now: 0,
            requests: Vec::new(),
            open: VecDeque::new(),
            frames: Vec::new(),
            connects: Vec::new(),
            posts: VecDeque::new(),
            closed: Vec::new(),
            events: Vec::new(),
            logs: Vec::new(),
            posted: Vec::new(),
            hidden: false,
            writes: Vec::new(),
        };
        tab.drain();
        tab
    }

    /// A new profile's first tab with the campaign read (`200`, `body`).
    pub fn loaded(body: &str) -> Tab {
        let mut t = Tab::open(&Storage::default());
        t.reply(Method::Get, "campaigns/camp1", 200, body);
        t
    }

    pub fn now(&self) -> Now {
        Now {
            at: Instant::from_millis(self.now),
            wall_ms: WALL0 + self.now,
        }
    }

    /// Moves every output to where the browser would put it, then runs what waits for the end
    /// of the task (the next task).
    pub fn drain(&mut self) {
        loop {
            if self.s.poll_storage_read() {
                let stored = Stored(
                    ALL_KEYS
                        .iter()
                        .filter_map(|k| {
                            self.storage
                                .borrow()
                                .get(*k)
                                .map(|v| ((*k).to_owned(), v.clone()))
                        })
                        .collect(),
                );
                let now = self.now();
                self.s.handle_storage_loaded(stored, now);
                continue;
            }
            while let Some(t) = self.s.poll_transmit() {
                match t {
                    Transmit::Connect { socket, url } => self.connects.push((socket, url)),
                    Transmit::Frame { socket, text } => self.frames.push((socket, text)),
                    Transmit::Close { socket, linger } => self.closed.push((socket, linger)),
                    Transmit::Post {
                        socket,
                        request,
                        url,
                        body,
                        timeout_ms,
                    } => self.posts.push_back(Post {
                        socket,
                        request,
                        url,
                        body,
                        timeout_ms,
                    }),
                }
            }
            while let Some(u) = self.s.poll_update() {
                match u {
                    ViewUpdate::Campaign(c) => self.store.set_config(widget_config(&c, None)),
                    ViewUpdate::Unavailable => self.hidden = true,
                    other => self.store.apply(other),
                }
            }
            while let Some(save) = self.s.poll_save() {
                let mut st = self.storage.borrow_mut();
                match save {
                    Save::Set { key, value } => {
                        self.writes.push((key.into(), Some(value.clone())));
                        st.insert(key.into(), value);
                    }
                    Save::Remove(key) => {
                        self.writes.push((key.into(), None));
                        st.remove(key);
                    }
                    Save::ClearAll => {
                        self.writes.push(("*".into(), None));
                        st.clear();
                    }
                }
            }
            while let Some(r) = self.s.poll_request() {
                self.requests.push(r.clone());
                self.open.push_back(r);
            }
            while let Some(m) = self.s.poll_tab_message() {
                // Through the wire format, as the BroadcastChannel carries it.
                self.posted
                    .push(TabMessage::decode(&m.encode()).expect("tab messages read back"));
            }
            self.events
                .extend(std::iter::from_fn(|| self.s.poll_event()));
            self.logs.extend(std::iter::from_fn(|| self.s.poll_log()));
            // What waits for the next task runs now (the driver posts a message for it).
            match self.s.poll_timeout() {
                Some(at) if at.as_millis() <= self.now => {
                    let now = self.now();
                    self.s.handle_timeout(now);
                }
                _ => break,
            }
        }
    }

    // ---- time ----

    /// Moves the clock to the next deadline and handles it; returns how far it moved.
    pub fn fire(&mut self) -> u64 {
        let at = self.s.poll_timeout().expect("a timer is armed").as_millis();
        let moved = at.saturating_sub(self.now);
        self.now = self.now.max(at);
        let now = self.now();
        self.s.handle_timeout(now);
        self.drain();
        moved
    }

    /// Moves the clock deadline by deadline until the session asks for something again (a
    /// request or a socket); returns how long that took.
    pub fn retry(&mut self) -> u64 {
        let start = self.now;
        let asked = (self.requests.len(), self.connects.len());
        while (self.requests.len(), self.connects.len()) == asked {
            self.fire();
        }
        self.now - start
    }

    /// Moves the clock by `ms`, handling every deadline on the way.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(at) = self.s.poll_timeout().map(|a| a.as_millis()) {
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            let now = self.now();
            self.s.handle_timeout(now);
            self.drain();
        }
        self.now = end;
    }

    // ---- the visitor ----

    pub fn act(&mut self, action: UiAction) {
        self.now += 1;
        let now = self.now();
        self.s.handle_action(action, now);
        self.drain();
    }

    pub fn say(&mut self, text: &str) {
        self.act(UiAction::SendText(text.into()));
    }

    /// The visitor accepted the proactive greeting `id` (`message`, by `agent`).
    pub fn greet(&mut self, id: &str, message: &str, agent: Option<&str>) {
        self.now += 1;
        let now = self.now();
        let greeting = Greeting {
            id: id.into(),
            message: message.into(),
            agent_name: agent.map(str::to_owned),
        };
        self.s.handle_greeting(greeting, now);
        self.drain();
    }

    /// Every message shown: who wrote it and what.
    pub fn messages(&self) -> Vec<(Sender, String)> {
        self.store
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some((m.sender, m.text)),
                EntryKind::Notice(_) => None,
            })
            .collect()
    }

    // ---- the Public API ----

    /// Answers the oldest open request `method path` with `status` and `body`.
    pub fn reply(&mut self, method: Method, path: &str, status: u16, body: &str) {
        self.answer(
            method,
            path,
            HttpReply::Response {
                status,
                body: body.into(),
            },
        );
    }

    /// The oldest open request `method path` gets no reply at all (offline).
    pub fn fail(&mut self, method: Method, path: &str) {
        self.answer(
            method,
            path,
            HttpReply::Failed("network error: offline".into()),
        );
    }

    fn answer(&mut self, method: Method, path: &str, reply: HttpReply) {
        let i = self
            .open
            .iter()
            .position(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("no open {method:?} {path}; open: {:?}", self.open));
        let r = self.open.remove(i).expect("found");
        self.now += 1;
        let now = self.now();
        self.s.handle_reply(r.id, reply, now);
        self.drain();
    }

    /// Whether `method path` waits for an answer.
    pub fn asked(&self, method: Method, path: &str) -> bool {
        self.open
            .iter()
            .any(|r| r.method == method && r.path == path)
    }

    /// Every path asked for, in order.
    pub fn paths(&self) -> Vec<String> {
        self.requests.iter().map(|r| r.path.clone()).collect()
    }

    /// The value of header `name` on the last `method path` request.
    pub fn header(&self, method: Method, path: &str, name: &str) -> Option<String> {
        let r = self
            .requests
            .iter()
            .rfind(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("no {method:?} {path}"));
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// The body of the last `method path` request, as JSON.
    pub fn body(&self, method: Method, path: &str) -> serde_json::Value {
        let r = self
            .requests
            .iter()
            .rfind(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("no {method:?} {path}"));
        serde_json::from_str(r.body.as_deref().expect("a body")).expect("JSON")
    }

    // ---- the XMPP server ----

    /// The current socket (the last one opened and not closed).
    pub fn socket(&self) -> SocketId {
        let (id, _) = self.connects.last().expect("a socket was opened");
        assert!(
            !self.closed.iter().any(|(c, _)| c == id),
            "socket {id:?} is closed"
        );
        *id
    }

    /// What the widget sent on the current socket since the last call.
    pub fn sent(&mut self) -> Vec<String> {
        let socket = self.connects.last().map(|(id, _)| *id);
        let (mine, other): (Vec<_>, Vec<_>) = std::mem::take(&mut self.frames)
            .into_iter()
            .partition(|(s, _)| Some(*s) == socket);
        self.frames = other;
        mine.into_iter().map(|(_, f)| f).collect()
    }

    /// The server sends `text` on the current socket.
    pub fn frame(&mut self, text: &str) {
        let socket = self.socket();
        self.frame_on(socket, text);
    }

    pub fn frame_on(&mut self, socket: SocketId, text: &str) {
        self.now += 1;
        let now = self.now();
        self.s.handle_frame(socket, text, now);
        self.drain();
    }

    /// The connection drops under the widget.
    pub fn drop_socket(&mut self) {
        let socket = self.socket();
        self.now += 1;
        let now = self.now();
        self.s.handle_socket_closed(socket, now);
        self.drain();
    }

    /// A message from the agent.
    pub fn agent(&mut self, inner: &str, id: &str) {
        self.frame(&format!(
            "<message xmlns='jabber:client' type='chat' id='{id}' from='{AGENT}' to='v1@webchat.test/web'>{inner}</message>"
        ));
    }

    /// open → PLAIN → restart with `features`; returns what was sent after them.
    pub fn auth(&mut self, features: &str) -> Vec<String> {
        let opened = self.sent();
        assert!(opened.iter().any(|f| f.starts_with("<open ")), "{opened:?}");
        self.frame(OPEN_S);
        self.frame(FEATURES_SASL);
        let auth = self.sent();
        assert!(
            auth.iter().any(|f| f.contains("mechanism=\"PLAIN\"")),
            "{auth:?}"
        );
        self.frame(SUCCESS);
        self.frame(OPEN_S);
        self.frame(features);
        let mut sent = self.sent();
        sent.retain(|f| !f.starts_with("<open "));
        sent
    }

    /// A fresh login, with or without stream management; returns what was sent after it.
    pub fn log_in(&mut self, sm: bool) -> Vec<String> {
        let bind = self.auth(if sm { FEATURES_BIND_SM } else { FEATURES_BIND });
        let bind = bind
            .iter()
            .find(|f| f.contains("xmpp-bind"))
            .unwrap_or_else(|| panic!("bind request: {bind:?}"));
        let id = attr_of(bind, "id");
        self.frame(&format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"
        ));
        if sm {
            let enable = self.sent();
            assert!(enable.iter().any(|f| f.contains("<enable ")), "{enable:?}");
            self.frame("<enabled xmlns='urn:xmpp:sm:3' id='sm1' resume='true' max='300'/>");
        }
        self.sent()
    }

    /// Answers the chat session and credentials a first message asked for, then logs in;
    /// returns what was sent after the login.
    pub fn started(&mut self, sm: bool) -> Vec<String> {
        self.reply(Method::Post, "chatsessions", 201, SESSION);
        self.reply(Method::Post, "xmppcredentials", 201, CREDS);
        self.log_in(sm)
    }

    /// Starts a chat with "hi" and logs in.
    pub fn chatting(&mut self, sm: bool) -> Vec<String> {
        self.say("hi");
        let out = self.started(sm);
        assert_eq!(self.phase(), Phase::Chatting);
        out
    }

    // ---- what the visitor sees ----

    pub fn phase(&self) -> Phase {
        let phase = self.store.phase().get_untracked();
        assert_eq!(phase, self.s.phase(), "the view shows the session's phase");
        phase
    }

    pub fn texts(&self) -> Vec<String> {
        self.store
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some(m.text),
                EntryKind::Notice(_) => None,
            })
            .collect()
    }

    pub fn visitor_messages(&self) -> Vec<(String, MessageStatus)> {
        self.store
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) if m.sender == Sender::Visitor => {
                    Some((m.text, m.status.get_untracked()))
                }
                _ => None,
            })
            .collect()
    }

    pub fn visitor_ids(&self) -> Vec<String> {
        self.store
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) if m.sender == Sender::Visitor => Some(m.id.0),
                _ => None,
            })
            .collect()
    }

    pub fn notices(&self) -> Vec<Notice> {
        self.store
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Notice(n) => Some(n),
                EntryKind::Message(_) => None,
            })
            .collect()
    }

    /// The stored keys (sorted).
    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self.storage.borrow().keys().cloned().collect();
        k.sort();
        k
    }

    pub fn stored(&self, key: &str) -> Option<String> {
        self.storage.borrow().get(key).cloned()
    }

    /// Host events since the last call.
    pub fn take_events(&mut self) -> Vec<HostEvent> {
        std::mem::take(&mut self.events)
    }

    /// Console lines since the last call, as `level: text`.
    pub fn take_logs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.logs)
            .into_iter()
            .map(|l| format!("{:?}: {}", l.level, l.message))
            .collect()
    }

    /// The page unloads (the chat goes on in the next page on this storage).
    pub fn unload(mut self) -> Storage {
        self.now += 1;
        let now = self.now();
        self.s.handle_suspend(now);
        self.drain();
        self.storage.clone()
    }
}

/// The value of attribute `name` in a frame the widget wrote (double quotes).
pub fn attr_of(frame: &str, name: &str) -> String {
    frame
        .split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {frame}"))
        .to_owned()
}

/// Two tabs of one profile whose messages reach each other when [`deliver`] is called.
pub fn deliver(a: &mut Tab, b: &mut Tab) {
    loop {
        let (to_b, to_a) = (std::mem::take(&mut a.posted), std::mem::take(&mut b.posted));
        if to_a.is_empty() && to_b.is_empty() {
            return;
        }
        for m in to_b {
            b.now += 1;
            let now = b.now();
            b.s.handle_tab_message(m, now);
            b.drain();
        }
        for m in to_a {
            a.now += 1;
            let now = a.now();
            a.s.handle_tab_message(m, now);
            a.drain();
        }
    }
}
