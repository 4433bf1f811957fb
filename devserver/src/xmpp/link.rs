//! What carries one client stream's frames: a WebSocket (RFC 7395) or a BOSH session
//! (XEP-0206). The endpoint drives a [`super::stream::Stream`] over either the same way, and a
//! stream-managed session resumed over the other transport simply gets the new link.
//!
//! What it does not: parse XMPP (the stream does) or HTTP (the BOSH handler does; here a BOSH
//! link is the session's request queue and its connection-manager state).

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;

use super::http_bind::BoshLink;

/// One client transport.
pub enum Link {
    Ws(WebSocket),
    Bosh(BoshLink),
}

/// What arrived.
pub enum Incoming {
    /// One frame for the stream.
    Text(Utf8Bytes),
    /// A binary WebSocket message (not XMPP).
    Binary,
    /// The transport is gone (socket closed, BOSH session terminated or inactive).
    Closed,
}

/// The transport failed while sending.
#[derive(Debug)]
pub struct Gone;

impl Link {
    /// The next frame, or the end of the transport. Cancel-safe.
    pub async fn recv(&mut self) -> Incoming {
        match self {
            Link::Ws(ws) => loop {
                match ws.recv().await {
                    Some(Ok(Message::Text(t))) => return Incoming::Text(t),
                    Some(Ok(Message::Binary(_))) => return Incoming::Binary,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Incoming::Closed,
                    Some(Ok(_)) => {}
                }
            },
            Link::Bosh(b) => b.recv().await,
        }
    }

    /// Queues a frame; [`Link::flush`] sends what was queued.
    pub async fn feed(&mut self, frame: String) -> Result<(), Gone> {
        match self {
            Link::Ws(ws) => ws.feed(Message::Text(frame.into())).await.map_err(|_| Gone),
            Link::Bosh(b) => {
                b.feed(&frame);
                Ok(())
            }
        }
    }

    /// Sends the queued frames (one write on a socket, one answer on a BOSH request).
    pub async fn flush(&mut self) -> Result<(), Gone> {
        match self {
            Link::Ws(ws) => ws.flush().await.map_err(|_| Gone),
            Link::Bosh(b) => {
                b.flush();
                Ok(())
            }
        }
    }

    /// Ends the transport (after the stream's last frames were flushed).
    pub async fn close(self) {
        match self {
            Link::Ws(mut ws) => {
                let _ = ws.send(Message::Close(None)).await;
            }
            Link::Bosh(b) => b.terminate(),
        }
    }
}
