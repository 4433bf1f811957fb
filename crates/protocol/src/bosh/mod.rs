//! XMPP over BOSH (XEP-0124 with XEP-0206) as a second transport for the same client: where a
//! WebSocket cannot be opened (proxies, middleboxes), the frames [`crate::Connection`] and
//! [`crate::Chat`] speak travel in HTTP request and response bodies instead.
//!
//! [`body`] is the `<body/>` wrapper (both directions; devserver's endpoint uses it too),
//! [`session`] the client's session state machine. Driving a chat over BOSH:
//!
//! ```
//! use webchat_protocol::bosh::{self, Session};
//! use webchat_protocol::{Chat, ChatConfig, Config, Instant, Jid};
//!
//! let now = Instant::from_millis(0);
//! let connection = Config::new("v1@webchat.test", "secret", "webchat.test", "web", [7; 16]);
//! let agent = Jid::parse("agent@internal.webchat.test").unwrap();
//! let mut chat = Chat::new(ChatConfig { connection, agent, agent_nick: "agent".into() }, now);
//! let mut bosh = Session::new(bosh::Config::new([9; 8]));
//! // After every input to either (a frame, a response, a timer, a chat command):
//! bosh.pump(&mut chat, now);
//! let request = bosh.poll_request(now).expect("the session creation request");
//! assert!(request.body.contains("xmpp:version=\"1.0\""));
//! // POST request.body to the BOSH URL; then bosh.handle_response(request.id, status, &text, now)
//! // (or bosh.handle_failure(request.id, now)), pump again, poll requests again. Timers: the
//! // earlier of chat.poll_timeout() and bosh.poll_timeout(); call both handle_timeout()s.
//! ```
//!
//! A reconnect is a new [`Session`] with [`crate::Chat::reconnect`], as a new WebSocket would be.

pub mod body;
pub mod session;

pub use body::{Body, BodyError, Condition};
pub use session::{Config, Error, Event, Failure, Params, Request, RequestId, Session};

use crate::time::Instant;

/// An XMPP client that speaks RFC 7395 frames: what a transport moves data for.
pub trait Frames {
    /// One frame from the server.
    fn handle_frame(&mut self, frame: &str, now: Instant);
    /// The transport is gone.
    fn handle_transport_closed(&mut self, now: Instant);
    /// The next frame to send.
    fn poll_transmit(&mut self) -> Option<String>;
}

impl Frames for crate::Connection {
    fn handle_frame(&mut self, frame: &str, now: Instant) {
        crate::Connection::handle_frame(self, frame, now)
    }
    fn handle_transport_closed(&mut self, now: Instant) {
        crate::Connection::handle_transport_closed(self, now)
    }
    fn poll_transmit(&mut self) -> Option<String> {
        crate::Connection::poll_transmit(self)
    }
}

impl Frames for crate::Chat {
    fn handle_frame(&mut self, frame: &str, now: Instant) {
        crate::Chat::handle_frame(self, frame, now)
    }
    fn handle_transport_closed(&mut self, now: Instant) {
        crate::Chat::handle_transport_closed(self, now)
    }
    fn poll_transmit(&mut self) -> Option<String> {
        crate::Chat::poll_transmit(self)
    }
}
