//! The embedded server's BOSH endpoint (`POST /http-bind`, XEP-0124/0206): the HTTP side of
//! [`super::bosh::Session`].
//!
//! What it does: a request without `sid` creates a session (after checking `to` against the
//! served hosts) and starts the same endpoint task a WebSocket gets, with a [`BoshLink`] as
//! its transport; a request with `sid` is handed to that session's task through the
//! [`Registry`] and answered when the session says so (held up to `wait`). Unknown sessions
//! get `item-not-found`, unreadable bodies `bad-request` (XEP-0124 terminal conditions, HTTP
//! 200). CORS (any origin, preflights) comes from the router's layer like for the API.
//! What it does not: the BOSH rules (the session does) or XMPP (the stream does).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};
use webchat_protocol::bosh::body::{Body, Condition};

use super::bosh::{terminate, Session};
use super::endpoint;
use super::link::{Incoming, Link};
use crate::App;

/// The path of the endpoint (the usual one; ejabberd and Prosody use it too).
pub const PATH: &str = "/http-bind";

/// One HTTP request handed to its session: the body and where its answer goes.
pub struct Exchange {
    pub body: Body,
    pub reply: oneshot::Sender<String>,
}

/// The live BOSH sessions, by `sid`.
#[derive(Clone, Default)]
pub struct Registry(Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Exchange>>>>);

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Exchange>>> {
        // A panicking holder leaves the map consistent (single inserts and removes).
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert(&self, sid: &str, tx: mpsc::UnboundedSender<Exchange>) {
        self.lock().insert(sid.to_owned(), tx);
    }

    fn get(&self, sid: &str) -> Option<mpsc::UnboundedSender<Exchange>> {
        self.lock().get(sid).cloned()
    }

    fn remove(&self, sid: &str) {
        self.lock().remove(sid);
    }

    /// How many sessions are live.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A BOSH session as a stream's transport: its requests arrive on a channel, its answers go
/// back on each request's oneshot. Dropping it ends the session.
pub struct BoshLink {
    session: Session<oneshot::Sender<String>>,
    rx: mpsc::UnboundedReceiver<Exchange>,
    registry: Registry,
}

impl BoshLink {
    /// Hands out the answers the session has ready. A request whose HTTP side is gone loses
    /// its answer here; the session kept a copy for the repeat the client sends.
    fn deliver(&mut self) {
        while let Some((tx, text)) = self.session.poll_reply() {
            let _ = tx.send(text);
        }
        if self.session.is_ended() {
            self.registry.remove(self.session.sid());
        }
    }

    /// The next frame for the stream, running the session's timers meanwhile.
    pub async fn recv(&mut self) -> Incoming {
        loop {
            self.deliver();
            if let Some(f) = self.session.poll_frame() {
                return Incoming::Text(f.into());
            }
            if self.session.is_ended() {
                return Incoming::Closed;
            }
            let deadline = self.session.next_timeout();
            tokio::select! {
                ex = self.rx.recv() => match ex {
                    Some(ex) => self.session.handle_request(ex.body, ex.reply, Instant::now()),
                    None => return Incoming::Closed,
                },
                () = sleep_until(deadline) => self.session.handle_timeout(Instant::now()),
            }
        }
    }

    pub fn feed(&mut self, frame: &str) {
        self.session.send_frame(frame);
    }

    pub fn flush(&mut self) {
        self.session.flush(Instant::now());
        self.deliver();
    }

    /// Ends the session: held requests get `type='terminate'`.
    pub fn terminate(mut self) {
        self.session.end(None);
        self.deliver();
    }
}

impl Drop for BoshLink {
    fn drop(&mut self) {
        self.session.end(Some(Condition::SystemShutdown));
        self.deliver();
        self.registry.remove(self.session.sid());
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
        None => std::future::pending().await,
    }
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// `POST /http-bind`.
pub async fn post(State(app): State<App>, text: String) -> Response {
    let Some(embedded) = app.embedded.clone() else {
        return crate::bosh_proxy::forward(&app, text).await;
    };
    let Ok(body) = Body::parse(&text) else {
        return xml(terminate(Some(Condition::BadRequest)));
    };
    let (tx, rx) = oneshot::channel();
    match body.sid.clone() {
        None => {
            let known = body.to.as_deref().is_none_or(|to| {
                embedded
                    .config
                    .hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(to))
            });
            if !known {
                return xml(terminate(Some(Condition::HostUnknown)));
            }
            let sid = crate::ids::random_id(24);
            let session = match Session::create(
                &sid,
                &body,
                tx,
                embedded.bosh_limits.clone(),
                Instant::now(),
            ) {
                Ok(s) => s,
                Err((refused, _)) => return xml(refused.answer()),
            };
            let (etx, erx) = mpsc::unbounded_channel();
            embedded.bosh.insert(&sid, etx);
            let link = BoshLink {
                session,
                rx: erx,
                registry: embedded.bosh.clone(),
            };
            tokio::spawn(endpoint::run(
                embedded.clone(),
                Link::Bosh(link),
                app.shutdown.clone(),
            ));
        }
        Some(sid) => {
            let Some(etx) = embedded.bosh.get(&sid) else {
                return xml(terminate(Some(Condition::ItemNotFound)));
            };
            if etx.send(Exchange { body, reply: tx }).is_err() {
                return xml(terminate(Some(Condition::ItemNotFound)));
            }
        }
    }
    match rx.await {
        Ok(answer) => xml(answer),
        // Replaced by a repeat of the same request: the client no longer waits for this one.
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "superseded by a repeated request",
        )
            .into_response(),
    }
}
