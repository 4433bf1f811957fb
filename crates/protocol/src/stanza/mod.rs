//! RFC 6120 stanzas: `message`, `presence`, `iq`, read from and written to [`Element`]s.
//!
//! Each kind keeps the common attributes typed and the payloads this protocol uses parsed
//! (see the XEP modules). What it does not do: keep unknown payloads of messages and presences
//! (the visitor never needs them), or validate stanza semantics beyond what RFC 6120 requires.

pub mod iq;
pub mod message;
pub mod presence;

pub use iq::{ErrorType, Iq, IqType, StanzaError};
pub use message::{Message, MessageType};
pub use presence::{Presence, PresenceType, Show};

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::xml::Element;

/// Any of the three stanza kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Stanza {
    /// `<message/>`.
    Message(Message),
    /// `<presence/>`.
    Presence(Presence),
    /// `<iq/>`.
    Iq(Iq),
}

impl Stanza {
    /// Whether `el` is a stanza (counted by stream management).
    pub fn is_stanza(el: &Element) -> bool {
        el.ns == ns::CLIENT && matches!(el.name.as_str(), "message" | "presence" | "iq")
    }

    /// Reads a stanza; takes the element so an iq payload is moved, not copied.
    pub fn parse(el: Element) -> Result<Stanza, ParseError> {
        if el.ns != ns::CLIENT {
            return Err(ParseError::WrongElement("not a jabber:client stanza"));
        }
        match el.name.as_str() {
            "message" => Message::from_element(&el).map(Stanza::Message),
            "presence" => Presence::from_element(&el).map(Stanza::Presence),
            "iq" => Iq::from_element(el).map(Stanza::Iq),
            _ => Err(ParseError::WrongElement("not a stanza")),
        }
    }

    /// The stanza as an element.
    pub fn to_element(&self) -> Element {
        match self {
            Stanza::Message(m) => m.to_element(),
            Stanza::Presence(p) => p.to_element(),
            Stanza::Iq(i) => i.to_element(),
        }
    }
}

/// Reads an optional JID attribute.
pub(crate) fn opt_jid(el: &Element, name: &'static str) -> Result<Option<Jid>, ParseError> {
    match el.attr(name) {
        None => Ok(None),
        Some(s) => Jid::parse(s).map(Some).map_err(ParseError::BadJid),
    }
}
