//! The embedded XMPP-over-WebSocket server (`--backend embedded`, the default): zero
//! install, behaving toward a visitor like ejabberd or Prosody do.
//!
//! What it does: [`stream`] is one client stream (SASL, bind, stream management, pings),
//! [`router`] switches stanzas between streams and the agent [`crate::desk::Desk`],
//! [`endpoint`] drives a stream over its [`link`]: a WebSocket from `/xmpp-websocket`, or a
//! BOSH session ([`bosh`], served at `/http-bind` by [`http_bind`]). Agents are in-process endpoints on the agents'
//! domain: their stanzas leave from `nick@internal.<domain>/webchat`. Both domains are
//! virtual hosts with in-band registration, so ordinary clients (tests, another agent
//! implementation) can also log in there; a stanza to an agent-domain JID with a connected
//! client goes to that client, otherwise to the desk.
//! The router also keeps each visitor's message archive for XEP-0313 queries.
//! What it does not: server-to-server, or persistent accounts and archives (the accounts are
//! the ones `POST xmppcredentials` minted, in [`crate::backend::MemoryBackend`]).

pub mod bosh;
pub mod endpoint;
pub mod http_bind;
pub mod link;
pub mod router;
pub mod stream;

use std::sync::Arc;

use crate::backend::MemoryBackend;

pub use router::Router;
pub use stream::{Accounts, RegisterError, StreamConfig};

/// What the endpoint needs.
pub struct Embedded {
    pub router: Router,
    pub accounts: Arc<MemoryBackend>,
    pub config: Arc<StreamConfig>,
    /// The live BOSH sessions.
    pub bosh: http_bind::Registry,
    /// What a BOSH session is granted.
    pub bosh_limits: bosh::Limits,
}

impl Accounts for MemoryBackend {
    fn password(&self, domain: &str, local: &str) -> Option<String> {
        self.account_password(domain, local)
    }

    fn register(&self, domain: &str, local: &str, password: &str) -> Result<(), RegisterError> {
        let usable = !local.is_empty()
            && !password.is_empty()
            && webchat_protocol::Jid::from_parts(Some(local), domain, None).is_ok();
        if !usable {
            return Err(RegisterError::NotAcceptable);
        }
        if self.register_account(domain, local, password) {
            Ok(())
        } else {
            Err(RegisterError::Conflict)
        }
    }
}
