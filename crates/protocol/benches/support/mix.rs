//! The frame mix and the connected chat both stanza-handling benchmarks use: the native one
//! (`crates/protocol/benches/frames.rs`) and the in-browser one (the widget's `src/bench.rs`,
//! which includes this file by path), so the two rates measure the same work.
//!
//! It only prepares inputs; timing and reporting stay with each bench.

use webchat_protocol::{ns, xml, Chat, ChatConfig, Config, Instant, Jid};

/// Frames recorded from real ejabberd and Prosody sessions (one frame a line).
const FIXTURES: [&str; 2] = [
    include_str!("../../tests/fixtures/ejabberd.frames"),
    include_str!("../../tests/fixtures/prosody.frames"),
];

/// The post-handshake frames: stanzas and SM nonzas, minus the ones that end the chat.
pub fn mix() -> Vec<&'static str> {
    FIXTURES
        .iter()
        .flat_map(|f| f.lines())
        .filter(|f| {
            let Ok(el) = xml::parse(f, ns::CLIENT) else {
                return false;
            };
            (el.ns == ns::CLIENT || el.ns == ns::SM)
                && !f.contains("<closed")
                && !f.contains("<blocked")
        })
        .collect()
}

/// A visitor chat that went through SASL, bind and SM enable: ready for chat traffic.
pub fn ready_chat() -> Result<Chat, &'static str> {
    let mut cfg = Config::new("visitor", "pw", "webchat.test", "web", [1; 16]);
    cfg.mechanisms = vec![webchat_protocol::Mechanism::Plain];
    let agent =
        Jid::parse("agent@internal.webchat.test").map_err(|_| "bench agent JID does not parse")?;
    let mut chat = Chat::new(
        ChatConfig {
            connection: cfg,
            agent,
            agent_nick: "agent3".into(),
        },
        Instant::from_millis(0),
    );
    let t = Instant::from_millis(1);
    let open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' version='1.0' from='webchat.test'/>";
    for f in [
        open,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
        open,
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>",
        "<iq xmlns='jabber:client' type='result' id='wc01010101-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>visitor@webchat.test/web</jid></bind></iq>",
        "<enabled xmlns='urn:xmpp:sm:3' id='x' resume='true'/>",
    ] {
        chat.handle_frame(f, t);
    }
    while chat.poll_transmit().is_some() {}
    while chat.poll_event().is_some() {}
    if chat.resume_state().is_none() {
        return Err("bench chat did not reach the connected state");
    }
    Ok(chat)
}

/// Acknowledges everything the chat sent, as a server would, so its SM queue stays bounded.
pub fn ack_all(chat: &mut Chat, now: Instant) {
    if let Some(s) = chat.resume_state() {
        let h = s.h_out.wrapping_add(s.unacked.len() as u32);
        chat.handle_frame(&format!("<a xmlns='urn:xmpp:sm:3' h='{h}'/>"), now);
    }
}
