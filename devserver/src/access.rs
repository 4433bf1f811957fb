//! The Public API's access rules: who may read or change which chat.
//!
//! | what | who |
//! | --- | --- |
//! | a chat (`GET chatsessions/{id}`, its transcript) | its visitor (`X-Chat-Secret`), or the signed user it was created for (`X-User-Signature`) |
//! | rating a chat, its XMPP credentials | its visitor only |
//! | a user's chats (`GET chatsessions?tracker_id=user:…&campaign_id=…`) | that user, signed, in a campaign with an identity secret |
//!
//! What it does: checks the proofs against the hub's records and says why one fails, in words
//! a host page's developer can act on. What it does not: cryptography (`identity.rs`) or HTTP.

use std::fmt;

use webchat_protocol::api::{ChatSession, TaggedUser};

use crate::campaigns::CampaignDef;
use crate::hub::Hub;
use crate::identity::{self, UserKey};
use crate::sessions::SessionRecord;

/// The proofs a request carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Proof<'a> {
    /// `X-Chat-Secret`.
    pub chat_secret: Option<&'a str>,
    /// `X-User-Signature`.
    pub user_signature: Option<&'a str>,
}

/// What a request wants to do with a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read it: its visitor or its signed user.
    Read,
    /// Act as its visitor (rate it, get its credentials).
    Visitor,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessError {
    /// 404: no such chat.
    UnknownSession,
    /// 403: neither proof was sent.
    NoProof,
    /// 403: the chat secret is not this chat's.
    WrongSecret,
    /// 403: the user signature does not match this chat's user.
    WrongSignature,
    /// 403: the campaign has no identity secret, so it serves no user's history.
    NoIdentitySecret,
    /// 403: history is served for signed users (`user:id:…` / `user:email:…`) only.
    NotAUser,
    /// 403: a user's history without `X-User-Signature`.
    NoSignature,
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessError::UnknownSession => "Not found",
            AccessError::NoProof => {
                "this chat belongs to its visitor: send its X-Chat-Secret (from POST chatsessions)"
            }
            AccessError::WrongSecret => "the X-Chat-Secret is not this chat's",
            AccessError::WrongSignature => {
                "the X-User-Signature does not match this user with the campaign's identity secret"
            }
            AccessError::NoIdentitySecret => {
                "this campaign has no identity secret: it serves no chat history across browsers"
            }
            AccessError::NotAUser => {
                "chat history is served for signed users only (tracker_id user:id:… or user:email:…)"
            }
            AccessError::NoSignature => {
                "a user's chat history needs the X-User-Signature computed by the site's server"
            }
        })
    }
}

impl std::error::Error for AccessError {}

/// The user of a new chat as it is stored: without its signature, marked verified or not, and
/// the key the signature vouched for when it checked out.
pub fn check_user(
    campaign: &CampaignDef,
    user: Option<TaggedUser>,
) -> (Option<TaggedUser>, Option<UserKey>) {
    let Some(mut user) = user else {
        return (None, None);
    };
    let key = UserKey::of(&user);
    let verified = match (&campaign.identity_secret, user.signature.take()) {
        (Some(secret), Some(sig)) => identity::verify(secret, &key, &sig),
        _ => false,
    };
    user.verified = Some(verified);
    (Some(user), verified.then_some(key))
}

fn allows(
    campaign: Option<&CampaignDef>,
    r: &SessionRecord,
    need: Need,
    proof: Proof,
) -> Result<(), AccessError> {
    if let Some(given) = proof.chat_secret {
        return if identity::secret_matches(&r.access.visitor_secret, given) {
            Ok(())
        } else {
            Err(AccessError::WrongSecret)
        };
    }
    match (need, proof.user_signature) {
        (Need::Read, Some(sig)) => {
            let secret = campaign
                .and_then(|c| c.identity_secret.as_deref())
                .ok_or(AccessError::NoIdentitySecret)?;
            match &r.access.verified_user {
                Some(key) if identity::verify(secret, key, sig) => Ok(()),
                _ => Err(AccessError::WrongSignature),
            }
        }
        _ => Err(AccessError::NoProof),
    }
}

impl Hub {
    /// Whether `proof` lets its caller do `need` with chat `session_id`.
    pub fn authorize(&self, session_id: &str, need: Need, proof: Proof) -> Result<(), AccessError> {
        let inner = self.lock();
        let r = inner
            .sessions
            .get(session_id)
            .ok_or(AccessError::UnknownSession)?;
        allows(self.campaign_def(&r.session.campaign_id), r, need, proof)
    }

    /// `GET chatsessions?tracker_id=…&campaign_id=…`: a signed user's chats in one campaign,
    /// newest first.
    pub fn sessions_of_user(
        &self,
        campaign_id: &str,
        tracker_id: &str,
        signature: Option<&str>,
    ) -> Result<Vec<ChatSession>, AccessError> {
        let key = UserKey::from_tracker(tracker_id).ok_or(AccessError::NotAUser)?;
        let secret = self
            .campaign_def(campaign_id)
            .and_then(|c| c.identity_secret.as_deref())
            .ok_or(AccessError::NoIdentitySecret)?;
        let signature = signature.ok_or(AccessError::NoSignature)?;
        if !identity::verify(secret, &key, signature) {
            return Err(AccessError::WrongSignature);
        }
        Ok(self
            .lock()
            .sessions
            .by_user(campaign_id, &key)
            .into_iter()
            .map(|r| r.session.clone())
            .collect())
    }
}
