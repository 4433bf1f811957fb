//! The controller's view of the network, behind two small traits so browser tests can script
//! REST replies, BOSH answers and XMPP frames without a server.
//!
//! [`BrowserTransport`] is the real one (fetch + WebSocket adapters). Neither trait knows the
//! Public API or XMPP: they carry `(status, body)` pairs and text frames.

use std::future::Future;
use std::pin::Pin;

use crate::adapters::fetch::{Fetch, FetchError, Method, RequestHeaders};
use crate::adapters::http_bind;
use crate::adapters::websocket::{Socket, SocketError, SocketEvent};

/// A boxed, single-threaded future.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// REST requests and WebSocket connections.
pub trait Transport {
    /// `method {api base}{path}` with `headers` and an optional JSON body → `(status, body)`.
    fn request(
        &self,
        method: Method,
        path: &str,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> LocalFuture<Result<(u16, String), FetchError>>;

    /// `POST`s a BOSH `<body/>` to `url` (the HTTP-Bind URL), given up after `timeout_ms`.
    fn post_xml(
        &self,
        url: &str,
        body: String,
        timeout_ms: u64,
    ) -> LocalFuture<Result<(u16, String), FetchError>>;

    /// Opens an XMPP WebSocket. `on_event` is never called from inside `connect` or `send`.
    fn connect(
        &self,
        url: &str,
        on_event: Box<dyn FnMut(SocketEvent)>,
    ) -> Result<Box<dyn Link>, SocketError>;
}

/// One open WebSocket; dropping it closes it and silences its events.
pub trait Link {
    /// Sends a text frame.
    fn send(&self, frame: &str) -> Result<(), SocketError>;
    /// The XMPP stream is closed on both sides: when dropped, let the server close first.
    fn linger(&self) {}
}

impl Link for Socket {
    fn send(&self, frame: &str) -> Result<(), SocketError> {
        Socket::send(self, frame)
    }
    fn linger(&self) {
        self.linger_on_drop(LINGER_MS)
    }
}

/// How long a closed stream's WebSocket is left to the server to close.
const LINGER_MS: i32 = 1000;

/// The browser's network: `fetch` with the API token, `WebSocket` with subprotocol `xmpp`.
pub struct BrowserTransport {
    fetch: Fetch,
}

impl BrowserTransport {
    /// A transport for the API at `api_url` with `token`.
    pub fn new(api_url: &str, token: &str) -> BrowserTransport {
        BrowserTransport {
            fetch: Fetch::new(api_url, token),
        }
    }
}

impl Transport for BrowserTransport {
    fn request(
        &self,
        method: Method,
        path: &str,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        let fetch = self.fetch.clone();
        let path = path.to_owned();
        Box::pin(async move {
            fetch
                .request(method, &path, &headers, body.as_deref())
                .await
        })
    }

    fn post_xml(
        &self,
        url: &str,
        body: String,
        timeout_ms: u64,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        let url = url.to_owned();
        Box::pin(async move { http_bind::post(&url, &body, timeout_ms).await })
    }

    fn connect(
        &self,
        url: &str,
        on_event: Box<dyn FnMut(SocketEvent)>,
    ) -> Result<Box<dyn Link>, SocketError> {
        Ok(Box::new(Socket::connect(url, on_event)?))
    }
}
