//! BOSH at devserver's `/http-bind`: a visitor driven natively by `webchat_protocol`'s `Chat`
//! on a `bosh::Session` (HTTP by `devserver::bosh_proxy::post`), against devserver started
//! in-process; the agent acts through the desk.
//!
//! `embedded_*` tests run against the embedded server. The same whole-session flow runs as the
//! ignored `interop_bosh_through_devserver` against what WEBCHAT_XMPP_SERVER names: for
//! `ejabberd`/`prosody` devserver forwards `/http-bind` to WEBCHAT_XMPP_BOSH_URL (and needs
//! WEBCHAT_XMPP_WS_URL, _DOMAIN, _AGENT_DOMAIN for its agents), for `embedded` it is the
//! embedded endpoint again.

use std::net::SocketAddr;
use std::time::Duration;

use devserver::agents::{AgentKind, SignIn};
use devserver::bosh_proxy::post;
use devserver::campaigns::ENGLISH;
use devserver::config::DEFAULT_TOKEN;
use devserver::desk::AgentAction;
use devserver::{BackendChoice, Config, Server, ServerHandle};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use webchat_protocol::api::{ChatSessionStatus, XmppCredentials};
use webchat_protocol::bosh::{self, Body, Condition, RequestId};
use webchat_protocol::{
    Chat, ChatConfig, ChatEvent, CloseReason, Config as ConnConfig, Instant, Jid,
};

const WAIT: Duration = Duration::from_secs(20);

/// An HTTP exchange: status, headers, body.
struct Reply {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("Host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let resp = tokio::time::timeout(WAIT, sender.send_request(req))
        .await
        .expect("answer in time")
        .expect("HTTP answer");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A Public API call; `chat_secret` proves the caller is that chat's visitor.
async fn api(
    server: &ServerHandle,
    method: &str,
    path: &str,
    chat_secret: Option<&str>,
    body: serde_json::Value,
) -> Reply {
    let mut headers = vec![
        ("X-API-TOKEN", DEFAULT_TOKEN),
        ("Content-Type", "application/json"),
    ];
    headers.extend(chat_secret.map(|s| ("X-Chat-Secret", s)));
    call(
        server.addr(),
        method,
        &format!("/api/app.php/chatbot/v1/{path}"),
        &headers,
        &body.to_string(),
    )
    .await
}

fn entropy() -> [u8; 16] {
    let mut e = [0u8; 16];
    getrandom::fill(&mut e).unwrap();
    e
}

fn unique(prefix: &str) -> String {
    let e = entropy();
    format!("{prefix}{:02x}{:02x}{:02x}", e[0], e[1], e[2])
}

/// devserver for the deployment a test runs against.
async fn start(interop: bool) -> ServerHandle {
    let mut config = Config::for_tests();
    if interop {
        let var = |name: &str| {
            std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
                panic!("{name} is not set: interop tests run under `cargo xtask test`, which starts the server and sets WEBCHAT_XMPP_*")
            })
        };
        config.backend = match var("WEBCHAT_XMPP_SERVER").as_str() {
            "ejabberd" => BackendChoice::Ejabberd,
            "prosody" => BackendChoice::Prosody,
            "embedded" => BackendChoice::Embedded,
            other => panic!("WEBCHAT_XMPP_SERVER={other:?} is not ejabberd, prosody or embedded"),
        };
        if config.backend != BackendChoice::Embedded {
            config.xmpp_ws_url = Some(var("WEBCHAT_XMPP_WS_URL"));
            config.xmpp_bosh_url = Some(var("WEBCHAT_XMPP_BOSH_URL"));
            config.domain = var("WEBCHAT_XMPP_DOMAIN");
            config.agent_domain = Some(var("WEBCHAT_XMPP_AGENT_DOMAIN"));
        }
    }
    Server::start(config).await.expect("devserver starts")
}

async fn sign_in(server: &ServerHandle, nickname: &str) {
    server
        .app()
        .sign_in_agent(SignIn {
            campaigns: vec![ENGLISH.to_owned()],
            ..SignIn::new(nickname, "Ann", AgentKind::Test)
        })
        .await
        .unwrap_or_else(|e| panic!("agent {nickname} signs in: {e}"));
}

/// `POST chatsessions` and `POST xmppcredentials`, as the widget does.
async fn new_chat(server: &ServerHandle, agent: &str) -> (String, XmppCredentials) {
    let r = api(
        server,
        "POST",
        "chatsessions",
        None,
        json!({"campaign_id": ENGLISH, "user": {"email": "ada@example.org", "firstname": "Ada", "lastname": "L", "assigned_user": agent}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = serde_json::from_str::<serde_json::Value>(&r.body).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let r = api(
        server,
        "POST",
        "xmppcredentials",
        created["visitor_secret"].as_str(),
        json!({"chatsession_id": id}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    (id, serde_json::from_str(&r.body).unwrap())
}

fn chat_for(creds: &XmppCredentials) -> Chat {
    let c = &creds.credentials;
    Chat::new(
        ChatConfig {
            connection: ConnConfig::new(&c.user, &c.password, &c.domain, &c.resource, entropy()),
            agent: Jid::parse(&creds.agent.jid).unwrap(),
            agent_nick: creds.agent.nickname.clone(),
        },
        Instant::from_millis(0),
    )
}

type Answer = (RequestId, Result<(u16, String), String>);

/// The visitor: a `Chat` on a BOSH session, with everything it saw.
struct Visitor {
    chat: Chat,
    bosh: bosh::Session,
    url: String,
    origin: tokio::time::Instant,
    tx: mpsc::UnboundedSender<Answer>,
    rx: mpsc::UnboundedReceiver<Answer>,
    events: Vec<ChatEvent>,
    bosh_events: Vec<bosh::Event>,
    bodies: Vec<String>,
}

impl Visitor {
    fn new(url: &str, chat: Chat) -> Visitor {
        let (tx, rx) = mpsc::unbounded_channel();
        Visitor {
            chat,
            bosh: bosh::Session::new(bosh::Config::new(entropy()[..8].try_into().unwrap())),
            url: url.to_owned(),
            origin: tokio::time::Instant::now(),
            tx,
            rx,
            events: Vec::new(),
            bosh_events: Vec::new(),
            bodies: Vec::new(),
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    fn pump(&mut self) {
        let now = self.now();
        self.bosh.pump(&mut self.chat, now);
        while let Some(r) = self.bosh.poll_request(now) {
            self.bodies.push(r.body.clone());
            let (tx, url) = (self.tx.clone(), self.url.clone());
            tokio::spawn(async move {
                let _ = tx.send((r.id, post(&url, r.body).await));
            });
        }
        self.events
            .extend(std::iter::from_fn(|| self.chat.poll_event()));
        self.bosh_events
            .extend(std::iter::from_fn(|| self.bosh.poll_event()));
    }

    async fn step(&mut self) {
        self.pump();
        let now = self.now();
        let next = [self.chat.poll_timeout(), self.bosh.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let wait = next.map_or(Duration::from_millis(100), |t| {
            Duration::from_millis(t.as_millis().saturating_sub(now.as_millis()))
                .min(Duration::from_millis(100))
        });
        match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some((id, answer))) => {
                let now = self.now();
                match answer {
                    Ok((status, body)) => self.bosh.handle_response(id, status, &body, now),
                    Err(_) => self.bosh.handle_failure(id, now),
                }
            }
            _ => {
                let now = self.now();
                self.chat.handle_timeout(now);
                self.bosh.handle_timeout(now);
            }
        }
        self.pump();
    }

    async fn wait(&mut self, what: &str, pred: impl Fn(&ChatEvent) -> bool) -> ChatEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(i) = self.events.iter().position(&pred) {
                return self.events.remove(i);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "visitor: no {what}; events {:?}, BOSH {:?}",
                self.events,
                self.bosh_events
            );
            self.step().await;
        }
    }

    async fn until(&mut self, what: &str, mut cond: impl FnMut(&Visitor) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !cond(self) {
            assert!(tokio::time::Instant::now() < deadline, "visitor: no {what}");
            self.step().await;
        }
    }
}

/// Create, SASL, restart, bind, the presences (the session goes active), a message to the
/// agent and one back, then the visitor ends the chat: `closed` and the terminate.
async fn whole_session(interop: bool) {
    let server = start(interop).await;
    let bosh_url = server.xmpp_bosh_url().expect("a BOSH URL");
    assert!(bosh_url.ends_with("/http-bind"), "{bosh_url}");
    let agent = unique("ann");
    sign_in(&server, &agent).await;
    let (id, creds) = new_chat(&server, &agent).await;
    let mut v = Visitor::new(&bosh_url, chat_for(&creds));
    v.wait("connected", |e| {
        matches!(e, ChatEvent::Connected { resumed: false, .. })
    })
    .await;
    let created = v
        .bosh_events
        .iter()
        .find_map(|e| match e {
            bosh::Event::Created(p) => Some(p.clone()),
            _ => None,
        })
        .expect("session created");
    assert!(created.requests >= 2 && created.hold == 1, "{created:?}");
    assert!(v.bodies[0].contains("xmpp:version=\"1.0\""));
    assert!(v.bodies.iter().any(|b| b.contains("xmpp:restart=\"true\"")));
    // The visitor's presences reach the agent: the chat is active.
    let hub = server.hub().clone();
    v.until("an active session", |_| {
        hub.session(&id).map(|s| s.status) == Some(ChatSessionStatus::Active)
    })
    .await;
    let now = v.now();
    v.chat.send_message("hello over BOSH", now).unwrap();
    let desk = server.desk().clone();
    v.until("the message at the agent", |_| {
        desk.received_in(&id)
            .iter()
            .any(|r| r.xml.contains("<body>hello over BOSH</body>"))
    })
    .await;
    server
        .desk()
        .act(
            &id,
            AgentAction::Message {
                body: "hi, BOSH visitor".into(),
            },
        )
        .unwrap();
    v.wait(
        "the agent's message",
        |e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "hi, BOSH visitor"),
    )
    .await;
    let now = v.now();
    v.chat.close(now);
    v.wait("closed", |e| *e == ChatEvent::Closed).await;
    assert!(v.bodies.last().unwrap().contains("type=\"terminate\""));
    assert!(
        v.bosh_events.contains(&bosh::Event::Ended(Ok(()))),
        "{:?}",
        v.bosh_events
    );
    v.until("a closed session", |_| {
        hub.session(&id).map(|s| s.status) == Some(ChatSessionStatus::Closed)
    })
    .await;
    // devserver's request log saw the BOSH requests.
    assert!(server
        .hub()
        .request_log()
        .iter()
        .any(|r| r.path == "/http-bind" && r.method == "POST"));
    if let Some(embedded) = &server.app().embedded {
        assert!(
            embedded.bosh.is_empty(),
            "the session is gone from the registry"
        );
    }
}

#[tokio::test]
async fn embedded_bosh_whole_session() {
    whole_session(false).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_bosh_through_devserver() {
    whole_session(true).await;
}

const XML: (&str, &str) = ("Content-Type", "text/xml; charset=utf-8");

fn create_body(to: &str, rid: u64) -> String {
    format!("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='{rid}' to='{to}' wait='5' hold='1' ver='1.6' xml:lang='en' xmpp:version='1.0'/>")
}

/// The HTTP surface as a browser meets it: CORS, the terminal conditions, a repeated request.
#[tokio::test]
async fn embedded_bosh_http_surface() {
    let server = start(false).await;
    let addr = server.addr();
    let origin = ("Origin", "https://shop.example");
    // Preflight from any origin.
    let r = call(
        addr,
        "OPTIONS",
        "/http-bind",
        &[
            origin,
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    let allowed = r.headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("content-type"), "{allowed}");
    let post = |body: String| {
        let body = body.clone();
        async move { call(addr, "POST", "/http-bind", &[origin, XML], &body).await }
    };
    let condition = |r: &Reply| {
        assert_eq!(r.status, 200, "{}", r.body);
        Body::parse(&r.body).unwrap().condition
    };
    assert_eq!(
        condition(&post("<nonsense".into()).await),
        Some(Condition::BadRequest)
    );
    assert_eq!(
        condition(
            &post("<body xmlns='http://jabber.org/protocol/httpbind' sid='nope' rid='5'/>".into())
                .await
        ),
        Some(Condition::ItemNotFound)
    );
    assert_eq!(
        condition(&post(create_body("elsewhere.test", 1)).await),
        Some(Condition::HostUnknown)
    );
    assert_eq!(
        condition(
            &post("<body xmlns='http://jabber.org/protocol/httpbind' rid='1' wait='5'/>".into())
                .await
        ),
        Some(Condition::ImproperAddressing)
    );
    // A session: the answer carries the session and the features, and CORS.
    let r = post(create_body("webchat.test", 1000)).await;
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let created = Body::parse(&r.body).unwrap();
    let sid = created.sid.clone().expect("sid");
    assert_eq!(created.xmpp_version.as_deref(), Some("1.0"));
    assert_eq!(
        (created.wait, created.hold, created.requests),
        (Some(5), Some(1), Some(2))
    );
    assert!(created.payload[0].is("features", webchat_protocol::ns::STREAMS));
    // A request is held until `wait` (5 s) runs out, then answered empty.
    let held = tokio::time::Instant::now();
    let poll =
        format!("<body xmlns='http://jabber.org/protocol/httpbind' sid='{sid}' rid='1001'/>");
    let r = post(poll.clone()).await;
    assert!(
        held.elapsed() >= Duration::from_secs(4),
        "held: {:?}",
        held.elapsed()
    );
    let b = Body::parse(&r.body).unwrap();
    assert!(b.payload.is_empty() && b.condition.is_none(), "{}", r.body);
    // The same request again (its answer lost on the way) gets the same answer at once.
    let again = tokio::time::Instant::now();
    assert_eq!(post(poll).await.body, r.body);
    assert!(again.elapsed() < Duration::from_secs(2));
    // The client terminates; afterwards the sid is unknown.
    let r = post(format!("<body xmlns='http://jabber.org/protocol/httpbind' sid='{sid}' rid='1002' type='terminate'/>")).await;
    let b = Body::parse(&r.body).unwrap();
    assert_eq!(b.kind, webchat_protocol::bosh::body::Kind::Terminate);
    assert_eq!(
        condition(
            &post(format!(
                "<body xmlns='http://jabber.org/protocol/httpbind' sid='{sid}' rid='1003'/>"
            ))
            .await
        ),
        Some(Condition::ItemNotFound)
    );
    // The request log records them with their origin.
    let log = server.hub().request_log();
    assert!(log
        .iter()
        .any(|r| r.path == "/http-bind" && r.origin.as_deref() == Some("https://shop.example")));
}

/// A session with no request open for `--bosh-inactivity` is over: its sid is unknown and
/// its XMPP stream (not stream-managed) is gone.
#[tokio::test]
async fn embedded_bosh_inactivity_ends_the_session() {
    let server = Server::start(Config {
        bosh_inactivity: Duration::from_millis(300),
        ..Config::for_tests()
    })
    .await
    .unwrap();
    let addr = server.addr();
    let r = call(
        addr,
        "POST",
        "/http-bind",
        &[XML],
        &create_body("webchat.test", 7),
    )
    .await;
    let sid = Body::parse(&r.body).unwrap().sid.unwrap();
    let embedded = server.app().embedded.clone().unwrap();
    assert_eq!(embedded.bosh.len(), 1);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !embedded.bosh.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session never timed out"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = call(
        addr,
        "POST",
        "/http-bind",
        &[XML],
        &format!("<body xmlns='http://jabber.org/protocol/httpbind' sid='{sid}' rid='8'/>"),
    )
    .await;
    assert_eq!(
        Body::parse(&r.body).unwrap().condition,
        Some(Condition::ItemNotFound)
    );
}

/// Stream management across transports: a chat on the WebSocket loses its socket and resumes
/// over BOSH; nothing lost either way.
#[tokio::test]
async fn embedded_websocket_session_resumes_over_bosh() {
    let server = start(false).await;
    let agent = unique("ann");
    sign_in(&server, &agent).await;
    let (id, creds) = new_chat(&server, &agent).await;
    // The chat on a WebSocket, by hand: frames until connected.
    let mut req = server.xmpp_ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut chat = chat_for(&creds);
    let origin = tokio::time::Instant::now();
    let now = || Instant::from_millis(origin.elapsed().as_millis() as u64);
    let mut connected = false;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !connected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "WebSocket chat never connected"
        );
        while let Some(f) = chat.poll_transmit() {
            ws.send(WsMessage::text(f)).await.unwrap();
        }
        if let Ok(Some(Ok(WsMessage::Text(t)))) =
            tokio::time::timeout(Duration::from_millis(100), ws.next()).await
        {
            chat.handle_frame(t.as_str(), now());
        }
        while let Some(e) = chat.poll_event() {
            connected |= matches!(e, ChatEvent::Connected { .. });
        }
    }
    // Let the acks settle, then the socket dies without a close.
    for _ in 0..5 {
        while let Some(f) = chat.poll_transmit() {
            ws.send(WsMessage::text(f)).await.unwrap();
        }
        if let Ok(Some(Ok(WsMessage::Text(t)))) =
            tokio::time::timeout(Duration::from_millis(50), ws.next()).await
        {
            chat.handle_frame(t.as_str(), now());
        }
    }
    drop(ws);
    chat.handle_transport_closed(now());
    assert_eq!(
        chat.poll_event(),
        Some(ChatEvent::Disconnected(CloseReason::TransportClosed))
    );
    assert!(chat.resume_state().is_some());
    let away = chat.send_message("written while switching", now()).unwrap();
    let desk = server.desk().clone();
    // The agent writes meanwhile.
    let hub = server.hub().clone();
    let deadline = tokio::time::Instant::now() + WAIT;
    while hub.session(&id).map(|s| s.status) != Some(ChatSessionStatus::Active) {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server
        .desk()
        .act(
            &id,
            AgentAction::Message {
                body: "sent while you moved".into(),
            },
        )
        .unwrap();
    // A new transport: BOSH.
    let c = &creds.credentials;
    chat.reconnect(
        ConnConfig::new(&c.user, &c.password, &c.domain, &c.resource, entropy()),
        now(),
    )
    .unwrap();
    let mut v = Visitor::new(&server.xmpp_bosh_url().unwrap(), chat);
    v.origin = origin;
    v.wait("resumed", |e| {
        matches!(e, ChatEvent::Connected { resumed: true, .. })
    })
    .await;
    v.wait(
        "the message sent meanwhile",
        |e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "sent while you moved"),
    )
    .await;
    v.wait("delivered", |e| *e == ChatEvent::Delivered(away.clone()))
        .await;
    v.until("the message at the agent, once", |_| {
        desk.received_in(&id)
            .iter()
            .filter(|r| r.xml.contains("written while switching"))
            .count()
            == 1
    })
    .await;
    assert!(
        !v.events
            .iter()
            .any(|e| matches!(e, ChatEvent::Disconnected(_))),
        "{:?}",
        v.events
    );
}

/// The control surface makes `/xmpp-websocket` refuse upgrades, as a proxy that breaks
/// WebSockets would; BOSH keeps working, and the WebSocket comes back when allowed again.
#[tokio::test]
async fn embedded_websocket_can_be_refused_for_the_bosh_fallback() {
    let server = start(false).await;
    let addr = server.addr();
    let control = |refuse: bool| async move {
        call(
            addr,
            "PUT",
            "/_test/websocket",
            &[("Content-Type", "application/json")],
            &json!({ "refuse": refuse }).to_string(),
        )
        .await
        .status
    };
    let ws = || async {
        let mut req = server.xmpp_ws_url().into_client_request().unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
        tokio_tungstenite::connect_async(req).await
    };
    assert_eq!(control(true).await, 204);
    let info = call(addr, "GET", "/_test/xmpp", &[], "").await;
    let info: serde_json::Value = serde_json::from_str(&info.body).unwrap();
    assert_eq!(info["websocket_refused"], true);
    assert_eq!(info["bosh_url"], format!("http://{addr}/http-bind"));
    match ws().await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("expected a 403, got {:?}", other.map(|_| ())),
    }
    let r = call(
        addr,
        "POST",
        "/http-bind",
        &[XML],
        &create_body("webchat.test", 3),
    )
    .await;
    assert!(Body::parse(&r.body).unwrap().sid.is_some(), "{}", r.body);
    assert_eq!(control(false).await, 204);
    assert!(ws().await.is_ok());
}
