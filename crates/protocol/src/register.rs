//! XEP-0077 in-band registration: the `<query xmlns="jabber:iq:register">` that creates an
//! account before SASL (tests and the devserver's external backend need fresh accounts).
//!
//! What it does not do: data-form registration, CAPTCHAs, password change or cancellation.

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;

/// A registration request (or a server's form, with what it asks for).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Register {
    /// Username (the local part).
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// `<registered/>`: the account exists already.
    pub registered: bool,
}

impl Register {
    /// Reads a register `<query/>`.
    pub fn from_element(el: &Element) -> Result<Register, ParseError> {
        if !el.is("query", ns::REGISTER) {
            return Err(ParseError::WrongElement("expected register query"));
        }
        Ok(Register {
            username: el.child_text("username", ns::REGISTER),
            password: el.child_text("password", ns::REGISTER),
            registered: el.get_child("registered", ns::REGISTER).is_some(),
        })
    }

    /// Writes the query.
    pub fn to_element(&self) -> Element {
        let mut q = Element::new("query", ns::REGISTER);
        if let Some(u) = &self.username {
            q.push(Element::new("username", ns::REGISTER).with_text(u));
        }
        if let Some(p) = &self.password {
            q.push(Element::new("password", ns::REGISTER).with_text(p));
        }
        if self.registered {
            q.push(Element::new("registered", ns::REGISTER));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let f = "<query xmlns='jabber:iq:register'><instructions>Choose</instructions><username/><password/></query>";
        let r = Register::from_element(&parse(f, "").unwrap()).unwrap();
        assert_eq!(
            (r.username.as_deref(), r.password.as_deref(), r.registered),
            (Some(""), Some(""), false)
        );
    }

    #[test]
    fn test_serialise() {
        let r = Register {
            username: Some("v1".into()),
            password: Some("p&w".into()),
            registered: false,
        };
        assert_eq!(
            r.to_element().to_xml(),
            "<query xmlns=\"jabber:iq:register\"><username>v1</username><password>p&amp;w</password></query>"
        );
    }

    #[test]
    fn test_invalid() {
        assert!(
            Register::from_element(&parse("<query xmlns='jabber:iq:roster'/>", "").unwrap())
                .is_err()
        );
    }
}
