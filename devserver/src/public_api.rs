//! The Public API over HTTP: its endpoints (`docs/protocol.md` §1) under `/api/app.php/chatbot/v1/` and our
//! documented extensions (see `devserver/API.md`).
//!
//! What it does: routes, the `X-API-TOKEN` check, JSON bodies parsed with clear 400s, and the
//! seed's error envelope `{"Status":409,"StatusText":"Conflict","Message":"No Availability"}`.
//! What it does not: hold state or rules (the hub does) or talk XMPP (the backend does).
//!
//! `GET visibility` is the widget's side of the operator overrides: one visitor's verdict from
//! memory, with a strong `ETag` and `304 Not Modified` for an unchanged answer. The livechat
//! extensions: `POST chatsessions` with a department, pre-chat data and a greeting;
//! `POST offlinemessages` (anyone with the token: visitors are anonymous); and
//! `POST chatsessions/{id}/transcript/email` (the chat's visitor only). Their bodies are capped
//! at [`MAX_FORM_BODY`].

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use webchat_protocol::api::{ChatSession, ChatSessionRequest, SurveyPatch, XmppCredentialsRequest};
use webchat_protocol::forms::{ChatStart, OfflineMessageRequest, TranscriptEmailRequest};

use crate::access::{AccessError, Need, Proof};
use crate::hub::{CreateError, CredentialsError, SurveyError};
use crate::identity::{CHAT_SECRET_HEADER, USER_SIGNATURE_HEADER};
use crate::offline::OfflineError;
use crate::outbox::MailError;
use crate::{ids, overrides, App};

/// Where the API lives, as in the seed's base URL.
pub const BASE_PATH: &str = "/api/app.php/chatbot/v1";

/// The header carrying the API token.
pub const TOKEN_HEADER: &str = "x-api-token";

/// Largest body of the calls a visitor's form makes, in bytes: room for the longest values the
/// forms accept (`webchat_protocol::forms`), written with escapes; larger bodies get 413.
pub const MAX_FORM_BODY: usize = 64 * 1024;

/// An error reply in the seed's envelope.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    message: Cow<'static, str>,
}

impl Failure {
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    fn not_found() -> Failure {
        Failure::new(StatusCode::NOT_FOUND, "Not found")
    }
}

impl From<AccessError> for Failure {
    fn from(e: AccessError) -> Failure {
        match e {
            AccessError::UnknownSession => Failure::not_found(),
            other => Failure::new(StatusCode::FORBIDDEN, other.to_string()),
        }
    }
}

/// The proofs in a request's headers (see `access.rs`).
fn proof(headers: &HeaderMap) -> Proof<'_> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    Proof {
        chat_secret: header(CHAT_SECRET_HEADER),
        user_signature: header(USER_SIGNATURE_HEADER),
    }
}

/// The envelope, fields in the seed's order.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "Status")]
    status: u16,
    #[serde(rename = "StatusText")]
    status_text: &'static str,
    #[serde(rename = "Message")]
    message: &'a str,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = Envelope {
            status: self.status.as_u16(),
            status_text: self.status.canonical_reason().unwrap_or(""),
            message: &self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON body into `T`, or a 400 saying what is wrong with it.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "the request body is empty; a JSON object is expected",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("the request body is not valid JSON for this call: {e}"),
        )
    })
}

/// The API router, to be nested at [`BASE_PATH`].
pub fn router(app: App) -> Router<App> {
    Router::new()
        .route("/campaigns", get(list_campaigns))
        .route("/campaigns/{id}", get(get_campaign))
        .route(
            "/chatsessions",
            post(create_session)
                .layer(DefaultBodyLimit::max(MAX_FORM_BODY))
                .get(list_sessions),
        )
        .route("/chatsessions/{id}", get(get_session).patch(patch_session))
        .route("/chatsessions/{id}/transcript", get(get_transcript))
        .route(
            "/chatsessions/{id}/transcript/email",
            post(email_transcript).layer(DefaultBodyLimit::max(MAX_FORM_BODY)),
        )
        .route(
            "/offlinemessages",
            post(leave_offline_message).layer(DefaultBodyLimit::max(MAX_FORM_BODY)),
        )
        .route("/xmppcredentials", post(create_credentials))
        .route("/xmppcredentials/{id}", get(get_credentials))
        .route("/visibility", get(get_visibility))
        .route("/xmppconnection", post(bosh_gone))
        .route("/xmppconnection/{id}", get(bosh_gone))
        .fallback(unknown_endpoint)
        .layer(middleware::from_fn_with_state(app, require_token))
}

/// 401 unless `X-API-TOKEN` carries the configured token.
async fn require_token(State(app): State<App>, req: Request, next: Next) -> Response {
    match req.headers().get(TOKEN_HEADER) {
        Some(v) if v.as_bytes() == app.api_token.as_bytes() => next.run(req).await,
        Some(_) => {
            Failure::new(StatusCode::UNAUTHORIZED, "the X-API-TOKEN is not valid").into_response()
        }
        None => Failure::new(
            StatusCode::UNAUTHORIZED,
            "the X-API-TOKEN header is missing",
        )
        .into_response(),
    }
}

async fn unknown_endpoint() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, "Not found: no such endpoint")
}

async fn list_campaigns(State(app): State<App>) -> Response {
    Json(app.hub.campaign_list()).into_response()
}

async fn get_campaign(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.hub.campaign(&id) {
        Some(c) => Json(c).into_response(),
        None => Failure::not_found().into_response(),
    }
}

/// A chat session with the extension fields it was started with (`POST chatsessions`'s reply,
/// `GET chatsessions/{id}`).
#[derive(Serialize)]
struct SessionReply {
    #[serde(flatten)]
    session: ChatSession,
    #[serde(flatten)]
    start: ChatStart,
}

/// `POST chatsessions`: the seed's fields and, side by side, the extension's (department,
/// pre-chat data, greeting).
#[derive(Deserialize)]
struct CreateBody {
    #[serde(flatten)]
    request: ChatSessionRequest,
    #[serde(flatten)]
    start: ChatStart,
}

/// A body within [`MAX_FORM_BODY`], or the refusal (413) in the seed's envelope.
fn form_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Failure> {
    body.map_err(|e| Failure::new(e.status(), e.body_text()))
}

async fn create_session(
    State(app): State<App>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let CreateBody { request, start } = parse_body(&form_body(body)?)?;
    match app.hub.start_session(request, start, ids::now_ms()) {
        Ok((session, start)) => {
            Ok((StatusCode::CREATED, Json(SessionReply { session, start })).into_response())
        }
        Err(e @ CreateError::UnknownCampaign) => {
            Err(Failure::new(StatusCode::NOT_FOUND, e.to_string()))
        }
        Err(e @ CreateError::Start(_)) => Err(Failure::new(StatusCode::BAD_REQUEST, e.to_string())),
        Err(e) => Err(Failure::new(StatusCode::CONFLICT, e.to_string())),
    }
}

async fn leave_offline_message(
    State(app): State<App>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let req: OfflineMessageRequest = parse_body(&form_body(body)?)?;
    match app.hub.leave_offline_message(req, ids::now_ms()) {
        Ok(m) => Ok((StatusCode::CREATED, Json(m)).into_response()),
        Err(OfflineError::UnknownCampaign) => Err(Failure::not_found()),
        Err(e @ (OfflineError::Inactive | OfflineError::NotOffered)) => {
            Err(Failure::new(StatusCode::CONFLICT, e.to_string()))
        }
        Err(e) => Err(Failure::new(StatusCode::BAD_REQUEST, e.to_string())),
    }
}

async fn email_transcript(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    // 404 and 403 before body errors, as for the survey.
    app.hub.authorize(&id, Need::Visitor, proof(&headers))?;
    let body = form_body(body)?;
    // An empty body asks for the address the chat already has.
    let req: TranscriptEmailRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TranscriptEmailRequest::default()
    } else {
        parse_body(&body)?
    };
    match app.hub.mail_transcript(&id, req, ids::now_ms()) {
        Ok(sent) => Ok((StatusCode::ACCEPTED, Json(sent)).into_response()),
        Err(MailError::UnknownSession) => Err(Failure::not_found()),
        Err(e @ MailError::NotOffered) => Err(Failure::new(StatusCode::CONFLICT, e.to_string())),
        Err(e @ MailError::TooMany) => {
            Err(Failure::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()))
        }
        Err(e) => Err(Failure::new(StatusCode::BAD_REQUEST, e.to_string())),
    }
}

#[derive(Deserialize)]
struct HistoryQuery {
    tracker_id: Option<String>,
    campaign_id: Option<String>,
}

async fn list_sessions(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, Failure> {
    let required = |v: Option<String>, name: &'static str| {
        v.filter(|t| !t.is_empty()).ok_or_else(|| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format!("the {name} query parameter is required"),
            )
        })
    };
    let tracker = required(q.tracker_id, "tracker_id")?;
    let campaign = required(q.campaign_id, "campaign_id")?;
    let sessions = app
        .hub
        .sessions_of_user(&campaign, &tracker, proof(&headers).user_signature)?;
    Ok(Json(sessions).into_response())
}

async fn get_session(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    app.hub.authorize(&id, Need::Read, proof(&headers))?;
    app.hub
        .session_and_start(&id)
        .map(|(session, start)| Json(SessionReply { session, start }).into_response())
        .ok_or_else(Failure::not_found)
}

async fn patch_session(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    // 404 and 403 before body errors: they are the more useful answers.
    app.hub.authorize(&id, Need::Visitor, proof(&headers))?;
    let patch: SurveyPatch = parse_body(&body)?;
    match app.hub.submit_survey(&id, patch.survey) {
        Ok(s) => Ok(Json(s).into_response()),
        Err(SurveyError::UnknownSession) => Err(Failure::not_found()),
        Err(e) => Err(Failure::new(StatusCode::BAD_REQUEST, e.to_string())),
    }
}

async fn get_transcript(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    app.hub.authorize(&id, Need::Read, proof(&headers))?;
    app.hub
        .transcript(&id)
        .map(|t| Json(t).into_response())
        .ok_or_else(Failure::not_found)
}

async fn create_credentials(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let req: XmppCredentialsRequest = parse_body(&body)?;
    app.hub
        .authorize(&req.chatsession_id, Need::Visitor, proof(&headers))?;
    let (session, agent) =
        app.hub
            .credentials_target(&req.chatsession_id)
            .map_err(|e| match e {
                CredentialsError::UnknownSession => Failure::not_found(),
                CredentialsError::SessionClosed => {
                    Failure::new(StatusCode::CONFLICT, e.to_string())
                }
            })?;
    // The hub's lock is not held here: provisioning may be a network round trip.
    let credentials = app
        .backend
        .provision_visitor(&session, &agent)
        .await
        .map_err(|e| Failure::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    // Stanzas from this account belong to this session from now on.
    let visitor = format!("{}@{}", credentials.local_part(), credentials.domain);
    app.desk.link(&visitor, &session.id, &agent.jid);
    let creds = app.hub.store_credentials(&session.id, agent, credentials);
    Ok((StatusCode::CREATED, Json(creds)).into_response())
}

async fn get_credentials(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let (creds, session) = app.hub.credentials(&id).ok_or_else(Failure::not_found)?;
    app.hub
        .authorize(&session, Need::Visitor, proof(&headers))?;
    Ok(Json(creds).into_response())
}

#[derive(Deserialize)]
struct VisibilityQuery {
    campaign_id: Option<String>,
    tracker_id: Option<String>,
    user: Option<String>,
}

/// `GET visibility?campaign_id=…&tracker_id=…[&user=…]`: `{"visibility", "until"}` with a
/// strong `ETag`; `304` when `If-None-Match` names the answer's tag.
async fn get_visibility(
    State(app): State<App>,
    Query(q): Query<VisibilityQuery>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let required = |v: Option<String>, name: &str| {
        v.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format!("the {name} query parameter is required"),
            )
        })
    };
    let campaign = required(q.campaign_id, "campaign_id")?;
    let tracker = required(q.tracker_id, "tracker_id")?;
    if !app.hub.has_campaign(&campaign) {
        return Err(Failure::not_found());
    }
    let user = q.user.filter(|u| !u.is_empty());
    let verdict = app
        .overrides
        .answer(&campaign, &tracker, user.as_deref(), ids::now_ms());
    let tag = overrides::etag(&verdict);
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| none_match_names(v, &tag));
    let mut reply = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(verdict).into_response()
    };
    let h = reply.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    // Every read asks the server again: the answer changes whenever an operator acts.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(reply)
}

/// Whether an `If-None-Match` value (`*`, or a list of tags) names `tag`. RFC 9110 §13.1.2:
/// the weak comparison, so `W/"x"` matches `"x"`.
fn none_match_names(value: &str, tag: &str) -> bool {
    value.split(',').map(str::trim).any(|t| {
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag.strip_prefix("W/").unwrap_or(tag)
    })
}

async fn bosh_gone() -> Failure {
    Failure::new(
        StatusCode::NOT_IMPLEMENTED,
        "xmppconnection (a BOSH session the backend opens for the visitor) is not served here: \
         use POST xmppcredentials and log in over WebSocket, or over BOSH at /http-bind",
    )
}

/// Whether a request carries a token header (for the request log), without judging it.
pub fn has_token(headers: &HeaderMap) -> bool {
    headers.contains_key(TOKEN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::none_match_names;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        assert!(none_match_names("\"auto\"", "\"auto\""));
        assert!(none_match_names("\"x\", W/\"auto\"", "\"auto\""));
        assert!(none_match_names("*", "\"hidden-5\""));
        assert!(!none_match_names("\"hidden-4\"", "\"hidden-5\""));
        assert!(!none_match_names("", "\"auto\""));
    }
}
