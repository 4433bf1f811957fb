//! The launcher's reads of the Public API over `fetch`: `GET {base}{path}` with the
//! `X-API-TOKEN` header, optionally conditional (`If-None-Match` out, `ETag` back, a `304` passed
//! through rather than served from the browser's cache), answered with the status, the `ETag`
//! and the body text ([`Reply`]).
//!
//! [`ApiRead`] is the seam tests script; [`SharedReads`] makes two reads of the same resource
//! at the same moment one request. A read the page's loader already started (the campaign,
//! fetched while the launcher's own files download: see [`Early`]) is taken over instead of
//! sent again. Nothing here interprets a reply, and nothing writes: the launcher only reads
//! (the chat stage has its own client for everything else, sharing
//! [`NetError`], [`Reply`], [`AbortOnDrop`] and [`base_url`] from here). A read whose future is
//! dropped (widget destroyed) is aborted, except one taken over from the loader: that request
//! was the loader's, without a signal of ours, and runs to its end unread.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

use super::describe;

/// A boxed, single-threaded future.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// A reply: any HTTP status is one (an error status is not a [`NetError`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The `ETag` header, when the server sent (and exposed) one.
    pub etag: Option<String>,
    pub body: String,
}

/// Why no reply arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetError {
    /// Not in a browser window.
    NoWindow,
    /// The request could not be built (bad header value or URL).
    Request(String),
    /// Offline, DNS, CORS refused, connection reset: worth retrying.
    Network(String),
    /// The body could not be read.
    Body(String),
}

impl NetError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        let (what, e) = match self {
            NetError::NoWindow => ("no browser window", ""),
            NetError::Request(e) => ("bad request: ", &**e),
            NetError::Network(e) => ("network error: ", &**e),
            NetError::Body(e) => ("unreadable reply body: ", &**e),
        };
        [what, e].concat()
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for NetError {}

/// Reads from the Public API (browser tests script it).
pub trait ApiRead {
    /// `GET {api base}{path}`, with `If-None-Match: etag` when given.
    fn get(&self, path: &str, etag: Option<&str>) -> LocalFuture<Result<Reply, NetError>>;
}

/// The Public API through the browser's `fetch`: base URL (ending in `/`) and token.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    token: String,
    early: Option<Early>,
}

/// Reads the loader started before the launcher ran: a JS function that, given a URL, hands
/// over the promise of the `fetch` it started for exactly that URL (with the same token and
/// headers), once, and `undefined` for anything else. Taking it over saves the round trips the
/// launcher's own start-up would otherwise wait for on every page view.
#[derive(Clone, Debug)]
pub struct Early(pub js_sys::Function);

impl Early {
    fn take(&self, url: &str) -> Option<js_sys::Promise> {
        let promise = self
            .0
            .call1(&wasm_bindgen::JsValue::UNDEFINED, &url.into())
            .ok()?;
        promise.dyn_into().ok()
    }
}

/// Aborts the request when the future holding it is dropped early (the chat stage's client
/// uses it too).
pub struct AbortOnDrop(pub AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        // After completion this is a no-op.
        self.0.abort();
    }
}

/// The API base URL as both stages' clients join paths to it: with a trailing `/`.
pub fn base_url(base: &str) -> String {
    let mut base = base.to_owned();
    if !base.ends_with('/') {
        base.push('/');
    }
    base
}

impl Api {
    /// A client for `base` (a trailing `/` is added when missing).
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            base: base_url(base),
            token: token.to_owned(),
            early: None,
        }
    }

    /// The same client, taking over the plain reads `early` started.
    pub fn with_early(self, early: Option<Early>) -> Api {
        Api { early, ..self }
    }

    /// Sends `GET url` (conditional with `etag`); the guard aborts it when dropped early.
    fn send(
        &self,
        window: &web_sys::Window,
        url: &str,
        etag: Option<&str>,
    ) -> Result<(js_sys::Promise, AbortOnDrop), NetError> {
        let request = |e: wasm_bindgen::JsValue| NetError::Request(describe(&e));
        let headers = Headers::new().map_err(request)?;
        headers.set("X-API-TOKEN", &self.token).map_err(request)?;
        headers.set("Accept", "application/json").map_err(request)?;
        // A header set by the caller turns the HTTP cache off for the request (Fetch
        // standard), so a `304` arrives as such, with an empty body.
        if let Some(tag) = etag {
            headers.set("If-None-Match", tag).map_err(request)?;
        }
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        let abort = AbortController::new().map(AbortOnDrop).map_err(request)?;
        init.set_signal(Some(&abort.0.signal()));
        Ok((window.fetch_with_str_and_init(url, &init), abort))
    }

    async fn fetch(&self, path: &str, etag: Option<&str>) -> Result<Reply, NetError> {
        let window = web_sys::window().ok_or(NetError::NoWindow)?;
        let url = [&*self.base, path].concat();
        // Only a plain read: a conditional one is not what the loader asked for.
        let early = etag
            .is_none()
            .then(|| self.early.as_ref().and_then(|e| e.take(&url)))
            .flatten();
        let (sent, abort) = match early {
            Some(taken) => (taken, None),
            None => self.send(&window, &url, etag).map(|(p, a)| (p, Some(a)))?,
        };
        let response: Response = JsFuture::from(sent)
            .await
            .and_then(|r| r.dyn_into())
            .map_err(|e| NetError::Network(describe(&e)))?;
        let status = response.status();
        // Readable across origins only when the API exposes it (`Access-Control-Expose-Headers`).
        let etag = response.headers().get("ETag").ok().flatten();
        let text = response.text().map_err(|e| NetError::Body(describe(&e)))?;
        let text = JsFuture::from(text)
            .await
            .map_err(|e| NetError::Body(describe(&e)))?;
        drop(abort);
        Ok(Reply {
            status,
            etag,
            body: text.as_string().unwrap_or_default(),
        })
    }
}

impl ApiRead for Api {
    fn get(&self, path: &str, etag: Option<&str>) -> LocalFuture<Result<Reply, NetError>> {
        let (api, path, etag) = (self.clone(), path.to_owned(), etag.map(str::to_owned));
        Box::pin(async move { api.fetch(&path, etag.as_deref()).await })
    }
}

type Shared = Result<Reply, NetError>;

/// One read in flight: its reply once there, and who waits for it.
#[derive(Default)]
struct Slot {
    reply: Option<Shared>,
    waiting: Vec<Waker>,
}

/// An [`ApiRead`] that shares concurrent identical reads (the launcher's campaign read and the
/// visibility rules' both happen at start): the API sees one request and both get its reply.
/// Only plain reads, and only while one is in flight: a later read goes to the network again
/// (the rules poll for fresh availability); a conditional read is one caller's own.
pub struct SharedReads {
    inner: Rc<dyn ApiRead>,
    // A list, not a map: one or two entries at a time (a map's code would be most of it).
    in_flight: Rc<RefCell<Vec<InFlight>>>,
}

/// A read under way: its path and where its reply lands.
type InFlight = (String, Rc<RefCell<Slot>>);

impl SharedReads {
    /// Wraps `inner`.
    pub fn new(inner: Rc<dyn ApiRead>) -> SharedReads {
        SharedReads {
            inner,
            in_flight: Rc::default(),
        }
    }
}

/// Waits for a shared read's reply.
struct Waiting(Rc<RefCell<Slot>>);

impl Future for Waiting {
    type Output = Shared;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Shared> {
        let mut slot = self.0.borrow_mut();
        match &slot.reply {
            Some(reply) => Poll::Ready(reply.clone()),
            None => {
                slot.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl ApiRead for SharedReads {
    fn get(&self, path: &str, etag: Option<&str>) -> LocalFuture<Shared> {
        if etag.is_some() {
            return self.inner.get(path, etag);
        }
        let found = self
            .in_flight
            .borrow()
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, slot)| slot.clone());
        if let Some(slot) = found {
            return Box::pin(Waiting(slot));
        }
        let slot = Rc::new(RefCell::new(Slot::default()));
        self.in_flight
            .borrow_mut()
            .push((path.to_owned(), slot.clone()));
        // Driven on its own, not by the first caller's future: a caller that stops waiting
        // must not leave the others waiting forever.
        let request = self.inner.get(path, None);
        let (in_flight, key, shared) = (self.in_flight.clone(), path.to_owned(), slot.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let reply = request.await;
            in_flight.borrow_mut().retain(|(p, _)| *p != key);
            let waiting = {
                let mut s = shared.borrow_mut();
                s.reply = Some(reply);
                std::mem::take(&mut s.waiting)
            };
            for waker in waiting {
                waker.wake();
            }
        });
        Box::pin(Waiting(slot))
    }
}
