//! The external backend (`--backend ejabberd|prosody`): a real XMPP server carries the chats.
//!
//! What it does: registers each visitor's account by in-band registration (XEP-0077) with
//! the protocol crate's [`Connection`] over tokio-tungstenite and returns those credentials;
//! connects each signed-in agent as an ordinary XMPP client on the agents' domain
//! (registering the account first; an existing account is logged in to), sends the desk's
//! stanzas on that connection and hands every stanza the agent receives to the desk.
//! An agent connection that the server or the network drops is logged in again with backoff
//! (250 ms doubling to 10 s); desk stanzas queue meanwhile. The agent client requests its
//! roster after login, which makes it an "interested resource" (RFC 6121): Prosody 0.12
//! delivers the visitor's `subscribed` only to such resources, ejabberd to any.
//! After a transfer, stanzas to the visitor still leave through the connection of the agent
//! JID in the visitor's credentials: the visitor accepts stanzas from that JID only (the Public API:
//! "Agent info may not be changed after chat forwarding"), and a server stamps `from` with
//! the sending connection's JID, so the new agent's own connection cannot speak for it. When
//! that first agent signs out, its connection stays up as a relay until those chats close.
//! [`drive`] is the small loop that runs a sans-IO `Connection` on a WebSocket.
//! What it does not: start servers (xtask does), or serve `/xmpp-websocket` (visitors
//! connect to the server itself).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use webchat_protocol::api::{AgentInfo, ChatSession, Credentials};
use webchat_protocol::connection::{CloseReason, Config as ConnConfig, Connection, Event};
use webchat_protocol::stanza::IqType;
use webchat_protocol::{Element, Instant, Jid};

use crate::backend::{BackendError, BackendFuture, BackendKind, XmppBackend};
use crate::config::BackendChoice;
use crate::desk::{AgentOutlet, Desk};
use crate::ids;

/// How long registration or an agent's login may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What a driven connection is told to do.
#[derive(Debug)]
pub enum Command {
    Send(Element),
    Close,
}

fn entropy() -> [u8; 16] {
    let mut e = [0u8; 16];
    if getrandom::fill(&mut e).is_err() {
        e.copy_from_slice(&ids::now_ms().to_le_bytes().repeat(2));
    }
    e
}

/// How a driven connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// [`Command::Close`], or every command sender is gone.
    Requested,
    /// The server or the network ended it (stream error, socket closed, ping timeout).
    Lost,
}

/// Runs `conn` on a WebSocket to `url` until it closes; every event goes to `on_event`.
/// `commands` is borrowed so that a reconnecting caller keeps one queue across connections.
pub async fn drive(
    url: &str,
    mut conn: Connection,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    mut on_event: impl FnMut(&mut Connection, Event) + Send,
) -> Result<Ended, BackendError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| BackendError::Unreachable(std::io::Error::other(e)))?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    // Small read buffer and no Nagle, as on the embedded endpoint (see `READ_BUFFER`).
    let ws_config = WebSocketConfig::default().read_buffer_size(crate::xmpp::endpoint::READ_BUFFER);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(ws_config), true)
        .await
        .map_err(|e| BackendError::Unreachable(std::io::Error::other(e)))?;
    let origin = tokio::time::Instant::now();
    let now = move || {
        Instant::from_millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX))
    };
    let mut commands_open = true;
    let mut requested = false;
    loop {
        while let Some(frame) = conn.poll_transmit() {
            if ws.send(WsMessage::text(frame)).await.is_err() {
                conn.handle_transport_closed(now());
            }
        }
        let mut any = false;
        while let Some(ev) = conn.poll_event() {
            any = true;
            on_event(&mut conn, ev);
        }
        if any {
            // Event handlers may have queued stanzas.
            continue;
        }
        if conn.is_closed() {
            let _ = ws.close(None).await;
            return Ok(if requested {
                Ended::Requested
            } else {
                Ended::Lost
            });
        }
        let wake = conn
            .poll_timeout()
            .map(|t| origin + Duration::from_millis(t.as_millis()))
            .unwrap_or_else(|| origin + Duration::from_secs(86_400 * 365));
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(WsMessage::Text(t))) => conn.handle_frame(t.as_str(), now()),
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => conn.handle_transport_closed(now()),
                Some(Ok(_)) => {}
            },
            cmd = commands.recv(), if commands_open => match cmd {
                Some(Command::Send(el)) => { let _ = conn.send_stanza(el); }
                Some(Command::Close) => { requested = true; conn.close(now()); }
                None => { commands_open = false; requested = true; conn.close(now()); }
            },
            () = tokio::time::sleep_until(wake) => conn.handle_timeout(now()),
        }
    }
}

/// Creates `local@domain` with `password` by in-band registration, then proves the login.
pub async fn register_account(
    url: &str,
    local: &str,
    domain: &str,
    password: &str,
) -> Result<(), BackendError> {
    let mut config = ConnConfig::new(local, password, domain, &ids::random_hex(12), entropy());
    config.register = true;
    config.stream_management = false;
    let conn = Connection::new(config, Instant::from_millis(0));
    let (_tx, mut rx) = mpsc::unbounded_channel();
    let mut outcome: Option<Result<(), BackendError>> = None;
    let run = drive(url, conn, &mut rx, |conn, ev| match ev {
        Event::Ready { .. } => {
            outcome.get_or_insert(Ok(()));
            conn.close(Instant::from_millis(0));
        }
        Event::Closed(reason) => {
            outcome.get_or_insert(Err(refused(reason)));
        }
        _ => {}
    });
    match tokio::time::timeout(CONNECT_TIMEOUT, run).await {
        Err(_) => return Err(BackendError::Protocol("registration timed out")),
        Ok(Err(e)) => return Err(e),
        Ok(Ok(_)) => {}
    }
    outcome.unwrap_or(Err(BackendError::Protocol(
        "registration ended without an answer",
    )))
}

fn refused(reason: CloseReason) -> BackendError {
    BackendError::RegistrationRefused(match reason {
        CloseReason::RegisterFailed(e) => format!(
            "{}{}",
            e.condition,
            e.text.map(|t| format!(" ({t})")).unwrap_or_default()
        ),
        other => other.to_string(),
    })
}

type Clients = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Command>>>>;

/// Sends desk stanzas on the agents' own connections.
struct Outlet {
    clients: Clients,
}

impl AgentOutlet for Outlet {
    fn send(&self, agent: &Jid, stanza: Element) -> Result<(), String> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let tx = clients
            .get(&agent.bare().to_ascii_lowercase())
            .ok_or_else(|| format!("agent {} is not connected to the XMPP server", agent.bare()))?;
        tx.send(Command::Send(stanza))
            .map_err(|_| format!("the XMPP connection of {} is gone", agent.bare()))
    }
}

/// How often a signed-out agent's relay connection checks whether its chats are over.
const RELAY_CHECK: Duration = Duration::from_secs(1);

/// Forgets an agent's connection and closes it.
fn retire(clients: &Clients, key: &str) {
    let tx = {
        let mut c = clients.lock().unwrap_or_else(|p| p.into_inner());
        c.remove(key)
    };
    if let Some(tx) = tx {
        let _ = tx.send(Command::Close);
    }
}

/// A real ejabberd or Prosody.
pub struct ExternalBackend {
    kind: BackendKind,
    url: String,
    domain: String,
    agent_domain: String,
    desk: Desk,
    clients: Clients,
    shutdown: watch::Receiver<bool>,
}

impl ExternalBackend {
    pub fn new(
        choice: BackendChoice,
        url: &str,
        domain: &str,
        agent_domain: &str,
        desk: Desk,
        shutdown: watch::Receiver<bool>,
    ) -> ExternalBackend {
        ExternalBackend {
            kind: match choice {
                BackendChoice::Prosody => BackendKind::Prosody,
                _ => BackendKind::Ejabberd,
            },
            url: url.to_owned(),
            domain: domain.to_owned(),
            agent_domain: agent_domain.to_owned(),
            desk,
            clients: Arc::default(),
            shutdown,
        }
    }

    /// The desk's way out through the agents' connections.
    pub fn outlet(&self) -> Arc<dyn AgentOutlet> {
        Arc::new(Outlet {
            clients: self.clients.clone(),
        })
    }

    /// Agents' passwords are derived from the nickname so a restarted devserver can log in
    /// to accounts a previous run registered (dev servers only; tests log in with it too).
    pub fn agent_password(nickname: &str) -> String {
        format!("webchat-agent-{nickname}-dev")
    }

    async fn connect_agent(&self, agent: &AgentInfo) -> Result<(), BackendError> {
        let jid = Jid::parse(&agent.jid).map_err(|_| BackendError::Protocol("bad agent JID"))?;
        let key = jid.bare().to_ascii_lowercase();
        {
            let c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            if c.get(&key).is_some_and(|tx| !tx.is_closed()) {
                // Still connected: it kept relaying transferred chats after a sign-out (see
                // `agent_offline`). A second login with the same resource would kick it.
                return Ok(());
            }
        }
        let session = AgentSession {
            url: self.url.clone(),
            local: jid.local().unwrap_or(&agent.nickname).to_owned(),
            password: Self::agent_password(&agent.nickname),
            domain: self.agent_domain.clone(),
            me: jid.to_bare(),
            desk: self.desk.clone(),
        };
        session.ensure_account().await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), BackendError>>();
        // Registered before the login finishes: the session task checks this entry to know it
        // is still wanted, and stanzas sent meanwhile wait in the queue.
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), tx.clone());
        tokio::spawn(session.run(
            rx,
            ready_tx,
            self.clients.clone(),
            tx.clone(),
            self.shutdown.clone(),
        ));
        let failure = match tokio::time::timeout(CONNECT_TIMEOUT, ready_rx).await {
            Ok(Ok(Ok(()))) => return Ok(()),
            Ok(Ok(Err(e))) => e,
            Ok(Err(_)) => BackendError::Protocol("the agent connection ended before it was ready"),
            Err(_) => BackendError::Protocol("the agent's login timed out"),
        };
        {
            let mut c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            if c.get(&key).is_some_and(|t| t.same_channel(&tx)) {
                c.remove(&key);
            }
        }
        let _ = tx.send(Command::Close);
        Err(failure)
    }
}

/// First wait before reconnecting a lost agent connection; it doubles per failed attempt.
const RECONNECT_FIRST: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
const RECONNECT_MAX: Duration = Duration::from_secs(10);

/// One agent's XMPP client: logs in, relays, and logs in again when the connection is lost.
struct AgentSession {
    url: String,
    local: String,
    password: String,
    domain: String,
    /// The agent's bare JID.
    me: Jid,
    desk: Desk,
}

impl AgentSession {
    /// Registers the account; one an earlier run (or an earlier login) registered is fine.
    async fn ensure_account(&self) -> Result<(), BackendError> {
        match register_account(&self.url, &self.local, &self.domain, &self.password).await {
            Ok(()) => Ok(()),
            Err(BackendError::RegistrationRefused(why)) if why.starts_with("conflict") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Connections until sign-out or shutdown. The first login's outcome goes to `ready`;
    /// after that a lost connection is re-established with backoff, and desk stanzas queued
    /// meanwhile in `commands` go out once it is back.
    async fn run(
        self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        ready: oneshot::Sender<Result<(), BackendError>>,
        clients: Clients,
        own_tx: mpsc::UnboundedSender<Command>,
        shutdown: watch::Receiver<bool>,
    ) {
        let key = self.me.bare().to_ascii_lowercase();
        let mut ready = Some(ready);
        let mut backoff = RECONNECT_FIRST;
        loop {
            let first = ready.is_some();
            let mut was_ready = false;
            let ended = self
                .connect_once(
                    &mut commands,
                    &mut ready,
                    &mut was_ready,
                    &own_tx,
                    &shutdown,
                )
                .await;
            if first && !was_ready {
                // The first login failed: the sign-in reports it; nothing to keep up.
                if let Some(r) = ready.take() {
                    let _ = r.send(Err(match ended {
                        Err(e) => e,
                        Ok(_) => BackendError::Protocol("the agent connection ended before login"),
                    }));
                }
                break;
            }
            let still_wanted = {
                let c = clients.lock().unwrap_or_else(|p| p.into_inner());
                c.get(&key).is_some_and(|t| t.same_channel(&own_tx))
            };
            if matches!(ended, Ok(Ended::Requested)) || *shutdown.borrow() || !still_wanted {
                break;
            }
            if was_ready {
                backoff = RECONNECT_FIRST;
            }
            let why = match &ended {
                Err(e) => e.to_string(),
                Ok(_) => "the server ended it".to_owned(),
            };
            eprintln!(
                "devserver: agent {} lost its XMPP connection ({why}); reconnecting in {} ms",
                self.me,
                backoff.as_millis()
            );
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = crate::stopped(shutdown.clone()) => break,
            }
            backoff = (backoff * 2).min(RECONNECT_MAX);
            // A restarted server may have lost the account.
            if let Err(e) = self.ensure_account().await {
                eprintln!("devserver: agent {}: {e}", self.me);
            }
        }
        let mut c = clients.lock().unwrap_or_else(|p| p.into_inner());
        if c.get(&key).is_some_and(|t| t.same_channel(&own_tx)) {
            c.remove(&key);
        }
    }

    /// One connection, from login to its end. On shutdown it closes the stream and waits a
    /// moment for the goodbye.
    async fn connect_once(
        &self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        ready: &mut Option<oneshot::Sender<Result<(), BackendError>>>,
        was_ready: &mut bool,
        own_tx: &mpsc::UnboundedSender<Command>,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<Ended, BackendError> {
        let config = ConnConfig::new(
            &self.local,
            &self.password,
            &self.domain,
            "webchat",
            entropy(),
        );
        let conn = Connection::new(config, Instant::from_millis(0));
        let desk = &self.desk;
        let me = &self.me;
        let run = drive(&self.url, conn, commands, |conn, ev| match ev {
            Event::Ready { .. } => {
                // Available, so the server delivers messages to the bare JID here.
                let _ = conn.send_stanza(Element::new("presence", webchat_protocol::ns::CLIENT));
                // Request the roster: RFC 6121 §2.1.6 makes this resource "interested", and
                // Prosody delivers inbound `subscribed` (and roster pushes) only to
                // interested resources; ejabberd delivers them either way.
                let _ = conn.send_iq(
                    IqType::Get,
                    None,
                    Element::new("query", webchat_protocol::ns::ROSTER),
                );
                *was_ready = true;
                if let Some(r) = ready.take() {
                    let _ = r.send(Ok(()));
                }
            }
            Event::Message(m) => {
                let mut el = m.to_element();
                if let Some(f) = &m.from {
                    el.set_attr("from", f.as_str());
                }
                if let Some(u) = &m.agent_id {
                    el.set_attr("agent_id", u);
                }
                desk.incoming(me, el);
            }
            Event::Presence(p) => {
                let mut el = p.to_element();
                if let Some(f) = &p.from {
                    el.set_attr("from", f.as_str());
                }
                desk.incoming(me, el);
            }
            Event::Closed(reason) if ready.is_some() => {
                if let Some(r) = ready.take() {
                    let _ = r.send(Err(BackendError::RegistrationRefused(reason.to_string())));
                }
            }
            _ => {}
        });
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => r,
            () = crate::stopped(shutdown.clone()) => {
                let _ = own_tx.send(Command::Close);
                match tokio::time::timeout(Duration::from_secs(2), &mut run).await {
                    Ok(r) => r,
                    Err(_) => Ok(Ended::Requested),
                }
            }
        }
    }
}

impl XmppBackend for ExternalBackend {
    fn kind(&self) -> BackendKind {
        self.kind
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
        Box::pin(async move {
            let local = format!("anonymous.{}", ids::random_hex(29));
            let password = ids::random_hex(56);
            register_account(&self.url, &local, &self.domain, &password).await?;
            Ok(Credentials {
                user: format!("{local}@{}", self.domain),
                password,
                domain: self.domain.clone(),
                resource: ids::random_hex(15),
            })
        })
    }

    fn agent_online<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()> {
        Box::pin(self.connect_agent(agent))
    }

    fn agent_offline<'a>(&'a self, agent: &'a AgentInfo) -> BackendFuture<'a, ()> {
        let key = agent.jid.to_ascii_lowercase();
        let nickname = agent.nickname.clone();
        let desk = self.desk.clone();
        let clients = self.clients.clone();
        let shutdown = self.shutdown.clone();
        Box::pin(async move {
            if desk.open_chats_via(&key) == 0 {
                retire(&clients, &key);
                return Ok(());
            }
            // Chats transferred away from this agent still reach their visitors through its
            // JID (the only one the visitor accepts): keep the connection as a relay until
            // they are closed, or until the agent signs in again and owns it once more.
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(RELAY_CHECK) => {}
                        () = crate::stopped(shutdown.clone()) => break,
                    }
                    if desk.agent_signed_in(&nickname) {
                        return;
                    }
                    if desk.open_chats_via(&key) == 0 {
                        break;
                    }
                }
                retire(&clients, &key);
            });
            Ok(())
        })
    }
}
