//! Frames parsed and handled per second by the visitor chat, over a realistic mix recorded
//! from real ejabberd and Prosody sessions (tests/fixtures/*.frames: messages with
//! stanza-ids, chat states, presences, roster pushes, pings, SM acks, MAM results).
//! No criterion: a timed loop printing frames/s (target ≥ 200,000/s natively).
//! Run: `cargo bench -p webchat-protocol --bench frames`.

use std::time::{Duration, Instant as Clock};
use webchat_protocol::{ns, xml, Chat, ChatConfig, Config, Instant, Jid};

const FIXTURES: [&str; 2] = [
    include_str!("../tests/fixtures/ejabberd.frames"),
    include_str!("../tests/fixtures/prosody.frames"),
];

/// The post-handshake frames: stanzas and SM nonzas, minus the ones that end the chat.
fn mix() -> Vec<&'static str> {
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

fn ready_chat() -> Chat {
    let mut cfg = Config::new("visitor", "pw", "webchat.test", "web", [1; 16]);
    cfg.mechanisms = vec![webchat_protocol::Mechanism::Plain];
    let agent = Jid::parse("agent@internal.webchat.test").unwrap();
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
    assert!(
        chat.resume_state().is_some(),
        "bench chat must be connected"
    );
    chat
}

fn main() {
    let mix = mix();
    let bytes: usize = mix.iter().map(|f| f.len()).sum();
    println!(
        "frame mix: {} frames, {} bytes on average",
        mix.len(),
        bytes / mix.len()
    );

    // Parse only.
    let start = Clock::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for f in &mix {
            std::hint::black_box(xml::parse(f, ns::CLIENT).is_ok());
        }
        n += mix.len() as u64;
    }
    let parse_rate = n as f64 / start.elapsed().as_secs_f64();
    println!("xml::parse:               {parse_rate:>12.0} frames/s");

    // Parse + handle by the visitor chat, draining everything it produces.
    let mut chat = ready_chat();
    let start = Clock::now();
    let mut n = 0u64;
    let mut ms = 10u64;
    let mut produced = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        for f in &mix {
            ms += 1;
            chat.handle_frame(f, Instant::from_millis(ms));
            while let Some(t) = chat.poll_transmit() {
                produced += t.len() as u64;
            }
            while let Some(e) = chat.poll_event() {
                std::hint::black_box(e);
            }
        }
        n += mix.len() as u64;
        // Acknowledge everything we sent so the SM queue stays bounded, as a server would.
        if let Some(s) = chat.resume_state() {
            let h = s.h_out.wrapping_add(s.unacked.len() as u32);
            chat.handle_frame(
                &format!("<a xmlns='urn:xmpp:sm:3' h='{h}'/>"),
                Instant::from_millis(ms),
            );
        }
    }
    assert!(
        chat.resume_state().is_some(),
        "the chat stayed connected through the mix"
    );
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "Chat::handle_frame:       {rate:>12.0} frames/s  ({} bytes answered)",
        produced
    );
    println!(
        "target >= 200000 frames/s: {}",
        if rate >= 200_000.0 { "met" } else { "NOT met" }
    );
}
