//! `<message/>` with the payloads of this protocol: body, chat state (XEP-0085 and the seed's
//! `closed`/`blocked`), nick (XEP-0172), the seed's `uid`/`agent_id` attributes, stanza ids
//! (XEP-0359), the transfer and co-browsing `internal` payloads, MAM results (XEP-0313) and,
//! on an error reply (a message that bounced), its RFC 6120 `<error/>`.
//!
//! What it does not do: keep other payloads, or pick a body by `xml:lang` (the first body wins).

use crate::chatstates::ChatState;
use crate::cobrowsing::Cobrowsing;
use crate::error::ParseError;
use crate::forward::Transfer;
use crate::jid::Jid;
use crate::mam::ArchivedMessage;
use crate::nick::Nick;
use crate::ns;
use crate::stanza::iq::StanzaError;
use crate::stanza::opt_jid;
use crate::stanza_id::StanzaId;
use crate::xml::Element;

/// RFC 6120 message types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MessageType {
    /// One-to-one chat.
    Chat,
    /// The default when no type is given.
    #[default]
    Normal,
    /// Multi-user chat.
    Groupchat,
    /// Alerts.
    Headline,
    /// An error reply.
    Error,
}

impl MessageType {
    fn parse(s: &str) -> Result<MessageType, ParseError> {
        Ok(match s {
            "chat" => MessageType::Chat,
            "normal" => MessageType::Normal,
            "groupchat" => MessageType::Groupchat,
            "headline" => MessageType::Headline,
            "error" => MessageType::Error,
            _ => return Err(ParseError::BadAttribute("message type")),
        })
    }

    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Chat => "chat",
            MessageType::Normal => "normal",
            MessageType::Groupchat => "groupchat",
            MessageType::Headline => "headline",
            MessageType::Error => "error",
        }
    }
}

/// A message stanza.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Message {
    /// Sender.
    pub from: Option<Jid>,
    /// Recipient.
    pub to: Option<Jid>,
    /// Stanza id.
    pub id: Option<String>,
    /// Type.
    pub kind: MessageType,
    /// The first `<body>`.
    pub body: Option<String>,
    /// The chat state child, if any.
    pub chat_state: Option<ChatState>,
    /// XEP-0172 nick.
    pub nick: Option<String>,
    /// The seed's `uid` attribute (kept by Prosody, stripped by ejabberd).
    pub uid: Option<String>,
    /// The seed's `agent_id` attribute.
    pub agent_id: Option<String>,
    /// XEP-0359 `<stanza-id/>`s added by servers.
    pub stanza_ids: Vec<StanzaId>,
    /// The seed's transfer payload.
    pub transfer: Option<Transfer>,
    /// Our co-browsing payload.
    pub cobrowsing: Option<Cobrowsing>,
    /// Whether any `<internal/>` payload (backend event) is present: never show its body raw.
    pub internal: bool,
    /// A MAM `<result/>` wrapper (archived message inside).
    pub archived: Option<Box<ArchivedMessage>>,
    /// XEP-0203 `<delay stamp/>`: when the server held the message back (offline storage, a
    /// resumed stream), the time it was first sent (XEP-0082, e.g. `2026-12-05T10:42:00Z`).
    pub delay: Option<String>,
    /// The `<error/>` of a `type="error"` reply (RFC 6120 §8.3): why the server could not
    /// deliver the message with this `id`. An unreadable one is left out.
    pub error: Option<StanzaError>,
}

impl Message {
    /// A chat message `to` someone.
    pub fn chat(to: Jid) -> Message {
        Message {
            to: Some(to),
            kind: MessageType::Chat,
            ..Message::default()
        }
    }

    /// Reads a `<message/>`.
    pub fn from_element(el: &Element) -> Result<Message, ParseError> {
        if !el.is("message", ns::CLIENT) {
            return Err(ParseError::WrongElement("expected message"));
        }
        let kind = match el.attr("type") {
            Some(t) => MessageType::parse(t)?,
            None => MessageType::Normal,
        };
        let mut m = Message {
            from: opt_jid(el, "from")?,
            to: opt_jid(el, "to")?,
            id: el.attr("id").map(str::to_owned),
            kind,
            uid: el.attr("uid").map(str::to_owned),
            agent_id: el.attr("agent_id").map(str::to_owned),
            ..Message::default()
        };
        for c in el.elements() {
            match (c.ns.as_str(), c.name.as_str()) {
                (ns::CLIENT, "body") if m.body.is_none() => m.body = Some(c.text()),
                (ns::CHATSTATES, _) => {
                    if let Ok(s) = ChatState::from_element(c) {
                        m.chat_state.get_or_insert(s);
                    }
                }
                (ns::NICK, "nick") => m.nick = Some(Nick::from_element(c)?.0),
                (ns::SID, "stanza-id") => m.stanza_ids.push(StanzaId::from_element(c)?),
                (ns::CB_FORWARD, "internal") => {
                    m.internal = true;
                    m.transfer = Some(Transfer::from_element(c)?);
                }
                (ns::CB_COBROWSING, "internal") => {
                    m.internal = true;
                    m.cobrowsing = Some(Cobrowsing::from_element(c)?);
                }
                (_, "internal") => m.internal = true,
                (ns::MAM, "result") => {
                    m.archived = Some(Box::new(ArchivedMessage::from_element(c)?))
                }
                // The first stamp is the original send time (later hops add their own).
                (ns::DELAY, "delay") if m.delay.is_none() => {
                    m.delay = c.attr("stamp").map(str::to_owned);
                }
                (ns::CLIENT, "error") if m.error.is_none() => {
                    m.error = StanzaError::from_element(c).ok();
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// Writes the message; children in the order body, chat state, nick, payloads.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new("message", ns::CLIENT);
        if self.kind != MessageType::Normal {
            el.set_attr("type", self.kind.as_str());
        }
        if let Some(to) = &self.to {
            el.set_attr("to", to.as_str());
        }
        if let Some(from) = &self.from {
            el.set_attr("from", from.as_str());
        }
        if let Some(id) = &self.id {
            el.set_attr("id", id);
        }
        if let Some(uid) = &self.uid {
            el.set_attr("uid", uid);
        }
        if let Some(b) = &self.body {
            el.push(Element::new("body", ns::CLIENT).with_text(b));
        }
        if let Some(s) = self.chat_state {
            el.push(s.to_element());
        }
        if let Some(n) = &self.nick {
            el.push(Nick(n.clone()).to_element());
        }
        for s in &self.stanza_ids {
            el.push(s.to_element());
        }
        if let Some(t) = &self.transfer {
            el.push(t.to_element());
        }
        if let Some(c) = &self.cobrowsing {
            el.push(c.to_element());
        }
        if let Some(stamp) = &self.delay {
            el.push(Element::new("delay", ns::DELAY).with_attr("stamp", stamp));
        }
        if let Some(e) = &self.error {
            el.push(e.to_element());
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    // The API documentation's "a regular chat message".
    const SEED_CHAT: &str = r#"<message xmlns="jabber:client"
from="bc1234@jaxlecho.localhost"
to="anonymous.64be335b901133024ca85c437138128f@localhost"
uid="abab238a-67cc-4ee2-934b-1d0f3cc0e678"
type="chat"
agent_id="ICdmJjkdFc/hiYoSoZKq1fZaokdZpCSfx64zDXNNWpw=">
<body>hello</body>
<active xmlns="http://jabber.org/protocol/chatstates"/>
<nick xmlns="http://jabber.org/protocol/nick">agent3</nick>
</message>"#;

    #[test]
    fn test_simple() {
        let m = Message::from_element(&parse(SEED_CHAT, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(m.kind, MessageType::Chat);
        assert_eq!(m.body.as_deref(), Some("hello"));
        assert_eq!(m.chat_state, Some(ChatState::Active));
        assert_eq!(m.nick.as_deref(), Some("agent3"));
        assert_eq!(
            m.uid.as_deref(),
            Some("abab238a-67cc-4ee2-934b-1d0f3cc0e678")
        );
        assert_eq!(m.from.unwrap().as_str(), "bc1234@jaxlecho.localhost");
        assert!(!m.internal);
    }

    #[test]
    fn server_reordered_children_and_stanza_id() {
        // ejabberd-style: uid stripped, children reordered, stanza-id and archived added.
        let f = "<message xmlns='jabber:client' xml:lang='en' to='v@webchat.test/r' from='a@internal.webchat.test/console' type='chat' id='m1'><archived by='v@webchat.test' xmlns='urn:xmpp:mam:tmp' id='1700000000000000'/><stanza-id by='v@webchat.test' xmlns='urn:xmpp:sid:0' id='1700000000000000'/><nick xmlns='http://jabber.org/protocol/nick'>agent3</nick><active xmlns='http://jabber.org/protocol/chatstates'/><body>hi &amp; bye</body></message>";
        let m = Message::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(m.body.as_deref(), Some("hi & bye"));
        assert_eq!(m.uid, None);
        assert_eq!(m.stanza_ids.len(), 1);
        assert_eq!(m.stanza_ids[0].id, "1700000000000000");
        assert_eq!(
            m.stanza_ids[0].by.as_ref().unwrap().as_str(),
            "v@webchat.test"
        );
    }

    #[test]
    fn delay_stamp_of_a_held_back_message() {
        // Prosody's offline storage: the stamp of the first hop is the send time.
        let f = "<message xmlns='jabber:client' from='a@internal.webchat.test/c' type='chat'><body>sorry, I was away</body><delay xmlns='urn:xmpp:delay' from='webchat.test' stamp='2026-12-05T10:42:00Z'/><delay xmlns='urn:xmpp:delay' stamp='2026-12-05T10:43:30Z'/></message>";
        let m = Message::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(m.delay.as_deref(), Some("2026-12-05T10:42:00Z"));
        assert_eq!(m.body.as_deref(), Some("sorry, I was away"));
        // A stamp-less delay element tells nothing.
        let f =
            "<message xmlns='jabber:client' type='chat'><delay xmlns='urn:xmpp:delay'/></message>";
        let m = Message::from_element(&parse(f, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(m.delay, None);
    }

    #[test]
    fn test_serialise() {
        let mut m = Message::chat(Jid::parse("agent@internal.webchat.test").unwrap());
        m.id = Some("wc1".into());
        m.body = Some("a < b".into());
        m.chat_state = Some(ChatState::Active);
        assert_eq!(
            m.to_element().to_xml(),
            "<message xmlns=\"jabber:client\" type=\"chat\" to=\"agent@internal.webchat.test\" id=\"wc1\"><body>a &lt; b</body><active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"
        );
        let back = Message::from_element(&m.to_element()).unwrap();
        assert_eq!(back, m);
        m.delay = Some("2026-12-05T10:42:00Z".into());
        assert!(m.to_element().to_xml().ends_with(
            "<delay xmlns=\"urn:xmpp:delay\" stamp=\"2026-12-05T10:42:00Z\"/></message>"
        ));
        assert_eq!(Message::from_element(&m.to_element()).unwrap(), m);
    }

    /// What ejabberd and Prosody send back for a chat message to a user with no session.
    const BOUNCE: &str = r#"<message xmlns="jabber:client" from="agent3@agents.example/webchat"
to="visitor@example/web" type="error" id="v00ff"><body>are you there?</body>
<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>
</message>"#;

    #[test]
    fn a_bounce_keeps_its_id_and_error() {
        let m = Message::from_element(&parse(BOUNCE, ns::CLIENT).unwrap()).unwrap();
        assert_eq!(m.kind, MessageType::Error);
        assert_eq!(m.id.as_deref(), Some("v00ff"));
        let e = m.error.clone().expect("the error");
        assert_eq!(e.condition, "service-unavailable");
        let again = Message::from_element(&m.to_element()).unwrap();
        assert_eq!(again, m);
        // An error without a defined condition is a bounce all the same, without a reason.
        let bare = BOUNCE.replace(
            r#"<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>"#,
            "",
        );
        let m = Message::from_element(&parse(&bare, ns::CLIENT).unwrap()).unwrap();
        assert_eq!((m.kind, m.error), (MessageType::Error, None));
    }

    #[test]
    fn test_invalid() {
        let bad = [
            (
                "<message type='weird'/>",
                ParseError::BadAttribute("message type"),
            ),
            (
                "<message from='@x'/>",
                ParseError::BadJid(crate::jid::JidError::EmptyLocal),
            ),
            ("<presence/>", ParseError::WrongElement("expected message")),
            (
                "<message xmlns='jabber:server'/>",
                ParseError::WrongElement("expected message"),
            ),
        ];
        for (f, want) in bad {
            assert_eq!(
                Message::from_element(&parse(f, ns::CLIENT).unwrap()),
                Err(want),
                "{f}"
            );
        }
    }
}
