//! The seed's chat transfer payload:
//! `<internal xmlns="http://cobrowser.io/protocol/chatsession#forward"><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>agent3</nickname><firstname>Pedro</firstname></agent></internal>`.
//!
//! The message that carries it also has the body `visitor_forward_message`, which is an
//! internal marker and must never be shown. What it does not do: XEP-0297 forwarding (that is
//! in `mam`).

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// The chat was transferred to another agent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Transfer {
    /// The new agent's nick (used from now on).
    pub nickname: String,
    /// The new agent's first name (shown in "your chat was transferred to …").
    pub firstname: String,
}

impl Transfer {
    /// Reads the `<internal/>` forward payload; children may come in any order (ejabberd
    /// reorders) and `<agent/>` may lack either name (then it is empty).
    pub fn from_element(el: &Element) -> Result<Transfer, ParseError> {
        if !el.is("internal", ns::CB_FORWARD) {
            return Err(ParseError::WrongElement("expected forward internal"));
        }
        let agent = el
            .get_child("agent", ns::CB_FORWARD)
            .ok_or(ParseError::MissingChild("forward agent"))?;
        let nickname = agent
            .child_text("nickname", ns::CB_FORWARD)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let firstname = agent
            .child_text("firstname", ns::CB_FORWARD)
            .unwrap_or_default()
            .trim()
            .to_owned();
        if nickname.is_empty() && firstname.is_empty() {
            return Err(ParseError::BadValue("forward agent has no name"));
        }
        Ok(Transfer {
            nickname,
            firstname,
        })
    }

    /// Writes the payload as the seed shows it.
    pub fn to_element(&self) -> Element {
        Element::new("internal", ns::CB_FORWARD)
            .with_child(
                Element::new("chat_forwarding", ns::CB_FORWARD)
                    .with_text("visitor_forward_message"),
            )
            .with_child(
                Element::new("agent", ns::CB_FORWARD)
                    .with_child(Element::new("nickname", ns::CB_FORWARD).with_text(&self.nickname))
                    .with_child(
                        Element::new("firstname", ns::CB_FORWARD).with_text(&self.firstname),
                    ),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stanza::Message;
    use crate::xml::parse;

    // The API documentation's "transfered chat message", verbatim.
    const SEED: &str = r#"<message xmlns="jabber:client"
from="bc1234@jaxlecho.localhost"
to="anonymous.64be335b901133024ca85c437138128f@localhost"
uid="52a42448-431c-4394-b661-1fd343f4bb22"
type="chat">
<body>visitor_forward_message</body>
<nick xmlns="http://jabber.org/protocol/nick">agent3</nick>
<internal xmlns="http://cobrowser.io/protocol/chatsession#forward">
<chat_forwarding>visitor_forward_message</chat_forwarding>
<agent>
<nickname>agent3</nickname>
<firstname>Pedro</firstname>
</agent>
</internal>
</message>"#;

    #[test]
    fn test_simple() {
        let m = Message::from_element(&parse(SEED, ns::CLIENT).unwrap()).unwrap();
        assert!(m.internal);
        assert_eq!(
            m.transfer,
            Some(Transfer {
                nickname: "agent3".into(),
                firstname: "Pedro".into()
            })
        );
    }

    #[test]
    fn test_serialise() {
        let t = Transfer {
            nickname: "n".into(),
            firstname: "F".into(),
        };
        let xml = t.to_element().to_xml();
        assert_eq!(xml, "<internal xmlns=\"http://cobrowser.io/protocol/chatsession#forward\"><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>n</nickname><firstname>F</firstname></agent></internal>");
        assert_eq!(Transfer::from_element(&parse(&xml, "").unwrap()), Ok(t));
    }

    #[test]
    fn test_invalid() {
        let ns = "xmlns='http://cobrowser.io/protocol/chatsession#forward'";
        assert!(Transfer::from_element(&parse(&format!("<internal {ns}/>"), "").unwrap()).is_err());
        assert!(Transfer::from_element(
            &parse(&format!("<internal {ns}><agent/></internal>"), "").unwrap()
        )
        .is_err());
    }
}
