//! The generic connection (used by the devserver's agents and by tests) on a simulated clock:
//! the edges of the stream life cycle that the visitor session tests do not reach.

use webchat_protocol::stanza::{IqType, Message};
use webchat_protocol::{CloseReason, Config, Connection, Event, Instant, Jid, Mechanism};

const OPEN_S: &str = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' version='1.0' from='internal.webchat.test'/>";
const CLOSE: &str = "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>";

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn drain(c: &mut Connection) -> Vec<String> {
    core::iter::from_fn(|| c.poll_transmit()).collect()
}

fn events(c: &mut Connection) -> Vec<Event> {
    core::iter::from_fn(|| c.poll_event()).collect()
}

/// An agent connection, PLAIN, no SM, ready.
fn ready() -> Connection {
    let mut cfg = Config::new("agent", "pw", "internal.webchat.test", "console", [2; 16]);
    cfg.mechanisms = vec![Mechanism::Plain];
    let mut c = Connection::new(cfg, t(0));
    for f in [
        OPEN_S,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
        OPEN_S,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
        "<iq xmlns='jabber:client' type='result' id='wc02020202-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>agent@internal.webchat.test/console</jid></bind></iq>",
    ] {
        c.handle_frame(f, t(1));
    }
    drain(&mut c);
    assert_eq!(
        events(&mut c),
        vec![
            Event::Authenticated(Mechanism::Plain),
            Event::Ready {
                jid: Jid::parse("agent@internal.webchat.test/console").unwrap(),
                resumed: false
            }
        ]
    );
    c
}

#[test]
fn stanzas_sent_before_ready_wait_for_the_session() {
    let mut cfg = Config::new("agent", "pw", "internal.webchat.test", "console", [2; 16]);
    cfg.mechanisms = vec![Mechanism::Plain];
    let mut c = Connection::new(cfg, t(0));
    let mut m = Message::chat(Jid::parse("v@webchat.test").unwrap());
    m.body = Some("early".into());
    c.send_stanza(m.to_element()).unwrap();
    assert_eq!(drain(&mut c).len(), 1, "only <open/> before the session");
    // A server ping during the handshake is answered at once.
    c.handle_frame(OPEN_S, t(1));
    c.handle_frame("<iq xmlns='jabber:client' type='get' id='hp' from='internal.webchat.test'><ping xmlns='urn:xmpp:ping'/></iq>", t(2));
    assert_eq!(
        drain(&mut c),
        vec![
            "<iq xmlns=\"jabber:client\" type=\"result\" id=\"hp\" to=\"internal.webchat.test\"/>"
        ]
    );
}

#[test]
fn server_close_is_answered_and_reported() {
    let mut c = ready();
    c.handle_frame("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://other.example/ws'/>", t(5));
    assert_eq!(drain(&mut c), vec![CLOSE]);
    assert_eq!(
        events(&mut c),
        vec![Event::Closed(CloseReason::ServerClosed {
            see_other_uri: Some("wss://other.example/ws".into())
        })]
    );
    assert!(c.send_stanza(Message::default().to_element()).is_err());
    // Nothing happens after the end.
    c.handle_frame("<r xmlns='urn:xmpp:sm:3'/>", t(6));
    c.handle_timeout(t(1_000_000));
    assert!(drain(&mut c).is_empty() && events(&mut c).is_empty());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn iq_responses_reach_the_caller_by_id_only() {
    let mut c = ready();
    let id = c
        .send_iq(IqType::Get, None, webchat_protocol::ping::Ping.to_element())
        .unwrap();
    drain(&mut c);
    c.handle_frame(
        "<iq xmlns='jabber:client' type='result' id='unknown'/>",
        t(5),
    );
    assert!(
        events(&mut c).is_empty(),
        "responses to ids we never sent are dropped"
    );
    c.handle_frame(&format!("<iq xmlns='jabber:client' type='error' id='{id}'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"), t(6));
    let ev = events(&mut c);
    assert!(
        matches!(&ev[..], [Event::IqResponse(iq)] if iq.id == id && iq.error.as_ref().unwrap().condition == "feature-not-implemented"),
        "{ev:?}"
    );
}

#[test]
fn handshake_that_stalls_times_out() {
    let mut c = Connection::new(Config::new("a", "p", "d", "r", [0; 16]), t(0));
    drain(&mut c);
    let first = c.poll_timeout().unwrap();
    c.handle_timeout(first);
    assert!(
        drain(&mut c).is_empty(),
        "nothing to ping before the session"
    );
    let second = c.poll_timeout().unwrap();
    assert!(second > first);
    c.handle_timeout(second);
    assert_eq!(events(&mut c), vec![Event::Closed(CloseReason::Timeout)]);
}

#[test]
fn missing_mechanism_and_bind_failures_are_typed() {
    let mut c = Connection::new(Config::new("a", "p", "d", "r", [0; 16]), t(0));
    c.handle_frame(OPEN_S, t(1));
    c.handle_frame("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism></mechanisms></stream:features>", t(2));
    assert_eq!(
        events(&mut c),
        vec![Event::Closed(CloseReason::Sasl(
            webchat_protocol::sasl::SaslError::NoMechanism
        ))]
    );

    let mut cfg = Config::new("a", "p", "d", "r", [0; 16]);
    cfg.mechanisms = vec![Mechanism::Plain];
    let mut c = Connection::new(cfg, t(0));
    for f in [
        OPEN_S,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
        OPEN_S,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
        "<iq xmlns='jabber:client' type='error' id='wc00000000-1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    ] {
        c.handle_frame(f, t(1));
    }
    let ev = events(&mut c);
    assert!(
        matches!(ev.last(), Some(Event::Closed(CloseReason::BindFailed(Some(e)))) if e.condition == "conflict"),
        "{ev:?}"
    );
}

#[test]
fn registration_conflict_is_typed() {
    let mut cfg = Config::new("taken", "p", "d", "r", [0; 16]);
    cfg.register = true;
    let mut c = Connection::new(cfg, t(0));
    c.handle_frame(OPEN_S, t(1));
    c.handle_frame("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>", t(2));
    c.handle_frame("<iq xmlns='jabber:client' type='error' id='wc00000000-1'><query xmlns='jabber:iq:register'/><error code='409' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>User already exists</text></error></iq>", t(3));
    let ev = events(&mut c);
    assert!(
        matches!(&ev[..], [Event::Closed(CloseReason::RegisterFailed(e))] if e.condition == "conflict"),
        "{ev:?}"
    );
}
