//! When WebSockets do not get through: BOSH takes over for the rest of the visit. A scripted
//! connection manager answers the session's HTTP requests.

use webchat::model::Phase;
use webchat::session::{HttpReply, Method};

use crate::sim::*;

const HTTPBIND: &str = "xmlns='http://jabber.org/protocol/httpbind'";

/// The connection manager's answer to the session creation request, with `payload`.
fn created(payload: &str) -> String {
    format!(
        "<body {HTTPBIND} xmlns:xmpp='urn:xmpp:xbosh' xmlns:stream='http://etherx.jabber.org/streams' sid='sid1' wait='60' hold='1' requests='2' inactivity='60' polling='2' ver='1.11' from='webchat.test' xmpp:version='1.0'>{payload}</body>"
    )
}

/// An answer carrying `payload`.
fn answer(payload: &str) -> String {
    format!("<body {HTTPBIND}>{payload}</body>")
}

impl Tab {
    /// Answers the oldest open BOSH request with `body`; returns that request.
    fn bosh(&mut self, body: &str) -> Post {
        let p = self.posts.pop_front().expect("an open BOSH request");
        self.now += 1;
        let now = self.now();
        self.s.handle_post_reply(
            p.socket,
            p.request,
            HttpReply::Response {
                status: 200,
                body: body.into(),
            },
            now,
        );
        self.drain();
        p
    }

    /// The oldest open BOSH request fails (a network error).
    fn bosh_fails(&mut self) -> Post {
        let p = self.posts.pop_front().expect("an open BOSH request");
        self.now += 1;
        let now = self.now();
        self.s.handle_post_reply(
            p.socket,
            p.request,
            HttpReply::Failed("offline".into()),
            now,
        );
        self.drain();
        p
    }

    /// The bodies of the open BOSH requests.
    fn open_bodies(&self) -> Vec<String> {
        self.posts.iter().map(|p| p.body.clone()).collect()
    }

    /// Plays a fresh BOSH login (SASL PLAIN, restart, bind, no stream management) from the
    /// creation request on; returns the bodies sent after the bind result.
    fn bosh_log_in(&mut self) -> Vec<String> {
        let create = self.posts.front().expect("the creation request").clone();
        assert_eq!(create.url, BOSH_URL);
        assert!(
            create.body.contains("to=\"webchat.test\""),
            "{}",
            create.body
        );
        assert!(
            create.body.contains("xmpp:version=\"1.0\""),
            "{}",
            create.body
        );
        self.bosh(&created(FEATURES_SASL));
        assert!(
            self.open_bodies()
                .iter()
                .any(|b| b.contains("mechanism=\"PLAIN\"")),
            "{:?}",
            self.open_bodies()
        );
        self.bosh(&answer(SUCCESS));
        assert!(
            self.open_bodies()
                .iter()
                .any(|b| b.contains("xmpp:restart=\"true\"")),
            "{:?}",
            self.open_bodies()
        );
        self.bosh(&answer(FEATURES_BIND));
        let bind = self.posts.front().expect("the bind request").body.clone();
        assert!(bind.contains("xmpp-bind"), "{bind}");
        let id = attr_of(&bind, "id");
        self.bosh(&answer(&format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"
        )));
        self.open_bodies()
    }

    /// Starts a chat with "hi" up to the credentials.
    fn credentials(&mut self) {
        self.say("hi");
        self.reply(Method::Post, "chatsessions", 201, SESSION);
        self.reply(Method::Post, "xmppcredentials", 201, CREDS);
    }
}

fn loaded_with_bosh(storage: &Storage) -> Tab {
    let mut t = Tab::open_with_bosh(storage);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    t
}

#[test]
fn a_refused_websocket_hands_the_chat_to_bosh_at_once_and_for_the_visit() {
    let storage = Storage::default();
    let mut t = loaded_with_bosh(&storage);
    t.credentials();
    assert_eq!(t.connects.len(), 1);
    assert_eq!(t.connects[0].1, WS_URL);
    let refused_at = t.now;
    t.drop_socket();
    let logs = t.take_logs();
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Warn: webchat: the WebSocket did not get through")),
        "{logs:?}"
    );
    assert_eq!(t.stored("transport").as_deref(), Some("bosh"));
    assert_eq!(t.posts.len(), 1, "the BOSH session is asked for at once");
    assert_eq!(
        t.now,
        refused_at + 1,
        "no backoff before BOSH (the input itself took 1 ms)"
    );
    assert_eq!(
        t.posts[0].timeout_ms, 70_000,
        "wait (60 s) plus the grace (10 s)"
    );

    let after_bind = t.bosh_log_in();
    let out = after_bind.join("");
    assert!(out.contains("<presence"), "{out}");
    assert!(
        out.contains("<body>hi</body>"),
        "the waiting message goes out: {out}"
    );
    assert_eq!(t.phase(), Phase::Chatting);
    assert_eq!(t.connects.len(), 1, "no second WebSocket");

    // The agent answers on the held request; the visitor sees it.
    let held = t.posts.len();
    assert!(held >= 1, "a request is kept waiting at the server");
    while t.posts.len() > 1 {
        t.bosh(&answer(""));
    }
    t.bosh(&answer(&format!(
        "<message xmlns='jabber:client' type='chat' id='m1' from='{AGENT}' to='v1@webchat.test/web'><body>hello over BOSH</body></message>"
    )));
    assert!(
        t.texts().contains(&"hello over BOSH".to_string()),
        "{:?}",
        t.texts()
    );

    // The next page of the visit does not try the WebSocket again.
    let storage = t.unload();
    let mut next = Tab::open_with_bosh(&storage);
    next.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    next.reply(Method::Get, "xmppcredentials/cr-1", 200, CREDS);
    assert!(next.connects.is_empty(), "{:?}", next.connects);
    assert_eq!(next.posts.len(), 1);
    assert_eq!(next.posts[0].url, BOSH_URL);
}

#[test]
fn a_websocket_that_brings_nothing_in_time_hands_over_too() {
    let mut t = loaded_with_bosh(&Storage::default());
    t.credentials();
    assert!(t.posts.is_empty());
    let opened_at = t.now;
    while t.posts.is_empty() {
        t.fire();
    }
    assert_eq!(t.now - opened_at, 6_000, "six seconds without a frame");
    assert!(
        t.closed.iter().any(|(s, _)| *s == t.connects[0].0),
        "the silent WebSocket is let go"
    );
    t.bosh_log_in();
    assert_eq!(t.phase(), Phase::Chatting);
}

#[test]
fn a_websocket_stream_that_opened_and_died_later_is_retried_on_the_websocket() {
    let mut t = loaded_with_bosh(&Storage::default());
    t.credentials();
    t.log_in(false);
    assert_eq!(t.phase(), Phase::Chatting);
    t.drop_socket();
    let waited = t.retry();
    assert!(
        waited >= 500,
        "an ordinary reconnect backs off ({waited} ms)"
    );
    assert_eq!(t.connects.len(), 2);
    assert_eq!(t.connects[1].1, WS_URL);
    assert!(t.posts.is_empty());
    assert_eq!(t.stored("transport"), None);
}

#[test]
fn without_a_bosh_url_a_refused_websocket_is_retried_as_before() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.credentials();
    t.drop_socket();
    assert!(t.posts.is_empty());
    assert!(!t.take_logs().iter().any(|l| l.contains("BOSH")));
    t.retry();
    assert_eq!(t.connects.len(), 2);
    assert_eq!(t.connects[1].1, WS_URL);
}

#[test]
fn a_lost_bosh_request_is_sent_again_with_the_same_body() {
    let mut t = loaded_with_bosh(&Storage::default());
    t.credentials();
    t.drop_socket();
    let first = t.bosh_fails();
    // The first retry goes at once.
    assert_eq!(t.posts.len(), 1, "{:?}", t.open_bodies());
    assert_eq!(t.posts[0].body, first.body, "the same rid, the same body");
    t.bosh_log_in();
    assert_eq!(t.phase(), Phase::Chatting);
    assert!(t.take_logs().iter().any(|l| l.contains("sending it again")));
}

/// A chat over BOSH, logged in, its one request held at the server sent just now.
fn chatting_over_bosh() -> Tab {
    let mut t = loaded_with_bosh(&Storage::default());
    t.credentials();
    t.drop_socket();
    t.bosh_log_in();
    while t.posts.len() > 1 {
        t.bosh(&answer(""));
    }
    t
}

/// The open requests end the session, and the agent hears `closed` first. They are there at
/// once, although the request held at the server went out just now: nothing follows a
/// terminate, so it does not wait for the order gap.
fn assert_terminated_now(t: &Tab) {
    let bodies = t.open_bodies().join("");
    assert!(bodies.contains("type=\"terminate\""), "{bodies}");
    assert!(
        bodies.contains("<closed"),
        "the agent hears `closed`: {bodies}"
    );
}

#[test]
fn a_reset_over_bosh_ends_the_chat_with_a_terminate_and_starts_afresh() {
    let mut t = chatting_over_bosh();
    let now = t.now();
    t.s.handle_reset(now);
    t.drain();
    assert_terminated_now(&t);
    assert_eq!(
        t.stored("transport"),
        None,
        "a reset forgets everything of the visitor"
    );
}

#[test]
fn a_shutdown_over_bosh_sends_the_terminate_at_once() {
    // A shut-down session sends nothing later: the terminate cannot wait.
    let mut t = chatting_over_bosh();
    let now = t.now();
    t.s.handle_shutdown(now);
    t.drain();
    assert_terminated_now(&t);
}
