//! XEP-0172 user nickname: `<nick xmlns="http://jabber.org/protocol/nick">agent3</nick>`.
//!
//! What it does not do: PEP nick publishing.

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// A nickname.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nick(pub String);

impl Nick {
    /// Reads a `<nick/>`.
    pub fn from_element(el: &Element) -> Result<Nick, ParseError> {
        if !el.is("nick", ns::NICK) {
            return Err(ParseError::WrongElement("expected nick"));
        }
        if el.elements().next().is_some() {
            return Err(ParseError::BadValue("nick has child elements"));
        }
        Ok(Nick(el.text()))
    }

    /// Writes the element.
    pub fn to_element(&self) -> Element {
        Element::new("nick", ns::NICK).with_text(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let n = Nick::from_element(
            &parse(
                "<nick xmlns='http://jabber.org/protocol/nick'>agent3</nick>",
                "",
            )
            .unwrap(),
        );
        assert_eq!(n, Ok(Nick("agent3".into())));
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            Nick("a&b".into()).to_element().to_xml(),
            "<nick xmlns=\"http://jabber.org/protocol/nick\">a&amp;b</nick>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(Nick::from_element(
            &parse(
                "<nick xmlns='http://jabber.org/protocol/nick'><b/></nick>",
                ""
            )
            .unwrap()
        )
        .is_err());
        assert!(Nick::from_element(&parse("<nick>x</nick>", "jabber:client").unwrap()).is_err());
    }
}
