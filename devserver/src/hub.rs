//! The hub: devserver's shared state and the one API everything else drives it through.
//!
//! What it does: owns the campaigns, the session store, the agent registry, the offline
//! messages, the outbox and the request log behind one lock, applies the Public API's rules
//! (inactive campaign, no availability, departments, survey validation, the status life cycle),
//! and broadcasts a [`HubEvent`] on every change so the agent console and the XMPP backends can
//! follow. Offline messages and the outbox have their own modules (`offline.rs`, `outbox.rs`). The XMPP side calls [`Hub::set_status`] when
//! an agent takes or closes a chat and [`Hub::record_message`] for every message.
//! What it does not: HTTP (see `public_api.rs`), XMPP, or waiting: every method is synchronous
//! and holds the lock only briefly, never across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::broadcast;
use webchat_protocol::api::{
    AgentInfo, AvailableSlots, Campaign, CampaignSummary, ChatSession, ChatSessionRequest,
    ChatSessionStatus, Credentials, SurveyAnswer, Transcript, TranscriptMessage, XmppCredentials,
};
use webchat_protocol::forms::ChatStart;

use crate::access;
use crate::agents::{Agent, AgentError, AgentRegistry, Availability, SignIn};
use crate::campaigns::{AvailabilityMode, CampaignDef};
use crate::identity;
use crate::ids;
use crate::offline::OfflineStore;
use crate::outbox::Outbox;
use crate::sessions::{Access, SessionStore, TransitionError};
use crate::start::{self, StartError, StartView};

/// Something changed; listeners re-read what they show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubEvent {
    /// A session was created, changed status, got a message or a survey answer.
    Session { id: String, agent: String },
    /// An agent signed in or out or changed availability.
    Agents,
    /// An offline message or a mail (the outbox) was stored.
    Inbox,
}

/// One line of the request log (read through the test control surface).
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub time_ms: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub origin: Option<String>,
    pub has_token: bool,
}

/// A session with what only the server knows about it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    #[serde(flatten)]
    pub session: ChatSession,
    /// Department, pre-chat data and greeting, as the chat was started.
    #[serde(flatten)]
    pub start: ChatStart,
    /// What those ids stand for.
    #[serde(flatten)]
    pub start_view: StartView,
    pub agent: AgentInfo,
    pub created_ms: u64,
    pub transcript: Vec<TranscriptMessage>,
    pub credentials: Vec<String>,
}

/// Why `POST chatsessions` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    UnknownCampaign,
    /// Seed: 409 `CHAT_CAMPAIGN_INACTIVE`.
    Inactive,
    /// Seed: 409 `No Availability` (for the chosen department, when one was chosen).
    NoAvailability,
    /// 400: the department, pre-chat data or greeting was refused.
    Start(StartError),
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CreateError::UnknownCampaign => "Not found",
            CreateError::Inactive => "CHAT_CAMPAIGN_INACTIVE",
            CreateError::NoAvailability => "No Availability",
            CreateError::Start(e) => return e.fmt(f),
        })
    }
}

impl std::error::Error for CreateError {}

/// Why a survey answer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyError {
    UnknownSession,
    /// The campaign has no active survey with options.
    NotOffered,
    ResultNotAllowed {
        result: String,
        allowed: Vec<String>,
    },
    CommentsDisabled,
    CommentTooLong,
}

/// Longest survey comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

impl fmt::Display for SurveyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SurveyError::UnknownSession => f.write_str("Not found"),
            SurveyError::NotOffered => f.write_str("the campaign has no survey enabled"),
            SurveyError::ResultNotAllowed { result, allowed } => write!(
                f,
                "survey result {result:?} is not allowed by the campaign (allowed: {})",
                allowed.join(", ")
            ),
            SurveyError::CommentsDisabled => {
                f.write_str("survey comments are not enabled for this campaign")
            }
            SurveyError::CommentTooLong => write!(
                f,
                "the survey comment is longer than {MAX_COMMENT_CHARS} characters"
            ),
        }
    }
}

impl std::error::Error for SurveyError {}

/// Why credentials could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsError {
    UnknownSession,
    /// A closed chat cannot be joined again; the visitor starts a new session.
    SessionClosed,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialsError::UnknownSession => "Not found",
            CredentialsError::SessionClosed => "CHAT_SESSION_CLOSED",
        })
    }
}

impl std::error::Error for CredentialsError {}

/// Most request log lines kept; older ones are dropped first.
const MAX_LOG: usize = 10_000;

pub(crate) struct Inner {
    pub(crate) sessions: SessionStore,
    pub(crate) offline: OfflineStore,
    pub(crate) outbox: Outbox,
    agents: AgentRegistry,
    /// Test overrides of campaign availability.
    forced: HashMap<String, bool>,
    log: VecDeque<RequestRecord>,
    log_seq: u64,
}

struct Shared {
    campaigns: Vec<CampaignDef>,
    /// Assigned when a campaign is available by mode or override but nobody is signed in.
    placeholder_agent: AgentInfo,
    inner: Mutex<Inner>,
    events: broadcast::Sender<HubEvent>,
}

/// Cheap to clone: every clone is the same hub.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("campaigns", &self.shared.campaigns.len())
            .finish_non_exhaustive()
    }
}

impl Hub {
    pub fn new(campaigns: Vec<CampaignDef>, placeholder_agent: AgentInfo) -> Hub {
        let (events, _) = broadcast::channel(256);
        Hub {
            shared: Arc::new(Shared {
                campaigns,
                placeholder_agent,
                inner: Mutex::new(Inner {
                    sessions: SessionStore::default(),
                    offline: OfflineStore::default(),
                    outbox: Outbox::default(),
                    agents: AgentRegistry::default(),
                    forced: HashMap::new(),
                    log: VecDeque::new(),
                    log_seq: 0,
                }),
                events,
            }),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep serving.
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn emit(&self, event: HubEvent) {
        // No receiver is fine: nobody is watching.
        let _ = self.shared.events.send(event);
    }

    /// Changes from now on. A slow receiver skips events (`Lagged`) and should re-read.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.shared.events.subscribe()
    }

    pub(crate) fn campaign_def(&self, id: &str) -> Option<&CampaignDef> {
        self.shared.campaigns.iter().find(|c| c.id == id)
    }

    /// Whether `id` is a configured campaign (no lock taken: the campaigns never change).
    pub fn has_campaign(&self, id: &str) -> bool {
        self.campaign_def(id).is_some()
    }

    /// The configured campaigns as the console lists them: id, name and widget features.
    pub fn campaign_defs(&self) -> &[CampaignDef] {
        &self.shared.campaigns
    }

    /// `GET campaigns`.
    pub fn campaign_list(&self) -> Vec<CampaignSummary> {
        self.shared
            .campaigns
            .iter()
            .map(|c| CampaignSummary {
                id: c.id.clone(),
                name: c.name.clone(),
                active: c.active,
            })
            .collect()
    }

    /// A campaign's availability, or one department's: forced availability and the `always`
    /// mode hold for every department.
    fn availability(inner: &Inner, def: &CampaignDef, department: Option<&str>) -> Availability {
        let forced = inner.forced.get(&def.id).copied();
        let live = inner
            .agents
            .availability(&def.id, department, &|n| inner.sessions.load_of(n));
        match (forced, def.availability_mode) {
            (Some(false), _) | (None, AvailabilityMode::Never) => Availability::NONE,
            (Some(true), _) | (None, AvailabilityMode::Always) if !live.available => Availability {
                available: true,
                agents: 1,
                slots: AvailableSlots::Unlimited,
            },
            _ => live,
        }
    }

    /// `GET campaigns/{id}` with live availability, the campaign's and each department's.
    pub fn campaign(&self, id: &str) -> Option<Campaign> {
        let def = self.campaign_def(id)?;
        let inner = self.lock();
        let av = Self::availability(&inner, def, None);
        let mut webchat = def.webchat.clone();
        for d in &mut webchat.config.departments {
            d.available = Some(Self::availability(&inner, def, Some(&d.id)).available);
        }
        drop(inner);
        Some(Campaign {
            id: def.id.clone(),
            name: def.name.clone(),
            active: def.active,
            color: def.color.clone(),
            language: def.language.clone(),
            availability: av.available,
            available_agents: av.agents,
            available_slots: av.slots,
            cobrowsing: def.cobrowsing.clone(),
            survey: def.survey.clone(),
            webchat,
        })
    }

    /// Test override: `Some(true)` forces availability, `Some(false)` removes it, `None`
    /// returns to the campaign's mode. `false` for an unknown campaign.
    pub fn force_availability(&self, campaign_id: &str, forced: Option<bool>) -> bool {
        if self.campaign_def(campaign_id).is_none() {
            return false;
        }
        let mut inner = self.lock();
        match forced {
            Some(f) => inner.forced.insert(campaign_id.to_owned(), f),
            None => inner.forced.remove(campaign_id),
        };
        true
    }

    /// `POST chatsessions` without the extension fields of [`Hub::start_session`].
    pub fn create_session(
        &self,
        req: ChatSessionRequest,
        now_ms: u64,
    ) -> Result<ChatSession, CreateError> {
        self.start_session(req, ChatStart::default(), now_ms)
            .map(|(session, _)| session)
    }

    /// `POST chatsessions`: checks the campaign and the start fields (department, pre-chat
    /// data, greeting), assigns an agent (of the department, when one was chosen), stores the
    /// session. Returns it with the start fields as kept.
    pub fn start_session(
        &self,
        req: ChatSessionRequest,
        start: ChatStart,
        now_ms: u64,
    ) -> Result<(ChatSession, ChatStart), CreateError> {
        let def = self
            .campaign_def(&req.campaign_id)
            .ok_or(CreateError::UnknownCampaign)?;
        if !def.active {
            return Err(CreateError::Inactive);
        }
        let start = start::check(def, start).map_err(CreateError::Start)?;
        let department = start.department.as_deref();
        let mut inner = self.lock();
        let av = Self::availability(&inner, def, department);
        if !av.available {
            return Err(CreateError::NoAvailability);
        }
        let (user, verified_user) = access::check_user(def, req.user);
        // The form's name and email, as the agent would see an unsigned tag.
        let user = user.or_else(|| start::prechat_user(&start));
        // Only a signed user may choose their agent: anyone can type an agent's name.
        let preferred = user
            .as_ref()
            .filter(|_| verified_user.is_some())
            .and_then(|u| u.assigned_user.as_deref());
        let agent = inner
            .agents
            .pick(&def.id, department, preferred, &|n| {
                inner.sessions.load_of(n)
            })
            .map(|a| a.info.clone())
            .unwrap_or_else(|| self.shared.placeholder_agent.clone());
        // The seed: missing ids get random values; a tagged user is identified by email.
        let visitor_identifier = req
            .visitor_identifier
            .or_else(|| user.as_ref().map(|u| u.email.clone()))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("visitor-{}", ids::random_id(9)));
        let session = ChatSession {
            id: ids::random_id(32),
            campaign_id: def.id.clone(),
            tracker_id: Some(req.tracker_id.unwrap_or_else(|| ids::random_id(13))),
            visitor_identifier: Some(visitor_identifier),
            request_url: req.request_url,
            status: ChatSessionStatus::Created,
            user,
            survey: None,
            visitor_secret: None,
        };
        let nickname = agent.nickname.clone();
        let visitor_secret = identity::new_visitor_secret();
        let access = Access {
            visitor_secret: visitor_secret.clone(),
            verified_user,
        };
        inner
            .sessions
            .insert_with(session.clone(), agent, access, start.clone(), now_ms);
        drop(inner);
        self.emit(HubEvent::Session {
            id: session.id.clone(),
            agent: nickname,
        });
        // The secret is in this reply only.
        let session = ChatSession {
            visitor_secret: Some(visitor_secret),
            ..session
        };
        Ok((session, start))
    }

    pub fn session(&self, id: &str) -> Option<ChatSession> {
        self.lock().sessions.get(id).map(|r| r.session.clone())
    }

    /// A session with the start fields it was created with (`GET chatsessions/{id}`).
    pub fn session_and_start(&self, id: &str) -> Option<(ChatSession, ChatStart)> {
        self.lock()
            .sessions
            .get(id)
            .map(|r| (r.session.clone(), r.start.clone()))
    }

    fn view(&self, r: &crate::sessions::SessionRecord) -> SessionView {
        SessionView {
            session: r.session.clone(),
            start: r.start.clone(),
            start_view: StartView::of(self.campaign_def(&r.session.campaign_id), &r.start),
            agent: r.agent.clone(),
            created_ms: r.created_ms,
            transcript: r.transcript.clone(),
            credentials: r.credentials.clone(),
        }
    }

    /// A session with its agent and transcript.
    pub fn session_view(&self, id: &str) -> Option<SessionView> {
        self.lock().sessions.get(id).map(|r| self.view(r))
    }

    /// A session and its current agent, without copying the transcript (hot path: every
    /// message).
    pub fn session_and_agent(&self, id: &str) -> Option<(ChatSession, AgentInfo)> {
        self.lock()
            .sessions
            .get(id)
            .map(|r| (r.session.clone(), r.agent.clone()))
    }

    /// Every session, newest first.
    pub fn all_sessions(&self) -> Vec<SessionView> {
        self.lock()
            .sessions
            .all()
            .into_iter()
            .map(|r| self.view(r))
            .collect()
    }

    /// The sessions assigned to an agent, newest first.
    pub fn sessions_of_agent(&self, nickname: &str) -> Vec<SessionView> {
        self.lock()
            .sessions
            .all()
            .into_iter()
            .filter(|r| r.agent.nickname == nickname)
            .map(|r| self.view(r))
            .collect()
    }

    /// Extension `GET chatsessions?tracker_id=…`: a visitor's sessions, newest first.
    pub fn sessions_of_tracker(&self, tracker_id: &str) -> Vec<ChatSession> {
        self.lock()
            .sessions
            .by_tracker(tracker_id)
            .into_iter()
            .map(|r| r.session.clone())
            .collect()
    }

    /// Extension `GET chatsessions/{id}/transcript`.
    pub fn transcript(&self, id: &str) -> Option<Transcript> {
        self.lock().sessions.get(id).map(|r| Transcript {
            chatsession_id: id.to_owned(),
            messages: r.transcript.clone(),
        })
    }

    /// The transition API the XMPP side drives: `created → active` when the agent takes the
    /// chat, `→ closed` when either side sends `closed`. Repeating a status is accepted.
    pub fn set_status(
        &self,
        id: &str,
        status: ChatSessionStatus,
    ) -> Result<ChatSession, TransitionError> {
        let mut inner = self.lock();
        let t = inner.sessions.set_status(id, status)?;
        let record = inner
            .sessions
            .get(id)
            .ok_or(TransitionError::UnknownSession)?;
        let (session, agent) = (record.session.clone(), record.agent.nickname.clone());
        drop(inner);
        if t.changed() {
            self.emit(HubEvent::Session {
                id: id.to_owned(),
                agent,
            });
            // A closed chat frees a slot.
            if status == ChatSessionStatus::Closed {
                self.emit(HubEvent::Agents);
            }
        }
        Ok(session)
    }

    /// Moves a session to another agent (a transfer): the console shows it to the new agent,
    /// and the new agent's load counts it. Both agents' listeners are told.
    pub fn reassign(&self, id: &str, agent: AgentInfo) -> Result<ChatSession, TransitionError> {
        let mut inner = self.lock();
        let old = inner.sessions.reassign(id, agent.clone())?;
        let session = inner
            .sessions
            .get(id)
            .map(|r| r.session.clone())
            .ok_or(TransitionError::UnknownSession)?;
        drop(inner);
        for nickname in [old.nickname, agent.nickname] {
            self.emit(HubEvent::Session {
                id: id.to_owned(),
                agent: nickname,
            });
        }
        self.emit(HubEvent::Agents);
        Ok(session)
    }

    /// Tells listeners that something about a session changed outside the hub (the visitor
    /// is typing, went offline, answered a co-browsing request), so consoles re-read it.
    pub fn touch(&self, id: &str) {
        let agent = self
            .lock()
            .sessions
            .get(id)
            .map(|r| r.agent.nickname.clone());
        if let Some(agent) = agent {
            self.emit(HubEvent::Session {
                id: id.to_owned(),
                agent,
            });
        }
    }

    /// Records a chat message; `Ok(false)` when a message with that id is already there.
    pub fn record_message(
        &self,
        session_id: &str,
        message: TranscriptMessage,
    ) -> Result<bool, TransitionError> {
        let mut inner = self.lock();
        let added = inner.sessions.append_message(session_id, message)?;
        let agent = inner
            .sessions
            .get(session_id)
            .map(|r| r.agent.nickname.clone())
            .unwrap_or_default();
        drop(inner);
        if added {
            self.emit(HubEvent::Session {
                id: session_id.to_owned(),
                agent,
            });
        }
        Ok(added)
    }

    /// `PATCH chatsessions/{id}`: validates the answer against the campaign's survey and
    /// replaces any earlier answer.
    pub fn submit_survey(
        &self,
        id: &str,
        mut answer: SurveyAnswer,
    ) -> Result<ChatSession, SurveyError> {
        let campaign_id = self
            .session(id)
            .ok_or(SurveyError::UnknownSession)?
            .campaign_id;
        let survey = &self
            .campaign_def(&campaign_id)
            .ok_or(SurveyError::NotOffered)?
            .survey;
        if !survey.is_offered() {
            return Err(SurveyError::NotOffered);
        }
        if !survey.allows_result(&answer.result) {
            return Err(SurveyError::ResultNotAllowed {
                result: answer.result,
                allowed: survey
                    .survey_options
                    .iter()
                    .map(|o| o.value.clone())
                    .collect(),
            });
        }
        // An empty comment box is no comment.
        if answer
            .message
            .as_deref()
            .is_some_and(|m| m.trim().is_empty())
        {
            answer.message = None;
        }
        if let Some(m) = &answer.message {
            if !survey.survey_comment_enable {
                return Err(SurveyError::CommentsDisabled);
            }
            if m.chars().count() > MAX_COMMENT_CHARS {
                return Err(SurveyError::CommentTooLong);
            }
        }
        let mut inner = self.lock();
        let session = inner
            .sessions
            .set_survey(id, answer)
            .cloned()
            .ok_or(SurveyError::UnknownSession)?;
        let agent = inner
            .sessions
            .get(id)
            .map(|r| r.agent.nickname.clone())
            .unwrap_or_default();
        drop(inner);
        self.emit(HubEvent::Session {
            id: id.to_owned(),
            agent,
        });
        Ok(session)
    }

    /// The session and its assigned agent, when credentials may be created for it.
    pub fn credentials_target(
        &self,
        session_id: &str,
    ) -> Result<(ChatSession, AgentInfo), CredentialsError> {
        let inner = self.lock();
        let r = inner
            .sessions
            .get(session_id)
            .ok_or(CredentialsError::UnknownSession)?;
        if r.session.status == ChatSessionStatus::Closed {
            return Err(CredentialsError::SessionClosed);
        }
        Ok((r.session.clone(), r.agent.clone()))
    }

    /// Stores freshly minted credentials as a new `xmppcredentials` entity.
    pub fn store_credentials(
        &self,
        session_id: &str,
        agent: AgentInfo,
        credentials: Credentials,
    ) -> XmppCredentials {
        let creds = XmppCredentials {
            id: ids::random_id(56),
            agent,
            credentials,
        };
        self.lock()
            .sessions
            .add_credentials(creds.clone(), session_id);
        creds
    }

    /// `GET xmppcredentials/{id}`: the credentials and the id of their session.
    pub fn credentials(&self, id: &str) -> Option<(XmppCredentials, String)> {
        self.lock()
            .sessions
            .credentials(id)
            .map(|(c, s)| (c.clone(), s.to_owned()))
    }

    /// Signs an agent in under the bare JID its XMPP backend gives it.
    pub fn sign_in(&self, s: SignIn, jid: String) -> Result<Agent, AgentError> {
        let agent = self.lock().agents.sign_in(s, jid)?.clone();
        self.emit(HubEvent::Agents);
        Ok(agent)
    }

    pub fn sign_out(&self, id: u64) -> Result<Agent, AgentError> {
        let agent = self.lock().agents.sign_out(id)?;
        self.emit(HubEvent::Agents);
        Ok(agent)
    }

    pub fn set_available(&self, id: u64, available: bool) -> Result<Agent, AgentError> {
        let agent = self.lock().agents.set_available(id, available)?.clone();
        self.emit(HubEvent::Agents);
        Ok(agent)
    }

    pub fn agent(&self, id: u64) -> Option<Agent> {
        self.lock().agents.get(id).cloned()
    }

    pub fn agent_by_nickname(&self, nickname: &str) -> Option<Agent> {
        self.lock().agents.by_nickname(nickname).cloned()
    }

    pub fn agents(&self) -> Vec<Agent> {
        self.lock().agents.all().to_vec()
    }

    /// Appends to the request log.
    pub fn log_request(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        status: u16,
        origin: Option<&str>,
        has_token: bool,
    ) {
        let mut inner = self.lock();
        inner.log_seq += 1;
        let record = RequestRecord {
            seq: inner.log_seq,
            time_ms: ids::now_ms(),
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            status,
            origin: origin.map(str::to_owned),
            has_token,
        };
        if inner.log.len() == MAX_LOG {
            inner.log.pop_front();
        }
        inner.log.push_back(record);
    }

    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.lock().log.iter().cloned().collect()
    }

    pub fn clear_request_log(&self) {
        self.lock().log.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::AgentKind;
    use crate::campaigns::{self, defaults};
    use webchat_protocol::api::TaggedUser;

    fn hub() -> Hub {
        Hub::new(
            defaults(),
            AgentInfo {
                firstname: "James".into(),
                nickname: "agent1".into(),
                jid: "agent1@internal.webchat.test".into(),
            },
        )
    }

    fn sign_in(hub: &Hub, nickname: &str, slots: Option<u32>) -> Agent {
        hub.sign_in(
            SignIn {
                max_slots: slots,
                ..SignIn::new(nickname, "Ann", AgentKind::Test)
            },
            format!("{nickname}@internal.webchat.test"),
        )
        .unwrap()
    }

    fn request(campaign: &str) -> ChatSessionRequest {
        ChatSessionRequest {
            campaign_id: campaign.into(),
            ..Default::default()
        }
    }

    #[test]
    fn availability_follows_signed_in_agents_and_slots() {
        let hub = hub();
        assert!(!hub.campaign(campaigns::ENGLISH).unwrap().availability);
        assert_eq!(
            hub.create_session(request(campaigns::ENGLISH), 0),
            Err(CreateError::NoAvailability)
        );
        let a = sign_in(&hub, "ann", Some(1));
        let c = hub.campaign(campaigns::ENGLISH).unwrap();
        assert!(c.availability);
        assert_eq!(c.available_slots, AvailableSlots::Number(1));
        let s = hub.create_session(request(campaigns::ENGLISH), 0).unwrap();
        assert_eq!(hub.session_view(&s.id).unwrap().agent.nickname, "ann");
        // The only slot is taken.
        assert!(!hub.campaign(campaigns::ENGLISH).unwrap().availability);
        hub.set_status(&s.id, ChatSessionStatus::Closed).unwrap();
        assert!(hub.campaign(campaigns::ENGLISH).unwrap().availability);
        hub.set_available(a.id, false).unwrap();
        assert!(!hub.campaign(campaigns::ENGLISH).unwrap().availability);
    }

    #[test]
    fn forced_availability_and_modes() {
        let hub = hub();
        sign_in(&hub, "ann", None);
        assert!(
            !hub.campaign(campaigns::NO_AVAILABILITY)
                .unwrap()
                .availability
        );
        assert_eq!(
            hub.create_session(request(campaigns::INACTIVE), 0),
            Err(CreateError::Inactive)
        );
        assert_eq!(
            hub.create_session(request("nope"), 0),
            Err(CreateError::UnknownCampaign)
        );
        assert!(hub.force_availability(campaigns::ENGLISH, Some(false)));
        assert_eq!(
            hub.campaign(campaigns::ENGLISH).unwrap().available_slots,
            AvailableSlots::Number(0)
        );
        assert!(hub.force_availability(campaigns::ENGLISH, None));
        assert!(hub.force_availability(campaigns::NO_AVAILABILITY, Some(true)));
        let s = hub
            .create_session(request(campaigns::NO_AVAILABILITY), 0)
            .unwrap();
        assert_eq!(hub.session_view(&s.id).unwrap().agent.nickname, "ann");
        assert!(!hub.force_availability("nope", Some(true)));
    }

    #[test]
    fn placeholder_agent_when_forced_and_nobody_signed_in() {
        let hub = hub();
        hub.force_availability(campaigns::GERMAN, Some(true));
        let c = hub.campaign(campaigns::GERMAN).unwrap();
        assert_eq!(c.available_slots, AvailableSlots::Unlimited);
        let s = hub.create_session(request(campaigns::GERMAN), 0).unwrap();
        assert_eq!(hub.session_view(&s.id).unwrap().agent.nickname, "agent1");
        assert!(s.tracker_id.is_some() && s.visitor_identifier.is_some());
    }

    #[test]
    fn a_signed_user_routes_to_the_assigned_agent_an_unsigned_one_does_not() {
        let mut campaigns = defaults();
        campaigns[0].identity_secret = Some("s3cret".into());
        let hub = Hub::new(campaigns, hub().shared.placeholder_agent.clone());
        sign_in(&hub, "ann", None);
        sign_in(&hub, "bob", None);
        let user = |signature: Option<String>| TaggedUser {
            email: "Ada@example.org".into(),
            assigned_user: Some("bob".into()),
            signature,
            ..Default::default()
        };
        let key = crate::identity::UserKey::Email("ada@example.org".into());
        let mut req = request(campaigns::ENGLISH);
        req.user = Some(user(Some(crate::identity::sign("s3cret", &key))));
        let s = hub.create_session(req, 0).unwrap();
        assert_eq!(s.visitor_identifier.as_deref(), Some("Ada@example.org"));
        assert_eq!(hub.session_view(&s.id).unwrap().agent.nickname, "bob");
        let stored = hub.session(&s.id).unwrap().user.unwrap();
        assert_eq!(stored.verified, Some(true));
        assert_eq!(stored.signature, None, "the signature is not kept");
        assert!(s.visitor_secret.as_deref().is_some_and(|v| v.len() >= 22));
        assert_eq!(hub.session(&s.id).unwrap().visitor_secret, None);

        // Anyone can type an agent's name: without a valid signature it routes nowhere.
        for signature in [None, Some("00".repeat(32))] {
            let mut req = request(campaigns::ENGLISH);
            req.user = Some(user(signature));
            let s = hub.create_session(req, 0).unwrap();
            let view = hub.session_view(&s.id).unwrap();
            assert_eq!(view.agent.nickname, "ann", "the least busy agent");
            assert_eq!(view.session.user.unwrap().verified, Some(false));
        }
    }

    #[test]
    fn survey_rules() {
        let hub = hub();
        for c in [campaigns::ENGLISH, campaigns::GERMAN, campaigns::NO_SURVEY] {
            hub.force_availability(c, Some(true));
        }
        let answer = |r: &str, m: Option<&str>| SurveyAnswer {
            result: r.into(),
            message: m.map(str::to_owned),
        };
        let en = hub.create_session(request(campaigns::ENGLISH), 0).unwrap();
        let s = hub
            .submit_survey(&en.id, answer("moderate", Some("ok")))
            .unwrap();
        assert_eq!(s.survey.unwrap().result, "moderate");
        // Changing the rating later replaces it.
        hub.submit_survey(&en.id, answer("good", Some("  ")))
            .unwrap();
        assert_eq!(
            hub.session(&en.id).unwrap().survey,
            Some(answer("good", None))
        );
        let de = hub.create_session(request(campaigns::GERMAN), 0).unwrap();
        assert_eq!(
            hub.submit_survey(&de.id, answer("moderate", None)),
            Err(SurveyError::ResultNotAllowed {
                result: "moderate".into(),
                allowed: vec!["good".into(), "bad".into()]
            })
        );
        assert_eq!(
            hub.submit_survey(&de.id, answer("bad", Some("slow"))),
            Err(SurveyError::CommentsDisabled)
        );
        assert!(hub.submit_survey(&de.id, answer("bad", None)).is_ok());
        let none = hub
            .create_session(request(campaigns::NO_SURVEY), 0)
            .unwrap();
        assert_eq!(
            hub.submit_survey(&none.id, answer("good", None)),
            Err(SurveyError::NotOffered)
        );
        assert_eq!(
            hub.submit_survey("nope", answer("good", None)),
            Err(SurveyError::UnknownSession)
        );
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            hub.submit_survey(&en.id, answer("good", Some(&long))),
            Err(SurveyError::CommentTooLong)
        );
    }

    #[test]
    fn events_are_broadcast() {
        let hub = hub();
        hub.force_availability(campaigns::ENGLISH, Some(true));
        let mut rx = hub.subscribe();
        let s = hub.create_session(request(campaigns::ENGLISH), 0).unwrap();
        assert_eq!(
            rx.try_recv().unwrap(),
            HubEvent::Session {
                id: s.id.clone(),
                agent: "agent1".into()
            }
        );
        hub.set_status(&s.id, ChatSessionStatus::Active).unwrap();
        assert!(matches!(rx.try_recv().unwrap(), HubEvent::Session { .. }));
        // Repeating a status changes nothing and says nothing.
        hub.set_status(&s.id, ChatSessionStatus::Active).unwrap();
        assert!(rx.try_recv().is_err());
    }
}
