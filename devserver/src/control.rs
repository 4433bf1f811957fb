//! The test control surface under `/_test/`, served only with `--test-control`.
//!
//! What it does: lets tests read the request log and chat session states, drive session
//! transitions and transcripts directly, sign agents in and out, force a campaign's
//! availability, read the stanzas an agent received and the live state of a chat, list the
//! offline messages and the outbox, and make a
//! chat's agent act (message, typing, close, block, transfer, away, back, co-browsing request)
//! through the same desk as the console and the bot, and refuse WebSocket upgrades (to test
//! the BOSH fallback). No token: it is never enabled in a
//! demo. See `devserver/API.md` for the routes.
//! What it does not: bypass the rules: transitions and surveys go through the same hub methods
//! as the real paths.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use webchat_protocol::api::{ChatSessionStatus, Sender, TranscriptMessage};

use crate::agents::{AgentKind, SignIn};
use crate::desk::{AgentAction, DeskError};
use crate::public_api::Failure;
use crate::{ids, App, SignInError};

/// Path prefix of the control surface (not recorded in the request log).
pub const PREFIX: &str = "/_test/";

pub fn router() -> Router<App> {
    Router::new()
        .route("/_test/requests", get(requests).delete(clear_requests))
        .route("/_test/chatsessions", get(sessions))
        .route("/_test/chatsessions/{id}", get(session))
        .route("/_test/chatsessions/{id}/status", post(set_status))
        .route("/_test/chatsessions/{id}/messages", post(add_message))
        .route(
            "/_test/campaigns/{id}/availability",
            put(force_availability),
        )
        .route("/_test/agents", get(agents).post(sign_in))
        .route("/_test/agents/{id}", axum::routing::delete(sign_out))
        .route("/_test/agents/{id}/availability", put(set_available))
        .route("/_test/agents/{id}/stanzas", get(agent_stanzas))
        .route("/_test/chatsessions/{id}/agent", post(agent_act))
        .route("/_test/chatsessions/{id}/live", get(live))
        .route("/_test/chatsessions/{id}/stanzas", get(session_stanzas))
        .route("/_test/offlinemessages", get(offline_messages))
        .route("/_test/outbox", get(outbox))
        .route("/_test/xmpp", get(xmpp_info))
        .route("/_test/websocket", put(set_websocket))
}

/// `{id}` is the agent's nickname here (the route shares its first segment with the others).
async fn agent_stanzas(State(app): State<App>, Path(nickname): Path<String>) -> Response {
    let jid = app.backend.agent_jid(&nickname);
    Json(app.desk.received(&jid)).into_response()
}

async fn session_stanzas(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    if app.hub.session(&id).is_none() {
        return Err(Failure::new(StatusCode::NOT_FOUND, "Not found"));
    }
    Ok(Json(app.desk.received_in(&id)).into_response())
}

async fn agent_act(
    State(app): State<App>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, Failure> {
    let action: AgentAction = body(&bytes)?;
    app.desk
        .act(&id, action)
        .map(|()| StatusCode::NO_CONTENT)
        .map_err(|e| {
            let status = match e {
                DeskError::UnknownSession => StatusCode::NOT_FOUND,
                DeskError::Unreachable(_) => StatusCode::BAD_GATEWAY,
                DeskError::EmptyMessage => StatusCode::BAD_REQUEST,
                _ => StatusCode::CONFLICT,
            };
            Failure::new(status, e.to_string())
        })
}

async fn live(State(app): State<App>, Path(id): Path<String>) -> Result<Response, Failure> {
    if app.hub.session(&id).is_none() {
        return Err(Failure::new(StatusCode::NOT_FOUND, "Not found"));
    }
    Ok(Json(app.desk.live(&id)).into_response())
}

async fn xmpp_info(State(app): State<App>) -> Response {
    Json(serde_json::json!({
        "backend": app.backend.kind().as_str(),
        "domain": app.backend.domain(),
        "agent_domain": app.backend.agent_domain(),
        "ws_url": app.xmpp_ws_url.get(),
        "bosh_url": app.xmpp_bosh_url.get(),
        "websocket_refused": app.refuse_websocket.load(Ordering::Relaxed),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct WebSocketBody {
    refuse: bool,
}

/// `{"refuse": true}`: `/xmpp-websocket` answers upgrades with 403, as a proxy that breaks
/// WebSockets would (the widget's BOSH fallback is then what connects).
async fn set_websocket(State(app): State<App>, bytes: Bytes) -> Result<StatusCode, Failure> {
    let b: WebSocketBody = body(&bytes)?;
    app.refuse_websocket.store(b.refuse, Ordering::Relaxed);
    Ok(StatusCode::NO_CONTENT)
}

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, format!("bad control body: {e}")))
}

async fn offline_messages(State(app): State<App>) -> Response {
    Json(app.hub.offline_messages(&[])).into_response()
}

async fn outbox(State(app): State<App>) -> Response {
    Json(app.hub.outbox(&[])).into_response()
}

async fn requests(State(app): State<App>) -> Response {
    Json(app.hub.request_log()).into_response()
}

async fn clear_requests(State(app): State<App>) -> StatusCode {
    app.hub.clear_request_log();
    StatusCode::NO_CONTENT
}

async fn sessions(State(app): State<App>) -> Response {
    Json(app.hub.all_sessions()).into_response()
}

async fn session(State(app): State<App>, Path(id): Path<String>) -> Result<Response, Failure> {
    app.hub
        .session_view(&id)
        .map(|s| Json(s).into_response())
        .ok_or_else(|| Failure::new(StatusCode::NOT_FOUND, "Not found"))
}

#[derive(Deserialize)]
struct StatusBody {
    status: ChatSessionStatus,
}

async fn set_status(
    State(app): State<App>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, Failure> {
    let b: StatusBody = body(&bytes)?;
    app.hub
        .set_status(&id, b.status)
        .map(|s| Json(s).into_response())
        .map_err(|e| match e {
            crate::sessions::TransitionError::UnknownSession => {
                Failure::new(StatusCode::NOT_FOUND, e.to_string())
            }
            _ => Failure::new(StatusCode::CONFLICT, e.to_string()),
        })
}

#[derive(Deserialize)]
struct MessageBody {
    id: Option<String>,
    from: Sender,
    nick: Option<String>,
    body: String,
}

async fn add_message(
    State(app): State<App>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, Failure> {
    let m: MessageBody = body(&bytes)?;
    let message = TranscriptMessage {
        id: m.id.unwrap_or_else(|| ids::random_id(16)),
        from: m.from,
        nick: m.nick,
        body: m.body,
        timestamp: ids::now_ms(),
    };
    let added = app
        .hub
        .record_message(&id, message)
        .map_err(|e| Failure::new(StatusCode::NOT_FOUND, e.to_string()))?;
    Ok(Json(serde_json::json!({ "added": added })).into_response())
}

#[derive(Deserialize)]
struct ForceBody {
    forced: Option<bool>,
}

async fn force_availability(
    State(app): State<App>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, Failure> {
    let b: ForceBody = body(&bytes)?;
    if app.hub.force_availability(&id, b.forced) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Failure::new(StatusCode::NOT_FOUND, "Not found"))
    }
}

async fn agents(State(app): State<App>) -> Response {
    Json(app.hub.agents()).into_response()
}

#[derive(Deserialize)]
struct AgentBody {
    nickname: String,
    #[serde(default)]
    firstname: String,
    #[serde(default)]
    max_slots: Option<u32>,
    #[serde(default)]
    campaigns: Vec<String>,
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default = "yes")]
    available: bool,
}

fn yes() -> bool {
    true
}

async fn sign_in(State(app): State<App>, bytes: Bytes) -> Result<Response, Failure> {
    let b: AgentBody = body(&bytes)?;
    let agent = app
        .sign_in_agent(SignIn {
            max_slots: b.max_slots,
            campaigns: b.campaigns,
            departments: b.departments,
            email: b.email,
            available: b.available,
            ..SignIn::new(&b.nickname, &b.firstname, AgentKind::Test)
        })
        .await
        .map_err(|e| match e {
            SignInError::Agent(_) => Failure::new(StatusCode::CONFLICT, e.to_string()),
            SignInError::Backend(_) => Failure::new(StatusCode::BAD_GATEWAY, e.to_string()),
        })?;
    Ok((StatusCode::CREATED, Json(agent)).into_response())
}

async fn sign_out(State(app): State<App>, Path(id): Path<u64>) -> Result<StatusCode, Failure> {
    app.sign_out_agent(id)
        .await
        .map(|_| StatusCode::NO_CONTENT)
        .map_err(|e| Failure::new(StatusCode::NOT_FOUND, e.to_string()))
}

#[derive(Deserialize)]
struct AvailableBody {
    available: bool,
}

async fn set_available(
    State(app): State<App>,
    Path(id): Path<u64>,
    bytes: Bytes,
) -> Result<Response, Failure> {
    let b: AvailableBody = body(&bytes)?;
    app.hub
        .set_available(id, b.available)
        .map(|a| Json(a).into_response())
        .map_err(|e| Failure::new(StatusCode::NOT_FOUND, e.to_string()))
}
