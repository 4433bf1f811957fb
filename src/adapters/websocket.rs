//! A browser WebSocket speaking the `xmpp` subprotocol (RFC 7395) through gloo-net: text frames
//! in and out, open and close reported as [`SocketEvent`]s.
//!
//! Frames sent before the socket is open wait in order and go out on `open`, so the caller can
//! write as soon as it has something to say. Dropping the socket closes it (at once, or after
//! [`Socket::linger_on_drop`]'s delay) and silences it: no event arrives after the drop. It
//! does not parse frames or reconnect.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use futures_sink::Sink;
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// What the socket reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketEvent {
    /// The connection is open.
    Open,
    /// A text frame arrived.
    Frame(String),
    /// The connection closed (after an error too); nothing follows.
    Closed {
        /// The close code (1006 when it broke).
        code: u16,
    },
}

/// Why the socket could not be created or written to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketError {
    /// The URL or subprotocol was refused (`SyntaxError`, CSP `connect-src`).
    Connect(String),
    /// `send` threw (the socket is closing or closed).
    Send(String),
}

impl fmt::Display for SocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketError::Connect(e) => write!(f, "cannot open the WebSocket: {e}"),
            SocketError::Send(e) => write!(f, "cannot send on the WebSocket: {e}"),
        }
    }
}

impl std::error::Error for SocketError {}

/// What the socket and its reader task share.
struct Shared {
    /// The socket; taken away by the drop, which ends the reader.
    ws: RefCell<Option<WebSocket>>,
    /// Frames written before `open`: `Some` until the socket is open.
    pending: RefCell<Option<Vec<String>>>,
    /// Whether the reader still waits for `open` (false once open, or closed before).
    opening: Cell<bool>,
    /// The reader task, woken when the drop takes the socket away.
    reader: RefCell<Option<Waker>>,
}

impl Shared {
    /// The next event, `None` once the socket is gone or its stream ended.
    fn poll_event(&self, cx: &mut Context<'_>) -> Poll<Option<SocketEvent>> {
        let mut slot = self.ws.borrow_mut();
        let Some(ws) = slot.as_mut() else {
            return Poll::Ready(None);
        };
        *self.reader.borrow_mut() = Some(cx.waker().clone());
        // gloo-net's sink is ready once the socket left `CONNECTING`.
        if self.opening.get() && Pin::new(&mut *ws).poll_ready(cx).is_ready() {
            self.opening.set(false);
            if matches!(ws.state(), State::Open) {
                let waiting = self.pending.borrow_mut().take().unwrap_or_default();
                for frame in waiting {
                    // A failing send here means the socket is already closing: `close` follows.
                    _ = Pin::new(&mut *ws).start_send(Message::Text(frame));
                }
                return Poll::Ready(Some(SocketEvent::Open));
            }
        }
        loop {
            return match Pin::new(&mut *ws).poll_next(cx) {
                Poll::Ready(Some(Ok(Message::Text(text)))) => {
                    Poll::Ready(Some(SocketEvent::Frame(text)))
                }
                Poll::Ready(Some(Err(WebSocketError::ConnectionClose(e)))) => {
                    Poll::Ready(Some(SocketEvent::Closed { code: e.code }))
                }
                // RFC 7395 frames are text; a binary frame is not ours to read. `error` is
                // always followed by `close`, which carries everything the caller needs.
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

/// An open (or opening) XMPP WebSocket.
pub struct Socket {
    shared: Rc<Shared>,
    /// Set once the XMPP stream was closed by both sides: how long the drop leaves the server
    /// to close the WebSocket itself.
    linger_ms: Cell<Option<i32>>,
}

impl Socket {
    /// The RFC 7395 subprotocol.
    pub const SUBPROTOCOL: &'static str = "xmpp";

    /// Connects to `url`; `on_event` receives every event, never from inside this call.
    pub fn connect(
        url: &str,
        mut on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Socket, SocketError> {
        let ws = WebSocket::open_with_protocol(url, Self::SUBPROTOCOL)
            .map_err(|e| SocketError::Connect(e.to_string()))?;
        let shared = Rc::new(Shared {
            ws: RefCell::new(Some(ws)),
            pending: RefCell::new(Some(Vec::new())),
            opening: Cell::new(true),
            reader: RefCell::new(None),
        });
        let reader = shared.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // The borrow of the socket ends before `on_event`, which may send or drop it.
            while let Some(event) = poll_fn(|cx| reader.poll_event(cx)).await {
                on_event(event);
            }
        });
        Ok(Socket {
            shared,
            linger_ms: Cell::new(None),
        })
    }

    /// Sends one text frame (queued until the socket is open).
    pub fn send(&self, frame: &str) -> Result<(), SocketError> {
        if let Some(waiting) = self.shared.pending.borrow_mut().as_mut() {
            waiting.push(frame.to_owned());
            return Ok(());
        }
        let mut slot = self.shared.ws.borrow_mut();
        let ws = slot
            .as_mut()
            .ok_or_else(|| SocketError::Send("the socket is closed".into()))?;
        Pin::new(ws)
            .start_send(Message::Text(frame.to_owned()))
            .map_err(|e| SocketError::Send(e.to_string()))
    }

    /// Called after the `<close/>` exchange: dropping the socket then leaves the server `ms` to
    /// close the WebSocket itself (RFC 7395 servers close right after their `<close/>`) and only
    /// closes it afterwards. Closing at the same instant as the server is allowed (RFC 6455), but
    /// ejabberd 23.01 then sometimes sends a second close frame, which browsers report as a
    /// console error ("Close received after close") on the host page.
    pub fn linger_on_drop(&self, ms: i32) {
        self.linger_ms.set(Some(ms));
    }
}

/// Drops (and so closes) `ws` in `ms`; `false` when no timer could be set.
fn close_later(ws: WebSocket, ms: i32) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let held = Rc::new(RefCell::new(Some(ws)));
    let release = held.clone();
    let callback = Closure::once_into_js(move || drop(release.borrow_mut().take()));
    let set =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    if set.is_err() {
        drop(held.borrow_mut().take());
    }
    set.is_ok()
}

impl Drop for Socket {
    fn drop(&mut self) {
        let ws = self.shared.ws.borrow_mut().take();
        // The reader sees the socket gone and ends, dropping the caller's callback.
        if let Some(reader) = self.shared.reader.borrow_mut().take() {
            reader.wake();
        }
        if let (Some(ws), Some(ms)) = (ws, self.linger_ms.get()) {
            if matches!(ws.state(), State::Open) {
                close_later(ws, ms);
            }
        }
        // Otherwise the socket was dropped above: gloo-net closes it.
    }
}
