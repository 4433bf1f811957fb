//! The server side of one XMPP-over-WebSocket client stream (RFC 7395), sans-IO: frames in,
//! [`Output`]s out, like ejabberd or Prosody behave toward a visitor.
//!
//! What it does: `<open/>` (to one of the virtual hosts) → features (SCRAM-SHA-1 and PLAIN,
//! verified with the protocol crate's `sasl::server` against the minted accounts, and
//! XEP-0077 in-band registration) → stream restart → bind (the requested
//! resource) → session → stanzas, with the sender stamped as `from`; XEP-0198 stream
//! management (enable, `<r/>`/`<a/>`, resume via [`Output::Resume`]); answers the client's
//! pings, roster gets and `session`, hands XEP-0313 archive queries to the endpoint
//! ([`Output::Mam`]), `service-unavailable` for any other iq to the server;
//! pings a silent client every `ping_interval` and gives up after `ping_timeout`; stream
//! errors (never a panic) for malformed or unexpected frames. Every frame goes through
//! `webchat_protocol::xml::parse`.
//! What it does not: route stanzas between users (the router does), own a socket or a
//! timer (the endpoint does), keep an archive (the router does), TLS, SCRAM-SHA-256 (real
//! servers on loopback offer SHA-1 and PLAIN, see `docs/protocol.md` §6), or rosters beyond an
//! empty one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use webchat_protocol::framing::Open;
use webchat_protocol::sasl::scram::Hash;
use webchat_protocol::sasl::server::{Credentials as ScramCredentials, ScramServer};
use webchat_protocol::sasl::{self, plain};
use webchat_protocol::stanza::{ErrorType, Iq, IqType, Stanza};
use webchat_protocol::stream_error::StreamError;
use webchat_protocol::xml::{self, Element};
use webchat_protocol::{ns, Jid};

use crate::ids;

/// Timing and identity of the embedded server.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// The visitors' domain: the default host.
    pub domain: String,
    /// Every virtual host clients may open a stream to (the visitors' and the agents' domain).
    pub hosts: Vec<String>,
    /// Ping a client after this long without a frame from it (ejabberd: 10 s).
    pub ping_interval: Duration,
    /// Drop a client that does not answer a ping within this long.
    pub ping_timeout: Duration,
    /// How long a stream-managed session waits for a resumption after its socket died.
    pub resume_timeout: Duration,
    /// PBKDF2 iterations for SCRAM (4096 like the real servers).
    pub scram_iterations: u32,
}

impl StreamConfig {
    pub fn new(domain: &str) -> StreamConfig {
        StreamConfig {
            domain: domain.to_owned(),
            hosts: vec![domain.to_owned()],
            ping_interval: Duration::from_secs(10),
            ping_timeout: Duration::from_secs(10),
            resume_timeout: Duration::from_secs(300),
            scram_iterations: 4096,
        }
    }
}

/// Why an in-band registration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterError {
    /// The account exists.
    Conflict,
    /// Empty or unusable username or password.
    NotAcceptable,
}

/// Where the stream looks up and creates accounts.
pub trait Accounts {
    /// The password of the account `local@domain`.
    fn password(&self, domain: &str, local: &str) -> Option<String>;
    /// Creates `local@domain` (XEP-0077).
    fn register(&self, domain: &str, local: &str, password: &str) -> Result<(), RegisterError>;
}

/// What the endpoint must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this frame on the WebSocket.
    Frame(String),
    /// The client bound this full JID: register it with the router.
    Bind(Jid),
    /// Stream management was enabled with this resumption id.
    Resumable(String),
    /// Route this stanza (its `from` is stamped).
    Route(Element),
    /// The client asks to resume the session `previd`; it handled `h` of our stanzas.
    Resume { previd: String, h: u32 },
    /// The stream is over: close the socket (frames before this were the last ones).
    End,
    /// Close the socket but keep the session: it waits for a resumption.
    Drop,
    /// A message archive query from the bound client: answer with [`Stream::mam_answer`].
    Mam(Iq),
}

#[derive(Debug)]
enum Phase {
    /// Waiting for `<open/>` (first, or the restart after SASL).
    AwaitOpen,
    /// Features sent, waiting for `<auth/>`.
    AwaitAuth,
    /// SCRAM in progress.
    Scram(Box<ScramServer>, String),
    /// Authenticated, restarted: waiting for bind or resume.
    AwaitBind,
    Bound,
    Ended,
}

struct Sm {
    id: String,
    /// Stanzas handled from the client.
    h_in: u32,
    /// Our stanzas the client acknowledged.
    h_out: u32,
    unacked: VecDeque<String>,
    ack_requested: bool,
}

/// Outstanding stanzas that make the server request an ack.
const ACK_EVERY: usize = 5;

/// Most stanzas kept for a detached session; beyond that the oldest are dropped.
const MAX_UNACKED: usize = 5000;

/// One client stream.
pub struct Stream {
    cfg: std::sync::Arc<StreamConfig>,
    /// The virtual host of this stream (the `to` of the first `<open/>`).
    host: String,
    phase: Phase,
    authed: bool,
    user: Option<String>,
    jid: Option<Jid>,
    sm: Option<Sm>,
    attached: bool,
    out: VecDeque<Output>,
    last_rx: Instant,
    ping: Option<(String, Instant)>,
    ping_seq: u64,
    detached_at: Option<Instant>,
}

impl Stream {
    pub fn new(cfg: std::sync::Arc<StreamConfig>, now: Instant) -> Stream {
        Stream {
            host: cfg.domain.clone(),
            cfg,
            phase: Phase::AwaitOpen,
            authed: false,
            user: None,
            jid: None,
            sm: None,
            attached: true,
            out: VecDeque::new(),
            last_rx: now,
            ping: None,
            ping_seq: 0,
            detached_at: None,
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// The bound full JID.
    pub fn jid(&self) -> Option<&Jid> {
        self.jid.as_ref()
    }

    /// The authenticated local part.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    pub fn sm_id(&self) -> Option<&str> {
        self.sm.as_ref().map(|s| s.id.as_str())
    }

    pub fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended)
    }

    fn frame(&mut self, s: String) {
        if self.attached {
            self.out.push_back(Output::Frame(s));
        }
    }

    fn send_el(&mut self, el: &Element) {
        self.frame(el.to_xml());
    }

    /// Ends the stream with a stream error.
    pub fn stream_error(&mut self, condition: &str, text: Option<&str>) {
        if self.is_ended() {
            return;
        }
        let e = StreamError {
            condition: condition.to_owned(),
            text: text.map(str::to_owned),
        };
        self.send_el(&e.to_element());
        self.end();
    }

    fn end(&mut self) {
        self.frame(webchat_protocol::framing::CLOSE.to_owned());
        self.phase = Phase::Ended;
        self.out.push_back(Output::End);
    }

    /// Another stream bound the same full JID (RFC 6120 §7.7.2.2: the old one gets `conflict`).
    pub fn replaced(&mut self) {
        self.stream_error("conflict", Some("Replaced by new connection"));
    }

    /// A stanza for the client: counted and kept for stream management, sent when attached.
    pub fn deliver(&mut self, el: Element) {
        if self.is_ended() {
            return;
        }
        let frame = el.to_xml();
        let attached = self.attached;
        if let Some(sm) = &mut self.sm {
            sm.unacked.push_back(frame.clone());
            if sm.unacked.len() > MAX_UNACKED {
                sm.unacked.pop_front();
                sm.h_out = sm.h_out.wrapping_add(1);
            }
            if attached {
                self.out.push_back(Output::Frame(frame));
                // Ask for an ack once a few stanzas are outstanding (Prosody's smacks does
                // the same), not after each one: half the frames under load.
                if !sm.ack_requested && sm.unacked.len() >= ACK_EVERY {
                    sm.ack_requested = true;
                    self.out
                        .push_back(Output::Frame(webchat_protocol::sm::R_FRAME.to_owned()));
                }
            }
        } else {
            self.frame(frame);
        }
    }

    /// The socket died. Returns whether the session waits for a resumption (XEP-0198).
    pub fn detach(&mut self, now: Instant) -> bool {
        self.attached = false;
        self.ping = None;
        self.out.retain(|o| !matches!(o, Output::Frame(_)));
        let waits = self.sm.is_some() && matches!(self.phase, Phase::Bound);
        if waits {
            self.detached_at = Some(now);
            if let Some(sm) = &mut self.sm {
                sm.ack_requested = false;
            }
        } else if !self.is_ended() {
            self.phase = Phase::Ended;
            self.out.push_back(Output::End);
        }
        waits
    }

    /// A new stream of the same user resumes this detached session; `h` is what the client
    /// handled. Queues `<resumed/>` and the stanzas it did not acknowledge.
    pub fn resume(&mut self, user: &str, h: u32, now: Instant) -> Result<(), &'static str> {
        if self.user.as_deref() != Some(user) {
            return Err("the session belongs to another user");
        }
        let Some(sm) = &mut self.sm else {
            return Err("the session has no stream management");
        };
        let n = h.wrapping_sub(sm.h_out) as usize;
        if n > sm.unacked.len() {
            return Err("the client acknowledged stanzas that were never sent");
        }
        sm.unacked.drain(..n);
        sm.h_out = h;
        let resumed = Element::new("resumed", ns::SM)
            .with_attr("previd", &sm.id)
            .with_attr("h", &sm.h_in.to_string());
        let frames: Vec<String> = sm.unacked.iter().cloned().collect();
        let any = !frames.is_empty();
        sm.ack_requested = any;
        self.attached = true;
        self.detached_at = None;
        self.ping = None;
        self.last_rx = now;
        self.out.push_back(Output::Frame(resumed.to_xml()));
        self.out.extend(frames.into_iter().map(Output::Frame));
        if any {
            self.out
                .push_back(Output::Frame(webchat_protocol::sm::R_FRAME.to_owned()));
        }
        Ok(())
    }

    /// Answers an archive query: the result messages, then the iq result carrying `fin`.
    pub fn mam_answer(&mut self, iq: &Iq, results: Vec<Element>, fin: Element) {
        for r in results {
            self.deliver(r);
        }
        let mut reply = iq.result();
        reply.payload = Some(fin);
        self.reply(reply);
    }

    /// The session named in `<resume/>` is unknown or expired.
    pub fn resume_failed(&mut self) {
        let el = Element::new("failed", ns::SM)
            .with_child(Element::new("item-not-found", ns::STANZA_ERRORS));
        self.send_el(&el);
    }

    /// When [`Stream::handle_timeout`] must run next.
    pub fn next_timeout(&self) -> Instant {
        if let Some(t) = self.detached_at {
            return t + self.cfg.resume_timeout;
        }
        match (&self.ping, &self.phase) {
            (Some((_, sent)), _) => *sent + self.cfg.ping_timeout,
            (None, Phase::Bound) => self.last_rx + self.cfg.ping_interval,
            // A handshake that stalls is dropped after one interval plus the timeout.
            _ => self.last_rx + self.cfg.ping_interval + self.cfg.ping_timeout,
        }
    }

    /// The timer fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_ended() || now < self.next_timeout() {
            return;
        }
        if self.detached_at.is_some() {
            self.phase = Phase::Ended;
            self.out.push_back(Output::End);
            return;
        }
        match (&self.ping, &self.phase) {
            (None, Phase::Bound) => {
                self.ping_seq += 1;
                let id = format!("s2c-ping-{}", self.ping_seq);
                let iq = Iq::request(
                    IqType::Get,
                    &id,
                    self.jid.clone(),
                    webchat_protocol::ping::Ping.to_element(),
                );
                let el = iq.to_element().with_attr("from", &self.host);
                self.ping = Some((id, now));
                self.deliver(el);
            }
            // A stream-managed session outlives a dead client (like ejabberd with
            // mod_stream_mgmt): the socket goes, the session waits for a resumption.
            (Some(_), Phase::Bound) if self.sm.is_some() => {
                let e = StreamError {
                    condition: "connection-timeout".to_owned(),
                    text: Some("no answer to ping".to_owned()),
                };
                self.send_el(&e.to_element());
                self.frame(webchat_protocol::framing::CLOSE.to_owned());
                self.out.push_back(Output::Drop);
                self.attached = false;
                self.ping = None;
                self.detached_at = Some(now);
                if let Some(sm) = &mut self.sm {
                    sm.ack_requested = false;
                }
            }
            // No answer to the ping, or a stalled handshake: the client is gone.
            _ => self.stream_error("connection-timeout", Some("no answer to ping")),
        }
    }

    /// One WebSocket text message from the client.
    pub fn handle_frame(&mut self, frame: &str, now: Instant, accounts: &dyn Accounts) {
        if self.is_ended() {
            return;
        }
        self.last_rx = now;
        let el = match xml::parse(frame, ns::CLIENT) {
            Ok(el) => el,
            Err(e) => return self.stream_error("not-well-formed", Some(e.message())),
        };
        match (el.ns.as_str(), el.name.as_str()) {
            (ns::FRAMING, "open") => self.on_open(&el),
            (ns::FRAMING, "close") => self.end(),
            (ns::SASL, _) => self.on_sasl(&el, accounts),
            (ns::SM, _) => self.on_sm(&el),
            (ns::CLIENT, "iq" | "message" | "presence") => self.on_stanza(el, accounts),
            _ => self.stream_error("unsupported-stanza-type", None),
        }
    }

    fn on_open(&mut self, el: &Element) {
        if !matches!(self.phase, Phase::AwaitOpen) {
            return self.stream_error("invalid-xml", Some("unexpected open"));
        }
        if Open::from_element(el).is_err() {
            return self.stream_error("unsupported-version", None);
        }
        if let Some(to) = el.attr("to") {
            let known = self.cfg.hosts.iter().find(|h| h.eq_ignore_ascii_case(to));
            match known {
                // The restart after SASL must stay on the same host.
                Some(h) if !self.authed || h.eq_ignore_ascii_case(&self.host) => {
                    self.host = h.clone()
                }
                _ => return self.stream_error("host-unknown", None),
            }
        }
        let open = Element::new("open", ns::FRAMING)
            .with_attr("from", &self.host)
            .with_attr("id", &ids::random_id(16))
            .with_attr("version", "1.0")
            .with_attr("xml:lang", "en");
        self.send_el(&open);
        let mut features = Element::new("features", ns::STREAMS);
        if self.authed {
            features.push(Element::new("bind", ns::BIND));
            features.push(
                Element::new("session", ns::SESSION)
                    .with_child(Element::new("optional", ns::SESSION)),
            );
            features.push(Element::new("sm", ns::SM));
            self.phase = Phase::AwaitBind;
        } else {
            let mut mechs = Element::new("mechanisms", ns::SASL);
            for m in ["SCRAM-SHA-1", "PLAIN"] {
                mechs.push(Element::new("mechanism", ns::SASL).with_text(m));
            }
            features.push(mechs);
            features.push(Element::new("register", ns::REGISTER_FEATURE));
            self.phase = Phase::AwaitAuth;
        }
        self.send_el(&features);
    }

    fn sasl_failure(&mut self, condition: &str) {
        let el = Element::new("failure", ns::SASL).with_child(Element::new(condition, ns::SASL));
        self.send_el(&el);
        self.phase = Phase::AwaitAuth;
    }

    fn on_sasl(&mut self, el: &Element, accounts: &dyn Accounts) {
        let phase = std::mem::replace(&mut self.phase, Phase::AwaitAuth);
        match (phase, el.name.as_str()) {
            (Phase::AwaitAuth, "auth") => {
                let Ok(data) = sasl::decode(&el.text()) else {
                    return self.sasl_failure("incorrect-encoding");
                };
                match el.attr("mechanism") {
                    Some("PLAIN") => {
                        let Ok(p) = plain::parse(&data) else {
                            return self.sasl_failure("malformed-request");
                        };
                        // Like the real servers: the authentication id is the local part.
                        match accounts.password(&self.host, &p.authcid) {
                            Some(pw) if pw == p.password => self.succeed(p.authcid, Vec::new()),
                            _ => self.sasl_failure("not-authorized"),
                        }
                    }
                    Some("SCRAM-SHA-1") => {
                        let mut s = ScramServer::new(Hash::Sha1);
                        let Ok(user) = s.handle_client_first(&data) else {
                            return self.sasl_failure("malformed-request");
                        };
                        let Some(pw) = accounts.password(&self.host, &user) else {
                            return self.sasl_failure("not-authorized");
                        };
                        let salt = ids::random_id(16);
                        let creds = ScramCredentials::from_password(
                            Hash::Sha1,
                            &pw,
                            salt.as_bytes(),
                            self.cfg.scram_iterations,
                        );
                        match s.server_first(&creds, &ids::random_id(24)) {
                            Ok(first) => {
                                let c = Element::new("challenge", ns::SASL)
                                    .with_text(&sasl::encode(&first));
                                self.send_el(&c);
                                self.phase = Phase::Scram(Box::new(s), user);
                            }
                            Err(_) => self.sasl_failure("temporary-auth-failure"),
                        }
                    }
                    _ => self.sasl_failure("invalid-mechanism"),
                }
            }
            (Phase::Scram(mut s, user), "response") => {
                let Ok(data) = sasl::decode(&el.text()) else {
                    return self.sasl_failure("incorrect-encoding");
                };
                match s.handle_client_final(&data) {
                    Ok(fin) => self.succeed(user, fin),
                    Err(_) => self.sasl_failure("not-authorized"),
                }
            }
            (Phase::Scram(..), "abort") => self.sasl_failure("aborted"),
            (phase, _) => {
                self.phase = phase;
                self.stream_error("policy-violation", Some("unexpected SASL element"));
            }
        }
    }

    fn succeed(&mut self, user: String, data: Vec<u8>) {
        let text = if data.is_empty() {
            String::new()
        } else {
            sasl::encode(&data)
        };
        let mut el = Element::new("success", ns::SASL);
        if !text.is_empty() {
            el = el.with_text(&text);
        }
        self.send_el(&el);
        self.user = Some(user);
        self.authed = true;
        self.phase = Phase::AwaitOpen;
    }

    fn on_sm(&mut self, el: &Element) {
        match (el.name.as_str(), &self.phase) {
            ("enable", Phase::Bound) if self.sm.is_none() => {
                let id = ids::random_id(24);
                let enabled = Element::new("enabled", ns::SM)
                    .with_attr("id", &id)
                    .with_attr("resume", "true")
                    .with_attr("max", &self.cfg.resume_timeout.as_secs().to_string());
                self.send_el(&enabled);
                self.sm = Some(Sm {
                    id: id.clone(),
                    h_in: 0,
                    h_out: 0,
                    unacked: VecDeque::new(),
                    ack_requested: false,
                });
                self.out.push_back(Output::Resumable(id));
            }
            ("resume", Phase::AwaitBind) => {
                let previd = el.attr("previd").unwrap_or_default().to_owned();
                match el.attr("h").and_then(|h| h.parse::<u32>().ok()) {
                    Some(h) if !previd.is_empty() => {
                        self.out.push_back(Output::Resume { previd, h })
                    }
                    _ => self.resume_failed(),
                }
            }
            ("r", _) => {
                if let Some(sm) = &self.sm {
                    let a = webchat_protocol::sm::ack(sm.h_in);
                    self.send_el(&a);
                }
            }
            ("a", _) => {
                let h = el.attr("h").and_then(|h| h.parse::<u32>().ok());
                let Some(sm) = &mut self.sm else { return };
                let Some(h) = h else {
                    return self.stream_error("undefined-condition", Some("bad ack"));
                };
                let n = h.wrapping_sub(sm.h_out) as usize;
                if n > sm.unacked.len() {
                    return self.stream_error(
                        "undefined-condition",
                        Some("acknowledged stanzas that were never sent"),
                    );
                }
                sm.unacked.drain(..n);
                sm.h_out = h;
                sm.ack_requested = false;
            }
            _ => {
                let el = Element::new("failed", ns::SM)
                    .with_child(Element::new("unexpected-request", ns::STANZA_ERRORS));
                self.send_el(&el);
            }
        }
    }

    fn on_stanza(&mut self, mut el: Element, accounts: &dyn Accounts) {
        match self.phase {
            Phase::Bound => {}
            Phase::AwaitBind if el.name == "iq" => {}
            Phase::AwaitAuth
                if el.name == "iq" && el.child_in(ns::REGISTER).is_some() && !self.authed =>
            {
                return self.on_register(el, accounts);
            }
            _ => return self.stream_error("not-authorized", None),
        }
        if let Some(sm) = &mut self.sm {
            sm.h_in = sm.h_in.wrapping_add(1);
        }
        if let Some(jid) = &self.jid {
            el.set_attr("from", jid.as_str());
        }
        let to_server = match el.attr("to") {
            None => true,
            Some(to) => {
                to.eq_ignore_ascii_case(&self.host)
                    || self.jid.as_ref().is_some_and(|me| {
                        Jid::parse(to).is_ok_and(|t| t.resource().is_none() && t.bare_eq(me))
                    })
            }
        };
        if el.name == "iq" && to_server {
            return self.on_server_iq(el);
        }
        if matches!(self.phase, Phase::AwaitBind) {
            return self.stream_error("not-authorized", None);
        }
        self.out.push_back(Output::Route(el));
    }

    fn reply(&mut self, iq: Iq) {
        let el = iq.to_element();
        if matches!(self.phase, Phase::Bound) {
            self.deliver(el);
        } else {
            self.send_el(&el);
        }
    }

    fn on_server_iq(&mut self, el: Element) {
        let Ok(Stanza::Iq(iq)) = Stanza::parse(el) else {
            // RFC 6120 §8.2.3: an iq that is not one request or response is bad-request.
            return self.stream_error("invalid-xml", Some("malformed iq"));
        };
        match iq.kind {
            IqType::Result | IqType::Error => {
                if self.ping.as_ref().is_some_and(|(id, _)| *id == iq.id) {
                    self.ping = None;
                }
            }
            IqType::Set if iq.payload.as_ref().is_some_and(|p| p.is("bind", ns::BIND)) => {
                self.on_bind(&iq)
            }
            _ if matches!(self.phase, Phase::AwaitBind) => {
                self.reply(iq.error_reply(ErrorType::Auth, "not-authorized"))
            }
            IqType::Get if iq.payload.as_ref().is_some_and(|p| p.is("ping", ns::PING)) => {
                self.reply(iq.result())
            }
            IqType::Set
                if iq
                    .payload
                    .as_ref()
                    .is_some_and(|p| p.is("session", ns::SESSION)) =>
            {
                self.reply(iq.result())
            }
            IqType::Set if iq.payload.as_ref().is_some_and(|p| p.is("query", ns::MAM)) => {
                self.out.push_back(Output::Mam(iq))
            }
            IqType::Get
                if iq
                    .payload
                    .as_ref()
                    .is_some_and(|p| p.is("query", ns::ROSTER)) =>
            {
                let mut r = iq.result();
                r.payload = Some(Element::new("query", ns::ROSTER));
                self.reply(r)
            }
            _ => self.reply(iq.error_reply(ErrorType::Cancel, "service-unavailable")),
        }
    }

    /// XEP-0077 before authentication: the form (get) or a new account (set).
    fn on_register(&mut self, el: Element, accounts: &dyn Accounts) {
        let Ok(Stanza::Iq(iq)) = Stanza::parse(el) else {
            return self.stream_error("invalid-xml", Some("malformed iq"));
        };
        let query = iq.payload.as_ref().filter(|p| p.is("query", ns::REGISTER));
        match (iq.kind, query) {
            (IqType::Get, Some(_)) => {
                let mut r = iq.result();
                r.payload = Some(
                    Element::new("query", ns::REGISTER)
                        .with_child(
                            Element::new("instructions", ns::REGISTER)
                                .with_text("Choose a username and password"),
                        )
                        .with_child(Element::new("username", ns::REGISTER))
                        .with_child(Element::new("password", ns::REGISTER)),
                );
                self.reply(r);
            }
            (IqType::Set, Some(q)) => {
                let user = q.child_text("username", ns::REGISTER).unwrap_or_default();
                let pw = q.child_text("password", ns::REGISTER).unwrap_or_default();
                let user = user.trim();
                let reply = match accounts.register(&self.host, user, &pw) {
                    Ok(()) => iq.result(),
                    Err(RegisterError::Conflict) => iq.error_reply(ErrorType::Cancel, "conflict"),
                    Err(RegisterError::NotAcceptable) => {
                        iq.error_reply(ErrorType::Modify, "not-acceptable")
                    }
                };
                self.reply(reply);
            }
            _ => self.reply(iq.error_reply(ErrorType::Cancel, "service-unavailable")),
        }
    }

    fn on_bind(&mut self, iq: &Iq) {
        if !matches!(self.phase, Phase::AwaitBind) {
            return self.reply(iq.error_reply(ErrorType::Cancel, "not-allowed"));
        }
        let requested = iq
            .payload
            .as_ref()
            .and_then(|p| p.child_text("resource", ns::BIND))
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| ids::random_hex(15));
        let user = self.user.clone().unwrap_or_default();
        let Ok(jid) = Jid::from_parts(Some(&user), &self.host, Some(&requested)) else {
            return self.reply(iq.error_reply(ErrorType::Modify, "bad-request"));
        };
        self.jid = Some(jid.clone());
        self.phase = Phase::Bound;
        let mut r = iq.result();
        r.payload = Some(
            Element::new("bind", ns::BIND)
                .with_child(Element::new("jid", ns::BIND).with_text(jid.as_str())),
        );
        // Bound before the reply so the first stanza routed to this JID finds it.
        self.out.push_back(Output::Bind(jid));
        let el = r.to_element();
        self.send_el(&el);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use webchat_protocol::connection::{Config, Connection, Event};
    use webchat_protocol::Instant as PInstant;

    struct One;
    impl Accounts for One {
        fn password(&self, _domain: &str, local: &str) -> Option<String> {
            (local == "v1").then(|| "pw".to_owned())
        }
        fn register(&self, _: &str, local: &str, _: &str) -> Result<(), RegisterError> {
            if local == "v1" {
                Err(RegisterError::Conflict)
            } else {
                Ok(())
            }
        }
    }

    fn cfg() -> Arc<StreamConfig> {
        let mut c = StreamConfig::new("webchat.test");
        c.scram_iterations = 64;
        Arc::new(c)
    }

    /// Runs the protocol crate's client against the stream until nothing moves.
    fn pump(c: &mut Connection, s: &mut Stream, now: Instant) -> Vec<Output> {
        let mut other = Vec::new();
        loop {
            let mut moved = false;
            while let Some(f) = c.poll_transmit() {
                moved = true;
                s.handle_frame(&f, now, &One);
            }
            while let Some(o) = s.poll_output() {
                moved = true;
                match o {
                    Output::Frame(f) => c.handle_frame(&f, PInstant::from_millis(0)),
                    o => other.push(o),
                }
            }
            if !moved {
                return other;
            }
        }
    }

    fn connect(user: &str, pw: &str) -> (Connection, Stream, Vec<Output>) {
        let now = Instant::now();
        let config = Config::new(user, pw, "webchat.test", "web", [1; 16]);
        let mut c = Connection::new(config, PInstant::from_millis(0));
        let mut s = Stream::new(cfg(), now);
        let out = pump(&mut c, &mut s, now);
        (c, s, out)
    }

    #[test]
    fn client_connects_binds_and_enables_stream_management() {
        let (mut c, s, out) = connect("v1@webchat.test", "pw");
        let mut ready = false;
        while let Some(ev) = c.poll_event() {
            if let Event::Ready { jid, .. } = ev {
                assert_eq!(jid.as_str(), "v1@webchat.test/web");
                ready = true;
            }
        }
        assert!(ready);
        assert!(out.contains(&Output::Bind(Jid::parse("v1@webchat.test/web").unwrap())));
        assert!(out.iter().any(|o| matches!(o, Output::Resumable(_))));
        assert!(s.sm_id().is_some());
    }

    #[derive(Default)]
    struct Mem(std::sync::Mutex<std::collections::HashMap<String, String>>);
    impl Accounts for Mem {
        fn password(&self, domain: &str, local: &str) -> Option<String> {
            self.0
                .lock()
                .unwrap()
                .get(&format!("{local}@{domain}"))
                .cloned()
        }
        fn register(&self, domain: &str, local: &str, pw: &str) -> Result<(), RegisterError> {
            let mut m = self.0.lock().unwrap();
            let k = format!("{local}@{domain}");
            if m.contains_key(&k) {
                return Err(RegisterError::Conflict);
            }
            m.insert(k, pw.to_owned());
            Ok(())
        }
    }

    #[test]
    fn in_band_registration_on_the_agents_host_then_login() {
        let mut c = StreamConfig::new("webchat.test");
        c.hosts.push("internal.webchat.test".into());
        c.scram_iterations = 64;
        let cfg = Arc::new(c);
        let accounts = Mem::default();
        let run = |accounts: &Mem| {
            let now = Instant::now();
            let mut config = Config::new("ann", "pw", "internal.webchat.test", "console", [2; 16]);
            config.register = true;
            let mut c = Connection::new(config, PInstant::from_millis(0));
            let mut s = Stream::new(cfg.clone(), now);
            loop {
                let mut moved = false;
                while let Some(f) = c.poll_transmit() {
                    moved = true;
                    s.handle_frame(&f, now, accounts);
                }
                while let Some(o) = s.poll_output() {
                    moved = true;
                    if let Output::Frame(f) = o {
                        c.handle_frame(&f, PInstant::from_millis(0));
                    }
                }
                if !moved {
                    break;
                }
            }
            std::iter::from_fn(move || c.poll_event()).collect::<Vec<_>>()
        };
        let events = run(&accounts);
        assert!(events.contains(&Event::Registered), "{events:?}");
        assert!(events.iter().any(|e| matches!(e, Event::Ready { jid, .. } if jid.as_str() == "ann@internal.webchat.test/console")));
        // Registering the same account again is a conflict.
        let events = run(&accounts);
        assert!(events.iter().any(|e| matches!(e, Event::Closed(webchat_protocol::CloseReason::RegisterFailed(err)) if err.condition == "conflict")), "{events:?}");
    }

    #[test]
    fn wrong_password_fails_sasl() {
        let (mut c, _, _) = connect("v1", "nope");
        let closed = std::iter::from_fn(|| c.poll_event()).any(|e| {
            matches!(
                e,
                Event::Closed(webchat_protocol::CloseReason::AuthFailed { .. })
            )
        });
        assert!(closed);
    }

    #[test]
    fn malformed_frames_get_a_stream_error() {
        let now = Instant::now();
        let mut s = Stream::new(cfg(), now);
        s.handle_frame(
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='webchat.test' version='1.0'",
            now,
            &One,
        );
        let outs: Vec<Output> = std::iter::from_fn(|| s.poll_output()).collect();
        assert!(matches!(&outs[0], Output::Frame(f) if f.contains("not-well-formed")));
        assert_eq!(outs.last(), Some(&Output::End));
        let mut s = Stream::new(cfg(), now);
        s.handle_frame(
            "<message xmlns='jabber:client'><body>x</body></message>",
            now,
            &One,
        );
        let outs: Vec<Output> = std::iter::from_fn(|| s.poll_output()).collect();
        assert!(matches!(&outs[0], Output::Frame(f) if f.contains("not-authorized")));
    }

    #[test]
    fn pings_a_silent_client_and_drops_it_without_answer() {
        let (mut c, mut s, _) = connect("v1", "pw");
        let t0 = Instant::now();
        let t = s.next_timeout().max(t0);
        s.handle_timeout(t);
        let outs: Vec<Output> = std::iter::from_fn(|| s.poll_output()).collect();
        assert!(outs
            .iter()
            .any(|o| matches!(o, Output::Frame(f) if f.contains("urn:xmpp:ping"))));
        // The client answers: no drop.
        for o in &outs {
            if let Output::Frame(f) = o {
                c.handle_frame(f, PInstant::from_millis(1));
            }
        }
        pump(&mut c, &mut s, t);
        assert!(!s.is_ended());
        // Next ping unanswered: the socket is dropped, the stream-managed session waits.
        let t2 = s.next_timeout();
        s.handle_timeout(t2);
        let _ = std::iter::from_fn(|| s.poll_output()).count();
        let t3 = s.next_timeout();
        s.handle_timeout(t3);
        let outs: Vec<Output> = std::iter::from_fn(|| s.poll_output()).collect();
        assert!(outs
            .iter()
            .any(|o| matches!(o, Output::Frame(f) if f.contains("connection-timeout"))));
        assert!(outs.contains(&Output::Drop));
        assert!(!s.is_ended());
        // Nobody resumes it in time: over.
        let t4 = s.next_timeout();
        assert!(t4 >= t3 + Duration::from_secs(300));
        s.handle_timeout(t4);
        assert!(s.is_ended());
        assert_eq!(s.poll_output(), Some(Output::End));
    }
}
