//! The agent console: a plain page at `/agent` and its WebSocket/JSON channel at `/agent/ws`.
//!
//! What it does: serves the page and script, and runs one channel per console tab: the agent
//! signs in (and is signed out when the tab closes, so availability is honest), switches
//! availability, and receives its chats (waiting, active, closed) whenever they change.
//! What it does not (yet): relay chat messages, typing, close, transfer or block; those
//! commands are part of the channel's design (see `devserver/API.md`) and are answered with an
//! `error` event until the XMPP backend routes chats.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::agents::{Agent, AgentKind, SignIn};
use crate::hub::{HubEvent, SessionView};
use crate::App;

const PAGE: &str = include_str!("../assets/agent.html");
const SCRIPT: &str = include_str!("../assets/agent.js");

/// Version of the channel's message set, sent in `hello`.
pub const CHANNEL_VERSION: u32 = 1;

pub fn router() -> Router<App> {
    Router::new()
        .route("/agent", get(|| async { Html(PAGE) }))
        .route("/agent/agent.js", get(script))
        .route("/agent/ws", get(upgrade))
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// Console → devserver.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    SignIn {
        nickname: String,
        #[serde(default)]
        firstname: String,
        /// `null`: no limit.
        #[serde(default)]
        max_slots: Option<u32>,
        #[serde(default)]
        campaigns: Vec<String>,
    },
    SetAvailable {
        available: bool,
    },
    SignOut,
    /// Planned with the XMPP backend: send a message to the visitor.
    Reply {
        chatsession_id: String,
        body: String,
    },
    /// Planned: `composing` / `paused` / `active` to the visitor.
    Typing {
        chatsession_id: String,
        state: String,
    },
    /// Planned: the `closed` chat state.
    Close {
        chatsession_id: String,
    },
    /// Planned: forward the chat to another agent by nickname.
    Transfer {
        chatsession_id: String,
        to: String,
    },
    /// Planned: the `blocked` chat state.
    Block {
        chatsession_id: String,
    },
}

/// devserver → console.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Hello {
        version: u32,
        domain: String,
        agent_domain: String,
    },
    SignedIn {
        agent: Agent,
    },
    Agent {
        agent: Agent,
    },
    SignedOut,
    Chats {
        chats: Vec<SessionView>,
    },
    Error {
        message: String,
    },
}

async fn upgrade(State(app): State<App>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(app, socket))
}

async fn send(socket: &mut WebSocket, event: &Event) -> bool {
    match serde_json::to_string(event) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

fn error(message: impl Into<String>) -> Event {
    Event::Error {
        message: message.into(),
    }
}

/// Applies one command; returns the events to send back.
async fn handle(app: &App, me: &mut Option<Agent>, text: &str) -> Vec<Event> {
    let command: Command = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(e) => return vec![error(format!("unreadable command: {e}"))],
    };
    match (command, me.as_ref()) {
        (Command::SignIn { .. }, Some(a)) => {
            vec![error(format!("already signed in as {}", a.info.nickname))]
        }
        (
            Command::SignIn {
                nickname,
                firstname,
                max_slots,
                campaigns,
            },
            None,
        ) => {
            let s = SignIn {
                nickname,
                firstname,
                max_slots,
                campaigns,
                available: true,
                kind: AgentKind::Console,
            };
            match app.sign_in_agent(s).await {
                Ok(agent) => {
                    let chats = app.hub.sessions_of_agent(&agent.info.nickname);
                    *me = Some(agent.clone());
                    vec![Event::SignedIn { agent }, Event::Chats { chats }]
                }
                Err(e) => vec![error(e.to_string())],
            }
        }
        (_, None) => vec![error("sign in first")],
        (Command::SetAvailable { available }, Some(a)) => {
            match app.hub.set_available(a.id, available) {
                Ok(agent) => {
                    *me = Some(agent.clone());
                    vec![Event::Agent { agent }]
                }
                Err(e) => vec![error(e.to_string())],
            }
        }
        (Command::SignOut, Some(a)) => {
            let id = a.id;
            *me = None;
            match app.sign_out_agent(id).await {
                Ok(_) => vec![Event::SignedOut],
                Err(e) => vec![error(e.to_string())],
            }
        }
        (
            Command::Reply { .. }
            | Command::Typing { .. }
            | Command::Close { .. }
            | Command::Transfer { .. }
            | Command::Block { .. },
            Some(_),
        ) => vec![error(
            "chat routing comes with the XMPP backend; this build only signs agents in",
        )],
    }
}

async fn run(app: App, mut socket: WebSocket) {
    let mut events = app.hub.subscribe();
    let mut me: Option<Agent> = None;
    let hello = Event::Hello {
        version: CHANNEL_VERSION,
        domain: app.backend.domain().to_owned(),
        agent_domain: app.backend.agent_domain().to_owned(),
    };
    if !send(&mut socket, &hello).await {
        return;
    }
    loop {
        let out = tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => handle(&app, &mut me, text.as_str()).await,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                // Pings are answered by axum; binary frames are not part of the channel.
                Some(Ok(_)) => Vec::new(),
            },
            ev = events.recv() => match (ev, me.as_ref()) {
                (Ok(HubEvent::Session { agent, .. }), Some(a)) if agent == a.info.nickname => {
                    vec![Event::Chats { chats: app.hub.sessions_of_agent(&a.info.nickname) }]
                }
                // Missed events: re-read everything.
                (Err(RecvError::Lagged(_)), Some(a)) => {
                    vec![Event::Chats { chats: app.hub.sessions_of_agent(&a.info.nickname) }]
                }
                (Err(RecvError::Closed), _) => break,
                _ => Vec::new(),
            },
            () = crate::stopped(app.shutdown.clone()) => break,
        };
        for event in &out {
            if !send(&mut socket, event).await {
                break;
            }
        }
    }
    // A closed tab is a signed-out agent: availability must not outlive the console.
    if let Some(agent) = me {
        let _ = app.sign_out_agent(agent.id).await;
    }
}
