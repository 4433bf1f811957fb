//! RFC 6120 resource binding and the legacy RFC 3921 session request.
//!
//! What it does not do: bind2 (XEP-0386) or server-chosen resources (we always ask for the
//! resource the credentials give).

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::xml::Element;

/// `<bind><resource>…</resource></bind>`.
pub fn request(resource: &str) -> Element {
    let mut b = Element::new("bind", ns::BIND);
    if !resource.is_empty() {
        b.push(Element::new("resource", ns::BIND).with_text(resource));
    }
    b
}

/// Reads the bound JID from the result's `<bind><jid>…</jid></bind>`.
pub fn parse_result(el: &Element) -> Result<Jid, ParseError> {
    if !el.is("bind", ns::BIND) {
        return Err(ParseError::WrongElement("expected bind"));
    }
    let jid = el
        .child_text("jid", ns::BIND)
        .ok_or(ParseError::MissingChild("bind jid"))?;
    let jid = Jid::parse(jid.trim()).map_err(ParseError::BadJid)?;
    if jid.resource().is_none() {
        return Err(ParseError::BadValue("bound JID has no resource"));
    }
    Ok(jid)
}

/// `<session xmlns="urn:ietf:params:xml:ns:xmpp-session"/>`.
pub fn session() -> Element {
    Element::new("session", ns::SESSION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let f =
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind>";
        assert_eq!(
            parse_result(&parse(f, "").unwrap()).unwrap().as_str(),
            "v1@webchat.test/web"
        );
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            request("web").to_xml(),
            "<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>web</resource></bind>"
        );
        assert_eq!(
            session().to_xml(),
            "<session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        for f in [
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>",
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v@d</jid></bind>",
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>@d/r</jid></bind>",
        ] {
            assert!(parse_result(&parse(f, "").unwrap()).is_err(), "{f}");
        }
    }
}
