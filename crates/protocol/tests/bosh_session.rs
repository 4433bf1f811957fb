//! Whole visitor sessions over BOSH on a simulated clock: the unchanged [`Chat`] on a
//! [`bosh::Session`], against a scripted connection manager that behaves at the BOSH level the
//! way ejabberd and Prosody do (holds one request, answers the oldest held one when there is
//! data or a second one arrives, processes `rid`s in order, replays the cached answer of a
//! repeated `rid`), while each test scripts the XMPP server's frames. Faults are injected
//! between the two: requests that never arrive, answers that are lost, answers handed back
//! out of order, a network that stays down.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use webchat_protocol::bosh::{self, Body, Condition, RequestId};
use webchat_protocol::sasl::encode;
use webchat_protocol::{Chat, ChatConfig, ChatEvent, CloseReason, Config, Instant, Jid};

const AGENT: &str = "agent@internal.webchat.test";
const FEATURES_PRE: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const FEATURES_POST: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
const R: &str = "<r xmlns=\"urn:xmpp:sm:3\"/>";
/// What the scripted server records for a stream (re)start, which has no frame of its own.
const CREATED: &str = "[create to=webchat.test]";
const RESTARTED: &str = "[restart]";
const TERMINATED: &str = "[terminate]";

/// The connection manager.
#[derive(Default)]
struct Cm {
    sid: String,
    /// The next `rid` to process.
    expected: Option<u64>,
    /// Requests that arrived ahead of a missing one.
    early: BTreeMap<u64, (RequestId, Body)>,
    /// Requests waiting for data: (HTTP request, rid).
    held: VecDeque<(RequestId, u64)>,
    /// Answers already given, by rid (XEP-0124: a repeated rid gets the same answer).
    cache: BTreeMap<u64, String>,
    /// Server frames waiting for a held request.
    outbox: Vec<String>,
    /// The creation answer carries the session attributes.
    creating: bool,
    /// XMPP frames from the client, in processing order.
    got: Vec<String>,
    /// Every request body processed, in order.
    bodies: Vec<Body>,
    /// Answers ready for the client.
    answers: VecDeque<(RequestId, String)>,
}

impl Cm {
    fn receive(&mut self, id: RequestId, text: &str) {
        let body = Body::parse(text).expect("the client sends well-formed bodies");
        let rid = body.rid.expect("every request has a rid");
        if let Some(a) = self.cache.get(&rid) {
            self.answers.push_back((id, a.clone()));
            return;
        }
        if let Some(h) = self.held.iter_mut().find(|(_, r)| *r == rid) {
            // The same rid again while held (its first connection died): held on the new one.
            h.0 = id;
            return;
        }
        match self.expected {
            Some(e) if rid > e => {
                self.early.insert(rid, (id, body));
                return;
            }
            Some(e) => assert_eq!(rid, e, "rids in order, no gaps"),
            None => {}
        }
        self.process(id, body);
        while let Some(next) = self.expected.and_then(|e| self.early.remove(&e)) {
            self.process(next.0, next.1);
        }
        self.flush();
    }

    fn process(&mut self, id: RequestId, body: Body) {
        let rid = body.rid.unwrap_or_default();
        self.expected = Some(rid + 1);
        if body.sid.is_none() {
            self.sid = "bosh-sid-1".into();
            self.creating = true;
            self.got.push(format!(
                "[create to={}]",
                body.to.clone().unwrap_or_default()
            ));
        } else {
            assert_eq!(body.sid.as_deref(), Some(self.sid.as_str()));
            if body.restart {
                assert!(
                    body.payload.is_empty(),
                    "XEP-0206: a restart carries nothing"
                );
                self.got.push(RESTARTED.into());
            }
            self.got.extend(body.payload_frames());
        }
        let terminate = body.kind == bosh::body::Kind::Terminate;
        self.bodies.push(body);
        if terminate {
            self.got.push(TERMINATED.into());
            let answer = Body {
                kind: bosh::body::Kind::Terminate,
                ..Body::default()
            }
            .to_xml();
            self.cache.insert(rid, answer.clone());
            self.answers.push_back((id, answer));
            for (id, rid) in std::mem::take(&mut self.held) {
                self.answer(id, rid, Vec::new());
            }
            return;
        }
        self.held.push_back((id, rid));
        // hold = 1: a second request releases the first.
        while self.held.len() > 1 {
            let (id, rid) = self.held.pop_front().unwrap();
            let frames = std::mem::take(&mut self.outbox);
            self.answer(id, rid, frames);
        }
    }

    /// The XMPP server sends these frames.
    fn send(&mut self, frames: &[&str]) {
        self.outbox.extend(frames.iter().map(|f| f.to_string()));
        self.flush();
    }

    fn flush(&mut self) {
        if self.outbox.is_empty() {
            return;
        }
        if let Some((id, rid)) = self.held.pop_front() {
            let frames = std::mem::take(&mut self.outbox);
            self.answer(id, rid, frames);
        }
    }

    /// The `wait` timer of the held request: answered empty.
    fn expire_wait(&mut self) {
        if let Some((id, rid)) = self.held.pop_front() {
            self.answer(id, rid, Vec::new());
        }
    }

    fn answer(&mut self, id: RequestId, rid: u64, frames: Vec<String>) {
        let payload = frames
            .iter()
            .map(|f| webchat_protocol::xml::parse(f, "jabber:client").expect("script frames parse"))
            .collect();
        let mut body = Body {
            payload,
            ..Body::default()
        };
        if std::mem::take(&mut self.creating) {
            body.sid = Some(self.sid.clone());
            body.wait = Some(60);
            body.hold = Some(1);
            body.requests = Some(2);
            body.inactivity = Some(30);
            body.polling = Some(2);
            body.from = Some("webchat.test".into());
            body.authid = Some("stream-1".into());
            body.xmpp_version = Some("1.0".into());
        }
        let text = body.to_xml();
        self.cache.insert(rid, text.clone());
        self.answers.push_back((id, text));
    }

    fn take_got(&mut self) -> Vec<String> {
        std::mem::take(&mut self.got)
    }
}

/// What happens to HTTP between the client and the connection manager.
#[derive(Default)]
struct Net {
    /// The next N requests never arrive (the client sees a network error).
    drop_requests: usize,
    /// The next N answers are lost on the way back (the server did its part).
    lose_answers: usize,
    /// Answers are kept here instead of delivered, for a test to deliver in its own order.
    park_answers: bool,
    parked: Vec<(RequestId, String)>,
    /// Every request the client made, as (rid, body).
    requests: Vec<(u64, String)>,
    /// Largest number of requests open at once.
    most_open: usize,
    open: usize,
}

struct Sim {
    chat: Chat,
    bosh: bosh::Session,
    cm: Cm,
    net: Net,
    now: u64,
    events: Vec<ChatEvent>,
    bosh_events: Vec<bosh::Event>,
}

fn chat_config(entropy: u8) -> ChatConfig {
    ChatConfig {
        connection: Config::new(
            "v1@webchat.test",
            "pencil",
            "webchat.test",
            "web",
            [entropy; 16],
        ),
        agent: Jid::parse(AGENT).unwrap(),
        agent_nick: "agent1".into(),
    }
}

impl Sim {
    fn new(chat: Chat, entropy: u8) -> Sim {
        Sim {
            chat,
            // Requests reach this connection manager in the order they are sent: no gap
            // needed between them (the gap has its own test next to the session).
            bosh: bosh::Session::new(bosh::Config {
                order_gap: Duration::ZERO,
                ..bosh::Config::new([entropy; 8])
            }),
            cm: Cm::default(),
            net: Net::default(),
            now: 0,
            events: Vec::new(),
            bosh_events: Vec::new(),
        }
    }

    fn t(&self) -> Instant {
        Instant::from_millis(self.now)
    }

    /// Runs everything that can happen without the clock moving.
    fn step(&mut self) {
        loop {
            let now = self.t();
            self.bosh.pump(&mut self.chat, now);
            let mut moved = false;
            while let Some(r) = self.bosh.poll_request(now) {
                moved = true;
                self.net.requests.push((r.rid, r.body.clone()));
                if self.net.drop_requests > 0 {
                    self.net.drop_requests -= 1;
                    self.bosh.handle_failure(r.id, now);
                    continue;
                }
                self.net.open += 1;
                self.net.most_open = self.net.most_open.max(self.net.open);
                self.cm.receive(r.id, &r.body);
            }
            while let Some((id, text)) = self.cm.answers.pop_front() {
                moved = true;
                self.net.open = self.net.open.saturating_sub(1);
                if self.net.lose_answers > 0 {
                    self.net.lose_answers -= 1;
                    self.bosh.handle_failure(id, now);
                } else if self.net.park_answers {
                    self.net.parked.push((id, text));
                } else {
                    self.bosh.handle_response(id, 200, &text, now);
                }
            }
            self.bosh.pump(&mut self.chat, now);
            self.events
                .extend(core::iter::from_fn(|| self.chat.poll_event()));
            self.bosh_events
                .extend(core::iter::from_fn(|| self.bosh.poll_event()));
            if !moved {
                return;
            }
        }
    }

    /// The XMPP server sends frames; returns what the client sent back (XMPP frames).
    fn server(&mut self, frames: &[&str]) -> Vec<String> {
        self.now += 10;
        self.cm.send(frames);
        self.step();
        self.cm.take_got()
    }

    /// Moves the clock to the earliest timer of the chat or the session and fires both.
    fn advance_to_timeout(&mut self) {
        let t = [self.chat.poll_timeout(), self.bosh.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .expect("a timer is armed");
        self.now = self.now.max(t.as_millis());
        let now = self.t();
        self.chat.handle_timeout(now);
        self.bosh.handle_timeout(now);
        self.step();
    }

    fn events(&mut self) -> Vec<ChatEvent> {
        std::mem::take(&mut self.events)
    }
}

/// PLAIN, restart, bind, stream management, the three presences: a chat over BOSH.
fn connect() -> Sim {
    let mut s = Sim::new(Chat::new(chat_config(3), Instant::from_millis(0)), 5);
    s.step();
    assert_eq!(s.cm.take_got(), vec![CREATED]);
    let create = &s.cm.bodies[0];
    assert_eq!(
        (create.wait, create.hold, create.xmpp_version.as_deref()),
        (Some(60), Some(1), Some("1.0"))
    );
    assert_eq!(
        s.server(&[FEATURES_PRE]),
        vec![format!(
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">{}</auth>",
            encode(b"\0v1\0pencil")
        )]
    );
    assert_eq!(
        s.server(&["<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"]),
        vec![RESTARTED]
    );
    assert_eq!(
        s.server(&[FEATURES_POST]),
        vec!["<iq xmlns=\"jabber:client\" type=\"set\" id=\"wc03030303-1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>web</resource></bind></iq>"]
    );
    assert_eq!(
        s.server(&["<iq xmlns='jabber:client' type='result' id='wc03030303-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"]),
        vec!["<enable xmlns=\"urn:xmpp:sm:3\" resume=\"true\"/>"]
    );
    let presences = s.server(&["<enabled xmlns='urn:xmpp:sm:3' id='smid1' resume='true'/>"]);
    assert_eq!(presences.len(), 4, "{presences:?}");
    assert_eq!(presences[0], "<presence xmlns=\"jabber:client\"/>");
    assert_eq!(presences[1], R);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: false
        }]
    );
    assert_eq!(
        s.server(&["<a xmlns='urn:xmpp:sm:3' h='3'/>"]),
        Vec::<String>::new()
    );
    s
}

fn agent_msg(id: &str, body: &str) -> String {
    format!("<message xmlns='jabber:client' from='{AGENT}/console' to='v1@webchat.test/web' type='chat' id='{id}'><body>{body}</body></message>")
}

fn agent_bodies(events: &[ChatEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::AgentMessage { body, .. } => Some(body.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn whole_chat_over_bosh() {
    let mut s = connect();
    // The restart was its own request, with XEP-0206's attribute.
    assert!(s
        .cm
        .bodies
        .iter()
        .any(|b| b.restart && b.payload.is_empty()));
    // Agent → visitor.
    s.server(&[&agent_msg("m1", "Hello over HTTP")]);
    assert_eq!(agent_bodies(&s.events()), vec!["Hello over HTTP"]);
    // Visitor → agent, acknowledged (XEP-0198 over BOSH).
    let now = s.t();
    let id = s.chat.send_message("hi <there>", now).unwrap();
    s.step();
    let got = s.cm.take_got();
    assert!(got[0].contains("<body>hi &lt;there&gt;</body>"), "{got:?}");
    assert_eq!(got[1], R);
    s.server(&["<a xmlns='urn:xmpp:sm:3' h='4'/>"]);
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id)]);
    // The server asks for an ack: answered with what we handled.
    assert_eq!(
        s.server(&["<r xmlns='urn:xmpp:sm:3'/>"]),
        vec!["<a xmlns=\"urn:xmpp:sm:3\" h=\"1\"/>"]
    );
    // An idle minute: the held request comes back empty after `wait` and is replaced.
    let before = s.net.requests.len();
    s.cm.expire_wait();
    s.step();
    assert_eq!(s.net.requests.len(), before + 1, "a new request is held");
    // The visitor ends the chat: `closed`, the ack and the terminate in one body.
    let now = s.t();
    s.chat.close(now);
    s.step();
    let got = s.cm.take_got();
    assert!(got[0].contains("<closed xmlns=\"http://jabber.org/protocol/chatstates\"/>"));
    assert_eq!(got.last().map(String::as_str), Some(TERMINATED));
    assert_eq!(s.events(), vec![ChatEvent::Closed]);
    assert_eq!(s.bosh_events.last(), Some(&bosh::Event::Ended(Ok(()))));
    assert!(
        s.net.most_open <= 2,
        "at most `requests` open: {}",
        s.net.most_open
    );
    // rids count up by one, starting from the entropy.
    let rids: Vec<u64> = s.net.requests.iter().map(|(r, _)| *r).collect();
    assert_eq!(rids[0], u64::from_le_bytes([5; 8]) & ((1 << 52) - 1));
    assert!(rids.windows(2).all(|w| w[1] == w[0] + 1), "{rids:?}");
}

#[test]
fn a_lost_request_is_sent_again_with_the_same_rid_and_nothing_is_doubled() {
    let mut s = connect();
    // The visitor's message never reaches the server: the same request goes again.
    s.net.drop_requests = 1;
    let now = s.t();
    let id = s.chat.send_message("first try", now).unwrap();
    s.step();
    let sent: Vec<&(u64, String)> = s
        .net
        .requests
        .iter()
        .filter(|(_, b)| b.contains("first try"))
        .collect();
    assert_eq!(sent.len(), 2, "sent, lost, sent again");
    assert_eq!(sent[0], sent[1], "same rid, same body");
    let got = s.cm.take_got();
    assert_eq!(
        got.iter().filter(|f| f.contains("first try")).count(),
        1,
        "the server got it once: {got:?}"
    );
    assert!(matches!(
        s.bosh_events.last(),
        Some(bosh::Event::Retrying {
            attempt: 1,
            cause: bosh::Failure::Network,
            ..
        })
    ));
    s.server(&["<a xmlns='urn:xmpp:sm:3' h='4'/>"]);
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id)]);

    // The answer carrying an agent message is lost: the request goes again and the server
    // answers it from its cache.
    s.net.lose_answers = 1;
    s.server(&[&agent_msg("m2", "said once")]);
    assert_eq!(agent_bodies(&s.events()), vec!["said once"]);
    // A second copy of the same message (a redelivery) is not shown twice either.
    s.server(&[&agent_msg("m2", "said once")]);
    assert!(agent_bodies(&s.events()).is_empty());
}

#[test]
fn out_of_order_answers_reach_the_chat_in_order() {
    let mut s = connect();
    s.net.park_answers = true;
    s.cm.send(&[&agent_msg("a", "A")]);
    s.step();
    // The session still waits for that answer; a message from the visitor opens a second one.
    let now = s.t();
    s.chat.send_message("meanwhile", now).unwrap();
    s.step();
    s.cm.send(&[&agent_msg("b", "B")]);
    s.step();
    let mut parked = std::mem::take(&mut s.net.parked);
    assert_eq!(parked.len(), 2);
    parked.reverse();
    s.net.park_answers = false;
    let (second, first) = (parked.remove(0), parked.remove(0));
    s.bosh.handle_response(second.0, 200, &second.1, s.t());
    s.step();
    assert!(agent_bodies(&s.events()).is_empty(), "B waits for A");
    s.bosh.handle_response(first.0, 200, &first.1, s.t());
    s.step();
    assert_eq!(agent_bodies(&s.events()), vec!["A", "B"]);
}

#[test]
fn a_silent_server_is_caught_by_the_request_deadline() {
    let mut s = connect();
    // The held request's answer never comes (a middlebox ate it): after wait + grace the
    // request goes again, and the server answers the repeat from what it holds.
    s.net.park_answers = true;
    s.cm.send(&[&agent_msg("late", "after a silence")]);
    s.step();
    s.net.parked.clear();
    s.net.park_answers = false;
    // The chat's keepalive (30 s) comes first: its `<r/>` goes in a second request, whose
    // answer overtakes the lost one.
    let t0 = s.now;
    s.advance_to_timeout();
    assert_eq!(s.now - t0, 30_000);
    assert_eq!(s.cm.take_got(), vec![R]);
    s.server(&["<a xmlns='urn:xmpp:sm:3' h='3'/>"]);
    assert!(
        agent_bodies(&s.events).is_empty(),
        "in rid order: the lost one first"
    );
    // The grace period (10 s) later the lost one goes again, before the chat's own check
    // (20 s after its `<r/>`) would give up; the server answers it from its cache.
    s.advance_to_timeout();
    assert_eq!(s.now - t0, 40_010);
    assert!(s.bosh_events.iter().any(|e| matches!(
        e,
        bosh::Event::Retrying {
            cause: bosh::Failure::Timeout,
            ..
        }
    )));
    assert!(s
        .events
        .iter()
        .all(|e| !matches!(e, ChatEvent::Disconnected(_))));
    assert_eq!(agent_bodies(&s.events()), vec!["after a silence"]);
}

#[test]
fn a_network_that_stays_down_ends_the_session_clearly() {
    let mut s = connect();
    s.net.drop_requests = usize::MAX;
    let now = s.t();
    s.chat.send_message("into the void", now).unwrap();
    s.step();
    for _ in 0..10 {
        if s.bosh.is_ended() {
            break;
        }
        s.advance_to_timeout();
    }
    let ended = s
        .bosh_events
        .iter()
        .find_map(|e| match e {
            bosh::Event::Ended(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the session ended");
    assert!(
        matches!(
            ended,
            Err(bosh::Error::Failed {
                attempts: 5,
                last: bosh::Failure::Network,
                ..
            })
        ),
        "{ended:?}"
    );
    // The chat sees its transport close and can reconnect; the message is kept for that.
    assert!(s
        .events()
        .contains(&ChatEvent::Disconnected(CloseReason::TransportClosed)));
    let saved = s.chat.resume_state().unwrap();
    assert!(saved.unacked.iter().any(|f| f.contains("into the void")));
}

#[test]
fn stream_management_resumes_on_a_new_bosh_session() {
    let mut s = connect();
    s.server(&[&agent_msg("m1", "before")]);
    s.events();
    // The server loses the BOSH session (inactivity, a restart) while a message is in flight:
    // the request carrying it is answered with item-not-found.
    let now = s.t();
    let id = s.chat.send_message("in flight", now).unwrap();
    s.step();
    assert!(s.cm.take_got()[0].contains("in flight"));
    let held = s.cm.held.pop_front().unwrap();
    s.bosh.handle_response(
        held.0,
        200,
        "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>",
        s.t(),
    );
    s.step();
    assert!(s
        .bosh_events
        .contains(&bosh::Event::Ended(Err(bosh::Error::Terminated(
            Condition::ItemNotFound
        )))));
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::TransportClosed)]
    );
    // A new BOSH session and the same chat, as after a new WebSocket.
    let mut cfg = chat_config(7).connection;
    cfg.entropy = [7; 16];
    let now = s.t();
    s.chat.reconnect(cfg, now).unwrap();
    s.bosh = bosh::Session::new(bosh::Config::new([6; 8]));
    s.cm = Cm::default();
    s.step();
    assert_eq!(s.cm.take_got(), vec![CREATED]);
    s.server(&[FEATURES_PRE]);
    s.server(&["<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"]);
    assert_eq!(
        s.server(&[FEATURES_POST]),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    let out = s.server(&["<resumed xmlns='urn:xmpp:sm:3' previd='smid1' h='3'/>"]);
    assert!(out[0].contains("<body>in flight</body>"), "{out:?}");
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: true
        }]
    );
    s.server(&["<a xmlns='urn:xmpp:sm:3' h='4'/>"]);
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id)]);
}

#[test]
fn archive_over_bosh() {
    let mut s = connect();
    let now = s.t();
    assert!(s.chat.fetch_history(10, now));
    s.step();
    let q = s.cm.take_got();
    assert!(
        q[0].contains("<query xmlns=\"urn:xmpp:mam:2\" queryid=\"wc03030303-2\""),
        "{q:?}"
    );
    let result = |id: &str, from: &str, body: &str| {
        format!("<message xmlns='jabber:client' to='v1@webchat.test/web'><result xmlns='urn:xmpp:mam:2' queryid='wc03030303-2' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-22T05:00:00Z'/><message xmlns='jabber:client' from='{from}' to='v1@webchat.test' type='chat'><body>{body}</body></message></forwarded></result></message>")
    };
    // The whole page in one answer, as a server that had it ready sends it.
    let r1 = result("A1", "agent@internal.webchat.test/console", "earlier");
    let r2 = result("A2", "v1@webchat.test/web", "mine");
    s.server(&[
        &r1,
        &r2,
        "<iq xmlns='jabber:client' type='result' id='wc03030303-3'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first>A1</first><last>A2</last></set></fin></iq>",
    ]);
    let ev = s.events();
    let [ChatEvent::History { messages, complete }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert!(complete);
    assert_eq!(
        messages
            .iter()
            .map(|m| (m.from_agent, m.body.as_str()))
            .collect::<Vec<_>>(),
        vec![(true, "earlier"), (false, "mine")]
    );
}

#[test]
fn a_stream_error_over_bosh_reaches_the_chat() {
    let mut s = connect();
    let held = s.cm.held.pop_front().unwrap();
    s.bosh.handle_response(held.0, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='remote-stream-error' xmlns:stream='http://etherx.jabber.org/streams'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error></body>", s.t());
    s.step();
    let ev = s.events();
    assert!(
        matches!(&ev[..], [ChatEvent::Disconnected(CloseReason::StreamError(e))] if e.condition == "conflict"),
        "{ev:?}"
    );
}
