//! The embedded server's client endpoint: one task per XMPP session, driving a [`Stream`]
//! with its transport (a WebSocket from `/xmpp-websocket`, subprotocol `xmpp`, or a BOSH
//! session from [`super::http_bind`]), the router and a timer.
//!
//! What it does: upgrades with the `xmpp` subprotocol, feeds frames to the stream and sends
//! what it outputs, registers the bound JID with the router, delivers routed stanzas, runs the
//! ping timer, and keeps a stream-managed session alive without a transport until a new one
//! resumes it (the new transport's task hands it over and ends; WebSocket and BOSH mix freely)
//! or `resume_timeout` passes. A stream-managed client that misses a ping loses its transport
//! but not its session, as with ejabberd's `mod_stream_mgmt`.
//! What it does not: parse XMPP (the stream does), speak BOSH (the link does) or decide routes
//! (the router does).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, watch};

use super::link::{Incoming, Link};
use super::router::{self, Handover, ToClient};
use super::stream::{Output, Stream};
use super::Embedded;
use crate::App;

/// The path of the endpoint.
pub const PATH: &str = "/xmpp-websocket";

/// Read buffer per socket. tungstenite zero-fills up to this much on every read, and its
/// 128 KiB default made that `memset` the largest single cost under load (XMPP frames
/// are a few hundred bytes; bigger ones just take more reads).
pub const READ_BUFFER: usize = 8 * 1024;

pub async fn upgrade(State(app): State<App>, ws: WebSocketUpgrade) -> Response {
    let Some(embedded) = app.embedded.clone() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    if app
        .refuse_websocket
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "WebSocket refused (devserver --refuse-websocket): use BOSH at /http-bind",
        )
            .into_response();
    }
    let shutdown = app.shutdown.clone();
    ws.protocols(["xmpp"])
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| run(embedded, Link::Ws(socket), shutdown))
}

async fn recv(link: &mut Option<Link>) -> Incoming {
    match link {
        Some(l) => l.recv().await,
        None => std::future::pending().await,
    }
}

/// One XMPP session, from `<open/>` to its end.
pub async fn run(embedded: Arc<Embedded>, link: Link, shutdown: watch::Receiver<bool>) {
    let stop = crate::stopped(shutdown);
    tokio::pin!(stop);
    let router = &embedded.router;
    let (tx, mut rx) = mpsc::unbounded_channel::<ToClient>();
    let (htx, mut hrx) = mpsc::unbounded_channel::<Handover>();
    let mut stream = Stream::new(embedded.config.clone(), Instant::now());
    let mut socket = Some(link);
    let mut bound: Option<(webchat_protocol::Jid, u64)> = None;
    let mut resumable: Option<String> = None;
    'session: loop {
        // Frames are queued with `feed` and written with one `flush` below: an answer and its
        // `<a/>` leave in one write (one syscall) instead of one each.
        let mut fed = false;
        while let Some(out) = stream.poll_output() {
            match out {
                Output::Frame(f) => {
                    if let Some(s) = &mut socket {
                        if s.feed(f).await.is_err() {
                            socket = None;
                            if !stream.detach(Instant::now()) {
                                break 'session;
                            }
                        } else {
                            fed = true;
                        }
                    }
                }
                Output::Bind(jid) => {
                    let conn = router.bind(&jid, tx.clone());
                    bound = Some((jid, conn));
                }
                Output::Resumable(id) => {
                    router.set_resumable(&id, htx.clone());
                    resumable = Some(id);
                }
                Output::Route(el) => {
                    if let Some((jid, _)) = &bound {
                        router.route(jid, el);
                    }
                }
                Output::Resume { previd, h } => {
                    let user = stream.user().unwrap_or_default().to_owned();
                    match (router.resumable(&previd), socket.take()) {
                        (Some(target), Some(s)) => {
                            let handover = Handover { link: s, user, h };
                            match target.send(handover) {
                                // The old session's task owns the transport now.
                                Ok(()) => return,
                                Err(mpsc::error::SendError(back)) => {
                                    socket = Some(back.link);
                                    stream.resume_failed();
                                }
                            }
                        }
                        (_, s) => {
                            socket = s;
                            stream.resume_failed();
                        }
                    }
                }
                Output::Mam(iq) => {
                    let query = iq.payload.as_ref().and_then(router::MamQuery::from_element);
                    match (&bound, query) {
                        (Some((jid, _)), Some(q)) => {
                            let (results, fin) = router.mam_query(jid, &q);
                            stream.mam_answer(&iq, results, fin);
                        }
                        _ => stream.mam_answer(
                            &iq,
                            Vec::new(),
                            webchat_protocol::Element::new("fin", webchat_protocol::ns::MAM)
                                .with_attr("complete", "true"),
                        ),
                    }
                }
                Output::Drop => {
                    if let Some(s) = socket.take() {
                        close(s).await;
                    }
                }
                Output::End => {
                    if let Some(s) = socket.take() {
                        close(s).await;
                    }
                    break 'session;
                }
            }
        }
        if fed {
            if let Some(s) = &mut socket {
                if s.flush().await.is_err() {
                    socket = None;
                    if !stream.detach(Instant::now()) {
                        break 'session;
                    }
                    continue;
                }
            }
        }
        let deadline = tokio::time::Instant::from_std(stream.next_timeout());
        tokio::select! {
            msg = recv(&mut socket) => match msg {
                Incoming::Text(t) => stream.handle_frame(t.as_str(), Instant::now(), &*embedded.accounts),
                // RFC 7395 §3.2: XMPP frames are text; binary is a protocol error.
                Incoming::Binary => stream.stream_error("unsupported-encoding", Some("binary frames are not XMPP")),
                Incoming::Closed => {
                    socket = None;
                    if !stream.detach(Instant::now()) {
                        break 'session;
                    }
                }
            },
            Some(m) = rx.recv() => match m {
                ToClient::Stanza(el) => stream.deliver(el),
                ToClient::Replaced => stream.replaced(),
            },
            Some(h) = hrx.recv() => {
                match stream.resume(&h.user, h.h, Instant::now()) {
                    Ok(()) => {
                        // A transport still attached (the old socket, a BOSH session not yet
                        // timed out) is replaced by the one that resumed.
                        if let Some(old) = socket.replace(h.link) {
                            close(old).await;
                        }
                    }
                    Err(_) => {
                        // Refused: the new transport gets `<failed/>` and is closed; this
                        // session keeps waiting for its rightful owner.
                        let mut s = h.link;
                        let failed = "<failed xmlns=\"urn:xmpp:sm:3\"><item-not-found xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></failed>";
                        if s.feed(failed.to_owned()).await.is_ok() {
                            let _ = s.flush().await;
                        }
                        close(s).await;
                    }
                }
            },
            () = tokio::time::sleep_until(deadline) => stream.handle_timeout(Instant::now()),
            () = &mut stop => break 'session,
        }
    }
    if let Some(s) = socket.take() {
        close(s).await;
    }
    if let Some(id) = &resumable {
        router.remove_resumable(id);
    }
    if let Some((jid, conn)) = &bound {
        router.unbind(jid, *conn);
    }
}

/// Flushes what is queued and ends the transport.
async fn close(mut link: Link) {
    let _ = link.flush().await;
    link.close().await;
}
