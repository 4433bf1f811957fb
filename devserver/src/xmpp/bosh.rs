//! The connection-manager side of one BOSH session (XEP-0124 with XEP-0206), sans-IO: request
//! bodies in, RFC 7395 frames out to the same [`super::stream::Stream`] the WebSocket feeds,
//! and the stream's frames back out as answers to the requests it holds.
//!
//! What it does, the way ejabberd's and Prosody's `mod_bosh` behave toward a client: the
//! creation answer carries `sid`, `wait` (the client's, at most [`MAX_WAIT`]), `hold` (at most
//! 1), `requests` (`hold + 1`), `inactivity`, `polling`, `authid` and `xmpp:version`;
//! requests are processed in `rid` order (one arriving ahead of a missing one waits for it,
//! one outside the window ends the session with `item-not-found`); a repeated `rid` gets the
//! answer it already got, from a cache of the last `requests` answers; at most `hold`
//! requests are kept, the oldest answered first, empty when `wait` runs out; the stream's
//! frames wait for the next request when none is held; `xmpp:restart` restarts the stream;
//! `type='terminate'` from either side ends the session (the client's terminate request is
//! answered only with the terminate, carrying whatever the stream said last) (a stream error travels as
//! `condition='remote-stream-error'`); no request held for `inactivity` ends it too.
//! The responder type `R` is whatever the endpoint answers an HTTP request with.
//! What it does not: HTTP (see [`super::http_bind`]), XMPP (the stream does), pauses,
//! acknowledgements or key sequences (no client of ours uses them).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use webchat_protocol::bosh::body::{Body, Condition, Kind};
use webchat_protocol::xml::{self, Element};
use webchat_protocol::{framing, ns};

/// The longest a request is held, whatever the client asks (Prosody's default).
pub const MAX_WAIT: Duration = Duration::from_secs(120);
/// What the creation answer says about polling (ejabberd's value; not enforced).
const POLLING: u32 = 2;

/// What a session is granted.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A session with no request held this long is over.
    pub inactivity: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            inactivity: Duration::from_secs(60),
        }
    }
}

/// Why a creation request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No `rid`, or no usable `wait`.
    BadRequest,
    /// No `to`.
    ImproperAddressing,
}

impl Refused {
    /// The terminate body to answer with.
    pub fn answer(&self) -> String {
        terminate(Some(match self {
            Refused::BadRequest => Condition::BadRequest,
            Refused::ImproperAddressing => Condition::ImproperAddressing,
        }))
    }
}

/// A `type='terminate'` body with an optional condition.
pub fn terminate(condition: Option<Condition>) -> String {
    Body {
        kind: Kind::Terminate,
        condition,
        ..Body::default()
    }
    .to_xml()
}

/// One BOSH session.
pub struct Session<R> {
    sid: String,
    host: String,
    wait: Duration,
    hold: usize,
    requests: u64,
    limits: Limits,
    /// The next rid to process.
    expected: u64,
    /// Requests that came ahead of a missing one.
    early: BTreeMap<u64, (Body, R)>,
    /// Requests waiting for something to say: (rid, responder, since).
    held: VecDeque<(u64, R, Instant)>,
    /// The last answers, for repeated rids.
    cache: VecDeque<(u64, String)>,
    /// Stream frames waiting for a request.
    outbox: Vec<Element>,
    /// A stream error among them: the session ends with it.
    stream_error: bool,
    /// Frames for the stream.
    to_stream: VecDeque<String>,
    /// Answers to give.
    replies: VecDeque<(R, String)>,
    /// The next answer is the creation answer.
    creating: bool,
    stream_id: Option<String>,
    /// No request held since then.
    idle_since: Option<Instant>,
    /// The client's terminate request: answered only with the terminate.
    terminate_rid: Option<u64>,
    ended: bool,
}

impl<R> Session<R> {
    /// A session from its creation request (which it holds). `to` must be a served domain
    /// (the endpoint checks; an unknown one gets the stream's `host-unknown`).
    pub fn create(
        sid: &str,
        body: &Body,
        responder: R,
        limits: Limits,
        now: Instant,
    ) -> Result<Session<R>, (Refused, R)> {
        let Some(rid) = body.rid else {
            return Err((Refused::BadRequest, responder));
        };
        let Some(to) = body.to.clone().filter(|t| !t.is_empty()) else {
            return Err((Refused::ImproperAddressing, responder));
        };
        let Some(wait) = body.wait else {
            return Err((Refused::BadRequest, responder));
        };
        let hold = body.hold.unwrap_or(1).min(1) as usize;
        let mut s = Session {
            sid: sid.to_owned(),
            host: to.clone(),
            wait: Duration::from_secs(wait.into()).min(MAX_WAIT),
            hold,
            requests: hold as u64 + 1,
            limits,
            expected: rid + 1,
            early: BTreeMap::new(),
            held: VecDeque::new(),
            cache: VecDeque::new(),
            outbox: Vec::new(),
            stream_error: false,
            to_stream: VecDeque::new(),
            replies: VecDeque::new(),
            creating: true,
            stream_id: None,
            idle_since: None,
            terminate_rid: None,
            ended: false,
        };
        let open = Element::new("open", ns::FRAMING)
            .with_attr("to", &to)
            .with_attr("version", "1.0")
            .to_xml();
        s.to_stream.push_back(open);
        s.held.push_back((rid, responder, now));
        Ok(s)
    }

    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// Whether the session is over (its answers may still be waiting in [`Session::poll_reply`]).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// A request of this session.
    pub fn handle_request(&mut self, body: Body, responder: R, now: Instant) {
        self.request(body, responder, now);
        self.flush(now);
    }

    fn request(&mut self, body: Body, responder: R, now: Instant) {
        if self.ended {
            self.replies
                .push_back((responder, terminate(Some(Condition::ItemNotFound))));
            return;
        }
        let Some(rid) = body.rid else {
            self.replies
                .push_back((responder, terminate(Some(Condition::BadRequest))));
            return;
        };
        if let Some((_, a)) = self.cache.iter().find(|(r, _)| *r == rid) {
            let a = a.clone();
            self.replies.push_back((responder, a));
            return;
        }
        if let Some(h) = self.held.iter_mut().find(|(r, _, _)| *r == rid) {
            // Sent again while held (its first connection died): held on the new one.
            h.1 = responder;
            return;
        }
        if rid < self.expected || rid >= self.expected + self.requests {
            // An answer no longer cached, or beyond the window: nothing can make up for it.
            self.replies
                .push_back((responder, terminate(Some(Condition::ItemNotFound))));
            return self.end(Some(Condition::ItemNotFound));
        }
        if rid > self.expected {
            self.early.insert(rid, (body, responder));
            return;
        }
        self.process(body, responder, now);
        while let Some((b, r)) = self.early.remove(&self.expected) {
            self.process(b, r, now);
        }
    }

    fn process(&mut self, body: Body, responder: R, now: Instant) {
        let rid = self.expected;
        self.expected += 1;
        if body.restart {
            let open = Element::new("open", ns::FRAMING)
                .with_attr("to", &self.host)
                .with_attr("version", "1.0")
                .to_xml();
            self.to_stream.push_back(open);
        }
        self.to_stream.extend(body.payload_frames());
        if body.kind == Kind::Terminate {
            self.to_stream.push_back(framing::CLOSE.to_owned());
            self.terminate_rid = Some(rid);
        }
        self.hold_request(rid, responder, now);
    }

    fn hold_request(&mut self, rid: u64, responder: R, now: Instant) {
        let at = self.held.partition_point(|(r, _, _)| *r < rid);
        self.held.insert(at, (rid, responder, now));
    }

    /// A frame from the stream.
    pub fn send_frame(&mut self, frame: &str) {
        if self.ended {
            return;
        }
        let Ok(el) = xml::parse(frame, ns::CLIENT) else {
            return;
        };
        if el.is("open", ns::FRAMING) {
            // XEP-0206 has no stream header on the wire; its id is the creation's `authid`.
            if self.stream_id.is_none() {
                self.stream_id = el.attr("id").map(str::to_owned);
            }
        } else if el.is("close", ns::FRAMING) {
            let condition = self.stream_error.then_some(Condition::RemoteStreamError);
            self.end(condition);
        } else {
            if el.is("error", ns::STREAMS) {
                self.stream_error = true;
            }
            self.outbox.push(el);
        }
    }

    /// Answers what can be answered now: the stream's frames on the oldest held request,
    /// requests beyond `hold` with what there is.
    pub fn flush(&mut self, now: Instant) {
        if self.ended {
            return;
        }
        while let Some((rid, _, _)) = self.held.front() {
            // The terminate request waits for the stream's end and carries what is left then.
            if Some(*rid) == self.terminate_rid
                || (self.outbox.is_empty() && self.held.len() <= self.hold)
            {
                break;
            }
            let payload = std::mem::take(&mut self.outbox);
            self.answer_oldest(payload, Kind::Normal, None);
        }
        self.settle(now);
    }

    /// Starts or stops the inactivity clock: it runs while no request is held.
    fn settle(&mut self, now: Instant) {
        if self.held.is_empty() {
            self.idle_since.get_or_insert(now);
        } else {
            self.idle_since = None;
        }
    }

    /// Ends the session: every held request gets the terminate, with what the stream still had
    /// to say on the oldest.
    pub fn end(&mut self, condition: Option<Condition>) {
        if self.ended {
            return;
        }
        let mut payload = std::mem::take(&mut self.outbox);
        if self.held.is_empty() {
            // Nobody to tell: the next request learns it from `item-not-found`.
            payload.clear();
        }
        while !self.held.is_empty() {
            self.answer_oldest(
                std::mem::take(&mut payload),
                Kind::Terminate,
                condition.clone(),
            );
        }
        for (_, (_, r)) in std::mem::take(&mut self.early) {
            self.replies
                .push_back((r, terminate(Some(Condition::ItemNotFound))));
        }
        self.ended = true;
    }

    fn answer_oldest(&mut self, payload: Vec<Element>, kind: Kind, condition: Option<Condition>) {
        let Some((rid, responder, _)) = self.held.pop_front() else {
            return;
        };
        let mut body = Body {
            kind,
            condition,
            payload,
            ..Body::default()
        };
        if std::mem::take(&mut self.creating) {
            body.sid = Some(self.sid.clone());
            body.wait = Some(self.wait.as_secs() as u32);
            body.hold = Some(self.hold as u32);
            body.requests = Some(self.requests as u32);
            body.inactivity = Some(self.limits.inactivity.as_secs() as u32);
            body.polling = Some(POLLING);
            body.ver = Some("1.6".to_owned());
            body.from = Some(self.host.clone());
            body.authid = self.stream_id.clone();
            body.xmpp_version = Some("1.0".to_owned());
        }
        let text = body.to_xml();
        self.cache.push_back((rid, text.clone()));
        while self.cache.len() as u64 > self.requests {
            self.cache.pop_front();
        }
        self.replies.push_back((responder, text));
    }

    /// The next frame for the stream.
    pub fn poll_frame(&mut self) -> Option<String> {
        self.to_stream.pop_front()
    }

    /// The next HTTP answer to give.
    pub fn poll_reply(&mut self) -> Option<(R, String)> {
        self.replies.pop_front()
    }

    /// When [`Session::handle_timeout`] must run.
    pub fn next_timeout(&self) -> Option<Instant> {
        if self.ended {
            return None;
        }
        match self.held.front() {
            Some((_, _, since)) => Some(*since + self.wait),
            None => self.idle_since.map(|t| t + self.limits.inactivity),
        }
    }

    /// Held requests whose `wait` ran out are answered empty; a session idle past its
    /// inactivity ends (like a WebSocket that closed).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ended {
            return;
        }
        while self
            .held
            .front()
            .is_some_and(|(_, _, since)| now >= *since + self.wait)
        {
            let payload = std::mem::take(&mut self.outbox);
            self.answer_oldest(payload, Kind::Normal, None);
        }
        self.settle(now);
        if self
            .idle_since
            .is_some_and(|since| now >= since + self.limits.inactivity)
        {
            self.end(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Responders are plain numbers here; the endpoint uses oneshot senders.
    type S = Session<u32>;

    fn t0() -> Instant {
        Instant::now()
    }

    fn req(rid: u64, payload: &str) -> Body {
        Body::parse(&format!(
            "<body xmlns='http://jabber.org/protocol/httpbind' sid='s1' rid='{rid}'>{payload}</body>"
        ))
        .unwrap()
    }

    fn create(now: Instant) -> S {
        let body = Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='100' to='webchat.test' wait='600' hold='1' ver='1.6' xmpp:version='1.0'/>").unwrap();
        let mut s = Session::create("s1", &body, 0, Limits::default(), now)
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!(
            frames(&mut s),
            vec!["<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>"]
        );
        s
    }

    fn frames(s: &mut S) -> Vec<String> {
        core::iter::from_fn(|| s.poll_frame()).collect()
    }

    fn replies(s: &mut S) -> Vec<(u32, Body)> {
        core::iter::from_fn(|| s.poll_reply())
            .map(|(r, text)| (r, Body::parse(&text).expect("answers are bodies")))
            .collect()
    }

    const MSG: &str = "<message xmlns=\"jabber:client\" to=\"a@b\"><body>hi</body></message>";

    #[test]
    fn creation_answer_carries_the_session_and_the_stream_features() {
        let now = t0();
        let mut s = create(now);
        s.send_frame("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" from=\"webchat.test\" id=\"str1\" version=\"1.0\"/>");
        s.send_frame("<features xmlns=\"http://etherx.jabber.org/streams\"><register xmlns=\"http://jabber.org/features/iq-register\"/></features>");
        s.flush(now);
        let r = replies(&mut s);
        assert_eq!(r.len(), 1);
        let (who, b) = &r[0];
        assert_eq!(*who, 0);
        assert_eq!(b.sid.as_deref(), Some("s1"));
        assert_eq!(
            (b.wait, b.hold, b.requests, b.inactivity, b.polling),
            (Some(120), Some(1), Some(2), Some(60), Some(2)),
            "wait capped at 120 s"
        );
        assert_eq!(b.authid.as_deref(), Some("str1"));
        assert_eq!(b.xmpp_version.as_deref(), Some("1.0"));
        assert_eq!(b.from.as_deref(), Some("webchat.test"));
        assert!(b.payload[0].is("features", webchat_protocol::ns::STREAMS));
        // The next answers are plain.
        s.handle_request(req(101, ""), 1, now);
        s.send_frame(MSG);
        s.flush(now);
        let r = replies(&mut s);
        assert_eq!(r[0].1.sid, None);
        assert_eq!(r[0].1.payload.len(), 1);
    }

    #[test]
    fn one_request_is_held_and_a_second_releases_the_first() {
        let now = t0();
        let mut s = create(now);
        s.send_frame("<features xmlns=\"http://etherx.jabber.org/streams\"/>");
        s.flush(now);
        replies(&mut s);
        s.handle_request(req(101, ""), 1, now);
        assert!(replies(&mut s).is_empty(), "held");
        s.handle_request(req(102, MSG), 2, now);
        assert_eq!(frames(&mut s), vec![MSG]);
        let r = replies(&mut s);
        assert_eq!((r.len(), r[0].0), (1, 1), "the older one answered, empty");
        assert!(r[0].1.payload.is_empty());
        // The stream speaks: on the held one.
        s.send_frame(MSG);
        s.flush(now);
        let r = replies(&mut s);
        assert_eq!((r[0].0, r[0].1.payload.len()), (2, 1));
        // Nothing held: the stream's frames wait for the next request.
        s.send_frame(MSG);
        s.send_frame(MSG);
        s.flush(now);
        assert!(replies(&mut s).is_empty());
        s.handle_request(req(103, ""), 3, now);
        let r = replies(&mut s);
        assert_eq!((r[0].0, r[0].1.payload.len()), (3, 2));
    }

    #[test]
    fn requests_are_processed_in_rid_order_and_repeats_get_the_same_answer() {
        let now = t0();
        let mut s = create(now);
        s.send_frame("<features xmlns=\"http://etherx.jabber.org/streams\"/>");
        s.flush(now);
        let creation = replies(&mut s).remove(0).1;
        // 102 before 101: it waits.
        let second = "<message xmlns=\"jabber:client\" to=\"a@b\"><body>2</body></message>";
        s.handle_request(req(102, second), 2, now);
        assert!(frames(&mut s).is_empty());
        s.handle_request(req(101, MSG), 1, now);
        assert_eq!(frames(&mut s), vec![MSG.to_owned(), second.to_owned()]);
        // 101 was answered (released by 102): a repeat of it gets that answer again, and a
        // repeat of the creation too.
        let first = replies(&mut s);
        assert_eq!(first[0].0, 1);
        s.handle_request(req(101, MSG), 11, now);
        let again = replies(&mut s);
        assert_eq!((again[0].0, &again[0].1), (11, &first[0].1));
        assert!(frames(&mut s).is_empty(), "not processed twice");
        s.handle_request(req(100, ""), 10, now);
        assert_eq!(replies(&mut s)[0].1, creation);
        // A repeat of the held one moves it to the new connection.
        s.handle_request(req(102, second), 12, now);
        s.send_frame(MSG);
        s.flush(now);
        assert_eq!(replies(&mut s)[0].0, 12);
    }

    #[test]
    fn a_rid_out_of_the_window_ends_the_session() {
        let now = t0();
        let mut s = create(now);
        s.handle_request(req(103, ""), 3, now);
        let r = replies(&mut s);
        assert_eq!(
            r.len(),
            2,
            "the stray request and the held creation request"
        );
        for (_, b) in &r {
            assert_eq!(
                (b.kind, &b.condition),
                (Kind::Terminate, &Some(Condition::ItemNotFound))
            );
        }
        assert!(s.is_ended());
        s.handle_request(req(101, ""), 4, now);
        assert_eq!(
            replies(&mut s)[0].1.condition,
            Some(Condition::ItemNotFound)
        );
    }

    #[test]
    fn wait_runs_out_and_inactivity_ends_the_session() {
        let now = t0();
        let mut s = create(now);
        s.send_frame("<features xmlns=\"http://etherx.jabber.org/streams\"/>");
        s.flush(now);
        replies(&mut s);
        s.handle_request(req(101, ""), 1, now);
        assert_eq!(s.next_timeout(), Some(now + MAX_WAIT));
        s.handle_timeout(now + MAX_WAIT);
        let r = replies(&mut s);
        assert_eq!((r[0].0, r[0].1.kind), (1, Kind::Normal));
        // Nothing held from then on: 60 s later the session is over.
        assert_eq!(
            s.next_timeout(),
            Some(now + MAX_WAIT + Duration::from_secs(60))
        );
        s.handle_timeout(now + MAX_WAIT + Duration::from_secs(59));
        assert!(!s.is_ended());
        s.handle_timeout(now + MAX_WAIT + Duration::from_secs(60));
        assert!(s.is_ended());
    }

    #[test]
    fn terminate_and_restart_reach_the_stream_and_stream_errors_end_the_session() {
        let now = t0();
        let mut s = create(now);
        s.send_frame("<features xmlns=\"http://etherx.jabber.org/streams\"/>");
        s.flush(now);
        replies(&mut s);
        let restart = Body::parse("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' sid='s1' rid='101' to='webchat.test' xmpp:restart='true'/>").unwrap();
        s.handle_request(restart, 1, now);
        assert_eq!(
            frames(&mut s),
            vec!["<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>"]
        );
        let mut term = req(102, MSG);
        term.kind = Kind::Terminate;
        s.handle_request(term, 2, now);
        assert_eq!(
            frames(&mut s),
            vec![MSG.to_owned(), webchat_protocol::framing::CLOSE.to_owned()]
        );
        // The stream answers the last stanzas before closing: that waits for the terminate.
        s.send_frame("<a xmlns=\"urn:xmpp:sm:3\" h=\"3\"/>");
        s.flush(now);
        let r = replies(&mut s);
        assert_eq!(r.len(), 1, "only the restart request, released");
        assert_eq!(r[0].0, 1);
        // The stream closes: the terminate request gets `type='terminate'` with the ack.
        s.send_frame(webchat_protocol::framing::CLOSE);
        let r = replies(&mut s);
        assert_eq!(
            r.iter()
                .map(|(w, b)| (*w, b.kind, b.condition.clone(), b.payload.len()))
                .collect::<Vec<_>>(),
            vec![(2, Kind::Terminate, None, 1)]
        );
        assert!(s.is_ended());

        // A stream error travels in the terminate, as remote-stream-error.
        let mut s = create(now);
        s.send_frame("<error xmlns=\"http://etherx.jabber.org/streams\"><conflict xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></error>");
        s.send_frame(webchat_protocol::framing::CLOSE);
        let r = replies(&mut s);
        assert_eq!(r[0].1.condition, Some(Condition::RemoteStreamError));
        assert!(r[0].1.payload[0].is("error", webchat_protocol::ns::STREAMS));
    }

    #[test]
    fn creation_needs_rid_to_and_wait() {
        let now = t0();
        for (text, want) in [
            (
                "<body xmlns='http://jabber.org/protocol/httpbind' to='d' wait='60'/>",
                Refused::BadRequest,
            ),
            (
                "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' wait='60'/>",
                Refused::ImproperAddressing,
            ),
            (
                "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='d'/>",
                Refused::BadRequest,
            ),
        ] {
            let body = Body::parse(text).unwrap();
            let got = Session::create("s", &body, 0u32, Limits::default(), now)
                .err()
                .map(|(e, _)| e);
            assert_eq!(got, Some(want), "{text}");
        }
        assert!(Refused::ImproperAddressing
            .answer()
            .contains("condition=\"improper-addressing\""));
    }
}
