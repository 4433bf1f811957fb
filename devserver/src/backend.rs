//! The pluggable XMPP side of devserver: the [`XmppBackend`] trait and the in-memory backend.
//!
//! What it does: defines what the Public API needs from an XMPP deployment — the visitors'
//! and agents' domains, an agent's JID, visitor accounts minted per chat session, and notice of
//! agents going online/offline — so that one API layer serves every deployment:
//!
//! * **embedded** (default): devserver's own XMPP-over-WebSocket endpoint. Accounts live in
//!   memory; [`MemoryBackend`] is its account part (it mints and remembers the passwords the
//!   embedded server's SASL will verify through [`MemoryBackend::check_password`]).
//! * **external** (ejabberd / Prosody, as started by xtask): `provision_visitor` registers the
//!   account by in-band registration (XEP-0077) on the visitors' domain; `agent_online`
//!   registers the agent on `internal.<domain>` and connects it as an ordinary XMPP client that
//!   relays between the console and the server; `agent_offline` disconnects it. Those clients
//!   drive the session store through the [`crate::Hub`] they are given when built
//!   (`Hub::set_status`, `Hub::record_message`).
//!
//! What it does not: speak XMPP (the embedded server and the external agent clients are their
//! own modules), or decide which agent gets a chat (the hub does, from the agent registry).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use webchat_protocol::api::{AgentInfo, ChatSession, Credentials};

use crate::ids;

/// A boxed future, so the trait stays object-safe (`Arc<dyn XmppBackend>`).
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// Which deployment a backend talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Embedded,
    Ejabberd,
    Prosody,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Embedded => "embedded",
            BackendKind::Ejabberd => "ejabberd",
            BackendKind::Prosody => "prosody",
        }
    }
}

/// Why the XMPP side could not do what the API asked.
#[derive(Debug)]
pub enum BackendError {
    /// The XMPP server refused to register an account (conflict, policy, throttling).
    RegistrationRefused(String),
    /// The XMPP server could not be reached.
    Unreachable(std::io::Error),
    /// The server answered something the backend did not understand.
    Protocol(&'static str),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::RegistrationRefused(why) => {
                write!(f, "the XMPP server refused the account: {why}")
            }
            BackendError::Unreachable(e) => write!(f, "the XMPP server is unreachable: {e}"),
            BackendError::Protocol(why) => write!(f, "unexpected XMPP server reply: {why}"),
        }
    }
}

impl std::error::Error for BackendError {}

/// What the Public API needs from an XMPP deployment.
pub trait XmppBackend: Send + Sync + 'static {
    fn kind(&self) -> BackendKind;

    /// The visitors' domain (`credentials.domain`).
    fn domain(&self) -> &str;

    /// The agents' domain, e.g. `internal.<domain>` as in the seed.
    fn agent_domain(&self) -> &str;

    /// The bare JID an agent with this (validated) nickname has on this deployment.
    fn agent_jid(&self, nickname: &str) -> String {
        format!("{nickname}@{}", self.agent_domain())
    }

    /// Creates the visitor's XMPP account for a chat session routed to `agent`.
    fn provision_visitor<'a>(
        &'a self,
        session: &'a ChatSession,
        agent: &'a AgentInfo,
    ) -> BackendFuture<'a, Credentials>;

    /// An agent signed in: make sure it has an account (and, for external servers, a
    /// connected client) before chats are routed to it.
    fn agent_online<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()>;

    /// An agent signed out: disconnect what `agent_online` started.
    fn agent_offline<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()>;
}

/// Accounts held in memory: the embedded backend's account store.
#[derive(Debug)]
pub struct MemoryBackend {
    domain: String,
    agent_domain: String,
    /// Visitor local part → password.
    visitors: Mutex<HashMap<String, String>>,
    /// Accounts created by in-band registration: `local@domain` (lowercase) → password.
    registered: Mutex<HashMap<String, String>>,
    /// Bare JIDs of agents currently online.
    agents: Mutex<HashSet<String>>,
}

/// Length of minted passwords, in hex digits (as long as the seed's).
const PASSWORD_LEN: usize = 56;

impl MemoryBackend {
    /// A backend for `domain`, with agents on `internal.<domain>`.
    pub fn new(domain: &str) -> Self {
        MemoryBackend {
            domain: domain.to_owned(),
            agent_domain: format!("internal.{domain}"),
            visitors: Mutex::new(HashMap::new()),
            registered: Mutex::new(HashMap::new()),
            agents: Mutex::new(HashSet::new()),
        }
    }

    /// A backend for `domain` with agents on `agent_domain`.
    pub fn with_agent_domain(domain: &str, agent_domain: &str) -> Self {
        MemoryBackend {
            agent_domain: agent_domain.to_owned(),
            ..MemoryBackend::new(domain)
        }
    }

    /// Whether `password` is the one minted for the visitor `local` (for the embedded SASL).
    pub fn check_password(&self, local: &str, password: &str) -> bool {
        let visitors = self.visitors.lock().unwrap_or_else(|p| p.into_inner());
        visitors.get(local).is_some_and(|p| p == password)
    }

    /// The password minted for `local`, for SCRAM (which needs the secret, not a comparison).
    pub fn password_of(&self, local: &str) -> Option<String> {
        let visitors = self.visitors.lock().unwrap_or_else(|p| p.into_inner());
        visitors.get(local).cloned()
    }

    /// The password of `local@domain`: minted visitors on the visitors' domain, or an account
    /// made by in-band registration on either domain.
    pub fn account_password(&self, domain: &str, local: &str) -> Option<String> {
        if domain.eq_ignore_ascii_case(&self.domain) {
            if let Some(pw) = self.password_of(local) {
                return Some(pw);
            }
        }
        let registered = self.registered.lock().unwrap_or_else(|p| p.into_inner());
        registered
            .get(&format!("{local}@{domain}").to_ascii_lowercase())
            .cloned()
    }

    /// Creates `local@domain` (in-band registration); `false` when it exists.
    pub fn register_account(&self, domain: &str, local: &str, password: &str) -> bool {
        if self.account_password(domain, local).is_some() {
            return false;
        }
        let mut registered = self.registered.lock().unwrap_or_else(|p| p.into_inner());
        registered
            .insert(
                format!("{local}@{domain}").to_ascii_lowercase(),
                password.to_owned(),
            )
            .is_none()
    }

    /// Whether the agent with this bare JID is online.
    pub fn agent_is_online(&self, jid: &str) -> bool {
        let agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.contains(jid)
    }

    fn mint(&self) -> Credentials {
        let local = format!("anonymous.{}", ids::random_hex(29));
        let password = ids::random_hex(PASSWORD_LEN);
        let mut visitors = self.visitors.lock().unwrap_or_else(|p| p.into_inner());
        visitors.insert(local.clone(), password.clone());
        Credentials {
            // The seed sends `local@domain`; clients must use the local part for SASL.
            user: format!("{local}@{}", self.domain),
            password,
            domain: self.domain.clone(),
            resource: ids::random_hex(15),
        }
    }
}

impl XmppBackend for MemoryBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Embedded
    }

    fn domain(&self) -> &str {
        &self.domain
    }

    fn agent_domain(&self) -> &str {
        &self.agent_domain
    }

    fn provision_visitor<'a>(
        &'a self,
        _session: &'a ChatSession,
        _agent: &'a AgentInfo,
    ) -> BackendFuture<'a, Credentials> {
        let creds = self.mint();
        Box::pin(async move { Ok(creds) })
    }

    fn agent_online<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()> {
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.insert(agent.jid.clone());
        Box::pin(async { Ok(()) })
    }

    fn agent_offline<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()> {
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.remove(&agent.jid);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webchat_protocol::api::ChatSessionStatus;

    #[tokio::test]
    async fn minted_credentials_are_fresh_and_verifiable() {
        let b = MemoryBackend::new("webchat.test");
        let session = ChatSession {
            id: "s".into(),
            campaign_id: "c".into(),
            tracker_id: None,
            visitor_identifier: None,
            request_url: None,
            status: ChatSessionStatus::Created,
            user: None,
            survey: None,
            visitor_secret: None,
        };
        let agent = AgentInfo {
            firstname: "James".into(),
            nickname: "agent1".into(),
            jid: b.agent_jid("agent1"),
        };
        assert_eq!(agent.jid, "agent1@internal.webchat.test");
        let c1 = b.provision_visitor(&session, &agent).await.unwrap();
        let c2 = b.provision_visitor(&session, &agent).await.unwrap();
        assert_ne!(c1.user, c2.user);
        assert!(c1.user.ends_with("@webchat.test"));
        assert_eq!(c1.domain, "webchat.test");
        assert_eq!(c1.resource.len(), 15);
        assert!(b.check_password(c1.local_part(), &c1.password));
        assert!(!b.check_password(c1.local_part(), &c2.password));
        assert!(!b.check_password("nobody", &c1.password));
        b.agent_online(&agent).await.unwrap();
        assert!(b.agent_is_online(&agent.jid));
        b.agent_offline(&agent).await.unwrap();
        assert!(!b.agent_is_online(&agent.jid));
    }
}
