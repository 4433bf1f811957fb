//! The operator API under `/operator/v1/` (an extension, see `devserver/API.md`): the
//! customer's own server shows or hides the chat for one visitor, one tagged user or a whole
//! campaign, optionally until a time, and lists what is in force.
//!
//! What it does: the `Authorization: Bearer <operator token>` check (the public widget token is
//! refused: it is in every page's source), reading and checking the change ([`SetVisibility`],
//! shared with the agent console), and the routes over [`crate::overrides::Overrides`].
//! What it does not: answer visitors (the widget reads `GET visibility` on the Public API) or
//! allow browsers on other origins to call it (it is for servers; no CORS preflight passes).

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use webchat_protocol::api::{OverrideVisibility, UserId};

use crate::overrides::{Listed, Scope, Setting};
use crate::public_api::Failure;
use crate::{ids, App};

/// Where the operator API lives.
pub const BASE_PATH: &str = "/operator/v1";

/// One change, as the operator API and the agent console take it:
/// `{"visibility": "shown"|"hidden"|"auto", "visitor"?: tracker id, "user"?: {"id"} | {"email"},
/// "until"?: ms since the epoch, "seconds"?: from now}`. Neither `visitor` nor `user`: the
/// whole campaign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetVisibility {
    pub visibility: OverrideVisibility,
    #[serde(default)]
    pub visitor: Option<String>,
    #[serde(default)]
    pub user: Option<UserRef>,
    #[serde(default)]
    pub until: Option<u64>,
    #[serde(default)]
    pub seconds: Option<u64>,
}

/// A tagged user, named the way the page tagged them (`CV.user.tag`): by `id` or by `email`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRef {
    #[serde(default)]
    pub id: Option<UserId>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Longest override accepted (a year): "hidden until changed" is the way to say forever.
const MAX_SECONDS: u64 = 366 * 24 * 3600;

impl SetVisibility {
    /// What to store: the scope and the setting (`None`: back to automatic), or why not.
    pub fn resolve(&self, now_ms: u64) -> Result<(Scope, Option<Setting>), String> {
        let scope = match (&self.visitor, &self.user) {
            (Some(_), Some(_)) => {
                return Err(
                    "give `visitor` or `user`, not both (neither: the whole campaign)".into(),
                )
            }
            (Some(v), None) if v.trim().is_empty() => {
                return Err("`visitor` is empty; it is the visitor's tracker id".into())
            }
            (Some(v), None) => Scope::Visitor(v.trim().to_owned()),
            (None, Some(u)) => match (&u.id, &u.email) {
                (Some(UserId::Text(t)), None) if t.trim().is_empty() => {
                    return Err("`user.id` is empty".into())
                }
                (Some(id), None) => Scope::user_by_id(id),
                (None, Some(e)) if e.contains('@') && !e.trim().starts_with('@') => {
                    Scope::user_by_email(e)
                }
                (None, Some(e)) => return Err(format!("`user.email` {e:?} is not an address")),
                _ => {
                    return Err(
                        "`user` names the user by `id` or by `email` (one of them), \
                                as the page tagged them"
                            .into(),
                    )
                }
            },
            (None, None) => Scope::Campaign,
        };
        let visible = match self.visibility {
            OverrideVisibility::Auto if self.until.is_some() || self.seconds.is_some() => {
                return Err("`auto` takes no `until` or `seconds`: it removes the override".into())
            }
            OverrideVisibility::Auto => return Ok((scope, None)),
            OverrideVisibility::Shown => true,
            OverrideVisibility::Hidden => false,
        };
        let until_ms = match (self.until, self.seconds) {
            (Some(_), Some(_)) => return Err("give `until` or `seconds`, not both".into()),
            (Some(t), None) if t <= now_ms => {
                return Err(format!(
                    "`until` {t} is not in the future (now is {now_ms} ms since the epoch)"
                ))
            }
            (Some(t), None) => Some(t),
            (None, Some(s)) if s == 0 || s > MAX_SECONDS => {
                return Err(format!("`seconds` is {s}; expected 1 to {MAX_SECONDS}"))
            }
            (None, Some(s)) => Some(now_ms + s * 1000),
            (None, None) => None,
        };
        Ok((
            scope,
            Some(Setting {
                visible,
                until_ms,
                set_ms: now_ms,
            }),
        ))
    }
}

/// The reply to a change: the override now in force for that scope.
#[derive(Debug, Serialize)]
pub struct Changed {
    pub scope: &'static str,
    pub key: Option<String>,
    pub visibility: OverrideVisibility,
    pub until: Option<u64>,
}

/// Applies `change` to `campaign` (known to exist); returns what is in force for that scope.
pub fn apply(app: &App, campaign: &str, change: &SetVisibility) -> Result<Changed, String> {
    let now = ids::now_ms();
    let (scope, setting) = change.resolve(now)?;
    let scope_name = match &scope {
        Scope::Campaign => "campaign",
        Scope::Visitor(_) => "visitor",
        Scope::User(_) => "user",
    };
    let key = match &scope {
        Scope::Campaign => None,
        Scope::Visitor(k) | Scope::User(k) => Some(k.clone()),
    };
    app.overrides.set(campaign, scope, setting, now);
    Ok(Changed {
        scope: scope_name,
        key,
        visibility: change.visibility,
        until: setting.and_then(|s| s.until_ms),
    })
}

/// The list reply.
#[derive(Debug, Serialize)]
pub struct Listing {
    pub campaign_id: String,
    pub overrides: Vec<Listed>,
}

/// The operator API router, to be nested at [`BASE_PATH`].
pub fn router(app: App) -> Router<App> {
    Router::new()
        .route(
            "/campaigns/{id}/visibility",
            get(list).put(set).delete(clear),
        )
        .fallback(|| async { Failure::new(StatusCode::NOT_FOUND, "Not found: no such endpoint") })
        .layer(middleware::from_fn_with_state(app, require_operator))
}

/// Whether `headers` carry `Authorization: Bearer <token>` with exactly `token`.
pub fn is_operator(headers: &HeaderMap, token: &str) -> Option<bool> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, given) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(same_secret(given.trim().as_bytes(), token.as_bytes()))
}

/// Compares without stopping at the first different byte (the time taken says nothing about
/// how much of the secret was right; the length may show).
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 401 unless the request carries the operator token as a bearer token.
async fn require_operator(State(app): State<App>, req: Request, next: Next) -> Response {
    let (message, challenge) = match is_operator(req.headers(), &app.operator_token) {
        Some(true) => return next.run(req).await,
        Some(false) => (
            "the operator token is not valid",
            "Bearer realm=\"webchat-operator\", error=\"invalid_token\"",
        ),
        None => (
            "the operator API needs `Authorization: Bearer <operator token>` (the public \
             X-API-TOKEN is not accepted here)",
            "Bearer realm=\"webchat-operator\"",
        ),
    };
    let mut reply = Failure::new(StatusCode::UNAUTHORIZED, message).into_response();
    reply.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    reply
}

fn known(app: &App, campaign: &str) -> Result<(), Failure> {
    if app.hub.has_campaign(campaign) {
        Ok(())
    } else {
        Err(Failure::new(
            StatusCode::NOT_FOUND,
            "Not found: no such campaign",
        ))
    }
}

async fn list(State(app): State<App>, Path(id): Path<String>) -> Result<Response, Failure> {
    known(&app, &id)?;
    let overrides = app.overrides.list(&id, ids::now_ms());
    Ok(Json(Listing {
        campaign_id: id,
        overrides,
    })
    .into_response())
}

async fn set(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    known(&app, &id)?;
    let change: SetVisibility = crate::public_api::parse_body(&body)?;
    apply(&app, &id, &change)
        .map(|c| Json(c).into_response())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, e))
}

async fn clear(State(app): State<App>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    known(&app, &id)?;
    app.overrides.clear(&id);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(json: &str) -> SetVisibility {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn changes_resolve_to_a_scope_and_a_setting() {
        let (scope, s) = change(r#"{"visibility":"hidden"}"#).resolve(10).unwrap();
        assert_eq!(scope, Scope::Campaign);
        assert_eq!(
            s,
            Some(Setting {
                visible: false,
                until_ms: None,
                set_ms: 10
            })
        );
        let (scope, s) =
            change(r#"{"visibility":"shown","user":{"email":"A@B.example"},"seconds":60}"#)
                .resolve(1_000)
                .unwrap();
        assert_eq!(scope, Scope::User("user:email:a@b.example".into()));
        assert_eq!(s.unwrap().until_ms, Some(61_000));
        let (scope, s) = change(r#"{"visibility":"auto","user":{"id":42}}"#)
            .resolve(0)
            .unwrap();
        assert_eq!((scope, s), (Scope::User("user:id:42".into()), None));
        let (scope, s) = change(r#"{"visibility":"hidden","visitor":" v1 ","until":50}"#)
            .resolve(0)
            .unwrap();
        assert_eq!(scope, Scope::Visitor("v1".into()));
        assert_eq!(s.unwrap().until_ms, Some(50));
    }

    #[test]
    fn bad_changes_say_what_is_wrong() {
        for (json, needle) in [
            (
                r#"{"visibility":"hidden","visitor":"a","user":{"id":1}}"#,
                "not both",
            ),
            (
                r#"{"visibility":"hidden","visitor":" "}"#,
                "`visitor` is empty",
            ),
            (
                r#"{"visibility":"hidden","user":{}}"#,
                "by `id` or by `email`",
            ),
            (
                r#"{"visibility":"hidden","user":{"id":1,"email":"a@b"}}"#,
                "one of them",
            ),
            (
                r#"{"visibility":"hidden","user":{"email":"nobody"}}"#,
                "not an address",
            ),
            (
                r#"{"visibility":"hidden","user":{"id":""}}"#,
                "`user.id` is empty",
            ),
            (
                r#"{"visibility":"auto","seconds":5}"#,
                "removes the override",
            ),
            (
                r#"{"visibility":"hidden","until":5,"seconds":5}"#,
                "not both",
            ),
            (r#"{"visibility":"hidden","until":5}"#, "not in the future"),
            (r#"{"visibility":"hidden","seconds":0}"#, "expected 1 to"),
        ] {
            let e = change(json).resolve(100).unwrap_err();
            assert!(e.contains(needle), "{json}: {e:?} lacks {needle:?}");
        }
        for json in [
            r#"{"visibility":"maybe"}"#,
            r#"{"visibility":"hidden","scope":"all"}"#,
            r#"{"visibility":"hidden","user":{"name":"x"}}"#,
            r#"{}"#,
        ] {
            assert!(
                serde_json::from_str::<SetVisibility>(json).is_err(),
                "{json}"
            );
        }
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let mut h = HeaderMap::new();
        assert_eq!(is_operator(&h, "secret"), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic c2VjcmV0"),
        );
        assert_eq!(is_operator(&h, "secret"), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secreT"),
        );
        assert_eq!(is_operator(&h, "secret"), Some(false));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secrets"),
        );
        assert_eq!(is_operator(&h, "secret"), Some(false));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  secret "),
        );
        assert_eq!(is_operator(&h, "secret"), Some(true));
    }
}
