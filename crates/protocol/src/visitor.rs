//! The visitor's side of the chat protocol (`docs/protocol.md` §2–§3) on top of a
//! [`Connection`]: the three presences, the answer to the agent's `subscribe`, outgoing
//! messages and chat states, typed events for everything the agent sends, the close
//! sequence (`closed` chat state, then `<close/>`), de-duplication, reconnection with
//! stream resumption, and archive (MAM) history.
//!
//! Same sans-IO shape as the connection: `handle_frame`/`handle_timeout`/
//! `handle_transport_closed` in, `poll_transmit`/`poll_event`/`poll_timeout` out.
//! Real-server facts it is built for: JIDs are compared bare (agents write from full JIDs,
//! ejabberd echoes our own presence); `uid` may be stripped, so ids fall back to the
//! server's `<stanza-id/>`, then `id`; Prosody sends `unavailable` from the agent before the
//! agent's real presence, so "agent unavailable" is only reported after the agent was seen
//! available. A message the server bounces because the agent has no session (a server without
//! an archive or offline storage answers `service-unavailable`; ejabberd and Prosody with MAM
//! keep it in the agent's archive instead) is kept and sent again when the agent is back.
//! What it does not do: render anything, or decide whether to reconnect (the widget calls
//! [`Chat::reconnect`] on a new transport).

use crate::chatstates::ChatState;
use crate::cobrowsing::Cobrowsing;
use crate::connection::{CloseReason, Config, Connection, Event};
use crate::jid::Jid;
use crate::mam;
use crate::sm::ResumeState;
use crate::stanza::{IqType, Message, MessageType, Presence, PresenceType, Show};
use crate::time::Instant;
use crate::xml::Element;
use core::fmt;
use std::collections::{HashSet, VecDeque};

/// How long a sent message is kept for a bounce to name it: servers bounce at once, but a
/// bounce may come after a reconnect.
pub const BOUNCE_WINDOW: core::time::Duration = core::time::Duration::from_secs(120);

/// At most this many sent messages are kept for bounces (a visitor typing fast).
const RECENT_MAX: usize = 64;

/// The error conditions that mean "the agent has no session to deliver to" (RFC 6120 §8.3.3,
/// RFC 6121 §8.5.2): what a server without offline storage answers while the agent is away.
const AGENT_AWAY: [&str; 4] = [
    "service-unavailable",
    "recipient-unavailable",
    "item-not-found",
    "remote-server-timeout",
];

/// What the visitor's chat needs.
#[derive(Clone, Debug)]
pub struct ChatConfig {
    /// The XMPP connection (credentials, domain, resource, randomness).
    pub connection: Config,
    /// The agent's JID from the credentials.
    pub agent: Jid,
    /// The agent's nick to show until messages or a transfer say otherwise.
    pub agent_nick: String,
}

/// A message from the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryMessage {
    /// The de-duplication id (agent: `uid`, else archive id, else `id`; visitor: `id`).
    pub id: String,
    /// Written by the agent (else by the visitor).
    pub from_agent: bool,
    /// The agent's nick, when the message carried one.
    pub nick: Option<String>,
    /// The text (always text, never HTML).
    pub body: String,
    /// XEP-0203 timestamp (ISO 8601), when the server gave one.
    pub stamp: Option<String>,
}

/// What happened in the chat.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// The session is up (again); `resumed` means nothing was lost across a reconnect.
    Connected {
        /// Our full JID.
        jid: Jid,
        /// XEP-0198 resumed the previous session.
        resumed: bool,
    },
    /// A chat message from the agent.
    AgentMessage {
        /// De-duplication id: `uid`, else the server's stanza-id, else the stanza `id`.
        id: String,
        /// The agent's nick.
        nick: String,
        /// The text (always text, never HTML).
        body: String,
        /// XEP-0203 send time (XEP-0082) when the server delivered it late (offline storage,
        /// a resumed stream); `None` for a message delivered as it was sent.
        stamp: Option<String>,
    },
    /// The agent started (`true`) or stopped (`false`) typing.
    AgentTyping(bool),
    /// The agent ended the chat (we already answered `closed` and are closing).
    AgentClosed,
    /// The agent blocked the visitor (we already answered `closed` and are closing).
    Blocked,
    /// The chat moved to another agent; `nickname` is used from now on.
    Transferred {
        /// New nick.
        nickname: String,
        /// New agent's first name.
        firstname: String,
    },
    /// The agent went offline (only after it was seen online).
    AgentUnavailable,
    /// The agent is back after being unavailable.
    AgentAvailable,
    /// The agent asks to co-browse; answer with [`Chat::answer_cobrowsing`].
    CobrowsingRequested,
    /// Our message with this local id reached the server: it acknowledged it (XEP-0198), or,
    /// on a stream without acknowledgements, the message went out on the ready stream.
    Delivered(String),
    /// Our message with this local id came back: the agent had no session to take it. It
    /// waits and goes out again when the agent is available ([`ChatEvent::Delivered`] again).
    AwaitingAgent(String),
    /// A page of archived messages, oldest first, without ones already seen.
    History {
        /// The messages.
        messages: Vec<HistoryMessage>,
        /// No older pages remain.
        complete: bool,
    },
    /// The transport or session was lost; call [`Chat::reconnect`] with a new transport to go on.
    Disconnected(CloseReason),
    /// The chat is over (closed by either side); nothing more happens.
    Closed,
}

/// A command that the chat cannot carry out any more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatEnded;

impl fmt::Display for ChatEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the chat has ended")
    }
}

impl std::error::Error for ChatEnded {}

#[derive(Debug)]
struct HistoryQuery {
    iq_id: String,
    queryid: String,
    items: Vec<HistoryMessage>,
}

/// The visitor's chat.
#[derive(Debug)]
pub struct Chat {
    conn: Connection,
    config: ChatConfig,
    events: VecDeque<ChatEvent>,
    /// `close()` was called or the agent ended the chat: no reconnects, Closed at the end.
    ending: bool,
    ended: bool,
    agent_nick: String,
    agent_seen_available: bool,
    agent_unavailable: bool,
    agent_typing: bool,
    last_state: Option<ChatState>,
    seen: HashSet<String>,
    own_ids: HashSet<String>,
    /// Our chat messages of the last [`BOUNCE_WINDOW`], as sent: a bounce names one by its id.
    recent: VecDeque<(Instant, Element)>,
    /// Messages bounced because the agent was away, in order: sent again when it is back.
    awaiting_agent: Vec<Element>,
    outbox: Vec<Element>,
    resend: Vec<String>,
    history: Option<HistoryQuery>,
    history_first: Option<String>,
    history_complete: bool,
    fetch_after_connect: bool,
}

impl Chat {
    /// Starts connecting (queues `<open/>`).
    pub fn new(config: ChatConfig, now: Instant) -> Chat {
        let conn = Connection::new(config.connection.clone(), now);
        // A resumed session (page reload) continues a chat in which the agent was there.
        let resuming = config.connection.resume.is_some();
        // Our messages the saved session never had acknowledged are still ours after a
        // reload: their acks (and archive copies) must be recognised.
        let own_ids = config
            .connection
            .resume
            .iter()
            .flat_map(|r| r.unacked.iter())
            .filter_map(|f| own_message_id(f))
            .collect();
        Chat {
            conn,
            agent_nick: config.agent_nick.clone(),
            config,
            events: VecDeque::new(),
            ending: false,
            ended: false,
            agent_seen_available: resuming,
            agent_unavailable: false,
            agent_typing: false,
            last_state: None,
            seen: HashSet::new(),
            own_ids,
            recent: VecDeque::new(),
            awaiting_agent: Vec::new(),
            outbox: Vec::new(),
            resend: Vec::new(),
            history: None,
            history_first: None,
            history_complete: false,
            fetch_after_connect: false,
        }
    }

    /// One frame from the server.
    pub fn handle_frame(&mut self, frame: &str, now: Instant) {
        self.conn.handle_frame(frame, now);
        self.pump(now);
    }

    /// A timer from [`Chat::poll_timeout`] fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        self.pump(now);
    }

    /// The WebSocket closed.
    pub fn handle_transport_closed(&mut self, now: Instant) {
        self.conn.handle_transport_closed(now);
        self.pump(now);
    }

    /// Next frame to send.
    pub fn poll_transmit(&mut self) -> Option<String> {
        self.conn.poll_transmit()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<ChatEvent> {
        self.events.pop_front()
    }

    /// When to call [`Chat::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }

    /// The agent's current nick.
    pub fn agent_nick(&self) -> &str {
        &self.agent_nick
    }

    /// Whether the chat is over.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// What a reloaded page needs to resume this session (XEP-0198), when the server allows it.
    pub fn resume_state(&self) -> Option<ResumeState> {
        if self.ending {
            return None;
        }
        self.conn.resume_state()
    }

    /// Continues on a new transport after [`ChatEvent::Disconnected`]: resumes the session
    /// when possible, else binds a new one, re-sends unacknowledged messages and fetches the
    /// archive. `config` carries fresh entropy (and maybe new credentials); its `resume` is
    /// filled in from the old connection.
    pub fn reconnect(&mut self, mut config: Config, now: Instant) -> Result<(), ChatEnded> {
        if self.ending {
            return Err(ChatEnded);
        }
        if config.resume.is_none() {
            config.resume = self.conn.resume_state();
        }
        self.conn = Connection::new(config, now);
        self.last_state = None;
        Ok(())
    }

    /// Sends a chat message; returns its local id (reported again by [`ChatEvent::Delivered`]).
    /// While disconnected the message waits and goes out after reconnecting.
    pub fn send_message(&mut self, text: &str, now: Instant) -> Result<String, ChatEnded> {
        if self.ending {
            return Err(ChatEnded);
        }
        let id = self.conn.make_id();
        self.send_message_with_id(&id, text, now)?;
        Ok(id)
    }

    /// Sends a chat message under a stanza `id` chosen by the caller, so that the id stays the
    /// same across page reloads (the widget's outbox keeps it): the archive copy and the
    /// acknowledgement of a message re-sent after a reload are then recognised as the same
    /// message. The id must be unique for this chat.
    pub fn send_message_with_id(
        &mut self,
        id: &str,
        text: &str,
        now: Instant,
    ) -> Result<(), ChatEnded> {
        if self.ending {
            return Err(ChatEnded);
        }
        let mut m = Message::chat(self.config.agent.clone());
        m.id = Some(id.to_owned());
        m.body = Some(text.to_owned());
        m.chat_state = Some(ChatState::Active);
        self.own_ids.insert(id.to_owned());
        self.last_state = Some(ChatState::Active);
        let el = m.to_element();
        self.remember_sent(&el, now);
        self.send_or_hold(el);
        Ok(())
    }

    /// Tells a chat rebuilt after a page reload which messages are already shown: `own` are
    /// the visitor's message ids, `agent` the agent messages' de-duplication ids. Live
    /// redeliveries and archive results with these ids are then not reported again.
    pub fn remember<I, J>(&mut self, own: I, agent: J)
    where
        I: IntoIterator<Item = String>,
        J: IntoIterator<Item = String>,
    {
        self.own_ids.extend(own);
        self.seen.extend(agent);
    }

    /// Asks for the archive (the latest page) once the session is up unless it is resumed:
    /// a page restoring a chat without a resumable session fetches what it missed.
    pub fn fetch_history_when_connected(&mut self) {
        self.fetch_after_connect = true;
    }

    /// Sends `composing`, `paused`, `active`… (repeats of the last state are not sent).
    pub fn set_chat_state(&mut self, state: ChatState, _now: Instant) {
        if self.ending || !self.conn.is_ready() || self.last_state == Some(state) {
            return;
        }
        self.last_state = Some(state);
        self.send_state(state);
    }

    /// Answers a co-browsing request.
    pub fn answer_cobrowsing(&mut self, accept: bool, _now: Instant) -> Result<(), ChatEnded> {
        if self.ending {
            return Err(ChatEnded);
        }
        let mut m = Message::chat(self.config.agent.clone());
        m.cobrowsing = Some(if accept {
            Cobrowsing::Accepted
        } else {
            Cobrowsing::Denied
        });
        self.send_or_hold(m.to_element());
        Ok(())
    }

    /// Ends the chat: `closed` chat state to the agent, then `<close/>`. While disconnected the
    /// chat just ends (the `closed` state cannot reach the agent without a session).
    pub fn close(&mut self, now: Instant) {
        if self.ending {
            return;
        }
        self.ending = true;
        self.finish_chat(now);
    }

    /// Fetches the previous page of archived messages with the agent (the latest page first);
    /// returns false when there is nothing older or a fetch is running.
    pub fn fetch_history(&mut self, max: u32, _now: Instant) -> bool {
        if self.history_complete || self.history.is_some() || !self.conn.is_ready() {
            return false;
        }
        let queryid = self.conn.make_id();
        let q = mam::Query {
            queryid: queryid.clone(),
            with: Some(self.config.agent.to_bare()),
            max,
            before: Some(self.history_first.clone().unwrap_or_default()),
            after: None,
        };
        match self.conn.send_iq(IqType::Set, None, q.to_element()) {
            Ok(iq_id) => {
                self.history = Some(HistoryQuery {
                    iq_id,
                    queryid,
                    items: Vec::new(),
                });
                true
            }
            Err(_) => false,
        }
    }

    fn send_or_hold(&mut self, el: Element) {
        if self.conn.is_ready() {
            let sent = self.unacked_message_id(&el);
            if self.conn.send_stanza(el).is_ok() {
                self.events.extend(sent.map(ChatEvent::Delivered));
            }
        } else {
            // Held here (not in the connection) so that on a new session the three presences
            // go out first: the backend only sees the chat after them.
            self.outbox.push(el);
        }
    }

    /// The id of one of our chat messages that no acknowledgement will ever confirm (the
    /// stream has no XEP-0198): it counts as delivered once written to the ready stream.
    fn unacked_message_id(&self, el: &Element) -> Option<String> {
        if self.conn.acks_stanzas() || el.name != "message" {
            return None;
        }
        el.get_child("body", crate::ns::CLIENT)?;
        el.attr("id")
            .filter(|id| self.own_ids.contains(*id))
            .map(str::to_owned)
    }

    fn send_state(&mut self, state: ChatState) {
        let mut m = Message::chat(self.config.agent.clone());
        m.chat_state = Some(state);
        let _ = self.conn.send_stanza(m.to_element());
    }

    fn finish_chat(&mut self, now: Instant) {
        if self.conn.is_ready() {
            self.send_state(ChatState::Closed);
            self.conn.close(now);
        } else if self.conn.is_closed() {
            self.end();
        } else {
            self.conn.close(now);
        }
    }

    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.events.push_back(ChatEvent::Closed);
        }
    }

    fn pump(&mut self, now: Instant) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::Ready { jid, resumed } => self.on_ready(jid, resumed, now),
                Event::ResumeFailed { unacked } => {
                    self.resend = unacked;
                    self.fetch_after_connect = true;
                }
                Event::Message(m) => self.on_message(m, now),
                Event::Presence(p) => self.on_presence(p, now),
                Event::IqResponse(iq) => self.on_iq_response(iq),
                Event::Acked(id) => {
                    if self.own_ids.contains(&id) {
                        self.events.push_back(ChatEvent::Delivered(id));
                    }
                }
                Event::Closed(reason) => {
                    self.history = None;
                    if self.ending {
                        self.end();
                    } else {
                        self.events.push_back(ChatEvent::Disconnected(reason));
                    }
                }
                Event::Registered | Event::Authenticated(_) => {}
            }
        }
    }

    fn on_ready(&mut self, jid: Jid, resumed: bool, now: Instant) {
        let mut delivered = Vec::new();
        if !resumed {
            let agent = self.config.agent.clone();
            let _ = self.conn.send_stanza(Presence::default().to_element());
            let _ = self.conn.send_stanza(
                Presence::new(PresenceType::Subscribe, Some(agent.clone())).to_element(),
            );
            let mut p = Presence::new(PresenceType::Available, Some(agent));
            p.show = Some(Show::Chat);
            p.status = Some("available".to_owned());
            let _ = self.conn.send_stanza(p.to_element());
            // Messages the lost session never acknowledged go out again (not presences,
            // chat states or iqs: those belonged to the old session).
            for frame in core::mem::take(&mut self.resend) {
                if let Ok(el) = crate::xml::parse(&frame, crate::ns::CLIENT) {
                    if el.name == "message" && el.get_child("body", crate::ns::CLIENT).is_some() {
                        delivered.extend(self.unacked_message_id(&el));
                        let _ = self.conn.send_stanza(el);
                    }
                }
            }
        }
        for el in core::mem::take(&mut self.outbox) {
            delivered.extend(self.unacked_message_id(&el));
            let _ = self.conn.send_stanza(el);
        }
        self.events.push_back(ChatEvent::Connected { jid, resumed });
        self.events
            .extend(delivered.into_iter().map(ChatEvent::Delivered));
        if resumed {
            // Nothing was lost: the server re-sends what we had not handled.
            self.fetch_after_connect = false;
        }
        if self.fetch_after_connect {
            self.fetch_after_connect = false;
            self.history_first = None;
            self.history_complete = false;
            self.fetch_history(50, now);
        }
        if self.ending {
            self.finish_chat(now);
        }
    }

    fn is_agent(&self, from: Option<&Jid>) -> bool {
        from.is_some_and(|f| f.bare_eq(&self.config.agent))
    }

    fn is_self(&self, from: Option<&Jid>) -> bool {
        match (from, self.conn.jid()) {
            (Some(f), Some(me)) => f.bare_eq(me),
            _ => false,
        }
    }

    fn set_typing(&mut self, typing: bool) {
        if self.agent_typing != typing {
            self.agent_typing = typing;
            self.events.push_back(ChatEvent::AgentTyping(typing));
        }
    }

    /// The de-duplication id of a live message: `uid`, else our archive's stanza-id, else `id`.
    fn dedupe_id(&self, m: &Message) -> Option<String> {
        if let Some(u) = &m.uid {
            return Some(u.clone());
        }
        let me = self.conn.jid();
        let sid = m.stanza_ids.iter().find(|s| match (&s.by, me) {
            (Some(by), Some(me)) => by.bare_eq(me),
            (None, _) => true,
            _ => false,
        });
        sid.map(|s| s.id.clone()).or_else(|| m.id.clone())
    }

    fn on_message(&mut self, m: Message, now: Instant) {
        if let Some(a) = m.archived {
            return self.on_archived(*a, m.from.as_ref());
        }
        if m.kind == MessageType::Error {
            return self.on_bounce(&m);
        }
        if !self.is_agent(m.from.as_ref()) || m.kind == MessageType::Groupchat {
            return;
        }
        if let Some(t) = m.transfer {
            if !t.nickname.is_empty() {
                self.agent_nick = t.nickname.clone();
            }
            self.set_typing(false);
            self.events.push_back(ChatEvent::Transferred {
                nickname: t.nickname,
                firstname: t.firstname,
            });
            return;
        }
        if m.cobrowsing == Some(Cobrowsing::Request) {
            self.events.push_back(ChatEvent::CobrowsingRequested);
            return;
        }
        if m.internal {
            return;
        }
        if let Some(body) = m.body.as_deref().filter(|b| !b.trim().is_empty()) {
            let id = self.dedupe_id(&m).unwrap_or_else(|| self.conn.make_id());
            if self.seen.insert(id.clone()) {
                self.set_typing(false);
                let nick = m.nick.clone().unwrap_or_else(|| self.agent_nick.clone());
                self.events.push_back(ChatEvent::AgentMessage {
                    id,
                    nick,
                    body: body.to_owned(),
                    stamp: m.delay.clone(),
                });
            }
        }
        match m.chat_state {
            Some(ChatState::Composing) => self.set_typing(true),
            Some(ChatState::Closed) | Some(ChatState::Blocked) if !self.ending => {
                self.set_typing(false);
                self.events
                    .push_back(if m.chat_state == Some(ChatState::Closed) {
                        ChatEvent::AgentClosed
                    } else {
                        ChatEvent::Blocked
                    });
                self.ending = true;
                self.finish_chat(now);
            }
            Some(_) => self.set_typing(false),
            None => {}
        }
    }

    fn on_presence(&mut self, p: Presence, now: Instant) {
        if self.is_self(p.from.as_ref()) || !self.is_agent(p.from.as_ref()) {
            return;
        }
        match p.kind {
            PresenceType::Subscribe => {
                let agent = self.config.agent.clone();
                let _ = self
                    .conn
                    .send_stanza(Presence::new(PresenceType::Subscribed, Some(agent)).to_element());
                self.send_state(ChatState::Active);
            }
            PresenceType::Unavailable if self.agent_seen_available => self.agent_gone(),
            PresenceType::Available => {
                self.agent_seen_available = true;
                let status = p
                    .status
                    .as_deref()
                    .or(p.status_attr.as_deref())
                    .map(str::trim);
                let available = match status {
                    Some(s) => s.eq_ignore_ascii_case("available"),
                    None => matches!(p.show, None | Some(Show::Chat)),
                };
                if self.agent_unavailable && available {
                    self.agent_unavailable = false;
                    self.events.push_back(ChatEvent::AgentAvailable);
                    // Bounced while the agent was away: now it can take them, in order.
                    for el in core::mem::take(&mut self.awaiting_agent) {
                        // Still named by a bounce should the agent be gone again.
                        self.remember_sent(&el, now);
                        self.send_or_hold(el);
                    }
                }
            }
            _ => {}
        }
    }

    /// Keeps `el` (our chat message, with its `id`) for [`BOUNCE_WINDOW`], so a bounce can
    /// name it.
    fn remember_sent(&mut self, el: &Element, now: Instant) {
        while let Some((at, _)) = self.recent.front() {
            if now.saturating_duration_since(*at) <= BOUNCE_WINDOW && self.recent.len() < RECENT_MAX
            {
                break;
            }
            self.recent.pop_front();
        }
        self.recent.push_back((now, el.clone()));
    }

    /// An error reply to one of our messages: when it says the agent has no session, the
    /// message waits for the agent to come back. Other errors (a policy refusal) are not ours
    /// to repair by sending again.
    fn on_bounce(&mut self, m: &Message) {
        let Some(id) = m.id.as_deref() else { return };
        // The bounce comes from the agent's address (the server answers for it), or without one.
        if m.from
            .as_ref()
            .is_some_and(|f| !f.bare_eq(&self.config.agent))
        {
            return;
        }
        let away = m
            .error
            .as_ref()
            .is_none_or(|e| AGENT_AWAY.contains(&e.condition.as_str()));
        if !away {
            return;
        }
        let Some(at) = self
            .recent
            .iter()
            .position(|(_, el)| el.attr("id") == Some(id))
        else {
            return;
        };
        if let Some((_, el)) = self.recent.remove(at) {
            self.awaiting_agent.push(el);
            self.agent_gone();
            self.events
                .push_back(ChatEvent::AwaitingAgent(id.to_owned()));
        }
    }

    /// The agent is gone (its presence says so, or the server sent our message back): told
    /// once until it is back.
    fn agent_gone(&mut self) {
        if !self.agent_unavailable {
            self.agent_unavailable = true;
            self.set_typing(false);
            self.events.push_back(ChatEvent::AgentUnavailable);
        }
    }

    fn on_archived(&mut self, a: mam::ArchivedMessage, wrapper_from: Option<&Jid>) {
        // Only our own archive may inject history (a forged result from anyone else is dropped).
        if wrapper_from.is_some_and(|f| !self.is_self(Some(f))) {
            return;
        }
        let Some(q) = &self.history else { return };
        if a.queryid.as_deref().is_some_and(|id| id != q.queryid) {
            return;
        }
        let m = a.message;
        let from_agent = self.is_agent(m.from.as_ref());
        let from_self = m.from.is_none() || self.is_self(m.from.as_ref());
        if m.internal || !(from_agent || from_self) {
            return;
        }
        let Some(body) = m.body.filter(|b| !b.trim().is_empty()) else {
            return;
        };
        // A live copy was known by its uid, else the archive's stanza-id, else its `id` (a
        // server that stamped no stanza-id): any of them means "already shown".
        let live_id = m.id.clone();
        let id = if from_agent {
            m.uid.unwrap_or(a.id)
        } else {
            m.id.unwrap_or(a.id)
        };
        let known = if from_agent {
            let by_id = live_id.is_some_and(|l| self.seen.contains(&l));
            !self.seen.insert(id.clone()) || by_id
        } else {
            self.own_ids.contains(&id)
        };
        if known {
            return;
        }
        if let Some(q) = &mut self.history {
            q.items.push(HistoryMessage {
                id,
                from_agent,
                nick: m.nick,
                body,
                stamp: a.stamp,
            });
        }
    }

    fn on_iq_response(&mut self, iq: crate::stanza::Iq) {
        let Some(q) = self.history.take_if(|q| q.iq_id == iq.id) else {
            return;
        };
        let fin = iq
            .payload
            .as_ref()
            .and_then(|p| mam::Fin::from_element(p).ok());
        let complete = match &fin {
            Some(f) => {
                if f.first.is_some() {
                    self.history_first = f.first.clone();
                }
                f.complete || f.first.is_none()
            }
            // An error (no archive) ends paging.
            None => true,
        };
        self.history_complete = complete;
        self.events.push_back(ChatEvent::History {
            messages: q.items,
            complete,
        });
    }
}

/// The `id` of a frame that is one of our chat messages (a `<message>` with a body).
fn own_message_id(frame: &str) -> Option<String> {
    let el = crate::xml::parse(frame, crate::ns::CLIENT).ok()?;
    if el.name != "message" || el.get_child("body", crate::ns::CLIENT).is_none() {
        return None;
    }
    el.attr("id").map(str::to_owned)
}
