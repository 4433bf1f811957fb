//! Co-browsing consent, a payload of our own design in the seed's `internal` style.
//!
//! The agent asks:
//! `<message type="chat"><internal xmlns="http://cobrowser.io/protocol/chatsession#cobrowsing"><cobrowsing_request/></internal></message>`
//! and the visitor answers with the same wrapper holding `<cobrowsing_accepted/>` or
//! `<cobrowsing_denied/>`. No body: clients that do not know the payload show nothing.
//! What it does not do: the co-browsing session itself.

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// A co-browsing request or answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cobrowsing {
    /// Agent → visitor: may I see your page?
    Request,
    /// Visitor → agent: yes.
    Accepted,
    /// Visitor → agent: no.
    Denied,
}

impl Cobrowsing {
    fn name(self) -> &'static str {
        match self {
            Cobrowsing::Request => "cobrowsing_request",
            Cobrowsing::Accepted => "cobrowsing_accepted",
            Cobrowsing::Denied => "cobrowsing_denied",
        }
    }

    /// Reads the `<internal/>` wrapper.
    pub fn from_element(el: &Element) -> Result<Cobrowsing, ParseError> {
        if !el.is("internal", ns::CB_COBROWSING) {
            return Err(ParseError::WrongElement("expected cobrowsing internal"));
        }
        for c in el.elements().filter(|c| c.ns == ns::CB_COBROWSING) {
            match c.name.as_str() {
                "cobrowsing_request" => return Ok(Cobrowsing::Request),
                "cobrowsing_accepted" => return Ok(Cobrowsing::Accepted),
                "cobrowsing_denied" => return Ok(Cobrowsing::Denied),
                _ => {}
            }
        }
        Err(ParseError::MissingChild("cobrowsing request or answer"))
    }

    /// Writes the wrapper.
    pub fn to_element(self) -> Element {
        Element::new("internal", ns::CB_COBROWSING)
            .with_child(Element::new(self.name(), ns::CB_COBROWSING))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let f = "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>";
        assert_eq!(
            Cobrowsing::from_element(&parse(f, "").unwrap()),
            Ok(Cobrowsing::Request)
        );
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            Cobrowsing::Accepted.to_element().to_xml(),
            "<internal xmlns=\"http://cobrowser.io/protocol/chatsession#cobrowsing\"><cobrowsing_accepted/></internal>"
        );
        assert_eq!(
            Cobrowsing::from_element(&Cobrowsing::Denied.to_element()),
            Ok(Cobrowsing::Denied)
        );
    }

    #[test]
    fn test_invalid() {
        let f = "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><other/></internal>";
        assert!(Cobrowsing::from_element(&parse(f, "").unwrap()).is_err());
        assert!(Cobrowsing::from_element(
            &parse("<internal xmlns='x'><cobrowsing_request/></internal>", "").unwrap()
        )
        .is_err());
    }
}
