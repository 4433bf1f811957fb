//! The XMPP client connection as a sans-IO state machine (after quinn-proto): feed it frames
//! with [`Connection::handle_frame`], timer expiries with [`Connection::handle_timeout`] and a
//! dead socket with [`Connection::handle_transport_closed`]; drain what to send with
//! [`Connection::poll_transmit`], what happened with [`Connection::poll_event`] and when to wake
//! it with [`Connection::poll_timeout`]. It never touches a socket or reads a clock.
//!
//! Flow: `<open/>` → features → (in-band registration, when configured) → SASL → stream
//! restart → resume (XEP-0198, when a resume state is given; refused: a fresh bind; not
//! answered within `timeout`: given up for the next transport) or bind → session (only when
//! required) → enable stream management (when offered) → [`Event::Ready`]. It answers server
//! pings, roster pushes (result) and any other iq get/set (`service-unavailable`), counts and
//! acknowledges stanzas, keeps unacknowledged ones for resumption, and pings a silent server.
//! What it does not do: anything chat-specific (see `visitor`), reconnect by itself (a new
//! transport needs a new `Connection` built with the saved [`ResumeState`]).

use crate::features::Features;
use crate::framing;
use crate::jid::Jid;
use crate::ns;
use crate::ping::Ping;
use crate::register::Register;
use crate::sasl::{self, ClientMechanism, Mechanism, SaslError, ServerMessage};
use crate::sm::{self, Nonza, ResumeState, SmState};
use crate::stanza::{ErrorType, Iq, IqType, Message, Presence, Stanza, StanzaError};
use crate::stream_error::StreamError;
use crate::time::Instant;
use crate::xml::{self, Element, XmlError};
use base64::Engine as _;
use core::fmt;
use core::time::Duration;
use std::collections::VecDeque;

/// How to connect.
#[derive(Clone, Debug)]
pub struct Config {
    /// The user: `local` or `local@domain` (SASL uses the local part only).
    pub user: String,
    /// The password.
    pub password: String,
    /// The XMPP domain (the `to` of `<open/>`).
    pub domain: String,
    /// The resource to bind.
    pub resource: String,
    /// Create the account by in-band registration (XEP-0077) before authenticating.
    pub register: bool,
    /// Mechanisms allowed, any order (the strongest offered one is used).
    pub mechanisms: Vec<Mechanism>,
    /// Enable XEP-0198 when the server offers it.
    pub stream_management: bool,
    /// Resume this session instead of binding a new one.
    pub resume: Option<ResumeState>,
    /// After this long without any frame from the server, check it with a ping (`<r/>` or XEP-0199).
    pub keepalive: Duration,
    /// Give up when a check (or the handshake) gets no answer for this long.
    pub timeout: Duration,
    /// Give up a `<resume/>` that gets no answer for this long (then bind afresh). A server
    /// answers it at once when it can; one that cannot may never answer (Prosody 0.12 over BOSH).
    pub resume_timeout: Duration,
    /// Fresh randomness from the caller (the core has no OS): the SCRAM nonce and id prefix.
    pub entropy: [u8; 16],
}

impl Config {
    /// A config with the defaults: every mechanism, stream management on, keepalive 30 s, timeout
    /// and resume timeout 20 s.
    pub fn new(
        user: &str,
        password: &str,
        domain: &str,
        resource: &str,
        entropy: [u8; 16],
    ) -> Config {
        Config {
            user: user.to_owned(),
            password: password.to_owned(),
            domain: domain.to_owned(),
            resource: resource.to_owned(),
            register: false,
            mechanisms: Mechanism::ALL.to_vec(),
            stream_management: true,
            resume: None,
            keepalive: Duration::from_secs(30),
            timeout: Duration::from_secs(20),
            resume_timeout: Duration::from_secs(20),
            entropy,
        }
    }

    /// The SASL authentication id: the local part of `user`.
    pub fn username(&self) -> &str {
        self.user
            .split_once('@')
            .map_or(self.user.as_str(), |(l, _)| l)
    }
}

/// Why the connection ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CloseReason {
    /// We closed it and the server (or transport) confirmed.
    Requested,
    /// The server sent `<close/>` (maybe redirecting).
    ServerClosed {
        /// `see-other-uri`.
        see_other_uri: Option<String>,
    },
    /// The server sent a stream error.
    StreamError(StreamError),
    /// The WebSocket closed under us.
    TransportClosed,
    /// The server did not answer in time.
    Timeout,
    /// SASL `<failure/>` (wrong credentials, …).
    AuthFailed {
        /// Condition, e.g. `not-authorized`.
        condition: String,
        /// Server text.
        text: Option<String>,
    },
    /// Our side of SASL failed (no mechanism, bad server signature, …).
    Sasl(SaslError),
    /// In-band registration was refused (e.g. `conflict`).
    RegisterFailed(StanzaError),
    /// Binding the resource or the session failed.
    BindFailed(Option<StanzaError>),
    /// The server broke the protocol.
    Protocol(&'static str),
    /// A frame was not well-formed XML.
    Xml(XmlError),
}

impl CloseReason {
    /// Whether a new stream with the same credentials would end the same way: the server
    /// refused them (SASL, registration) or we cannot authenticate with what it offers. Any
    /// other reason (a dropped network, a timeout, a restart of the server) is worth a
    /// reconnect.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            CloseReason::AuthFailed { .. } | CloseReason::Sasl(_) | CloseReason::RegisterFailed(_)
        )
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Requested => f.write_str("closed"),
            CloseReason::ServerClosed { .. } => f.write_str("closed by the server"),
            CloseReason::StreamError(e) => write!(f, "stream error: {}", e.condition),
            CloseReason::TransportClosed => f.write_str("connection lost"),
            CloseReason::Timeout => f.write_str("server did not answer"),
            CloseReason::AuthFailed { condition, .. } => {
                write!(f, "authentication failed: {condition}")
            }
            CloseReason::Sasl(e) => write!(f, "authentication failed: {e}"),
            CloseReason::RegisterFailed(e) => write!(f, "registration failed: {}", e.condition),
            CloseReason::BindFailed(_) => f.write_str("resource binding failed"),
            CloseReason::Protocol(m) => write!(f, "protocol error: {m}"),
            CloseReason::Xml(e) => write!(f, "bad XML from server: {e}"),
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// In-band registration created the account.
    Registered,
    /// SASL succeeded (and, for SCRAM, the server proved it knows the password).
    Authenticated(Mechanism),
    /// Session established: stanzas flow. `resumed` when XEP-0198 resumed the old session.
    Ready {
        /// Our full JID.
        jid: Jid,
        /// Whether an old session was resumed (nothing lost) rather than a new one bound.
        resumed: bool,
    },
    /// Resumption failed; a fresh session is being bound. These stanzas were never
    /// acknowledged and may not have arrived (frames as sent).
    ResumeFailed {
        /// Unacknowledged frames.
        unacked: Vec<String>,
    },
    /// A message arrived.
    Message(Message),
    /// A presence arrived.
    Presence(Presence),
    /// A result or error for an iq sent with [`Connection::send_iq`].
    IqResponse(Iq),
    /// The server acknowledged (XEP-0198) the stanza with this id.
    Acked(String),
    /// The connection is over; nothing more happens.
    Closed(CloseReason),
}

/// A command on a closed connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionClosed;

impl fmt::Display for ConnectionClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection is closed")
    }
}

impl std::error::Error for ConnectionClosed {}

#[derive(Debug)]
enum Phase {
    AwaitOpen,
    AwaitFeatures,
    Registering(String),
    Authenticating(ClientMechanism, Mechanism),
    Resuming,
    Binding(String),
    Session(String),
    Enabling,
    Ready,
    Closing,
    Closed,
}

/// The connection state machine.
#[derive(Debug)]
pub struct Connection {
    config: Config,
    phase: Phase,
    authenticated: bool,
    registered: bool,
    features: Features,
    jid: Option<Jid>,
    sm: SmState,
    sm_enabled: bool,
    ack_requested: bool,
    resume: Option<ResumeState>,
    resumed: bool,
    transmits: VecDeque<String>,
    events: VecDeque<Event>,
    pending: Vec<Element>,
    iq_waiting: Vec<String>,
    id_prefix: String,
    next_id: u64,
    last_rx: Instant,
    check_since: Option<Instant>,
}

impl Connection {
    /// Starts a connection: queues `<open/>`.
    pub fn new(config: Config, now: Instant) -> Connection {
        let e = config.entropy;
        let id_prefix = format!("{:02x}{:02x}{:02x}{:02x}", e[12], e[13], e[14], e[15]);
        let resume = config.resume.clone();
        let mut c = Connection {
            phase: Phase::AwaitOpen,
            authenticated: false,
            registered: false,
            features: Features::default(),
            jid: None,
            sm: resume
                .as_ref()
                .map(SmState::from_resume)
                .unwrap_or_default(),
            sm_enabled: false,
            ack_requested: false,
            resume,
            resumed: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            pending: Vec::new(),
            iq_waiting: Vec::new(),
            id_prefix,
            next_id: 0,
            last_rx: now,
            check_since: None,
            config,
        };
        c.transmits.push_back(framing::open(&c.config.domain));
        c
    }

    /// Next frame to send on the WebSocket.
    pub fn poll_transmit(&mut self) -> Option<String> {
        self.transmits.pop_front()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Connection::handle_timeout`] next (None once closed).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if matches!(self.phase, Phase::Closed) {
            return None;
        }
        Some(match self.check_since {
            Some(t) => t + self.answer_timeout(),
            None => self.last_rx + self.config.keepalive,
        })
    }

    /// How long the answer awaited now may take.
    fn answer_timeout(&self) -> Duration {
        if matches!(self.phase, Phase::Resuming) {
            self.config.resume_timeout
        } else {
            self.config.timeout
        }
    }

    /// Whether stanzas flow.
    pub fn is_ready(&self) -> bool {
        matches!(self.phase, Phase::Ready)
    }

    /// Whether the server acknowledges stanzas (XEP-0198 is on for this stream). Without it
    /// nothing is ever confirmed: what went out on a ready stream is all that can be known.
    pub fn acks_stanzas(&self) -> bool {
        self.sm_enabled
    }

    /// Whether the connection is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// Our full JID once bound.
    pub fn jid(&self) -> Option<&Jid> {
        self.jid.as_ref()
    }

    /// The state a new transport needs to resume this session (when the server allows it).
    /// Save it after every batch of handled frames; it stays valid after the transport died.
    pub fn resume_state(&self) -> Option<ResumeState> {
        if !self.sm_enabled {
            // Not resumed yet (the transport died during the handshake): the session we were
            // about to resume is still the one to resume, unacknowledged stanzas and all.
            return self.resume.clone();
        }
        self.sm.resume_state(self.jid.as_ref()?.as_str())
    }

    /// A fresh stanza id, unique for this connection's entropy.
    pub fn make_id(&mut self) -> String {
        self.next_id += 1;
        format!("wc{}-{}", self.id_prefix, self.next_id)
    }

    /// Sends a stanza (buffered until ready). Stanzas are counted and kept until acknowledged.
    pub fn send_stanza(&mut self, el: Element) -> Result<(), ConnectionClosed> {
        match self.phase {
            Phase::Closing | Phase::Closed => Err(ConnectionClosed),
            Phase::Ready => {
                self.transmit_stanza(el);
                Ok(())
            }
            _ => {
                self.pending.push(el);
                Ok(())
            }
        }
    }

    /// Sends an iq request; its result or error comes back as [`Event::IqResponse`] with the returned id.
    pub fn send_iq(
        &mut self,
        kind: IqType,
        to: Option<Jid>,
        payload: Element,
    ) -> Result<String, ConnectionClosed> {
        let id = self.make_id();
        self.send_stanza(Iq::request(kind, &id, to, payload).to_element())?;
        self.iq_waiting.push(id.clone());
        Ok(id)
    }

    /// Ends the stream with `<close/>`; [`Event::Closed`] follows when the server confirms or the
    /// transport closes.
    pub fn close(&mut self, _now: Instant) {
        match self.phase {
            Phase::Closing | Phase::Closed => {}
            _ => {
                if matches!(self.phase, Phase::Ready) {
                    // Flushes pending acks so the server does not resend what we handled.
                    if self.sm_enabled {
                        self.transmits.push_back(sm::ack(self.sm.h_in).to_xml());
                    }
                }
                self.transmits.push_back(framing::CLOSE.to_owned());
                self.phase = Phase::Closing;
            }
        }
    }

    /// The WebSocket closed.
    pub fn handle_transport_closed(&mut self, _now: Instant) {
        let reason = if matches!(self.phase, Phase::Closing) {
            CloseReason::Requested
        } else {
            CloseReason::TransportClosed
        };
        self.finish(reason);
    }

    /// A timer set from [`Connection::poll_timeout`] fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        if let Some(t) = self.check_since {
            if now >= t + self.answer_timeout() {
                if matches!(self.phase, Phase::Resuming) {
                    // No answer to `<resume/>` (Prosody 0.12 fails it over BOSH and leaves the
                    // stream broken): the session is given up, and the next transport binds a
                    // fresh one instead of asking again.
                    self.resume_failed();
                }
                self.fail(CloseReason::Timeout);
            }
            return;
        }
        if now >= self.last_rx + self.config.keepalive {
            self.check_since = Some(now);
            if matches!(self.phase, Phase::Ready) {
                if self.sm_enabled {
                    self.transmits.push_back(sm::R_FRAME.to_owned());
                    self.ack_requested = true;
                } else {
                    let id = self.make_id();
                    let to = Jid::parse(&self.config.domain).ok();
                    self.transmit_stanza(
                        Iq::request(IqType::Get, &id, to, Ping.to_element()).to_element(),
                    );
                    self.iq_waiting.push(id);
                }
            }
        }
    }

    /// One WebSocket text message from the server.
    pub fn handle_frame(&mut self, frame: &str, now: Instant) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        self.last_rx = now;
        self.check_since = None;
        let el = match xml::parse(frame, ns::CLIENT) {
            Ok(el) => el,
            Err(e) => return self.fail(CloseReason::Xml(e)),
        };
        match el.ns.as_str() {
            ns::FRAMING if el.name == "open" => {
                if matches!(self.phase, Phase::AwaitOpen) {
                    match framing::Open::from_element(&el) {
                        Ok(_) => self.phase = Phase::AwaitFeatures,
                        Err(_) => self.fail(CloseReason::Protocol("unsupported stream version")),
                    }
                }
            }
            ns::FRAMING if el.name == "close" => {
                if matches!(self.phase, Phase::Closing) {
                    self.finish(CloseReason::Requested);
                } else {
                    let see_other_uri = el.attr("see-other-uri").map(str::to_owned);
                    self.transmits.push_back(framing::CLOSE.to_owned());
                    self.finish(CloseReason::ServerClosed { see_other_uri });
                }
            }
            ns::STREAMS if el.name == "features" => {
                if matches!(self.phase, Phase::AwaitFeatures) {
                    match Features::from_element(&el) {
                        Ok(f) => {
                            self.features = f;
                            self.on_features();
                        }
                        Err(_) => self.fail(CloseReason::Protocol("bad stream features")),
                    }
                }
            }
            ns::STREAMS if el.name == "error" => {
                let e = StreamError::from_element(&el).unwrap_or_else(|_| StreamError {
                    condition: "undefined-condition".into(),
                    text: None,
                });
                self.fail(CloseReason::StreamError(e));
            }
            ns::SASL => self.on_sasl(&el),
            ns::SM => self.on_sm(&el),
            ns::CLIENT if Stanza::is_stanza(&el) => {
                if self.sm_enabled {
                    self.sm.received();
                }
                // A stanza we cannot read is counted (the server counted it) and dropped.
                if let Ok(s) = Stanza::parse(el) {
                    self.on_stanza(s);
                }
            }
            _ => {}
        }
    }

    fn fail(&mut self, reason: CloseReason) {
        if !matches!(self.phase, Phase::Closing | Phase::Closed) {
            self.transmits.push_back(framing::CLOSE.to_owned());
        }
        self.finish(reason);
    }

    fn finish(&mut self, reason: CloseReason) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        self.phase = Phase::Closed;
        self.events.push_back(Event::Closed(reason));
    }

    fn send_element(&mut self, el: &Element) {
        self.transmits.push_back(el.to_xml());
    }

    fn transmit_stanza(&mut self, el: Element) {
        let frame = el.to_xml();
        if self.sm_enabled {
            self.sm.sent(&frame, el.attr("id"));
        }
        self.transmits.push_back(frame);
        if self.sm_enabled && !self.ack_requested {
            self.transmits.push_back(sm::R_FRAME.to_owned());
            self.ack_requested = true;
        }
    }

    fn on_features(&mut self) {
        if !self.authenticated {
            if self.config.register && !self.registered {
                let id = self.make_id();
                let q = Register {
                    username: Some(self.config.username().to_owned()),
                    password: Some(self.config.password.clone()),
                    registered: false,
                };
                self.send_element(
                    &Iq::request(IqType::Set, &id, None, q.to_element()).to_element(),
                );
                self.phase = Phase::Registering(id);
                return;
            }
            self.start_sasl();
            return;
        }
        if let Some(r) = &self.resume {
            if self.features.sm {
                let el = sm::resume(&r.id, r.h_in);
                self.send_element(&el);
                self.phase = Phase::Resuming;
                // The answer is due within `resume_timeout` (see handle_timeout).
                self.check_since = Some(self.last_rx);
                return;
            }
            self.resume_failed();
        }
        self.bind();
    }

    fn start_sasl(&mut self) {
        let Some(mech) = Mechanism::choose(
            self.features.mechanisms.iter().map(String::as_str),
            &self.config.mechanisms,
        ) else {
            return self.fail(CloseReason::Sasl(SaslError::NoMechanism));
        };
        let cnonce = sasl::BASE64
            .encode(self.config.entropy)
            .trim_end_matches('=')
            .to_owned();
        let (m, initial) =
            ClientMechanism::start(mech, self.config.username(), &self.config.password, &cnonce);
        self.send_element(&sasl::auth(mech, &initial));
        self.phase = Phase::Authenticating(m, mech);
    }

    fn on_sasl(&mut self, el: &Element) {
        let Phase::Authenticating(m, mech) = &mut self.phase else {
            return;
        };
        let msg = match sasl::parse_server(el) {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return self.fail(CloseReason::Sasl(e)),
            Err(_) => return,
        };
        match msg {
            ServerMessage::Challenge(data) => match m.challenge(&data) {
                Ok(resp) => self.send_element(&sasl::response(&resp)),
                Err(e) => self.fail(CloseReason::Sasl(e)),
            },
            ServerMessage::Success(data) => match m.success(&data) {
                Ok(()) => {
                    let mech = *mech;
                    self.authenticated = true;
                    self.events.push_back(Event::Authenticated(mech));
                    self.transmits.push_back(framing::open(&self.config.domain));
                    self.phase = Phase::AwaitOpen;
                }
                Err(e) => self.fail(CloseReason::Sasl(e)),
            },
            ServerMessage::Failure { condition, text } => {
                self.fail(CloseReason::AuthFailed { condition, text })
            }
        }
    }

    fn bind(&mut self) {
        if !self.features.bind {
            return self.fail(CloseReason::Protocol("server offers no resource binding"));
        }
        let id = self.make_id();
        let el = Iq::request(
            IqType::Set,
            &id,
            None,
            crate::bind::request(&self.config.resource),
        )
        .to_element();
        self.send_element(&el);
        self.phase = Phase::Binding(id);
    }

    fn resume_failed(&mut self) {
        let unacked = self.sm.queue.drain(..).map(|u| u.frame).collect();
        self.sm = SmState::default();
        self.resume = None;
        self.events.push_back(Event::ResumeFailed { unacked });
    }

    fn after_bind(&mut self) {
        if self.features.sm && self.config.stream_management {
            self.send_element(&sm::enable());
            self.phase = Phase::Enabling;
        } else {
            self.ready();
        }
    }

    fn ready(&mut self) {
        self.phase = Phase::Ready;
        if let Some(jid) = self.jid.clone() {
            self.events.push_back(Event::Ready {
                jid,
                resumed: self.resumed,
            });
        }
        for el in core::mem::take(&mut self.pending) {
            self.transmit_stanza(el);
        }
    }

    fn on_sm(&mut self, el: &Element) {
        let Ok(n) = Nonza::from_element(el) else {
            return;
        };
        match (n, &self.phase) {
            (Nonza::Enabled { id, resume, .. }, Phase::Enabling) => {
                self.sm_enabled = true;
                self.sm = SmState {
                    id: if resume { id } else { None },
                    ..SmState::default()
                };
                self.ready();
            }
            (Nonza::Failed { .. }, Phase::Enabling) => self.ready(),
            (Nonza::Resumed { h, .. }, Phase::Resuming) => {
                let Some(r) = self.resume.take() else { return };
                self.jid = Jid::parse(&r.jid).ok();
                if self.jid.is_none() {
                    return self.fail(CloseReason::Protocol("saved resume state has a bad JID"));
                }
                self.sm_enabled = true;
                self.resumed = true;
                self.on_ack(h);
                // Resend what the server did not get; the queue keeps them until acked.
                let frames: Vec<String> = self.sm.queue.iter().map(|u| u.frame.clone()).collect();
                let any = !frames.is_empty();
                self.transmits.extend(frames);
                if any {
                    self.transmits.push_back(sm::R_FRAME.to_owned());
                    self.ack_requested = true;
                }
                self.ready();
            }
            (Nonza::Failed { .. }, Phase::Resuming) => {
                self.resume_failed();
                self.bind();
            }
            (Nonza::R, _) if self.sm_enabled => {
                self.transmits.push_back(sm::ack(self.sm.h_in).to_xml())
            }
            (Nonza::A { h }, _) if self.sm_enabled => {
                self.ack_requested = false;
                let before = self.sm.queue.len();
                self.on_ack(h);
                // Stanzas sent after our `<r/>` are not covered by this answer: ask again so the
                // last message of a burst is confirmed now, not at the next keepalive. Only when
                // this answer made progress, so a server that never counts cannot make us loop.
                let left = self.sm.queue.len();
                if left > 0 && left < before && matches!(self.phase, Phase::Ready) {
                    self.transmits.push_back(sm::R_FRAME.to_owned());
                    self.ack_requested = true;
                }
            }
            _ => {}
        }
    }

    fn on_ack(&mut self, h: u32) {
        // An ack for more than we sent is a server bug; keeping the queue loses nothing.
        if let Ok(done) = self.sm.acked(h) {
            for u in done {
                if let Some(id) = u.id {
                    self.events.push_back(Event::Acked(id));
                }
            }
        }
    }

    fn own_bare(&self, from: Option<&Jid>) -> bool {
        match (from, &self.jid) {
            (None, _) => true,
            (Some(f), Some(me)) => f.bare_eq(me) && f.resource().is_none(),
            (Some(_), None) => false,
        }
    }

    fn on_stanza(&mut self, s: Stanza) {
        let iq = match s {
            Stanza::Message(m) => return self.events.push_back(Event::Message(m)),
            Stanza::Presence(p) => return self.events.push_back(Event::Presence(p)),
            Stanza::Iq(iq) => iq,
        };
        let is_response = matches!(iq.kind, IqType::Result | IqType::Error);
        match &self.phase {
            Phase::Registering(id) if is_response && *id == iq.id => {
                if let Some(e) = iq.error {
                    return self.fail(CloseReason::RegisterFailed(e));
                }
                self.registered = true;
                self.events.push_back(Event::Registered);
                return self.start_sasl();
            }
            Phase::Binding(id) if is_response && *id == iq.id => {
                let jid = iq
                    .payload
                    .as_ref()
                    .and_then(|p| crate::bind::parse_result(p).ok());
                let Some(jid) = jid.filter(|_| iq.error.is_none()) else {
                    return self.fail(CloseReason::BindFailed(iq.error));
                };
                self.jid = Some(jid);
                if self.features.session_required {
                    let id = self.make_id();
                    self.send_element(
                        &Iq::request(IqType::Set, &id, None, crate::bind::session()).to_element(),
                    );
                    self.phase = Phase::Session(id);
                } else {
                    self.after_bind();
                }
                return;
            }
            Phase::Session(id) if is_response && *id == iq.id => {
                if iq.error.is_some() {
                    return self.fail(CloseReason::BindFailed(iq.error));
                }
                return self.after_bind();
            }
            _ => {}
        }
        if is_response {
            if let Some(i) = self.iq_waiting.iter().position(|w| *w == iq.id) {
                self.iq_waiting.swap_remove(i);
                self.events.push_back(Event::IqResponse(iq));
            }
            return;
        }
        let payload = iq.payload.as_ref();
        let ping = payload.is_some_and(|p| p.is("ping", ns::PING));
        // Roster pushes are only legitimate from our own account (RFC 6121 §2.1.6).
        let roster_push = iq.kind == IqType::Set
            && payload.is_some_and(|p| p.is("query", ns::ROSTER))
            && self.own_bare(iq.from.as_ref());
        let reply = if ping || roster_push {
            iq.result()
        } else {
            iq.error_reply(ErrorType::Cancel, "service-unavailable")
        };
        let el = reply.to_element();
        if matches!(self.phase, Phase::Ready) {
            self.transmit_stanza(el);
        } else {
            // Before ready (e.g. a ping during the handshake) answer at once, uncounted by SM.
            self.send_element(&el);
        }
    }
}
