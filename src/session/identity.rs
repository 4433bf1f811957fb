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

use super::small_map::SmallMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use webchat_protocol::api::{self, ChatSession, TaggedUser};

use super::io::{RandomExt, RequestHeaders, Save};
use super::lifecycle::Stage;
use super::tabs::ToLeader;
use super::timers::Timer;
use super::Session;
use crate::events::{self, HostEvent};
pub use webchat_launcher::identity::{is_email, TagError, UserId, UserInfo};

/// The header proving the caller is a chat's own visitor (the chat's `visitor_secret`).
pub const CHAT_SECRET_HEADER: &str = "X-Chat-Secret";

/// The header proving the caller is a signed user (the `signature` given to `tag`).
pub const USER_SIGNATURE_HEADER: &str = "X-User-Signature";

/// The proof that this browser is `session`'s visitor; none when the backend gave no secret.
pub fn visitor_proof(session: Option<&ChatSession>) -> RequestHeaders {
    session
        .and_then(|s| s.visitor_secret.clone())
        .map(|secret| vec![(CHAT_SECRET_HEADER, secret)])
        .unwrap_or_default()
}

/// What the session does with a tagged user besides keeping it: the API's user object and the
/// proof of who they are.
pub trait UserApi {
    /// The proof that the caller is this user, for their history; `None` without a signature.
    fn signature_proof(&self) -> Option<RequestHeaders>;
    /// The `user` object of `POST chatsessions`.
    fn to_api(&self) -> TaggedUser;
}

impl UserApi for UserInfo {
    fn signature_proof(&self) -> Option<RequestHeaders> {
        let signature = self.signature.clone()?;
        Some(vec![(USER_SIGNATURE_HEADER, signature)])
    }

    fn to_api(&self) -> TaggedUser {
        TaggedUser {
            email: self.email.clone(),
            firstname: self.firstname.clone(),
            lastname: self.lastname.clone(),
            id: self.id.clone().map(|id| match id {
                UserId::Text(s) => api::UserId::Text(s),
                UserId::Number(n) => api::UserId::Number(n),
            }),
            labels: self.labels.clone(),
            assigned_user: self.assigned_user.clone(),
            signature: self.signature.clone(),
            verified: None,
        }
    }
}

/// The user of a `TaggedUser` object (another tab's message); `None` without a plausible email.
pub fn user_from_api(u: TaggedUser) -> Option<UserInfo> {
    if !is_email(&u.email) {
        return None;
    }
    Some(UserInfo {
        email: u.email,
        firstname: u.firstname,
        lastname: u.lastname,
        id: u.id.map(|id| match id {
            api::UserId::Text(s) => UserId::Text(s),
            api::UserId::Number(n) => UserId::Number(n),
        }),
        labels: u.labels,
        assigned_user: u.assigned_user,
        signature: u.signature,
    })
}

/// serde's form of a [`UserInfo`] between the tabs: the Public API's [`TaggedUser`]; one
/// without a plausible email does not read. (For `#[serde(with = "…")]`: the launcher's type
/// carries no serde code of its own, so the first download does not either.)
pub mod as_tagged_user {
    use super::*;

    /// Writes `user` as a [`TaggedUser`].
    pub fn serialize<S: Serializer>(user: &UserInfo, s: S) -> Result<S::Ok, S::Error> {
        user.to_api().serialize(s)
    }

    /// Reads a [`TaggedUser`] with a plausible email.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UserInfo, D::Error> {
        let tagged = TaggedUser::deserialize(d)?;
        user_from_api(tagged).ok_or_else(|| serde::de::Error::custom("not an email address"))
    }
}

/// [`as_tagged_user`] for an optional user (`null` for none).
pub mod option_as_tagged_user {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Wrapped(#[serde(with = "as_tagged_user")] UserInfo);

    /// Writes `user` as a [`TaggedUser`] or `null`.
    pub fn serialize<S: Serializer>(user: &Option<UserInfo>, s: S) -> Result<S::Ok, S::Error> {
        user.clone().map(Wrapped).serialize(s)
    }

    /// Reads `null` or a [`TaggedUser`] with a plausible email.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UserInfo>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
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
    pub agent_names: SmallMap<String, String>,
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
                        value: user.to_stored(),
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
            value: user.to_stored(),
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

    #[test]
    fn a_signed_user_proves_who_they_are_and_goes_to_the_api_whole() {
        let u = UserInfo::from_json(&serde_json::json!({
            "email": "John.Doe@Example.com", "firstname": "John", "lastname": "Doe",
            "labels": ["vip"], "assignedUser": "agent1@chatvisor.com", "id": 42,
            "signature": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
        }))
        .unwrap();
        let api = u.to_api();
        assert_eq!(api.id, Some(api::UserId::Number(42)));
        assert_eq!(api.assigned_user.as_deref(), Some("agent1@chatvisor.com"));
        assert_eq!(user_from_api(api), Some(u.clone()));
        let proof = u.signature_proof().unwrap();
        assert_eq!(proof[0].0, USER_SIGNATURE_HEADER);
        assert!(proof[0].1.starts_with("9F86D0"));
        let unsigned = UserInfo {
            signature: None,
            ..u
        };
        assert_eq!(unsigned.signature_proof(), None);
        assert!(serde_json::to_value(unsigned.to_api())
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
}
