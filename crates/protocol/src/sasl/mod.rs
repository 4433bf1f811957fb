//! SASL (RFC 6120 §6) for the client, as a small sans-IO state machine per mechanism, plus a
//! server-side verifier ([`server`]) that the devserver's embedded XMPP backend reuses.
//!
//! Mechanisms: SCRAM-SHA-512 (feature `scram-sha512`), SCRAM-SHA-256, SCRAM-SHA-1 (RFC 5802 / RFC 7677) and PLAIN
//! (RFC 4616); [`Mechanism::choose`] prefers the strongest offered. The authentication id is
//! the LOCAL part of the configured user: real servers reject `local@domain` for SCRAM.
//! What it does not do: channel binding (`-PLUS`: browsers cannot see the TLS session),
//! SASLprep beyond passing UTF-8 through (our credentials are ASCII tokens), or EXTERNAL.

pub mod plain;
pub mod scram;
pub mod server;

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;
use base64::Engine as _;
use core::fmt;

/// Base64 as SASL payloads carry it (RFC 4648 §4, `+/`, padded): the `base64` crate's
/// `STANDARD` engine, which decodes only canonical input (padding required, unused bits zero,
/// no whitespace: callers trim the element text first).
pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A SASL mechanism this client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// RFC 4616, password in the clear (only over TLS or loopback).
    Plain,
    /// RFC 5802 with SHA-1 (both real servers offer it).
    ScramSha1,
    /// RFC 7677.
    ScramSha256,
    /// SCRAM with SHA-512 (feature `scram-sha512`). ejabberd offers it, but SCRAM-SHA-256,
    /// which both ejabberd and Prosody offer, protects the widget's one-time credentials as
    /// well; leaving SHA-512 out keeps its code out of the wasm.
    #[cfg(feature = "scram-sha512")]
    ScramSha512,
}

impl Mechanism {
    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            #[cfg(feature = "scram-sha512")]
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// Reads a mechanism name (exact, as servers send them).
    pub fn from_name(s: &str) -> Option<Mechanism> {
        Some(match s {
            "PLAIN" => Mechanism::Plain,
            "SCRAM-SHA-1" => Mechanism::ScramSha1,
            "SCRAM-SHA-256" => Mechanism::ScramSha256,
            #[cfg(feature = "scram-sha512")]
            "SCRAM-SHA-512" => Mechanism::ScramSha512,
            _ => return None,
        })
    }

    /// The strongest mechanism in `offered` that is also `allowed`.
    pub fn choose<'a>(
        offered: impl IntoIterator<Item = &'a str>,
        allowed: &[Mechanism],
    ) -> Option<Mechanism> {
        offered
            .into_iter()
            .filter_map(Mechanism::from_name)
            .filter(|m| allowed.contains(m))
            .max()
    }

    /// All mechanisms, strongest first.
    pub const ALL: &'static [Mechanism] = &[
        #[cfg(feature = "scram-sha512")]
        Mechanism::ScramSha512,
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
        Mechanism::Plain,
    ];
}

/// Why authentication could not proceed on our side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaslError {
    /// The server offered none of the allowed mechanisms.
    NoMechanism,
    /// A challenge or success payload is not valid base64.
    BadBase64,
    /// A SCRAM message is malformed (names the part).
    Malformed(&'static str),
    /// The server's nonce does not extend ours.
    NonceMismatch,
    /// The iteration count is zero or absurdly high.
    BadIterations,
    /// The server's signature is wrong: the server does not know the password (or a MITM).
    BadServerSignature,
    /// The client's proof is wrong (server side): wrong password.
    BadClientProof,
    /// The server sent `e=…` in its final message.
    ServerRejected,
    /// A message arrived in a state that does not expect it.
    UnexpectedMessage,
    /// Channel binding was requested; not supported.
    ChannelBinding,
}

impl SaslError {
    /// What went wrong.
    pub fn message(&self) -> &'static str {
        match self {
            SaslError::NoMechanism => "no supported SASL mechanism offered",
            SaslError::BadBase64 => "SASL payload is not valid base64",
            SaslError::Malformed(m) => m,
            SaslError::NonceMismatch => "SCRAM server nonce does not extend the client nonce",
            SaslError::BadIterations => "SCRAM iteration count out of range",
            SaslError::BadServerSignature => "SCRAM server signature is wrong",
            SaslError::BadClientProof => "SCRAM client proof is wrong",
            SaslError::ServerRejected => "SCRAM server reported an error",
            SaslError::UnexpectedMessage => "unexpected SASL message",
            SaslError::ChannelBinding => "SCRAM channel binding is not supported",
        }
    }
}

impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for SaslError {}

/// A client-side mechanism in progress.
#[derive(Clone, Debug)]
pub enum ClientMechanism {
    /// PLAIN: one message, nothing to verify.
    Plain,
    /// SCRAM in progress.
    Scram(scram::ScramClient),
}

impl ClientMechanism {
    /// Starts `mech` for `username` (the local part) with `cnonce` (random, printable, no comma).
    /// Returns the mechanism and the initial response.
    pub fn start(
        mech: Mechanism,
        username: &str,
        password: &str,
        cnonce: &str,
    ) -> (ClientMechanism, Vec<u8>) {
        match mech {
            Mechanism::Plain => (
                ClientMechanism::Plain,
                plain::client_message(None, username, password),
            ),
            m => {
                let hash = match m {
                    #[cfg(feature = "scram-sha512")]
                    Mechanism::ScramSha512 => scram::Hash::Sha512,
                    Mechanism::ScramSha256 => scram::Hash::Sha256,
                    _ => scram::Hash::Sha1,
                };
                let c = scram::ScramClient::new(hash, username, password, cnonce);
                let first = c.client_first().into_bytes();
                (ClientMechanism::Scram(c), first)
            }
        }
    }

    /// Answers a `<challenge/>`.
    pub fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, SaslError> {
        match self {
            ClientMechanism::Plain => Err(SaslError::UnexpectedMessage),
            ClientMechanism::Scram(s) => s.handle_challenge(data),
        }
    }

    /// Checks the `<success/>` payload (SCRAM: verifies the server signature).
    pub fn success(&mut self, data: &[u8]) -> Result<(), SaslError> {
        match self {
            ClientMechanism::Plain => Ok(()),
            ClientMechanism::Scram(s) => s.handle_success(data),
        }
    }
}

/// A SASL element from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerMessage {
    /// `<challenge/>`, decoded.
    Challenge(Vec<u8>),
    /// `<success/>`, decoded (may be empty).
    Success(Vec<u8>),
    /// `<failure/>` with its condition (e.g. `not-authorized`) and text.
    Failure {
        /// Defined condition.
        condition: String,
        /// Text, if any.
        text: Option<String>,
    },
}

/// Decodes a SASL payload: empty or `=` means empty.
pub fn decode(text: &str) -> Result<Vec<u8>, SaslError> {
    let t = text.trim();
    if t.is_empty() || t == "=" {
        return Ok(Vec::new());
    }
    BASE64.decode(t).map_err(|_| SaslError::BadBase64)
}

/// Encodes a SASL payload: empty becomes `=` (RFC 6120 §6.4.2).
pub fn encode(data: &[u8]) -> String {
    if data.is_empty() {
        "=".to_owned()
    } else {
        BASE64.encode(data)
    }
}

/// Reads `<challenge/>`, `<success/>` or `<failure/>`.
pub fn parse_server(el: &Element) -> Result<Result<ServerMessage, SaslError>, ParseError> {
    if el.ns != ns::SASL {
        return Err(ParseError::WrongElement("expected a SASL element"));
    }
    Ok(match el.name.as_str() {
        "challenge" => decode(&el.text()).map(ServerMessage::Challenge),
        "success" => decode(&el.text()).map(ServerMessage::Success),
        "failure" => Ok(ServerMessage::Failure {
            condition: el
                .elements()
                .find(|c| c.name != "text")
                .map_or_else(|| "not-authorized".to_owned(), |c| c.name.clone()),
            text: el.child_text("text", ns::SASL),
        }),
        _ => return Err(ParseError::WrongElement("unknown SASL element")),
    })
}

/// `<auth mechanism="…">initial</auth>`.
pub fn auth(mech: Mechanism, initial: &[u8]) -> Element {
    Element::new("auth", ns::SASL)
        .with_attr("mechanism", mech.name())
        .with_text(&encode(initial))
}

/// `<challenge>…</challenge>` (server side).
pub fn challenge(data: &[u8]) -> Element {
    Element::new("challenge", ns::SASL).with_text(&encode(data))
}

/// `<success>…</success>` (server side; SCRAM puts the server-final message here).
pub fn success(data: &[u8]) -> Element {
    let el = Element::new("success", ns::SASL);
    if data.is_empty() {
        el
    } else {
        el.with_text(&encode(data))
    }
}

/// `<failure><condition/></failure>` (server side), e.g. `not-authorized`.
pub fn failure(condition: &str) -> Element {
    Element::new("failure", ns::SASL).with_child(Element::new(condition, ns::SASL))
}

/// A client's `<auth/>` as a server reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    /// The mechanism, when it is one this crate speaks.
    pub mechanism: Option<Mechanism>,
    /// The decoded initial response (empty when none was sent).
    pub initial: Result<Vec<u8>, SaslError>,
}

/// Reads a client's `<auth/>` (server side).
pub fn parse_auth(el: &Element) -> Result<Auth, ParseError> {
    if !el.is("auth", ns::SASL) {
        return Err(ParseError::WrongElement("expected SASL auth"));
    }
    let mech = el
        .attr("mechanism")
        .ok_or(ParseError::MissingAttribute("auth mechanism"))?;
    Ok(Auth {
        mechanism: Mechanism::from_name(mech),
        initial: decode(&el.text()),
    })
}

/// `<response>…</response>`.
pub fn response(data: &[u8]) -> Element {
    Element::new("response", ns::SASL).with_text(&encode(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    /// RFC 4648's vectors through the engine the SASL code uses.
    #[test]
    fn test_base64_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(BASE64.encode(plain.as_bytes()), encoded);
            assert_eq!(BASE64.decode(encoded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(BASE64.decode(BASE64.encode(&all)).unwrap(), all);
        assert_eq!(BASE64.encode([0xfb, 0xff]), "+/8=");
        assert_eq!(encode(b""), "=");
        assert_eq!(decode(" = ").unwrap(), b"");
        assert_eq!(decode("Zm9v\n").unwrap(), b"foo", "element text is trimmed");
        assert_eq!(decode("Zm9"), Err(SaslError::BadBase64));
    }

    /// Only canonical base64 is a SASL payload (the engine's configuration, checked).
    #[test]
    fn test_base64_invalid() {
        for bad in [
            "Zg",
            "Zg=",
            "Zg===",
            "Z===",
            "====",
            "Zh==",
            "Zm9=",
            "Zg==Zg==",
            "Zm 9",
            "Zm9v\n",
            "Zm-_",
            "Zm9\u{e9}",
            "=Zm9",
        ] {
            assert!(BASE64.decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn chooses_strongest_allowed() {
        let offered = ["PLAIN", "SCRAM-SHA-1", "X-OAUTH2", "SCRAM-SHA-256"];
        assert_eq!(
            Mechanism::choose(offered, Mechanism::ALL),
            Some(Mechanism::ScramSha256)
        );
        assert_eq!(
            Mechanism::choose(offered, &[Mechanism::Plain]),
            Some(Mechanism::Plain)
        );
        assert_eq!(Mechanism::choose(["X-OAUTH2"], Mechanism::ALL), None);
        assert_eq!(
            Mechanism::choose(["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"], Mechanism::ALL),
            Some(Mechanism::ScramSha1)
        );
    }

    #[test]
    fn scram_sha512_only_with_its_feature() {
        let chosen = Mechanism::choose(["SCRAM-SHA-512", "SCRAM-SHA-256"], Mechanism::ALL);
        #[cfg(feature = "scram-sha512")]
        assert_eq!(chosen, Some(Mechanism::ScramSha512));
        #[cfg(not(feature = "scram-sha512"))]
        assert_eq!(chosen, Some(Mechanism::ScramSha256));
        assert_eq!(
            Mechanism::from_name("SCRAM-SHA-512").is_some(),
            cfg!(feature = "scram-sha512")
        );
    }

    #[test]
    fn test_simple() {
        let f = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>Invalid username or password</text></failure>";
        assert_eq!(
            parse_server(&parse(f, "").unwrap()),
            Ok(Ok(ServerMessage::Failure {
                condition: "not-authorized".into(),
                text: Some("Invalid username or password".into())
            }))
        );
        let s = parse("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9</success>", "").unwrap();
        assert_eq!(
            parse_server(&s),
            Ok(Ok(ServerMessage::Success(
                b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=".to_vec()
            )))
        );
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            auth(Mechanism::Plain, b"\0u\0p").to_xml(),
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">AHUAcA==</auth>"
        );
        assert_eq!(
            response(b"").to_xml(),
            "<response xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">=</response>"
        );
    }

    #[test]
    fn server_side_elements_roundtrip() {
        let a = auth(Mechanism::ScramSha1, b"n,,n=u,r=x");
        assert_eq!(
            parse_auth(&a),
            Ok(Auth {
                mechanism: Some(Mechanism::ScramSha1),
                initial: Ok(b"n,,n=u,r=x".to_vec())
            })
        );
        assert_eq!(
            parse_server(&challenge(b"r=x")),
            Ok(Ok(ServerMessage::Challenge(b"r=x".to_vec())))
        );
        assert_eq!(
            parse_server(&success(b"")),
            Ok(Ok(ServerMessage::Success(Vec::new())))
        );
        assert_eq!(
            parse_server(&failure("not-authorized")),
            Ok(Ok(ServerMessage::Failure {
                condition: "not-authorized".into(),
                text: None
            }))
        );
    }

    #[test]
    fn test_invalid() {
        let c = parse(
            "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!!</challenge>",
            "",
        )
        .unwrap();
        assert_eq!(parse_server(&c), Ok(Err(SaslError::BadBase64)));
        assert!(parse_server(&parse("<auth xmlns='jabber:client'/>", "").unwrap()).is_err());
    }
}
