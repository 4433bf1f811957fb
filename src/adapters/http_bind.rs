//! BOSH's HTTP requests (XEP-0124 over XEP-0206): one `POST` of a `<body/>` to the HTTP-Bind URL
//! with `Content-Type: text/xml; charset=utf-8`, aborted after the time the BOSH session allows
//! it, answered with the status and the body text.
//!
//! It does not know BOSH: the session core builds every body and reads every answer. Unlike the
//! Public API's requests it sends no API token (the connection manager is not the API).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

use super::describe;
use super::fetch::FetchError;

/// `POST body` to `url`; gives up after `timeout_ms` (a [`FetchError::Network`]).
pub async fn post(url: &str, body: &str, timeout_ms: u64) -> Result<(u16, String), FetchError> {
    let window = web_sys::window().ok_or(FetchError::NoWindow)?;
    let headers = Headers::new().map_err(|e| FetchError::Request(describe(&e)))?;
    headers
        .set("Content-Type", "text/xml; charset=utf-8")
        .map_err(|e| FetchError::Request(describe(&e)))?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body.into());
    let timeout = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
    init.set_signal(Some(&AbortSignal::timeout_with_u32(timeout)));
    let reply = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| FetchError::Network(describe(&e)))?;
    let response: Response = reply
        .dyn_into()
        .map_err(|e| FetchError::Network(describe(&e)))?;
    let status = response.status();
    let text = response
        .text()
        .map_err(|e| FetchError::Body(describe(&e)))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|e| FetchError::Body(describe(&e)))?;
    Ok((status, text.as_string().unwrap_or_default()))
}
