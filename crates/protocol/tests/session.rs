//! Whole visitor sessions on a simulated clock against a scripted server, asserting every
//! frame the client sends and every event it reports (quinn-proto's `Pair` idea, with the
//! server side written out as a script). SCRAM is checked by the crate's independent
//! server-side verifier.

use webchat_protocol::sasl::scram::Hash;
use webchat_protocol::sasl::server::{Credentials, ScramServer};
use webchat_protocol::sasl::{decode, encode};
use webchat_protocol::{
    Chat, ChatConfig, ChatEvent, ChatState, CloseReason, Config, Instant, Jid, Mechanism,
};

const OPEN_C: &str =
    "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"webchat.test\" version=\"1.0\"/>";
const OPEN_S: &str = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='ab12' version='1.0' xml:lang='en' from='webchat.test'/>";
const FEATURES_PRE: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><register xmlns='http://jabber.org/features/iq-register'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms></stream:features>";
const FEATURES_POST: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session><sm xmlns='urn:xmpp:sm:2'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
const R: &str = "<r xmlns=\"urn:xmpp:sm:3\"/>";
const AGENT: &str = "agent@internal.webchat.test";
const CLOSE: &str = "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>";

fn entropy() -> [u8; 16] {
    core::array::from_fn(|i| i as u8)
}

fn config() -> ChatConfig {
    ChatConfig {
        connection: Config::new(
            "v1@webchat.test",
            "pencil",
            "webchat.test",
            "web",
            entropy(),
        ),
        agent: Jid::parse(AGENT).unwrap(),
        agent_nick: "agent1".into(),
    }
}

/// The chat plus a simulated clock.
struct Sim {
    chat: Chat,
    now: u64,
}

impl Sim {
    fn new(cfg: ChatConfig) -> Sim {
        Sim {
            chat: Chat::new(cfg, Instant::from_millis(0)),
            now: 0,
        }
    }

    fn sent(&mut self) -> Vec<String> {
        core::iter::from_fn(|| self.chat.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<ChatEvent> {
        core::iter::from_fn(|| self.chat.poll_event()).collect()
    }

    /// Feeds a server frame 10 ms later; returns what the client sent in answer.
    fn recv(&mut self, frame: &str) -> Vec<String> {
        self.now += 10;
        self.chat
            .handle_frame(frame, Instant::from_millis(self.now));
        self.sent()
    }

    fn advance_to_timeout(&mut self) -> Vec<String> {
        let t = self.chat.poll_timeout().expect("a timer is armed");
        self.now = t.as_millis();
        self.chat.handle_timeout(t);
        self.sent()
    }
}

fn ids(n: u32) -> String {
    format!("wc0c0d0e0f-{n}")
}

/// Runs open → SCRAM-SHA-1 → restart → bind → sm enable; returns the sim after the presences.
fn connect() -> Sim {
    let mut s = Sim::new(config());
    assert_eq!(s.sent(), vec![OPEN_C]);
    assert!(s.recv(OPEN_S).is_empty());
    let auth = s.recv(FEATURES_PRE);
    // SASL authcid is the LOCAL part of the configured `v1@webchat.test`; SCRAM-SHA-1 beats PLAIN.
    let client_first = "n,,n=v1,r=AAECAwQFBgcICQoLDA0ODw";
    assert_eq!(
        auth,
        vec![format!(
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"SCRAM-SHA-1\">{}</auth>",
            encode(client_first.as_bytes())
        )]
    );
    let mut server = ScramServer::new(Hash::Sha1);
    assert_eq!(
        server.handle_client_first(client_first.as_bytes()).unwrap(),
        "v1"
    );
    let creds = Credentials::from_password(Hash::Sha1, "pencil", b"0123456789abcdef", 4096);
    let server_first = server.server_first(&creds, "SERVERNONCE").unwrap();
    let resp = s.recv(&format!(
        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
        encode(&server_first)
    ));
    assert_eq!(resp.len(), 1);
    let b64 = resp[0]
        .strip_prefix("<response xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">")
        .and_then(|r| r.strip_suffix("</response>"))
        .expect("a SASL response");
    let server_final = server
        .handle_client_final(&decode(b64).unwrap())
        .expect("client proof verifies");
    assert_eq!(
        s.recv(&format!(
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</success>",
            encode(&server_final)
        )),
        vec![OPEN_C]
    );
    assert!(s.recv(OPEN_S).is_empty());
    assert_eq!(
        s.recv(FEATURES_POST),
        vec![format!("<iq xmlns=\"jabber:client\" type=\"set\" id=\"{}\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>web</resource></bind></iq>", ids(1))]
    );
    assert_eq!(
        s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>", ids(1))),
        vec!["<enable xmlns=\"urn:xmpp:sm:3\" resume=\"true\"/>"]
    );
    assert!(s.events().is_empty());
    assert_eq!(
        s.recv("<enabled xmlns='urn:xmpp:sm:3' id='smid1' resume='true' max='300'/>"),
        vec![
            "<presence xmlns=\"jabber:client\"/>".to_string(),
            R.into(),
            format!("<presence xmlns=\"jabber:client\" to=\"{AGENT}\" type=\"subscribe\"/>"),
            format!("<presence xmlns=\"jabber:client\" to=\"{AGENT}\"><show>chat</show><status>available</status></presence>"),
        ]
    );
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: false
        }]
    );
    s
}

fn agent_msg(extra_attrs: &str, children: &str) -> String {
    format!("<message xmlns='jabber:client' from='{AGENT}/console' to='v1@webchat.test/web' type='chat'{extra_attrs}>{children}</message>")
}

#[test]
fn whole_visitor_session() {
    let mut s = connect();
    // Server acks the three presences.
    assert!(s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>").is_empty());
    // Roster push from our own bare JID: result.
    assert_eq!(
        s.recv("<iq xmlns='jabber:client' to='v1@webchat.test/web' from='v1@webchat.test' type='set' id='push1'><query xmlns='jabber:iq:roster'><item subscription='none' jid='agent@internal.webchat.test' ask='subscribe'/></query></iq>"),
        vec!["<iq xmlns=\"jabber:client\" type=\"result\" id=\"push1\" to=\"v1@webchat.test\"/>", R]
    );
    // ejabberd echoes our own presence: ignored.
    assert!(s
        .recv(
            "<presence xmlns='jabber:client' from='v1@webchat.test/web' to='v1@webchat.test/web'/>"
        )
        .is_empty());
    // Prosody: unavailable from the agent's bare JID before its real presence: no event.
    assert!(s
        .recv(&format!(
            "<presence xmlns='jabber:client' from='{AGENT}' type='unavailable'/>"
        ))
        .is_empty());
    assert!(s.events().is_empty());
    // The agent subscribes: subscribed + active.
    assert_eq!(
        s.recv(&format!("<presence xmlns='jabber:client' from='{AGENT}' type='subscribe'/>")),
        vec![
            format!("<presence xmlns=\"jabber:client\" to=\"{AGENT}\" type=\"subscribed\"/>"),
            format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\"><active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"),
        ]
    );
    assert!(s.recv(&format!("<presence xmlns='jabber:client' from='{AGENT}/console'><show>chat</show><status>available</status></presence>")).is_empty());
    assert!(s.events().is_empty());
    // The answer covers what was sent before our `<r/>`; the rest is asked for at once (not at
    // the next keepalive), so the last message of a burst is confirmed promptly.
    assert_eq!(
        s.recv("<a xmlns='urn:xmpp:sm:3' h='5'/>"),
        vec![R.to_string()]
    );
    assert!(s.recv("<a xmlns='urn:xmpp:sm:3' h='6'/>").is_empty());

    // Typing, then a message (ejabberd shape: no uid, stanza-id by our bare JID).
    s.recv(&agent_msg("", "<composing xmlns='http://jabber.org/protocol/chatstates'/><nick xmlns='http://jabber.org/protocol/nick'>agent3</nick>"));
    assert_eq!(s.events(), vec![ChatEvent::AgentTyping(true)]);
    let hello = agent_msg(
        " id='m1'",
        "<archived by='v1@webchat.test' xmlns='urn:xmpp:mam:tmp' id='1700'/><stanza-id by='v1@webchat.test' xmlns='urn:xmpp:sid:0' id='1700'/><nick xmlns='http://jabber.org/protocol/nick'>agent3</nick><active xmlns='http://jabber.org/protocol/chatstates'/><body>hello &lt;b&gt;</body>",
    );
    s.recv(&hello);
    assert_eq!(
        s.events(),
        vec![
            ChatEvent::AgentTyping(false),
            ChatEvent::AgentMessage {
                id: "1700".into(),
                nick: "agent3".into(),
                body: "hello <b>".into(),
                stamp: None,
            }
        ]
    );
    // The same message again (e.g. resent after a resume): de-duplicated.
    s.recv(&hello);
    assert!(s.events().is_empty());
    // Seed shape with uid (Prosody keeps it).
    s.recv(&agent_msg(
        " uid='abab-1' agent_id='X'",
        "<body>second</body><active xmlns='http://jabber.org/protocol/chatstates'/>",
    ));
    assert_eq!(
        s.events(),
        vec![ChatEvent::AgentMessage {
            id: "abab-1".into(),
            nick: "agent1".into(),
            body: "second".into(),
            stamp: None,
        }]
    );

    // Server ping: answered to the sender with the same id.
    assert_eq!(
        s.recv("<iq xmlns='jabber:client' from='webchat.test' to='v1@webchat.test/web' type='get' id='s2c1'><ping xmlns='urn:xmpp:ping'/></iq>"),
        vec!["<iq xmlns=\"jabber:client\" type=\"result\" id=\"s2c1\" to=\"webchat.test\"/>", R]
    );
    // Unknown iq get: service-unavailable.
    assert_eq!(
        s.recv("<iq xmlns='jabber:client' from='x@webchat.test/y' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"),
        vec!["<iq xmlns=\"jabber:client\" type=\"error\" id=\"v1\" to=\"x@webchat.test/y\"><error type=\"cancel\"><service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"]
    );
    // A roster push from a stranger is refused.
    assert_eq!(
        s.recv("<iq xmlns='jabber:client' from='evil@webchat.test' type='set' id='p2'><query xmlns='jabber:iq:roster'/></iq>"),
        vec!["<iq xmlns=\"jabber:client\" type=\"error\" id=\"p2\" to=\"evil@webchat.test\"><error type=\"cancel\"><service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"]
    );
    // Inbound stanzas so far: roster, own presence, unavailable, subscribe, available,
    // composing, hello, hello, second, ping, version, roster = 12.
    assert_eq!(
        s.recv("<r xmlns='urn:xmpp:sm:3'/>"),
        vec!["<a xmlns=\"urn:xmpp:sm:3\" h=\"12\"/>"]
    );

    // Outgoing: composing, then a message with text that needs escaping.
    s.chat
        .set_chat_state(ChatState::Composing, Instant::from_millis(s.now));
    s.chat
        .set_chat_state(ChatState::Composing, Instant::from_millis(s.now)); // not repeated
    assert_eq!(
        s.sent(),
        vec![format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\"><composing xmlns=\"http://jabber.org/protocol/chatstates\"/></message>")]
    );
    let id = s
        .chat
        .send_message("1 < 2 & \"quotes\"", Instant::from_millis(s.now))
        .unwrap();
    assert_eq!(id, ids(2));
    assert_eq!(
        s.sent(),
        vec![format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\" id=\"{id}\"><body>1 &lt; 2 &amp; \"quotes\"</body><active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>")]
    );
    // Outbound stanzas: 3 presences, roster result, subscribed, active, pong, 2 errors, composing, message = 11.
    s.recv("<a xmlns='urn:xmpp:sm:3' h='11'/>");
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id)]);

    // Agent goes away and comes back (ejabberd: status child only).
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console' type='unavailable'/>"
    ));
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console' type='unavailable'/>"
    ));
    s.recv(&format!("<presence xmlns='jabber:client' from='{AGENT}/console'><status>available</status></presence>"));
    assert_eq!(
        s.events(),
        vec![ChatEvent::AgentUnavailable, ChatEvent::AgentAvailable]
    );

    // Transfer (seed shape): never the raw body; the new nick is used from now on.
    s.recv(&agent_msg(
        " uid='52a4'",
        "<body>visitor_forward_message</body><nick xmlns='http://jabber.org/protocol/nick'>agent3</nick><internal xmlns='http://cobrowser.io/protocol/chatsession#forward'><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>pedro7</nickname><firstname>Pedro</firstname></agent></internal>",
    ));
    s.recv(&agent_msg(" id='m3'", "<body>Hola</body>"));
    s.recv(&agent_msg(
        " id='m4'",
        "<body>backend</body><internal xmlns='http://cobrowser.io/protocol/chatsession#other'/>",
    ));
    assert_eq!(
        s.events(),
        vec![
            ChatEvent::Transferred {
                nickname: "pedro7".into(),
                firstname: "Pedro".into()
            },
            ChatEvent::AgentMessage {
                id: "m3".into(),
                nick: "pedro7".into(),
                body: "Hola".into(),
                stamp: None,
            },
        ]
    );
    // Co-browsing request and answer.
    s.recv(&agent_msg("", "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>"));
    assert_eq!(s.events(), vec![ChatEvent::CobrowsingRequested]);
    s.chat
        .answer_cobrowsing(true, Instant::from_millis(s.now))
        .unwrap();
    assert_eq!(
        s.sent(),
        vec![
            format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\"><internal xmlns=\"http://cobrowser.io/protocol/chatsession#cobrowsing\"><cobrowsing_accepted/></internal></message>"),
            R.to_string(),
        ]
    );
    // A stranger's message is ignored.
    s.recv("<message xmlns='jabber:client' from='other@internal.webchat.test/x' type='chat'><body>spam</body></message>");
    assert!(s.events().is_empty());

    // The agent closes: we answer `closed`, ack what we handled, and close the stream.
    let closed = s.recv(&agent_msg(
        "",
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
    ));
    assert_eq!(
        closed,
        vec![
            format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\"><closed xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"),
            "<a xmlns=\"urn:xmpp:sm:3\" h=\"21\"/>".into(),
            CLOSE.into(),
        ]
    );
    assert_eq!(s.events(), vec![ChatEvent::AgentClosed]);
    assert!(s
        .chat
        .send_message("too late", Instant::from_millis(s.now))
        .is_err());
    assert!(s
        .recv("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>")
        .is_empty());
    assert_eq!(s.events(), vec![ChatEvent::Closed]);
    assert_eq!(s.chat.poll_timeout(), None);
    assert!(s.chat.resume_state().is_none());
}

#[test]
fn a_message_the_server_held_back_keeps_its_send_time() {
    let mut s = connect();
    s.events();
    // Held back by the server (offline storage): the send time comes along.
    s.recv(&agent_msg(
        " uid='abab-2'",
        "<body>while you were away</body><delay xmlns='urn:xmpp:delay' from='webchat.test' stamp='2026-12-05T10:42:00Z'/>",
    ));
    assert_eq!(
        s.events(),
        vec![ChatEvent::AgentMessage {
            id: "abab-2".into(),
            nick: "agent1".into(),
            body: "while you were away".into(),
            stamp: Some("2026-12-05T10:42:00Z".into()),
        }]
    );
}

#[test]
fn visitor_close_sends_closed_then_close() {
    let mut s = connect();
    s.chat.close(Instant::from_millis(s.now));
    assert_eq!(
        s.sent(),
        vec![
            format!("<message xmlns=\"jabber:client\" type=\"chat\" to=\"{AGENT}\"><closed xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"),
            "<a xmlns=\"urn:xmpp:sm:3\" h=\"0\"/>".into(),
            CLOSE.into(),
        ]
    );
    s.chat.handle_transport_closed(Instant::from_millis(s.now));
    assert_eq!(s.events(), vec![ChatEvent::Closed]);
}

#[test]
fn blocked_ends_the_chat() {
    let mut s = connect();
    let out = s.recv(&agent_msg("", "<blocked xmlns='http://jabber.org/protocol/chatstates'/><nick xmlns='http://jabber.org/protocol/nick'>agent1</nick>"));
    assert_eq!(out.last().map(String::as_str), Some(CLOSE));
    assert!(out[0].contains("<closed xmlns=\"http://jabber.org/protocol/chatstates\"/>"));
    assert_eq!(s.events(), vec![ChatEvent::Blocked]);
}

#[test]
fn keepalive_pings_then_times_out() {
    let mut s = connect();
    assert_eq!(
        s.chat.poll_timeout(),
        Some(Instant::from_millis(s.now + 30_000))
    );
    // Silent server for 30 s: ask for an ack.
    assert_eq!(s.advance_to_timeout(), vec![R]);
    // An answer resets the clock.
    assert!(s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>").is_empty());
    assert_eq!(s.advance_to_timeout(), vec![R]);
    // No answer within 20 s: the connection is declared dead.
    assert_eq!(s.advance_to_timeout(), vec![CLOSE]);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::Timeout)]
    );
    assert!(
        s.chat.resume_state().is_some(),
        "a dead transport can still be resumed"
    );
}

/// Drops the transport with one message unacknowledged, then resumes on a new one.
#[test]
fn resume_after_dropped_socket_loses_nothing() {
    let mut s = connect();
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    s.recv(&agent_msg(" id='m1'", "<body>before</body>"));
    s.events();
    let id = s
        .chat
        .send_message("in flight", Instant::from_millis(s.now))
        .unwrap();
    let in_flight = s.sent()[0].clone();
    s.chat.handle_transport_closed(Instant::from_millis(s.now));
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::TransportClosed)]
    );
    // Sent while disconnected: held until the new session is up.
    let id2 = s
        .chat
        .send_message("while offline", Instant::from_millis(s.now))
        .unwrap();
    let saved = s.chat.resume_state().unwrap();
    assert_eq!(
        (
            saved.id.as_str(),
            saved.h_in,
            saved.h_out,
            saved.unacked.len()
        ),
        ("smid1", 1, 3, 1)
    );
    // The state survives a page reload as JSON.
    let json = webchat_protocol::api::to_json(&saved);
    assert_eq!(
        serde_json::from_str::<webchat_protocol::ResumeState>(&json).unwrap(),
        saved
    );

    let mut cfg = config().connection;
    cfg.entropy = [9; 16];
    s.chat.reconnect(cfg, Instant::from_millis(s.now)).unwrap();
    assert_eq!(s.sent(), vec![OPEN_C]);
    s.recv(OPEN_S);
    // PLAIN this time (the scripted server offers only PLAIN).
    let auth = s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    assert_eq!(
        auth,
        vec![format!(
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">{}</auth>",
            encode(b"\0v1\0pencil")
        )]
    );
    assert_eq!(
        s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
        vec![OPEN_C]
    );
    s.recv(OPEN_S);
    assert_eq!(
        s.recv(FEATURES_POST),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    // The server got nothing of the in-flight message: it is resent, then the held one.
    let out = s.recv("<resumed xmlns='urn:xmpp:sm:3' previd='smid1' h='3'/>");
    assert_eq!(out[0], in_flight);
    assert_eq!(out[1], R);
    assert!(out[2].contains("<body>while offline</body>"), "{out:?}");
    assert_eq!(out.len(), 3);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: true
        }]
    );
    s.recv("<a xmlns='urn:xmpp:sm:3' h='5'/>");
    assert_eq!(
        s.events(),
        vec![ChatEvent::Delivered(id), ChatEvent::Delivered(id2)]
    );
    // The server resends the agent message we had already handled? No: h=1 told it we had it.
    assert_eq!(
        s.recv("<r xmlns='urn:xmpp:sm:3'/>"),
        vec!["<a xmlns=\"urn:xmpp:sm:3\" h=\"1\"/>"]
    );
}

/// Resumption refused: fresh bind, presences again, unacked message resent, archive fetched
/// and de-duplicated against what was already shown.
#[test]
fn failed_resume_rebinds_and_fetches_history() {
    let mut s = connect();
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    s.recv(&agent_msg(
        " id='m1'",
        "<stanza-id xmlns='urn:xmpp:sid:0' by='v1@webchat.test' id='A1'/><body>seen live</body>",
    ));
    s.events();
    s.chat
        .send_message("lost?", Instant::from_millis(s.now))
        .unwrap();
    s.sent();
    s.chat.handle_transport_closed(Instant::from_millis(s.now));
    s.events();
    let mut cfg = config().connection;
    cfg.entropy = [0xab; 16];
    s.chat.reconnect(cfg, Instant::from_millis(s.now)).unwrap();
    s.sent();
    s.recv(OPEN_S);
    s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    s.recv(OPEN_S);
    s.recv(FEATURES_POST);
    let bind = s.recv("<failed xmlns='urn:xmpp:sm:3' h='3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
    assert_eq!(
        bind,
        vec!["<iq xmlns=\"jabber:client\" type=\"set\" id=\"wcabababab-1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>web</resource></bind></iq>"]
    );
    s.recv("<iq xmlns='jabber:client' type='result' id='wcabababab-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>");
    let out = s.recv("<enabled xmlns='urn:xmpp:sm:3' id='smid2' resume='true'/>");
    assert_eq!(out[0], "<presence xmlns=\"jabber:client\"/>");
    assert!(out[2].contains("type=\"subscribe\""));
    assert!(out[3].contains("<status>available</status>"));
    assert!(
        out[4].contains("<body>lost?</body>"),
        "unacked message resent: {out:?}"
    );
    assert_eq!(
        out[5],
        "<iq xmlns=\"jabber:client\" type=\"set\" id=\"wcabababab-3\"><query xmlns=\"urn:xmpp:mam:2\" queryid=\"wcabababab-2\"><x xmlns=\"jabber:x:data\" type=\"submit\"><field var=\"FORM_TYPE\" type=\"hidden\"><value>urn:xmpp:mam:2</value></field><field var=\"with\"><value>agent@internal.webchat.test</value></field></x><set xmlns=\"http://jabber.org/protocol/rsm\"><max>50</max><before/></set></query></iq>"
    );
    assert_eq!(out.len(), 6);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: false
        }]
    );
    let result = |id: &str, from: &str, body: &str| {
        format!("<message xmlns='jabber:client' to='v1@webchat.test/web'><result xmlns='urn:xmpp:mam:2' queryid='wcabababab-2' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-22T05:00:00Z'/><message xmlns='jabber:client' from='{from}' to='v1@webchat.test' type='chat'><body>{body}</body></message></forwarded></result></message>")
    };
    s.recv(&result(
        "A1",
        "agent@internal.webchat.test/console",
        "seen live",
    ));
    s.recv(&result(
        "A2",
        "agent@internal.webchat.test/console",
        "missed",
    ));
    s.recv(&result("A3", "v1@webchat.test/web", "mine from before"));
    // A forged result from someone else is ignored.
    s.recv(
        &result("A4", "agent@internal.webchat.test", "forged").replace(
            "<message xmlns='jabber:client' to=",
            "<message xmlns='jabber:client' from='agent@internal.webchat.test' to=",
        ),
    );
    s.recv("<iq xmlns='jabber:client' type='result' id='wcabababab-3'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first>A1</first><last>A3</last></set></fin></iq>");
    let stamp = Some("2026-11-22T05:00:00Z".to_string());
    assert_eq!(
        s.events(),
        vec![ChatEvent::History {
            messages: vec![
                webchat_protocol::HistoryMessage {
                    id: "A2".into(),
                    from_agent: true,
                    nick: None,
                    body: "missed".into(),
                    stamp: stamp.clone()
                },
                webchat_protocol::HistoryMessage {
                    id: "A3".into(),
                    from_agent: false,
                    nick: None,
                    body: "mine from before".into(),
                    stamp
                },
            ],
            complete: true,
        }]
    );
    // Complete: no more pages.
    assert!(!s.chat.fetch_history(50, Instant::from_millis(s.now)));
    // The live copy of a message we got from the archive is not shown twice.
    s.recv(&agent_msg(
        "",
        "<stanza-id xmlns='urn:xmpp:sid:0' by='v1@webchat.test' id='A2'/><body>missed</body>",
    ));
    assert!(s.events().is_empty());
}

#[test]
fn registration_then_plain_without_sm() {
    let mut cfg = config();
    cfg.connection.register = true;
    cfg.connection.mechanisms = vec![Mechanism::Plain];
    let mut s = Sim::new(cfg);
    s.sent();
    s.recv(OPEN_S);
    assert_eq!(
        s.recv(FEATURES_PRE),
        vec![format!("<iq xmlns=\"jabber:client\" type=\"set\" id=\"{}\"><query xmlns=\"jabber:iq:register\"><username>v1</username><password>pencil</password></query></iq>", ids(1))]
    );
    let auth = s.recv(&format!(
        "<iq xmlns='jabber:client' type='result' id='{}'/>",
        ids(1)
    ));
    assert!(auth[0].contains("mechanism=\"PLAIN\""));
    s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    s.recv(OPEN_S);
    // Session required (no <optional/>), no SM.
    s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>");
    assert_eq!(
        s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>", ids(2))),
        vec![format!("<iq xmlns=\"jabber:client\" type=\"set\" id=\"{}\"><session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/></iq>", ids(3))]
    );
    let out = s.recv(&format!(
        "<iq xmlns='jabber:client' type='result' id='{}'/>",
        ids(3)
    ));
    assert_eq!(out.len(), 3, "three presences, no <r/> without SM: {out:?}");
    assert!(s.chat.resume_state().is_none());
    // Without SM the keepalive is an XEP-0199 ping to the domain.
    assert_eq!(
        s.advance_to_timeout(),
        vec![format!("<iq xmlns=\"jabber:client\" type=\"get\" id=\"{}\" to=\"webchat.test\"><ping xmlns=\"urn:xmpp:ping\"/></iq>", ids(4))]
    );
}

#[test]
fn auth_problems_are_typed() {
    // Wrong password.
    let mut s = Sim::new(config());
    s.sent();
    s.recv(OPEN_S);
    s.recv(FEATURES_PRE);
    let out = s.recv("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>Invalid username or password</text></failure>");
    assert_eq!(out, vec![CLOSE]);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::AuthFailed {
            condition: "not-authorized".into(),
            text: Some("Invalid username or password".into())
        })]
    );
    // A server that does not know the password (wrong signature) is rejected.
    let mut s = Sim::new(config());
    s.sent();
    s.recv(OPEN_S);
    s.recv(FEATURES_PRE);
    let mut server = ScramServer::new(Hash::Sha1);
    server
        .handle_client_first(b"n,,n=v1,r=AAECAwQFBgcICQoLDA0ODw")
        .unwrap();
    let creds = Credentials::from_password(Hash::Sha1, "other password", b"salt", 4096);
    let first = server.server_first(&creds, "X").unwrap();
    s.recv(&format!(
        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
        encode(&first)
    ));
    let forged = encode(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    assert_eq!(
        s.recv(&format!(
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{forged}</success>"
        )),
        vec![CLOSE]
    );
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::Sasl(
            webchat_protocol::sasl::SaslError::BadServerSignature
        ))]
    );
    // A stream error is typed too.
    let mut s = Sim::new(config());
    s.sent();
    s.recv(OPEN_S);
    s.recv("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    assert!(
        matches!(&s.events()[..], [ChatEvent::Disconnected(CloseReason::StreamError(e))] if e.condition == "policy-violation")
    );
}

#[test]
fn only_refused_credentials_are_fatal() {
    let fatal = [
        CloseReason::AuthFailed {
            condition: "not-authorized".into(),
            text: None,
        },
        CloseReason::Sasl(webchat_protocol::sasl::SaslError::NoMechanism),
    ];
    assert!(fatal.iter().all(CloseReason::is_fatal));
    let worth_a_reconnect = [
        CloseReason::TransportClosed,
        CloseReason::Timeout,
        CloseReason::ServerClosed {
            see_other_uri: None,
        },
        CloseReason::Protocol("x"),
        CloseReason::BindFailed(None),
    ];
    assert!(!worth_a_reconnect.iter().any(CloseReason::is_fatal));
}

/// Every truncation and a set of hostile frames at every phase: no panic, and a clear end.
#[test]
fn hostile_frames_never_panic() {
    let hostile = [
        "",
        "<",
        "<<<>>>",
        "<message",
        "<message xmlns='jabber:client' from='@@@'><body>x</body></message>",
        "<iq xmlns='jabber:client' type='get'/>",
        "<iq xmlns='jabber:client' type='result' id='wc0c0d0e0f-1'/>",
        "<a xmlns='urn:xmpp:sm:3' h='4294967295'/>",
        "<a xmlns='urn:xmpp:sm:3' h='x'/>",
        "<resumed xmlns='urn:xmpp:sm:3' previd='zz' h='99'/>",
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!!</success>",
        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj0=</challenge>",
        "<presence xmlns='jabber:client' from='agent@internal.webchat.test' type='subscribe'/>",
        "<message xmlns='jabber:client' from='agent@internal.webchat.test'><internal xmlns='http://cobrowser.io/protocol/chatsession#forward'/></message>",
        "<message xmlns='jabber:client'><result xmlns='urn:xmpp:mam:2' id='1'/></message>",
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>",
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' version='9'/>",
        "<x:y/>",
        "<a>&unknown;</a>",
    ];
    let script = [OPEN_S, FEATURES_PRE];
    for cut in 0..=script.len() {
        for bad in hostile {
            let mut s = Sim::new(config());
            for f in &script[..cut] {
                s.recv(f);
            }
            s.recv(bad);
            s.recv(bad);
            s.events();
            if s.chat.poll_timeout().is_some() {
                s.advance_to_timeout();
            }
        }
    }
    // Truncations of a full session's frames fed to a connected chat.
    let mut s = connect();
    let frames = [FEATURES_POST, "<iq xmlns='jabber:client' from='webchat.test' type='get' id='s2c1'><ping xmlns='urn:xmpp:ping'/></iq>"];
    for f in frames {
        for i in 0..f.len() {
            s.recv(&f[..i]);
        }
    }
    // The first malformed frame ended the connection cleanly.
    assert!(matches!(
        s.events().last(),
        Some(ChatEvent::Disconnected(CloseReason::Xml(_)))
    ));
}

#[test]
fn messages_written_while_connecting_follow_the_presences() {
    let mut s = Sim::new(config());
    s.sent();
    let id = s
        .chat
        .send_message("typed early", Instant::from_millis(0))
        .unwrap();
    s.recv(OPEN_S);
    s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    s.recv(OPEN_S);
    s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
    let out = s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>", ids(2)));
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(
        out[..3].iter().all(|f| f.starts_with("<presence")),
        "{out:?}"
    );
    assert!(
        out[3].contains(&format!("id=\"{id}\"")) && out[3].contains("<body>typed early</body>")
    );
}

#[test]
fn agent_back_by_seed_status_attribute_and_typing_cleared_by_unavailable() {
    let mut s = connect();
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console'/>"
    ));
    s.recv(&agent_msg(
        "",
        "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
    ));
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console' type='unavailable'/>"
    ));
    // Away with a status that is not "available": not back yet.
    s.recv(&format!("<presence xmlns='jabber:client' from='{AGENT}/console'><show>away</show><status>busy</status></presence>"));
    // Prosody keeps the seed's attribute form.
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console' status='available'/>"
    ));
    assert_eq!(
        s.events(),
        vec![
            ChatEvent::AgentTyping(true),
            ChatEvent::AgentTyping(false),
            ChatEvent::AgentUnavailable,
            ChatEvent::AgentAvailable
        ]
    );
}

/// The server's answer to our message `id` when the agent has no session (ejabberd and Prosody
/// without offline storage).
fn bounce(id: &str, condition: &str) -> String {
    format!("<message xmlns='jabber:client' from='{AGENT}' to='v1@webchat.test/web' type='error' id='{id}'><body>are you there?</body><error type='cancel'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
}

#[test]
fn a_message_bounced_while_the_agent_is_away_goes_again_when_it_is_back() {
    let mut s = connect();
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console'/>"
    ));
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    let t = Instant::from_millis(s.now);
    let id = s.chat.send_message("are you there?", t).unwrap();
    // The message, then an acknowledgement request.
    let first = s.sent();
    assert!(first[0].contains("are you there?"), "{first:?}");
    s.recv("<a xmlns='urn:xmpp:sm:3' h='4'/>");
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id.clone())]);

    // The agent's connection is gone: the server sends the message back.
    s.recv(&bounce(&id, "service-unavailable"));
    assert_eq!(
        s.events(),
        vec![
            ChatEvent::AgentUnavailable,
            ChatEvent::AwaitingAgent(id.clone())
        ]
    );
    // A second bounce of the same message (a duplicate) changes nothing.
    s.recv(&bounce(&id, "service-unavailable"));
    assert!(s.events().is_empty());
    assert!(s.sent().iter().all(|f| !f.contains("are you there?")));

    // The agent logs in again: the message goes out once more, same id, same text.
    let back = s.recv(&format!("<presence xmlns='jabber:client' from='{AGENT}/console'><status>available</status></presence>"));
    assert_eq!(back[0], first[0], "the very same stanza");
    assert_eq!(s.events(), vec![ChatEvent::AgentAvailable]);
    s.recv("<a xmlns='urn:xmpp:sm:3' h='5'/>");
    assert_eq!(s.events(), vec![ChatEvent::Delivered(id.clone())]);

    // Gone again before it arrived: it waits again (it is still named by its id).
    s.recv(&bounce(&id, "recipient-unavailable"));
    assert_eq!(
        s.events(),
        vec![ChatEvent::AgentUnavailable, ChatEvent::AwaitingAgent(id)]
    );
}

#[test]
fn other_errors_and_strangers_bounces_are_not_resent() {
    let mut s = connect();
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    let t = Instant::from_millis(s.now);
    let id = s.chat.send_message("hello", t).unwrap();
    s.sent();
    s.events();
    // Refused by policy: sending it again would be refused again.
    s.recv(&bounce(&id, "policy-violation"));
    // From someone who is not the agent, or naming a message we never sent.
    s.recv(&bounce(&id, "service-unavailable").replace(AGENT, "mallory@webchat.test"));
    s.recv(&bounce("not-ours", "service-unavailable"));
    assert!(s.events().is_empty());
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console' type='unavailable'/>"
    ));
    s.recv(&format!(
        "<presence xmlns='jabber:client' from='{AGENT}/console'/>"
    ));
    assert!(
        s.sent().iter().all(|f| !f.contains("hello")),
        "nothing sent again"
    );
}

#[test]
fn a_bounce_after_the_window_is_not_matched() {
    let mut s = connect();
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    let id = s
        .chat
        .send_message("old", Instant::from_millis(s.now))
        .unwrap();
    s.sent();
    s.events();
    // Later messages push the old one out of the window.
    s.now += webchat_protocol::visitor::BOUNCE_WINDOW.as_millis() as u64 + 1;
    s.chat
        .send_message("new", Instant::from_millis(s.now))
        .unwrap();
    s.recv(&bounce(&id, "service-unavailable"));
    assert!(s
        .events()
        .iter()
        .all(|e| !matches!(e, ChatEvent::AwaitingAgent(_))));
}

// ---------- a page reload: a new `Chat` built from what the page saved ----------

const FEATURES_PLAIN: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";

/// Plays open → PLAIN → restart for a new chat; returns what the client sent after the
/// post-auth features (`<resume/>` or a bind).
fn plain_login(s: &mut Sim) -> Vec<String> {
    assert_eq!(s.sent(), vec![OPEN_C]);
    s.recv(OPEN_S);
    s.recv(FEATURES_PLAIN);
    assert_eq!(
        s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
        vec![OPEN_C]
    );
    s.recv(OPEN_S);
    s.recv(FEATURES_POST)
}

/// The state a page saves mid-chat: one agent message handled, one visitor message sent
/// under the widget's own id and not yet acknowledged, serialised as JSON.
fn saved_mid_chat() -> (String, String) {
    let mut s = connect();
    s.recv("<a xmlns='urn:xmpp:sm:3' h='3'/>");
    s.recv(&agent_msg(" id='m1'", "<uid-less/><body>hello</body>"));
    s.events();
    s.chat
        .send_message_with_id("v-stable-1", "in flight", Instant::from_millis(s.now))
        .unwrap();
    let frame = s.sent()[0].clone();
    assert!(frame.contains("id=\"v-stable-1\""), "{frame}");
    let saved = s.chat.resume_state().expect("resumable");
    (webchat_protocol::api::to_json(&saved), frame)
}

fn reloaded(json: &str) -> Sim {
    let mut cfg = config();
    cfg.connection.entropy = [7; 16];
    cfg.connection.resume = Some(serde_json::from_str(json).unwrap());
    Sim::new(cfg)
}

#[test]
fn reload_resumes_and_reports_the_in_flight_message_delivered() {
    let (json, frame) = saved_mid_chat();
    let mut s = reloaded(&json);
    s.chat
        .remember(vec!["v-stable-1".to_string()], vec!["m1".to_string()]);
    s.chat.fetch_history_when_connected();
    assert_eq!(
        plain_login(&mut s),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    // The server had not got the message: it goes out again, same frame, same id.
    let out = s.recv("<resumed xmlns='urn:xmpp:sm:3' previd='smid1' h='3'/>");
    assert_eq!(
        out,
        vec![frame, R.to_string()],
        "no archive query after a resume"
    );
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: true
        }]
    );
    s.recv("<a xmlns='urn:xmpp:sm:3' h='4'/>");
    assert_eq!(s.events(), vec![ChatEvent::Delivered("v-stable-1".into())]);
    // A redelivered copy of an agent message the page already showed is not reported again;
    // one sent during the reload is.
    s.recv(&agent_msg(" id='m1'", "<body>hello</body>"));
    s.recv(&agent_msg(" id='m2'", "<body>during the reload</body>"));
    assert_eq!(
        s.events(),
        vec![ChatEvent::AgentMessage {
            id: "m2".into(),
            nick: "agent1".into(),
            body: "during the reload".into(),
            stamp: None,
        }]
    );
}

#[test]
fn reload_with_refused_resumption_rebinds_resends_and_fetches_only_what_is_new() {
    let (json, _) = saved_mid_chat();
    let mut s = reloaded(&json);
    s.chat
        .remember(vec!["v-stable-1".to_string()], vec!["m1".to_string()]);
    plain_login(&mut s);
    s.recv("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
    s.recv("<iq xmlns='jabber:client' type='result' id='wc07070707-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>");
    let out = s.recv("<enabled xmlns='urn:xmpp:sm:3' id='smid2' resume='true'/>");
    let resent: Vec<&String> = out.iter().filter(|f| f.contains("<body>")).collect();
    assert_eq!(resent.len(), 1, "{out:?}");
    assert!(resent[0].contains("id=\"v-stable-1\""), "same id: {out:?}");
    let query = out
        .iter()
        .find(|f| f.contains("urn:xmpp:mam:2"))
        .expect("archive query");
    let queryid = query
        .split("queryid=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let iq_id = query
        .split(" id=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    s.events();
    let result = |id: &str, from: &str, attrs: &str, body: &str| {
        format!("<message xmlns='jabber:client' to='v1@webchat.test/web'><result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='{from}' to='v1@webchat.test' type='chat'{attrs}><body>{body}</body></message></forwarded></result></message>")
    };
    // Shown before the reload (by uid / by own id) → dropped; missed during it → reported.
    s.recv(&result(
        "A1",
        "agent@internal.webchat.test/console",
        " uid='m1'",
        "hello",
    ));
    s.recv(&result(
        "A2",
        "v1@webchat.test/web",
        " id='v-stable-1'",
        "in flight",
    ));
    s.recv(&result(
        "A3",
        "agent@internal.webchat.test/console",
        "",
        "missed",
    ));
    s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{iq_id}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"));
    let events = s.events();
    let [ChatEvent::History {
        messages,
        complete: true,
    }] = events.as_slice()
    else {
        panic!("one complete history page: {events:?}");
    };
    let got: Vec<(&str, bool, &str)> = messages
        .iter()
        .map(|m| (m.id.as_str(), m.from_agent, m.body.as_str()))
        .collect();
    assert_eq!(got, vec![("A3", true, "missed")]);
}

#[test]
fn reload_without_a_resumable_session_logs_in_and_asks_the_archive() {
    let mut s = Sim::new(config());
    s.chat.fetch_history_when_connected();
    s.chat
        .send_message_with_id(
            "v-outbox-1",
            "typed before the reload",
            Instant::from_millis(0),
        )
        .unwrap();
    let bind = plain_login(&mut s);
    assert!(bind[0].contains("xmpp-bind"), "{bind:?}");
    let id = ids(1);
    s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"));
    let out = s.recv("<enabled xmlns='urn:xmpp:sm:3' id='smid3' resume='true'/>");
    let body_at = out
        .iter()
        .position(|f| f.contains("typed before the reload"))
        .expect("outbox sent");
    let mam_at = out
        .iter()
        .position(|f| f.contains("urn:xmpp:mam:2"))
        .expect("archive asked");
    let presence_at = out
        .iter()
        .position(|f| f.contains("<status>available</status>"))
        .unwrap();
    assert!(presence_at < body_at, "presences first: {out:?}");
    assert!(body_at < mam_at, "{out:?}");
    assert!(out[body_at].contains("id=\"v-outbox-1\""));
}

#[test]
fn a_drop_during_the_resumption_handshake_keeps_the_session_resumable() {
    let (json, frame) = saved_mid_chat();
    let mut s = reloaded(&json);
    // The new transport dies right after authenticating, before `<resume/>` was answered.
    assert_eq!(
        plain_login(&mut s),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    s.chat.handle_transport_closed(Instant::from_millis(s.now));
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::TransportClosed)]
    );
    let kept = s.chat.resume_state().expect("still resumable");
    assert_eq!((kept.id.as_str(), kept.h_in), ("smid1", 1));
    assert_eq!(kept.unacked, vec![frame.clone()]);
    // The next transport resumes the same session and re-sends the message once.
    let mut cfg = config().connection;
    cfg.entropy = [8; 16];
    s.chat.reconnect(cfg, Instant::from_millis(s.now)).unwrap();
    assert_eq!(
        plain_login(&mut s),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    let out = s.recv("<resumed xmlns='urn:xmpp:sm:3' previd='smid1' h='3'/>");
    assert_eq!(out, vec![frame, R.to_string()]);
}

/// A server that never answers `<resume/>` (Prosody 0.12 over BOSH fails it with an internal
/// error and leaves the stream broken): after `timeout` the resumption is given up and the
/// stream closed; the next transport binds a fresh session, sends the message again under its
/// id and asks the archive. Nothing loops back into resuming.
#[test]
fn an_unanswered_resume_is_given_up_for_a_fresh_session() {
    let (json, _) = saved_mid_chat();
    let mut s = reloaded(&json);
    s.chat
        .remember(vec!["v-stable-1".to_string()], vec!["m1".to_string()]);
    assert_eq!(
        plain_login(&mut s),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    let asked = s.now;
    assert_eq!(s.advance_to_timeout(), vec![CLOSE]);
    assert_eq!(s.now - asked, 20_000, "the config's timeout (20 s)");
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::Timeout)]
    );
    assert_eq!(s.chat.resume_state(), None, "not asked again");
    let mut cfg = config().connection;
    cfg.entropy = [8; 16];
    s.chat.reconnect(cfg, Instant::from_millis(s.now)).unwrap();
    assert_eq!(
        plain_login(&mut s),
        vec!["<iq xmlns=\"jabber:client\" type=\"set\" id=\"wc08080808-1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>web</resource></bind></iq>"]
    );
    s.recv("<iq xmlns='jabber:client' type='result' id='wc08080808-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>");
    let out = s.recv("<enabled xmlns='urn:xmpp:sm:3' id='smid2' resume='true'/>");
    assert!(out
        .iter()
        .any(|f| f.contains("<body>in flight</body>") && f.contains("id=\"v-stable-1\"")));
    assert!(out.iter().any(|f| f.contains("urn:xmpp:mam:2")), "{out:?}");
    assert_eq!(
        s.events(),
        vec![ChatEvent::Connected {
            jid: Jid::parse("v1@webchat.test/web").unwrap(),
            resumed: false
        }]
    );
    assert_eq!(s.chat.resume_state().unwrap().id, "smid2");
}

/// A server without stream management never acknowledges: a message written to the ready
/// stream is as delivered as it will ever be known to be, held ones once the stream is up.
#[test]
fn without_stream_management_what_goes_out_counts_as_delivered() {
    let mut s = Sim::new(config());
    s.sent();
    let at = Instant::from_millis(0);
    s.chat
        .send_message_with_id("v-early", "before", at)
        .unwrap();
    s.recv(OPEN_S);
    let auth = s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    assert!(auth[0].contains("mechanism=\"PLAIN\""), "{auth:?}");
    s.recv("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    s.recv(OPEN_S);
    s.recv("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
    let out = s.recv(&format!("<iq xmlns='jabber:client' type='result' id='{}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>", ids(1)));
    assert!(
        out.last().unwrap().contains("<body>before</body>"),
        "{out:?}"
    );
    assert_eq!(
        s.events(),
        vec![
            ChatEvent::Connected {
                jid: Jid::parse("v1@webchat.test/web").unwrap(),
                resumed: false
            },
            ChatEvent::Delivered("v-early".into())
        ]
    );
    s.chat.send_message_with_id("v-now", "live", at).unwrap();
    assert_eq!(s.events(), vec![ChatEvent::Delivered("v-now".into())]);
    // Chat states are not messages of ours to confirm.
    s.chat.set_chat_state(ChatState::Composing, at);
    assert!(s.events().is_empty());
}

/// `resume_timeout` bounds only the wait for `<resumed/>`: a transport whose server may never
/// answer it (BOSH on Prosody 0.12) gives up sooner, while every other check keeps `timeout`.
#[test]
fn the_resume_answer_has_its_own_timeout() {
    let (json, _) = saved_mid_chat();
    let mut cfg = config();
    cfg.connection.entropy = [7; 16];
    cfg.connection.resume = Some(serde_json::from_str(&json).unwrap());
    cfg.connection.resume_timeout = std::time::Duration::from_secs(5);
    let mut s = Sim::new(cfg);
    assert_eq!(
        plain_login(&mut s),
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"smid1\" h=\"1\"/>"]
    );
    let asked = s.now;
    assert_eq!(s.advance_to_timeout(), vec![CLOSE]);
    assert_eq!(s.now - asked, 5_000);
    assert_eq!(
        s.events(),
        vec![ChatEvent::Disconnected(CloseReason::Timeout)]
    );
    assert_eq!(s.chat.resume_state(), None, "not asked again");
}
