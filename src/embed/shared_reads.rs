//! GETs shared while in flight: when two parts of the widget ask for the same resource at the
//! same moment (the controller and the visibility rules both read the campaign at start), the
//! API sees one request and both get its reply.
//!
//! Only `GET`s without extra headers, and only while one is in flight: a later read goes to the network again (the
//! visibility rules poll for fresh availability). Writes and WebSockets pass straight through.
//! It knows nothing of what it carries.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::adapters::fetch::{FetchError, Method, RequestHeaders};
use crate::adapters::websocket::{SocketError, SocketEvent};
use crate::controller::transport::{Link, LocalFuture, Transport};

type Reply = Result<(u16, String), FetchError>;

/// One read in flight: its reply once there, and who waits for it.
#[derive(Default)]
struct Slot {
    reply: Option<Reply>,
    waiting: Vec<Waker>,
}

/// A [`Transport`] that shares concurrent identical `GET`s of the one it wraps.
pub struct SharedReads {
    inner: Rc<dyn Transport>,
    in_flight: Rc<RefCell<HashMap<String, Rc<RefCell<Slot>>>>>,
}

impl SharedReads {
    /// Wraps `inner`.
    pub fn new(inner: Rc<dyn Transport>) -> SharedReads {
        SharedReads {
            inner,
            in_flight: Rc::default(),
        }
    }
}

/// Waits for a shared read's reply.
struct Waiting(Rc<RefCell<Slot>>);

impl Future for Waiting {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
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

impl Transport for SharedReads {
    fn request(
        &self,
        method: Method,
        path: &str,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> LocalFuture<Reply> {
        // A read with proofs is one caller's own: never shared.
        if method != Method::Get || !headers.is_empty() {
            return self.inner.request(method, path, headers, body);
        }
        if let Some(slot) = self.in_flight.borrow().get(path) {
            return Box::pin(Waiting(slot.clone()));
        }
        let slot = Rc::new(RefCell::new(Slot::default()));
        self.in_flight
            .borrow_mut()
            .insert(path.to_owned(), slot.clone());
        // Driven on its own, not by the first caller's future: a caller that stops waiting
        // (a reset) must not leave the others waiting forever.
        let request = self.inner.request(method, path, headers, body);
        let (in_flight, key, shared) = (self.in_flight.clone(), path.to_owned(), slot.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let reply = request.await;
            in_flight.borrow_mut().remove(&key);
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

    fn post_xml(&self, url: &str, body: String, timeout_ms: u64) -> LocalFuture<Reply> {
        self.inner.post_xml(url, body, timeout_ms)
    }

    fn connect(
        &self,
        url: &str,
        on_event: Box<dyn FnMut(SocketEvent)>,
    ) -> Result<Box<dyn Link>, SocketError> {
        self.inner.connect(url, on_event)
    }
}
