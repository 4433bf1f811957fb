//! Who the visitor is: the anonymous visitor id, the logged-in user attached with
//! `CV.user.tag({...})` ([`UserInfo`], validated into a clear [`TagError`]), `CV.user.reset()`,
//! and the agents' first names.
//!
//! A visitor has a random id (`tracker_id`), kept in `sessionStorage` or `localStorage` (see
//! `docs/protocol.md` §4). A tagged user is identified by the host's user id when given, else
//! by the lower-cased email: that key is the `tracker_id` of the user's chats, so their history
//! can be found again from any browser (`GET chatsessions?tracker_id=…`), and the email becomes
//! the `visitor_identifier` the agent sees. Tagging another user, and a reset, first end the
//! chat properly and forget every stored key of the previous one. Anyone can type an email into
//! `CV.user.tag`, so the backend trusts a user only with a `signature` from the site's own
//! server (HMAC-SHA256 of the id, or of the lower-cased email, with the campaign's identity
//! secret); the proofs the session sends are built here ([`UserInfo::signature_proof`],
//! [`visitor_proof`]).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use webchat_protocol::api::{self, ChatSession, TaggedUser, UserId};

use super::io::{RandomExt, RequestHeaders, Save};
use super::lifecycle::Stage;
use super::tabs::ToLeader;
use super::timers::Timer;
use super::Session;
use crate::events::{self, HostEvent};

/// The header proving the caller is a chat's own visitor (the chat's `visitor_secret`).
pub const CHAT_SECRET_HEADER: &str = "X-Chat-Secret";

/// The header proving the caller is a signed user (the `signature` given to `tag`).
pub const USER_SIGNATURE_HEADER: &str = "X-User-Signature";

/// Length of a signature: hex of a SHA-256 HMAC.
const SIGNATURE_HEX_LEN: usize = 64;

/// The proof that this browser is `session`'s visitor; none when the backend gave no secret.
pub fn visitor_proof(session: Option<&ChatSession>) -> RequestHeaders {
    session
        .and_then(|s| s.visitor_secret.clone())
        .map(|secret| vec![(CHAT_SECRET_HEADER, secret)])
        .unwrap_or_default()
}

/// A logged-in user as given to `CV.user.tag({...})`. Stored, and told to the other tabs, as
/// the Public API's [`TaggedUser`]; one without a plausible email does not read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TaggedUser", into = "TaggedUser")]
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

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CV.user.tag: ")?;
        match self {
            TagError::NotAnObject => f.write_str(
                "expected an object like {email, firstname, lastname, id?, labels?, assignedUser?, signature?}",
            ),
            TagError::MissingEmail => f.write_str("`email` is required"),
            TagError::InvalidEmail(e) => write!(f, "`email` {e:?} is not an email address"),
            TagError::InvalidSignature => f.write_str(
                "`signature` must be the 64 hex digits of HMAC-SHA256(identity secret, id or lower-cased email), computed by your server",
            ),
            TagError::WrongType { key, expected } => write!(f, "`{key}` must be {expected}"),
        }
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
    /// Validates a JSON object (what the embed layer gets from `CV.user.tag`).
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
        let labels = match obj.get("labels") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|l| l.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(TagError::WrongType {
                    key: "labels",
                    expected: "an array of strings",
                })?,
            Some(_) => {
                return Err(TagError::WrongType {
                    key: "labels",
                    expected: "an array of strings",
                })
            }
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
            Some(UserId::Text(s)) => format!("id:{s}"),
            Some(UserId::Number(n)) => format!("id:{n}"),
            None => format!("email:{}", self.email.to_ascii_lowercase()),
        }
    }

    /// The `tracker_id` of this user's chats (stable, so their history can be found).
    pub fn tracker_id(&self) -> String {
        format!("user:{}", self.key())
    }

    /// The proof that the caller is this user, for their history; `None` without a signature.
    pub fn signature_proof(&self) -> Option<RequestHeaders> {
        let signature = self.signature.clone()?;
        Some(vec![(USER_SIGNATURE_HEADER, signature)])
    }

    /// The `user` object of `POST chatsessions`.
    pub fn to_api(&self) -> TaggedUser {
        TaggedUser {
            email: self.email.clone(),
            firstname: self.firstname.clone(),
            lastname: self.lastname.clone(),
            id: self.id.clone(),
            labels: self.labels.clone(),
            assigned_user: self.assigned_user.clone(),
            signature: self.signature.clone(),
            verified: None,
        }
    }

    /// The user as it is stored.
    pub fn to_json(&self) -> String {
        api::to_json(self)
    }

    /// A stored user (as written by [`UserInfo::to_json`]); `None` when unreadable.
    pub fn from_stored(text: &str) -> Option<UserInfo> {
        api::from_json(text).ok()
    }
}

impl From<UserInfo> for TaggedUser {
    fn from(u: UserInfo) -> TaggedUser {
        u.to_api()
    }
}

impl TryFrom<TaggedUser> for UserInfo {
    type Error = TagError;

    /// The user of a `TaggedUser` object; refused without a plausible email.
    fn try_from(u: TaggedUser) -> Result<UserInfo, TagError> {
        if !is_email(&u.email) {
            return Err(TagError::InvalidEmail(u.email));
        }
        Ok(UserInfo {
            email: u.email,
            firstname: u.firstname,
            lastname: u.lastname,
            id: u.id,
            labels: u.labels,
            assigned_user: u.assigned_user,
            signature: u.signature,
        })
    }
}

/// The identity part of the state.
#[derive(Debug, Default)]
pub(crate) struct Identity {
    /// The anonymous visitor id (stored); the `tracker_id` while no user is tagged.
    pub visitor_id: String,
    /// The tagged user (stored).
    pub user: Option<UserInfo>,
    /// Bumped by tag and reset: a history reply for an earlier identity is dropped.
    pub epoch: u64,
    /// Agents' first names by nick (credentials, transfers): bubbles show the first name.
    pub agent_names: HashMap<String, String>,
}

impl Session {
    /// The `tracker_id`: the tagged user's stable id, else the visitor id.
    pub(super) fn tracker_id(&self) -> String {
        match &self.who.user {
            Some(u) => u.tracker_id(),
            None => self.who.visitor_id.clone(),
        }
    }

    /// A new random visitor id, stored at once.
    pub(super) fn new_visitor(&mut self) {
        self.who.visitor_id = self.random.hex(16);
        let value = self.who.visitor_id.clone();
        self.write(Save::Set {
            key: super::continuity::VISITOR_ID_KEY,
            value,
        });
    }

    /// `CV.user.tag(user)`: the same user again changes nothing (but a signature it now
    /// has); a different one first resets (nothing of the previous one stays). The user's fields go with the next chat's
    /// `POST chatsessions`, and their earlier chats are shown.
    pub(super) fn tag(&mut self, user: UserInfo) -> Result<(), TagError> {
        if user.email.trim().is_empty() {
            return Err(TagError::MissingEmail);
        }
        if !is_email(&user.email) {
            return Err(TagError::InvalidEmail(user.email));
        }
        if self.forward(ToLeader::Tag(user.clone())) {
            return Ok(());
        }
        match &self.who.user {
            Some(u) if u.key() == user.key() => {
                // The same user, perhaps now signed: later chats carry the signature.
                if user.signature.is_some() && u.signature != user.signature {
                    self.write(Save::Set {
                        key: super::continuity::USER_KEY,
                        value: user.to_json(),
                    });
                    self.who.user = Some(user);
                }
            }
            Some(_) => {
                self.reset();
                self.attach(user);
            }
            None => self.attach(user),
        }
        Ok(())
    }

    fn attach(&mut self, user: UserInfo) {
        self.write(Save::Set {
            key: super::continuity::USER_KEY,
            value: user.to_json(),
        });
        self.who.user = Some(user);
        self.who.epoch += 1;
        self.load_history();
    }

    /// `CV.user.reset()`: ends a chat under way properly (`closed`, then `<close/>`), forgets
    /// every stored key of the visitor and the user, makes a new visitor id and empties the
    /// window. Safe twice, or before the campaign is read.
    pub(super) fn reset(&mut self) {
        let live = matches!(self.life.stage, Stage::Live(_))
            && self.link.chat.as_ref().is_some_and(|c| !c.is_ended());
        self.leave_chat();
        self.keep.restoring = None;
        self.keep.restore_creds = None;
        self.keep.last_resume = None;
        self.outbox.clear();
        if self.life.retry != Some(super::lifecycle::Retry::LoadCampaign) {
            self.cancel_retry();
        }
        if matches!(
            self.life.stage,
            Stage::Ready | Stage::Starting | Stage::Live(_) | Stage::Over { .. }
        ) {
            // Replies for the old chat (session, credentials) are ignored from now on.
            self.life.epoch += 1;
            self.life.stage = Stage::Ready;
        }
        // A save still pending from before would write the old chat back.
        self.keep.save_pending = false;
        self.keep.active_pending = false;
        self.timers.stop(Timer::Save);
        self.write(Save::ClearAll);
        self.keep.forget_written();
        self.new_visitor();
        self.who.user = None;
        self.who.epoch += 1;
        self.history.cancel();
        self.prechat_reset();
        self.mail_reset();
        self.view.reset();
        if live {
            self.emit(HostEvent::ChatEnded {
                by: events::EndedBy::Visitor,
            });
        }
    }

    /// Remembers an agent's first name (XEP-0172 nicks are what messages carry).
    pub(super) fn learn_name(&mut self, nick: &str, firstname: &str) {
        let firstname = firstname.trim();
        if !nick.is_empty() && !firstname.is_empty() {
            self.who
                .agent_names
                .insert(nick.to_owned(), firstname.to_owned());
        }
    }

    /// The name shown for an agent's nick: the first name when known, else the nick.
    pub(super) fn shown_name(&self, nick: &str) -> String {
        self.who
            .agent_names
            .get(nick)
            .cloned()
            .unwrap_or_else(|| nick.to_owned())
    }

    pub(super) fn sorted_agent_names(&self) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = self
            .who
            .agent_names
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        names.sort();
        names
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
        let back = UserInfo::from_stored(&u.to_json()).unwrap();
        assert_eq!(back, u);
        let api = serde_json::to_value(u.to_api()).unwrap();
        assert_eq!(api["assigned_user"], "agent1@chatvisor.com");
        assert_eq!(api["signature"].as_str().map(str::len), Some(64));
        let proof = u.signature_proof().unwrap();
        assert_eq!(proof[0].0, USER_SIGNATURE_HEADER);
        assert!(proof[0].1.starts_with("9F86D0"));
    }

    #[test]
    fn without_a_signature_there_is_no_proof() {
        let u = UserInfo::from_json(&json!({"email": "a@b.c", "signature": ""})).unwrap();
        assert_eq!(u.signature, None);
        assert_eq!(u.signature_proof(), None);
        assert!(serde_json::to_value(u.to_api())
            .unwrap()
            .get("signature")
            .is_none());
    }

    #[test]
    fn a_chats_own_secret_is_its_visitors_proof() {
        let mut session = ChatSession {
            id: "s1".into(),
            campaign_id: "c".into(),
            tracker_id: None,
            visitor_identifier: None,
            request_url: None,
            status: webchat_protocol::api::ChatSessionStatus::Created,
            user: None,
            survey: None,
            visitor_secret: None,
        };
        assert!(
            visitor_proof(Some(&session)).is_empty(),
            "a backend without secrets"
        );
        assert!(visitor_proof(None).is_empty());
        session.visitor_secret = Some("k3y".into());
        assert_eq!(
            visitor_proof(Some(&session)),
            vec![(CHAT_SECRET_HEADER, "k3y".to_string())]
        );
    }

    #[test]
    fn the_email_identifies_a_user_without_id() {
        let a = UserInfo::from_json(&json!({"email": "A@B.example"})).unwrap();
        let b = UserInfo::from_json(&json!({"email": "a@b.example", "firstname": "A"})).unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.firstname, "");
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
        assert!(matches!(
            err(json!({"email": "a@b.c", "signature": 7})),
            TagError::WrongType {
                key: "signature",
                ..
            }
        ));
        assert!(matches!(
            err(json!({"email": "a@b.c", "firstname": 3})),
            TagError::WrongType {
                key: "firstname",
                ..
            }
        ));
        assert!(err(json!({})).to_string().starts_with("CV.user.tag: "));
    }
}
