//! RFC 7395 WebSocket framing: `<open/>` starts (and restarts) a stream, `<close/>` ends it.
//! Each WebSocket message holds exactly one of these or one stanza/nonza.
//!
//! What it does not do: the WebSocket itself (the browser or a native driver does), or
//! `see-other-uri` redirects beyond reporting them.

use crate::error::ParseError;
use crate::ns;
use crate::xml::{escape_into, Element};

/// The client's `<open/>` to `domain`.
pub fn open(domain: &str) -> String {
    let mut s = String::with_capacity(96);
    s.push_str("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"");
    escape_into(&mut s, domain, true);
    s.push_str("\" version=\"1.0\"/>");
    s
}

/// The `<close/>` frame.
pub const CLOSE: &str = "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>";

/// The server's `<open/>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Open {
    /// Stream id.
    pub id: Option<String>,
    /// The server's domain.
    pub from: Option<String>,
    /// Must be `1.0`.
    pub version: Option<String>,
}

impl Open {
    /// Reads `<open/>`.
    pub fn from_element(el: &Element) -> Result<Open, ParseError> {
        if !el.is("open", ns::FRAMING) {
            return Err(ParseError::WrongElement("expected open"));
        }
        let version = el.attr("version").map(str::to_owned);
        if version.as_deref().is_some_and(|v| !v.starts_with("1.")) {
            return Err(ParseError::BadAttribute("open version"));
        }
        Ok(Open {
            id: el.attr("id").map(str::to_owned),
            from: el.attr("from").map(str::to_owned),
            version,
        })
    }
}

/// The server's `<close/>`, possibly redirecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    /// `see-other-uri`, when the server redirects.
    pub see_other_uri: Option<String>,
}

impl Close {
    /// Reads `<close/>`.
    pub fn from_element(el: &Element) -> Result<Close, ParseError> {
        if !el.is("close", ns::FRAMING) {
            return Err(ParseError::WrongElement("expected close"));
        }
        Ok(Close {
            see_other_uri: el.attr("see-other-uri").map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        // ejabberd 23.01 verbatim.
        let f = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1234' version='1.0' xml:lang='en' from='webchat.test'/>";
        let o = Open::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(o.from.as_deref(), Some("webchat.test"));
        assert_eq!(o.id.as_deref(), Some("1234"));
        let c = Close::from_element(&parse(CLOSE, "").unwrap()).unwrap();
        assert_eq!(c.see_other_uri, None);
    }

    #[test]
    fn test_serialise() {
        assert_eq!(open("webchat.test"), "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>");
        assert_eq!(
            open("a\"b"),
            "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"a&quot;b\" version=\"1.0\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(Open::from_element(
            &parse(
                "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' version='2.0'/>",
                ""
            )
            .unwrap()
        )
        .is_err());
        assert!(Open::from_element(
            &parse("<stream xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", "").unwrap()
        )
        .is_err());
        assert!(
            Close::from_element(&parse("<close xmlns='jabber:client'/>", "").unwrap()).is_err()
        );
    }
}
