//! The server side of SCRAM and PLAIN, for the devserver's embedded XMPP backend and for
//! testing the client against an independent implementation of the exchange.
//!
//! Flow: [`ScramServer::handle_client_first`] → look up the user's [`Credentials`] →
//! [`ScramServer::server_first`] → [`ScramServer::handle_client_final`] returns the
//! server-final message to put in `<success/>`. What it does not do: store users, or rate-limit.

use super::scram::{attributes, ct_eq, derive_keys, unescape_username, xor, Hash, MAX_ITERATIONS};
use super::SaslError;
use super::BASE64;
use base64::Engine as _;

/// What a server stores per user and hash (never the password itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Random salt.
    pub salt: Vec<u8>,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl Credentials {
    /// Derives stored credentials from a password.
    pub fn from_password(hash: Hash, password: &str, salt: &[u8], iterations: u32) -> Credentials {
        let k = derive_keys(hash, password, salt, iterations);
        Credentials {
            salt: salt.to_vec(),
            iterations,
            stored_key: k.stored_key,
            server_key: k.server_key,
        }
    }
}

#[derive(Clone, Debug)]
enum State {
    Start,
    GotFirst {
        client_first_bare: String,
        cnonce: String,
    },
    SentFirst {
        auth_prefix: String,
        nonce: String,
        creds: Credentials,
    },
    Done,
}

/// One server-side SCRAM exchange.
#[derive(Clone, Debug)]
pub struct ScramServer {
    hash: Hash,
    state: State,
}

impl ScramServer {
    /// Starts an exchange for `hash`.
    pub fn new(hash: Hash) -> ScramServer {
        ScramServer {
            hash,
            state: State::Start,
        }
    }

    /// Reads client-first; returns the (unescaped) username to look up.
    pub fn handle_client_first(&mut self, msg: &[u8]) -> Result<String, SaslError> {
        let s = core::str::from_utf8(msg)
            .map_err(|_| SaslError::Malformed("SCRAM client-first is not UTF-8"))?;
        let bare = if let Some(rest) = s.strip_prefix("n,").or_else(|| s.strip_prefix("y,")) {
            // Skip the optional authzid (a=…) up to the header's second comma.
            rest.split_once(',')
                .map(|(_, b)| b)
                .ok_or(SaslError::Malformed("SCRAM GS2 header incomplete"))?
        } else if s.starts_with("p=") {
            return Err(SaslError::ChannelBinding);
        } else {
            return Err(SaslError::Malformed("SCRAM GS2 header missing"));
        };
        let mut it = attributes(bare);
        let user = match it.next() {
            Some((b'n', u)) if !u.is_empty() => unescape_username(u)?,
            _ => return Err(SaslError::Malformed("SCRAM client-first lacks n=")),
        };
        let cnonce = match it.next() {
            Some((b'r', r)) if !r.is_empty() => r.to_owned(),
            _ => return Err(SaslError::Malformed("SCRAM client-first lacks r=")),
        };
        self.state = State::GotFirst {
            client_first_bare: bare.to_owned(),
            cnonce,
        };
        Ok(user)
    }

    /// The server-first message for the user's credentials; `snonce` is fresh randomness.
    pub fn server_first(
        &mut self,
        creds: &Credentials,
        snonce: &str,
    ) -> Result<Vec<u8>, SaslError> {
        let State::GotFirst {
            client_first_bare,
            cnonce,
        } = &self.state
        else {
            return Err(SaslError::UnexpectedMessage);
        };
        if creds.iterations == 0 || creds.iterations > MAX_ITERATIONS {
            return Err(SaslError::BadIterations);
        }
        let nonce = format!("{cnonce}{snonce}");
        let first = format!(
            "r={nonce},s={},i={}",
            BASE64.encode(&creds.salt),
            creds.iterations
        );
        let auth_prefix = format!("{client_first_bare},{first}");
        self.state = State::SentFirst {
            auth_prefix,
            nonce,
            creds: creds.clone(),
        };
        Ok(first.into_bytes())
    }

    /// Verifies client-final; on success returns the server-final message (`v=…`).
    pub fn handle_client_final(&mut self, msg: &[u8]) -> Result<Vec<u8>, SaslError> {
        let State::SentFirst {
            auth_prefix,
            nonce,
            creds,
        } = core::mem::replace(&mut self.state, State::Done)
        else {
            return Err(SaslError::UnexpectedMessage);
        };
        let s = core::str::from_utf8(msg)
            .map_err(|_| SaslError::Malformed("SCRAM client-final is not UTF-8"))?;
        let (without_proof, proof) = s
            .rsplit_once(",p=")
            .ok_or(SaslError::Malformed("SCRAM client-final lacks p="))?;
        let mut it = attributes(without_proof);
        match it.next() {
            Some((b'c', "biws")) | Some((b'c', "eSws")) => {}
            Some((b'c', _)) => return Err(SaslError::ChannelBinding),
            _ => return Err(SaslError::Malformed("SCRAM client-final lacks c=")),
        }
        match it.next() {
            Some((b'r', r)) if r == nonce => {}
            _ => return Err(SaslError::NonceMismatch),
        }
        let proof = BASE64.decode(proof).map_err(|_| SaslError::BadBase64)?;
        let auth_message = format!("{auth_prefix},{without_proof}");
        let client_signature = self.hash.hmac(&creds.stored_key, auth_message.as_bytes());
        let client_key = xor(&proof, &client_signature);
        if proof.len() != self.hash.output_len()
            || !ct_eq(&self.hash.digest(&client_key), &creds.stored_key)
        {
            return Err(SaslError::BadClientProof);
        }
        let sig = self.hash.hmac(&creds.server_key, auth_message.as_bytes());
        Ok(format!("v={}", BASE64.encode(&sig)).into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::scram::ScramClient;

    fn run(hash: Hash, client_pw: &str, server_pw: &str) -> Result<(), SaslError> {
        let creds = Credentials::from_password(hash, server_pw, b"salt-1234", 4096);
        let mut c = ScramClient::new(hash, "vis=it,or", client_pw, "cnonce123");
        let mut s = ScramServer::new(hash);
        let user = s.handle_client_first(c.client_first().as_bytes())?;
        assert_eq!(user, "vis=it,or");
        let first = s.server_first(&creds, "snonce456")?;
        let fin = c.handle_server_first(&first)?;
        let server_final = s.handle_client_final(fin.as_bytes())?;
        c.handle_success(&server_final)
    }

    #[test]
    fn client_and_server_agree_for_every_hash() {
        for h in [
            Hash::Sha1,
            Hash::Sha256,
            #[cfg(feature = "scram-sha512")]
            Hash::Sha512,
        ] {
            assert_eq!(run(h, "pw", "pw"), Ok(()));
            assert_eq!(run(h, "wrong", "pw"), Err(SaslError::BadClientProof));
        }
    }

    #[test]
    fn rfc5802_server_side() {
        let creds = Credentials::from_password(
            Hash::Sha1,
            "pencil",
            &BASE64.decode("QSXCR+Q6sek8bf92").unwrap(),
            4096,
        );
        let mut s = ScramServer::new(Hash::Sha1);
        s.handle_client_first(b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
            .unwrap();
        let first = s.server_first(&creds, "3rfcNHYJY1ZVvWVs7j").unwrap();
        assert_eq!(
            first,
            b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
        );
        let fin = s
            .handle_client_final(b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
            .unwrap();
        assert_eq!(fin, b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    }

    #[test]
    fn hostile_client_messages_are_rejected() {
        let mut s = ScramServer::new(Hash::Sha1);
        assert_eq!(
            s.handle_client_first(b"p=tls-unique,,n=u,r=x"),
            Err(SaslError::ChannelBinding)
        );
        assert!(s.handle_client_first(b"n,,r=x").is_err());
        assert!(s.handle_client_first(b"n,,n=a=5,r=x").is_err());
        assert!(s.handle_client_first(b"garbage").is_err());
        assert_eq!(
            s.handle_client_final(b"c=biws,r=x,p=AA=="),
            Err(SaslError::UnexpectedMessage)
        );
        let creds = Credentials::from_password(Hash::Sha1, "pw", b"s", 1);
        s.handle_client_first(b"n,,n=u,r=abc").unwrap();
        s.server_first(&creds, "def").unwrap();
        assert_eq!(
            s.handle_client_final(b"c=biws,r=abcXXX,p=AA=="),
            Err(SaslError::NonceMismatch)
        );
    }
}
