//! `<iq/>`: get/set requests with one payload, results, and RFC 6120 stanza errors.
//!
//! What it does not do: route or match requests to responses (the connection does that by id).

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::stanza::opt_jid;
use crate::xml::Element;

/// RFC 6120 iq types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IqType {
    /// Request for information.
    Get,
    /// Request to change something.
    Set,
    /// Successful response.
    Result,
    /// Error response.
    Error,
}

impl IqType {
    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            IqType::Get => "get",
            IqType::Set => "set",
            IqType::Result => "result",
            IqType::Error => "error",
        }
    }
}

/// RFC 6120 §8.3.2 error types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    /// Retry after providing credentials.
    Auth,
    /// Do not retry.
    Cancel,
    /// Proceed (warning).
    Continue,
    /// Retry after changing the data.
    Modify,
    /// Retry later.
    Wait,
}

impl ErrorType {
    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Auth => "auth",
            ErrorType::Cancel => "cancel",
            ErrorType::Continue => "continue",
            ErrorType::Modify => "modify",
            ErrorType::Wait => "wait",
        }
    }
}

/// An RFC 6120 `<error/>` child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StanzaError {
    /// Error type.
    pub kind: ErrorType,
    /// The defined condition's element name, e.g. `service-unavailable`.
    pub condition: String,
    /// Optional human-readable text.
    pub text: Option<String>,
}

impl StanzaError {
    /// An error with a condition from RFC 6120 §8.3.3.
    pub fn new(kind: ErrorType, condition: &str) -> StanzaError {
        StanzaError {
            kind,
            condition: condition.to_owned(),
            text: None,
        }
    }

    /// Reads `<error type="…"><condition xmlns="…stanzas"/><text/></error>`.
    pub fn from_element(el: &Element) -> Result<StanzaError, ParseError> {
        if !el.is("error", ns::CLIENT) {
            return Err(ParseError::WrongElement("expected error"));
        }
        let kind = match el.attr("type") {
            Some("auth") => ErrorType::Auth,
            Some("cancel") => ErrorType::Cancel,
            Some("continue") => ErrorType::Continue,
            Some("modify") => ErrorType::Modify,
            Some("wait") => ErrorType::Wait,
            Some(_) => return Err(ParseError::BadAttribute("error type")),
            None => return Err(ParseError::MissingAttribute("error type")),
        };
        let condition = el
            .elements()
            .find(|c| c.ns == ns::STANZA_ERRORS && c.name != "text")
            .ok_or(ParseError::MissingChild("error condition"))?
            .name
            .clone();
        let text = el.child_text("text", ns::STANZA_ERRORS);
        Ok(StanzaError {
            kind,
            condition,
            text,
        })
    }

    /// Writes the `<error/>` element.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("error", ns::CLIENT)
            .with_attr("type", self.kind.as_str())
            .with_child(Element::new(&self.condition, ns::STANZA_ERRORS));
        if let Some(t) = &self.text {
            el.push(Element::new("text", ns::STANZA_ERRORS).with_text(t));
        }
        el
    }
}

/// An iq stanza.
#[derive(Clone, Debug, PartialEq)]
pub struct Iq {
    /// Sender.
    pub from: Option<Jid>,
    /// Recipient.
    pub to: Option<Jid>,
    /// Required id.
    pub id: String,
    /// Type.
    pub kind: IqType,
    /// The first child element other than `<error/>`.
    pub payload: Option<Element>,
    /// The `<error/>` of an error response.
    pub error: Option<StanzaError>,
}

impl Iq {
    /// A request of `kind` (get/set) carrying `payload`.
    pub fn request(kind: IqType, id: &str, to: Option<Jid>, payload: Element) -> Iq {
        Iq {
            from: None,
            to,
            id: id.to_owned(),
            kind,
            payload: Some(payload),
            error: None,
        }
    }

    /// Reads an `<iq/>`; get/set must carry exactly one payload (RFC 6120 §8.2.3).
    pub fn from_element(el: Element) -> Result<Iq, ParseError> {
        if !el.is("iq", ns::CLIENT) {
            return Err(ParseError::WrongElement("expected iq"));
        }
        let kind = match el.attr("type") {
            Some("get") => IqType::Get,
            Some("set") => IqType::Set,
            Some("result") => IqType::Result,
            Some("error") => IqType::Error,
            Some(_) => return Err(ParseError::BadAttribute("iq type")),
            None => return Err(ParseError::MissingAttribute("iq type")),
        };
        let id = el
            .attr("id")
            .ok_or(ParseError::MissingAttribute("iq id"))?
            .to_owned();
        let from = opt_jid(&el, "from")?;
        let to = opt_jid(&el, "to")?;
        let mut payload = None;
        let mut error = None;
        let mut count = 0;
        for c in el.children {
            if let crate::xml::Node::Element(c) = c {
                if c.is("error", ns::CLIENT) {
                    error = Some(StanzaError::from_element(&c)?);
                } else {
                    count += 1;
                    payload.get_or_insert(c);
                }
            }
        }
        match kind {
            IqType::Get | IqType::Set if count != 1 => {
                return Err(ParseError::BadValue("iq get/set needs one payload"))
            }
            IqType::Error if error.is_none() => return Err(ParseError::MissingChild("iq error")),
            _ => {}
        }
        Ok(Iq {
            from,
            to,
            id,
            kind,
            payload,
            error,
        })
    }

    /// Writes the iq.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("iq", ns::CLIENT)
            .with_attr("type", self.kind.as_str())
            .with_attr("id", &self.id)
            .with_opt_attr("to", self.to.as_ref().map(Jid::as_str));
        if let Some(p) = &self.payload {
            el.push(p.clone());
        }
        if let Some(e) = &self.error {
            el.push(e.to_element());
        }
        el
    }

    /// The empty result for this request, addressed to its sender.
    pub fn result(&self) -> Iq {
        Iq {
            from: None,
            to: self.from.clone(),
            id: self.id.clone(),
            kind: IqType::Result,
            payload: None,
            error: None,
        }
    }

    /// An error reply to this request with `condition`.
    pub fn error_reply(&self, kind: ErrorType, condition: &str) -> Iq {
        Iq {
            from: None,
            to: self.from.clone(),
            id: self.id.clone(),
            kind: IqType::Error,
            payload: None,
            error: Some(StanzaError::new(kind, condition)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        // ejabberd 23.01 mod_ping, verbatim shape.
        let f = "<iq xml:lang='en' to='v@webchat.test/r' from='webchat.test' type='get' id='s2c1'><ping xmlns='urn:xmpp:ping'/></iq>";
        let iq = Iq::from_element(parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(iq.kind, IqType::Get);
        assert_eq!(iq.id, "s2c1");
        assert!(iq.payload.as_ref().unwrap().is("ping", ns::PING));
        let e = "<iq type='error' id='x'><query xmlns='jabber:iq:register'/><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>taken</text></error></iq>";
        let iq = Iq::from_element(parse(e, ns::CLIENT).unwrap()).unwrap();
        let err = iq.error.unwrap();
        assert_eq!(
            (err.kind, err.condition.as_str(), err.text.as_deref()),
            (ErrorType::Cancel, "conflict", Some("taken"))
        );
    }

    #[test]
    fn test_serialise() {
        let f = "<iq type='get' id='p1' from='webchat.test'><ping xmlns='urn:xmpp:ping'/></iq>";
        let iq = Iq::from_element(parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(
            iq.result().to_element().to_xml(),
            "<iq xmlns=\"jabber:client\" type=\"result\" id=\"p1\" to=\"webchat.test\"/>"
        );
        assert_eq!(
            iq.error_reply(ErrorType::Cancel, "service-unavailable").to_element().to_xml(),
            "<iq xmlns=\"jabber:client\" type=\"error\" id=\"p1\" to=\"webchat.test\"><error type=\"cancel\"><service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"
        );
    }

    #[test]
    fn test_invalid() {
        for (f, want) in [
            ("<iq id='1'/>", ParseError::MissingAttribute("iq type")),
            ("<iq type='get'/>", ParseError::MissingAttribute("iq id")),
            (
                "<iq type='fetch' id='1'/>",
                ParseError::BadAttribute("iq type"),
            ),
            (
                "<iq type='get' id='1'/>",
                ParseError::BadValue("iq get/set needs one payload"),
            ),
            (
                "<iq type='set' id='1'><a/><b/></iq>",
                ParseError::BadValue("iq get/set needs one payload"),
            ),
            (
                "<iq type='error' id='1'/>",
                ParseError::MissingChild("iq error"),
            ),
            (
                "<iq type='error' id='1'><error type='x'/></iq>",
                ParseError::BadAttribute("error type"),
            ),
            (
                "<iq type='error' id='1'><error type='cancel'/></iq>",
                ParseError::MissingChild("error condition"),
            ),
        ] {
            assert_eq!(
                Iq::from_element(parse(f, ns::CLIENT).unwrap()),
                Err(want),
                "{f}"
            );
        }
    }
}
