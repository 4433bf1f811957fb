//! A connected visitor chat fed hostile frames (one per line, after a scripted handshake
//! whose length the first byte picks), plus timer expiries: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webchat_protocol::{Chat, ChatConfig, ChatState, Config, Instant, Jid, Mechanism};

const HANDSHAKE: [&str; 7] = [
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' version='1.0' from='webchat.test'/>",
    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='2' version='1.0' from='webchat.test'/>",
    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>",
    "<iq xmlns='jabber:client' type='result' id='wc01010101-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v@webchat.test/web</jid></bind></iq>",
    "<enabled xmlns='urn:xmpp:sm:3' id='x' resume='true'/>",
];

fuzz_target!(|data: &[u8]| {
    let Some((&phase, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut cfg = Config::new("v", "pw", "webchat.test", "web", [1; 16]);
    cfg.mechanisms = vec![Mechanism::Plain];
    let agent = Jid::parse("agent@internal.webchat.test").unwrap();
    let mut chat = Chat::new(
        ChatConfig {
            connection: cfg,
            agent,
            agent_nick: "a".into(),
        },
        Instant::from_millis(0),
    );
    let mut ms = 0;
    for f in HANDSHAKE
        .iter()
        .take(phase as usize % (HANDSHAKE.len() + 1))
    {
        ms += 5;
        chat.handle_frame(f, Instant::from_millis(ms));
    }
    for (i, line) in text.split('\n').enumerate() {
        ms += 1000;
        chat.handle_frame(line, Instant::from_millis(ms));
        match i % 7 {
            3 => drop(chat.send_message(line, Instant::from_millis(ms))),
            4 => chat.set_chat_state(ChatState::Composing, Instant::from_millis(ms)),
            5 => {
                let _ = chat.fetch_history(10, Instant::from_millis(ms));
            }
            6 => {
                if let Some(t) = chat.poll_timeout() {
                    chat.handle_timeout(t);
                }
            }
            _ => {}
        }
        while chat.poll_transmit().is_some() {}
        while chat.poll_event().is_some() {}
    }
    let _ = chat.resume_state();
});
