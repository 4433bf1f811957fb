//! RFC 4616 PLAIN: `authzid NUL authcid NUL password`, both directions.
//!
//! What it does not do: protect the password; only use it over TLS or loopback.

use super::SaslError;

/// The client's only message.
pub fn client_message(authzid: Option<&str>, authcid: &str, password: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(authcid.len() + password.len() + 2);
    v.extend_from_slice(authzid.unwrap_or("").as_bytes());
    v.push(0);
    v.extend_from_slice(authcid.as_bytes());
    v.push(0);
    v.extend_from_slice(password.as_bytes());
    v
}

/// What a PLAIN message carries (server side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Authorisation identity, usually empty.
    pub authzid: String,
    /// Authentication identity (the username).
    pub authcid: String,
    /// The password.
    pub password: String,
}

/// Reads a PLAIN message (server side).
pub fn parse(msg: &[u8]) -> Result<PlainCredentials, SaslError> {
    let s = core::str::from_utf8(msg)
        .map_err(|_| SaslError::Malformed("PLAIN message is not UTF-8"))?;
    let mut parts = s.split('\0');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(z), Some(c), Some(p), None) if !c.is_empty() => Ok(PlainCredentials {
            authzid: z.to_owned(),
            authcid: c.to_owned(),
            password: p.to_owned(),
        }),
        _ => Err(SaslError::Malformed(
            "PLAIN message needs authzid NUL authcid NUL password",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_invalid() {
        let m = client_message(None, "v1", "pw");
        assert_eq!(m, b"\0v1\0pw");
        assert_eq!(parse(&m).unwrap().authcid, "v1");
        assert!(parse(b"v1\0pw").is_err());
        assert!(parse(b"\0\0pw").is_err());
        assert!(parse(b"\0a\0b\0c").is_err());
        assert!(parse(&[0, 0xff, 0, 1]).is_err());
    }
}
