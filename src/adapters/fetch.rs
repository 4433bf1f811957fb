//! The Public API over `fetch` (gloo-net's `Request`): one request with the `X-API-TOKEN`
//! header, the caller's extra headers and a JSON body, answered with the status and the body
//! text; and a conditional `GET` ([`Fetch::revalidate`]: `If-None-Match` out, `ETag` back, a
//! `304` passed through rather than served from the browser's cache).
//!
//! It does not interpret replies: the caller hands `(status, body)` to
//! `webchat_protocol::api::parse_response`. A request whose future is dropped (widget destroyed,
//! newer request) is aborted through its `AbortController`.

use gloo_net::http::{Headers, Method as HttpMethod, RequestBuilder};
use web_sys::AbortController;
use webchat_launcher::adapters::api::{base_url, AbortOnDrop};

use super::describe;

pub use crate::session::io::{Method, RequestHeaders};

/// Why no reply arrived (an HTTP error status is a reply, not a `FetchError`): the launcher's
/// error, as both stages' clients fail the same ways.
pub use webchat_launcher::adapters::api::NetError as FetchError;
/// A reply with its entity tag (the launcher's reply type).
pub use webchat_launcher::adapters::api::Reply as Revalidated;

/// A Public API client: base URL (ending in `/`) and token.
#[derive(Clone, Debug)]
pub struct Fetch {
    base: String,
    token: String,
}

impl Fetch {
    /// A client for `base` (a trailing `/` is added when missing).
    pub fn new(base: &str, token: &str) -> Fetch {
        Fetch {
            base: base_url(base),
            token: token.to_owned(),
        }
    }

    /// Sends `method base+path` with `extra` headers and an optional JSON body; returns the
    /// status and body text.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        extra: &[(&'static str, String)],
        body: Option<&str>,
    ) -> Result<(u16, String), FetchError> {
        self.send(method, path, extra, body)
            .await
            .map(|r| (r.status, r.body))
    }

    /// `GET base+path` with `If-None-Match: etag` when given. A header set by the caller turns
    /// the browser's HTTP cache off for the request (Fetch standard), so a `304` arrives as
    /// such, with an empty body.
    pub async fn revalidate(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Revalidated, FetchError> {
        let condition: Vec<(&'static str, String)> = etag
            .map(|tag| ("If-None-Match", tag.to_owned()))
            .into_iter()
            .collect();
        self.send(Method::Get, path, &condition, None).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        extra: &[(&'static str, String)],
        body: Option<&str>,
    ) -> Result<Revalidated, FetchError> {
        // The headers are set here rather than with gloo-net's `header()`, which throws on a
        // value the browser refuses (a token with a line break, say) instead of returning.
        let headers = web_sys::Headers::new().map_err(|e| FetchError::Request(describe(&e)))?;
        let set = |name: &str, value: &str| {
            headers
                .set(name, value)
                .map_err(|e| FetchError::Request(describe(&e)))
        };
        set("X-API-TOKEN", &self.token)?;
        for (name, value) in extra {
            set(name, value)?;
        }
        set("Accept", "application/json")?;
        if body.is_some() {
            set("Content-Type", "application/json")?;
        }
        let abort = AbortController::new()
            .map(AbortOnDrop)
            .map_err(|e| FetchError::Request(describe(&e)))?;
        let builder = RequestBuilder::new(&format!("{}{}", self.base, path))
            .method(match method {
                Method::Get => HttpMethod::GET,
                Method::Post => HttpMethod::POST,
                Method::Patch => HttpMethod::PATCH,
            })
            .headers(Headers::from_raw(headers))
            .abort_signal(Some(&abort.0.signal()));
        let request = match body {
            Some(body) => builder.body(body),
            None => builder.build(),
        }
        .map_err(|e| FetchError::Request(e.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|e| FetchError::Network(e.to_string()))?;
        // Readable across origins only when the API exposes it (`Access-Control-Expose-Headers`).
        let etag = response.headers().get("ETag");
        let text = response
            .text()
            .await
            .map_err(|e| FetchError::Body(e.to_string()))?;
        drop(abort);
        Ok(Revalidated {
            status: response.status(),
            etag,
            body: text,
        })
    }
}
