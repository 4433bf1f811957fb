//! The client side of one BOSH session (XEP-0124, XMPP per XEP-0206) as a sans-IO state
//! machine that carries RFC 7395 frames: the XMPP client ([`crate::Connection`] or
//! [`crate::Chat`]) speaks exactly as over a WebSocket, and this turns its frames into HTTP
//! request bodies and the bodies of the answers back into frames.
//!
//! Frames in ([`Session::send_frame`]): the first `<open/>` creates the session, a later one
//! is the stream restart after SASL, `<close/>` is the session terminate, anything else is
//! payload (frames queued together leave in one body). Frames out ([`Session::poll_frame`]):
//! a server `<open/>` made up for the creation and for every restart, then every payload
//! child in order; after the session ends, [`Session::poll_closed`] says so once (the XMPP
//! side then sees its transport close). [`Session::pump`] does both for a [`super::Frames`].
//!
//! HTTP ([`Session::poll_request`] out, [`Session::handle_response`] /
//! [`Session::handle_failure`] in, by [`RequestId`]): `rid`s count up from a random start,
//! never more than `requests` unanswered at once and never beyond that window above the
//! oldest unanswered one, nor sooner than `order_gap` after the latest unanswered one (so
//! they reach the server in `rid` order); one request is kept waiting at the server (`hold`)
//! so it can push; two empty requests in a row are spaced by `polling` when the first came
//! back empty; a request that fails (network, HTTP status, no answer within `wait` plus a
//! grace period, a recoverable `type='error'`) is sent again with the same `rid` and body, a
//! few times with a growing delay, then the session fails with [`Error::Failed`]; a request
//! overtaken by the answer to a later one gets only the grace period more. Answers are
//! handed on in `rid` order whatever order they arrive in.
//! What it does not do: HTTP itself, XEP-0124 acknowledgements, pauses or key sequences (see
//! `docs/bosh.md` for why none is needed here), or XMPP (the client does that).

use super::body::{Body, BodyError, Condition, Kind};
use crate::framing;
use crate::ns;
use crate::time::Instant;
use crate::xml::{self, Element};
use core::fmt;
use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};

/// How the session talks to the connection manager.
#[derive(Clone, Debug)]
pub struct Config {
    /// `xml:lang` of the session.
    pub lang: String,
    /// How long the server may hold a request (`wait`, asked for; the server may lower it).
    pub wait: Duration,
    /// How many requests the server should keep waiting (`hold`; 1 is what servers allow).
    pub hold: u32,
    /// How much longer than `wait` an answer may take before the request counts as lost.
    pub grace: Duration,
    /// How often one request is sent again after failing before the session gives up.
    pub max_retries: u32,
    /// The delay before the second retry; it doubles for each further one (the first retry
    /// goes at once).
    pub retry_delay: Duration,
    /// How long a request must have been out before a later one may follow it: two requests
    /// sent closer together can reach the server in either order (see `docs/bosh.md`).
    pub order_gap: Duration,
    /// Fresh randomness from the caller: the first `rid`.
    pub entropy: [u8; 8],
}

impl Config {
    /// Defaults: `xml:lang='en'`, wait 60 s, hold 1, grace 10 s, 4 retries starting at 1 s,
    /// 100 ms between two requests.
    pub fn new(entropy: [u8; 8]) -> Config {
        Config {
            lang: "en".to_owned(),
            wait: Duration::from_secs(60),
            hold: 1,
            grace: Duration::from_secs(10),
            max_retries: 4,
            retry_delay: Duration::from_secs(1),
            order_gap: Duration::from_millis(100),
            entropy,
        }
    }
}

/// Names one HTTP request the session asked for; its answer or failure comes back with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

impl RequestId {
    /// The number behind the id (for a map key in JavaScript, a log line).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// An HTTP request to make: `POST` `body` to the BOSH URL with
/// `Content-Type: text/xml; charset=utf-8`, then report the answer with
/// [`Session::handle_response`] or the failure with [`Session::handle_failure`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Give this back with the answer.
    pub id: RequestId,
    /// The BOSH request id inside the body (the same for a request sent again).
    pub rid: u64,
    /// The request body.
    pub body: String,
    /// Abort the request after this long (the session counts it lost then anyway).
    pub timeout: Duration,
}

/// What the connection manager granted in its session creation response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// The session id.
    pub sid: String,
    /// How long it holds a request.
    pub wait: Duration,
    /// How many requests it keeps waiting.
    pub hold: u32,
    /// How many requests may be open at once.
    pub requests: u32,
    /// How long it keeps a session with no request open, when it said.
    pub inactivity: Option<Duration>,
    /// The shortest interval between two empty requests.
    pub polling: Duration,
    /// The domain it answers for.
    pub from: Option<String>,
}

/// Why one HTTP request did not give a usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The request failed below HTTP (connection refused or reset, aborted, CORS).
    Network,
    /// No answer within `wait` plus the grace period.
    Timeout,
    /// An HTTP status other than 200 that does not end the session.
    Status(u16),
    /// A 200 whose body is not a BOSH `<body/>` (a proxy's page, a cut-off answer).
    BadBody(BodyError),
    /// The server answered `type='error'`: it lost a request and asks for it again.
    Recoverable,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Network => f.write_str("network error"),
            Failure::Timeout => f.write_str("no answer in time"),
            Failure::Status(s) => write!(f, "HTTP status {s}"),
            Failure::BadBody(e) => write!(f, "unreadable answer: {e}"),
            Failure::Recoverable => f.write_str("the server asked for a request again"),
        }
    }
}

/// Why the session ended other than by our own terminate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The server ended the session without an error (its XMPP stream closed).
    ServerClosed,
    /// The server ended the session with this terminal condition (also the old HTTP 400,
    /// 403 and 404 answers: `bad-request`, `policy-violation`, `item-not-found`).
    Terminated(Condition),
    /// The request with this `rid` failed `attempts` times in a row.
    Failed {
        /// The request id.
        rid: u64,
        /// How many times it was sent.
        attempts: u32,
        /// The last failure.
        last: Failure,
    },
    /// The server broke the protocol (e.g. a creation response without a session id).
    Protocol(&'static str),
    /// The URL answered the session creation with this HTTP status: no BOSH there.
    NotBosh(u16),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ServerClosed => f.write_str("BOSH: the server closed the session"),
            Error::Terminated(c) => write!(f, "BOSH: {c}"),
            Error::Failed {
                rid,
                attempts,
                last,
            } => write!(
                f,
                "BOSH: request {rid} failed {attempts} times (last: {last})"
            ),
            Error::Protocol(m) => write!(f, "BOSH: protocol error: {m}"),
            Error::NotBosh(s) => write!(f, "BOSH: the URL answered HTTP {s}: no BOSH there"),
        }
    }
}

impl std::error::Error for Error {}

/// What happened, for the caller's log and decisions (frames go to the XMPP client instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The connection manager created the session.
    Created(Params),
    /// A request failed and is sent again with the same `rid` (`attempt` counts failures).
    Retrying {
        /// The request id.
        rid: u64,
        /// How many times it has failed so far.
        attempt: u32,
        /// Why it failed this time.
        cause: Failure,
    },
    /// The session is over: `Ok` after our terminate was answered. Stop every open request.
    Ended(Result<(), Error>),
}

/// Something waiting to go into a request body.
#[derive(Debug)]
enum Item {
    Payload(Element),
    Restart,
    Terminate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Create,
    Restart,
    Terminate,
    Data,
    Empty,
}

/// A request without an answer yet.
#[derive(Debug)]
struct Pending {
    body: String,
    purpose: Purpose,
    /// Failures so far.
    failures: u32,
    first_sent: Instant,
    /// When the copy out now was sent.
    sent: Instant,
    /// The HTTP request carrying it now, and when that counts as lost.
    http: Option<(RequestId, Instant)>,
    /// When to send it again (while `http` is `None`).
    retry_at: Instant,
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// No `<open/>` yet.
    Idle,
    /// The creation request is out (or about to be).
    Creating {
        sent: bool,
    },
    Open,
    /// Our terminate is out.
    Terminating,
    Ended,
}

/// One BOSH session.
#[derive(Debug)]
pub struct Session {
    config: Config,
    phase: Phase,
    params: Option<Params>,
    domain: String,
    next_rid: u64,
    /// The next `rid` whose answer is handed on.
    deliver_rid: u64,
    queue: VecDeque<Item>,
    pending: BTreeMap<u64, Pending>,
    answered: BTreeMap<u64, (Purpose, Body)>,
    /// Which `rid` each HTTP request carries (earlier copies too, until the rid is answered).
    ids: BTreeMap<RequestId, u64>,
    next_id: u64,
    /// No empty request before this.
    empty_gate: Option<Instant>,
    frames: VecDeque<String>,
    closed_signal: bool,
    events: VecDeque<Event>,
}

/// Largest first `rid`: leaves 2^52 requests of room below 2^53 - 1, the largest integer a
/// JavaScript connection manager (or client) can count exactly.
const RID_MASK: u64 = (1 << 52) - 1;

impl Session {
    /// A session that starts when the XMPP client sends its first `<open/>`.
    pub fn new(config: Config) -> Session {
        let rid = (u64::from_le_bytes(config.entropy) & RID_MASK).max(1);
        Session {
            config,
            phase: Phase::Idle,
            params: None,
            domain: String::new(),
            next_rid: rid,
            deliver_rid: rid,
            queue: VecDeque::new(),
            pending: BTreeMap::new(),
            answered: BTreeMap::new(),
            ids: BTreeMap::new(),
            next_id: 0,
            empty_gate: None,
            frames: VecDeque::new(),
            closed_signal: false,
            events: VecDeque::new(),
        }
    }

    /// What the server granted, once the session exists.
    pub fn params(&self) -> Option<&Params> {
        self.params.as_ref()
    }

    /// The session id, once the session exists.
    pub fn sid(&self) -> Option<&str> {
        self.params.as_ref().map(|p| p.sid.as_str())
    }

    /// Whether the session is over.
    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// How many requests have no answer yet (sent, or waiting to be sent again).
    pub fn unanswered(&self) -> usize {
        self.pending.len()
    }

    /// One RFC 7395 frame from the XMPP client (its `poll_transmit`).
    pub fn send_frame(&mut self, frame: &str, _now: Instant) {
        if matches!(self.phase, Phase::Ended)
            || matches!(self.queue.back(), Some(Item::Terminate))
            || self.phase == Phase::Terminating
        {
            return;
        }
        // Our own client's frames are well-formed; one that is not cannot be carried.
        let Ok(el) = xml::parse(frame, ns::CLIENT) else {
            return;
        };
        if el.is("open", ns::FRAMING) {
            if self.phase == Phase::Idle {
                el.attr("to")
                    .unwrap_or_default()
                    .clone_into(&mut self.domain);
                self.phase = Phase::Creating { sent: false };
            } else {
                self.queue.push_back(Item::Restart);
                // The restarted stream's header: XEP-0206 has none on the wire, the client
                // waits for one before the new features.
                let open = self.server_open(None);
                self.frames.push_back(open);
            }
        } else if el.is("close", ns::FRAMING) {
            if self.phase == Phase::Idle {
                self.end(Ok(()));
            } else {
                self.queue.push_back(Item::Terminate);
            }
        } else {
            self.queue.push_back(Item::Payload(el));
        }
    }

    /// The next HTTP request to make, if one may go now.
    pub fn poll_request(&mut self, now: Instant) -> Option<Request> {
        if self.phase == Phase::Ended {
            return None;
        }
        // A request waiting to go again goes first, and nothing after it before it is out: a
        // later one would reach the server ahead of it.
        if let Some((rid, at)) = self.next_retry() {
            return (at <= now).then(|| self.issue(rid, now));
        }
        match self.phase {
            Phase::Creating { sent: false } => {
                self.phase = Phase::Creating { sent: true };
                let body = Body {
                    rid: Some(self.next_rid),
                    to: Some(self.domain.clone()),
                    lang: Some(self.config.lang.clone()),
                    ver: Some("1.6".to_owned()),
                    wait: Some(secs(self.config.wait)),
                    hold: Some(self.config.hold),
                    xmpp_version: Some("1.0".to_owned()),
                    ..Body::default()
                };
                Some(self.start(body, Purpose::Create, now))
            }
            Phase::Open => self.next_new(now),
            _ => None,
        }
    }

    /// The answer to a request: its HTTP status and body text.
    pub fn handle_response(&mut self, id: RequestId, status: u16, body: &str, now: Instant) {
        let Some(&rid) = self.ids.get(&id) else {
            return;
        };
        if self.phase == Phase::Ended || !self.pending.contains_key(&rid) {
            self.ids.remove(&id);
            return;
        }
        match status {
            200 => {}
            // Before there is a session these say the URL serves no BOSH (a wrong path, a
            // backend without it).
            400 | 403 | 404 if self.params.is_none() => {
                return self.end(Err(Error::NotBosh(status)))
            }
            // XEP-0124's older HTTP error codes; each ends the session.
            400 => return self.end(Err(Error::Terminated(Condition::BadRequest))),
            403 => return self.end(Err(Error::Terminated(Condition::PolicyViolation))),
            404 => return self.end(Err(Error::Terminated(Condition::ItemNotFound))),
            s => return self.fail(id, rid, Failure::Status(s), now),
        }
        let body = match Body::parse(body) {
            Ok(b) => b,
            Err(e) => return self.fail(id, rid, Failure::BadBody(e), now),
        };
        if body.kind == Kind::Error {
            // XEP-0124 recoverable binding error: this request and every earlier unanswered
            // one go again, unchanged.
            for p in self.pending.range_mut(..rid).map(|(_, p)| p) {
                p.http = None;
                p.retry_at = now;
            }
            return self.fail(id, rid, Failure::Recoverable, now);
        }
        self.ids.retain(|_, r| *r != rid);
        let Some(p) = self.pending.remove(&rid) else {
            return;
        };
        if p.purpose == Purpose::Empty
            && rid + 1 == self.next_rid
            && body.kind == Kind::Normal
            && body.payload.is_empty()
        {
            let polling = self.params.as_ref().map_or(Duration::ZERO, |p| p.polling);
            self.empty_gate = Some(p.first_sent + polling);
        }
        self.answered.insert(rid, (p.purpose, body));
        // Servers answer their held requests oldest first: an earlier request still without
        // an answer now has it on the way or lost (a middlebox that drops answers silently).
        // It gets the grace period, not a whole `wait`, so the client's own checks (an
        // unanswered `<r/>` stuck behind it) do not give up first.
        let soon = now + self.config.grace;
        for p in self.pending.range_mut(..rid).map(|(_, p)| p) {
            if let Some((_, deadline)) = &mut p.http {
                *deadline = (*deadline).min(soon);
            }
        }
        self.deliver();
    }

    /// The request failed without an answer (network error, aborted, CORS refusal).
    pub fn handle_failure(&mut self, id: RequestId, now: Instant) {
        let Some(&rid) = self.ids.get(&id) else {
            return;
        };
        self.fail(id, rid, Failure::Network, now);
    }

    /// A timer from [`Session::poll_timeout`] fired: requests without an answer in time count
    /// as failed. Call [`Session::poll_request`] afterwards.
    pub fn handle_timeout(&mut self, now: Instant) {
        let late: Vec<(RequestId, u64)> = self
            .pending
            .iter()
            .filter_map(|(rid, p)| match p.http {
                Some((id, deadline)) if deadline <= now => Some((id, *rid)),
                _ => None,
            })
            .collect();
        for (id, rid) in late {
            self.fail(id, rid, Failure::Timeout, now);
        }
    }

    /// When to call [`Session::handle_timeout`] (and then [`Session::poll_request`]).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Ended {
            return None;
        }
        let mut t: Option<Instant> = None;
        let mut at = |i: Instant| t = Some(t.map_or(i, |t| t.min(i)));
        for (_, deadline) in self.pending.values().filter_map(|p| p.http) {
            at(deadline);
        }
        // The next request to go: one waiting to go again (those after it wait for it), else a
        // new one no sooner than its turn.
        if let Some((_, retry)) = self.next_retry() {
            at(retry);
        } else if self.phase == Phase::Open && self.has_room() {
            let turn = self.turn(self.next_rid);
            if !self.queue.is_empty() {
                if let Some(t) = turn {
                    at(t);
                }
            } else if self.wants_empty() {
                // An empty request waits for the polling gate too: whichever comes later.
                if let Some(t) = max_of(turn, self.empty_gate) {
                    at(t);
                }
            }
        }
        t
    }

    /// The next frame for the XMPP client (its `handle_frame`).
    pub fn poll_frame(&mut self) -> Option<String> {
        self.frames.pop_front()
    }

    /// `true` once, after the session ended and its last frames were taken: the XMPP
    /// client's transport is closed now (its `handle_transport_closed`).
    pub fn poll_closed(&mut self) -> bool {
        if self.closed_signal && self.frames.is_empty() {
            self.closed_signal = false;
            return true;
        }
        false
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Moves frames both ways between this session and the XMPP client until neither has
    /// anything for the other; call it after every input to either. Requests, events and
    /// timers stay to be polled.
    pub fn pump<M: super::Frames + ?Sized>(&mut self, client: &mut M, now: Instant) {
        loop {
            let mut moved = false;
            while let Some(f) = client.poll_transmit() {
                self.send_frame(&f, now);
                moved = true;
            }
            while let Some(f) = self.poll_frame() {
                client.handle_frame(&f, now);
                moved = true;
            }
            if self.poll_closed() {
                client.handle_transport_closed(now);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }

    /// Whether the window takes one more request.
    fn has_room(&self) -> bool {
        let requests = self.params.as_ref().map_or(1, |p| p.requests.max(1)) as u64;
        let oldest = self.pending.keys().next().copied().unwrap_or(self.next_rid);
        (self.pending.len() as u64) < requests && self.next_rid < oldest + requests
    }

    /// The lowest request waiting to go again and when it may: after its retry delay and no
    /// sooner than its [`turn`](Self::turn).
    fn next_retry(&self) -> Option<(u64, Instant)> {
        let (&rid, p) = self.pending.iter().find(|(_, p)| p.http.is_none())?;
        Some((rid, max_of(self.turn(rid), Some(p.retry_at))?))
    }

    /// When a request for `rid` may follow the unanswered ones below it (`None`: at once, there
    /// are none): not before the latest of them has been out `order_gap`, so it reaches the
    /// server after them. A server that gets a request ahead of a missing one parks it, and
    /// ejabberd leaves it parked when the missing one is then held (`docs/bosh.md`, "Order").
    /// Callers send the lowest request not out first, so every one below `rid` is out.
    fn turn(&self, rid: u64) -> Option<Instant> {
        self.pending
            .range(..rid)
            .map(|(_, p)| p.sent)
            .max()
            .map(|sent| sent + self.config.order_gap)
    }

    fn wants_empty(&self) -> bool {
        let hold = self.params.as_ref().map_or(1, |p| p.hold) as usize;
        self.pending.len() < hold
    }

    /// A new request from the queue, or an empty one to keep one waiting at the server.
    fn next_new(&mut self, now: Instant) -> Option<Request> {
        // The terminate goes whatever the gap: the session ends with it and nothing is sent
        // later, so waiting would lose it for sure, while sent now it is at worst parked.
        let ending = self.queue.iter().any(|i| matches!(i, Item::Terminate));
        if !self.has_room() || (!ending && self.turn(self.next_rid).is_some_and(|t| now < t)) {
            return None;
        }
        let sid = self.params.as_ref().map(|p| p.sid.clone());
        let mut body = Body {
            sid,
            rid: Some(self.next_rid),
            ..Body::default()
        };
        let purpose = match self.queue.front() {
            Some(Item::Restart) => {
                self.queue.pop_front();
                body.to = Some(self.domain.clone());
                body.lang = Some(self.config.lang.clone());
                body.restart = true;
                Purpose::Restart
            }
            Some(_) => {
                while let Some(Item::Payload(_)) = self.queue.front() {
                    if let Some(Item::Payload(el)) = self.queue.pop_front() {
                        body.payload.push(el);
                    }
                }
                if let Some(Item::Terminate) = self.queue.front() {
                    self.queue.pop_front();
                    body.kind = Kind::Terminate;
                    self.phase = Phase::Terminating;
                    Purpose::Terminate
                } else {
                    Purpose::Data
                }
            }
            None => {
                if !self.wants_empty() || self.empty_gate.is_some_and(|g| now < g) {
                    return None;
                }
                Purpose::Empty
            }
        };
        if purpose != Purpose::Empty {
            self.empty_gate = None;
        }
        Some(self.start(body, purpose, now))
    }

    fn start(&mut self, body: Body, purpose: Purpose, now: Instant) -> Request {
        let rid = self.next_rid;
        self.next_rid += 1;
        self.pending.insert(
            rid,
            Pending {
                body: body.to_xml(),
                purpose,
                failures: 0,
                first_sent: now,
                sent: now,
                http: None,
                retry_at: now,
            },
        );
        self.issue(rid, now)
    }

    fn timeout(&self) -> Duration {
        let wait = self.params.as_ref().map_or(self.config.wait, |p| p.wait);
        wait + self.config.grace
    }

    fn issue(&mut self, rid: u64, now: Instant) -> Request {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        let timeout = self.timeout();
        self.ids.insert(id, rid);
        let body = match self.pending.get_mut(&rid) {
            Some(p) => {
                p.http = Some((id, now + timeout));
                p.sent = now;
                p.body.clone()
            }
            None => String::new(),
        };
        Request {
            id,
            rid,
            body,
            timeout,
        }
    }

    fn fail(&mut self, id: RequestId, rid: u64, cause: Failure, now: Instant) {
        let max = self.config.max_retries;
        let delay = self.retry_delay_after(self.pending.get(&rid).map_or(0, |p| p.failures) + 1);
        let Some(p) = self.pending.get_mut(&rid) else {
            return;
        };
        // Only the copy now out counts: a late failure of an earlier one changes nothing (a
        // late answer to one is still taken: the server answers a rid the same every time).
        if p.http.map(|(cur, _)| cur) != Some(id) {
            return;
        }
        p.http = None;
        p.failures += 1;
        let failures = p.failures;
        if failures > max {
            return self.end(Err(Error::Failed {
                rid,
                attempts: failures,
                last: cause,
            }));
        }
        p.retry_at = now + delay;
        self.events.push_back(Event::Retrying {
            rid,
            attempt: failures,
            cause,
        });
    }

    /// The first retry goes at once (a dropped connection is the usual cause), then the
    /// delay doubles; it stays under half the server's inactivity so the session outlives it.
    fn retry_delay_after(&self, failures: u32) -> Duration {
        if failures <= 1 {
            return Duration::ZERO;
        }
        let d = self
            .config
            .retry_delay
            .saturating_mul(1 << (failures - 2).min(16));
        match self.params.as_ref().and_then(|p| p.inactivity) {
            Some(i) => d.min(i / 2),
            None => d,
        }
    }

    /// Hands on every answer whose turn it is.
    fn deliver(&mut self) {
        while let Some((purpose, body)) = self.answered.remove(&self.deliver_rid) {
            self.deliver_rid += 1;
            if purpose == Purpose::Create {
                self.created(body);
            } else {
                self.frames.extend(body.payload_frames());
                // Whatever the answer to our terminate, nothing may follow it.
                if body.kind == Kind::Terminate || purpose == Purpose::Terminate {
                    self.terminated(body);
                }
            }
            if self.phase == Phase::Ended {
                return;
            }
        }
    }

    fn created(&mut self, body: Body) {
        if body.kind == Kind::Terminate {
            self.frames.extend(body.payload_frames());
            return self.terminated(body);
        }
        let Some(sid) = body.sid.clone() else {
            return self.end(Err(Error::Protocol(
                "the session creation response has no sid",
            )));
        };
        let wait = body.wait.map_or(self.config.wait, |w| {
            Duration::from_secs(w.into()).min(self.config.wait)
        });
        let hold = body.hold.unwrap_or(self.config.hold);
        let params = Params {
            sid,
            wait,
            hold,
            requests: body.requests.unwrap_or(hold + 1).max(1),
            inactivity: body.inactivity.map(|s| Duration::from_secs(s.into())),
            polling: Duration::from_secs(body.polling.unwrap_or(0).into()),
            from: body.from.clone(),
        };
        self.params = Some(params.clone());
        // A `<close/>` queued meanwhile goes out as the first request: the session ends properly.
        self.phase = Phase::Open;
        let open = self.server_open(body.authid.as_deref());
        self.frames.push_back(open);
        self.frames.extend(body.payload_frames());
        self.events.push_back(Event::Created(params));
    }

    /// A `type='terminate'` answer (its payload is already on its way to the client).
    fn terminated(&mut self, body: Body) {
        if self.phase == Phase::Terminating {
            self.frames.push_back(framing::CLOSE.to_owned());
            return self.end(Ok(()));
        }
        let stream_error = body.payload.iter().any(|e| e.is("error", ns::STREAMS));
        let result = match body.condition {
            None => {
                self.frames.push_back(framing::CLOSE.to_owned());
                Err(Error::ServerClosed)
            }
            Some(Condition::RemoteStreamError) if !stream_error => {
                // The XMPP stream ended without saying why: the server's `</stream>`.
                self.frames.push_back(framing::CLOSE.to_owned());
                Err(Error::ServerClosed)
            }
            Some(c) => Err(Error::Terminated(c)),
        };
        self.end(result);
    }

    fn end(&mut self, result: Result<(), Error>) {
        if self.phase == Phase::Ended {
            return;
        }
        self.phase = Phase::Ended;
        self.pending.clear();
        self.answered.clear();
        self.ids.clear();
        self.queue.clear();
        self.closed_signal = true;
        self.events.push_back(Event::Ended(result));
    }

    fn server_open(&self, id: Option<&str>) -> String {
        let from = self
            .params
            .as_ref()
            .and_then(|p| p.from.as_deref())
            .unwrap_or(&self.domain);
        Element::new("open", ns::FRAMING)
            .with_attr("from", from)
            .with_opt_attr("id", id.or(self.sid()))
            .with_attr("version", "1.0")
            .to_xml()
    }
}

/// The later of two optional instants (`None` when both are).
fn max_of(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str =
        "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>";
    const FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    const FIRST_RID: u64 = 0x0007_0605_0403_0201;

    fn t(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// The defaults, except that a request may follow another at once: the order gap has its
    /// own test, the others script their requests a millisecond apart.
    fn config() -> Config {
        Config {
            order_gap: Duration::ZERO,
            ..Config::new([1, 2, 3, 4, 5, 6, 7, 8])
        }
    }

    fn frames(s: &mut Session) -> Vec<String> {
        core::iter::from_fn(|| s.poll_frame()).collect()
    }

    fn events(s: &mut Session) -> Vec<Event> {
        core::iter::from_fn(|| s.poll_event()).collect()
    }

    fn requests(s: &mut Session, now: Instant) -> Vec<Request> {
        core::iter::from_fn(|| s.poll_request(now)).collect()
    }

    fn created(requests: u32, polling: u32) -> String {
        format!("<body xmlns='http://jabber.org/protocol/httpbind' sid='S1' wait='30' hold='1' requests='{requests}' inactivity='30' polling='{polling}' from='webchat.test' authid='a1' xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'>{FEATURES}</body>")
    }

    fn body(payload: &str) -> String {
        format!("<body xmlns='http://jabber.org/protocol/httpbind'>{payload}</body>")
    }

    fn msg(n: u32) -> String {
        format!("<message xmlns=\"jabber:client\" to=\"a@b\"><body>m{n}</body></message>")
    }

    /// A session created with `requests` and `polling`, its first empty request returned.
    fn open(requests: u32, polling: u32) -> (Session, Request) {
        let mut s = Session::new(config());
        assert!(s.poll_request(t(0)).is_none(), "nothing before <open/>");
        s.send_frame(OPEN, t(0));
        let create = requests_one(&mut s, t(0));
        s.handle_response(create.id, 200, &created(requests, polling), t(5));
        let empty = requests_one(&mut s, t(5));
        assert_eq!(frames(&mut s).len(), 2, "the stream header and features");
        assert!(matches!(events(&mut s)[..], [Event::Created(_)]));
        assert_eq!(
            empty.body,
            format!(
                "<body xmlns=\"http://jabber.org/protocol/httpbind\" sid=\"S1\" rid=\"{}\"/>",
                FIRST_RID + 1
            )
        );
        (s, empty)
    }

    fn requests_one(s: &mut Session, now: Instant) -> Request {
        let mut r = requests(s, now);
        assert_eq!(r.len(), 1, "{r:?}");
        r.remove(0)
    }

    #[test]
    fn creation_request_and_response() {
        let mut s = Session::new(config());
        s.send_frame(OPEN, t(0));
        let r = requests_one(&mut s, t(0));
        assert_eq!(r.rid, FIRST_RID);
        assert_eq!(r.timeout, Duration::from_secs(70));
        assert_eq!(
            r.body,
            format!("<body xmlns=\"http://jabber.org/protocol/httpbind\" xmlns:xmpp=\"urn:xmpp:xbosh\" rid=\"{FIRST_RID}\" wait=\"60\" hold=\"1\" to=\"webchat.test\" xml:lang=\"en\" ver=\"1.6\" xmpp:version=\"1.0\"/>")
        );
        // Only one request until the session exists.
        s.send_frame(&msg(1), t(1));
        assert!(s.poll_request(t(1)).is_none());
        s.handle_response(r.id, 200, &created(2, 2), t(10));
        assert_eq!(
            frames(&mut s),
            vec![
                "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" from=\"webchat.test\" id=\"a1\" version=\"1.0\"/>".to_owned(),
                "<features xmlns=\"http://etherx.jabber.org/streams\"><mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><mechanism>PLAIN</mechanism></mechanisms></features>".to_owned(),
            ]
        );
        let params = Params {
            sid: "S1".into(),
            wait: Duration::from_secs(30),
            hold: 1,
            requests: 2,
            inactivity: Some(Duration::from_secs(30)),
            polling: Duration::from_secs(2),
            from: Some("webchat.test".into()),
        };
        assert_eq!(events(&mut s), vec![Event::Created(params.clone())]);
        assert_eq!(s.params(), Some(&params));
        // The queued payload goes out, and the request window (2) is full after it.
        let r = requests_one(&mut s, t(10));
        assert_eq!(r.rid, FIRST_RID + 1);
        assert!(r.body.contains("<body>m1</body>"));
        assert_eq!(
            r.timeout,
            Duration::from_secs(40),
            "the server's wait counts"
        );
    }

    #[test]
    fn one_request_waits_at_the_server_and_payloads_share_a_body() {
        let (mut s, empty) = open(2, 2);
        for n in 1..=3 {
            s.send_frame(&msg(n), t(6));
        }
        let data = requests_one(&mut s, t(6));
        assert_eq!(data.rid, empty.rid + 1);
        assert!(data.body.contains("m1") && data.body.contains("m2") && data.body.contains("m3"));
        // Two open: nothing more, even with more to send.
        s.send_frame(&msg(4), t(7));
        assert!(s.poll_request(t(7)).is_none());
        // The server returns the held one when the new one arrives; m4 goes in the free slot.
        s.handle_response(empty.id, 200, &body(""), t(8));
        let next = requests_one(&mut s, t(8));
        assert_eq!(next.rid, data.rid + 1);
        assert!(next.body.contains("m4"));
        assert_eq!(s.unanswered(), 2);
        // Both answered: one empty request goes out to be held.
        s.handle_response(data.id, 200, &body(""), t(9));
        s.handle_response(next.id, 200, &body(""), t(9));
        let held = requests_one(&mut s, t(9));
        assert_eq!(held.rid, next.rid + 1);
        assert!(held.body.ends_with("/>"));
    }

    #[test]
    fn the_window_never_passes_the_oldest_unanswered_request() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(&msg(1), t(6));
        let a = requests_one(&mut s, t(6));
        // `a` answered, the held empty one not: the next rid would be 2 past it, and a server
        // that lost the held one would end the session for it.
        s.handle_response(a.id, 200, &body(""), t(7));
        s.send_frame(&msg(2), t(7));
        assert!(s.poll_request(t(7)).is_none());
        assert_eq!(
            s.poll_timeout(),
            Some(t(7 + 10_000)),
            "overtaken by the answer to `a`: the held one has the grace period left"
        );
        s.handle_response(empty.id, 200, &body(""), t(9));
        let b = requests_one(&mut s, t(9));
        assert_eq!(b.rid, a.rid + 1);
        assert!(b.body.contains("m2"));
    }

    #[test]
    fn a_request_follows_an_unanswered_one_only_after_the_order_gap() {
        let mut s = Session::new(Config::new([1, 2, 3, 4, 5, 6, 7, 8]));
        s.send_frame(OPEN, t(0));
        let create = requests_one(&mut s, t(0));
        s.handle_response(create.id, 200, &created(2, 2), t(5));
        let held = requests_one(&mut s, t(5));
        // A message right after the empty request went: sent now, it could reach the server
        // first, be parked there behind the missing rid and stay parked while the empty one
        // is held.
        s.send_frame(&msg(1), t(6));
        assert!(s.poll_request(t(6)).is_none());
        assert_eq!(s.poll_timeout(), Some(t(105)));
        assert!(s.poll_request(t(104)).is_none());
        let data = requests_one(&mut s, t(105));
        assert_eq!(data.rid, held.rid + 1);
        assert!(data.body.contains("m1"));
        // Once the held request is out long enough, a message goes at once.
        s.handle_response(held.id, 200, &body(""), t(110));
        s.handle_response(data.id, 200, &body(""), t(111));
        let held = requests_one(&mut s, t(111));
        s.send_frame(&msg(2), t(5_000));
        assert_eq!(requests_one(&mut s, t(5_000)).rid, held.rid + 1);
        // With nothing unanswered there is no one to overtake: the next goes at once.
        let mut s = Session::new(Config::new([1, 2, 3, 4, 5, 6, 7, 8]));
        s.send_frame(OPEN, t(0));
        let create = requests_one(&mut s, t(0));
        s.send_frame(&msg(3), t(1));
        s.handle_response(create.id, 200, &created(2, 2), t(5));
        assert!(requests_one(&mut s, t(5)).body.contains("m3"));
    }

    /// A session with the default order gap, open, its empty request held since `t(5)`.
    fn open_with_gap() -> (Session, Request) {
        let mut s = Session::new(Config::new([1, 2, 3, 4, 5, 6, 7, 8]));
        s.send_frame(OPEN, t(0));
        let create = requests_one(&mut s, t(0));
        s.handle_response(create.id, 200, &created(2, 2), t(5));
        let held = requests_one(&mut s, t(5));
        (s, held)
    }

    #[test]
    fn requests_sent_again_keep_their_order_and_the_gap() {
        let (mut s, held) = open_with_gap();
        s.send_frame(&msg(1), t(200));
        let data = requests_one(&mut s, t(200));
        // Both copies are lost; the later one's failure is known first.
        s.handle_failure(data.id, t(300));
        s.handle_failure(held.id, t(301));
        let _ = events(&mut s);
        let first = requests_one(&mut s, t(301));
        assert_eq!(first.rid, held.rid, "the lower rid goes again first");
        assert!(
            s.poll_request(t(302)).is_none(),
            "the next one only after the gap"
        );
        assert_eq!(s.poll_timeout(), Some(t(401)));
        assert_eq!(requests_one(&mut s, t(401)).rid, data.rid);
    }

    #[test]
    fn nothing_overtakes_a_request_waiting_to_go_again() {
        let (mut s, held) = open_with_gap();
        s.send_frame(&msg(1), t(200));
        let data = requests_one(&mut s, t(200));
        s.handle_failure(data.id, t(300));
        let first = requests_one(&mut s, t(300));
        assert_eq!(first.rid, data.rid, "the first retry at once");
        s.handle_failure(first.id, t(310));
        // The second retry waits its delay; the held request's answer and a new message must
        // not send a request ahead of it.
        s.handle_response(held.id, 200, &body(""), t(320));
        s.send_frame(&msg(2), t(330));
        assert!(s.poll_request(t(330)).is_none());
        let retry_at = s.poll_timeout().expect("a timer for the retry");
        assert!(retry_at > t(330));
        let retry = requests_one(&mut s, retry_at);
        assert_eq!(retry.rid, data.rid);
        assert!(
            s.poll_request(retry_at).is_none(),
            "the message after the gap"
        );
        let next = requests_one(&mut s, retry_at + Duration::from_millis(100));
        assert_eq!(next.rid, data.rid + 1);
        assert!(next.body.contains("m2"));
    }

    #[test]
    fn the_terminate_does_not_wait_for_the_gap() {
        let (mut s, held) = open_with_gap();
        s.send_frame(framing::CLOSE, t(6));
        let end = requests_one(&mut s, t(6));
        assert_eq!(end.rid, held.rid + 1);
        assert!(end.body.contains("type=\"terminate\""), "{}", end.body);
    }

    #[test]
    fn answers_are_delivered_in_rid_order() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(&msg(1), t(6));
        let data = requests_one(&mut s, t(6));
        s.handle_response(data.id, 200, &body(&msg(20)), t(7));
        assert!(frames(&mut s).is_empty(), "rid {} first", empty.rid);
        s.handle_response(empty.id, 200, &body(&msg(10)), t(8));
        assert_eq!(frames(&mut s), vec![msg(10), msg(20)]);
        // A second copy of an answer changes nothing.
        s.handle_response(empty.id, 200, &body(&msg(10)), t(9));
        assert!(frames(&mut s).is_empty());
    }

    #[test]
    fn a_failed_request_goes_again_with_the_same_rid_then_the_session_fails() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(&msg(1), t(6));
        let data = requests_one(&mut s, t(6));
        s.handle_failure(data.id, t(7));
        assert_eq!(
            events(&mut s),
            vec![Event::Retrying {
                rid: data.rid,
                attempt: 1,
                cause: Failure::Network
            }]
        );
        // At once, identical.
        let again = requests_one(&mut s, t(7));
        assert_eq!((again.rid, &again.body), (data.rid, &data.body));
        assert_ne!(again.id, data.id);
        // A late failure of the first copy is ignored.
        s.handle_failure(data.id, t(8));
        assert!(events(&mut s).is_empty());
        // Then 1 s, 2 s, 4 s apart, a 502 from a proxy counts as a failure too.
        let mut last = again;
        let mut now = 8;
        for (attempt, delay) in [(2, 1_000), (3, 2_000), (4, 4_000)] {
            s.handle_response(last.id, 502, "<html>Bad Gateway</html>", t(now));
            assert_eq!(s.poll_timeout(), Some(t(now + delay)));
            assert!(s.poll_request(t(now + delay - 1)).is_none());
            now += delay;
            s.handle_timeout(t(now));
            last = requests_one(&mut s, t(now));
            assert_eq!(last.rid, data.rid);
            assert!(events(&mut s).contains(&Event::Retrying {
                rid: data.rid,
                attempt,
                cause: Failure::Status(502)
            }));
        }
        s.handle_failure(last.id, t(now));
        assert_eq!(
            events(&mut s),
            vec![Event::Ended(Err(Error::Failed {
                rid: data.rid,
                attempts: 5,
                last: Failure::Network
            }))]
        );
        assert!(s.is_ended());
        assert!(s.poll_closed());
        assert!(!s.poll_closed(), "said once");
        assert!(s.poll_request(t(now)).is_none());
        assert_eq!(s.poll_timeout(), None);
        // Late answers to the session's requests change nothing.
        s.handle_response(empty.id, 200, &body(&msg(1)), t(now));
        assert!(frames(&mut s).is_empty());
    }

    #[test]
    fn a_request_without_answer_in_time_counts_as_lost() {
        let (mut s, empty) = open(2, 0);
        // wait 30 s (granted) + grace 10 s.
        assert_eq!(s.poll_timeout(), Some(t(5 + 40_000)));
        s.handle_timeout(t(40_004));
        assert!(s.poll_request(t(40_004)).is_none());
        s.handle_timeout(t(40_005));
        let again = requests_one(&mut s, t(40_005));
        assert_eq!((again.rid, &again.body), (empty.rid, &empty.body));
        assert_eq!(
            events(&mut s),
            vec![Event::Retrying {
                rid: empty.rid,
                attempt: 1,
                cause: Failure::Timeout
            }]
        );
        // The first copy's answer turns up after all: taken; the repeat's is then a duplicate.
        s.handle_response(empty.id, 200, &body(&msg(1)), t(40_006));
        assert_eq!(frames(&mut s), vec![msg(1)]);
        s.handle_response(again.id, 200, &body(&msg(1)), t(40_007));
        assert!(frames(&mut s).is_empty());
        // A late failure of either copy changes nothing.
        s.handle_failure(empty.id, t(40_008));
        s.handle_failure(again.id, t(40_008));
        assert!(events(&mut s).is_empty());
    }

    #[test]
    fn recoverable_error_repeats_every_unanswered_request() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(&msg(1), t(6));
        let data = requests_one(&mut s, t(6));
        s.handle_response(
            data.id,
            200,
            "<body xmlns='http://jabber.org/protocol/httpbind' type='error'/>",
            t(7),
        );
        let again = requests(&mut s, t(7));
        assert_eq!(
            again
                .iter()
                .map(|r| (r.rid, r.body.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (empty.rid, empty.body.as_str()),
                (data.rid, data.body.as_str())
            ]
        );
        // The first copy's answer, late, is still the answer for its rid; the repeat's copy of
        // it is then a duplicate.
        s.handle_response(empty.id, 200, &body(&msg(9)), t(8));
        assert_eq!(frames(&mut s), vec![msg(9)]);
        s.handle_response(again[0].id, 200, &body(&msg(9)), t(8));
        assert!(frames(&mut s).is_empty());
    }

    #[test]
    fn after_sasl_the_client_gets_a_stream_header_at_once() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">AHYxAHB3</auth>",
            t(6),
        );
        let auth = requests_one(&mut s, t(6));
        let success = "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>";
        s.handle_response(auth.id, 200, &body(success), t(7));
        assert!(
            frames(&mut s).is_empty(),
            "the held request's answer comes first"
        );
        s.handle_response(empty.id, 200, &body(""), t(7));
        assert_eq!(frames(&mut s), vec![success]);
        // The restart: XEP-0206 sends no stream header back, the client waits for one.
        s.send_frame(OPEN, t(8));
        assert_eq!(
            frames(&mut s),
            vec!["<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" from=\"webchat.test\" id=\"S1\" version=\"1.0\"/>"]
        );
        let restart = requests_one(&mut s, t(8));
        s.handle_response(restart.id, 200, &body(FEATURES), t(9));
        assert!(frames(&mut s)[0].starts_with("<features"));
    }

    #[test]
    fn restart_body() {
        let (mut s, empty) = open(2, 0);
        s.handle_response(
            empty.id,
            200,
            &body("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            t(6),
        );
        s.send_frame(OPEN, t(7));
        s.send_frame(&msg(1), t(7));
        let r = requests(&mut s, t(7));
        assert_eq!(
            r[0].body,
            format!("<body xmlns=\"http://jabber.org/protocol/httpbind\" xmlns:xmpp=\"urn:xmpp:xbosh\" sid=\"S1\" rid=\"{}\" to=\"webchat.test\" xml:lang=\"en\" xmpp:restart=\"true\"/>", empty.rid + 1)
        );
        assert!(
            r[1].body.contains("m1"),
            "what follows goes in the next body"
        );
    }

    #[test]
    fn close_is_a_terminate_carrying_what_was_queued() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(&msg(1), t(6));
        s.send_frame(framing::CLOSE, t(6));
        s.send_frame(&msg(2), t(6));
        let r = requests_one(&mut s, t(6));
        assert_eq!(
            r.body,
            format!(
                "<body xmlns=\"http://jabber.org/protocol/httpbind\" sid=\"S1\" rid=\"{}\" type=\"terminate\">{}</body>",
                empty.rid + 1,
                msg(1)
            )
        );
        assert!(s.poll_request(t(6)).is_none());
        s.handle_response(empty.id, 200, &body(""), t(7));
        assert!(
            s.poll_request(t(7)).is_none(),
            "nothing after the terminate"
        );
        assert!(frames(&mut s).is_empty());
        s.handle_response(
            r.id,
            200,
            "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate'/>",
            t(8),
        );
        assert_eq!(frames(&mut s), vec![framing::CLOSE]);
        assert_eq!(events(&mut s).pop(), Some(Event::Ended(Ok(()))));
        assert!(s.poll_closed());
    }

    #[test]
    fn any_answer_to_our_terminate_ends_the_session() {
        let (mut s, empty) = open(2, 0);
        s.send_frame(framing::CLOSE, t(6));
        let r = requests_one(&mut s, t(6));
        s.handle_response(empty.id, 200, &body(""), t(7));
        // A server that puts its last ack on the terminate request without `type='terminate'`.
        let ack = "<a xmlns=\"urn:xmpp:sm:3\" h=\"4\"/>";
        s.handle_response(r.id, 200, &body(ack), t(8));
        assert_eq!(frames(&mut s), vec![ack, framing::CLOSE]);
        assert_eq!(events(&mut s), vec![Event::Ended(Ok(()))]);
    }

    #[test]
    fn server_terminations_map_to_clear_errors() {
        let cases: [(&str, Vec<String>, Error); 4] = [
            ("", vec![framing::CLOSE.to_owned()], Error::ServerClosed),
            (
                "condition='remote-stream-error'",
                vec![framing::CLOSE.to_owned()],
                Error::ServerClosed,
            ),
            (
                "condition='item-not-found'",
                vec![],
                Error::Terminated(Condition::ItemNotFound),
            ),
            (
                "condition='system-shutdown'",
                vec![],
                Error::Terminated(Condition::SystemShutdown),
            ),
        ];
        for (attrs, want_frames, want) in cases {
            let (mut s, empty) = open(2, 0);
            s.handle_response(
                empty.id,
                200,
                &format!(
                    "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' {attrs}/>"
                ),
                t(6),
            );
            assert_eq!(frames(&mut s), want_frames, "{attrs}");
            assert_eq!(events(&mut s), vec![Event::Ended(Err(want))], "{attrs}");
            assert!(s.poll_closed());
        }
        // A stream error travels to the client, which reports it.
        let (mut s, empty) = open(2, 0);
        s.handle_response(empty.id, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='remote-stream-error' xmlns:stream='http://etherx.jabber.org/streams'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></body>", t(6));
        assert_eq!(
            frames(&mut s),
            vec!["<error xmlns=\"http://etherx.jabber.org/streams\"><conflict xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></error>"]
        );
        // The old HTTP error codes.
        for (status, c) in [
            (400, Condition::BadRequest),
            (403, Condition::PolicyViolation),
            (404, Condition::ItemNotFound),
        ] {
            let (mut s, empty) = open(2, 0);
            s.handle_response(empty.id, status, "", t(6));
            assert_eq!(
                events(&mut s),
                vec![Event::Ended(Err(Error::Terminated(c)))]
            );
        }
        // No BOSH at that URL.
        let mut s = Session::new(config());
        s.send_frame(OPEN, t(0));
        let r = requests_one(&mut s, t(0));
        s.handle_response(r.id, 404, "Not Found", t(1));
        assert_eq!(events(&mut s), vec![Event::Ended(Err(Error::NotBosh(404)))]);
        // Creation refused.
        let mut s = Session::new(config());
        s.send_frame(OPEN, t(0));
        let r = requests_one(&mut s, t(0));
        s.handle_response(r.id, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='host-unknown'/>", t(1));
        assert_eq!(
            events(&mut s),
            vec![Event::Ended(Err(Error::Terminated(Condition::HostUnknown)))]
        );
        let mut s = Session::new(config());
        s.send_frame(OPEN, t(0));
        let r = requests_one(&mut s, t(0));
        s.handle_response(r.id, 200, &body(""), t(1));
        assert_eq!(
            events(&mut s),
            vec![Event::Ended(Err(Error::Protocol(
                "the session creation response has no sid"
            )))]
        );
        assert_eq!(
            Error::Terminated(Condition::ItemNotFound).to_string(),
            "BOSH: the BOSH session is unknown or expired (item-not-found)"
        );
    }

    #[test]
    fn empty_requests_are_spaced_by_polling_when_they_come_back_empty() {
        let (mut s, empty) = open(2, 5);
        s.handle_response(empty.id, 200, &body(""), t(100));
        assert!(
            s.poll_request(t(100)).is_none(),
            "5 s after the last empty one"
        );
        assert_eq!(s.poll_timeout(), Some(t(5_005)));
        let e2 = requests_one(&mut s, t(5_005));
        // An empty request answered with data may be followed at once.
        s.handle_response(e2.id, 200, &body(&msg(1)), t(5_010));
        let e3 = requests_one(&mut s, t(5_010));
        // A payload lifts the gate: after a data request the next empty one goes at once.
        s.handle_response(e3.id, 200, &body(""), t(5_020));
        s.send_frame(&msg(2), t(5_020));
        let d = requests_one(&mut s, t(5_020));
        s.handle_response(d.id, 200, &body(""), t(5_030));
        assert!(s.poll_request(t(5_030)).is_some());
    }

    #[test]
    fn an_unreadable_answer_is_a_failure() {
        let (mut s, empty) = open(2, 0);
        s.handle_response(empty.id, 200, "<html><body>Proxy</body></html>", t(6));
        assert_eq!(
            events(&mut s).pop(),
            Some(Event::Retrying {
                rid: empty.rid,
                attempt: 1,
                cause: Failure::BadBody(BodyError::NotBody)
            })
        );
        assert_eq!(requests_one(&mut s, t(6)).rid, empty.rid);
    }

    #[test]
    fn close_before_the_session_exists() {
        let mut s = Session::new(config());
        s.send_frame(framing::CLOSE, t(0));
        assert_eq!(events(&mut s), vec![Event::Ended(Ok(()))]);
        assert!(s.poll_closed());
        // Closing while the creation is out: the terminate follows it.
        let mut s = Session::new(config());
        s.send_frame(OPEN, t(0));
        let r = requests_one(&mut s, t(0));
        s.send_frame(framing::CLOSE, t(1));
        assert!(s.poll_request(t(1)).is_none());
        s.handle_response(r.id, 200, &created(2, 0), t(2));
        assert!(requests_one(&mut s, t(2))
            .body
            .contains("type=\"terminate\""));
    }

    #[test]
    fn first_rid_comes_from_the_entropy_and_stays_below_2_pow_53() {
        let s = Session::new(Config::new([0xff; 8]));
        assert_eq!(s.next_rid, RID_MASK);
        let s = Session::new(Config::new([0; 8]));
        assert_eq!(s.next_rid, 1);
    }
}
