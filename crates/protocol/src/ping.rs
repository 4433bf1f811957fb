//! XEP-0199 ping: the payload `<ping xmlns="urn:xmpp:ping"/>`, used by servers to check the
//! client (answered by the connection) and by the client's keepalive when stream management
//! is not enabled.
//!
//! What it does not do: schedule pings (the connection's keepalive does).

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// The ping payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping;

impl Ping {
    /// Reads a `<ping/>`.
    pub fn from_element(el: &Element) -> Result<Ping, ParseError> {
        if !el.is("ping", ns::PING) {
            return Err(ParseError::WrongElement("expected ping"));
        }
        if !el.children.is_empty() {
            return Err(ParseError::BadValue("ping has content"));
        }
        Ok(Ping)
    }

    /// Writes the payload.
    pub fn to_element(self) -> Element {
        Element::new("ping", ns::PING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        assert_eq!(
            Ping::from_element(&parse("<ping xmlns='urn:xmpp:ping'/>", "").unwrap()),
            Ok(Ping)
        );
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            Ping.to_element().to_xml(),
            "<ping xmlns=\"urn:xmpp:ping\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(
            Ping::from_element(&parse("<ping xmlns='urn:xmpp:ping'>x</ping>", "").unwrap())
                .is_err()
        );
        assert!(Ping::from_element(&parse("<pong xmlns='urn:xmpp:ping'/>", "").unwrap()).is_err());
    }
}
