//! The shared visitor-flow suite: a visitor driven natively by `webchat_protocol::visitor::Chat`
//! over a real WebSocket (tokio-tungstenite), against devserver started in-process, with the
//! agent acting through devserver's desk (the same path as the console, the bot and the
//! control surface).
//!
//! Every flow runs against the embedded backend (plain tests) and, with the SAME bodies,
//! against real ejabberd and Prosody (`interop_*`, ignored; `cargo xtask test` runs them with
//! WEBCHAT_XMPP_SERVER / WEBCHAT_XMPP_WS_URL / WEBCHAT_XMPP_DOMAIN / WEBCHAT_XMPP_AGENT_DOMAIN
//! set), so the embedded server cannot drift from the real ones.

use std::net::SocketAddr;
use std::time::Duration;

use devserver::agents::{AgentKind, SignIn};
use devserver::campaigns::ENGLISH;
use devserver::config::DEFAULT_TOKEN;
use devserver::desk::{AgentAction, Typing};
use devserver::{BackendChoice, Config, Server, ServerHandle};
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
    Chat, ChatConfig, ChatEvent, ChatState, Config as ConnConfig, Instant, Jid,
};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(20);

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

    /// The real server xtask started; a missing variable is a failure, never a silent pass.
    fn from_env(server: &str) -> Target {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: interop tests run under `cargo xtask test`, which starts {server} and sets WEBCHAT_XMPP_SERVER, WEBCHAT_XMPP_WS_URL, WEBCHAT_XMPP_DOMAIN and WEBCHAT_XMPP_AGENT_DOMAIN")
            })
        };
        let actual = var("WEBCHAT_XMPP_SERVER");
        let backend = match actual.as_str() {
            "ejabberd" => BackendChoice::Ejabberd,
            "prosody" => BackendChoice::Prosody,
            "embedded" => BackendChoice::Embedded,
            other => panic!("WEBCHAT_XMPP_SERVER={other:?} is not ejabberd, prosody or embedded"),
        };
        Target {
            backend,
            ws_url: (backend != BackendChoice::Embedded).then(|| var("WEBCHAT_XMPP_WS_URL")),
            domain: var("WEBCHAT_XMPP_DOMAIN"),
            agent_domain: Some(var("WEBCHAT_XMPP_AGENT_DOMAIN")),
        }
    }

    fn is_embedded(&self) -> bool {
        self.backend == BackendChoice::Embedded
    }

    /// Whether this run's server is the one an interop test is for.
    fn is(&self, name: &str) -> bool {
        std::env::var("WEBCHAT_XMPP_SERVER").is_ok_and(|s| s == name)
    }
}

struct Reply {
    status: u16,
    body: String,
}

async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-API-TOKEN: {DEFAULT_TOKEN}\r\nContent-Type: application/json\r\n"
    );
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
        let config = Config {
            backend: target.backend,
            domain: target.domain.clone(),
            agent_domain: target.agent_domain.clone(),
            xmpp_ws_url: target.ws_url.clone(),
            ping_interval: ping,
            ping_timeout: ping * 2,
            ..Config::for_tests()
        };
        let server = Server::start(config).await.expect("devserver starts");
        let bench = Bench {
            server,
            agent: unique("ann"),
        };
        bench.sign_in(&bench.agent.clone(), "Ann").await;
        bench
    }

    async fn sign_in(&self, nickname: &str, firstname: &str) {
        self.server
            .app()
            .sign_in_agent(SignIn {
                nickname: nickname.to_owned(),
                firstname: firstname.to_owned(),
                max_slots: None,
                // Only this campaign: the sessions of other tests never land here.
                campaigns: vec![ENGLISH.to_owned()],
                available: true,
                kind: AgentKind::Test,
            })
            .await
            .unwrap_or_else(|e| panic!("agent {nickname} signs in: {e}"));
    }

    async fn api(&self, method: &str, path: &str, body: serde_json::Value) -> Reply {
        let path = format!("/api/app.php/chatbot/v1/{path}");
        let body = body.to_string();
        http(
            self.server.addr(),
            method,
            &path,
            (method != "GET").then_some(body.as_str()),
        )
        .await
    }

    /// `POST chatsessions` and `POST xmppcredentials`, as the widget does.
    async fn new_chat(&self) -> (ChatSession, XmppCredentials) {
        let r = self
            .api(
                "POST",
                "chatsessions",
                json!({"campaign_id": ENGLISH, "request_url": "https://shop.example/cart",
                       "user": {"email": "ada@example.org", "firstname": "Ada", "lastname": "L", "assigned_user": self.agent}}),
            )
            .await;
        assert_eq!(r.status, 201, "POST chatsessions: {}", r.body);
        let session: ChatSession = serde_json::from_str(&r.body).unwrap();
        assert_eq!(session.status, ChatSessionStatus::Created);
        let r = self
            .api(
                "POST",
                "xmppcredentials",
                json!({"chatsession_id": session.id}),
            )
            .await;
        assert_eq!(r.status, 201, "POST xmppcredentials: {}", r.body);
        let creds: XmppCredentials = serde_json::from_str(&r.body).unwrap();
        assert_eq!(creds.agent.nickname, self.agent);
        (session, creds)
    }

    async fn status(&self, id: &str) -> ChatSessionStatus {
        let r = self
            .api("GET", &format!("chatsessions/{id}"), json!(null))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        serde_json::from_str::<ChatSession>(&r.body).unwrap().status
    }

    fn act(&self, session: &str, action: AgentAction) {
        self.server
            .desk()
            .act(session, action.clone())
            .unwrap_or_else(|e| panic!("agent action {action:?}: {e}"));
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

// ---- the flows -------------------------------------------------------------------------

/// Presence handshake, messages both ways, typing both ways, agent close.
async fn chat_flow(t: Target) {
    let b = Bench::start(&t).await;
    let (session, creds) = b.new_chat().await;
    let url = b.server.xmpp_ws_url();
    let mut v = Visitor::connect(&url, &creds).await;
    // The three presences reach the agent: created → active.
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
    let agent = b.agent.clone();
    if t.is_embedded() {
        // The agent's subscribe was answered with subscribed. (Prosody 0.12 applies the
        // visitor's `subscribed` to the roster without delivering it to the agent's client.)
        v.until("the visitor's subscribed", || {
            b.received(&agent)
                .iter()
                .any(|x| x.contains("presence") && x.contains("subscribed"))
        })
        .await;
    }

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
    let ChatEvent::AgentMessage { nick, body, id } = ev else {
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
    let deadline = tokio::time::Instant::now() + WAIT;
    while !b.received(&agent).iter().any(|x| x.contains("<closed")) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the visitor answered closed: {:?}",
            b.received(&agent)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    b.server.shutdown().await.unwrap();
}

/// The visitor ends the chat: `closed` reaches the agent and closes the session.
async fn visitor_close(t: Target) {
    let b = Bench::start(&t).await;
    let (session, creds) = b.new_chat().await;
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
    let now = v.now();
    v.chat.close(now);
    v.wait("chat over", |e| *e == ChatEvent::Closed).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while b.status(&session.id).await != ChatSessionStatus::Closed {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session never closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.server.shutdown().await.unwrap();
}

/// Transfer to another agent (new nick from then on), then that agent blocks the visitor.
async fn transfer_and_block(t: Target) {
    let b = Bench::start(&t).await;
    let bob = unique("bob");
    b.sign_in(&bob, "Bob").await;
    let (session, creds) = b.new_chat().await;
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
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
    let (session, creds) = b.new_chat().await;
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
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
    let (session, creds) = b.new_chat().await;
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
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
    let (session, creds) = b.new_chat().await;
    let url = b.server.xmpp_ws_url();
    let mut v = Visitor::connect(&url, &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
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
    let (session, creds) = b.new_chat().await;
    let url = b.server.xmpp_ws_url();
    let mut v = Visitor::connect(&url, &creds).await;
    wait_status(&b, &mut v, &session.id, ChatSessionStatus::Active).await;
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
    let deadline = tokio::time::Instant::now() + WAIT;
    while b
        .server
        .app()
        .embedded
        .as_ref()
        .unwrap()
        .router
        .is_bound(&full)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session still bound"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    let r = b
        .api(
            "POST",
            "chatsessions",
            json!({"campaign_id": ENGLISH, "request_url": "https://shop.example/",
                   "user": {"email": "ada@example.org", "firstname": "Ada", "lastname": "L", "assigned_user": "carol"}}),
        )
        .await;
    let session: ChatSession = serde_json::from_str(&r.body).unwrap();
    let r = b
        .api(
            "POST",
            "xmppcredentials",
            json!({"chatsession_id": session.id}),
        )
        .await;
    let creds: XmppCredentials = serde_json::from_str(&r.body).unwrap();
    assert_eq!(creds.agent.nickname, "carol");
    let mut v = Visitor::connect(&b.server.xmpp_ws_url(), &creds).await;
    v.idle(Duration::from_millis(200)).await;
    let chats = console_event(&mut console, "the chat, active and online", |e| {
        e["type"] == "chats"
            && e["chats"][0]["status"] == "active"
            && e["chats"][0]["live"]["visitor_online"] == true
    })
    .await;
    assert_eq!(chats["chats"][0]["request_url"], "https://shop.example/");
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

/// The auto-agent answers and obeys the visitor's slash-commands.
async fn bot_flow(t: Target) {
    let config = Config {
        bot: true,
        backend: t.backend,
        domain: t.domain.clone(),
        agent_domain: t.agent_domain.clone(),
        xmpp_ws_url: t.ws_url.clone(),
        ping_interval: Duration::from_secs(5),
        ..Config::for_tests()
    };
    let server = Server::start(config).await.unwrap();
    let b = Bench {
        server,
        agent: "bot".into(),
    };
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
    ($($flow:ident => $embedded:ident, $ejabberd:ident, $prosody:ident;)*) => {$(
        #[tokio::test]
        async fn $embedded() {
            $flow(Target::embedded()).await;
        }

        #[tokio::test]
        #[ignore = "needs a real XMPP server: run `cargo xtask test`"]
        async fn $ejabberd() {
            let t = Target::from_env("ejabberd");
            if !t.is("ejabberd") {
                // xtask runs every interop test per server; this one belongs to ejabberd's run.
                return;
            }
            $flow(t).await;
        }

        #[tokio::test]
        #[ignore = "needs a real XMPP server: run `cargo xtask test`"]
        async fn $prosody() {
            let t = Target::from_env("prosody");
            if !t.is("prosody") {
                return;
            }
            $flow(t).await;
        }
    )*};
}

flows! {
    chat_flow => embedded_chat_flow, interop_ejabberd_chat_flow, interop_prosody_chat_flow;
    bot_flow => embedded_bot_flow, interop_ejabberd_bot_flow, interop_prosody_bot_flow;
    visitor_close => embedded_visitor_close, interop_ejabberd_visitor_close, interop_prosody_visitor_close;
    transfer_and_block => embedded_transfer_and_block, interop_ejabberd_transfer_and_block, interop_prosody_transfer_and_block;
    away_back_cobrowse => embedded_away_back_cobrowse, interop_ejabberd_away_back_cobrowse, interop_prosody_away_back_cobrowse;
    pings_are_answered => embedded_pings_are_answered, interop_ejabberd_pings_are_answered, interop_prosody_pings_are_answered;
    resume_after_reload => embedded_resume_after_reload, interop_ejabberd_resume_after_reload, interop_prosody_resume_after_reload;
    history_from_the_archive => embedded_history_from_the_archive, interop_ejabberd_history_from_the_archive, interop_prosody_history_from_the_archive;
}
