//! Load benchmark: N concurrent visitors through the Public API and the embedded XMPP backend
//! on loopback, each chatting with the bot (`--bot`), all in one process.
//!
//! What it does: starts devserver in-process with the bot, creates N chat sessions and
//! credentials over HTTP, connects N `webchat_protocol::visitor::Chat`s over WebSockets, holds
//! them all, then has every visitor send M messages one after another (waiting for the bot's
//! `You said: …` each time) and reports sessions held, messages per second and the p50/p99
//! round trip. Target: 500 sessions, p99 < 100 ms on a 2-core machine.
//! What it does not: run in `cargo test` (it is a `harness = false` bench), or measure the
//! external servers.
//!
//! `cargo bench -p devserver --bench load -- --sessions 500 --messages 20 [--pause-ms 0]`
//! (`--pause-ms 0`: each visitor sends its next message as soon as the answer arrives.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use devserver::campaigns::ENGLISH;
use devserver::config::DEFAULT_TOKEN;
use devserver::{Config, Server};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use webchat_protocol::api::{ChatSession, XmppCredentials};
use webchat_protocol::{Chat, ChatConfig, ChatEvent, Config as ConnConfig, Instant, Jid};

/// `POST` to the Public API; `chat_secret` proves the caller is that chat's visitor.
async fn post(
    addr: SocketAddr,
    path: &str,
    chat_secret: Option<&str>,
    body: &str,
) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let secret = chat_secret
        .map(|s| format!("X-Chat-Secret: {s}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "POST /api/app.php/chatbot/v1/{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-API-TOKEN: {DEFAULT_TOKEN}\r\n{secret}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| e.to_string())?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no header end")?;
    if !head.contains(" 201 ") {
        return Err(format!("{path}: {head}"));
    }
    Ok(body.to_owned())
}

struct Stats {
    round_trips: Vec<Duration>,
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// A connected visitor.
struct Visitor {
    chat: Chat,
    ws: Ws,
    origin: tokio::time::Instant,
}

impl Visitor {
    fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    /// Writes what the chat wants to send: frames queued, then one flush (a message and its
    /// `<r/>` in one write, as a browser sends what one task queued).
    async fn flush(&mut self) -> Result<(), String> {
        let mut fed = false;
        while let Some(f) = self.chat.poll_transmit() {
            self.ws
                .feed(Message::text(f))
                .await
                .map_err(|e| e.to_string())?;
            fed = true;
        }
        if fed {
            self.ws.flush().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Reads one frame or handles a timer.
    async fn step(&mut self) {
        let wake = self
            .chat
            .poll_timeout()
            .map(|t| self.origin + Duration::from_millis(t.as_millis()))
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(60));
        let m = tokio::select! {
            m = self.ws.next() => Some(m),
            () = tokio::time::sleep_until(wake) => None,
        };
        let now = self.now();
        match m {
            Some(Some(Ok(Message::Text(t)))) => self.chat.handle_frame(t.as_str(), now),
            Some(Some(Ok(_))) => {}
            Some(_) => self.chat.handle_transport_closed(now),
            None => self.chat.handle_timeout(now),
        }
    }
}

/// API calls, WebSocket, SASL, bind, presences: until `Connected`.
async fn connect(addr: SocketAddr, ws_url: &str) -> Result<Visitor, String> {
    let body = format!("{{\"campaign_id\":\"{ENGLISH}\"}}");
    let session: ChatSession =
        serde_json::from_str(&post(addr, "chatsessions", None, &body).await?)
            .map_err(|e| e.to_string())?;
    let body = format!("{{\"chatsession_id\":\"{}\"}}", session.id);
    let secret = session.visitor_secret.as_deref();
    let creds: XmppCredentials =
        serde_json::from_str(&post(addr, "xmppcredentials", secret, &body).await?)
            .map_err(|e| e.to_string())?;
    let mut request = ws_url.into_client_request().map_err(|e| e.to_string())?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    // Like a browser: no Nagle; and a read buffer sized for chat frames (tungstenite zero-fills
    // its whole read buffer on every read).
    let ws_config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(ws_config), true)
        .await
        .map_err(|e| e.to_string())?;
    let c = &creds.credentials;
    let mut entropy = [0u8; 16];
    getrandom::fill(&mut entropy).map_err(|e| e.to_string())?;
    let config = ChatConfig {
        connection: ConnConfig::new(&c.user, &c.password, &c.domain, &c.resource, entropy),
        agent: Jid::parse(&creds.agent.jid).map_err(|e| e.to_string())?,
        agent_nick: creds.agent.nickname.clone(),
    };
    let mut v = Visitor {
        chat: Chat::new(config, Instant::from_millis(0)),
        ws,
        origin: tokio::time::Instant::now(),
    };
    loop {
        v.flush().await?;
        while let Some(ev) = v.chat.poll_event() {
            match ev {
                ChatEvent::Connected { .. } => return Ok(v),
                ChatEvent::Disconnected(r) => return Err(format!("disconnected: {r}")),
                _ => {}
            }
        }
        v.step().await;
    }
}

/// `messages` messages one after another, each answered by the bot, `pause` apart.
async fn chat(v: &mut Visitor, messages: usize, pause: Duration) -> Result<Stats, String> {
    let mut stats = Stats {
        round_trips: Vec::with_capacity(messages),
    };
    // Visitors do not type in lockstep: spread the first messages over one pause.
    let mut r = [0u8; 4];
    getrandom::fill(&mut r).map_err(|e| e.to_string())?;
    let offset = pause.mul_f64(f64::from(u32::from_le_bytes(r)) / f64::from(u32::MAX));
    for n in 1..=messages {
        if (n > 1 || !offset.is_zero()) && !pause.is_zero() {
            let pause = if n == 1 { offset } else { pause };
            // Think time, with the chat kept alive (pings) meanwhile.
            let until = tokio::time::Instant::now() + pause;
            while tokio::time::Instant::now() < until {
                v.flush().await?;
                tokio::select! {
                    () = v.step() => {}
                    () = tokio::time::sleep_until(until) => {}
                }
            }
        }
        let now = v.now();
        v.chat
            .send_message(&format!("message {n}"), now)
            .map_err(|e| e.to_string())?;
        let sent = tokio::time::Instant::now();
        'answer: loop {
            v.flush().await?;
            while let Some(ev) = v.chat.poll_event() {
                match ev {
                    ChatEvent::AgentMessage { body, .. } if body.starts_with("You said: ") => {
                        stats.round_trips.push(sent.elapsed());
                        break 'answer;
                    }
                    ChatEvent::Disconnected(r) => return Err(format!("disconnected: {r}")),
                    _ => {}
                }
            }
            v.step().await;
        }
    }
    let now = v.now();
    v.chat.close(now);
    v.flush().await?;
    Ok(stats)
}

/// One visitor: connect, wait until every visitor is connected, chat.
async fn visitor(
    addr: SocketAddr,
    ws_url: String,
    messages: usize,
    pause: Duration,
    held: Arc<Barrier>,
    go: Arc<Barrier>,
) -> Result<Stats, String> {
    let connected = connect(addr, &ws_url).await;
    // Every session is up before anyone chats (failed ones too, so nobody waits forever).
    held.wait().await;
    go.wait().await;
    let mut v = connected?;
    chat(&mut v, messages, pause).await
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// How long the noise probe sleeps between looks at the clock.
const PROBE_SLEEP: Duration = Duration::from_millis(5);

/// Measures how late a plain OS thread wakes from a short sleep while the chats run: the
/// scheduling delay other processes on a shared machine add, so a reader can tell a slow
/// server from a busy machine.
struct LagProbe {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Duration>>,
}

impl LagProbe {
    fn start() -> LagProbe {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut lags = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let t = std::time::Instant::now();
                std::thread::sleep(PROBE_SLEEP);
                lags.push(t.elapsed().saturating_sub(PROBE_SLEEP));
            }
            lags
        });
        LagProbe { stop, thread }
    }

    fn stop(self) -> Vec<Duration> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The target for the round trip.
const TARGET_P99: Duration = Duration::from_millis(100);

/// User + system CPU time of this process so far (Linux `/proc`; `None` elsewhere).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`, which may contain spaces: utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let sessions = arg("--sessions", 500);
    let messages = arg("--messages", 20);
    // 0: every visitor sends its next message as soon as the bot answered (saturation).
    let pause = Duration::from_millis(arg("--pause-ms", 0) as u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let config = Config {
            bot: true,
            // Visitors chat continuously; keep the default server pings.
            ..Config::for_tests()
        };
        let server = Server::start(config).await.expect("devserver starts");
        let addr = server.addr();
        let url = server.xmpp_ws_url();
        let held = Arc::new(Barrier::new(sessions + 1));
        let go = Arc::new(Barrier::new(sessions + 1));
        let setup = tokio::time::Instant::now();
        let mut tasks = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            tasks.push(tokio::spawn(visitor(
                addr,
                url.clone(),
                messages,
                pause,
                held.clone(),
                go.clone(),
            )));
            // A gentle ramp: SCRAM's key derivation is the expensive part of a connect.
            tokio::task::yield_now().await;
        }
        held.wait().await;
        let setup_time = setup.elapsed();
        // The last presences are still on their way when the last `Connected` fires.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let held_sessions = server
            .hub()
            .all_sessions()
            .iter()
            .filter(|s| s.session.status == webchat_protocol::api::ChatSessionStatus::Active)
            .count();
        let start = tokio::time::Instant::now();
        let cpu_before = cpu_time();
        let probe = LagProbe::start();
        go.wait().await;
        let mut all = Vec::new();
        let mut failures = 0;
        for t in tasks {
            match t.await {
                Ok(Ok(s)) => all.extend(s.round_trips),
                Ok(Err(e)) => {
                    failures += 1;
                    eprintln!("visitor failed: {e}");
                }
                Err(e) => {
                    failures += 1;
                    eprintln!("visitor panicked: {e}");
                }
            }
        }
        let elapsed = start.elapsed();
        let mut lags = probe.stop();
        lags.sort();
        let cpu = cpu_time().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
        all.sort();
        println!(
            "devserver load: {sessions} visitors x {messages} messages, {} ms apart, bot answering, embedded XMPP on loopback",
            pause.as_millis()
        );
        println!("  sessions held (active at once): {held_sessions}");
        println!("  connect + API setup: {:.2} s", setup_time.as_secs_f64());
        println!("  failures: {failures}");
        println!(
            "  round trips: {}  messages/s: {:.0}",
            all.len(),
            all.len() as f64 / elapsed.as_secs_f64()
        );
        let p99 = percentile(&all, 0.99);
        println!(
            "  round trip p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            percentile(&all, 0.50).as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            all.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
        );
        if let Some(cpu) = cpu.filter(|_| !all.is_empty()) {
            // Independent of other load on the machine: what one round trip costs, visitor
            // side included (it runs in this process too).
            println!(
                "  CPU per round trip (server + bot + visitors): {:.0} us",
                cpu.as_secs_f64() * 1e6 / all.len() as f64
            );
        }
        if let Some(cpu) = cpu {
            // Latency under saturation is queueing: it depends on how much of the machine the
            // benchmark got. Say so when other processes took a large part of it.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let share = cpu.as_secs_f64() / (elapsed.as_secs_f64() * cores as f64);
            println!(
                "  CPU share of the {cores} cores while chatting: {:.0}%{}",
                share * 100.0,
                if pause.is_zero() && share < 0.8 {
                    " (other processes took the rest: latencies are inflated)"
                } else {
                    ""
                }
            );
        }
        println!(
            "  machine noise (a {} ms sleep on a thread of its own overslept by) p50 {:.1} ms  p99 {:.1} ms{}",
            PROBE_SLEEP.as_millis(),
            percentile(&lags, 0.50).as_secs_f64() * 1000.0,
            percentile(&lags, 0.99).as_secs_f64() * 1000.0,
            if percentile(&lags, 0.99) > Duration::from_millis(10) {
                " (the machine is busy — other processes, and at saturation this benchmark's own workers: every round trip pays that too)"
            } else {
                ""
            }
        );
        let met = failures == 0 && held_sessions == sessions && p99 < TARGET_P99;
        println!(
            "  target ({sessions} sessions held, p99 < {} ms): {}",
            TARGET_P99.as_millis(),
            if met { "met" } else { "NOT met" }
        );
        let _ = server.shutdown().await;
    });
}
