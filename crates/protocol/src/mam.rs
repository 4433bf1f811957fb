//! XEP-0313 message archive queries (`urn:xmpp:mam:2`) by correspondent (`with`), paged with
//! XEP-0059 result set management, and the archived messages and `<fin/>` they produce.
//!
//! What it does not do: preferences, date ranges, or full-text search.

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::stanza::Message;
use crate::xml::Element;

/// An archive query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Echoed on every result message so results are matched to this query.
    pub queryid: String,
    /// Only messages exchanged with this bare JID.
    pub with: Option<Jid>,
    /// Page size.
    pub max: u32,
    /// Page backwards from this archive id; `Some("")` asks for the last page.
    pub before: Option<String>,
    /// Page forwards from this archive id.
    pub after: Option<String>,
}

impl Query {
    /// The `<query/>` payload of an iq set.
    pub fn to_element(&self) -> Element {
        let mut form = Element::new("x", ns::DATA_FORMS)
            .with_attr("type", "submit")
            .with_child(
                Element::new("field", ns::DATA_FORMS)
                    .with_attr("var", "FORM_TYPE")
                    .with_attr("type", "hidden")
                    .with_child(Element::new("value", ns::DATA_FORMS).with_text(ns::MAM)),
            );
        if let Some(w) = &self.with {
            form.push(
                Element::new("field", ns::DATA_FORMS)
                    .with_attr("var", "with")
                    .with_child(Element::new("value", ns::DATA_FORMS).with_text(w.bare())),
            );
        }
        let mut set = Element::new("set", ns::RSM)
            .with_child(Element::new("max", ns::RSM).with_text(&self.max.to_string()));
        if let Some(b) = &self.before {
            let mut e = Element::new("before", ns::RSM);
            if !b.is_empty() {
                e = e.with_text(b);
            }
            set.push(e);
        }
        if let Some(a) = &self.after {
            set.push(Element::new("after", ns::RSM).with_text(a));
        }
        Element::new("query", ns::MAM)
            .with_attr("queryid", &self.queryid)
            .with_child(form)
            .with_child(set)
    }
}

/// One archived message, from a `<result/>` wrapper.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchivedMessage {
    /// The query it answers.
    pub queryid: Option<String>,
    /// The archive id (equals the live message's `<stanza-id/>`).
    pub id: String,
    /// XEP-0203 delay stamp (ISO 8601), when given.
    pub stamp: Option<String>,
    /// The archived message.
    pub message: Message,
}

impl ArchivedMessage {
    /// Reads `<result xmlns="urn:xmpp:mam:2" id="…"><forwarded xmlns="urn:xmpp:forward:0"><delay/><message/></forwarded></result>`.
    pub fn from_element(el: &Element) -> Result<ArchivedMessage, ParseError> {
        if !el.is("result", ns::MAM) {
            return Err(ParseError::WrongElement("expected mam result"));
        }
        let id = el
            .attr("id")
            .ok_or(ParseError::MissingAttribute("mam result id"))?
            .to_owned();
        let fwd = el
            .get_child("forwarded", ns::FORWARD)
            .ok_or(ParseError::MissingChild("forwarded"))?;
        let stamp = fwd
            .get_child("delay", ns::DELAY)
            .and_then(|d| d.attr("stamp"))
            .map(str::to_owned);
        let inner = fwd
            .get_child("message", ns::CLIENT)
            .ok_or(ParseError::MissingChild("forwarded message"))?;
        let message = Message::from_element(inner)?;
        if message.archived.is_some() {
            return Err(ParseError::BadValue("nested mam result"));
        }
        Ok(ArchivedMessage {
            queryid: el.attr("queryid").map(str::to_owned),
            id,
            stamp,
            message,
        })
    }

    /// Writes the wrapper (for servers and tests).
    pub fn to_element(&self) -> Element {
        let mut fwd = Element::new("forwarded", ns::FORWARD);
        if let Some(s) = &self.stamp {
            fwd.push(Element::new("delay", ns::DELAY).with_attr("stamp", s));
        }
        fwd.push(self.message.to_element());
        Element::new("result", ns::MAM)
            .with_opt_attr("queryid", self.queryid.as_deref())
            .with_attr("id", &self.id)
            .with_child(fwd)
    }
}

/// The end of a query: the `<fin/>` of the iq result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fin {
    /// No more pages in the queried direction.
    pub complete: bool,
    /// First archive id of the page (page backwards from it).
    pub first: Option<String>,
    /// Last archive id of the page.
    pub last: Option<String>,
}

impl Fin {
    /// Reads `<fin complete="true"><set><first/><last/></set></fin>`.
    pub fn from_element(el: &Element) -> Result<Fin, ParseError> {
        if !el.is("fin", ns::MAM) {
            return Err(ParseError::WrongElement("expected mam fin"));
        }
        let complete = match el.attr("complete") {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err(ParseError::BadAttribute("fin complete")),
        };
        let set = el.get_child("set", ns::RSM);
        let first = set.and_then(|s| s.child_text("first", ns::RSM));
        let last = set.and_then(|s| s.child_text("last", ns::RSM));
        Ok(Fin {
            complete,
            first,
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    // Prosody 0.12 shape of a MAM result.
    const RESULT: &str = "<message xmlns='jabber:client' to='v@webchat.test/r'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='AbCd'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-22T05:00:00Z'/><message xmlns='jabber:client' from='a@internal.webchat.test/console' to='v@webchat.test' type='chat' id='m9'><body>earlier</body><nick xmlns='http://jabber.org/protocol/nick'>agent3</nick></message></forwarded></result></message>";

    #[test]
    fn test_simple() {
        let m = Message::from_element(&parse(RESULT, ns::CLIENT).unwrap()).unwrap();
        let a = m.archived.unwrap();
        assert_eq!(a.id, "AbCd");
        assert_eq!(a.queryid.as_deref(), Some("q1"));
        assert_eq!(a.stamp.as_deref(), Some("2026-11-22T05:00:00Z"));
        assert_eq!(a.message.body.as_deref(), Some("earlier"));
        let fin = "<fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first index='0'>A</first><last>B</last><count>2</count></set></fin>";
        let f = Fin::from_element(&parse(fin, "").unwrap()).unwrap();
        assert_eq!(
            f,
            Fin {
                complete: true,
                first: Some("A".into()),
                last: Some("B".into())
            }
        );
    }

    #[test]
    fn test_serialise() {
        let q = Query {
            queryid: "q1".into(),
            with: Some(Jid::parse("a@internal.webchat.test/x").unwrap()),
            max: 50,
            before: Some(String::new()),
            after: None,
        };
        assert_eq!(
            q.to_element().to_xml(),
            "<query xmlns=\"urn:xmpp:mam:2\" queryid=\"q1\"><x xmlns=\"jabber:x:data\" type=\"submit\"><field var=\"FORM_TYPE\" type=\"hidden\"><value>urn:xmpp:mam:2</value></field><field var=\"with\"><value>a@internal.webchat.test</value></field></x><set xmlns=\"http://jabber.org/protocol/rsm\"><max>50</max><before/></set></query>"
        );
        let m = Message::from_element(&parse(RESULT, ns::CLIENT).unwrap()).unwrap();
        let a = m.archived.unwrap();
        assert_eq!(ArchivedMessage::from_element(&a.to_element()).unwrap(), *a);
    }

    #[test]
    fn test_invalid() {
        for f in [
            "<result xmlns='urn:xmpp:mam:2'/>",
            "<result xmlns='urn:xmpp:mam:2' id='1'/>",
            "<result xmlns='urn:xmpp:mam:2' id='1'><forwarded xmlns='urn:xmpp:forward:0'/></result>",
        ] {
            assert!(ArchivedMessage::from_element(&parse(f, "").unwrap()).is_err(), "{f}");
        }
        assert!(Fin::from_element(
            &parse("<fin xmlns='urn:xmpp:mam:2' complete='maybe'/>", "").unwrap()
        )
        .is_err());
    }
}
