//! The in-memory chat session store: sessions, their status transitions, transcripts, surveys
//! and XMPP credentials.
//!
//! What it does: holds every chat session with the agent assigned at creation and how the chat
//! was started (department, pre-chat form, greeting), enforces the seed's status life cycle
//! `created → active → closed` (plus `created → closed` when the visitor leaves before an agent
//! took the chat), keeps each session's transcript (de-duplicated by message id), the
//! credentials minted for it and how many copies of it were mailed.
//! What it does not: validate API input, decide availability, lock (the hub owns the lock) or
//! persist anything across restarts.

use std::collections::{HashMap, HashSet};
use std::fmt;

use webchat_protocol::api::{
    AgentInfo, ChatSession, ChatSessionStatus, SurveyAnswer, TranscriptMessage, XmppCredentials,
};
use webchat_protocol::forms::ChatStart;

use crate::identity::UserKey;

/// One stored chat session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session: ChatSession,
    /// Assigned when the session is created (the seed: "the system has already selected an
    /// agent"), so a later change of the agent's availability does not strand the chat.
    pub agent: AgentInfo,
    pub created_ms: u64,
    /// Creation order, for "newest first" listings that do not depend on clock resolution.
    seq: u64,
    pub transcript: Vec<TranscriptMessage>,
    /// The ids in `transcript`: the duplicate check stays O(1) in long chats.
    message_ids: HashSet<String>,
    pub credentials: Vec<String>,
    /// Who may act as this chat's visitor (see `identity.rs`).
    pub access: Access,
    /// The department, pre-chat data and greeting it was started with.
    pub start: ChatStart,
    /// Copies of the transcript mailed so far (`POST chatsessions/{id}/transcript/email`).
    pub mails: u32,
}

/// What proves a caller may read or change a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Returned once by `POST chatsessions`; the visitor sends it back.
    pub visitor_secret: String,
    /// The signed user the chat was created for, when the signature checked out: only then
    /// does the chat count as that user's history.
    pub verified_user: Option<UserKey>,
}

/// Why a status change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    UnknownSession,
    /// The life cycle only moves forward: `created → active → closed`.
    Backwards {
        from: ChatSessionStatus,
        to: ChatSessionStatus,
    },
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::UnknownSession => f.write_str("no such chat session"),
            TransitionError::Backwards { from, to } => write!(
                f,
                "a chat session cannot go from {} to {}",
                from.as_str(),
                to.as_str()
            ),
        }
    }
}

impl std::error::Error for TransitionError {}

/// What a successful status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: ChatSessionStatus,
    pub to: ChatSessionStatus,
}

impl Transition {
    /// Setting the current status again is accepted (both sides may close) and changes nothing.
    pub fn changed(self) -> bool {
        self.from != self.to
    }
}

fn rank(s: ChatSessionStatus) -> u8 {
    match s {
        ChatSessionStatus::Created => 0,
        ChatSessionStatus::Active => 1,
        ChatSessionStatus::Closed => 2,
    }
}

/// All chat sessions and credentials.
#[derive(Debug, Default)]
pub struct SessionStore {
    sessions: HashMap<String, SessionRecord>,
    credentials: HashMap<String, (XmppCredentials, String)>,
    next_seq: u64,
}

impl SessionStore {
    pub fn insert(&mut self, session: ChatSession, agent: AgentInfo, access: Access, now_ms: u64) {
        self.insert_with(session, agent, access, ChatStart::default(), now_ms);
    }

    /// [`SessionStore::insert`] for a chat started with a department, pre-chat data or a
    /// greeting.
    pub fn insert_with(
        &mut self,
        session: ChatSession,
        agent: AgentInfo,
        access: Access,
        start: ChatStart,
        now_ms: u64,
    ) {
        self.next_seq += 1;
        let record = SessionRecord {
            session,
            agent,
            created_ms: now_ms,
            seq: self.next_seq,
            transcript: Vec::new(),
            message_ids: HashSet::new(),
            credentials: Vec::new(),
            access,
            start,
            mails: 0,
        };
        self.sessions.insert(record.session.id.clone(), record);
    }

    pub fn get(&self, id: &str) -> Option<&SessionRecord> {
        self.sessions.get(id)
    }

    /// Every session, newest first.
    pub fn all(&self) -> Vec<&SessionRecord> {
        let mut v: Vec<_> = self.sessions.values().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.seq));
        v
    }

    /// A visitor's sessions, newest first.
    pub fn by_tracker(&self, tracker_id: &str) -> Vec<&SessionRecord> {
        let mut v: Vec<_> = self
            .sessions
            .values()
            .filter(|r| r.session.tracker_id.as_deref() == Some(tracker_id))
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.seq));
        v
    }

    /// A signed user's chats in one campaign, newest first. Chats created for the same email or
    /// id without a valid signature are not among them.
    pub fn by_user(&self, campaign_id: &str, user: &UserKey) -> Vec<&SessionRecord> {
        let mut v: Vec<_> = self
            .sessions
            .values()
            .filter(|r| {
                r.session.campaign_id == campaign_id
                    && r.access.verified_user.as_ref() == Some(user)
            })
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.seq));
        v
    }

    /// Open (not closed) chats assigned to the agent with this nickname.
    pub fn load_of(&self, nickname: &str) -> u32 {
        let n = self
            .sessions
            .values()
            .filter(|r| {
                r.agent.nickname == nickname && r.session.status != ChatSessionStatus::Closed
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Moves a session forward in its life cycle.
    pub fn set_status(
        &mut self,
        id: &str,
        to: ChatSessionStatus,
    ) -> Result<Transition, TransitionError> {
        let record = self
            .sessions
            .get_mut(id)
            .ok_or(TransitionError::UnknownSession)?;
        let from = record.session.status;
        if rank(to) < rank(from) {
            return Err(TransitionError::Backwards { from, to });
        }
        record.session.status = to;
        Ok(Transition { from, to })
    }

    /// Gives a session to another agent; returns the previous one.
    pub fn reassign(&mut self, id: &str, agent: AgentInfo) -> Result<AgentInfo, TransitionError> {
        let record = self
            .sessions
            .get_mut(id)
            .ok_or(TransitionError::UnknownSession)?;
        Ok(std::mem::replace(&mut record.agent, agent))
    }

    /// Appends a message unless one with the same id is already there; `Ok(false)` for a
    /// duplicate (XMPP redeliveries after a stream resumption are normal).
    pub fn append_message(
        &mut self,
        id: &str,
        message: TranscriptMessage,
    ) -> Result<bool, TransitionError> {
        let record = self
            .sessions
            .get_mut(id)
            .ok_or(TransitionError::UnknownSession)?;
        if !record.message_ids.insert(message.id.clone()) {
            return Ok(false);
        }
        record.transcript.push(message);
        Ok(true)
    }

    /// Replaces the session's survey answer (a visitor may change their rating).
    pub fn set_survey(&mut self, id: &str, answer: SurveyAnswer) -> Option<&ChatSession> {
        let record = self.sessions.get_mut(id)?;
        record.session.survey = Some(answer);
        Some(&record.session)
    }

    /// Counts one more mailed copy of the transcript, unless `max` were sent already; the new
    /// count, `None` for an unknown session.
    pub fn count_mail(&mut self, id: &str, max: u32) -> Option<Result<u32, u32>> {
        let record = self.sessions.get_mut(id)?;
        if record.mails >= max {
            return Some(Err(record.mails));
        }
        record.mails += 1;
        Some(Ok(record.mails))
    }

    pub fn add_credentials(&mut self, creds: XmppCredentials, session_id: &str) {
        if let Some(r) = self.sessions.get_mut(session_id) {
            r.credentials.push(creds.id.clone());
        }
        self.credentials
            .insert(creds.id.clone(), (creds, session_id.to_owned()));
    }

    /// Credentials with the id of the session they were minted for.
    pub fn credentials(&self, id: &str) -> Option<(&XmppCredentials, &str)> {
        self.credentials.get(id).map(|(c, s)| (c, s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webchat_protocol::api::Sender;

    fn session(id: &str, tracker: &str) -> ChatSession {
        ChatSession {
            id: id.into(),
            campaign_id: "c".into(),
            tracker_id: Some(tracker.into()),
            visitor_identifier: None,
            request_url: None,
            status: ChatSessionStatus::Created,
            user: None,
            survey: None,
            visitor_secret: None,
        }
    }

    fn anonymous() -> Access {
        Access {
            visitor_secret: "s".into(),
            verified_user: None,
        }
    }

    fn agent(n: &str) -> AgentInfo {
        AgentInfo {
            firstname: n.into(),
            nickname: n.into(),
            jid: format!("{n}@internal.example"),
        }
    }

    #[test]
    fn status_moves_forward_only() {
        use ChatSessionStatus::*;
        let mut s = SessionStore::default();
        s.insert(session("s1", "t"), agent("a"), anonymous(), 0);
        assert!(s.set_status("s1", Active).unwrap().changed());
        assert!(!s.set_status("s1", Active).unwrap().changed());
        assert_eq!(
            s.set_status("s1", Created),
            Err(TransitionError::Backwards {
                from: Active,
                to: Created
            })
        );
        assert!(s.set_status("s1", Closed).unwrap().changed());
        assert!(s.set_status("s1", Active).is_err());
        assert_eq!(
            s.set_status("nope", Active),
            Err(TransitionError::UnknownSession)
        );
        s.insert(session("s2", "t"), agent("a"), anonymous(), 0);
        assert_eq!(
            s.set_status("s2", Closed).unwrap(),
            Transition {
                from: Created,
                to: Closed
            }
        );
    }

    #[test]
    fn tracker_listing_is_newest_first_and_load_counts_open_chats() {
        let mut s = SessionStore::default();
        s.insert(session("old", "t1"), agent("a"), anonymous(), 5);
        s.insert(session("other", "t2"), agent("b"), anonymous(), 5);
        s.insert(session("new", "t1"), agent("a"), anonymous(), 5);
        let ids: Vec<_> = s
            .by_tracker("t1")
            .iter()
            .map(|r| r.session.id.as_str())
            .collect();
        assert_eq!(ids, ["new", "old"]);
        assert_eq!(s.load_of("a"), 2);
        s.set_status("old", ChatSessionStatus::Closed).unwrap();
        assert_eq!(s.load_of("a"), 1);
        assert_eq!(s.load_of("nobody"), 0);
    }

    #[test]
    fn a_users_history_holds_only_their_verified_chats_of_the_campaign() {
        let mut s = SessionStore::default();
        let ana = UserKey::Email("ana@example.com".into());
        let signed = |user: &UserKey| Access {
            visitor_secret: "s".into(),
            verified_user: Some(user.clone()),
        };
        s.insert(
            session("mine", "user:email:ana@example.com"),
            agent("a"),
            signed(&ana),
            0,
        );
        // Someone else tagged Ana's email without a signature.
        s.insert(
            session("forged", "user:email:ana@example.com"),
            agent("a"),
            anonymous(),
            0,
        );
        let mut other = session("elsewhere", "user:email:ana@example.com");
        other.campaign_id = "d".into();
        s.insert(other, agent("a"), signed(&ana), 0);
        let ids: Vec<_> = s
            .by_user("c", &ana)
            .iter()
            .map(|r| r.session.id.as_str())
            .collect();
        assert_eq!(ids, ["mine"]);
        // An id that happens to equal the email is another user.
        assert!(s
            .by_user("c", &UserKey::Id("ana@example.com".into()))
            .is_empty());
        assert!(s
            .by_user("c", &UserKey::Email("bob@example.com".into()))
            .is_empty());
    }

    #[test]
    fn transcript_deduplicates_by_id() {
        let mut s = SessionStore::default();
        s.insert(session("s1", "t"), agent("a"), anonymous(), 0);
        let m = TranscriptMessage {
            id: "m1".into(),
            from: Sender::Visitor,
            nick: None,
            body: "hi".into(),
            timestamp: 1,
        };
        assert_eq!(s.append_message("s1", m.clone()), Ok(true));
        assert_eq!(s.append_message("s1", m.clone()), Ok(false));
        assert_eq!(s.get("s1").unwrap().transcript.len(), 1);
        assert_eq!(
            s.append_message("zz", m),
            Err(TransitionError::UnknownSession)
        );
    }
}
