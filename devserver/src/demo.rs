//! The demo's stand-in for a customer's own server: `POST /demo/identity-signature` signs the
//! user a demo page logs in, so the demo shows the integration a real site uses.
//!
//! What it does: answers `{"campaign_id", "email", "id"?}` with `{"signature"}`, the
//! HMAC-SHA256 a site's server computes with the campaign's identity secret.
//! What it does not: check who asks. A real site signs only the user it has logged in; this
//! endpoint signs anyone, so it is served only with `--demo-identity-signer`, which
//! `cargo xtask demo` passes and nothing else does by default.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use webchat_protocol::api::{TaggedUser, UserId};

use crate::identity::{self, UserKey};
use crate::App;

/// Where the signer listens.
pub const PATH: &str = "/demo/identity-signature";

#[derive(Deserialize)]
struct SignRequest {
    campaign_id: String,
    email: String,
    #[serde(default)]
    id: Option<UserId>,
}

/// The signer's route.
pub fn router() -> Router<App> {
    Router::new().route(PATH, post(sign))
}

async fn sign(State(app): State<App>, body: Bytes) -> Response {
    let req: SignRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("expected {{\"campaign_id\", \"email\", \"id\"?}}: {e}");
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
        }
    };
    let Some(secret) = app
        .hub
        .campaign_def(&req.campaign_id)
        .and_then(|c| c.identity_secret.clone())
    else {
        let message = "this campaign has no identity secret (devserver --identity-secret)";
        return (StatusCode::NOT_FOUND, Json(json!({ "error": message }))).into_response();
    };
    let user = TaggedUser {
        email: req.email,
        id: req.id,
        ..TaggedUser::default()
    };
    let signature = identity::sign(&secret, &UserKey::of(&user));
    Json(json!({ "signature": signature })).into_response()
}
