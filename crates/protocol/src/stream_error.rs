//! RFC 6120 §4.9 stream errors (`<stream:error>`), which end the stream.
//!
//! What it does not do: application-specific conditions beyond keeping their presence out of
//! the way (the defined condition is what a client acts on).

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// A stream error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    /// The defined condition, e.g. `conflict`, `policy-violation`, `system-shutdown`.
    pub condition: String,
    /// Human-readable text, when given.
    pub text: Option<String>,
}

impl StreamError {
    /// Reads `<stream:error>`.
    pub fn from_element(el: &Element) -> Result<StreamError, ParseError> {
        if !el.is("error", ns::STREAMS) {
            return Err(ParseError::WrongElement("expected stream error"));
        }
        let condition = el
            .elements()
            .find(|c| c.ns == ns::STREAM_ERRORS && c.name != "text")
            .ok_or(ParseError::MissingChild("stream error condition"))?
            .name
            .clone();
        Ok(StreamError {
            condition,
            text: el.child_text("text", ns::STREAM_ERRORS),
        })
    }

    /// Writes the error (for servers and tests).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("error", ns::STREAMS)
            .with_child(Element::new(&self.condition, ns::STREAM_ERRORS));
        if let Some(t) = &self.text {
            el.push(Element::new("text", ns::STREAM_ERRORS).with_text(t));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let f = "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>";
        let e = StreamError::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(e.condition, "conflict");
        assert_eq!(e.text.as_deref(), Some("Replaced by new connection"));
    }

    #[test]
    fn test_serialise() {
        let e = StreamError {
            condition: "policy-violation".into(),
            text: None,
        };
        assert_eq!(
            e.to_element().to_xml(),
            "<error xmlns=\"http://etherx.jabber.org/streams\"><policy-violation xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></error>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(StreamError::from_element(
            &parse(
                "<stream:error xmlns:stream='http://etherx.jabber.org/streams'/>",
                ""
            )
            .unwrap()
        )
        .is_err());
    }
}
