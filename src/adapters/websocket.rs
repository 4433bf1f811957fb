//! A browser WebSocket speaking the `xmpp` subprotocol (RFC 7395): text frames in and out,
//! open/close/error reported as [`SocketEvent`]s, an explicit [`Socket::close`].
//!
//! Frames sent before the socket is open wait in order and go out on `open`, so the caller can
//! write as soon as it has something to say. Dropping the socket detaches the handlers and
//! closes it: no event arrives after the drop. It does not parse frames or reconnect.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::describe;

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

type Handlers = (
    Closure<dyn FnMut()>,
    Closure<dyn FnMut(MessageEvent)>,
    Closure<dyn FnMut(CloseEvent)>,
);

/// An open (or opening) XMPP WebSocket.
pub struct Socket {
    ws: WebSocket,
    pending: Rc<RefCell<Option<Vec<String>>>>,
    _handlers: Handlers,
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
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Socket, SocketError> {
        let ws = WebSocket::new_with_str(url, Self::SUBPROTOCOL)
            .map_err(|e| SocketError::Connect(describe(&e)))?;
        let on_event = Rc::new(RefCell::new(on_event));
        // Frames written before `open`: `Some` until the socket is open.
        let pending: Rc<RefCell<Option<Vec<String>>>> = Rc::new(RefCell::new(Some(Vec::new())));

        let on_open = {
            let (ws, pending, on_event) = (ws.clone(), pending.clone(), on_event.clone());
            Closure::<dyn FnMut()>::new(move || {
                let waiting = pending.borrow_mut().take().unwrap_or_default();
                for frame in waiting {
                    // A failing send here means the socket is already closing: `close` follows.
                    _ = ws.send_with_str(&frame);
                }
                (on_event.borrow_mut())(SocketEvent::Open);
            })
        };
        let on_message = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                // RFC 7395 frames are text; a binary frame is not ours to read.
                if let Some(text) = e.data().as_string() {
                    (on_event.borrow_mut())(SocketEvent::Frame(text));
                }
            })
        };
        let on_close = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
                (on_event.borrow_mut())(SocketEvent::Closed { code: e.code() });
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // `error` is always followed by `close`, which carries everything the caller needs.
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            pending,
            _handlers: (on_open, on_message, on_close),
            linger_ms: Cell::new(None),
        })
    }

    /// Sends one text frame (queued until the socket is open).
    pub fn send(&self, frame: &str) -> Result<(), SocketError> {
        if let Some(waiting) = self.pending.borrow_mut().as_mut() {
            waiting.push(frame.to_owned());
            return Ok(());
        }
        self.ws
            .send_with_str(frame)
            .map_err(|e| SocketError::Send(describe(&e)))
    }

    /// Closes the connection normally (1000). Events still arrive until the drop.
    pub fn close(&self) {
        _ = self.ws.close_with_code(1000);
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

/// `ws.close(1000)` in `ms`, by a timer holding the bound JS method (no Rust closure to leak).
fn close_later(ws: &WebSocket, ms: i32) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(close) = js_sys::Reflect::get(ws, &JsValue::from_str("close")) else {
        return false;
    };
    let Ok(close) = close.dyn_into::<js_sys::Function>() else {
        return false;
    };
    let bound: js_sys::Function = close.bind1(ws, &JsValue::from(1000)).unchecked_into();
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(&bound, ms)
        .is_ok()
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let later = self.linger_ms.get().is_some_and(|ms| {
            self.ws.ready_state() == WebSocket::OPEN && close_later(&self.ws, ms)
        });
        if !later {
            _ = self.ws.close_with_code(1000);
        }
    }
}
