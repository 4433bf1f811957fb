//! The agent registry: who is signed in (console, bot, test), available, with how many slots,
//! for which campaigns and departments.
//!
//! What it does: keeps the signed-in agents, computes a campaign's (or one department's)
//! availability the way the Public API defines it (agents signed in and "Available" with free
//! slots; `"∞"` when one of them has no limit) and picks the agent for a new chat session: a
//! chat routed to a department goes only to agents of that department, and a signed user's
//! `assignedUser` names an agent by login email, nickname or JID, case-insensitively.
//! What it does not: count chats itself (the caller passes each agent's current load from the
//! session store), lock anything (the hub owns the lock), or talk XMPP.

use std::fmt;

use serde::Serialize;
use webchat_protocol::api::{AgentInfo, AvailableSlots};
use webchat_protocol::forms;

/// Where a signed-in agent comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    /// A person in the `/agent` console.
    Console,
    /// The auto-agent (`--bot`).
    Bot,
    /// Signed in through the test control surface.
    Test,
}

/// What an agent gives when signing in.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub nickname: String,
    pub firstname: String,
    /// `None`: no chat limit (makes the campaign's `available_slots` `"∞"`).
    pub max_slots: Option<u32>,
    /// Campaign ids this agent serves; empty means all.
    pub campaigns: Vec<String>,
    /// Department ids (`webchat.departments[].id` of the campaigns) this agent serves. Empty:
    /// none, so only chats without a department.
    pub departments: Vec<String>,
    /// The agent's login, what `assignedUser` names; unique among signed-in agents.
    pub email: Option<String>,
    pub available: bool,
    pub kind: AgentKind,
}

impl SignIn {
    /// An available agent with no limit, every campaign, no department and no email.
    pub fn new(nickname: &str, firstname: &str, kind: AgentKind) -> SignIn {
        SignIn {
            nickname: nickname.to_owned(),
            firstname: firstname.to_owned(),
            max_slots: None,
            campaigns: Vec::new(),
            departments: Vec::new(),
            email: None,
            available: true,
            kind,
        }
    }
}

/// A signed-in agent.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: u64,
    pub info: AgentInfo,
    pub available: bool,
    pub max_slots: Option<u32>,
    pub campaigns: Vec<String>,
    pub departments: Vec<String>,
    pub email: Option<String>,
    pub kind: AgentKind,
}

impl Agent {
    /// Whether this agent takes chats of the campaign routed to `department` (`None`: no
    /// department, any agent of the campaign).
    fn serves(&self, campaign_id: &str, department: Option<&str>) -> bool {
        (self.campaigns.is_empty() || self.campaigns.iter().any(|c| c == campaign_id))
            && department.is_none_or(|d| self.departments.iter().any(|x| x == d))
    }

    /// Whether `name` (an `assignedUser`) names this agent: its login email, nickname or bare
    /// JID (a full JID's resource is ignored), compared case-insensitively.
    pub fn answers_to(&self, name: &str) -> bool {
        let name = name.trim();
        let bare = name.split('/').next().unwrap_or(name);
        self.email
            .as_deref()
            .is_some_and(|e| e.to_lowercase() == name.to_lowercase())
            || self.info.nickname.eq_ignore_ascii_case(name)
            || self.info.jid.eq_ignore_ascii_case(bare)
    }

    /// Free slots given the agent's current number of open chats.
    fn free_slots(&self, load: u32) -> AvailableSlots {
        match self.max_slots {
            None => AvailableSlots::Unlimited,
            Some(max) => AvailableSlots::Number(max.saturating_sub(load)),
        }
    }
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// Nicknames identify agents in transfers and `assigned_user`: one at a time, ignoring
    /// case (a JID's local part ignores it too).
    NicknameTaken(String),
    /// A nickname must be a usable JID local part: letters, digits, `.`, `-`, `_`.
    InvalidNickname,
    /// Logins identify agents in `assigned_user`: one at a time, ignoring case.
    EmailTaken(String),
    /// Not an email address (`webchat_protocol::forms::valid_email`).
    InvalidEmail,
    /// A department id must be a non-blank line of at most 64 characters.
    InvalidDepartment,
    UnknownAgent,
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentError::NicknameTaken(n) => write!(f, "agent {n:?} is already signed in"),
            AgentError::InvalidNickname => f.write_str(
                "a nickname is 1-64 characters of ASCII letters, digits, '.', '-' or '_'",
            ),
            AgentError::EmailTaken(e) => write!(f, "an agent with the login {e:?} is signed in"),
            AgentError::InvalidEmail => f.write_str("the login is not an email address"),
            AgentError::InvalidDepartment => {
                f.write_str("a department id is a non-blank line of at most 64 characters")
            }
            AgentError::UnknownAgent => f.write_str("no such signed-in agent"),
        }
    }
}

impl std::error::Error for AgentError {}

/// A campaign's availability as `GET campaigns/{id}` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    pub available: bool,
    pub agents: u32,
    pub slots: AvailableSlots,
}

impl Availability {
    /// The seed: no availability means zero agents and zero slots.
    pub const NONE: Availability = Availability {
        available: false,
        agents: 0,
        slots: AvailableSlots::Number(0),
    };
}

/// The signed-in agents.
#[derive(Debug, Default)]
pub struct AgentRegistry {
    agents: Vec<Agent>,
    next_id: u64,
}

/// Whether `nickname` can be a JID local part without escaping.
pub fn valid_nickname(nickname: &str) -> bool {
    (1..=64).contains(&nickname.len())
        && nickname
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

impl AgentRegistry {
    /// Signs an agent in; `jid` is the bare JID the XMPP backend gives this nickname.
    pub fn sign_in(&mut self, s: SignIn, jid: String) -> Result<&Agent, AgentError> {
        if !valid_nickname(&s.nickname) {
            return Err(AgentError::InvalidNickname);
        }
        if self
            .agents
            .iter()
            .any(|a| a.info.nickname.eq_ignore_ascii_case(&s.nickname))
        {
            return Err(AgentError::NicknameTaken(s.nickname));
        }
        let email = s.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if forms::check_email(e).is_err() {
                return Err(AgentError::InvalidEmail);
            }
            let lower = e.to_lowercase();
            if self.agents.iter().any(|a| {
                a.email
                    .as_deref()
                    .is_some_and(|x| x.to_lowercase() == lower)
            }) {
                return Err(AgentError::EmailTaken(e.to_owned()));
            }
        }
        let email = email.map(str::to_owned);
        if s.departments.iter().any(|d| {
            d.trim().is_empty()
                || d.chars().count() > forms::MAX_ID_CHARS
                || d.chars().any(char::is_control)
        }) {
            return Err(AgentError::InvalidDepartment);
        }
        self.next_id += 1;
        let firstname = if s.firstname.trim().is_empty() {
            s.nickname.clone()
        } else {
            s.firstname
        };
        self.agents.push(Agent {
            id: self.next_id,
            info: AgentInfo {
                firstname,
                nickname: s.nickname,
                jid,
            },
            available: s.available,
            max_slots: s.max_slots,
            campaigns: s.campaigns,
            departments: s.departments,
            email,
            kind: s.kind,
        });
        Ok(&self.agents[self.agents.len() - 1])
    }

    pub fn sign_out(&mut self, id: u64) -> Result<Agent, AgentError> {
        let pos = self
            .agents
            .iter()
            .position(|a| a.id == id)
            .ok_or(AgentError::UnknownAgent)?;
        Ok(self.agents.remove(pos))
    }

    pub fn set_available(&mut self, id: u64, available: bool) -> Result<&Agent, AgentError> {
        let agent = self
            .agents
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(AgentError::UnknownAgent)?;
        agent.available = available;
        Ok(agent)
    }

    pub fn get(&self, id: u64) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    pub fn by_nickname(&self, nickname: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.info.nickname == nickname)
    }

    pub fn all(&self) -> &[Agent] {
        &self.agents
    }

    fn eligible<'s: 'x, 'x>(
        &'s self,
        campaign_id: &'x str,
        department: Option<&'x str>,
        load: &'x dyn Fn(&str) -> u32,
    ) -> impl Iterator<Item = (&'s Agent, AvailableSlots)> + 'x {
        self.agents
            .iter()
            .filter(move |a| a.available && a.serves(campaign_id, department))
            .map(move |a| (a, a.free_slots(load(&a.info.nickname))))
            .filter(|(_, free)| free.has_room())
    }

    /// Availability of a campaign, or of one of its departments; `load(nickname)` is the
    /// agent's number of open chats.
    pub fn availability(
        &self,
        campaign_id: &str,
        department: Option<&str>,
        load: &dyn Fn(&str) -> u32,
    ) -> Availability {
        let mut agents = 0u32;
        let mut slots = AvailableSlots::Number(0);
        for (_, free) in self.eligible(campaign_id, department, load) {
            agents += 1;
            slots = match (slots, free) {
                (AvailableSlots::Number(a), AvailableSlots::Number(b)) => {
                    AvailableSlots::Number(a.saturating_add(b))
                }
                _ => AvailableSlots::Unlimited,
            };
        }
        Availability {
            available: agents > 0,
            agents,
            slots,
        }
    }

    /// The agent for a new chat (routed to `department`, when given): the preferred agent
    /// ([`Agent::answers_to`]) when it is eligible, otherwise the eligible agent with the
    /// fewest open chats (first signed in wins a tie).
    pub fn pick(
        &self,
        campaign_id: &str,
        department: Option<&str>,
        preferred: Option<&str>,
        load: &dyn Fn(&str) -> u32,
    ) -> Option<&Agent> {
        if let Some(name) = preferred {
            if let Some((a, _)) = self
                .eligible(campaign_id, department, load)
                .find(|(a, _)| a.answers_to(name))
            {
                return Some(a);
            }
        }
        self.eligible(campaign_id, department, load)
            .min_by_key(|(a, _)| load(&a.info.nickname))
            .map(|(a, _)| a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(nickname: &str, max_slots: Option<u32>, campaigns: &[&str]) -> SignIn {
        SignIn {
            max_slots,
            campaigns: campaigns.iter().map(|c| c.to_string()).collect(),
            ..SignIn::new(nickname, "", AgentKind::Test)
        }
    }

    fn jid(n: &str) -> String {
        format!("{n}@internal.webchat.test")
    }

    #[test]
    fn availability_sums_free_slots_and_turns_infinite() {
        let mut r = AgentRegistry::default();
        let no_load = |_: &str| 0;
        assert_eq!(r.availability("c", None, &no_load), Availability::NONE);
        r.sign_in(sign_in("a1", Some(2), &[]), jid("a1")).unwrap();
        r.sign_in(sign_in("a2", Some(3), &["c"]), jid("a2"))
            .unwrap();
        r.sign_in(sign_in("a3", Some(3), &["other"]), jid("a3"))
            .unwrap();
        let load = |n: &str| u32::from(n == "a1");
        let av = r.availability("c", None, &load);
        assert_eq!(av.agents, 2);
        assert_eq!(av.slots, AvailableSlots::Number(4));
        let id = r.sign_in(sign_in("bot", None, &[]), jid("bot")).unwrap().id;
        assert_eq!(
            r.availability("c", None, &load).slots,
            AvailableSlots::Unlimited
        );
        r.set_available(id, false).unwrap();
        assert_eq!(
            r.availability("c", None, &load).slots,
            AvailableSlots::Number(4)
        );
    }

    #[test]
    fn full_agents_do_not_count() {
        let mut r = AgentRegistry::default();
        r.sign_in(sign_in("a1", Some(1), &[]), jid("a1")).unwrap();
        let full = |_: &str| 1;
        assert_eq!(r.availability("c", None, &full), Availability::NONE);
        assert!(r.pick("c", None, None, &full).is_none());
    }

    #[test]
    fn pick_prefers_the_assigned_agent_then_the_least_loaded() {
        let mut r = AgentRegistry::default();
        r.sign_in(sign_in("a1", None, &[]), jid("a1")).unwrap();
        r.sign_in(sign_in("a2", None, &[]), jid("a2")).unwrap();
        let load = |n: &str| if n == "a1" { 3 } else { 1 };
        assert_eq!(r.pick("c", None, None, &load).unwrap().info.nickname, "a2");
        assert_eq!(
            r.pick("c", None, Some("a1"), &load).unwrap().info.nickname,
            "a1"
        );
        assert_eq!(
            r.pick("c", None, Some("absent"), &load)
                .unwrap()
                .info
                .nickname,
            "a2"
        );
    }

    fn with(nickname: &str, email: Option<&str>, departments: &[&str]) -> SignIn {
        SignIn {
            email: email.map(str::to_owned),
            departments: departments.iter().map(|d| d.to_string()).collect(),
            ..SignIn::new(nickname, "", AgentKind::Test)
        }
    }

    #[test]
    fn a_department_chat_goes_only_to_agents_of_that_department() {
        let mut r = AgentRegistry::default();
        r.sign_in(with("generalist", None, &[]), jid("generalist"))
            .unwrap();
        r.sign_in(with("seller", None, &["sales"]), jid("seller"))
            .unwrap();
        r.sign_in(with("both", None, &["sales", "support"]), jid("both"))
            .unwrap();
        let load = |n: &str| u32::from(n == "seller");
        let pick = |d: Option<&str>, p: Option<&str>| {
            r.pick("c", d, p, &load).map(|a| a.info.nickname.clone())
        };
        // Without a department anyone of the campaign; the least busy wins.
        assert_eq!(pick(None, None).as_deref(), Some("generalist"));
        assert_eq!(pick(Some("sales"), None).as_deref(), Some("both"));
        assert_eq!(pick(Some("support"), None).as_deref(), Some("both"));
        assert_eq!(pick(Some("wholesale"), None), None);
        // An assigned agent outside the department does not take it.
        assert_eq!(
            pick(Some("sales"), Some("generalist")).as_deref(),
            Some("both")
        );
        assert_eq!(
            pick(Some("sales"), Some("seller")).as_deref(),
            Some("seller")
        );
        assert_eq!(r.availability("c", Some("sales"), &load).agents, 2);
        assert_eq!(r.availability("c", Some("support"), &load).agents, 1);
        assert_eq!(
            r.availability("c", Some("wholesale"), &load),
            Availability::NONE
        );
        assert_eq!(r.availability("c", None, &load).agents, 3);
    }

    #[test]
    fn assigned_user_names_an_agent_by_email_nickname_or_jid() {
        let mut r = AgentRegistry::default();
        r.sign_in(with("anna", None, &[]), jid("anna")).unwrap();
        r.sign_in(
            with("agent1", Some("Agent1@ChatVisor.com"), &[]),
            jid("agent1"),
        )
        .unwrap();
        let load = |n: &str| u32::from(n == "agent1");
        for name in [
            "agent1@chatvisor.com",
            "AGENT1@chatvisor.com",
            " agent1@chatvisor.com ",
            "agent1",
            "Agent1",
            "agent1@internal.webchat.test",
            "Agent1@Internal.Webchat.Test/webchat",
        ] {
            let a = r.pick("c", None, Some(name), &load).unwrap();
            assert_eq!(a.info.nickname, "agent1", "{name}");
        }
        for name in ["agent2@chatvisor.com", "agent", "agent1@other.test", ""] {
            let a = r.pick("c", None, Some(name), &load).unwrap();
            assert_eq!(a.info.nickname, "anna", "{name}: the least busy");
        }
    }

    #[test]
    fn logins_and_departments_are_checked() {
        let mut r = AgentRegistry::default();
        r.sign_in(with("a1", Some("a@example.com"), &[]), jid("a1"))
            .unwrap();
        assert_eq!(
            r.sign_in(with("a2", Some("A@Example.com"), &[]), jid("a2"))
                .unwrap_err(),
            AgentError::EmailTaken("A@Example.com".into())
        );
        assert_eq!(
            r.sign_in(with("a2", Some("not an address"), &[]), jid("a2"))
                .unwrap_err(),
            AgentError::InvalidEmail
        );
        assert_eq!(
            r.sign_in(with("a2", None, &[" "]), jid("a2")).unwrap_err(),
            AgentError::InvalidDepartment
        );
        assert_eq!(
            r.sign_in(with("A1", None, &[]), jid("A1")).unwrap_err(),
            AgentError::NicknameTaken("A1".into())
        );
        // A blank login is none.
        let a = r
            .sign_in(with("a2", Some(" "), &["sales"]), jid("a2"))
            .unwrap();
        assert_eq!(a.email, None);
        assert_eq!(a.departments, ["sales"]);
    }

    #[test]
    fn sign_in_rules() {
        let mut r = AgentRegistry::default();
        let a = r.sign_in(sign_in("a1", None, &[]), jid("a1")).unwrap();
        assert_eq!(a.info.firstname, "a1");
        let id = a.id;
        assert_eq!(
            r.sign_in(sign_in("a1", None, &[]), jid("a1")).unwrap_err(),
            AgentError::NicknameTaken("a1".into())
        );
        assert_eq!(
            r.sign_in(sign_in("a b", None, &[]), jid("a b"))
                .unwrap_err(),
            AgentError::InvalidNickname
        );
        assert_eq!(
            r.sign_in(sign_in("", None, &[]), jid("")).unwrap_err(),
            AgentError::InvalidNickname
        );
        r.sign_out(id).unwrap();
        assert_eq!(r.sign_out(id).unwrap_err(), AgentError::UnknownAgent);
        assert!(r.sign_in(sign_in("a1", None, &[]), jid("a1")).is_ok());
    }
}
