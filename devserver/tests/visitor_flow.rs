//! The shared visitor-flow suite: a visitor driven natively by `webchat_protocol::visitor::Chat`
//! over a real WebSocket (tokio-tungstenite), against devserver started in-process, with the
//! agent acting through devserver's desk (the same path as the console, the bot and the
//! control surface).
//!
//! Every flow runs against the embedded backend (plain `embedded_*` tests) and, with the SAME
//! body, as an ignored `interop_*` test against whatever WEBCHAT_XMPP_SERVER names, so the
//! embedded server cannot drift from the real ones. Nothing returns early: an `interop_*`
//! test either runs its flow against the named server or fails.
//!
//! For the xtask groups (`cargo test --workspace -- --ignored interop_`):
//! * `WEBCHAT_XMPP_SERVER=ejabberd|prosody` also needs WEBCHAT_XMPP_WS_URL,
//!   WEBCHAT_XMPP_DOMAIN and WEBCHAT_XMPP_AGENT_DOMAIN (the server xtask started); devserver
//!   runs in-process with the external backend against it.
//! * `WEBCHAT_XMPP_SERVER=embedded` needs nothing else: each test starts devserver in-process
//!   with the embedded backend on a free port (WEBCHAT_XMPP_DOMAIN / _AGENT_DOMAIN are used
//!   when set; WEBCHAT_XMPP_WS_URL is ignored, since it names a different devserver).

use std::net::SocketAddr;
use std::time::Duration;

use devserver::agents::{AgentKind, SignIn};
use devserver::campaigns::ENGLISH;
use devserver::config::DEFAULT_TOKEN;
use devserver::desk::{AgentAction, Typing};
use devserver::identity::{self, UserKey};
use devserver::{BackendChoice, Config, Server, ServerHandle, BOT_NICKNAME};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webchat_protocol::api::{ChatSession, ChatSessionStatus, Sender, XmppCredentials};
use webchat_protocol::{
    Chat, ChatConfig, ChatEvent, ChatState, Config as ConnConfig, Connection, Event, Instant, Jid,
};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(20);

/// The campaigns' identity secret: the tests sign Ada as her site's server would.
const IDENTITY_SECRET: &str = "visitor-flow-identity-secret";

/// Which XMPP deployment a run uses.
#[derive(Clone, Debug)]
struct Target {
    backend: BackendChoice,
    ws_url: Option<String>,
    domain: String,
    agent_domain: Option<String>,
}

impl Target {
    fn embedded() -> Target {
        Target {
            backend: BackendChoice::Embedded,
            ws_url: None,
            domain: "webchat.test".into(),
            agent_domain: None,
        }
    }

    /// The deployment WEBCHAT_XMPP_SERVER names (see the module docs); a missing or unknown
    /// value is a failure, never a silent pass.
    fn from_env() -> Target {
        let var = |name: &str| {
            std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
                panic!("{name} is not set: interop tests run under `cargo xtask test`, which starts the server and sets WEBCHAT_XMPP_SERVER (ejabberd|prosody|embedded), WEBCHAT_XMPP_WS_URL, WEBCHAT_XMPP_DOMAIN and WEBCHAT_XMPP_AGENT_DOMAIN")
            })
        };
        let backend = match var("WEBCHAT_XMPP_SERVER").as_str() {
            "ejabberd" => BackendChoice::Ejabberd,
            "prosody" => BackendChoice::Prosody,
            "embedded" => BackendChoice::Embedded,
            other => panic!("WEBCHAT_XMPP_SERVER={other:?} is not ejabberd, prosody or embedded"),
        };
        if backend == BackendChoice::Embedded {
            let optional = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            let mut t = Target::embedded();
            if let Some(d) = optional("WEBCHAT_XMPP_DOMAIN") {
                t.domain = d;
            }
            t.agent_domain = optional("WEBCHAT_XMPP_AGENT_DOMAIN");
            return t;
        }
        Target {
            backend,
            ws_url: Some(var("WEBCHAT_XMPP_WS_URL")),
            domain: var("WEBCHAT_XMPP_DOMAIN"),
            agent_domain: Some(var("WEBCHAT_XMPP_AGENT_DOMAIN")),
        }
    }

    fn is_embedded(&self) -> bool {
        self.backend == BackendChoice::Embedded
    }
}

struct Reply {
    status: u16,
    body: String,
}

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-API-TOKEN: {DEFAULT_TOKEN}\r\nContent-Type: application/json\r\n"
    );
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw))
        .await
        .expect("reply in time")
        .expect("read");
    let raw = String::from_utf8(raw).expect("UTF-8 reply");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        loop {
            let (size, r) = rest.split_once("\r\n").expect("chunk");
            let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
            if size == 0 {
                break out;
            }
            out.push_str(&r[..size]);
            rest = &r[size + 2..];
        }
    } else {
        body.to_owned()
    };
    Reply { status, body }
}

fn unique(prefix: &str) -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    format!("{prefix}-{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

/// A running devserver with a signed-in agent.
struct Bench {
    server: ServerHandle,
    agent: String,
}

impl Bench {
    async fn start(target: &Target) -> Bench {
        Bench::start_with(target, Duration::from_millis(500)).await
    }

    /// `ping` is the embedded server's ping interval (and twice that its timeout).
    async fn start_with(target: &Target, ping: Duration) -> Bench {
        let bench = Bench::server(target, ping, false, unique("ann")).await;
        bench.sign_in(&bench.agent.clone(), "Ann").await;
        bench
    }

    /// devserver for `target`, its chats going to `agent` (signed in by the caller, or the
    /// bot with `bot`).
    async fn server(target: &Target, ping: Duration, bot: bool, agent: String) -> Bench {
        let config = Config {
            bot,
            backend: target.backend,
            domain: target.domain.clone(),
            agent_domain: target.agent_domain.clone(),
            xmpp_ws_url: target.ws_url.clone(),
            ping_interval: ping,
            ping_timeout: ping * 2,
            ..Config::for_tests()
        };
        let mut config = config;
        for c in &mut config.campaigns {
            c.identity_secret = Some(IDENTITY_SECRET.to_owned());
        }
        let server = Server::start(config).await.expect("devserver starts");
        Bench { server, agent }
    }

    async fn sign_in(&self, nickname: &str, firstname: &str) {
        self.server
            .app()
            .sign_in_agent(SignIn {
                // Only this campaign: the sessions of other tests never land here.
                campaigns: vec![ENGLISH.to_owned()],
                ..SignIn::new(nickname, firstname, AgentKind::Test)
            })
            .await
            .unwrap_or_else(|e| panic!("agent {nickname} signs in: {e}"));
    }

    async fn api(&self, method: &str, path: &str, body: serde_json::Value) -> Reply {
        self.api_with(&[], method, path, body).await
    }

    async fn api_with(
        &self,
        headers: &[(&str, &str)],
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Reply {
        let path = format!("/api/app.php/chatbot/v1/{path}");
        let body = body.to_string();
        http(
            self.server.addr(),
            method,
            &path,
            headers,
            (method != "GET").then_some(body.as_str()),
        )
        .await
    }

    /// `POST chatsessions` for Ada, signed as her site's server would, routed to `agent`.
    async fn create_session(&self, agent: &str) -> ChatSession {
        let key = UserKey::Email("ada@example.org".into());
        let r = self
            .api(
                "POST",
                "chatsessions",
                json!({"campaign_id": ENGLISH, "request_url": "https://shop.example/cart",
                       "user": {"email": "ada@example.org", "firstname": "Ada", "lastname": "L",
                                "assigned_user": agent,
                                "signature": identity::sign(IDENTITY_SECRET, &key)}}),
            )
            .await;
        assert_eq!(r.status, 201, "POST chatsessions: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    /// `POST xmppcredentials` as the chat's visitor.
    async fn credentials(&self, session: &ChatSession) -> XmppCredentials {
        let secret = session.visitor_secret.as_deref().expect("visitor secret");
        let r = self
            .api_with(
                &[("X-Chat-Secret", secret)],
                "POST",
                "xmppcredentials",
                json!({"chatsession_id": session.id}),
            )
            .await;
        assert_eq!(r.status, 201, "POST xmppcredentials: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    /// `POST chatsessions` and `POST xmppcredentials`, as the widget does.
    async fn new_chat(&self) -> (ChatSession, XmppCredentials) {
        let session = self.create_session(&self.agent).await;
        assert_eq!(session.status, ChatSessionStatus::Created);
        let creds = self.credentials(&session).await;
        assert_eq!(creds.agent.nickname, self.agent);
        (session, creds)
    }

    /// A chat as the widget starts it: session, credentials, a connected visitor, and the
    /// session `active` once the visitor's presences reached the agent.
    async fn active_chat(&self) -> (ChatSession, Visitor) {
        let (session, creds) = self.new_chat().await;
        let mut v = Visitor::connect(&self.server.xmpp_ws_url(), &creds).await;
        wait_status(self, &mut v, &session.id, ChatSessionStatus::Active).await;
        (session, v)
    }

    /// Waits (without driving a visitor) until the session has `want`.
    async fn status_becomes(&self, id: &str, want: ChatSessionStatus) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.status(id).await != want {
            assert!(
                tokio::time::Instant::now() < deadline,
                "session {id} never became {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn status(&self, id: &str) -> ChatSessionStatus {
        self.server
            .hub()
            .session(id)
            .unwrap_or_else(|| panic!("session {id} exists"))
            .status
    }

    fn act(&self, session: &str, action: AgentAction) {
        self.server
            .desk()
            .act(session, action.clone())
            .unwrap_or_else(|e| panic!("agent action {action:?}: {e}"));
    }

    /// A call to the test control surface (`/_test/PATH`).
    async fn control(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        http(
            self.server.addr(),
            method,
            &format!("/_test/{path}"),
            &[],
            body.as_deref(),
        )
        .await
    }

    /// The stanzas (XML) the agent with this nickname received so far.
    fn received(&self, nickname: &str) -> Vec<String> {
        let jid = format!("{nickname}@{}", self.server.app().backend.agent_domain());
        self.server
            .desk()
            .received(&jid)
            .into_iter()
            .map(|r| r.xml)
            .collect()
    }
}

async fn ws_connect(url: &str) -> Ws {
    let mut request = url.into_client_request().expect("WebSocket URL");
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| panic!("WebSocket to {url}: {e}"));
    assert_eq!(
        response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok()),
        Some("xmpp"),
        "subprotocol xmpp selected"
    );
    ws
}

fn entropy() -> [u8; 16] {
    let mut e = [0u8; 16];
    getrandom::fill(&mut e).unwrap();
    e
}

/// The visitor: a `Chat` on a WebSocket, with everything it saw.
struct Visitor {
    chat: Chat,
    ws: Option<Ws>,
    origin: tokio::time::Instant,
    events: Vec<ChatEvent>,
    frames: Vec<String>,
    creds: XmppCredentials,
}

impl Visitor {
    fn connection(creds: &XmppCredentials) -> ConnConfig {
        let c = &creds.credentials;
        ConnConfig::new(&c.user, &c.password, &c.domain, &c.resource, entropy())
    }

    async fn connect(url: &str, creds: &XmppCredentials) -> Visitor {
        let origin = tokio::time::Instant::now();
        let config = ChatConfig {
            connection: Visitor::connection(creds),
            agent: Jid::parse(&creds.agent.jid).expect("agent JID"),
            agent_nick: creds.agent.nickname.clone(),
        };
        let mut v = Visitor {
            chat: Chat::new(config, Instant::from_millis(0)),
            ws: Some(ws_connect(url).await),
            origin,
            events: Vec::new(),
            frames: Vec::new(),
            creds: creds.clone(),
        };
        v.wait("connected", |e| matches!(e, ChatEvent::Connected { .. }))
            .await;
        v
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    /// Sends what the chat wants to send, reads one frame or a timer, until `until`.
    async fn step(&mut self, until: tokio::time::Instant) {
        while let Some(f) = self.chat.poll_transmit() {
            if let Some(ws) = &mut self.ws {
                if ws.send(Message::text(f)).await.is_err() {
                    self.ws = None;
                    let now = self.now();
                    self.chat.handle_transport_closed(now);
                }
            }
        }
        let before = self.events.len();
        while let Some(ev) = self.chat.poll_event() {
            self.events.push(ev);
        }
        if self.events.len() > before {
            // Something happened without a frame (e.g. the transport closed): look first.
            return;
        }
        let wake = self
            .chat
            .poll_timeout()
            .map(|t| self.origin + Duration::from_millis(t.as_millis()))
            .unwrap_or(until)
            .min(until);
        let msg = match &mut self.ws {
            Some(ws) => tokio::select! {
                m = ws.next() => Some(m),
                () = tokio::time::sleep_until(wake) => None,
            },
            None => {
                tokio::time::sleep_until(wake).await;
                None
            }
        };
        let now = self.now();
        match msg {
            Some(Some(Ok(Message::Text(t)))) => {
                self.frames.push(t.to_string());
                self.chat.handle_frame(t.as_str(), now);
            }
            Some(Some(Ok(Message::Close(_)))) | Some(Some(Err(_))) | Some(None) => {
                self.ws = None;
                self.chat.handle_transport_closed(now);
            }
            Some(Some(Ok(_))) => {}
            None => self.chat.handle_timeout(now),
        }
        while let Some(ev) = self.chat.poll_event() {
            self.events.push(ev);
        }
    }

    /// Drives the chat until an event matches; returns it.
    async fn wait(&mut self, what: &str, pred: impl Fn(&ChatEvent) -> bool) -> ChatEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut checked = 0;
        loop {
            while checked < self.events.len() {
                checked += 1;
                if pred(&self.events[checked - 1]) {
                    return self.events.remove(checked - 1);
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; events so far: {:?}",
                self.events
            );
            self.step(deadline).await;
        }
    }

    /// Drives the chat (answering pings…) until `cond` holds.
    async fn until(&mut self, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !cond() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; events: {:?}",
                self.events
            );
            let step = (tokio::time::Instant::now() + Duration::from_millis(25)).min(deadline);
            self.step(step).await;
        }
    }

    /// Drives the chat for a while.
    async fn idle(&mut self, d: Duration) {
        let end = tokio::time::Instant::now() + d;
        while tokio::time::Instant::now() < end {
            self.step(end).await;
        }
    }

    fn say(&mut self, text: &str) -> String {
        let now = self.now();
        self.chat.send_message(text, now).expect("chat open")
    }
}

/// Session status, seen through the API while the visitor keeps its connection alive.
async fn wait_status(b: &Bench, v: &mut Visitor, id: &str, want: ChatSessionStatus) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if b.status(id).await == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "session never became {want:?}"
        );
        v.idle(Duration::from_millis(50)).await;
    }
}

/// Waits (without driving a visitor) until `cond` holds.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- the flows -------------------------------------------------------------------------

/// Presence handshake, messages both ways, typing both ways, agent close.
async fn chat_flow(t: Target) {
    let b = Bench::start(&t).await;
    // The three presences reach the agent: created → active.
    let (session, mut v) = b.active_chat().await;
    let agent = b.agent.clone();
    // The agent's subscribe was answered with subscribed, on every server. (Prosody 0.12
    // delivers it only because the agent client requested its roster: see external.rs.)
    v.until("the visitor's subscribed", || {
        b.received(&agent)
            .iter()
            .any(|x| x.contains("presence") && x.contains("subscribed"))
    })
    .await;

    // Visitor → agent, text stays text.
    v.say("hello <b>agent</b> & co");
    v.until("the message in the transcript", || {
        b.server.hub().transcript(&session.id).is_some_and(|t| {
            t.messages
                .iter()
                .any(|m| m.from == Sender::Visitor && m.body == "hello <b>agent</b> & co")
        })
    })
    .await;

    // Visitor typing reaches the agent.
    let now = v.now();
    v.chat.set_chat_state(ChatState::Composing, now);
    v.until("composing at the agent", || {
        b.received(&agent).iter().any(|x| x.contains("<composing"))
    })
    .await;

    // Agent typing, then a reply with the agent's nick.
    b.act(
        &session.id,
        AgentAction::Typing {
            state: Typing::Composing,
        },
    );
    v.wait("agent typing", |e| *e == ChatEvent::AgentTyping(true))
        .await;
    b.act(
        &session.id,
        AgentAction::Message {
            body: "hi <i>there</i>".into(),
        },
    );
    let ev = v
        .wait("agent message", |e| {
            matches!(e, ChatEvent::AgentMessage { .. })
        })
        .await;
    let ChatEvent::AgentMessage { nick, body, id, .. } = ev else {
        unreachable!()
    };
    assert_eq!(nick, b.agent);
    assert_eq!(body, "hi <i>there</i>");
    assert!(!id.is_empty());
    let transcript = b.server.hub().transcript(&session.id).unwrap().messages;
    assert_eq!(transcript.len(), 2, "{transcript:?}");
    assert_eq!(transcript[1].from, Sender::Agent);

    // Agent closes: the visitor answers closed and disconnects.
    b.act(&session.id, AgentAction::Close);
    v.wait("agent closed", |e| *e == ChatEvent::AgentClosed)
        .await;
    v.wait("chat over", |e| *e == ChatEvent::Closed).await;
    assert_eq!(b.status(&session.id).await, ChatSessionStatus::Closed);
    // The visitor's `closed` answer travels through the server after it disconnected.
    eventually("the visitor answered closed", || {
        b.received(&agent).iter().any(|x| x.contains("<closed"))
    })
    .await;
    b.server.shutdown().await.unwrap();
}

/// The visitor ends the chat: `closed` reaches the agent and closes the session.
async fn visitor_close(t: Target) {
    let b = Bench::start(&t).await;
    let (session, mut v) = b.active_chat().await;
    let now = v.now();
    v.chat.close(now);
    v.wait("chat over", |e| *e == ChatEvent::Closed).await;
    b.status_becomes(&session.id, ChatSessionStatus::Closed)
        .await;
    b.server.shutdown().await.unwrap();
}

/// Transfer to another agent (new nick from then on), the first agent signs out, the chat goes
/// on both ways, then the new agent blocks the visitor.
async fn transfer_and_block(t: Target) {
    let b = Bench::start(&t).await;
    let bob = unique("bob");
    b.sign_in(&bob, "Bob").await;
    let (session, mut v) = b.active_chat().await;
    b.act(&session.id, AgentAction::Transfer { to: bob.clone() });
    let ev = v
        .wait("transfer", |e| matches!(e, ChatEvent::Transferred { .. }))
        .await;
    assert_eq!(
        ev,
        ChatEvent::Transferred {
            nickname: bob.clone(),
            firstname: "Bob".into()
        }
    );
    assert_eq!(
        b.server
            .hub()
            .session_view(&session.id)
            .unwrap()
            .agent
            .nickname,
        bob
    );
    // The first agent leaves. Its JID is the only one the visitor accepts, so on real
    // servers its connection must stay up as a relay for the transferred chat.
    let ann = b
        .server
        .hub()
        .agent_by_nickname(&b.agent)
        .expect("ann signed in");
    b.server.app().sign_out_agent(ann.id).await.unwrap();
    v.idle(Duration::from_millis(300)).await;
    // The new agent answers; the visitor sees the new nick.
    b.act(
        &session.id,
        AgentAction::Message {
            body: "Bob here".into(),
        },
    );
    let ev = v
        .wait("bob's message", |e| {
            matches!(e, ChatEvent::AgentMessage { .. })
        })
        .await;
    assert!(matches!(ev, ChatEvent::AgentMessage { nick, .. } if nick == bob));
    // Visitor messages still reach the desk, now shown to bob.
    v.say("thanks");
    v.until("visitor message after transfer", || {
        b.server
            .hub()
            .transcript(&session.id)
            .is_some_and(|t| t.messages.iter().any(|m| m.body == "thanks"))
    })
    .await;
    b.act(&session.id, AgentAction::Block);
    v.wait("blocked", |e| *e == ChatEvent::Blocked).await;
    v.wait("chat over", |e| *e == ChatEvent::Closed).await;
    assert_eq!(b.status(&session.id).await, ChatSessionStatus::Closed);
    b.server.shutdown().await.unwrap();
}

/// Away and back, and a co-browsing request with the visitor's answer.
async fn away_back_cobrowse(t: Target) {
    let b = Bench::start(&t).await;
    let (session, mut v) = b.active_chat().await;
    // The agent's availability arrives after the handshake; away needs it seen first.
    v.idle(Duration::from_millis(300)).await;
    b.act(&session.id, AgentAction::Away);
    v.wait("agent unavailable", |e| *e == ChatEvent::AgentUnavailable)
        .await;
    b.act(&session.id, AgentAction::Back);
    v.wait("agent available", |e| *e == ChatEvent::AgentAvailable)
        .await;
    b.act(&session.id, AgentAction::Cobrowse);
    v.wait("co-browsing request", |e| {
        *e == ChatEvent::CobrowsingRequested
    })
    .await;
    let now = v.now();
    v.chat.answer_cobrowsing(true, now).unwrap();
    v.until("the answer at the desk", || {
        b.server.desk().live(&session.id).cobrowsing == Some("accepted")
    })
    .await;
    b.server.shutdown().await.unwrap();
}

/// The server pings a silent visitor; the chat answers and stays up.
async fn pings_are_answered(t: Target) {
    let b = Bench::start(&t).await;
    let (session, mut v) = b.active_chat().await;
    // Embedded pings after 0.5 s of silence here; the real servers after 10 s.
    let silence = Duration::from_secs(if t.is_embedded() { 2 } else { 13 });
    v.idle(silence).await;
    // Only the server sends ping requests on this stream (the visitor's keepalive is 30 s).
    assert!(
        v.frames.iter().any(|f| f.contains("urn:xmpp:ping")),
        "the server pinged the silent visitor"
    );
    b.act(
        &session.id,
        AgentAction::Message {
            body: "still there?".into(),
        },
    );
    v.wait("message after pings", |e| {
        matches!(e, ChatEvent::AgentMessage { .. })
    })
    .await;
    b.server.shutdown().await.unwrap();
}

/// A reload: the WebSocket dies, a new one resumes the session (XEP-0198) and what the agent
/// wrote meanwhile arrives.
async fn resume_after_reload(t: Target) {
    let b = Bench::start(&t).await;
    let url = b.server.xmpp_ws_url();
    let (session, mut v) = b.active_chat().await;
    v.idle(Duration::from_millis(200)).await;
    assert!(v.chat.resume_state().is_some(), "stream management enabled");
    // The socket dies without a goodbye.
    drop(v.ws.take());
    let now = v.now();
    v.chat.handle_transport_closed(now);
    v.wait("disconnected", |e| matches!(e, ChatEvent::Disconnected(_)))
        .await;
    b.act(
        &session.id,
        AgentAction::Message {
            body: "while you were away".into(),
        },
    );
    v.ws = Some(ws_connect(&url).await);
    let now = v.now();
    let config = Visitor::connection(&v.creds);
    v.chat.reconnect(config, now).expect("chat still open");
    let ev = v
        .wait("connected again", |e| {
            matches!(e, ChatEvent::Connected { .. })
        })
        .await;
    assert!(
        matches!(ev, ChatEvent::Connected { resumed: true, .. }),
        "resumed, not a new session: {ev:?}"
    );
    let ev = v
        .wait("the message sent during the gap", |e| {
            matches!(e, ChatEvent::AgentMessage { .. })
        })
        .await;
    assert!(matches!(ev, ChatEvent::AgentMessage { body, .. } if body == "while you were away"));
    b.server.shutdown().await.unwrap();
}

/// A new connection of the same visitor (no resumption) gets the chat back from the archive
/// (XEP-0313), oldest first, with the agent's nick.
async fn history_from_the_archive(t: Target) {
    let b = Bench::start(&t).await;
    let url = b.server.xmpp_ws_url();
    let (session, mut v) = b.active_chat().await;
    let creds = v.creds.clone();
    v.say("first from the visitor");
    v.until("the visitor's message at the desk", || {
        b.server
            .hub()
            .transcript(&session.id)
            .is_some_and(|t| !t.messages.is_empty())
    })
    .await;
    b.act(
        &session.id,
        AgentAction::Message {
            body: "then the agent".into(),
        },
    );
    v.wait("agent message", |e| {
        matches!(e, ChatEvent::AgentMessage { .. })
    })
    .await;
    drop(v);
    let mut again = Visitor::connect(&url, &creds).await;
    let now = again.now();
    assert!(again.chat.fetch_history(50, now), "history fetch starts");
    let ev = again
        .wait("history", |e| matches!(e, ChatEvent::History { .. }))
        .await;
    let ChatEvent::History { messages, .. } = ev else {
        unreachable!()
    };
    let bodies: Vec<(bool, &str)> = messages
        .iter()
        .map(|m| (m.from_agent, m.body.as_str()))
        .collect();
    assert_eq!(
        bodies,
        vec![(false, "first from the visitor"), (true, "then the agent")],
        "{messages:?}"
    );
    let agent_msg = &messages[1];
    assert_eq!(agent_msg.nick.as_deref(), Some(b.agent.as_str()));
    assert!(agent_msg.stamp.is_some(), "archived with a timestamp");
    b.server.shutdown().await.unwrap();
}

// ---- embedded only: what a hostile or dead client gets ----------------------------------

async fn raw_frame(ws: &mut Ws) -> Option<String> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Message::Text(t))) => return Some(t.to_string()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn malformed_frames_get_a_stream_error_not_a_crash() {
    let b = Bench::start(&Target::embedded()).await;
    let url = b.server.xmpp_ws_url();
    for bad in [
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='webchat.test' version='1.0'",
        "not xml at all",
        "<!DOCTYPE x><open/>",
        "<a:b/>",
    ] {
        let mut ws = ws_connect(&url).await;
        ws.send(Message::text(bad)).await.unwrap();
        let first = raw_frame(&mut ws).await.expect("a stream error");
        assert!(first.contains("not-well-formed"), "{bad:?} → {first}");
        assert!(raw_frame(&mut ws)
            .await
            .is_some_and(|f| f.contains("<close")));
    }
    // Auth with wrong credentials fails cleanly; the server still serves chats.
    let mut ws = ws_connect(&url).await;
    ws.send(Message::text(
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='webchat.test' version='1.0'/>",
    ))
    .await
    .unwrap();
    assert!(raw_frame(&mut ws).await.unwrap().contains("<open"));
    let features = raw_frame(&mut ws).await.unwrap();
    assert!(
        features.contains("SCRAM-SHA-1") && features.contains("PLAIN"),
        "{features}"
    );
    ws.send(Message::text(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AG5vYm9keQBwdw==</auth>",
    ))
    .await
    .unwrap();
    assert!(raw_frame(&mut ws).await.unwrap().contains("not-authorized"));
    ws.send(Message::text(
        "<message xmlns='jabber:client'><body>x</body></message>",
    ))
    .await
    .unwrap();
    assert!(raw_frame(&mut ws).await.unwrap().contains("not-authorized"));
    let (_, creds) = b.new_chat().await;
    Visitor::connect(&url, &creds).await;
    b.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_dead_client_is_dropped_after_the_ping_timeout() {
    let b = Bench::start(&Target::embedded()).await;
    let (_, creds) = b.new_chat().await;
    let url = b.server.xmpp_ws_url();
    let mut ws = ws_connect(&url).await;
    let c = &creds.credentials;
    let plain = {
        use base64_free::encode;
        encode(format!("\0{}\0{}", c.local_part(), c.password).as_bytes())
    };
    let open = format!(
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='{}' version='1.0'/>",
        c.domain
    );
    ws.send(Message::text(open.clone())).await.unwrap();
    raw_frame(&mut ws).await.unwrap();
    raw_frame(&mut ws).await.unwrap();
    ws.send(Message::text(format!(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>"
    )))
    .await
    .unwrap();
    assert!(raw_frame(&mut ws).await.unwrap().contains("<success"));
    ws.send(Message::text(open)).await.unwrap();
    raw_frame(&mut ws).await.unwrap();
    raw_frame(&mut ws).await.unwrap();
    ws.send(Message::text(format!("<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{}</resource></bind></iq>", c.resource))).await.unwrap();
    let bound = raw_frame(&mut ws).await.unwrap();
    assert!(bound.contains(&format!("/{}</jid>", c.resource)), "{bound}");
    let full = format!("{}/{}", c.user, c.resource);
    assert!(b
        .server
        .app()
        .embedded
        .as_ref()
        .unwrap()
        .router
        .is_bound(&full));
    // Silent from now on: a ping, then the stream error, then the session is gone.
    let ping = raw_frame(&mut ws).await.unwrap();
    assert!(ping.contains("urn:xmpp:ping"), "{ping}");
    let error = raw_frame(&mut ws).await.unwrap();
    assert!(error.contains("connection-timeout"), "{error}");
    let router = &b.server.app().embedded.as_ref().unwrap().router;
    eventually("the session unbound", || !router.is_bound(&full)).await;
    b.server.shutdown().await.unwrap();
}

/// Base64 for the raw PLAIN test without another dependency.
mod base64_free {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(data: &[u8]) -> String {
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

// ---- the agent console routes a chat (embedded) ------------------------------------------

async fn console_event(
    ws: &mut Ws,
    what: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let msg = tokio::time::timeout(left, ws.next())
            .await
            .unwrap_or_else(|_| panic!("console: timed out waiting for {what}"));
        if let Some(Ok(Message::Text(t))) = msg {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            assert_ne!(
                v["type"], "error",
                "console error while waiting for {what}: {v}"
            );
            if pred(&v) {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn console_routes_a_chat() {
    // The visitor is not driven while the test reads the console: no pings meanwhile.
    let b = Bench::start_with(&Target::embedded(), Duration::from_secs(30)).await;
    let url = format!("ws://{}/agent/ws", b.server.addr());
    let (mut console, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let hello = console_event(&mut console, "hello", |v| v["type"] == "hello").await;
    assert_eq!(hello["xmpp_ws_url"], b.server.xmpp_ws_url());
    let cmd = |v: serde_json::Value| Message::text(v.to_string());
    console
        .send(cmd(json!({"type": "sign_in", "nickname": "carol", "firstname": "Carol", "campaigns": [ENGLISH]})))
        .await
        .unwrap();
    console_event(&mut console, "signed_in", |v| v["type"] == "signed_in").await;
    let session = b.create_session("carol").await;
    let creds = b.credentials(&session).await;
    assert_eq!(creds.agent.nickname, "carol");
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    v.idle(Duration::from_millis(200)).await;
    let chats = console_event(&mut console, "the chat, active and online", |e| {
        e["type"] == "chats"
            && e["chats"][0]["status"] == "active"
            && e["chats"][0]["live"]["visitor_online"] == true
    })
    .await;
    assert_eq!(
        chats["chats"][0]["request_url"],
        "https://shop.example/cart"
    );
    assert_eq!(chats["chats"][0]["visitor_identifier"], "ada@example.org");
    let now = v.now();
    v.chat.set_chat_state(ChatState::Composing, now);
    v.idle(Duration::from_millis(100)).await;
    console_event(&mut console, "visitor typing", |e| {
        e["type"] == "chats" && e["chats"][0]["live"]["visitor_state"] == "composing"
    })
    .await;
    console
        .send(cmd(
            json!({"type": "typing", "chatsession_id": session.id, "state": "composing"}),
        ))
        .await
        .unwrap();
    v.wait("agent typing", |e| *e == ChatEvent::AgentTyping(true))
        .await;
    console
        .send(cmd(
            json!({"type": "reply", "chatsession_id": session.id, "body": "Hi, Carol here"}),
        ))
        .await
        .unwrap();
    let ev = v
        .wait("reply", |e| matches!(e, ChatEvent::AgentMessage { .. }))
        .await;
    assert!(
        matches!(ev, ChatEvent::AgentMessage { nick, body, .. } if nick == "carol" && body == "Hi, Carol here")
    );
    // Transfer to the test agent: the chat leaves carol's console.
    console
        .send(cmd(
            json!({"type": "transfer", "chatsession_id": session.id, "to": b.agent}),
        ))
        .await
        .unwrap();
    v.wait("transfer", |e| matches!(e, ChatEvent::Transferred { .. }))
        .await;
    console_event(&mut console, "the chat moved away", |e| {
        e["type"] == "chats" && e["chats"].as_array().is_some_and(|c| c.is_empty())
    })
    .await;
    b.server.shutdown().await.unwrap();
}

/// Another client logs in as the agent's full JID (`nick@agent-domain/webchat`) and leaves
/// again; the chat must work both ways afterwards. On ejabberd and Prosody that login kicks
/// devserver's agent connection (resource conflict), devserver logs in again with backoff and
/// kicks the intruder in turn. On the embedded server the client takes the agent JID over from
/// the desk while connected, and the desk gets it back when it leaves.
async fn agent_connection_comes_back(t: Target) {
    let b = Bench::start(&t).await;
    let (session, mut v) = b.active_chat().await;
    let domain = b.server.app().backend.agent_domain().to_owned();
    let password = devserver::external::ExternalBackend::agent_password(&b.agent);
    let mut config = ConnConfig::new(&b.agent, &password, &domain, "webchat", entropy());
    // The embedded server has no account for the desk's agents: make one.
    config.register = t.is_embedded();
    let mut intruder = Driver::login(&b.server.xmpp_ws_url(), config).await;
    if t.is_embedded() {
        intruder.close().await;
    } else {
        // devserver's agent lost its stream to us and logs in again, which ends ours.
        intruder.until_closed().await;
        // The visitor sees the agent go and come back; what is proved here is the desk after
        // its new login, so the visitor writes once it has seen that login's presence.
        v.wait("the agent gone", |e| {
            matches!(e, ChatEvent::AgentUnavailable)
        })
        .await;
        v.wait("the agent back", |e| matches!(e, ChatEvent::AgentAvailable))
            .await;
    }
    // Visitor → agent.
    v.say("are you back?");
    v.until("the visitor's message at the desk", || {
        b.server
            .hub()
            .transcript(&session.id)
            .is_some_and(|t| t.messages.iter().any(|m| m.body == "are you back?"))
    })
    .await;
    // Agent → visitor.
    b.act(
        &session.id,
        AgentAction::Message {
            body: "yes, back".into(),
        },
    );
    let ev = v
        .wait(
            "the agent's message",
            |e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "yes, back"),
        )
        .await;
    assert!(matches!(ev, ChatEvent::AgentMessage { nick, .. } if nick == b.agent));
    b.server.shutdown().await.unwrap();
}

/// Everything e2e tests make the agent do, through the HTTP control surface only: sign in,
/// typing on and off, a message, a co-browsing request and the visitor's answer, away and
/// back, transfer, block; and what they read: live state, the stanzas received per agent and
/// per session, session states, the request log, refusals with their status codes.
async fn control_surface_drives_the_agent(t: Target) {
    let b = Bench::start(&t).await;
    let bob = unique("bob");
    let r = b
        .control(
            "POST",
            "agents",
            Some(json!({"nickname": bob, "firstname": "Bob", "campaigns": [ENGLISH]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (session, mut v) = b.active_chat().await;
    // The agent's availability arrives after the handshake; away needs it seen first.
    v.idle(Duration::from_millis(300)).await;
    let id = session.id.clone();
    let bench = &b;
    let act = |action: serde_json::Value| {
        let path = format!("chatsessions/{id}/agent");
        async move { bench.control("POST", &path, Some(action)).await }
    };

    assert_eq!(
        act(json!({"action": "typing", "state": "composing"}))
            .await
            .status,
        204
    );
    v.wait("typing on", |e| *e == ChatEvent::AgentTyping(true))
        .await;
    assert_eq!(
        act(json!({"action": "typing", "state": "paused"}))
            .await
            .status,
        204
    );
    v.wait("typing off", |e| *e == ChatEvent::AgentTyping(false))
        .await;
    assert_eq!(
        act(json!({"action": "message", "body": "via control"}))
            .await
            .status,
        204
    );
    v.wait(
        "the message",
        |e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "via control"),
    )
    .await;
    assert_eq!(act(json!({"action": "cobrowse"})).await.status, 204);
    v.wait("co-browsing request", |e| {
        *e == ChatEvent::CobrowsingRequested
    })
    .await;
    let now = v.now();
    v.chat.answer_cobrowsing(false, now).unwrap();
    v.idle(Duration::from_millis(200)).await;
    let live = b
        .control("GET", &format!("chatsessions/{id}/live"), None)
        .await;
    assert_eq!(live.status, 200);
    let live: serde_json::Value = serde_json::from_str(&live.body).unwrap();
    assert_eq!(live["cobrowsing"], "denied", "{live}");
    assert_eq!(live["visitor_online"], true, "{live}");
    assert_eq!(act(json!({"action": "away"})).await.status, 204);
    v.wait("away", |e| *e == ChatEvent::AgentUnavailable).await;
    assert_eq!(act(json!({"action": "back"})).await.status, 204);
    v.wait("back", |e| *e == ChatEvent::AgentAvailable).await;

    // What the agent received, per agent and per session.
    v.say("hello control");
    let stanzas_with = |path: String, text: &'static str| {
        let b = &b;
        async move {
            let r = b.control("GET", &path, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            let list: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
            list.iter()
                .any(|s| s["xml"].as_str().is_some_and(|x| x.contains(text)))
        }
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while !stanzas_with(format!("agents/{}/stanzas", b.agent), "hello control").await
        || !stanzas_with(format!("chatsessions/{id}/stanzas"), "hello control").await
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the visitor's message in the stanza logs"
        );
        v.idle(Duration::from_millis(50)).await;
    }

    // Refusals.
    assert_eq!(
        act(json!({"action": "message", "body": " "})).await.status,
        400
    );
    assert_eq!(
        act(json!({"action": "transfer", "to": "nobody"}))
            .await
            .status,
        409
    );
    assert_eq!(act(json!({"action": "dance"})).await.status, 400);
    let unknown = b
        .control(
            "POST",
            "chatsessions/nope/agent",
            Some(json!({"action": "close"})),
        )
        .await;
    assert_eq!(unknown.status, 404);

    // Transfer: the session's agent changes; the visitor's stanzas (still addressed to the
    // first agent's JID) stay readable per session.
    assert_eq!(
        act(json!({"action": "transfer", "to": bob})).await.status,
        204
    );
    v.wait("transfer", |e| matches!(e, ChatEvent::Transferred { .. }))
        .await;
    let view = b.control("GET", &format!("chatsessions/{id}"), None).await;
    let view: serde_json::Value = serde_json::from_str(&view.body).unwrap();
    assert_eq!(view["agent"]["nickname"], bob.as_str(), "{view}");
    v.say("after the transfer");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !stanzas_with(format!("chatsessions/{id}/stanzas"), "after the transfer").await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the message after the transfer"
        );
        v.idle(Duration::from_millis(50)).await;
    }

    assert_eq!(act(json!({"action": "block"})).await.status, 204);
    v.wait("blocked", |e| *e == ChatEvent::Blocked).await;
    assert_eq!(
        act(json!({"action": "message", "body": "too late"}))
            .await
            .status,
        409
    );
    let sessions = b.control("GET", "chatsessions", None).await;
    let sessions: Vec<serde_json::Value> = serde_json::from_str(&sessions.body).unwrap();
    assert!(sessions
        .iter()
        .any(|s| s["id"] == id.as_str() && s["status"] == "closed"));
    let log = b.control("GET", "requests", None).await;
    assert!(
        log.body.contains("/api/app.php/chatbot/v1/xmppcredentials"),
        "{}",
        log.body
    );
    b.server.shutdown().await.unwrap();
}

/// A bare `Connection` on a WebSocket, for clients other than the visitor.
struct Driver {
    conn: Connection,
    ws: Ws,
    origin: tokio::time::Instant,
}

impl Driver {
    async fn login(url: &str, config: ConnConfig) -> Driver {
        let mut d = Driver {
            conn: Connection::new(config, Instant::from_millis(0)),
            ws: ws_connect(url).await,
            origin: tokio::time::Instant::now(),
        };
        let ev = d
            .next_event(|e| matches!(e, Event::Ready { .. } | Event::Closed(_)))
            .await;
        assert!(matches!(ev, Event::Ready { .. }), "login: {ev:?}");
        d
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    /// Drives the connection until an event matches.
    async fn next_event(&mut self, pred: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            while let Some(f) = self.conn.poll_transmit() {
                if self.ws.send(Message::text(f)).await.is_err() {
                    let now = self.now();
                    self.conn.handle_transport_closed(now);
                }
            }
            while let Some(ev) = self.conn.poll_event() {
                if pred(&ev) {
                    return ev;
                }
            }
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("the connection's next event in time");
            let now = self.now();
            match msg {
                Some(Ok(Message::Text(t))) => self.conn.handle_frame(t.as_str(), now),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => self.conn.handle_transport_closed(now),
            }
        }
    }

    async fn close(&mut self) {
        let now = self.now();
        self.conn.close(now);
        self.until_closed().await;
    }

    async fn until_closed(&mut self) {
        self.next_event(|e| matches!(e, Event::Closed(_))).await;
    }
}

/// The auto-agent answers and obeys the visitor's slash-commands.
async fn bot_flow(t: Target) {
    let b = Bench::server(&t, Duration::from_secs(5), true, BOT_NICKNAME.into()).await;
    let (session, creds) = b.new_chat().await;
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    v.say("hello bot");
    let ev = v
        .wait("echo", |e| matches!(e, ChatEvent::AgentMessage { .. }))
        .await;
    assert!(matches!(ev, ChatEvent::AgentMessage { body, .. } if body == "You said: hello bot"));
    v.say("/typing");
    v.wait("typing", |e| *e == ChatEvent::AgentTyping(true))
        .await;
    v.say("/cobrowse");
    v.wait("co-browsing", |e| *e == ChatEvent::CobrowsingRequested)
        .await;
    v.say("/away");
    v.wait("away", |e| *e == ChatEvent::AgentUnavailable).await;
    v.say("/back");
    v.wait("back", |e| *e == ChatEvent::AgentAvailable).await;
    v.say("/transfer nobody");
    let ev = v
        .wait("refusal", |e| matches!(e, ChatEvent::AgentMessage { .. }))
        .await;
    assert!(matches!(ev, ChatEvent::AgentMessage { body, .. } if body.contains("not signed in")));
    v.say("/close");
    v.wait("closed", |e| *e == ChatEvent::AgentClosed).await;
    assert_eq!(b.status(&session.id).await, ChatSessionStatus::Closed);
    b.server.shutdown().await.unwrap();
}

// ---- the same flows, once per deployment ---------------------------------------------------

macro_rules! flows {
    ($($flow:ident => $embedded:ident, $interop:ident;)*) => {$(
        #[tokio::test]
        async fn $embedded() {
            $flow(Target::embedded()).await;
        }

        #[tokio::test]
        #[ignore = "runs against WEBCHAT_XMPP_SERVER: `cargo xtask test --only embedded,ejabberd,prosody`"]
        async fn $interop() {
            $flow(Target::from_env()).await;
        }
    )*};
}

flows! {
    chat_flow => embedded_chat_flow, interop_chat_flow;
    bot_flow => embedded_bot_flow, interop_bot_flow;
    visitor_close => embedded_visitor_close, interop_visitor_close;
    transfer_and_block => embedded_transfer_and_block, interop_transfer_and_block;
    away_back_cobrowse => embedded_away_back_cobrowse, interop_away_back_cobrowse;
    pings_are_answered => embedded_pings_are_answered, interop_pings_are_answered;
    resume_after_reload => embedded_resume_after_reload, interop_resume_after_reload;
    history_from_the_archive => embedded_history_from_the_archive, interop_history_from_the_archive;
    agent_connection_comes_back => embedded_agent_connection_comes_back, interop_agent_connection_comes_back;
    control_surface_drives_the_agent => embedded_control_surface_drives_the_agent, interop_control_surface_drives_the_agent;
}
