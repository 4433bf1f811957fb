//! The XMPP side of a live chat: one [`Chat`] of `webchat_protocol` on one link at a time (a
//! WebSocket, or BOSH: [`carrier`](super::carrier) chooses), its events turned into what the
//! visitor sees, and what a lost connection means.
//!
//! Each stream gets a new socket id; frames of a socket the core has let go are ignored (its
//! last words). A lost connection is retried with backoff on the same credentials and the
//! chat resumes or logs in again ([`Chat::reconnect`]); a close reason the protocol calls fatal
//! ([`CloseReason::is_fatal`]) ends the attempt instead. A reset leaves the old stream to finish
//! its close on its own link while everything else starts afresh.

use webchat_protocol::api::{ChatSession, XmppCredentials};
use webchat_protocol::{Chat, ChatConfig, ChatEvent, CloseReason, Config, Jid, ResumeState};

use super::carrier::{Carrier, RESUME_OVER_BOSH};
use super::io::{Level, RandomExt, SocketId, Transmit};
use super::lifecycle::{LinkState, Retry, Stage};
use super::timers::Timer;
use super::view::{EndedBy, MessageStatus, Notice};
use super::Session;
use crate::events::{self, Direction, HostEvent};
use crate::visibility::zone::{days_from_civil, is_valid_date, DAY_MS};

/// The chat's connection and what it was made from.
#[derive(Debug, Default)]
pub(crate) struct Link {
    /// The XMPP chat, once the credentials came.
    pub chat: Option<Chat>,
    /// The socket of the chat's current stream.
    pub socket: Option<SocketId>,
    /// `POST chatsessions`'s answer.
    pub session: Option<ChatSession>,
    /// `POST xmppcredentials`'s (or `GET xmppcredentials/{id}`'s) answer.
    pub credentials: Option<XmppCredentials>,
    /// A chat ended by a reset and its link, until the server closed it.
    pub closing: Option<(Chat, SocketId)>,
    /// WebSocket or BOSH, and the BOSH sessions.
    pub carrier: Carrier,
}

impl Session {
    /// Starts the chat's XMPP side with `creds`. `restored` carries the XEP-0198 state of a
    /// chat saved by an earlier page: the transcript already shown is remembered, the archive
    /// is read when the stream cannot be resumed, and the outbox goes out in order.
    pub(super) fn connect(
        &mut self,
        creds: XmppCredentials,
        restored: Option<Option<ResumeState>>,
    ) {
        self.life.attempt = 0;
        let agent = match Jid::parse(&creds.agent.jid) {
            Ok(j) => j,
            Err(e) => {
                self.log(
                    Level::Error,
                    format!(
                        "webchat: the agent's address {:?} is invalid: {e}",
                        creds.agent.jid
                    ),
                );
                return self.give_up_starting();
            }
        };
        let mut config = self.xmpp_config(&creds);
        let resume = restored.clone().flatten();
        config.resume = resume.clone();
        let nick = creds.agent.nickname.clone();
        self.learn_name(&nick, &creds.agent.firstname);
        let name = self.shown_name(&nick);
        self.link.credentials = Some(creds);
        let mut chat = Chat::new(
            ChatConfig {
                connection: config,
                agent,
                agent_nick: nick,
            },
            self.now.at,
        );
        if restored.is_some() {
            let (own, agent) = self.view.shown_ids();
            chat.remember(own, agent);
            chat.fetch_history_when_connected();
            // Messages the saved session had sent but not had acknowledged are re-sent by the
            // resumed stream itself (or by the chat when resumption is refused).
            let handed = resume.map(|r| r.unacked_ids()).unwrap_or_default();
            self.outbox.hand_over(&handed);
        }
        self.link.chat = Some(chat);
        self.life.stage = Stage::Live(LinkState::Connecting);
        // A restored chat keeps the name it had (a transfer may have changed it).
        if restored.is_none() || self.view.agent_name().is_none() {
            self.view.set_agent_name(Some(name));
        }
        self.open_socket();
        self.send_outbox();
        self.pump();
    }

    fn xmpp_config(&mut self, creds: &XmppCredentials) -> Config {
        let c = &creds.credentials;
        let seed = self.random.seed();
        let mut config = Config::new(&c.user, &c.password, &c.domain, &c.resource, seed);
        if self.link.carrier.over_bosh {
            config.resume_timeout = RESUME_OVER_BOSH;
        }
        config
    }

    fn open_socket(&mut self) {
        self.drop_link();
        self.link.socket = Some(self.new_link());
    }

    /// Lets the current stream's link go (closing it). A BOSH link's requests finish on their
    /// own (a terminate may be among them); their answers are no longer wanted.
    pub(super) fn drop_link(&mut self) {
        self.timers.stop(Timer::Opening);
        if let Some(socket) = self.link.socket.take() {
            let linger = self.link.carrier.is_bosh(socket);
            self.forget_bosh(socket);
            self.out
                .transmits
                .push_back(Transmit::Close { socket, linger });
        }
    }

    /// The retry after a lost connection: a new stream with the same credentials.
    pub(super) fn reconnect(&mut self) {
        if !matches!(self.life.stage, Stage::Live(_)) {
            return;
        }
        let Some(creds) = self.link.credentials.clone() else {
            return;
        };
        let config = self.xmpp_config(&creds);
        let now = self.now.at;
        let Some(chat) = self.link.chat.as_mut() else {
            return;
        };
        if chat.reconnect(config, now).is_err() {
            return;
        }
        self.open_socket();
        self.pump();
    }

    // ---- socket events ----

    pub(super) fn socket_frame(&mut self, socket: SocketId, text: &str) {
        if self.link.closing.as_ref().is_some_and(|c| c.1 == socket) {
            return self.closing_event(Some(text));
        }
        if self.link.socket != Some(socket) {
            return; // an old socket's last words
        }
        self.link_opened();
        let now = self.now.at;
        if let Some(chat) = self.link.chat.as_mut() {
            chat.handle_frame(text, now);
            self.pump();
        }
    }

    pub(super) fn socket_closed(&mut self, socket: SocketId) {
        if self.link.closing.as_ref().is_some_and(|c| c.1 == socket) {
            return self.closing_event(None);
        }
        if self.link.socket != Some(socket) || self.link.chat.is_none() {
            return;
        }
        self.fall_back_to_bosh("the connection closed before the stream opened");
        self.drop_link();
        let now = self.now.at;
        if let Some(chat) = self.link.chat.as_mut() {
            chat.handle_transport_closed(now);
        }
        self.pump();
    }

    /// The last frames of a stream left by a reset (`None`: its socket closed): answered until
    /// the server closes it.
    fn closing_event(&mut self, frame: Option<&str>) {
        let now = self.now.at;
        let Some((chat, socket)) = self.link.closing.as_mut() else {
            return;
        };
        match frame {
            Some(text) => chat.handle_frame(text, now),
            None => chat.handle_transport_closed(now),
        }
        let socket = *socket;
        while let Some(text) = chat.poll_transmit() {
            self.out
                .transmits
                .push_back(Transmit::Frame { socket, text });
        }
        self.closing_done();
    }

    /// The closing chat over its BOSH link: frames both ways, then whether it is done.
    pub(super) fn pump_closing(&mut self) {
        let Some((mut chat, socket)) = self.link.closing.take() else {
            return;
        };
        if self.link.carrier.is_bosh(socket) {
            self.pump_bosh(socket, &mut chat);
        }
        self.link.closing = Some((chat, socket));
        self.closing_done();
    }

    /// Drops the closing chat's events; lets its link go once it ended.
    fn closing_done(&mut self) {
        let Some((chat, socket)) = self.link.closing.as_mut() else {
            return;
        };
        while chat.poll_event().is_some() {}
        if chat.is_ended() {
            let socket = *socket;
            self.link.closing = None;
            let linger = self.link.carrier.is_bosh(socket);
            self.forget_bosh(socket);
            self.out
                .transmits
                .push_back(Transmit::Close { socket, linger });
        }
    }

    pub(super) fn chat_timeout(&mut self) {
        let now = self.now.at;
        if let Some(chat) = self.link.chat.as_mut() {
            chat.handle_timeout(now);
            self.pump();
        }
    }

    /// Frames both ways between the current stream and its link (without a link they stay in
    /// the chat: a reconnect starts a new stream anyway).
    pub(super) fn flush_transmit(&mut self) {
        let Some(socket) = self.link.socket else {
            return;
        };
        if self.link.carrier.is_bosh(socket) {
            if let Some(mut chat) = self.link.chat.take() {
                self.pump_bosh(socket, &mut chat);
                self.link.chat = Some(chat);
            }
            return;
        }
        let Some(chat) = self.link.chat.as_mut() else {
            return;
        };
        while let Some(text) = chat.poll_transmit() {
            self.out
                .transmits
                .push_back(Transmit::Frame { socket, text });
        }
    }

    /// Drains the chat: frames out, events into what is shown, the timer re-armed, and the
    /// change saved soon.
    pub(super) fn pump(&mut self) {
        // Events can produce more frames (and the other way round): loop until both are dry.
        loop {
            self.flush_transmit();
            let Some(ev) = self.link.chat.as_mut().and_then(Chat::poll_event) else {
                break;
            };
            self.chat_event(ev);
        }
        match self.link.chat.as_ref().and_then(Chat::poll_timeout) {
            Some(at) => self.timers.set(Timer::Chat, at),
            None => self.timers.stop(Timer::Chat),
        }
        self.save_soon();
    }

    fn chat_event(&mut self, ev: ChatEvent) {
        match ev {
            ChatEvent::Connected { .. } => {
                self.life.attempt = 0;
                if let Stage::Live(_) = self.life.stage {
                    self.life.stage = Stage::Live(LinkState::Up);
                }
            }
            ChatEvent::AgentMessage {
                id,
                nick,
                body,
                stamp,
            } => {
                let name = self.shown_name(&nick);
                // A message the server held back (offline storage) keeps its send time.
                let at = stamp
                    .as_deref()
                    .and_then(stamp_ms)
                    .unwrap_or(self.now.wall_ms);
                if self.view.add_agent_message(&id, &name, &body, Some(at)) {
                    self.emit(HostEvent::Message {
                        direction: Direction::Agent,
                        sender: nick,
                        text: body,
                        id,
                    });
                }
            }
            ChatEvent::AgentTyping(typing) => {
                self.view.set_typing(typing);
                self.emit(HostEvent::AgentTyping { typing });
            }
            ChatEvent::AgentClosed => {
                if !matches!(self.life.stage, Stage::Over { .. }) {
                    self.life.stage = Stage::Over { blocked: false };
                    self.fail_waiting();
                    let (survey, finished) = (self.has_survey(), self.finished_text());
                    self.view.chat_ended(EndedBy::Agent, survey, finished);
                    self.emit(HostEvent::ChatEnded {
                        by: events::EndedBy::Agent,
                    });
                }
            }
            ChatEvent::Blocked => {
                self.life.stage = Stage::Over { blocked: true };
                self.fail_waiting();
                self.view.blocked();
                self.emit(HostEvent::ChatEnded {
                    by: events::EndedBy::Blocked,
                });
            }
            ChatEvent::Transferred {
                firstname,
                nickname,
            } => {
                self.learn_name(&nickname, &firstname);
                let name = self.shown_name(&nickname);
                self.view.agent_transferred(&name);
            }
            ChatEvent::AgentUnavailable => self.view.add_notice(Notice::AgentUnavailable),
            ChatEvent::AgentAvailable => self.view.add_notice(Notice::AgentAvailable),
            ChatEvent::CobrowsingRequested => self.cobrowsing_requested(),
            ChatEvent::Delivered(id) => self.outbox_delivered(&id),
            ChatEvent::AwaitingAgent(id) => self.outbox_awaiting_agent(&id),
            ChatEvent::History { messages, .. } => {
                for m in messages {
                    // The archive's stamp is when it was written; without one, when it came.
                    let at = m
                        .stamp
                        .as_deref()
                        .and_then(stamp_ms)
                        .or(Some(self.now.wall_ms));
                    if m.from_agent {
                        let nick = m.nick.unwrap_or_else(|| self.agent_nick());
                        let name = self.shown_name(&nick);
                        self.view.add_agent_message(&m.id, &name, &m.body, at);
                    } else {
                        let id = m.id.into();
                        self.view
                            .add_visitor_message(&id, &m.body, at, MessageStatus::Sent);
                    }
                }
            }
            ChatEvent::Disconnected(reason) => self.disconnected(reason),
            ChatEvent::Closed => {
                if let Some(socket) = self.link.socket.take() {
                    self.out.transmits.push_back(Transmit::Close {
                        socket,
                        linger: true,
                    });
                }
                self.timers.stop(Timer::Chat);
            }
        }
    }

    fn agent_nick(&self) -> String {
        self.link
            .chat
            .as_ref()
            .map(|c| c.agent_nick().to_owned())
            .unwrap_or_default()
    }

    fn disconnected(&mut self, reason: CloseReason) {
        self.drop_link();
        if !matches!(self.life.stage, Stage::Live(_)) {
            return;
        }
        if reason.is_fatal() {
            // These credentials will never work: the chat cannot go on. The text stays, marked
            // failed, and a retry starts a fresh session.
            let message = format!("webchat: the chat connection failed: {reason}");
            self.log(Level::Error, message.clone());
            self.emit(HostEvent::Error { message });
            self.outbox.fail_in_flight(&mut self.view);
            self.link.chat = None;
            self.link.session = None;
            self.link.credentials = None;
            self.life.stage = Stage::Ready;
            return;
        }
        self.life.stage = Stage::Live(LinkState::Down);
        if std::mem::take(&mut self.link.carrier.switching) {
            // BOSH takes over from a WebSocket that never got through: no reason to wait.
            return self.reconnect();
        }
        self.retry_later(Retry::Reconnect, &format!("connection lost ({reason:?})"));
    }

    /// A reset: `closed` and `<close/>` leave now, and the old stream finishes on its own
    /// socket (the server's `<close/>`, then the socket) while everything else starts afresh.
    pub(super) fn leave_chat(&mut self) {
        if let Some(chat) = self.link.chat.as_mut() {
            chat.close(self.now.at);
        }
        self.flush_transmit();
        if let Some((_, socket)) = self.link.closing.take() {
            let linger = self.link.carrier.is_bosh(socket);
            self.forget_bosh(socket);
            self.out
                .transmits
                .push_back(Transmit::Close { socket, linger });
        }
        match (self.link.chat.take(), self.link.socket) {
            (Some(chat), Some(socket)) if !chat.is_ended() => {
                self.link.socket = None;
                self.link.closing = Some((chat, socket));
            }
            _ => self.drop_link(),
        }
        self.link.session = None;
        self.link.credentials = None;
        self.timers.stop(Timer::Chat);
    }
}

/// An XEP-0082 stamp (`2026-12-05T10:42:00Z`) in ms since the Unix epoch; `None` when it is not
/// a valid date-time.
pub fn stamp_ms(stamp: &str) -> Option<u64> {
    let t = webchat_protocol::time::DateTime::parse(stamp)?;
    if !is_valid_date(t.year, t.month, t.day) {
        return None;
    }
    let ms = days_from_civil(t.year, t.month, t.day) * DAY_MS + t.utc_millis_of_day();
    u64::try_from(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_unix_milliseconds() {
        assert_eq!(stamp_ms("2026-12-05T10:42:00Z"), Some(1_796_467_320_000));
        assert_eq!(stamp_ms("2026-12-05T12:00:00Z"), Some(1_796_472_000_000));
        assert_eq!(
            stamp_ms("2026-12-05T11:42:00.250+01:00"),
            Some(1_796_467_320_250)
        );
        assert_eq!(stamp_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(stamp_ms("1969-12-31T23:59:59Z"), None, "before the epoch");
        assert_eq!(stamp_ms("2026-02-30T10:00:00Z"), None, "no such day");
        assert_eq!(stamp_ms("not a time"), None);
    }
}
