//! The BOSH twin of [`super::Driver`]: a sans-IO XMPP client on a `bosh::Session`, with a
//! small hyper HTTP/1.1 client making the requests the session asks for (each on its own
//! connection, as a browser may) and a real clock. Faults can be injected between the two:
//! a request that never leaves, an answer lost on the way back. Test-only.

use super::SansIo;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use webchat_protocol::bosh::{self, RequestId};
use webchat_protocol::Instant;

/// `POST`s a BOSH body; the HTTP status and the body of the answer.
pub async fn post(url: &str, body: String) -> Result<(u16, String), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let host = uri.host().ok_or("no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post(uri.clone())
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .header(hyper::header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

type Answer = (u64, RequestId, Result<(u16, String), String>);

/// A sans-IO machine on a BOSH session.
pub struct BoshDriver<M: SansIo> {
    pub m: M,
    pub session: Option<bosh::Session>,
    pub url: String,
    origin: std::time::Instant,
    pub events: VecDeque<M::Ev>,
    pub bosh_events: Vec<bosh::Event>,
    /// Every frame handed to the machine.
    pub received: Vec<String>,
    /// Every request body sent, as (rid, body).
    pub requests: Vec<(u64, String)>,
    pub name: &'static str,
    /// The next N requests are not sent (reported as network errors).
    pub drop_requests: usize,
    /// The answers of the next N requests are thrown away (reported as network errors).
    pub lose_answers: usize,
    /// Answers thrown away by `lose_answers`, for assertions.
    pub lost: Vec<String>,
    /// Answers of an abandoned session carry an older generation and are ignored.
    generation: u64,
    tx: mpsc::UnboundedSender<Answer>,
    rx: mpsc::UnboundedReceiver<Answer>,
}

impl<M: SansIo> BoshDriver<M> {
    pub fn new(name: &'static str, url: &str, m: M, origin: std::time::Instant) -> BoshDriver<M> {
        let (tx, rx) = mpsc::unbounded_channel();
        BoshDriver {
            m,
            session: Some(bosh::Session::new(bosh::Config::new(entropy8()))),
            url: url.to_owned(),
            origin,
            events: VecDeque::new(),
            bosh_events: Vec::new(),
            received: Vec::new(),
            requests: Vec::new(),
            name,
            drop_requests: 0,
            lose_answers: 0,
            lost: Vec::new(),
            generation: 0,
            tx,
            rx,
        }
    }

    /// The same with a session config of the test's choice.
    pub fn with_config(mut self, config: bosh::Config) -> BoshDriver<M> {
        self.session = Some(bosh::Session::new(config));
        self
    }

    pub fn now(&self) -> Instant {
        Instant::from_millis(self.origin.elapsed().as_millis() as u64)
    }

    fn pump(&mut self) {
        let now = self.now();
        let Some(s) = &mut self.session else {
            while self.m.poll_transmit().is_some() {}
            return self.drain_events();
        };
        loop {
            let mut moved = false;
            while let Some(f) = self.m.poll_transmit() {
                if super::trace() {
                    eprintln!("{} >> {f}", self.name);
                }
                s.send_frame(&f, now);
                moved = true;
            }
            while let Some(f) = s.poll_frame() {
                if super::trace() {
                    eprintln!("{} << {f}", self.name);
                }
                self.received.push(f.clone());
                self.m.handle_frame(&f, now);
                moved = true;
            }
            if s.poll_closed() {
                self.m.handle_transport_closed(now);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        while let Some(r) = s.poll_request(now) {
            self.requests.push((r.rid, r.body.clone()));
            if self.drop_requests > 0 {
                self.drop_requests -= 1;
                s.handle_failure(r.id, now);
                continue;
            }
            let (tx, url, generation) = (self.tx.clone(), self.url.clone(), self.generation);
            tokio::spawn(async move {
                let answer = post(&url, r.body).await;
                let _ = tx.send((generation, r.id, answer));
            });
        }
        self.bosh_events
            .extend(core::iter::from_fn(|| s.poll_event()));
        self.drain_events();
    }

    fn drain_events(&mut self) {
        while let Some(e) = self.m.poll_event() {
            self.events.push_back(e);
        }
    }

    /// Moves everything that can move now (requests that became possible, a failure just
    /// reported); more than once because one step can make room for the next.
    fn flush(&mut self) {
        for _ in 0..4 {
            self.pump();
        }
    }

    fn on_answer(&mut self, (generation, id, answer): Answer) {
        if generation != self.generation {
            return;
        }
        let now = self.now();
        let Some(s) = &mut self.session else { return };
        match answer {
            Ok((status, body)) if self.lose_answers > 0 => {
                self.lose_answers -= 1;
                self.lost.push(format!("{status} {body}"));
                s.handle_failure(id, now);
            }
            Ok((status, body)) => {
                if super::trace() {
                    eprintln!("{} <<< {status} {body}", self.name);
                }
                s.handle_response(id, status, &body, now)
            }
            Err(e) => {
                if super::trace() {
                    eprintln!("{} <<< failed: {e}", self.name);
                }
                s.handle_failure(id, now)
            }
        }
    }

    /// One round: send, then wait for an answer, a timer, or `max`.
    pub async fn step(&mut self, max: Duration) {
        self.flush();
        let now = self.now();
        let timers = [
            self.m.poll_timeout(),
            self.session.as_ref().and_then(|s| s.poll_timeout()),
        ];
        let wait = match timers.into_iter().flatten().min() {
            Some(t) => {
                Duration::from_millis(t.as_millis().saturating_sub(now.as_millis())).min(max)
            }
            None => max,
        };
        match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some(a)) => {
                self.on_answer(a);
                // Answers that arrived together are handled together.
                while let Ok(a) = self.rx.try_recv() {
                    self.on_answer(a);
                }
            }
            Ok(None) | Err(_) => {
                let now = self.now();
                self.m.handle_timeout(now);
                if let Some(s) = &mut self.session {
                    s.handle_timeout(now);
                }
            }
        }
        self.flush();
    }

    /// Walks away from the BOSH session without a terminate (a tab closed, a network gone):
    /// the machine sees its transport close, the server keeps the session until its
    /// inactivity timeout.
    pub fn drop_transport(&mut self) {
        self.session = None;
        self.generation += 1;
        let now = self.now();
        self.m.handle_transport_closed(now);
        self.drain_events();
    }

    /// A new BOSH session for the same machine (after `reconnect`).
    pub fn new_transport(&mut self) {
        self.generation += 1;
        self.session = Some(bosh::Session::new(bosh::Config::new(entropy8())));
    }
}

fn entropy8() -> [u8; 8] {
    let e = super::entropy();
    core::array::from_fn(|i| e[i])
}
