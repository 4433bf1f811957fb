//! The agent console's WebSocket (`/agent/ws`) as the devserver tests drive it: JSON events in,
//! JSON commands out. It does not check the events; the tests do.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Opens the console of the server at `addr`.
pub async fn open(addr: SocketAddr) -> Ws {
    let url = format!("ws://{addr}/agent/ws");
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws
}

/// The next JSON event; panics after 5 s.
pub async fn next_event(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("event within 5 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// The next event of this type (others, such as `chats` after a change, are skipped).
pub async fn event_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let e = next_event(ws).await;
        if e["type"] == kind {
            return e;
        }
    }
}

/// Sends a JSON command.
pub async fn command(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}
