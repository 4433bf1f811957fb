//! XEP-0085 chat states plus the seed's two extensions in the same namespace: `closed` (the
//! chat ended; both sides must send it) and `blocked` (the agent blocked the visitor).
//!
//! What it does not do: the XEP's state-transition rules; the chat layer decides what to send.

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// A chat state element in `http://jabber.org/protocol/chatstates`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatState {
    /// Paying attention.
    Active,
    /// Typing.
    Composing,
    /// Stopped typing.
    Paused,
    /// Not paying attention.
    Inactive,
    /// Left the conversation (XEP-0085).
    Gone,
    /// Not in XEP-0085: the chat is over (`docs/protocol.md` §2, §3).
    Closed,
    /// Not in XEP-0085: the agent blocked the visitor (`docs/protocol.md` §3).
    Blocked,
}

impl ChatState {
    /// The element name.
    pub fn name(self) -> &'static str {
        match self {
            ChatState::Active => "active",
            ChatState::Composing => "composing",
            ChatState::Paused => "paused",
            ChatState::Inactive => "inactive",
            ChatState::Gone => "gone",
            ChatState::Closed => "closed",
            ChatState::Blocked => "blocked",
        }
    }

    /// Reads a chat state element.
    pub fn from_element(el: &Element) -> Result<ChatState, ParseError> {
        if el.ns != ns::CHATSTATES {
            return Err(ParseError::WrongElement("expected a chat state"));
        }
        Ok(match el.name.as_str() {
            "active" => ChatState::Active,
            "composing" => ChatState::Composing,
            "paused" => ChatState::Paused,
            "inactive" => ChatState::Inactive,
            "gone" => ChatState::Gone,
            "closed" => ChatState::Closed,
            "blocked" => ChatState::Blocked,
            _ => return Err(ParseError::WrongElement("unknown chat state")),
        })
    }

    /// Writes the element.
    pub fn to_element(self) -> Element {
        Element::new(self.name(), ns::CHATSTATES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        for (f, s) in [
            (
                "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
                ChatState::Composing,
            ),
            (
                "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
                ChatState::Closed,
            ),
            (
                "<blocked xmlns='http://jabber.org/protocol/chatstates'/>",
                ChatState::Blocked,
            ),
        ] {
            assert_eq!(ChatState::from_element(&parse(f, "").unwrap()), Ok(s));
        }
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            ChatState::Paused.to_element().to_xml(),
            "<paused xmlns=\"http://jabber.org/protocol/chatstates\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(ChatState::from_element(
            &parse(
                "<typing xmlns='http://jabber.org/protocol/chatstates'/>",
                ""
            )
            .unwrap()
        )
        .is_err());
        assert!(
            ChatState::from_element(&parse("<active xmlns='jabber:client'/>", "").unwrap())
                .is_err()
        );
    }
}
