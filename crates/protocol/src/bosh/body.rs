//! The XEP-0124 `<body/>` wrapper that every BOSH request and response is, with the XEP-0206
//! attributes (`xmpp:version`, `xmpp:restart`) and the terminal binding conditions.
//!
//! Both directions use the same type: the client session writes requests and reads responses,
//! devserver's endpoint reads requests and writes responses. Payload elements cross between a
//! body and RFC 7395 frames with [`Body::payload_frames`] (a child the sender left in the
//! `httpbind` namespace is a `jabber:client` stanza, as XEP-0206 reads it).
//! What it does not do: decide anything about a session (see `session`).

use crate::ns;
use crate::xml::{self, escape_into, Element, Node, XmlError};
use core::fmt;

/// The `type` of a body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// An ordinary request or response.
    #[default]
    Normal,
    /// `type='terminate'`: the session ends (either side).
    Terminate,
    /// `type='error'`: a recoverable binding error; the client repeats its unanswered requests.
    Error,
}

/// A terminal binding condition (the `condition` of a `type='terminate'` body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The request was malformed.
    BadRequest,
    /// The XMPP server behind the connection manager went away.
    HostGone,
    /// The domain in `to` is not served.
    HostUnknown,
    /// `to` or `route` is missing or wrong.
    ImproperAddressing,
    /// The connection manager failed.
    InternalServerError,
    /// The `sid` is unknown, or a `rid` is out of the window or no longer answerable.
    ItemNotFound,
    /// Another request replaced this one (the session goes on elsewhere).
    OtherRequest,
    /// The client broke a rule (too many requests, polling too often, too large).
    PolicyViolation,
    /// The connection manager could not reach the XMPP server.
    RemoteConnectionFailed,
    /// The XMPP stream ended; a `<stream:error/>` child may say why.
    RemoteStreamError,
    /// The client must use another URI.
    SeeOtherUri,
    /// The connection manager is shutting down.
    SystemShutdown,
    /// Anything else the server named.
    UndefinedCondition,
    /// A condition this code does not know, as sent.
    Other(String),
}

impl Condition {
    const NAMES: [(&'static str, Condition); 13] = [
        ("bad-request", Condition::BadRequest),
        ("host-gone", Condition::HostGone),
        ("host-unknown", Condition::HostUnknown),
        ("improper-addressing", Condition::ImproperAddressing),
        ("internal-server-error", Condition::InternalServerError),
        ("item-not-found", Condition::ItemNotFound),
        ("other-request", Condition::OtherRequest),
        ("policy-violation", Condition::PolicyViolation),
        (
            "remote-connection-failed",
            Condition::RemoteConnectionFailed,
        ),
        ("remote-stream-error", Condition::RemoteStreamError),
        ("see-other-uri", Condition::SeeOtherUri),
        ("system-shutdown", Condition::SystemShutdown),
        ("undefined-condition", Condition::UndefinedCondition),
    ];

    /// Reads a `condition` attribute.
    pub fn parse(s: &str) -> Condition {
        Condition::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| Condition::Other(s.to_owned()))
    }

    /// The attribute value.
    pub fn as_str(&self) -> &str {
        match self {
            Condition::Other(s) => s,
            c => Condition::NAMES
                .iter()
                .find(|(_, k)| k == c)
                .map_or("undefined-condition", |(n, _)| n),
        }
    }

    /// What it means, for a person reading a log.
    pub fn describe(&self) -> &'static str {
        match self {
            Condition::BadRequest => "the server could not read a request",
            Condition::HostGone => "the XMPP service is no longer there",
            Condition::HostUnknown => "the server does not serve this domain",
            Condition::ImproperAddressing => "the request named no usable domain",
            Condition::InternalServerError => "the BOSH server failed",
            Condition::ItemNotFound => "the BOSH session is unknown or expired",
            Condition::OtherRequest => "the session was closed by another request",
            Condition::PolicyViolation => "the server refused the request rate or size",
            Condition::RemoteConnectionFailed => "the BOSH server cannot reach the XMPP server",
            Condition::RemoteStreamError => "the XMPP stream ended",
            Condition::SeeOtherUri => "the server asks for another URL",
            Condition::SystemShutdown => "the server is shutting down",
            Condition::UndefinedCondition | Condition::Other(_) => "the server ended the session",
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.describe(), self.as_str())
    }
}

/// Why a text is not a usable `<body/>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Not well-formed XML.
    Xml(XmlError),
    /// Well-formed, but the root is not `<body xmlns='http://jabber.org/protocol/httpbind'/>`.
    NotBody,
    /// An attribute has a value XEP-0124 does not allow (a non-numeric `rid`, …).
    BadAttribute(&'static str),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Xml(e) => write!(f, "not XML: {e}"),
            BodyError::NotBody => f.write_str("not a BOSH <body/>"),
            BodyError::BadAttribute(a) => write!(f, "bad BOSH attribute {a}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// One `<body/>`: the attributes both sides use, and the payload elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    /// Session id (absent only in the session creation request).
    pub sid: Option<String>,
    /// Request id (requests only).
    pub rid: Option<u64>,
    /// `type`.
    pub kind: Kind,
    /// The terminal condition of a `terminate` body.
    pub condition: Option<Condition>,
    /// The XMPP domain (creation and restart requests).
    pub to: Option<String>,
    /// The domain the server answers for (creation response).
    pub from: Option<String>,
    /// `xml:lang`.
    pub lang: Option<String>,
    /// BOSH protocol version (`ver`).
    pub ver: Option<String>,
    /// Longest time, in seconds, the server holds a request before answering it empty.
    pub wait: Option<u32>,
    /// How many requests the server keeps waiting at once.
    pub hold: Option<u32>,
    /// How many requests the client may have open at once (creation response).
    pub requests: Option<u32>,
    /// Seconds without any open request after which the server ends the session.
    pub inactivity: Option<u32>,
    /// Shortest allowed interval, in seconds, between two empty requests.
    pub polling: Option<u32>,
    /// Longest pause the server allows, in seconds.
    pub maxpause: Option<u32>,
    /// The XMPP stream id (creation response).
    pub authid: Option<String>,
    /// `xmpp:version` (XEP-0206): `1.0` asks for / confirms XMPP 1.0 streams (SASL, bind).
    pub xmpp_version: Option<String>,
    /// `xmpp:restart='true'` (XEP-0206): restart the XMPP stream after SASL.
    pub restart: bool,
    /// The payload elements.
    pub payload: Vec<Element>,
}

impl Body {
    /// Reads a body. Namespaced attributes count only when their prefix is bound to XEP-0206's
    /// namespace (`xmlns:xmpp='urn:xmpp:xbosh'` by convention, any prefix by the rules).
    pub fn parse(text: &str) -> Result<Body, BodyError> {
        let el = xml::parse(text, ns::HTTPBIND).map_err(BodyError::Xml)?;
        if !el.is("body", ns::HTTPBIND) {
            return Err(BodyError::NotBody);
        }
        let raw = xml::root_attributes(text).map_err(BodyError::Xml)?;
        let xbosh = raw
            .iter()
            .find_map(|(k, v)| k.strip_prefix("xmlns:").filter(|_| v == ns::XBOSH));
        let xmpp_attr = |local: &str| {
            let p = xbosh?;
            raw.iter()
                .find(|(k, _)| k.split_once(':') == Some((p, local)))
                .map(|(_, v)| v.as_str())
        };
        let text_attr = |n: &str| el.attr(n).map(str::to_owned);
        let num = |n: &'static str| -> Result<Option<u32>, BodyError> {
            el.attr(n)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| BodyError::BadAttribute(n))
                })
                .transpose()
        };
        let kind = match el.attr("type") {
            None => Kind::Normal,
            Some("terminate") => Kind::Terminate,
            Some("error") => Kind::Error,
            Some(_) => return Err(BodyError::BadAttribute("type")),
        };
        let rid = el
            .attr("rid")
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| BodyError::BadAttribute("rid"))
            })
            .transpose()?;
        Ok(Body {
            sid: text_attr("sid"),
            rid,
            kind,
            condition: el.attr("condition").map(Condition::parse),
            to: text_attr("to"),
            from: text_attr("from"),
            lang: text_attr("xml:lang"),
            ver: text_attr("ver"),
            wait: num("wait")?,
            hold: num("hold")?,
            requests: num("requests")?,
            inactivity: num("inactivity")?,
            polling: num("polling")?,
            maxpause: num("maxpause")?,
            authid: text_attr("authid"),
            xmpp_version: xmpp_attr("version").map(str::to_owned),
            restart: xmpp_attr("restart").is_some_and(|v| v == "true" || v == "1"),
            payload: el.elements().cloned().collect(),
        })
    }

    /// The payload as RFC 7395 frames, one element each. A child left in the `httpbind`
    /// namespace (a sender that did not qualify its stanzas) reads as `jabber:client`.
    pub fn payload_frames(&self) -> impl Iterator<Item = String> + '_ {
        self.payload.iter().map(|el| {
            if el.ns == ns::HTTPBIND {
                let mut el = el.clone();
                requalify(&mut el);
                el.to_xml()
            } else {
                el.to_xml()
            }
        })
    }

    /// Serialises the body: `xmlns` first, then the attributes that are set, then the payload.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(160);
        out.push_str("<body xmlns=\"");
        out.push_str(ns::HTTPBIND);
        out.push('"');
        let xbosh = self.xmpp_version.is_some() || self.restart;
        let mut attr = |name: &str, value: &str| {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(&mut out, value, true);
            out.push('"');
        };
        if xbosh {
            attr("xmlns:xmpp", ns::XBOSH);
        }
        let nums = [
            ("rid", self.rid),
            ("wait", self.wait.map(u64::from)),
            ("hold", self.hold.map(u64::from)),
            ("requests", self.requests.map(u64::from)),
            ("inactivity", self.inactivity.map(u64::from)),
            ("polling", self.polling.map(u64::from)),
            ("maxpause", self.maxpause.map(u64::from)),
        ];
        if let Some(sid) = &self.sid {
            attr("sid", sid);
        }
        for (name, v) in nums {
            if let Some(v) = v {
                attr(name, &v.to_string());
            }
        }
        match self.kind {
            Kind::Normal => {}
            Kind::Terminate => attr("type", "terminate"),
            Kind::Error => attr("type", "error"),
        }
        if let Some(c) = &self.condition {
            attr("condition", c.as_str());
        }
        for (name, v) in [
            ("to", &self.to),
            ("from", &self.from),
            ("xml:lang", &self.lang),
            ("ver", &self.ver),
            ("authid", &self.authid),
            ("xmpp:version", &self.xmpp_version),
        ] {
            if let Some(v) = v {
                attr(name, v);
            }
        }
        if self.restart {
            attr("xmpp:restart", "true");
        }
        if self.payload.is_empty() {
            out.push_str("/>");
            return out;
        }
        out.push('>');
        for el in &self.payload {
            el.write_to(&mut out, ns::HTTPBIND);
        }
        out.push_str("</body>");
        out
    }
}

/// Moves an element (and its descendants) out of the `httpbind` namespace into `jabber:client`.
fn requalify(el: &mut Element) {
    if el.ns == ns::HTTPBIND {
        ns::CLIENT.clone_into(&mut el.ns);
    }
    for c in &mut el.children {
        if let Node::Element(e) = c {
            requalify(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_simple() {
        // ejabberd 23.01's session creation response, verbatim in shape.
        let r = "<body xmlns='http://jabber.org/protocol/httpbind' sid='2f8d' wait='60' ver='1.11' polling='2' inactivity='30' hold='1' xmpp:restartlogic='true' requests='2' secure='true' maxpause='120' xmlns:xmpp='urn:xmpp:xbosh' xmlns:stream='http://etherx.jabber.org/streams' from='webchat.test' xmpp:version='1.0' authid='99a1'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>";
        let b = Body::parse(r).unwrap();
        assert_eq!(b.sid.as_deref(), Some("2f8d"));
        assert_eq!(
            (
                b.wait,
                b.hold,
                b.requests,
                b.inactivity,
                b.polling,
                b.maxpause
            ),
            (Some(60), Some(1), Some(2), Some(30), Some(2), Some(120))
        );
        assert_eq!(b.xmpp_version.as_deref(), Some("1.0"));
        assert_eq!(b.authid.as_deref(), Some("99a1"));
        assert_eq!(b.kind, Kind::Normal);
        assert_eq!(b.payload.len(), 1);
        assert!(b.payload[0].is("features", ns::STREAMS));
        let frames: Vec<String> = b.payload_frames().collect();
        assert!(frames[0].starts_with("<features xmlns=\"http://etherx.jabber.org/streams\">"));

        // A restart request with another prefix for XEP-0206's namespace.
        let r = "<body rid='12' sid='s' xmlns='http://jabber.org/protocol/httpbind' xmlns:x='urn:xmpp:xbosh' x:restart='true' to='webchat.test' xml:lang='en'/>";
        let b = Body::parse(r).unwrap();
        assert!(b.restart);
        assert_eq!(b.rid, Some(12));
        assert_eq!(b.lang.as_deref(), Some("en"));

        // Prosody's terminate with a stream error.
        let r = "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' xmlns:stream='http://etherx.jabber.org/streams' condition='remote-stream-error'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></body>";
        let b = Body::parse(r).unwrap();
        assert_eq!(b.kind, Kind::Terminate);
        assert_eq!(b.condition, Some(Condition::RemoteStreamError));
        assert!(b.payload[0].is("error", ns::STREAMS));
    }

    #[test]
    fn creation_responses_of_ejabberd_and_prosody() {
        // Recorded from ejabberd 23.01 and Prosody 0.12 (`cargo xtask servers`): ejabberd
        // writes `xmpp:version` before the declaration of its prefix.
        let ejabberd = "<body xmpp:version='1.0' authid='5329624973457079971' xmlns='http://jabber.org/protocol/httpbind' sid='7e30fcd0fe96ec211ddb35ba1bc828a888b440bd' wait='5' ver='1.11' polling='2' inactivity='30' hold='1' xmpp:restartlogic='true' requests='2' secure='true' maxpause='120' xmlns:xmpp='urn:xmpp:xbosh' xmlns:stream='http://etherx.jabber.org/streams' from='webchat.test'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features></body>";
        let prosody = "<body inactivity='60' xmlns:xmpp='urn:xmpp:xbosh' ver='1.6' xmlns:stream='http://etherx.jabber.org/streams' wait='5' hold='1' secure='true' requests='2' sid='b9fc9696-69e7-4c6a-9d25-cf182209c44a' xmlns='http://jabber.org/protocol/httpbind' xmpp:version='1.0' authid='b9fc9696-69e7-4c6a-9d25-cf182209c44a' polling='5' from='webchat.test'><stream:features xmlns='jabber:client'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features></body>";
        for (text, inactivity, polling) in [(ejabberd, 30, 2), (prosody, 60, 5)] {
            let b = Body::parse(text).unwrap();
            assert_eq!(b.xmpp_version.as_deref(), Some("1.0"));
            assert_eq!(
                (b.wait, b.hold, b.requests, b.inactivity, b.polling),
                (Some(5), Some(1), Some(2), Some(inactivity), Some(polling))
            );
            let features = crate::features::Features::from_element(&b.payload[0]).unwrap();
            assert!(features.mechanisms.iter().any(|m| m == "PLAIN"));
        }
    }

    #[test]
    fn unqualified_payload_reads_as_jabber_client() {
        let r = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' sid='s'><message to='a@b'><body>hi</body></message><r xmlns='urn:xmpp:sm:3'/></body>";
        let b = Body::parse(r).unwrap();
        let frames: Vec<String> = b.payload_frames().collect();
        assert_eq!(
            frames,
            [
                "<message xmlns=\"jabber:client\" to=\"a@b\"><body>hi</body></message>",
                "<r xmlns=\"urn:xmpp:sm:3\"/>"
            ]
        );
    }

    #[test]
    fn test_serialise() {
        let create = Body {
            rid: Some(4_000_000_001),
            to: Some("webchat.test".into()),
            lang: Some("en".into()),
            ver: Some("1.6".into()),
            wait: Some(60),
            hold: Some(1),
            xmpp_version: Some("1.0".into()),
            ..Body::default()
        };
        assert_eq!(
            create.to_xml(),
            "<body xmlns=\"http://jabber.org/protocol/httpbind\" xmlns:xmpp=\"urn:xmpp:xbosh\" rid=\"4000000001\" wait=\"60\" hold=\"1\" to=\"webchat.test\" xml:lang=\"en\" ver=\"1.6\" xmpp:version=\"1.0\"/>"
        );
        let msg = crate::xml::parse(
            "<message xmlns='jabber:client' to='a@b'><body>x &amp; y</body></message>",
            ns::CLIENT,
        )
        .unwrap();
        let term = Body {
            rid: Some(7),
            sid: Some("s\"1".into()),
            kind: Kind::Terminate,
            payload: vec![msg],
            ..Body::default()
        };
        let xml = term.to_xml();
        assert_eq!(
            xml,
            "<body xmlns=\"http://jabber.org/protocol/httpbind\" sid=\"s&quot;1\" rid=\"7\" type=\"terminate\"><message xmlns=\"jabber:client\" to=\"a@b\"><body>x &amp; y</body></message></body>"
        );
        // What is written reads back the same.
        assert_eq!(Body::parse(&xml).unwrap(), term);
        assert_eq!(Body::parse(&create.to_xml()).unwrap(), create);
        let restart = Body {
            rid: Some(8),
            sid: Some("s".into()),
            restart: true,
            ..Body::default()
        };
        assert_eq!(Body::parse(&restart.to_xml()).unwrap(), restart);
    }

    #[test]
    fn test_invalid() {
        assert!(matches!(Body::parse("<body"), Err(BodyError::Xml(_))));
        assert!(matches!(Body::parse(""), Err(BodyError::Xml(_))));
        assert_eq!(
            Body::parse("<html><body>502 Bad Gateway</body></html>"),
            Err(BodyError::NotBody)
        );
        assert_eq!(
            Body::parse("<body xmlns='jabber:client'/>"),
            Err(BodyError::NotBody)
        );
        assert_eq!(
            Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' rid='-1'/>"),
            Err(BodyError::BadAttribute("rid"))
        );
        assert_eq!(
            Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' wait='soon'/>"),
            Err(BodyError::BadAttribute("wait"))
        );
        assert_eq!(
            Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' type='pause'/>"),
            Err(BodyError::BadAttribute("type"))
        );
        // `xmpp:restart` whose prefix is bound elsewhere is not XEP-0206's.
        let b = Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:other' xmpp:restart='true'/>").unwrap();
        assert!(!b.restart);
        assert_eq!(
            Condition::parse("shiny-new"),
            Condition::Other("shiny-new".into())
        );
        assert_eq!(
            Condition::parse("item-not-found").as_str(),
            "item-not-found"
        );
    }
}
