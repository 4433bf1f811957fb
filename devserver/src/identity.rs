//! Who may read or change what: signed user identity and per-chat visitor secrets.
//!
//! The public API token sits in every host page, so it proves nothing about the caller. Two
//! proofs do:
//! - **A signed identity.** The customer's own server computes
//!   `hex(HMAC-SHA256(identity_secret, signed_string))` for its logged-in user, where the
//!   signed string is the user's id (as given to `CV.user.tag`, a number in decimal) or, for a
//!   user without an id, the email trimmed and lower-cased. The secret is per campaign and
//!   never reaches a browser. Only a valid signature opens cross-browser history and routing
//!   to an assigned agent.
//! - **A visitor secret.** `POST chatsessions` mints a random secret for the new chat and
//!   returns it once; the chat's own visitor sends it back (`X-Chat-Secret`) to read or rate
//!   that chat or to get its XMPP credentials.
//!
//! What it does: the signed string, signature checks and secret comparisons, all in constant
//! time. What it does not: know sessions or HTTP (the hub and `public_api` apply these rules).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use webchat_protocol::api::{TaggedUser, UserId};

use crate::ids;

/// The header carrying a chat's visitor secret.
pub const CHAT_SECRET_HEADER: &str = "x-chat-secret";

/// The header carrying the signature of the tagged user.
pub const USER_SIGNATURE_HEADER: &str = "x-user-signature";

/// Length of a visitor secret: 32 characters of `[0-9a-zA-Z]`, about 190 bits.
const SECRET_LEN: usize = 32;

/// What a signature vouches for: a user of the host's system, by id or by email.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserKey {
    /// The host's user id, as text (numbers in decimal).
    Id(String),
    /// The email, trimmed and lower-cased.
    Email(String),
}

impl UserKey {
    /// The key of a user object: its id when it has one, else its email.
    pub fn of(user: &TaggedUser) -> UserKey {
        match &user.id {
            Some(UserId::Text(s)) => UserKey::Id(s.trim().to_owned()),
            Some(UserId::Number(n)) => UserKey::Id(n.to_string()),
            None => UserKey::Email(user.email.trim().to_lowercase()),
        }
    }

    /// The key named by a user's `tracker_id` as the widget writes it (`user:id:<id>` or
    /// `user:email:<email>`); `None` for an anonymous visitor's id.
    pub fn from_tracker(tracker_id: &str) -> Option<UserKey> {
        let rest = tracker_id.strip_prefix("user:")?;
        if let Some(id) = rest.strip_prefix("id:") {
            return (!id.trim().is_empty()).then(|| UserKey::Id(id.trim().to_owned()));
        }
        let email = rest.strip_prefix("email:")?.trim();
        (!email.is_empty()).then(|| UserKey::Email(email.to_lowercase()))
    }

    /// Exactly the bytes the customer's server signs.
    pub fn signed_string(&self) -> &str {
        match self {
            UserKey::Id(s) | UserKey::Email(s) => s,
        }
    }
}

/// `hex(HMAC-SHA256(secret, key))`, what the customer's server sends with `CV.user.tag`.
pub fn sign(secret: &str, key: &UserKey) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    mac(secret, key)
        .finalize()
        .into_bytes()
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn mac(secret: &str, key: &UserKey) -> Hmac<Sha256> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(key.signed_string().as_bytes());
    mac
}

/// Whether `signature` (hex, either case) is `key` signed with `secret`. The comparison runs
/// in constant time; a malformed signature is simply not valid.
pub fn verify(secret: &str, key: &UserKey, signature: &str) -> bool {
    match decode_hex(signature.trim()) {
        Some(bytes) => mac(secret, key).verify_slice(&bytes).is_ok(),
        None => false,
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// A new visitor secret for a chat.
pub fn new_visitor_secret() -> String {
    ids::random_id(SECRET_LEN)
}

/// Whether `given` is `expected`, compared in constant time (for equal lengths).
pub fn secret_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, id: Option<UserId>) -> TaggedUser {
        TaggedUser {
            email: email.to_owned(),
            id,
            ..TaggedUser::default()
        }
    }

    #[test]
    fn the_signed_string_is_the_id_else_the_lower_cased_email() {
        assert_eq!(
            UserKey::of(&user("A@B.example", Some(UserId::Number(42)))),
            UserKey::Id("42".into())
        );
        assert_eq!(
            UserKey::of(&user("a@b.c", Some(UserId::Text(" u-7 ".into())))),
            UserKey::Id("u-7".into())
        );
        let k = UserKey::of(&user(" Ünal.X@Example.COM ", None));
        assert_eq!(k.signed_string(), "ünal.x@example.com");
    }

    #[test]
    fn trackers_name_the_same_keys() {
        assert_eq!(
            UserKey::from_tracker("user:id:42"),
            Some(UserKey::Id("42".into()))
        );
        // The widget folds ASCII case only; the rest is folded here.
        assert_eq!(
            UserKey::from_tracker("user:email:Ünal@example.com"),
            UserKey::from_tracker("user:email:ünal@example.com")
        );
        assert_eq!(UserKey::from_tracker("k2x9f0q"), None);
        assert_eq!(UserKey::from_tracker("user:id:"), None);
        assert_eq!(UserKey::from_tracker("user:name:x"), None);
    }

    #[test]
    fn a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = UserKey::Id("what do ya want for nothing?".into());
        let sig = sign("Jefe", &key);
        assert_eq!(
            sig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify("Jefe", &key, &sig));
        assert!(verify("Jefe", &key, &sig.to_uppercase()));
    }

    #[test]
    fn wrong_or_malformed_signatures_fail() {
        let key = UserKey::Email("ana@example.com".into());
        let good = sign("s3cret", &key);
        assert!(!verify("other", &key, &good));
        assert!(!verify(
            "s3cret",
            &UserKey::Email("bob@example.com".into()),
            &good
        ));
        for bad in [
            "",
            "zz",
            &good[..63],
            &good[..62],
            "not hex at all",
            &"a".repeat(4096),
        ] {
            assert!(!verify("s3cret", &key, bad), "{bad:?}");
        }
    }

    #[test]
    fn visitor_secrets_are_long_random_and_compared_exactly() {
        let a = new_visitor_secret();
        assert_eq!(a.len(), SECRET_LEN);
        assert_ne!(a, new_visitor_secret());
        assert!(secret_matches(&a, &a.clone()));
        assert!(!secret_matches(&a, &a[..31]));
        assert!(!secret_matches(&a, ""));
        let mut flipped = a.clone().into_bytes();
        flipped[0] = if flipped[0] == b'x' { b'y' } else { b'x' };
        assert!(!secret_matches(&a, std::str::from_utf8(&flipped).unwrap()));
    }
}
