//! Frames parsed and handled per second by the visitor chat, over a realistic mix recorded
//! from real ejabberd and Prosody sessions (tests/fixtures/*.frames: messages with
//! stanza-ids, chat states, presences, roster pushes, pings, SM acks, MAM results).
//! No criterion: a timed loop printing frames/s (target ≥ 200,000/s natively).
//! Run: `cargo bench -p webchat-protocol --bench frames`.

use std::time::{Duration, Instant as Clock};
use webchat_protocol::{ns, xml, Instant};

#[path = "support/mix.rs"]
mod frame_mix;
use frame_mix::{ack_all, mix, ready_chat};

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
    let mut chat = ready_chat().expect("the bench chat connects");
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
        ack_all(&mut chat, Instant::from_millis(ms));
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
