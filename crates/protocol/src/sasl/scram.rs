//! SCRAM (RFC 5802, RFC 7677) client and the shared key derivation, over SHA-1, SHA-256 and
//! SHA-512 from RustCrypto. The hash is chosen at run time by [`enum@Hash`] (one small `match`
//! instead of a generic layer per hash, which keeps the wasm small).
//!
//! What it does not do: channel binding (the GS2 header is always `n,,`), or SASLprep.

use super::SaslError;
use super::BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
#[cfg(feature = "scram-sha512")]
use sha2::Sha512;
use sha2::{Digest, Sha256};

/// Highest iteration count accepted from a server; real servers use 4096, and a hostile one
/// must not be able to freeze the page with 2^32 rounds.
pub const MAX_ITERATIONS: u32 = 1 << 20;

/// The hash of a SCRAM variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SCRAM-SHA-1.
    Sha1,
    /// SCRAM-SHA-256.
    Sha256,
    /// SCRAM-SHA-512 (feature `scram-sha512`).
    #[cfg(feature = "scram-sha512")]
    Sha512,
}

macro_rules! hmac_with {
    ($h:ty, $key:expr, $data:expr) => {{
        match <Hmac<$h> as Mac>::new_from_slice($key) {
            Ok(mut m) => {
                m.update($data);
                m.finalize().into_bytes().to_vec()
            }
            // HMAC accepts keys of any length; this arm is unreachable in practice.
            Err(_) => Vec::new(),
        }
    }};
}

impl Hash {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            #[cfg(feature = "scram-sha512")]
            Hash::Sha512 => 64,
        }
    }

    /// `H(data)`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            #[cfg(feature = "scram-sha512")]
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `HMAC(key, data)`.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => hmac_with!(Sha1, key, data),
            Hash::Sha256 => hmac_with!(Sha256, key, data),
            #[cfg(feature = "scram-sha512")]
            Hash::Sha512 => hmac_with!(Sha512, key, data),
        }
    }

    /// `Hi(password, salt, i)` = PBKDF2-HMAC.
    pub fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        let mut out = vec![0u8; self.output_len()];
        match self {
            Hash::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out),
            Hash::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out),
            #[cfg(feature = "scram-sha512")]
            Hash::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out),
        }
        out
    }
}

/// The keys derived from a salted password (what a server stores).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Client Key")` (client side only).
    pub client_key: Vec<u8>,
}

/// Derives the SCRAM keys.
pub fn derive_keys(hash: Hash, password: &str, salt: &[u8], iterations: u32) -> Keys {
    let salted = hash.hi(password.as_bytes(), salt, iterations);
    let client_key = hash.hmac(&salted, b"Client Key");
    Keys {
        stored_key: hash.digest(&client_key),
        server_key: hash.hmac(&salted, b"Server Key"),
        client_key,
    }
}

/// Escapes a username for `n=` (RFC 5802 §5.1: `=` → `=3D`, `,` → `=2C`).
pub fn escape_username(u: &str) -> String {
    u.replace('=', "=3D").replace(',', "=2C")
}

/// Undoes [`escape_username`]; other `=` sequences are invalid.
pub fn unescape_username(u: &str) -> Result<String, SaslError> {
    let mut out = String::with_capacity(u.len());
    let mut rest = u;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match rest.get(i..i + 3) {
            Some("=3D") => out.push('='),
            Some("=2C") => out.push(','),
            _ => return Err(SaslError::Malformed("SCRAM username has a bad escape")),
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Splits `a=x,b=y` into `(key, value)` pairs in order.
pub(crate) fn attributes(msg: &str) -> impl Iterator<Item = (u8, &str)> {
    msg.split(',').map(|p| {
        let b = p.as_bytes();
        if b.len() >= 2 && b[1] == b'=' {
            (b[0], &p[2..])
        } else {
            (0, p)
        }
    })
}

pub(crate) fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// Constant-time-ish comparison so signature checks do not leak a prefix length by timing.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone, Debug)]
enum State {
    Initial,
    SentFinal { server_signature: Vec<u8> },
    Verified,
    Failed,
}

/// A SCRAM client exchange.
#[derive(Clone, Debug)]
pub struct ScramClient {
    hash: Hash,
    password: String,
    cnonce: String,
    client_first_bare: String,
    state: State,
}

impl ScramClient {
    /// Starts an exchange; `cnonce` must be random, printable and comma-free (we base64 it).
    pub fn new(hash: Hash, username: &str, password: &str, cnonce: &str) -> ScramClient {
        let client_first_bare = format!("n={},r={}", escape_username(username), cnonce);
        ScramClient {
            hash,
            password: password.to_owned(),
            cnonce: cnonce.to_owned(),
            client_first_bare,
            state: State::Initial,
        }
    }

    /// The client-first message (`n,,n=user,r=nonce`).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Handles a challenge: the server-first message in the first round, or (some servers)
    /// the server-final message as a challenge, answered with an empty response.
    pub fn handle_challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, SaslError> {
        match self.state {
            State::Initial => self.handle_server_first(data).map(String::into_bytes),
            State::SentFinal { .. } => self.handle_server_final(data).map(|()| Vec::new()),
            _ => Err(SaslError::UnexpectedMessage),
        }
    }

    /// Handles `<success/>`: verifies its server-final payload, or accepts an empty one when the
    /// signature was already verified from a challenge.
    pub fn handle_success(&mut self, data: &[u8]) -> Result<(), SaslError> {
        match (&self.state, data.is_empty()) {
            (State::Verified, true) => Ok(()),
            (State::SentFinal { .. }, false) => self.handle_server_final(data),
            (State::SentFinal { .. }, true) => Err(SaslError::BadServerSignature),
            _ => Err(SaslError::UnexpectedMessage),
        }
    }

    /// Server-first → client-final (with proof).
    pub fn handle_server_first(&mut self, data: &[u8]) -> Result<String, SaslError> {
        self.state = State::Failed;
        let msg = core::str::from_utf8(data)
            .map_err(|_| SaslError::Malformed("SCRAM server-first is not UTF-8"))?;
        let mut it = attributes(msg);
        let nonce = match it.next() {
            Some((b'r', n)) => n,
            Some((b'm', _)) => {
                return Err(SaslError::Malformed(
                    "SCRAM mandatory extension not supported",
                ))
            }
            _ => return Err(SaslError::Malformed("SCRAM server-first lacks r=")),
        };
        let salt = match it.next() {
            Some((b's', s)) => BASE64.decode(s).map_err(|_| SaslError::BadBase64)?,
            _ => return Err(SaslError::Malformed("SCRAM server-first lacks s=")),
        };
        let iterations: u32 = match it.next() {
            Some((b'i', i)) => i.parse().map_err(|_| SaslError::BadIterations)?,
            _ => return Err(SaslError::Malformed("SCRAM server-first lacks i=")),
        };
        if !nonce.starts_with(&self.cnonce) || nonce.len() == self.cnonce.len() {
            return Err(SaslError::NonceMismatch);
        }
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(SaslError::BadIterations);
        }
        let keys = derive_keys(self.hash, &self.password, &salt, iterations);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{},{}", self.client_first_bare, msg, without_proof);
        let client_signature = self.hash.hmac(&keys.stored_key, auth_message.as_bytes());
        let proof = xor(&keys.client_key, &client_signature);
        let server_signature = self.hash.hmac(&keys.server_key, auth_message.as_bytes());
        self.state = State::SentFinal { server_signature };
        Ok(format!("{without_proof},p={}", BASE64.encode(&proof)))
    }

    /// Verifies the server-final message (`v=signature`).
    pub fn handle_server_final(&mut self, data: &[u8]) -> Result<(), SaslError> {
        let State::SentFinal { server_signature } = &self.state else {
            return Err(SaslError::UnexpectedMessage);
        };
        let msg = core::str::from_utf8(data)
            .map_err(|_| SaslError::Malformed("SCRAM server-final is not UTF-8"))?;
        let ok = match attributes(msg).next() {
            Some((b'v', v)) => {
                let got = BASE64.decode(v).map_err(|_| SaslError::BadBase64)?;
                if ct_eq(&got, server_signature) {
                    Ok(())
                } else {
                    Err(SaslError::BadServerSignature)
                }
            }
            Some((b'e', _)) => Err(SaslError::ServerRejected),
            _ => Err(SaslError::Malformed("SCRAM server-final lacks v=")),
        };
        self.state = if ok.is_ok() {
            State::Verified
        } else {
            State::Failed
        };
        ok
    }

    /// Whether the server proved it knows the password.
    pub fn is_verified(&self) -> bool {
        matches!(self.state, State::Verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5802_sha1_vector() {
        let mut c = ScramClient::new(Hash::Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        assert_eq!(c.client_first(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        let fin = c
            .handle_server_first(
                b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            )
            .unwrap();
        assert_eq!(
            fin,
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        assert_eq!(c.handle_success(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="), Ok(()));
        assert!(c.is_verified());
    }

    #[test]
    fn rfc7677_sha256_vector() {
        let mut c = ScramClient::new(Hash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        let fin = c
            .handle_challenge(b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap();
        assert_eq!(
            String::from_utf8(fin).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        // Server-final delivered as a challenge, then an empty success (both allowed).
        assert_eq!(
            c.handle_challenge(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Ok(Vec::new())
        );
        assert_eq!(c.handle_success(b""), Ok(()));
    }

    #[test]
    fn wrong_server_signature_is_rejected() {
        let mut c = ScramClient::new(Hash::Sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        c.handle_server_first(
            b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        )
        .unwrap();
        assert_eq!(
            c.handle_success(b"v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            Err(SaslError::BadServerSignature)
        );
        assert!(!c.is_verified());
        let mut c = ScramClient::new(Hash::Sha1, "user", "pencil", "abc");
        c.handle_server_first(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=1")
            .unwrap();
        // An empty success without a verified signature is a server that skipped the proof.
        assert_eq!(c.handle_success(b""), Err(SaslError::BadServerSignature));
    }

    #[test]
    fn hostile_server_first_is_rejected() {
        let cases: &[(&[u8], SaslError)] = &[
            (
                b"r=other,s=QSXCR+Q6sek8bf92,i=4096",
                SaslError::NonceMismatch,
            ),
            (b"r=abc,s=QSXCR+Q6sek8bf92,i=4096", SaslError::NonceMismatch),
            (b"r=abcd,s=QSXCR+Q6sek8bf92,i=0", SaslError::BadIterations),
            (
                b"r=abcd,s=QSXCR+Q6sek8bf92,i=4294967295",
                SaslError::BadIterations,
            ),
            (b"r=abcd,s=QSXCR+Q6sek8bf92,i=x", SaslError::BadIterations),
            (b"r=abcd,s=!!,i=1", SaslError::BadBase64),
            (
                b"m=ext,r=abcd,s=QQ==,i=1",
                SaslError::Malformed("SCRAM mandatory extension not supported"),
            ),
            (
                b"r=abcd",
                SaslError::Malformed("SCRAM server-first lacks s="),
            ),
            (b"", SaslError::Malformed("SCRAM server-first lacks r=")),
            (
                &[0xff],
                SaslError::Malformed("SCRAM server-first is not UTF-8"),
            ),
        ];
        for (msg, want) in cases {
            let mut c = ScramClient::new(Hash::Sha1, "u", "p", "abc");
            assert_eq!(
                c.handle_server_first(msg),
                Err(*want),
                "{:?}",
                String::from_utf8_lossy(msg)
            );
        }
    }

    #[test]
    fn username_escaping_roundtrips() {
        assert_eq!(escape_username("a=b,c"), "a=3Db=2Cc");
        assert_eq!(unescape_username("a=3Db=2Cc").unwrap(), "a=b,c");
        assert!(unescape_username("a=4").is_err());
    }
}
