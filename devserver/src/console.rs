//! The agent console: a plain page at `/agent` and its WebSocket/JSON channel at `/agent/ws`.
//!
//! What it does: serves the page and script, and runs one channel per console tab: the agent
//! signs in (and is signed out when the tab closes, so availability is honest), switches
//! availability (away/back presences to its visitors), receives its chats (waiting, active,
//! closed, with the visitor's typing, presence and co-browsing answer) whenever they change,
//! and acts in them through the [`crate::desk::Desk`]: reply, typing, close, transfer, block,
//! co-browsing request. Each chat comes with its department, pre-chat data and the greeting it
//! was opened from. The agent signs in with a login email (what `assignedUser` names) and the
//! departments it serves, and sees the offline messages and the outbox (mailed transcripts) of
//! its campaigns. A signed-in agent may also show or hide the chat for a visitor, a
//! tagged user or a whole campaign: the same overrides as the operator API, reached through
//! this authenticated channel instead of the operator token.
//! What it does not: speak XMPP itself, or let an agent act in another agent's chat.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use webchat_protocol::forms::OfflineMessage;
use webchat_protocol::widget_config::Department;

use crate::agents::{Agent, AgentKind, SignIn};
use crate::desk::{AgentAction, Live, Typing};
use crate::hub::{HubEvent, SessionView};
use crate::operator_api::{self, SetVisibility};
use crate::outbox::Mail;
use crate::overrides::Listed;
use crate::{ids, App};

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
        /// Department ids; `[]`: chats without a department only.
        #[serde(default)]
        departments: Vec<String>,
        /// The agent's login, what a user's `assignedUser` names.
        #[serde(default)]
        email: Option<String>,
    },
    SetAvailable {
        available: bool,
    },
    SignOut,
    /// A message to the visitor.
    Reply {
        chatsession_id: String,
        body: String,
    },
    /// `composing` / `paused` / `active` to the visitor.
    Typing {
        chatsession_id: String,
        state: Typing,
    },
    /// The `closed` chat state.
    Close {
        chatsession_id: String,
    },
    /// Forward the chat to another agent by nickname.
    Transfer {
        chatsession_id: String,
        to: String,
    },
    /// The `blocked` chat state.
    Block {
        chatsession_id: String,
    },
    /// Ask the visitor for co-browsing.
    Cobrowse {
        chatsession_id: String,
    },
    /// Show or hide the chat (an operator override; see `operator_api::SetVisibility`).
    SetVisibility {
        campaign_id: String,
        change: SetVisibility,
    },
    /// The overrides in force for a campaign.
    ListVisibility {
        campaign_id: String,
    },
}

/// A campaign as the console offers it for visibility overrides.
#[derive(Debug, Serialize)]
pub struct ConsoleCampaign {
    pub id: String,
    pub name: String,
    /// Whether its widgets read the overrides (`webchat.visibilityOverrides`).
    pub visibility_overrides: bool,
    /// Its departments (`webchat.departments`), for the sign-in form.
    pub departments: Vec<Department>,
}

/// A chat as the console shows it.
#[derive(Debug, Serialize)]
pub struct ConsoleChat {
    #[serde(flatten)]
    pub view: SessionView,
    pub live: Live,
}

/// devserver → console.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Hello {
        version: u32,
        domain: String,
        agent_domain: String,
        /// Where visitors connect (RFC 7395).
        xmpp_ws_url: String,
        campaigns: Vec<ConsoleCampaign>,
        /// Where visitors connect over BOSH (XEP-0206), when there is a BOSH side.
        xmpp_bosh_url: Option<String>,
    },
    SignedIn {
        agent: Agent,
    },
    Agent {
        agent: Agent,
    },
    SignedOut,
    Chats {
        chats: Vec<ConsoleChat>,
    },
    /// The offline messages of the agent's campaigns, newest first (on sign-in and whenever
    /// one arrives).
    OfflineMessages {
        messages: Vec<OfflineMessage>,
    },
    /// The mails devserver would have sent about the agent's campaigns, newest first.
    Outbox {
        mails: Vec<Mail>,
    },
    /// The overrides in force for a campaign (after a change, or when asked).
    Visibility {
        campaign_id: String,
        overrides: Vec<Listed>,
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
                departments,
                email,
            },
            None,
        ) => {
            let s = SignIn {
                max_slots,
                campaigns,
                departments,
                email,
                ..SignIn::new(&nickname, &firstname, AgentKind::Console)
            };
            match app.sign_in_agent(s).await {
                Ok(agent) => {
                    let chats = chats_of(app, &agent.info.nickname);
                    let inbox = inbox_of(app, &agent);
                    *me = Some(agent.clone());
                    let mut out = vec![Event::SignedIn { agent }, Event::Chats { chats }];
                    out.extend(inbox);
                    out
                }
                Err(e) => vec![error(e.to_string())],
            }
        }
        (_, None) => vec![error("sign in first")],
        (Command::SetAvailable { available }, Some(a)) => {
            match app.hub.set_available(a.id, available) {
                Ok(agent) => {
                    app.desk.set_agent_presence(&agent.info.nickname, available);
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
            Command::Reply {
                chatsession_id,
                body,
            },
            Some(a),
        ) => act(app, a, &chatsession_id, AgentAction::Message { body }),
        (
            Command::Typing {
                chatsession_id,
                state,
            },
            Some(a),
        ) => act(app, a, &chatsession_id, AgentAction::Typing { state }),
        (Command::Close { chatsession_id }, Some(a)) => {
            act(app, a, &chatsession_id, AgentAction::Close)
        }
        (Command::Transfer { chatsession_id, to }, Some(a)) => {
            act(app, a, &chatsession_id, AgentAction::Transfer { to })
        }
        (Command::Block { chatsession_id }, Some(a)) => {
            act(app, a, &chatsession_id, AgentAction::Block)
        }
        (Command::Cobrowse { chatsession_id }, Some(a)) => {
            act(app, a, &chatsession_id, AgentAction::Cobrowse)
        }
        (
            Command::SetVisibility {
                campaign_id,
                change,
            },
            Some(_),
        ) => {
            if !app.hub.has_campaign(&campaign_id) {
                return vec![error("no such campaign")];
            }
            match operator_api::apply(app, &campaign_id, &change) {
                Ok(_) => vec![visibility(app, campaign_id)],
                Err(e) => vec![error(e)],
            }
        }
        (Command::ListVisibility { campaign_id }, Some(_)) => {
            if !app.hub.has_campaign(&campaign_id) {
                return vec![error("no such campaign")];
            }
            vec![visibility(app, campaign_id)]
        }
    }
}

fn visibility(app: &App, campaign_id: String) -> Event {
    Event::Visibility {
        overrides: app.overrides.list(&campaign_id, ids::now_ms()),
        campaign_id,
    }
}

/// An action in one of the agent's own chats.
fn act(app: &App, me: &Agent, session_id: &str, action: AgentAction) -> Vec<Event> {
    match app.hub.session_and_agent(session_id) {
        Some((_, agent)) if agent.nickname == me.info.nickname => {}
        Some(_) => return vec![error("that chat is handled by another agent")],
        None => return vec![error("no such chat session")],
    }
    match app.desk.act(session_id, action) {
        Ok(()) => Vec::new(),
        Err(e) => vec![error(e.to_string())],
    }
}

/// The offline messages and the outbox of the agent's campaigns.
fn inbox_of(app: &App, agent: &Agent) -> [Event; 2] {
    [
        Event::OfflineMessages {
            messages: app.hub.offline_messages(&agent.campaigns),
        },
        Event::Outbox {
            mails: app.hub.outbox(&agent.campaigns),
        },
    ]
}

/// The agent's chats with their live state.
pub fn chats_of(app: &App, nickname: &str) -> Vec<ConsoleChat> {
    app.hub
        .sessions_of_agent(nickname)
        .into_iter()
        .map(|view| {
            let live = app.desk.live(&view.session.id);
            ConsoleChat { view, live }
        })
        .collect()
}

async fn run(app: App, mut socket: WebSocket) {
    let mut events = app.hub.subscribe();
    let mut me: Option<Agent> = None;
    let hello = Event::Hello {
        version: CHANNEL_VERSION,
        domain: app.backend.domain().to_owned(),
        agent_domain: app.backend.agent_domain().to_owned(),
        xmpp_ws_url: app.xmpp_ws_url.get().cloned().unwrap_or_default(),
        campaigns: app
            .hub
            .campaign_defs()
            .iter()
            .map(|c| ConsoleCampaign {
                id: c.id.clone(),
                name: c.name.clone(),
                visibility_overrides: c.webchat.visibility_overrides,
                departments: c.webchat.config.departments.clone(),
            })
            .collect(),
        xmpp_bosh_url: app.xmpp_bosh_url.get().cloned(),
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
                    vec![Event::Chats { chats: chats_of(&app, &a.info.nickname) }]
                }
                (Ok(HubEvent::Inbox), Some(a)) => inbox_of(&app, a).into(),
                // Missed events: re-read everything.
                (Err(RecvError::Lagged(_)), Some(a)) => {
                    let mut out = vec![Event::Chats { chats: chats_of(&app, &a.info.nickname) }];
                    out.extend(inbox_of(&app, a));
                    out
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
