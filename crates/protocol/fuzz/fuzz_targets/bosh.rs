//! A chat over a BOSH session fed hostile HTTP answers: each line is one answer, its first
//! byte picking the status, which open request it answers (or fails), and whether timers fire
//! first. Must never panic, and never have more requests open than the window allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webchat_protocol::bosh::{self, Request, Session};
use webchat_protocol::{Chat, ChatConfig, Config, Instant, Jid, Mechanism};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
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
    let mut session = Session::new(bosh::Config::new([2; 8]));
    let mut open: Vec<Request> = Vec::new();
    let mut ms = 0;
    for line in text.split('\n') {
        let now = Instant::from_millis(ms);
        session.pump(&mut chat, now);
        while let Some(r) = session.poll_request(now) {
            open.push(r);
        }
        assert!(session.unanswered() <= 2 || session.params().is_none_or(|p| p.requests > 2));
        let Some((&b, rest)) = line.as_bytes().split_first() else {
            continue;
        };
        let body = std::str::from_utf8(rest).unwrap_or("");
        ms += 1 + u64::from(b & 0x0f) * 1000;
        let now = Instant::from_millis(ms);
        if b & 0x80 != 0 {
            session.handle_timeout(now);
            chat.handle_timeout(now);
        }
        if !open.is_empty() {
            let r = open.remove(usize::from(b >> 4 & 0x3) % open.len());
            match b & 0x70 {
                0x10 => session.handle_failure(r.id, now),
                0x20 => session.handle_response(r.id, 502, body, now),
                0x30 => session.handle_response(r.id, 404, body, now),
                _ => session.handle_response(r.id, 200, body, now),
            }
        }
        session.pump(&mut chat, now);
        while session.poll_event().is_some() {}
        while chat.poll_event().is_some() {}
    }
});
