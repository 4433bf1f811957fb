//! A small tokio driver for the sans-IO core in interop tests: one WebSocket (subprotocol
//! `xmpp`), a real clock turned into `Instant`s, and a loop that feeds frames and timers in
//! and sends what the core wants sent ([`bosh`] is the same over BOSH; [`pair`] is a visitor
//! and an agent on them, pumped together). Test-only: the library itself has no tokio.

#![allow(dead_code)]

pub mod bosh;
pub mod pair;

use bosh::BoshDriver;

use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webchat_protocol::{Chat, ChatEvent, Config, Connection, Event, Instant, Jid, Mechanism};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the driver needs from a connection or a chat.
pub trait SansIo {
    /// Event type.
    type Ev: std::fmt::Debug + Clone;
    fn handle_frame(&mut self, f: &str, now: Instant);
    fn handle_timeout(&mut self, now: Instant);
    fn handle_transport_closed(&mut self, now: Instant);
    fn poll_transmit(&mut self) -> Option<String>;
    fn poll_event(&mut self) -> Option<Self::Ev>;
    fn poll_timeout(&self) -> Option<Instant>;
}

macro_rules! sans_io {
    ($t:ty, $ev:ty) => {
        impl SansIo for $t {
            type Ev = $ev;
            fn handle_frame(&mut self, f: &str, now: Instant) {
                <$t>::handle_frame(self, f, now)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$t>::handle_timeout(self, now)
            }
            fn handle_transport_closed(&mut self, now: Instant) {
                <$t>::handle_transport_closed(self, now)
            }
            fn poll_transmit(&mut self) -> Option<String> {
                <$t>::poll_transmit(self)
            }
            fn poll_event(&mut self) -> Option<$ev> {
                <$t>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
        }
    };
}
sans_io!(Connection, Event);
sans_io!(Chat, ChatEvent);

/// A driver of a sans-IO machine, whatever its transport ([`Driver`], [`bosh::BoshDriver`]):
/// what tests and [`pair`] wait on.
pub trait Pump {
    type M: SansIo;
    /// The name failure messages give.
    fn name(&self) -> &'static str;
    /// The machine driven.
    fn m(&mut self) -> &mut Self::M;
    /// The machine's clock.
    fn now(&self) -> Instant;
    /// Events reported and not yet taken.
    fn events(&mut self) -> &mut VecDeque<<Self::M as SansIo>::Ev>;
    /// One round: send, then wait for what comes in, the timers, or `max`.
    fn step(&mut self, max: Duration) -> impl Future<Output = ()>;
    /// What a timed-out wait shows: the queued events, the transport's own, the last frames.
    fn report(&self) -> String;

    /// Pumps until an event matches (earlier events stay queued); panics after `timeout`.
    async fn wait_for(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&<Self::M as SansIo>::Ev) -> bool,
    ) -> <Self::M as SansIo>::Ev {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(i) = self.events().iter().position(&mut f) {
                return self.events().remove(i).unwrap();
            }
            if std::time::Instant::now() >= deadline {
                panic!("{}: timed out; {}", self.name(), self.report());
            }
            self.step(Duration::from_millis(100)).await;
        }
    }

    /// Pumps for `d`, keeping events.
    async fn run_for(&mut self, d: Duration) {
        let end = std::time::Instant::now() + d;
        while std::time::Instant::now() < end {
            self.step(Duration::from_millis(100)).await;
        }
    }
}

/// The last frames received, for failure messages.
fn last_frames(received: &[String]) -> &[String] {
    &received[received.len().saturating_sub(8)..]
}

macro_rules! pump {
    ($driver:ident, $report:expr) => {
        impl<M: SansIo> Pump for $driver<M> {
            type M = M;
            fn name(&self) -> &'static str {
                self.name
            }
            fn m(&mut self) -> &mut M {
                &mut self.m
            }
            fn now(&self) -> Instant {
                $driver::now(self)
            }
            fn events(&mut self) -> &mut VecDeque<M::Ev> {
                &mut self.events
            }
            fn step(&mut self, max: Duration) -> impl Future<Output = ()> {
                $driver::step(self, max)
            }
            fn report(&self) -> String {
                let report: fn(&$driver<M>) -> String = $report;
                report(self)
            }
        }
    };
}
pump!(Driver, |d| format!(
    "events: {:?}\nlast frames received: {:#?}",
    d.events,
    last_frames(&d.received)
));
pump!(BoshDriver, |d| format!(
    "events: {:?}\nBOSH events: {:?}\nlast frames received: {:#?}",
    d.events,
    d.bosh_events,
    last_frames(&d.received)
));

/// The environment `cargo xtask test` sets; a missing variable fails the test loudly.
pub struct Env {
    pub url: String,
    pub domain: String,
    pub agent_domain: String,
    pub server: String,
}

pub fn env() -> Env {
    let get = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| {
            panic!("{k} is not set: interop tests need a real XMPP server; run them with `cargo xtask test`")
        })
    };
    Env {
        url: get("WEBCHAT_XMPP_WS_URL"),
        domain: get("WEBCHAT_XMPP_DOMAIN"),
        agent_domain: get("WEBCHAT_XMPP_AGENT_DOMAIN"),
        server: std::env::var("WEBCHAT_XMPP_SERVER").unwrap_or_default(),
    }
}

/// The BOSH URL of the server under test (`WEBCHAT_XMPP_BOSH_URL`); a missing one fails loudly.
pub fn bosh_url() -> String {
    std::env::var("WEBCHAT_XMPP_BOSH_URL").unwrap_or_else(|_| {
        panic!("WEBCHAT_XMPP_BOSH_URL is not set: BOSH interop tests need a real XMPP server; run them with `cargo xtask test`")
    })
}

/// `WEBCHAT_XMPP_TRACE=1` prints every frame (to record fixtures from real servers).
fn trace() -> bool {
    std::env::var_os("WEBCHAT_XMPP_TRACE").is_some()
}

/// Test randomness (the browser uses crypto.getRandomValues).
pub fn entropy() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

/// The config of an account that registers in-band (XEP-0077) on `domain` before it logs in;
/// `user` is a local part or, as credentials give it, `local@domain`.
pub fn new_account(user: &str, password: &str, domain: &str, resource: &str) -> Config {
    let mut cfg = Config::new(user, password, domain, resource, entropy());
    cfg.register = true;
    cfg
}

/// The connection of a new visitor account, `user@domain` as credentials give it, that may
/// authenticate with `mech` only.
pub fn visitor_account(
    user: &str,
    domain: &str,
    mech: Mechanism,
    origin: std::time::Instant,
) -> Connection {
    let mut cfg = new_account(&format!("{user}@{domain}"), "s3cret,=pw", domain, "web");
    cfg.mechanisms = vec![mech];
    Connection::new(cfg, now(origin))
}

/// Waits on `d` (a [`visitor_account`]) until it has registered, authenticated with `mech`
/// and bound a fresh (not resumed) session as `bare`; the full JID bound.
pub async fn registered<D: Pump<M = Connection>>(
    d: &mut D,
    mech: Mechanism,
    bare: &str,
    timeout: Duration,
) -> Jid {
    d.wait_for(timeout, |e| *e == Event::Registered).await;
    d.wait_for(timeout, |e| *e == Event::Authenticated(mech))
        .await;
    let Event::Ready { jid, resumed } = d
        .wait_for(timeout, |e| matches!(e, Event::Ready { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(!resumed);
    assert_eq!(jid.bare(), bare);
    jid
}

/// Connects `cfg` over the WebSocket at `url` and waits (up to `timeout`) until it is ready.
pub async fn login(
    name: &'static str,
    url: &str,
    cfg: Config,
    origin: std::time::Instant,
    timeout: Duration,
) -> Driver<Connection> {
    let c = Connection::new(cfg, now(origin));
    let mut d = Driver::connect(name, url, c, origin).await;
    d.wait_for(timeout, |e| matches!(e, Event::Ready { .. }))
        .await;
    d
}

/// The core's clock for a test that started at `origin`.
pub fn now(origin: std::time::Instant) -> Instant {
    Instant::from_millis(origin.elapsed().as_millis() as u64)
}

/// A fresh account name.
pub fn fresh_name(prefix: &str) -> String {
    let e = entropy();
    format!(
        "{prefix}{}",
        e[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// A sans-IO machine on a real WebSocket.
pub struct Driver<M: SansIo> {
    pub m: M,
    ws: Option<Ws>,
    origin: std::time::Instant,
    pub events: VecDeque<M::Ev>,
    /// Every frame received, for assertions and failure messages.
    pub received: Vec<String>,
    pub name: &'static str,
}

pub async fn open_ws(url: &str) -> Ws {
    let mut req = url.into_client_request().expect("valid WebSocket URL");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "xmpp".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    assert_eq!(
        resp.headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok()),
        Some("xmpp"),
        "server must accept the xmpp subprotocol"
    );
    ws
}

impl<M: SansIo> Driver<M> {
    pub async fn connect(
        name: &'static str,
        url: &str,
        m: M,
        origin: std::time::Instant,
    ) -> Driver<M> {
        let ws = open_ws(url).await;
        Driver {
            m,
            ws: Some(ws),
            origin,
            events: VecDeque::new(),
            received: Vec::new(),
            name,
        }
    }

    pub fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    async fn flush(&mut self) {
        while let Some(f) = self.m.poll_transmit() {
            if trace() {
                eprintln!("{} >> {f}", self.name);
            }
            if let Some(ws) = &mut self.ws {
                if ws.send(WsMessage::Text(f.into())).await.is_err() {
                    self.ws = None;
                    let now = self.now();
                    self.m.handle_transport_closed(now);
                }
            }
        }
        while let Some(e) = self.m.poll_event() {
            self.events.push_back(e);
        }
    }

    /// One round: send, then wait for a frame, the core's timer, or `max`.
    pub async fn step(&mut self, max: Duration) {
        self.flush().await;
        let now = self.now();
        let wait = match self.m.poll_timeout() {
            Some(t) => {
                Duration::from_millis(t.as_millis().saturating_sub(now.as_millis())).min(max)
            }
            None => max,
        };
        let Some(ws) = &mut self.ws else {
            tokio::time::sleep(wait).await;
            let now = self.now();
            self.m.handle_timeout(now);
            return self.flush().await;
        };
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => {
                let now = self.now();
                self.m.handle_timeout(now);
            }
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                if trace() {
                    eprintln!("{} << {}", self.name, t.as_str());
                }
                self.received.push(t.as_str().to_owned());
                let now = self.now();
                self.m.handle_frame(t.as_str(), now);
            }
            Ok(Some(Ok(WsMessage::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                self.ws = None;
                let now = self.now();
                self.m.handle_transport_closed(now);
            }
            Ok(Some(Ok(_))) => {}
        }
        self.flush().await;
    }

    /// Drops the TCP connection without a WebSocket close (a network failure).
    pub fn drop_transport(&mut self) {
        self.ws = None;
        let now = self.now();
        self.m.handle_transport_closed(now);
        while let Some(e) = self.m.poll_event() {
            self.events.push_back(e);
        }
    }

    /// Opens a new WebSocket for the same machine (after `reconnect`).
    pub async fn new_transport(&mut self, url: &str) {
        self.ws = Some(open_ws(url).await);
    }
}

/// Pumps two drivers together until `until` holds for both queues, or `timeout`.
pub async fn pump_both<A: SansIo, B: SansIo>(a: &mut Driver<A>, b: &mut Driver<B>, d: Duration) {
    let end = std::time::Instant::now() + d;
    while std::time::Instant::now() < end {
        a.step(Duration::from_millis(20)).await;
        b.step(Duration::from_millis(20)).await;
    }
}
