//! The agent registry: who is signed in (console, bot, test), available, and with how many slots.
//!
//! What it does: keeps the signed-in agents, computes a campaign's availability the way the Public API
//! defines it (agents signed in and "Available" with free slots; `"∞"` when one of them has no
//! limit) and picks the agent for a new chat session.
//! What it does not: count chats itself (the caller passes each agent's current load from the
//! session store), lock anything (the hub owns the lock), or talk XMPP.

use std::fmt;

use serde::Serialize;
use webchat_protocol::api::{AgentInfo, AvailableSlots};

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
    pub available: bool,
    pub kind: AgentKind,
}

/// A signed-in agent.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: u64,
    pub info: AgentInfo,
    pub available: bool,
    pub max_slots: Option<u32>,
    pub campaigns: Vec<String>,
    pub kind: AgentKind,
}

impl Agent {
    fn serves(&self, campaign_id: &str) -> bool {
        self.campaigns.is_empty() || self.campaigns.iter().any(|c| c == campaign_id)
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
    /// Nicknames identify agents in transfers and `assigned_user`: one at a time.
    NicknameTaken(String),
    /// A nickname must be a usable JID local part: letters, digits, `.`, `-`, `_`.
    InvalidNickname,
    UnknownAgent,
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentError::NicknameTaken(n) => write!(f, "agent {n:?} is already signed in"),
            AgentError::InvalidNickname => f.write_str(
                "a nickname is 1-64 characters of ASCII letters, digits, '.', '-' or '_'",
            ),
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
        if self.agents.iter().any(|a| a.info.nickname == s.nickname) {
            return Err(AgentError::NicknameTaken(s.nickname));
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
        load: &'x dyn Fn(&str) -> u32,
    ) -> impl Iterator<Item = (&'s Agent, AvailableSlots)> + 'x {
        self.agents
            .iter()
            .filter(move |a| a.available && a.serves(campaign_id))
            .map(move |a| (a, a.free_slots(load(&a.info.nickname))))
            .filter(|(_, free)| free.has_room())
    }

    /// Availability of a campaign; `load(nickname)` is the agent's number of open chats.
    pub fn availability(&self, campaign_id: &str, load: &dyn Fn(&str) -> u32) -> Availability {
        let mut agents = 0u32;
        let mut slots = AvailableSlots::Number(0);
        for (_, free) in self.eligible(campaign_id, load) {
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

    /// The agent for a new chat: the preferred nickname when it is eligible, otherwise the
    /// eligible agent with the fewest open chats (first signed in wins a tie).
    pub fn pick(
        &self,
        campaign_id: &str,
        preferred: Option<&str>,
        load: &dyn Fn(&str) -> u32,
    ) -> Option<&Agent> {
        if let Some(name) = preferred {
            if let Some((a, _)) = self
                .eligible(campaign_id, load)
                .find(|(a, _)| a.info.nickname == name)
            {
                return Some(a);
            }
        }
        self.eligible(campaign_id, load)
            .min_by_key(|(a, _)| load(&a.info.nickname))
            .map(|(a, _)| a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(nickname: &str, max_slots: Option<u32>, campaigns: &[&str]) -> SignIn {
        SignIn {
            nickname: nickname.into(),
            firstname: String::new(),
            max_slots,
            campaigns: campaigns.iter().map(|c| c.to_string()).collect(),
            available: true,
            kind: AgentKind::Test,
        }
    }

    fn jid(n: &str) -> String {
        format!("{n}@internal.webchat.test")
    }

    #[test]
    fn availability_sums_free_slots_and_turns_infinite() {
        let mut r = AgentRegistry::default();
        let no_load = |_: &str| 0;
        assert_eq!(r.availability("c", &no_load), Availability::NONE);
        r.sign_in(sign_in("a1", Some(2), &[]), jid("a1")).unwrap();
        r.sign_in(sign_in("a2", Some(3), &["c"]), jid("a2"))
            .unwrap();
        r.sign_in(sign_in("a3", Some(3), &["other"]), jid("a3"))
            .unwrap();
        let load = |n: &str| u32::from(n == "a1");
        let av = r.availability("c", &load);
        assert_eq!(av.agents, 2);
        assert_eq!(av.slots, AvailableSlots::Number(4));
        let id = r.sign_in(sign_in("bot", None, &[]), jid("bot")).unwrap().id;
        assert_eq!(r.availability("c", &load).slots, AvailableSlots::Unlimited);
        r.set_available(id, false).unwrap();
        assert_eq!(r.availability("c", &load).slots, AvailableSlots::Number(4));
    }

    #[test]
    fn full_agents_do_not_count() {
        let mut r = AgentRegistry::default();
        r.sign_in(sign_in("a1", Some(1), &[]), jid("a1")).unwrap();
        let full = |_: &str| 1;
        assert_eq!(r.availability("c", &full), Availability::NONE);
        assert!(r.pick("c", None, &full).is_none());
    }

    #[test]
    fn pick_prefers_the_assigned_agent_then_the_least_loaded() {
        let mut r = AgentRegistry::default();
        r.sign_in(sign_in("a1", None, &[]), jid("a1")).unwrap();
        r.sign_in(sign_in("a2", None, &[]), jid("a2")).unwrap();
        let load = |n: &str| if n == "a1" { 3 } else { 1 };
        assert_eq!(r.pick("c", None, &load).unwrap().info.nickname, "a2");
        assert_eq!(r.pick("c", Some("a1"), &load).unwrap().info.nickname, "a1");
        assert_eq!(
            r.pick("c", Some("absent"), &load).unwrap().info.nickname,
            "a2"
        );
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
