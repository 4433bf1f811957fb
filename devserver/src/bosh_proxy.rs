//! `/http-bind` for the external backends: each BOSH request is forwarded to the real
//! server's own BOSH endpoint (`--xmpp-bosh-url`) and its answer passed back unchanged.
//!
//! Why a proxy and not the server's URL: the widget then has one BOSH URL on devserver's
//! origin whatever the backend (as it has one API URL), devserver's request log sees every
//! BOSH request (tests can tell the widget fell back), and a test that blocks the WebSocket on
//! devserver needs nothing else to change. The servers' own endpoints answer CORS too (see
//! `xtask`), for pages that use them directly.
//! What it does not: understand BOSH (bodies pass through), pool connections, or retry (the
//! client's session does).

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::xmpp::bosh::MAX_WAIT;
use crate::App;

/// Longer than any server holds a request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(MAX_WAIT.as_secs() + 30);

/// Forwards one request to the backend's BOSH URL; 404 when there is none.
pub async fn forward(app: &App, body: String) -> Response {
    let Some(url) = app.bosh_upstream.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            "no BOSH here: start devserver with --xmpp-bosh-url",
        )
            .into_response();
    };
    match tokio::time::timeout(UPSTREAM_TIMEOUT, post(url, body)).await {
        Ok(Ok((status, text))) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            text,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::BAD_GATEWAY, e).into_response(),
        Err(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            "the XMPP server did not answer",
        )
            .into_response(),
    }
}

/// `POST`s a BOSH body to `url` (`http://host:port/path`) on a connection of its own; the
/// answer's status and body. Also the BOSH client of devserver's tests.
pub async fn post(url: &str, body: String) -> Result<(u16, String), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("{url}: no host"))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    tokio::spawn(conn);
    let req = hyper::Request::post(uri.clone())
        .header(header::HOST, format!("{host}:{port}"))
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{url}: {e}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}
