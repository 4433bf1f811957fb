//! Everything that crosses the session core's boundary, as plain data: the time and randomness
//! it is given, the HTTP requests and socket operations it asks for, the view updates, host
//! events, storage writes, tab messages and log lines it produces.
//!
//! The core fills the [`Outputs`] queues; the browser driver (and the native tests) drain them
//! with the `poll_*` methods of [`Session`](super::Session). Nothing here performs I/O.

use std::collections::VecDeque;

use super::small_map::SmallMap;

use webchat_protocol::api::Campaign;
use webchat_protocol::Instant;

use super::saved::SavedEntry;
use super::tabs::TabMessage;
use super::view::{
    CobrowseState, MessageId, MessageStatus, OfflineState, Phase, PrechatState, SurveyState,
    TranscriptOffer,
};
use crate::events::HostEvent;

/// The time of an input: the monotonic clock (timers, the XMPP core) and the wall clock
/// (message times, in ms since the Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time; only differences matter.
    pub at: Instant,
    /// Wall-clock time in ms since the Unix epoch.
    pub wall_ms: u64,
}

/// Where the core's randomness comes from (message and visitor ids, SASL nonces, backoff
/// jitter). The browser fills it from `crypto.getRandomValues`; tests from a counter.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// Helpers over any [`Random`].
pub(crate) trait RandomExt {
    /// `bytes` random bytes as lowercase hex.
    fn hex(&mut self, bytes: usize) -> String;
    /// Sixteen random bytes (the XMPP core's entropy).
    fn seed(&mut self) -> [u8; 16];
    /// A number in `[0, 1)`.
    fn fraction(&mut self) -> f64;
}

impl<R: Random + ?Sized> RandomExt for R {
    fn hex(&mut self, bytes: usize) -> String {
        let mut b = vec![0u8; bytes];
        self.fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
    fn seed(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        b
    }
    fn fraction(&mut self) -> f64 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
    }
}

/// HTTP methods the Public API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// Names one request until its reply comes back through
/// [`Session::handle_reply`](super::Session::handle_reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Headers a request carries besides the token, e.g. the proofs that the caller is a chat's
/// visitor (`X-Chat-Secret`) or a signed user (`X-User-Signature`).
pub type RequestHeaders = Vec<(&'static str, String)>;

/// A Public API request, as data: the driver adds the base URL and the API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// Its id.
    pub id: RequestId,
    /// The method.
    pub method: Method,
    /// The path under the API base URL (path segments already percent-encoded).
    pub path: String,
    /// Extra headers.
    pub headers: RequestHeaders,
    /// A JSON body.
    pub body: Option<String>,
}

/// What came back for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpReply {
    /// A response (any status).
    Response {
        /// The HTTP status.
        status: u16,
        /// The body text.
        body: String,
    },
    /// No response at all (offline, DNS, CORS): why, for the console.
    Failed(String),
}

/// Names one link to the XMPP server the core asked for: a WebSocket, or a BOSH session whose
/// HTTP requests it sends with [`Transmit::Post`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(pub u64);

/// What to do with the links to the XMPP server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// Open a WebSocket (subprotocol `xmpp`) to `url`. If that fails at once, report it as
    /// closed.
    Connect {
        /// The socket's id from now on.
        socket: SocketId,
        /// The URL.
        url: String,
    },
    /// Send one text frame.
    Frame {
        /// On which socket.
        socket: SocketId,
        /// The frame.
        text: String,
    },
    /// A BOSH request of link `socket`: `POST` `body` to `url` with
    /// `Content-Type: text/xml; charset=utf-8`, abort it after `timeout_ms`, and give the answer
    /// (or the failure) back with [`Session::handle_post_reply`](super::Session::handle_post_reply).
    Post {
        /// The link it belongs to.
        socket: SocketId,
        /// Give this back with the answer.
        request: u64,
        /// The BOSH URL.
        url: String,
        /// The `<body/>`.
        body: String,
        /// Abort after this long.
        timeout_ms: u64,
    },
    /// Forget the link: no event of it is wanted any more (a BOSH link's open requests are
    /// aborted).
    Close {
        /// Which socket.
        socket: SocketId,
        /// Both sides closed the XMPP stream: leave the server a moment to close the
        /// WebSocket first.
        linger: bool,
    },
}

/// One change of what the widget shows, for the view model to apply.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewUpdate {
    /// The campaign's look (colour, language, survey and co-browsing texts).
    Campaign(Box<Campaign>),
    /// The campaign cannot be used: hide the widget for good.
    Unavailable,
    /// The phase changed.
    Phase(Phase),
    /// Open or close the window (a restored page had it open).
    Window(bool),
    /// Replace the conversation (a reload).
    Restore(Vec<SavedEntry>),
    /// Bring the conversation in line with this one (the tab holding the chat has it): rows
    /// already shown stay.
    Sync(Vec<SavedEntry>),
    /// A new row at the end. An agent message counts as unread while the window is closed.
    Append(SavedEntry),
    /// A visitor message's delivery state.
    Status(MessageId, MessageStatus),
    /// Earlier chats before everything shown (already marked as earlier, never shown before).
    Prepend(Vec<SavedEntry>),
    /// Empty the conversation; with `unread`, also forget the unread count.
    Clear {
        /// Forget the unread count too.
        unread: bool,
    },
    /// The agent's name in the header.
    AgentName(Option<String>),
    /// The agent is typing.
    AgentTyping(bool),
    /// The survey.
    Survey(SurveyState),
    /// The co-browsing prompt.
    Cobrowse(CobrowseState),
    /// The form before the chat.
    Prechat(PrechatState),
    /// The offline form.
    Offline(OfflineState),
    /// The transcript offer after the chat.
    Transcript(TranscriptOffer),
}

/// One write to the widget's storage (keys without the `webchat:` prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Save {
    /// Set `key` to `value`.
    Set {
        /// The key.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// Remove `key`.
    Remove(&'static str),
    /// Remove every key of the widget.
    ClearAll,
}

/// What the storage held when it was read (keys without the prefix).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored(pub SmallMap<String, String>);

impl Stored {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Applies a write (the core keeps what it wrote, so it need not read it back).
    pub fn apply(&mut self, save: &Save) {
        match save {
            Save::Set { key, value } => {
                self.0.insert((*key).to_owned(), value.clone());
            }
            Save::Remove(key) => {
                self.0.remove(*key);
            }
            Save::ClearAll => self.0.clear(),
        }
    }
}

/// How loud a console line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `console.error`: the widget cannot do what it should.
    Error,
    /// `console.warn`: something failed and is being handled.
    Warn,
    /// `console.info`.
    Info,
}

/// One console line (always starting with `webchat: `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// How loud.
    pub level: Level,
    /// The text.
    pub message: String,
}

/// The core's output queues (except view updates, which the conversation keeps).
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    pub requests: VecDeque<HttpRequest>,
    pub transmits: VecDeque<Transmit>,
    pub events: VecDeque<HostEvent>,
    pub saves: VecDeque<Save>,
    pub tabs: VecDeque<TabMessage>,
    pub logs: VecDeque<Log>,
    /// The core wants the storage read ([`Session::handle_storage_loaded`](super::Session::handle_storage_loaded)).
    pub wants_storage: bool,
    next_request: u64,
    next_socket: u64,
}

impl Outputs {
    /// Queues a request; returns its id.
    pub fn request(
        &mut self,
        method: Method,
        path: String,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.requests.push_back(HttpRequest {
            id,
            method,
            path,
            headers,
            body,
        });
        id
    }

    /// Queues a new socket; returns its id.
    pub fn connect(&mut self, url: &str) -> SocketId {
        let socket = self.link_id();
        self.transmits.push_back(Transmit::Connect {
            socket,
            url: url.to_owned(),
        });
        socket
    }

    /// A new link id (a BOSH link has no socket to open: its requests say where they go).
    pub fn link_id(&mut self) -> SocketId {
        self.next_socket += 1;
        SocketId(self.next_socket)
    }

    pub fn log(&mut self, level: Level, message: impl Into<String>) {
        self.logs.push_back(Log {
            level,
            message: message.into(),
        });
    }
}

/// Percent-encodes a URL path segment the way `encodeURIComponent` does: ids are opaque and
/// never trusted to be safe in a path.
pub fn encode_path(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_like_encode_uri_component() {
        assert_eq!(encode_path("camp1"), "camp1");
        assert_eq!(
            encode_path("user:email:john@x.example"),
            "user%3Aemail%3Ajohn%40x.example"
        );
        assert_eq!(encode_path("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(encode_path("ü-_.!~*'()"), "%C3%BC-_.!~*'()");
    }

    struct Counter(u8);
    impl Random for Counter {
        fn fill(&mut self, buf: &mut [u8]) {
            for b in buf {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
        }
    }

    #[test]
    fn random_helpers() {
        let mut r = Counter(0);
        assert_eq!(r.hex(3), "010203");
        assert_eq!(r.seed()[0], 4);
        let f = Counter(0).fraction();
        assert!((0.0..1.0).contains(&f));
    }
}
