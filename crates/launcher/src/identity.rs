//! Who the visitor is, as both stages keep it: the anonymous visitor id and the logged-in user
//! attached with `CV.user.tag({...})` ([`UserInfo`], validated into a clear [`TagError`]), with
//! their stored forms and the storage keys they live under.
//!
//! A visitor has a random id (`tracker_id`), kept in `sessionStorage` or `localStorage` (see
//! `docs/protocol.md` §4). A tagged user is identified by the host's user id when given, else by
//! the lower-cased email: that key is the `tracker_id` of the user's chats, so their history can
//! be found again from any browser, and the email becomes the `visitor_identifier` the agent
//! sees. Anyone can type an email into `CV.user.tag`, so the backend trusts a user only with a
//! `signature` from the site's own server (HMAC-SHA256 of the id, or of the lower-cased email,
//! with the campaign's identity secret).
//!
//! Pure: the launcher applies tag and reset to the storage while no chat is loaded
//! ([`crate::widget`]), the chat stage's session core once it is.

use std::fmt;

use crate::json::{self, Map, Value};

/// Length of a signature: hex of a SHA-256 HMAC.
const SIGNATURE_HEX_LEN: usize = 64;

/// The host system's id for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserId {
    /// A string id.
    Text(String),
    /// An integer id.
    Number(i64),
}

/// A logged-in user as given to `CV.user.tag({...})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Required; becomes the `visitor_identifier`.
    pub email: String,
    /// First name (may be empty).
    pub firstname: String,
    /// Last name (may be empty).
    pub lastname: String,
    /// The host system's id for the user, when it has one.
    pub id: Option<UserId>,
    /// Free labels for the agent.
    pub labels: Vec<String>,
    /// The agent (nickname or address) this user should be routed to.
    pub assigned_user: Option<String>,
    /// `hex(HMAC-SHA256(identity secret, id or lower-cased email))` from the site's server;
    /// without it the user gets no history and no routing.
    pub signature: Option<String>,
}

/// Why `CV.user.tag` refused its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagError {
    /// Not an object.
    NotAnObject,
    /// No `email`.
    MissingEmail,
    /// `email` is not an address.
    InvalidEmail(String),
    /// `signature` is not 64 hexadecimal digits.
    InvalidSignature,
    /// A field has the wrong type.
    WrongType {
        /// The field.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl TagError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        const P: &str = "CV.user.tag: ";
        match self {
            TagError::NotAnObject => [
                P,
                "expected an object like {email, firstname, lastname, id?, labels?, assignedUser?, signature?}",
            ]
            .concat(),
            TagError::MissingEmail => [P, "`email` is required"].concat(),
            TagError::InvalidEmail(e) => [P, "`email` \"", e, "\" is not an email address"].concat(),
            TagError::InvalidSignature => [
                P,
                "`signature` must be the 64 hex digits of HMAC-SHA256(identity secret, id or lower-cased email), computed by your server",
            ]
            .concat(),
            TagError::WrongType { key, expected } => [P, "`", key, "` must be ", expected].concat(),
        }
    }
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for TagError {}

/// A plausible email address: one `@`, non-empty local part, a dotless-or-dotted domain
/// without spaces, at most 254 characters. (Deliverability is the host's business.)
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

fn text(obj: &Value, key: &'static str) -> Result<Option<String>, TagError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(TagError::WrongType {
            key,
            expected: "a string",
        }),
    }
}

impl UserInfo {
    /// Validates a JSON object (what `CV.user.tag` was given).
    pub fn from_json(obj: &Value) -> Result<UserInfo, TagError> {
        if !obj.is_object() {
            return Err(TagError::NotAnObject);
        }
        let email = text(obj, "email")?
            .filter(|e| !e.is_empty())
            .ok_or(TagError::MissingEmail)?;
        if !is_email(&email) {
            return Err(TagError::InvalidEmail(email));
        }
        let id = match obj.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(UserId::Text(s.trim().into())),
            Some(n @ Value::Number(_)) if n.as_i64().is_some() => n.as_i64().map(UserId::Number),
            Some(_) => {
                return Err(TagError::WrongType {
                    key: "id",
                    expected: "a non-empty string or an integer",
                })
            }
        };
        let labels_error = TagError::WrongType {
            key: "labels",
            expected: "an array of strings",
        };
        let labels = match obj.get("labels") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|l| l.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(labels_error)?,
            Some(_) => return Err(labels_error),
        };
        let assigned_user = match text(obj, "assignedUser")? {
            Some(a) => Some(a),
            None => text(obj, "assigned_user")?,
        }
        .filter(|a| !a.is_empty());
        let signature = text(obj, "signature")?.filter(|s| !s.is_empty());
        if signature.as_deref().is_some_and(|s| {
            s.len() != SIGNATURE_HEX_LEN || !s.bytes().all(|b| b.is_ascii_hexdigit())
        }) {
            return Err(TagError::InvalidSignature);
        }
        Ok(UserInfo {
            email,
            firstname: text(obj, "firstname")?.unwrap_or_default(),
            lastname: text(obj, "lastname")?.unwrap_or_default(),
            id,
            labels,
            assigned_user,
            signature,
        })
    }

    /// What identifies the user across browsers: the host's id when given, else the email
    /// (ASCII letters lower-cased). Tagging a user with the same key again changes nothing.
    /// Only ASCII case is folded: that is the case-insensitive part of addresses in practice
    /// (domains; RFC 5321 leaves local parts case-sensitive), and full Unicode folding would
    /// ship Unicode's case tables (about 5 KB brotli) for it.
    pub fn key(&self) -> String {
        match &self.id {
            Some(UserId::Text(s)) => ["id:", s].concat(),
            Some(UserId::Number(n)) => ["id:", &crate::text::signed(*n)].concat(),
            None => ["email:", &self.email.to_ascii_lowercase()].concat(),
        }
    }

    /// The `tracker_id` of this user's chats (stable, so their history can be found).
    pub fn tracker_id(&self) -> String {
        ["user:", &self.key()].concat()
    }

    /// The stored form (JSON; the same fields as the user object of `POST chatsessions`).
    pub fn to_stored(&self) -> String {
        let mut o = Map::new();
        o.insert("email".into(), self.email.as_str().into());
        o.insert("firstname".into(), self.firstname.as_str().into());
        o.insert("lastname".into(), self.lastname.as_str().into());
        match &self.id {
            Some(UserId::Text(s)) => _ = o.insert("id".into(), s.as_str().into()),
            Some(UserId::Number(n)) => _ = o.insert("id".into(), (*n).into()),
            None => {}
        }
        o.insert("labels".into(), self.labels.clone().into());
        if let Some(a) = &self.assigned_user {
            o.insert("assigned_user".into(), a.as_str().into());
        }
        if let Some(s) = &self.signature {
            o.insert("signature".into(), s.as_str().into());
        }
        json::stringify(&Value::Object(o))
    }

    /// A stored user ([`UserInfo::to_stored`]); `None` when unreadable or without a plausible
    /// email (then there is no user).
    pub fn from_stored(text: &str) -> Option<UserInfo> {
        let v = json::parse(text)?;
        let user = UserInfo::from_json(&v).ok()?;
        Some(user)
    }
}

/// What `CV.user.tag(user)` does to who the visitor is, given the user tagged now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tagging {
    /// The same user (same [`UserInfo::key`]): nothing changes, but a signature the new call
    /// brings is kept.
    Same {
        /// Whether the stored user must be written again (a new signature).
        resave: bool,
    },
    /// Nobody was tagged: attach the user.
    Attach,
    /// Somebody else was tagged: forget everything of them first (a reset), then attach.
    Replace,
}

/// How `CV.user.tag(new)` applies when `current` is tagged.
pub fn tagging(current: Option<&UserInfo>, new: &UserInfo) -> Tagging {
    match current {
        Some(u) if u.key() == new.key() => Tagging::Same {
            resave: new.signature.is_some() && u.signature != new.signature,
        },
        Some(_) => Tagging::Replace,
        None => Tagging::Attach,
    }
}

/// The `tracker_id` a visitor goes by: the tagged user's, else the anonymous visitor id.
pub fn tracker_id(visitor_id: &str, user: Option<&UserInfo>) -> String {
    match user {
        Some(u) => u.tracker_id(),
        None => visitor_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_user_is_read() {
        let u = UserInfo::from_json(&json!({
            "email": " John.Doe@Example.com ", "firstname": "John", "lastname": "Doe",
            "labels": ["vip"], "assignedUser": "agent1@chatvisor.com", "id": 42,
            "signature": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
        }))
        .unwrap();
        assert_eq!(u.email, "John.Doe@Example.com");
        assert_eq!(u.labels, vec!["vip".to_string()]);
        assert_eq!(u.assigned_user.as_deref(), Some("agent1@chatvisor.com"));
        assert_eq!(u.key(), "id:42");
        assert_eq!(u.tracker_id(), "user:id:42");
        let back = UserInfo::from_stored(&u.to_stored()).unwrap();
        assert_eq!(back, u);
        let stored = json::parse(&u.to_stored()).unwrap();
        assert_eq!(stored["assigned_user"], "agent1@chatvisor.com");
        assert_eq!(stored["id"], 42);
    }

    #[test]
    fn a_user_stored_by_an_earlier_version_is_read() {
        // What the chat's session wrote before the launcher existed (POST chatsessions' user).
        let old = r#"{"email":"a@b.example","firstname":"A","lastname":"","id":"u-1","labels":[],"assigned_user":"ana","signature":null}"#;
        let u = UserInfo::from_stored(old).unwrap();
        assert_eq!(u.id, Some(UserId::Text("u-1".into())));
        assert_eq!(u.assigned_user.as_deref(), Some("ana"));
        assert_eq!(UserInfo::from_stored(r#"{"email":"nope"}"#), None);
        assert_eq!(UserInfo::from_stored("garbage"), None);
    }

    #[test]
    fn the_email_identifies_a_user_without_id() {
        let a = UserInfo::from_json(&json!({"email": "A@B.example"})).unwrap();
        let b = UserInfo::from_json(&json!({"email": "a@b.example", "firstname": "A"})).unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.firstname, "");
        assert_eq!(tracker_id("v1", Some(&a)), "user:email:a@b.example");
        assert_eq!(tracker_id("v1", None), "v1");
    }

    #[test]
    fn tagging_the_same_user_keeps_them_and_another_replaces_them() {
        let a = UserInfo::from_json(&json!({"email": "a@b.example"})).unwrap();
        let signed = UserInfo {
            signature: Some("a".repeat(64)),
            ..a.clone()
        };
        let other = UserInfo::from_json(&json!({"email": "c@d.example"})).unwrap();
        assert_eq!(tagging(None, &a), Tagging::Attach);
        assert_eq!(tagging(Some(&a), &a), Tagging::Same { resave: false });
        assert_eq!(tagging(Some(&a), &signed), Tagging::Same { resave: true });
        assert_eq!(tagging(Some(&signed), &a), Tagging::Same { resave: false });
        assert_eq!(tagging(Some(&a), &other), Tagging::Replace);
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let err = |v: Value| UserInfo::from_json(&v).unwrap_err();
        assert_eq!(err(json!("x@y.z")), TagError::NotAnObject);
        assert_eq!(err(json!({"firstname": "A"})), TagError::MissingEmail);
        assert_eq!(err(json!({"email": "   "})), TagError::MissingEmail);
        assert_eq!(
            err(json!({"email": "not an email"})),
            TagError::InvalidEmail("not an email".into())
        );
        for bad in ["a@", "@b", "a@b..c", "a@.b", "a b@c.d"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert_eq!(
            err(json!({"email": 5})),
            TagError::WrongType {
                key: "email",
                expected: "a string"
            }
        );
        assert!(matches!(
            err(json!({"email": "a@b.c", "labels": "vip"})),
            TagError::WrongType { key: "labels", .. }
        ));
        assert!(matches!(
            err(json!({"email": "a@b.c", "labels": [1]})),
            TagError::WrongType { key: "labels", .. }
        ));
        assert!(matches!(
            err(json!({"email": "a@b.c", "id": {"x": 1}})),
            TagError::WrongType { key: "id", .. }
        ));
        for bad in [json!("abc"), json!("g".repeat(64)), json!("a".repeat(63))] {
            assert_eq!(
                err(json!({"email": "a@b.c", "signature": bad})),
                TagError::InvalidSignature
            );
        }
        assert!(err(json!({})).to_string().starts_with("CV.user.tag: "));
        assert_eq!(
            err(json!({"email": "x"})).to_string(),
            "CV.user.tag: `email` \"x\" is not an email address"
        );
    }
}
