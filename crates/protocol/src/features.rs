//! RFC 6120 `<stream:features/>`: what the server offers before and after authentication —
//! SASL mechanisms, resource binding, session (required or optional), stream management
//! (XEP-0198 v3) and in-band registration (XEP-0077).
//!
//! What it does not do: STARTTLS (WebSocket security is the transport's), compression, caps.

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// The features this client can use.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Features {
    /// SASL mechanism names in the server's order.
    pub mechanisms: Vec<String>,
    /// Resource binding offered.
    pub bind: bool,
    /// Session establishment offered and NOT marked `<optional/>`.
    pub session_required: bool,
    /// `urn:xmpp:sm:3` offered.
    pub sm: bool,
    /// In-band registration advertised.
    pub register: bool,
}

impl Features {
    /// Reads `<stream:features/>`.
    pub fn from_element(el: &Element) -> Result<Features, ParseError> {
        if !el.is("features", ns::STREAMS) {
            return Err(ParseError::WrongElement("expected stream features"));
        }
        let mut f = Features::default();
        for c in el.elements() {
            match (c.ns.as_str(), c.name.as_str()) {
                (ns::SASL, "mechanisms") => {
                    f.mechanisms = c
                        .elements()
                        .filter(|m| m.is("mechanism", ns::SASL))
                        .map(|m| m.text().trim().to_owned())
                        .filter(|m| !m.is_empty())
                        .collect()
                }
                (ns::BIND, "bind") => f.bind = true,
                (ns::SESSION, "session") => {
                    f.session_required = c.get_child("optional", ns::SESSION).is_none()
                }
                (ns::SM, "sm") => f.sm = true,
                (ns::REGISTER_FEATURE, "register") => f.register = true,
                _ => {}
            }
        }
        Ok(f)
    }

    /// Writes `<stream:features/>` (for servers such as the devserver's embedded backend).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("features", ns::STREAMS);
        if !self.mechanisms.is_empty() {
            let mut m = Element::new("mechanisms", ns::SASL);
            for name in &self.mechanisms {
                m.push(Element::new("mechanism", ns::SASL).with_text(name));
            }
            el.push(m);
        }
        if self.register {
            el.push(Element::new("register", ns::REGISTER_FEATURE));
        }
        if self.bind {
            el.push(Element::new("bind", ns::BIND));
        }
        if self.session_required {
            el.push(Element::new("session", ns::SESSION));
        }
        if self.sm {
            el.push(Element::new("sm", ns::SM));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    // ejabberd 23.01 over WebSocket, before and after SASL.
    const EJ_PRE: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://www.process-one.net/en/ejabberd/' ver='x'/><register xmlns='http://jabber.org/features/iq-register'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms></stream:features>";
    const EJ_POST: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session><sm xmlns='urn:xmpp:sm:2'/><sm xmlns='urn:xmpp:sm:3'/><csi xmlns='urn:xmpp:csi:0'/></stream:features>";

    #[test]
    fn test_simple() {
        let f = Features::from_element(&parse(EJ_PRE, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(f.mechanisms, vec!["PLAIN", "SCRAM-SHA-1", "X-OAUTH2"]);
        assert!(f.register && !f.bind);
        let f = Features::from_element(&parse(EJ_POST, ns::CLIENT).unwrap()).unwrap();
        assert!(f.bind && f.sm && !f.session_required && f.mechanisms.is_empty());
        let req = "<features xmlns='http://etherx.jabber.org/streams'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></features>";
        assert!(
            Features::from_element(&parse(req, "").unwrap())
                .unwrap()
                .session_required
        );
    }

    #[test]
    fn test_serialise() {
        let f = Features {
            mechanisms: vec!["SCRAM-SHA-1".into()],
            register: true,
            ..Features::default()
        };
        assert_eq!(
            f.to_element().to_xml(),
            "<features xmlns=\"http://etherx.jabber.org/streams\"><mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><mechanism>SCRAM-SHA-1</mechanism></mechanisms><register xmlns=\"http://jabber.org/features/iq-register\"/></features>"
        );
        let post = Features {
            bind: true,
            session_required: true,
            sm: true,
            ..Features::default()
        };
        assert_eq!(Features::from_element(&post.to_element()), Ok(post));
    }

    #[test]
    fn test_invalid() {
        assert!(
            Features::from_element(&parse("<features xmlns='jabber:client'/>", "").unwrap())
                .is_err()
        );
    }
}
