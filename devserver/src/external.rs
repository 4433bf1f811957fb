//! The external backend (`--backend ejabberd|prosody`): a real XMPP server carries the chats.
//!
//! What it does: registers each visitor's account by in-band registration (XEP-0077) with
//! the protocol crate's [`Connection`] over tokio-tungstenite and returns those credentials;
//! connects each signed-in agent as an ordinary XMPP client on the agents' domain
//! (registering the account first; an existing account is logged in to), sends the desk's
//! stanzas on that connection and hands every stanza the agent receives to the desk.
//! [`drive`] is the small loop that runs a sans-IO `Connection` on a WebSocket.
//! What it does not: start servers (xtask does), reconnect an agent whose connection died
//! (it signs in again), or serve `/xmpp-websocket` (visitors connect to the server itself).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use webchat_protocol::api::{AgentInfo, ChatSession, Credentials};
use webchat_protocol::connection::{CloseReason, Config as ConnConfig, Connection, Event};
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

/// Runs `conn` on a WebSocket to `url` until it closes; every event goes to `on_event`.
pub async fn drive(
    url: &str,
    mut conn: Connection,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut on_event: impl FnMut(&mut Connection, Event) + Send,
) -> Result<(), BackendError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| BackendError::Unreachable(std::io::Error::other(e)))?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| BackendError::Unreachable(std::io::Error::other(e)))?;
    let origin = tokio::time::Instant::now();
    let now = move || {
        Instant::from_millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX))
    };
    let mut commands_open = true;
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
            return Ok(());
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
                Some(Command::Close) => conn.close(now()),
                None => { commands_open = false; conn.close(now()); }
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
    let (_tx, rx) = mpsc::unbounded_channel();
    let mut outcome: Option<Result<(), BackendError>> = None;
    let run = drive(url, conn, rx, |conn, ev| match ev {
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
        Ok(Ok(())) => {}
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
    /// to accounts a previous run registered (dev servers only).
    fn agent_password(nickname: &str) -> String {
        format!("webchat-agent-{nickname}-dev")
    }

    async fn connect_agent(&self, agent: &AgentInfo) -> Result<(), BackendError> {
        let jid = Jid::parse(&agent.jid).map_err(|_| BackendError::Protocol("bad agent JID"))?;
        let local = jid.local().unwrap_or(&agent.nickname).to_owned();
        let password = Self::agent_password(&agent.nickname);
        match register_account(&self.url, &local, &self.agent_domain, &password).await {
            Ok(()) => {}
            // Registered by an earlier run: log in.
            Err(BackendError::RegistrationRefused(why)) if why.starts_with("conflict") => {}
            Err(e) => return Err(e),
        }
        let config = ConnConfig::new(&local, &password, &self.agent_domain, "webchat", entropy());
        let conn = Connection::new(config, Instant::from_millis(0));
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), BackendError>>();
        let desk = self.desk.clone();
        let url = self.url.clone();
        let key = jid.bare().to_ascii_lowercase();
        let clients = self.clients.clone();
        let shutdown = self.shutdown.clone();
        let me = jid.to_bare();
        let close_tx = tx.clone();
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            let run = drive(&url, conn, rx, |conn, ev| match ev {
                Event::Ready { .. } => {
                    // Available, so the server delivers messages to the bare JID here.
                    let _ =
                        conn.send_stanza(Element::new("presence", webchat_protocol::ns::CLIENT));
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
                    desk.incoming(&me, el);
                }
                Event::Presence(p) => {
                    let mut el = p.to_element();
                    if let Some(f) = &p.from {
                        el.set_attr("from", f.as_str());
                    }
                    desk.incoming(&me, el);
                }
                Event::Closed(reason) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(Err(BackendError::RegistrationRefused(reason.to_string())));
                    }
                }
                _ => {}
            });
            tokio::select! {
                r = run => {
                    if let Err(e) = r {
                        eprintln!("devserver: agent connection ended: {e}");
                    }
                }
                () = crate::stopped(shutdown) => {
                    let _ = close_tx.send(Command::Close);
                }
            }
            let mut c = clients.lock().unwrap_or_else(|p| p.into_inner());
            if c.get(&key).is_some_and(|t| t.same_channel(&close_tx)) {
                c.remove(&key);
            }
        });
        match tokio::time::timeout(CONNECT_TIMEOUT, ready_rx).await {
            Ok(Ok(Ok(()))) => {
                let mut c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
                c.insert(jid.bare().to_ascii_lowercase(), tx);
                Ok(())
            }
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(BackendError::Protocol(
                "the agent connection ended before it was ready",
            )),
            Err(_) => {
                let _ = tx.send(Command::Close);
                Err(BackendError::Protocol("the agent's login timed out"))
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
        let tx = {
            let mut c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            c.remove(&agent.jid.to_ascii_lowercase())
        };
        Box::pin(async move {
            if let Some(tx) = tx {
                let _ = tx.send(Command::Close);
            }
            Ok(())
        })
    }
}
