//! What carries the chat's XMPP stream: a WebSocket (RFC 7395), or BOSH (XEP-0124/0206) when
//! WebSockets do not get through.
//!
//! The choice: with a BOSH URL configured, a WebSocket that dies before its stream opened
//! (refused, closed by a proxy) or brings no frame within [`OPENING_MS`] hands over to BOSH at
//! once, and BOSH stays the choice for the rest of the visit (kept under
//! [`TRANSPORT_KEY`](super::continuity::TRANSPORT_KEY)). A stream that opened and died later is
//! an ordinary lost connection: retried on the same transport. Without a BOSH URL nothing
//! changes.
//!
//! Over BOSH each link is one [`bosh::Session`] of `webchat_protocol`; its HTTP requests leave
//! as [`Transmit::Post`] and their answers come back through [`Session::handle_post_reply`].
//! The XMPP chat neither knows nor cares: the BOSH session turns its frames into request
//! bodies and the answers back into frames. This module makes no XMPP decision.

use super::small_map::SmallMap;
use std::time::Duration;

use webchat_protocol::bosh;
use webchat_protocol::Chat;

use super::continuity::TRANSPORT_KEY;
use super::io::{HttpReply, Level, Now, RandomExt, Save, SocketId, Transmit};
use super::timers::Timer;
use super::Session;

/// How long a new WebSocket may take to bring its first frame before BOSH takes over.
pub const OPENING_MS: u64 = 6_000;

/// How long a `<resume/>` over BOSH may go unanswered before the chat binds afresh and reads
/// the archive: servers answer it at once, and Prosody 0.12 never does over BOSH (its stream
/// management fails there), so the usual 20 s would only keep the visitor waiting.
pub const RESUME_OVER_BOSH: Duration = Duration::from_secs(5);

/// The value of the transport key while BOSH is the choice.
const BOSH: &str = "bosh";

/// One BOSH link: its session and the HTTP requests of it still open.
#[derive(Debug)]
pub(crate) struct BoshLink {
    session: bosh::Session,
    /// The session's request ids by the number the driver gives back.
    open: SmallMap<u64, bosh::RequestId>,
}

/// The transport state of the chat's links.
#[derive(Debug, Default)]
pub(crate) struct Carrier {
    /// New streams go over BOSH.
    pub over_bosh: bool,
    /// The current stream's link brought a frame (or its BOSH session was created).
    pub opened: bool,
    /// The link just failed before its stream opened: the next stream goes at once, over BOSH.
    pub switching: bool,
    /// The BOSH links (the current one, and one a reset left to close), by link id.
    bosh: SmallMap<SocketId, BoshLink>,
}

impl Carrier {
    /// Whether link `socket` is a BOSH link.
    pub fn is_bosh(&self, socket: SocketId) -> bool {
        self.bosh.contains_key(&socket)
    }

    /// Whether BOSH is the remembered choice of this visit.
    pub fn remembered(value: Option<&str>) -> bool {
        value == Some(BOSH)
    }
}

impl Session {
    /// A new link for the next stream: a BOSH session when BOSH is the choice, else a WebSocket
    /// (watched for its first frame when there is a BOSH URL to fall back to).
    pub(super) fn new_link(&mut self) -> SocketId {
        self.link.carrier.opened = false;
        self.link.carrier.switching = false;
        if self.bosh_url().is_none() {
            return self.out.connect(&self.options.websocket_url);
        }
        if !self.link.carrier.over_bosh {
            self.timers.set(
                Timer::Opening,
                self.now.at + Duration::from_millis(OPENING_MS),
            );
            return self.out.connect(&self.options.websocket_url);
        }
        let socket = self.out.link_id();
        let mut entropy = [0u8; 8];
        entropy.copy_from_slice(&self.random.seed()[..8]);
        self.link.carrier.bosh.insert(
            socket,
            BoshLink {
                session: bosh::Session::new(bosh::Config::new(entropy)),
                open: SmallMap::new(),
            },
        );
        socket
    }

    fn bosh_url(&self) -> Option<String> {
        self.options.bosh_url.clone().filter(|u| !u.is_empty())
    }

    /// The WebSocket of the current stream died, or brought nothing in time, before its
    /// stream opened: with a BOSH URL, BOSH carries the next stream at once and for the rest
    /// of the visit. Returns whether it did.
    pub(super) fn fall_back_to_bosh(&mut self, why: &str) -> bool {
        if self.link.carrier.opened || self.link.carrier.over_bosh || self.bosh_url().is_none() {
            return false;
        }
        self.log(
            Level::Warn,
            format!("webchat: the WebSocket did not get through ({why}); the chat goes over BOSH (HTTP) from now on"),
        );
        self.link.carrier.over_bosh = true;
        self.link.carrier.switching = true;
        self.write(Save::Set {
            key: TRANSPORT_KEY,
            value: BOSH.to_owned(),
        });
        true
    }

    /// The first frame of a link: its stream opened, so it is no longer watched.
    pub(super) fn link_opened(&mut self) {
        if !self.link.carrier.opened {
            self.link.carrier.opened = true;
            self.timers.stop(Timer::Opening);
        }
    }

    /// [`Timer::Opening`]: the WebSocket brought no frame in time.
    pub(super) fn opening_timed_out(&mut self) {
        let Some(socket) = self.link.socket else {
            return;
        };
        if self.fall_back_to_bosh(&format!("no answer within {} s", OPENING_MS / 1000)) {
            self.socket_closed(socket);
        }
    }

    /// Forgets link `socket`'s BOSH session, if it had one (its requests are aborted with the
    /// link's [`Transmit::Close`]).
    pub(super) fn forget_bosh(&mut self, socket: SocketId) {
        self.link.carrier.bosh.remove(&socket);
        self.arm_bosh_timer();
    }

    /// Moves frames both ways between `chat` and link `socket`'s BOSH session, sends the
    /// requests it asks for, and reports what happened to it.
    pub(super) fn pump_bosh(&mut self, socket: SocketId, chat: &mut Chat) {
        let now = self.now.at;
        let Some(url) = self.bosh_url() else {
            return;
        };
        let Some(link) = self.link.carrier.bosh.get_mut(&socket) else {
            return;
        };
        link.session.pump(chat, now);
        while let Some(r) = link.session.poll_request(now) {
            let request = r.id.as_u64();
            link.open.insert(request, r.id);
            self.out.transmits.push_back(Transmit::Post {
                socket,
                request,
                url: url.clone(),
                body: r.body,
                timeout_ms: u64::try_from(r.timeout.as_millis()).unwrap_or(u64::MAX),
            });
        }
        let mut created = false;
        while let Some(event) = link.session.poll_event() {
            match event {
                bosh::Event::Created(_) => created = true,
                bosh::Event::Retrying {
                    rid,
                    attempt,
                    cause,
                } => self.out.log(
                    Level::Warn,
                    format!("webchat: BOSH request {rid} failed ({cause}); sending it again (attempt {})", attempt + 1),
                ),
                bosh::Event::Ended(Ok(())) => {}
                bosh::Event::Ended(Err(e)) => self.out.log(Level::Warn, format!("webchat: {e}")),
            }
        }
        // Frames the session handed over while its events were read (a terminate's last ones).
        link.session.pump(chat, now);
        if created && self.link.socket == Some(socket) {
            self.link_opened();
        }
        self.arm_bosh_timer();
    }

    /// [`Timer::Bosh`]: every BOSH session's deadlines, then their chats.
    pub(super) fn bosh_timeout(&mut self) {
        let now = self.now.at;
        for link in self.link.carrier.bosh.values_mut() {
            link.session.handle_timeout(now);
        }
        self.pump_links();
    }

    /// An answer (or failure) to a BOSH request of link `socket`.
    pub(super) fn post_reply(&mut self, socket: SocketId, request: u64, reply: HttpReply) {
        let now = self.now.at;
        let Some(link) = self.link.carrier.bosh.get_mut(&socket) else {
            return; // a link let go: its last words
        };
        let Some(id) = link.open.remove(&request) else {
            return;
        };
        match reply {
            HttpReply::Response { status, body } => {
                link.session.handle_response(id, status, &body, now)
            }
            HttpReply::Failed(_) => link.session.handle_failure(id, now),
        }
        self.pump_links();
    }

    /// Pumps the current chat and a closing one over their links.
    fn pump_links(&mut self) {
        if self.link.chat.is_some() {
            self.pump();
        }
        self.pump_closing();
    }

    fn arm_bosh_timer(&mut self) {
        let next = self
            .link
            .carrier
            .bosh
            .values()
            .filter_map(|l| l.session.poll_timeout())
            .min();
        match next {
            Some(at) => self.timers.set(Timer::Bosh, at),
            None => self.timers.stop(Timer::Bosh),
        }
    }
}

impl Session {
    /// An answer to a BOSH request this session asked for with [`Transmit::Post`].
    pub fn handle_post_reply(
        &mut self,
        socket: SocketId,
        request: u64,
        reply: HttpReply,
        now: Now,
    ) {
        if self.begin(now) {
            self.post_reply(socket, request, reply);
            self.finish();
        }
    }
}
