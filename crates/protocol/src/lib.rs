//! Sans-IO core of webchat: XMPP over WebSocket (RFC 7395), SASL, the stanzas and XEPs the
//! chat uses, the visitor chat state machine, and the Public API types.
//!
//! Nothing here does I/O or reads a clock (quinn-proto style): the widget (browser WebSocket,
//! `performance.now()`, `crypto.getRandomValues`) and native drivers (devserver, tests) feed
//! frames, timer expiries and randomness in, and drain frames to send, events and the next
//! wake-up time out.
//!
//! ```
//! use webchat_protocol::{Chat, ChatConfig, ChatEvent, Config, Instant, Jid};
//!
//! let entropy = [7u8; 16]; // from crypto.getRandomValues in the browser
//! let connection = Config::new("anonymous.470d@webchat.test", "secret", "webchat.test", "web", entropy);
//! let agent = Jid::parse("58b92dcec1bab6.36437731@internal.webchat.test").unwrap();
//! let mut chat = Chat::new(ChatConfig { connection, agent, agent_nick: "agent3".into() }, Instant::from_millis(0));
//! // Send every frame on the WebSocket (subprotocol "xmpp"):
//! assert_eq!(
//!     chat.poll_transmit().as_deref(),
//!     Some("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>")
//! );
//! // Then, for each WebSocket message: chat.handle_frame(text, now); drain poll_transmit()
//! // and poll_event(); re-arm a timer at poll_timeout() that calls handle_timeout(now).
//! while let Some(ev) = chat.poll_event() {
//!     if let ChatEvent::AgentMessage { nick, body, .. } = ev {
//!         println!("{nick}: {body}"); // always text, never HTML
//!     }
//! }
//! ```
//!
//! Losing nothing: with XEP-0198 on (both real servers offer it), save
//! [`Chat::resume_state`] (serde, e.g. JSON in `sessionStorage`) after handling frames. When the
//! socket dies, [`ChatEvent::Disconnected`] arrives; open a new WebSocket and call
//! [`Chat::reconnect`] with fresh entropy: the session resumes ([`ChatEvent::Connected`] with
//! `resumed: true`, unacknowledged messages resent), or a new one is bound, the presences are
//! sent again, unacknowledged messages are resent and the archive is fetched
//! ([`ChatEvent::History`]). After a page reload, put the saved state in
//! [`Config::resume`] of the new chat. Messages written while disconnected wait and go out
//! after the presences.
//!
//! Module map: [`xml`] (one element per frame), [`jid`], [`framing`], [`features`],
//! [`stream_error`], [`stanza`], one module per XEP ([`chatstates`], [`nick`], [`ping`],
//! [`stanza_id`], [`sm`], [`mam`], [`roster`], [`register`], [`bind`]), the seed's payloads
//! ([`forward`], [`cobrowsing`]), [`sasl`] (client and server side), [`connection`] (generic
//! XMPP client), [`visitor`] (the chat), [`bosh`] (the same client over HTTP long-polling when
//! WebSockets are blocked), [`api`] (REST types), [`widget_config`] (the campaign's livechat
//! configuration) and [`forms`] (what the visitor's forms send, and their checks).

pub mod api;
pub mod bind;
pub mod bosh;
pub mod chatstates;
pub mod cobrowsing;
pub mod connection;
pub mod error;
pub mod features;
pub mod forms;
pub mod forward;
pub mod framing;
pub mod jid;
pub mod mam;
pub mod nick;
pub mod ns;
pub mod ping;
pub mod register;
pub mod roster;
pub mod sasl;
pub mod sm;
pub mod stanza;
pub mod stanza_id;
pub mod stream_error;
pub mod time;
pub mod visitor;
pub mod widget_config;
pub mod xml;

pub use chatstates::ChatState;
pub use connection::{CloseReason, Config, Connection, ConnectionClosed, Event};
pub use jid::Jid;
pub use sasl::Mechanism;
pub use sm::ResumeState;
pub use time::Instant;
pub use visitor::{Chat, ChatConfig, ChatEnded, ChatEvent, HistoryMessage};
pub use xml::Element;
