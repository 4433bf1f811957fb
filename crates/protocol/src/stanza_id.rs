//! XEP-0359 `<stanza-id id="…" by="…"/>`: the id a server (archive) gave a message. The chat
//! layer uses the one stamped `by` the visitor's own bare JID to de-duplicate live messages
//! against archived ones (the MAM result id is the same value).
//!
//! What it does not do: `<origin-id/>` (the visitor's own ids are the stanza `id`).

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::xml::Element;

/// A server-assigned stanza id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanzaId {
    /// The id.
    pub id: String,
    /// The entity that assigned it (usually the archive owner's bare JID).
    pub by: Option<Jid>,
}

impl StanzaId {
    /// Reads a `<stanza-id/>`.
    pub fn from_element(el: &Element) -> Result<StanzaId, ParseError> {
        if !el.is("stanza-id", ns::SID) {
            return Err(ParseError::WrongElement("expected stanza-id"));
        }
        let id = el
            .attr("id")
            .ok_or(ParseError::MissingAttribute("stanza-id id"))?;
        if id.is_empty() {
            return Err(ParseError::BadAttribute("stanza-id id"));
        }
        let by = crate::stanza::opt_jid(el, "by")?;
        Ok(StanzaId {
            id: id.to_owned(),
            by,
        })
    }

    /// Writes the element.
    pub fn to_element(&self) -> Element {
        Element::new("stanza-id", ns::SID)
            .with_attr("id", &self.id)
            .with_opt_attr("by", self.by.as_ref().map(Jid::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let s = StanzaId::from_element(
            &parse(
                "<stanza-id by='v@webchat.test' xmlns='urn:xmpp:sid:0' id='1700000000123456'/>",
                "",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(s.id, "1700000000123456");
        assert_eq!(s.by.unwrap().as_str(), "v@webchat.test");
    }

    #[test]
    fn test_serialise() {
        let s = StanzaId {
            id: "x".into(),
            by: Some(Jid::parse("v@d").unwrap()),
        };
        assert_eq!(
            s.to_element().to_xml(),
            "<stanza-id xmlns=\"urn:xmpp:sid:0\" id=\"x\" by=\"v@d\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(
            StanzaId::from_element(&parse("<stanza-id xmlns='urn:xmpp:sid:0'/>", "").unwrap())
                .is_err()
        );
        assert!(StanzaId::from_element(
            &parse("<stanza-id xmlns='urn:xmpp:sid:0' id=''/>", "").unwrap()
        )
        .is_err());
        assert!(StanzaId::from_element(
            &parse("<stanza-id xmlns='urn:xmpp:sid:0' id='1' by='@'/>", "").unwrap()
        )
        .is_err());
    }
}
