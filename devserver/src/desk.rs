//! The agent side of every chat, whatever XMPP deployment carries it.
//!
//! What it does: knows which visitor account belongs to which chat session (linked when
//! credentials are minted), reads every stanza a visitor sends to an agent and turns it into
//! what the rest of devserver shows — session status (`created → active` when the visitor's
//! directed presence arrives, `closed` on a `closed` chat state from either side), the
//! transcript, the visitor typing, online state and co-browsing answers — and turns agent
//! actions (console, bot, control surface) into the stanzas of `docs/protocol.md` §3, built with the
//! protocol crate (`chatstates`, `nick`, `forward`, `cobrowsing`). It keeps the stanzas each
//! agent received for the test control surface.
//! What it does not: move bytes. Stanzas go out through an [`AgentOutlet`] (the embedded
//! router, or an external agent's XMPP client) and come in through [`Desk::incoming`].
//! Every stanza to a visitor is sent from the agent JID in the visitor's credentials, even
//! after a transfer, because the visitor only accepts stanzas from that JID (bare compare).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use webchat_protocol::api::{AgentInfo, ChatSessionStatus, Sender, TranscriptMessage};
use webchat_protocol::chatstates::ChatState;
use webchat_protocol::cobrowsing::Cobrowsing;
use webchat_protocol::forward::Transfer;
use webchat_protocol::stanza::{Message, MessageType, Presence, PresenceType, Show, Stanza};
use webchat_protocol::{Element, Jid};

use crate::hub::Hub;
use crate::ids;

/// How the desk's stanzas reach visitors.
pub trait AgentOutlet: Send + Sync + 'static {
    /// Sends `stanza` (with `to` set) as the agent whose bare JID is `agent`.
    fn send(&self, agent: &Jid, stanza: Element) -> Result<(), String>;
}

/// Something the bot (or another automatic agent) may react to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEvent {
    /// A visitor wrote to the agent currently handling the session.
    VisitorMessage {
        session_id: String,
        /// The nickname of the session's current agent.
        agent: String,
        body: String,
    },
}

/// What the agent sees live about a chat (beside the hub's status and transcript).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Live {
    /// The visitor's bare JID (latest credentials), once credentials were minted.
    pub visitor_jid: Option<String>,
    /// The agent JID the visitor talks to (stays the same across transfers).
    pub agent_jid: Option<String>,
    /// The visitor's directed presence arrived and no `unavailable` since.
    pub visitor_online: bool,
    /// The visitor's last chat state (`composing`, `paused`, `active`…).
    pub visitor_state: Option<&'static str>,
    /// `requested`, `accepted` or `denied`.
    pub cobrowsing: Option<&'static str>,
    /// The agent sent `unavailable` to this visitor (away).
    pub agent_away: bool,
}

/// A stanza an agent received (test control surface).
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub seq: u64,
    pub time_ms: u64,
    /// The agent's bare JID (the one the stanza was addressed to).
    pub agent: String,
    pub from: Option<String>,
    /// The chat session of the sender, when it is a visitor with credentials.
    pub session: Option<String>,
    pub xml: String,
}

/// A typing state an agent can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Typing {
    Composing,
    Paused,
    Active,
}

/// What an agent does in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgentAction {
    Message {
        body: String,
    },
    Typing {
        state: Typing,
    },
    Close,
    Block,
    Transfer {
        to: String,
    },
    /// `unavailable` to every visitor of the agent.
    Away,
    /// `available` (`chat`, `available`) to every visitor of the agent.
    Back,
    Cobrowse,
}

/// Why an agent action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskError {
    UnknownSession,
    /// No credentials were minted for the session yet: there is no visitor to write to.
    NoVisitor,
    /// The chat is closed.
    Closed,
    EmptyMessage,
    /// Transfer target is not signed in.
    UnknownAgent(String),
    /// Transfer to the agent that already has the chat.
    SameAgent,
    /// The XMPP side could not send.
    Unreachable(String),
}

impl fmt::Display for DeskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeskError::UnknownSession => f.write_str("no such chat session"),
            DeskError::NoVisitor => {
                f.write_str("the visitor has no XMPP account yet (no xmppcredentials)")
            }
            DeskError::Closed => f.write_str("the chat is closed"),
            DeskError::EmptyMessage => f.write_str("a message needs some text"),
            DeskError::UnknownAgent(n) => write!(f, "agent {n:?} is not signed in"),
            DeskError::SameAgent => f.write_str("the chat is already with that agent"),
            DeskError::Unreachable(why) => write!(f, "cannot reach the visitor: {why}"),
        }
    }
}

impl std::error::Error for DeskError {}

struct Link {
    session_id: String,
}

#[derive(Default)]
struct Inner {
    /// Visitor bare JID (lowercase) → session.
    links: HashMap<String, Link>,
    /// Session → live state.
    live: HashMap<String, Live>,
    /// Agent bare JID (lowercase) → stanzas received, oldest first.
    received: HashMap<String, VecDeque<Received>>,
    seq: u64,
}

/// Most received stanzas kept per agent.
const MAX_RECEIVED: usize = 2000;

/// An in-process agent (the bot) that answers visitor messages as they arrive.
pub type Responder = Arc<dyn Fn(&Desk, &DeskEvent) + Send + Sync>;

struct Shared {
    hub: Hub,
    outlet: OnceLock<Arc<dyn AgentOutlet>>,
    /// Called inline, on the task that delivered the visitor's stanza, with no lock held.
    /// Inline rather than through the broadcast: a task hop and a cross-thread wake-up per
    /// message were most of the bot's reply latency under load, and one bot task serialised
    /// every chat on one core.
    responder: OnceLock<Responder>,
    inner: Mutex<Inner>,
    events: broadcast::Sender<DeskEvent>,
}

/// Cheap to clone: every clone is the same desk.
#[derive(Clone)]
pub struct Desk {
    shared: Arc<Shared>,
}

impl fmt::Debug for Desk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

fn key(jid: &str) -> String {
    jid.to_ascii_lowercase()
}

impl Desk {
    pub fn new(hub: Hub) -> Desk {
        let (events, _) = broadcast::channel(1024);
        Desk {
            shared: Arc::new(Shared {
                hub,
                outlet: OnceLock::new(),
                responder: OnceLock::new(),
                inner: Mutex::new(Inner::default()),
                events,
            }),
        }
    }

    /// Connects the desk to the XMPP side (once, when the backend starts).
    pub fn set_outlet(&self, outlet: Arc<dyn AgentOutlet>) {
        let _ = self.shared.outlet.set(outlet);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn hub(&self) -> &Hub {
        &self.shared.hub
    }

    /// Installs the in-process agent that answers visitor messages (once; see [`Responder`]).
    pub fn set_responder(&self, responder: Responder) {
        let _ = self.shared.responder.set(responder);
    }

    /// Visitor messages from now on, for listeners that may lag behind.
    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.shared.events.subscribe()
    }

    /// Credentials were minted: stanzas from `visitor` (bare) belong to `session_id`, and the
    /// agent answers from `agent` (bare).
    pub fn link(&self, visitor: &str, session_id: &str, agent: &str) {
        let mut inner = self.lock();
        inner.links.insert(
            key(visitor),
            Link {
                session_id: session_id.to_owned(),
            },
        );
        let live = inner.live.entry(session_id.to_owned()).or_default();
        live.visitor_jid = Some(visitor.to_owned());
        live.agent_jid = Some(agent.to_owned());
    }

    /// The live state of a session (default when nothing happened yet).
    pub fn live(&self, session_id: &str) -> Live {
        self.lock()
            .live
            .get(session_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The session a visitor account belongs to.
    pub fn session_of(&self, visitor_bare: &str) -> Option<String> {
        self.lock()
            .links
            .get(&key(visitor_bare))
            .map(|l| l.session_id.clone())
    }

    /// Stanzas received by the agent with this bare JID, oldest first.
    pub fn received(&self, agent_bare: &str) -> Vec<Received> {
        self.lock()
            .received
            .get(&key(agent_bare))
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// How many chats that are not closed talk to visitors through this agent JID (bare). After
    /// a transfer that is more than the agent's own chats: the visitor keeps writing to, and
    /// only accepts stanzas from, the JID in its credentials.
    pub fn open_chats_via(&self, agent_bare: &str) -> usize {
        let sessions: Vec<String> = {
            let inner = self.lock();
            inner
                .live
                .iter()
                .filter(|(_, l)| {
                    l.agent_jid
                        .as_deref()
                        .is_some_and(|j| j.eq_ignore_ascii_case(agent_bare))
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        sessions
            .iter()
            .filter(|id| {
                self.hub()
                    .session(id)
                    .is_some_and(|s| s.status != ChatSessionStatus::Closed)
            })
            .count()
    }

    /// Whether an agent with this nickname is signed in.
    pub fn agent_signed_in(&self, nickname: &str) -> bool {
        self.hub().agent_by_nickname(nickname).is_some()
    }

    /// Stanzas the agent side received from this session's visitor, whichever agent JID they
    /// were addressed to, oldest first.
    pub fn received_in(&self, session_id: &str) -> Vec<Received> {
        let inner = self.lock();
        let mut all: Vec<Received> = inner
            .received
            .values()
            .flatten()
            .filter(|r| r.session.as_deref() == Some(session_id))
            .cloned()
            .collect();
        all.sort_by_key(|r| r.seq);
        all
    }

    fn update_live(&self, session_id: &str, f: impl FnOnce(&mut Live)) {
        {
            let mut inner = self.lock();
            f(inner.live.entry(session_id.to_owned()).or_default());
        }
        self.hub().touch(session_id);
    }

    /// A stanza addressed to the agent `agent` (bare or full JID) arrived.
    pub fn incoming(&self, agent: &Jid, el: Element) {
        let from = el.attr("from").map(str::to_owned);
        {
            let mut inner = self.lock();
            inner.seq += 1;
            let session = from
                .as_deref()
                .and_then(|f| Jid::parse(f).ok())
                .and_then(|f| inner.links.get(&key(f.bare())))
                .map(|l| l.session_id.clone());
            let r = Received {
                seq: inner.seq,
                time_ms: ids::now_ms(),
                agent: agent.bare().to_owned(),
                from: from.clone(),
                session,
                xml: el.to_xml(),
            };
            let q = inner.received.entry(key(agent.bare())).or_default();
            if q.len() == MAX_RECEIVED {
                q.pop_front();
            }
            q.push_back(r);
        }
        let Ok(stanza) = Stanza::parse(el) else {
            return;
        };
        let from = match &stanza {
            Stanza::Message(m) => m.from.clone(),
            Stanza::Presence(p) => p.from.clone(),
            Stanza::Iq(_) => return,
        };
        let Some(from) = from else { return };
        let Some(session_id) = self.session_of(from.bare()) else {
            return;
        };
        let agent_bare = agent.to_bare();
        match stanza {
            Stanza::Presence(p) => self.on_presence(&session_id, &agent_bare, &from, p),
            Stanza::Message(m) => self.on_message(&session_id, &from, m),
            Stanza::Iq(_) => {}
        }
    }

    fn on_presence(&self, session_id: &str, agent: &Jid, from: &Jid, p: Presence) {
        let visitor = from.to_bare();
        match p.kind {
            PresenceType::Subscribe => {
                // The agent side approves and asks back (the seed: the visitor then answers
                // `subscribed` and `active`), then tells its availability.
                let away = self.live(session_id).agent_away;
                let out = [
                    Presence::new(PresenceType::Subscribed, Some(visitor.clone())),
                    Presence::new(PresenceType::Subscribe, Some(visitor.clone())),
                    availability(&visitor, !away),
                ];
                for p in out {
                    let _ = self.send(agent, p.to_element());
                }
            }
            PresenceType::Available => {
                self.update_live(session_id, |l| l.visitor_online = true);
                let _ = self.hub().set_status(session_id, ChatSessionStatus::Active);
            }
            PresenceType::Unavailable => self.update_live(session_id, |l| {
                l.visitor_online = false;
                l.visitor_state = None;
            }),
            _ => {}
        }
    }

    fn on_message(&self, session_id: &str, from: &Jid, m: Message) {
        if matches!(m.kind, MessageType::Error | MessageType::Groupchat) {
            return;
        }
        if let Some(answer) = m.cobrowsing {
            let state = match answer {
                Cobrowsing::Accepted => "accepted",
                Cobrowsing::Denied => "denied",
                Cobrowsing::Request => return,
            };
            return self.update_live(session_id, |l| l.cobrowsing = Some(state));
        }
        if m.internal {
            return;
        }
        let mut event = None;
        if let Some(body) = m.body.as_deref().filter(|b| !b.trim().is_empty()) {
            let id =
                m.id.clone()
                    .or_else(|| m.stanza_ids.first().map(|s| s.id.clone()))
                    .unwrap_or_else(|| ids::random_id(16));
            let message = TranscriptMessage {
                id: TranscriptMessage::visitor_message_id(from.bare(), &id),
                from: Sender::Visitor,
                nick: None,
                body: body.to_owned(),
                timestamp: ids::now_ms(),
            };
            if let Ok(true) = self.hub().record_message(session_id, message) {
                let agent = self
                    .hub()
                    .session_and_agent(session_id)
                    .map(|(_, a)| a.nickname)
                    .unwrap_or_default();
                event = Some(DeskEvent::VisitorMessage {
                    session_id: session_id.to_owned(),
                    agent,
                    body: body.to_owned(),
                });
            }
        }
        match m.chat_state {
            Some(ChatState::Closed) => {
                self.update_live(session_id, |l| l.visitor_state = Some("closed"));
                let _ = self.hub().set_status(session_id, ChatSessionStatus::Closed);
            }
            Some(ChatState::Blocked) | None => {}
            Some(s) => {
                let name = s.name();
                self.update_live(session_id, |l| l.visitor_state = Some(name));
            }
        }
        // After the whole stanza is applied, so an answer sees the visitor's state.
        if let Some(event) = event {
            if let Some(responder) = self.shared.responder.get() {
                responder(self, &event);
            }
            let _ = self.shared.events.send(event);
        }
    }

    fn send(&self, agent: &Jid, stanza: Element) -> Result<(), DeskError> {
        let outlet = self
            .shared
            .outlet
            .get()
            .ok_or_else(|| DeskError::Unreachable("no XMPP backend is connected".into()))?;
        outlet.send(agent, stanza).map_err(DeskError::Unreachable)
    }

    /// Who and where: the visitor's bare JID, the agent JID it talks to, the current agent.
    fn target(&self, session_id: &str) -> Result<(Jid, Jid, AgentInfo), DeskError> {
        let (session, current) = self
            .hub()
            .session_and_agent(session_id)
            .ok_or(DeskError::UnknownSession)?;
        let live = self.live(session_id);
        let visitor = live
            .visitor_jid
            .as_deref()
            .and_then(|j| Jid::parse(j).ok())
            .ok_or(DeskError::NoVisitor)?;
        let agent = live
            .agent_jid
            .as_deref()
            .and_then(|j| Jid::parse(j).ok())
            .ok_or(DeskError::NoVisitor)?;
        if session.status == ChatSessionStatus::Closed {
            return Err(DeskError::Closed);
        }
        Ok((visitor, agent, current))
    }

    /// The current agent acts in a session.
    pub fn act(&self, session_id: &str, action: AgentAction) -> Result<(), DeskError> {
        let (visitor, agent_jid, agent) = self.target(session_id)?;
        match action {
            AgentAction::Message { body } => {
                if body.trim().is_empty() {
                    return Err(DeskError::EmptyMessage);
                }
                let uid = uuid_like();
                let mut m = agent_message(&visitor, &agent, &uid);
                m.body = Some(body.clone());
                m.chat_state = Some(ChatState::Active);
                self.send(&agent_jid, with_agent_id(m, &agent))?;
                let _ = self.hub().record_message(
                    session_id,
                    TranscriptMessage {
                        id: uid,
                        from: Sender::Agent,
                        nick: Some(agent.nickname.clone()),
                        body,
                        timestamp: ids::now_ms(),
                    },
                );
                Ok(())
            }
            AgentAction::Typing { state } => {
                let mut m = Message::chat(visitor);
                m.chat_state = Some(match state {
                    Typing::Composing => ChatState::Composing,
                    Typing::Paused => ChatState::Paused,
                    Typing::Active => ChatState::Active,
                });
                self.send(&agent_jid, m.to_element())
            }
            AgentAction::Close | AgentAction::Block => {
                let state = if action == AgentAction::Close {
                    ChatState::Closed
                } else {
                    ChatState::Blocked
                };
                let mut m = agent_message(&visitor, &agent, &uuid_like());
                m.chat_state = Some(state);
                self.send(&agent_jid, with_agent_id(m, &agent))?;
                let _ = self.hub().set_status(session_id, ChatSessionStatus::Closed);
                Ok(())
            }
            AgentAction::Transfer { to } => {
                let target = self
                    .hub()
                    .agent_by_nickname(&to)
                    .ok_or(DeskError::UnknownAgent(to))?;
                if target.info.nickname == agent.nickname {
                    return Err(DeskError::SameAgent);
                }
                let mut m = agent_message(&visitor, &target.info, &uuid_like());
                m.body = Some("visitor_forward_message".to_owned());
                m.transfer = Some(Transfer {
                    nickname: target.info.nickname.clone(),
                    firstname: target.info.firstname.clone(),
                });
                self.send(&agent_jid, with_agent_id(m, &target.info))?;
                self.hub()
                    .reassign(session_id, target.info)
                    .map_err(|_| DeskError::UnknownSession)?;
                Ok(())
            }
            AgentAction::Away | AgentAction::Back => {
                self.set_agent_presence(&agent.nickname, action == AgentAction::Back);
                Ok(())
            }
            AgentAction::Cobrowse => {
                let mut m = Message::chat(visitor);
                m.cobrowsing = Some(Cobrowsing::Request);
                self.send(&agent_jid, m.to_element())?;
                self.update_live(session_id, |l| l.cobrowsing = Some("requested"));
                Ok(())
            }
        }
    }

    /// Away (`false`) or back (`true`): a directed presence to every visitor in an open chat
    /// with this agent. Directed, so that the agent's own session stays available and
    /// messages keep reaching it on real servers.
    pub fn set_agent_presence(&self, nickname: &str, available: bool) {
        for view in self.hub().sessions_of_agent(nickname) {
            if view.session.status == ChatSessionStatus::Closed {
                continue;
            }
            let id = view.session.id.clone();
            let Ok((visitor, agent_jid, _)) = self.target(&id) else {
                continue;
            };
            if self.live(&id).agent_away != available {
                continue;
            }
            let _ = self.send(&agent_jid, availability(&visitor, available).to_element());
            self.update_live(&id, |l| l.agent_away = !available);
        }
    }
}

/// `available` (`chat` + `available`, as the visitor sends it) or `unavailable` to `to`.
fn availability(to: &Jid, available: bool) -> Presence {
    if available {
        let mut p = Presence::new(PresenceType::Available, Some(to.clone()));
        p.show = Some(Show::Chat);
        p.status = Some("available".to_owned());
        p
    } else {
        Presence::new(PresenceType::Unavailable, Some(to.clone()))
    }
}

/// A chat message from `agent` with the seed's `uid` and nick.
fn agent_message(to: &Jid, agent: &AgentInfo, uid: &str) -> Message {
    let mut m = Message::chat(to.clone());
    m.id = Some(uid.to_owned());
    m.uid = Some(uid.to_owned());
    m.nick = Some(agent.nickname.clone());
    m
}

/// The seed's `agent_id` attribute (the protocol crate reads it but does not write it).
fn with_agent_id(m: Message, agent: &AgentInfo) -> Element {
    let mut el = m.to_element();
    el.set_attr("agent_id", &agent.nickname);
    el
}

/// A random id shaped like the seed's `uid` (8-4-4-4-12 hex).
fn uuid_like() -> String {
    let h = ids::random_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns;
    use webchat_protocol::api::ChatSessionRequest;
    use webchat_protocol::xml::parse;

    #[derive(Default)]
    struct Capture(Mutex<Vec<(String, Element)>>);

    impl AgentOutlet for Capture {
        fn send(&self, agent: &Jid, stanza: Element) -> Result<(), String> {
            self.0.lock().unwrap().push((agent.to_string(), stanza));
            Ok(())
        }
    }

    fn setup() -> (Hub, Desk, Arc<Capture>, String) {
        let hub = Hub::new(
            campaigns::defaults(),
            AgentInfo {
                firstname: "James".into(),
                nickname: "agent1".into(),
                jid: "agent1@internal.webchat.test".into(),
            },
        );
        hub.force_availability(campaigns::ENGLISH, Some(true));
        let s = hub
            .create_session(
                ChatSessionRequest {
                    campaign_id: campaigns::ENGLISH.into(),
                    ..Default::default()
                },
                0,
            )
            .unwrap();
        let desk = Desk::new(hub.clone());
        let cap = Arc::new(Capture::default());
        desk.set_outlet(cap.clone());
        desk.link("v1@webchat.test", &s.id, "agent1@internal.webchat.test");
        (hub, desk, cap, s.id)
    }

    fn from_visitor(desk: &Desk, xml: &str) {
        let el = parse(xml, "jabber:client").unwrap();
        desk.incoming(&Jid::parse("agent1@internal.webchat.test").unwrap(), el);
    }

    #[test]
    fn presences_activate_and_messages_are_recorded() {
        let (hub, desk, cap, id) = setup();
        from_visitor(
            &desk,
            "<presence from='v1@webchat.test/r' to='agent1@internal.webchat.test' type='subscribe'/>",
        );
        let sent: Vec<String> = cap
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, e)| e.to_xml())
            .collect();
        assert_eq!(sent.len(), 3);
        assert!(sent[1].contains("type=\"subscribe\""));
        assert!(sent[2].contains("<show>chat</show><status>available</status>"));
        from_visitor(
            &desk,
            "<presence from='v1@webchat.test/r' to='agent1@internal.webchat.test'><show>chat</show></presence>",
        );
        assert_eq!(hub.session(&id).unwrap().status, ChatSessionStatus::Active);
        from_visitor(
            &desk,
            "<message type='chat' id='m1' from='v1@webchat.test/r'><body>hi &lt;b&gt;</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        let t = hub.transcript(&id).unwrap().messages;
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].body, "hi <b>");
        from_visitor(
            &desk,
            "<message type='chat' from='v1@webchat.test/r'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        assert_eq!(desk.live(&id).visitor_state, Some("composing"));
        assert_eq!(desk.received("agent1@internal.webchat.test").len(), 4);
        from_visitor(
            &desk,
            "<message type='chat' from='v1@webchat.test/r'><closed xmlns='http://jabber.org/protocol/chatstates'/></message>",
        );
        assert_eq!(hub.session(&id).unwrap().status, ChatSessionStatus::Closed);
        assert_eq!(
            desk.act(&id, AgentAction::Message { body: "x".into() }),
            Err(DeskError::Closed)
        );
    }

    #[test]
    fn agent_actions_become_seed_stanzas() {
        let (hub, desk, cap, id) = setup();
        desk.act(
            &id,
            AgentAction::Message {
                body: "hello".into(),
            },
        )
        .unwrap();
        desk.act(
            &id,
            AgentAction::Typing {
                state: Typing::Composing,
            },
        )
        .unwrap();
        desk.act(&id, AgentAction::Cobrowse).unwrap();
        assert_eq!(
            desk.act(
                &id,
                AgentAction::Transfer {
                    to: "nobody".into()
                }
            ),
            Err(DeskError::UnknownAgent("nobody".into()))
        );
        desk.act(&id, AgentAction::Away).unwrap();
        desk.act(&id, AgentAction::Close).unwrap();
        let sent: Vec<Message> = cap
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, e)| e.name == "message")
            .map(|(_, e)| Message::from_element(e).unwrap())
            .collect();
        assert_eq!(sent[0].body.as_deref(), Some("hello"));
        assert_eq!(sent[0].nick.as_deref(), Some("agent1"));
        assert!(sent[0].uid.is_some());
        assert_eq!(sent[1].chat_state, Some(ChatState::Composing));
        assert_eq!(sent[2].cobrowsing, Some(Cobrowsing::Request));
        assert_eq!(sent[3].chat_state, Some(ChatState::Closed));
        let presences = cap
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, e)| e.name == "presence")
            .count();
        assert_eq!(presences, 1);
        assert_eq!(hub.session(&id).unwrap().status, ChatSessionStatus::Closed);
        assert_eq!(hub.transcript(&id).unwrap().messages[0].from, Sender::Agent);
    }
}
