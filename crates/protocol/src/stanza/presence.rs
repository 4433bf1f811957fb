//! `<presence/>`: type, `show`, `status` (the child, and the seed's `status` attribute that
//! ejabberd strips), priority.
//!
//! What it does not do: keep other payloads (caps, vcard updates).

use crate::error::ParseError;
use crate::jid::Jid;
use crate::ns;
use crate::stanza::opt_jid;
use crate::xml::Element;

/// RFC 6121 presence types; `Available` is the absence of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PresenceType {
    /// No `type`: the sender is available.
    #[default]
    Available,
    /// Gone offline.
    Unavailable,
    /// Subscription request.
    Subscribe,
    /// Subscription approved.
    Subscribed,
    /// Unsubscribe request.
    Unsubscribe,
    /// Subscription cancelled.
    Unsubscribed,
    /// Server probe.
    Probe,
    /// Error reply.
    Error,
}

impl PresenceType {
    fn parse(s: &str) -> Result<PresenceType, ParseError> {
        Ok(match s {
            "unavailable" => PresenceType::Unavailable,
            "subscribe" => PresenceType::Subscribe,
            "subscribed" => PresenceType::Subscribed,
            "unsubscribe" => PresenceType::Unsubscribe,
            "unsubscribed" => PresenceType::Unsubscribed,
            "probe" => PresenceType::Probe,
            "error" => PresenceType::Error,
            _ => return Err(ParseError::BadAttribute("presence type")),
        })
    }

    /// The `type` attribute value (`None` for available).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            PresenceType::Available => return None,
            PresenceType::Unavailable => "unavailable",
            PresenceType::Subscribe => "subscribe",
            PresenceType::Subscribed => "subscribed",
            PresenceType::Unsubscribe => "unsubscribe",
            PresenceType::Unsubscribed => "unsubscribed",
            PresenceType::Probe => "probe",
            PresenceType::Error => "error",
        })
    }
}

/// RFC 6121 `<show/>` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// Away.
    Away,
    /// Free for chat.
    Chat,
    /// Do not disturb.
    Dnd,
    /// Extended away.
    Xa,
}

impl Show {
    fn parse(s: &str) -> Result<Show, ParseError> {
        Ok(match s.trim() {
            "away" => Show::Away,
            "chat" => Show::Chat,
            "dnd" => Show::Dnd,
            "xa" => Show::Xa,
            _ => return Err(ParseError::BadValue("presence show")),
        })
    }

    /// The element text.
    pub fn as_str(self) -> &'static str {
        match self {
            Show::Away => "away",
            Show::Chat => "chat",
            Show::Dnd => "dnd",
            Show::Xa => "xa",
        }
    }
}

/// A presence stanza.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Presence {
    /// Sender.
    pub from: Option<Jid>,
    /// Recipient.
    pub to: Option<Jid>,
    /// Stanza id.
    pub id: Option<String>,
    /// Type.
    pub kind: PresenceType,
    /// `<show/>`.
    pub show: Option<Show>,
    /// `<status/>` text.
    pub status: Option<String>,
    /// The seed's `status="…"` attribute (Prosody keeps it, ejabberd strips it).
    pub status_attr: Option<String>,
    /// `<priority/>`.
    pub priority: Option<i8>,
}

impl Presence {
    /// A presence of `kind` to `to`.
    pub fn new(kind: PresenceType, to: Option<Jid>) -> Presence {
        Presence {
            kind,
            to,
            ..Presence::default()
        }
    }

    /// Reads a `<presence/>`.
    pub fn from_element(el: &Element) -> Result<Presence, ParseError> {
        if !el.is("presence", ns::CLIENT) {
            return Err(ParseError::WrongElement("expected presence"));
        }
        let kind = match el.attr("type") {
            Some(t) => PresenceType::parse(t)?,
            None => PresenceType::Available,
        };
        let mut p = Presence {
            from: opt_jid(el, "from")?,
            to: opt_jid(el, "to")?,
            id: el.attr("id").map(str::to_owned),
            kind,
            status_attr: el.attr("status").map(str::to_owned),
            ..Presence::default()
        };
        for c in el.elements().filter(|c| c.ns == ns::CLIENT) {
            match c.name.as_str() {
                "show" => p.show = Some(Show::parse(&c.text())?),
                "status" if p.status.is_none() => p.status = Some(c.text()),
                "priority" => {
                    p.priority = Some(
                        c.text()
                            .trim()
                            .parse()
                            .map_err(|_| ParseError::BadValue("presence priority"))?,
                    )
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// Writes the presence: `to`, `type`, then `show` and `status` children.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("presence", ns::CLIENT)
            .with_opt_attr("to", self.to.as_ref().map(Jid::as_str))
            .with_opt_attr("type", self.kind.as_str())
            .with_opt_attr("id", self.id.as_deref());
        if let Some(s) = self.show {
            el.push(Element::new("show", ns::CLIENT).with_text(s.as_str()));
        }
        if let Some(s) = &self.status {
            el.push(Element::new("status", ns::CLIENT).with_text(s));
        }
        if let Some(p) = self.priority {
            el.push(Element::new("priority", ns::CLIENT).with_text(&p.to_string()));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        // Prosody keeps the seed's status attribute; ejabberd sends only the children.
        let f = "<presence xmlns='jabber:client' from='a@internal.webchat.test/console' to='v@webchat.test/r' status='available'><show>chat</show><status>available</status><priority>5</priority></presence>";
        let p = Presence::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(p.kind, PresenceType::Available);
        assert_eq!(p.show, Some(Show::Chat));
        assert_eq!(p.status.as_deref(), Some("available"));
        assert_eq!(p.status_attr.as_deref(), Some("available"));
        assert_eq!(p.priority, Some(5));
        let u = Presence::from_element(
            &parse("<presence type='unavailable' from='a@b'/>", ns::CLIENT).unwrap(),
        )
        .unwrap();
        assert_eq!(u.kind, PresenceType::Unavailable);
    }

    #[test]
    fn test_serialise() {
        let to = Jid::parse("agent@internal.webchat.test").unwrap();
        let mut p = Presence::new(PresenceType::Available, Some(to.clone()));
        p.show = Some(Show::Chat);
        p.status = Some("available".into());
        assert_eq!(
            p.to_element().to_xml(),
            "<presence xmlns=\"jabber:client\" to=\"agent@internal.webchat.test\"><show>chat</show><status>available</status></presence>"
        );
        assert_eq!(
            Presence::new(PresenceType::Subscribe, Some(to)).to_element().to_xml(),
            "<presence xmlns=\"jabber:client\" to=\"agent@internal.webchat.test\" type=\"subscribe\"/>"
        );
        assert_eq!(
            Presence::default().to_element().to_xml(),
            "<presence xmlns=\"jabber:client\"/>"
        );
    }

    #[test]
    fn test_invalid() {
        for (f, want) in [
            (
                "<presence type='maybe'/>",
                ParseError::BadAttribute("presence type"),
            ),
            (
                "<presence><show>sleeping</show></presence>",
                ParseError::BadValue("presence show"),
            ),
            (
                "<presence><priority>999</priority></presence>",
                ParseError::BadValue("presence priority"),
            ),
            ("<message/>", ParseError::WrongElement("expected presence")),
        ] {
            assert_eq!(
                Presence::from_element(&parse(f, ns::CLIENT).unwrap()),
                Err(want),
                "{f}"
            );
        }
    }
}
