//! RFC 6121 roster pushes (`<iq type="set"><query xmlns="jabber:iq:roster">`): servers push
//! the agent's item when subscriptions change; the client must answer with a result.
//!
//! What it does not do: keep a roster (the visitor talks to exactly one agent).

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::xml::Element;

/// One roster item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The contact.
    pub jid: Jid,
    /// `none`, `to`, `from`, `both` or `remove`.
    pub subscription: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

/// Reads the items of a roster `<query/>`.
pub fn parse_query(el: &Element) -> Result<Vec<Item>, ParseError> {
    if !el.is("query", ns::ROSTER) {
        return Err(ParseError::WrongElement("expected roster query"));
    }
    el.elements()
        .filter(|c| c.is("item", ns::ROSTER))
        .map(|c| {
            let jid = Jid::parse(
                c.attr("jid")
                    .ok_or(ParseError::MissingAttribute("roster item jid"))?,
            )
            .map_err(ParseError::BadJid)?;
            Ok(Item {
                jid,
                subscription: c.attr("subscription").map(str::to_owned),
                name: c.attr("name").map(str::to_owned),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stanza::Iq;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        // ejabberd 23.01 push after the visitor's subscribe.
        let f = "<iq xmlns='jabber:client' to='v@webchat.test/r' from='v@webchat.test' type='set' id='push1'><query xmlns='jabber:iq:roster' ver='1'><item subscription='none' jid='a@internal.webchat.test' ask='subscribe'/></query></iq>";
        let iq = Iq::from_element(parse(f, ns::CLIENT).unwrap()).unwrap();
        let items = parse_query(iq.payload.as_ref().unwrap()).unwrap();
        assert_eq!(items[0].jid.as_str(), "a@internal.webchat.test");
        assert_eq!(items[0].subscription.as_deref(), Some("none"));
    }

    #[test]
    fn test_serialise() {
        let f = "<iq type='set' id='push1' from='v@webchat.test'><query xmlns='jabber:iq:roster'/></iq>";
        let iq = Iq::from_element(parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(
            iq.result().to_element().to_xml(),
            "<iq xmlns=\"jabber:client\" type=\"result\" id=\"push1\" to=\"v@webchat.test\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(parse_query(
            &parse("<query xmlns='jabber:iq:roster'><item/></query>", "").unwrap()
        )
        .is_err());
        assert!(parse_query(
            &parse(
                "<query xmlns='jabber:iq:roster'><item jid='@'/></query>",
                ""
            )
            .unwrap()
        )
        .is_err());
        assert!(parse_query(&parse("<query xmlns='jabber:iq:register'/>", "").unwrap()).is_err());
    }
}
