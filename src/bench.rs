//! In-browser benchmarks (cargo feature `bench`; never part of what ships): stanza handling
//! through `webchat_protocol` inside wasm, and a 1,000-message history rendered by the real
//! widget components from a [`ChatStore`] update.
//!
//! What it does: exports a few `#[wasm_bindgen]` functions that `e2e/bench/bench-page.mjs`
//! drives in headless Chromium (`cargo xtask bench`): [`bench_frames`] parses and handles a
//! realistic frame mix recorded from ejabberd and Prosody (the same fixtures as the native
//! `crates/protocol/benches/frames.rs`), timing itself with `performance.now()`;
//! [`bench_frame_mix`] hands the same frames to the page for the DOMParser reference;
//! [`bench_mount`] / [`bench_history`] / [`bench_append`] / [`bench_unmount`] mount the widget
//! (open, chatting) on a host element and feed its store, so the page can time store update →
//! DOM → paint and scroll the log.
//! What it does not: judge anything (xtask prints the figures against the targets), talk to a
//! server, or add code to the shipped widget (the feature is off in `dist`).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use webchat_protocol::{ns, xml, Chat, Instant};

// The frame mix and the connected chat of the native bench, shared so the two rates compare.
#[path = "../crates/protocol/benches/support/mix.rs"]
mod frame_mix;
use frame_mix::{ack_all, mix};

use crate::actions::UiAction;
use crate::model::{ChatStore, MessageStatus, Phase, SavedEntry, Sender, WidgetConfig};
use crate::mount::{mount_widget, MountedWidget};

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A chat ready for traffic (see `frame_mix`), with the error as a JS value for the page.
fn ready_chat() -> Result<Chat, JsValue> {
    frame_mix::ready_chat().map_err(JsValue::from_str)
}

/// Parses, then parses and handles, at least `min_frames` frames of the recorded mix. Returns
/// `[frames, parse_ms, handle_ms, bytes_answered]`: the page turns them into frames/s.
#[wasm_bindgen]
pub fn bench_frames(min_frames: u32) -> Result<js_sys::Array, JsValue> {
    let mix = mix();
    if mix.is_empty() {
        return Err(JsValue::from_str("no frames in the fixtures"));
    }
    let rounds = (min_frames as usize).div_ceil(mix.len()).max(1);
    let frames = (rounds * mix.len()) as f64;

    let start = now_ms();
    let mut ok = 0u32;
    for _ in 0..rounds {
        for f in &mix {
            ok += u32::from(xml::parse(f, ns::CLIENT).is_ok());
        }
    }
    let parse_ms = now_ms() - start;
    // Keeps the optimiser from dropping the parse loop.
    if ok == 0 {
        return Err(JsValue::from_str("no frame parsed"));
    }

    let mut chat = ready_chat()?;
    let mut ms = 10u64;
    let mut answered = 0usize;
    let start = now_ms();
    for _ in 0..rounds {
        for f in &mix {
            ms += 1;
            chat.handle_frame(f, Instant::from_millis(ms));
            while let Some(t) = chat.poll_transmit() {
                answered += t.len();
            }
            while chat.poll_event().is_some() {}
        }
        ack_all(&mut chat, Instant::from_millis(ms));
    }
    let handle_ms = now_ms() - start;
    if chat.resume_state().is_none() {
        return Err(JsValue::from_str(
            "the chat did not stay connected through the mix",
        ));
    }
    Ok(js_sys::Array::of4(
        &frames.into(),
        &parse_ms.into(),
        &handle_ms.into(),
        &(answered as f64).into(),
    ))
}

/// The frame mix itself, for the page's reference measurement: strophe.js (converse.js's XMPP
/// layer) parses every incoming frame with the browser's `DOMParser`.
#[wasm_bindgen]
pub fn bench_frame_mix() -> js_sys::Array {
    mix().into_iter().map(JsValue::from_str).collect()
}

thread_local! {
    static MOUNTED: RefCell<Option<(ChatStore, MountedWidget)>> = const { RefCell::new(None) };
}

fn store() -> Result<ChatStore, JsValue> {
    MOUNTED
        .with_borrow(|m| m.as_ref().map(|(s, _)| *s))
        .ok_or_else(|| JsValue::from_str("bench_mount first"))
}

/// Mounts the widget on `host`, open and in a chat, with an empty conversation. Visitor actions
/// are dropped (there is no controller).
#[wasm_bindgen]
pub fn bench_mount(host: web_sys::HtmlElement) -> Result<(), JsValue> {
    bench_unmount();
    let store = ChatStore::new(WidgetConfig::default(), true);
    store.set_phase(Phase::Chatting);
    store.set_agent_name(Some("Ana".into()));
    store.open_window();
    let sink = |_: UiAction| {};
    let mounted = mount_widget(&host, store, Rc::new(sink))
        .map_err(|e| JsValue::from_str(&format!("mount: {e:?}")))?;
    MOUNTED.with_borrow_mut(|m| *m = Some((store, mounted)));
    Ok(())
}

/// The `i`-th message of the bench conversation: visitor and agent turns of one to three
/// messages, ordinary lengths, a link now and then (linkified), a minute apart per turn.
fn message(i: u32) -> SavedEntry {
    let turn = i / 2;
    let visitor = turn.is_multiple_of(2);
    let texts = [
        "Hello, I ordered the espresso beans last week and they have not arrived yet.",
        "Thanks! Could you tell me the order number? It starts with NW and has eight digits.",
        "Sure, it is NW20261205. The tracking page says it is still in the warehouse.",
        "I see it: it left today. You can follow it at https://example.com/track/NW20261205 now.",
        "Great, thank you. Can I also change the grind for the next delivery?",
        "Of course. Fine, medium or coarse?",
    ];
    let text = format!("{} (#{i})", texts[i as usize % texts.len()]);
    SavedEntry::Message {
        id: format!("bench-{i}"),
        sender: if visitor {
            Sender::Visitor
        } else {
            Sender::Agent { nick: "Ana".into() }
        },
        text,
        status: MessageStatus::Sent,
        at_ms: Some(1_764_000_000_000 + u64::from(turn) * 60_000),
        earlier: false,
    }
}

/// Replaces the conversation with `n` messages in one store update (what a reload or a
/// tagged user's history does). Returns the ms spent in the update itself; the DOM follows in
/// the effects the page waits for.
#[wasm_bindgen]
pub fn bench_history(n: u32) -> Result<f64, JsValue> {
    let store = store()?;
    let saved: Vec<SavedEntry> = (0..n).map(message).collect();
    let start = now_ms();
    store.restore(saved);
    Ok(now_ms() - start)
}

/// Adds one agent message (a live one, on top of what is shown). Returns the ms spent in the
/// store update.
#[wasm_bindgen]
pub fn bench_append(id: &str, text: &str) -> Result<f64, JsValue> {
    let store = store()?;
    let start = now_ms();
    store.add_agent_message(id, "Ana", text);
    Ok(now_ms() - start)
}

/// Unmounts the widget (everything it added goes away).
#[wasm_bindgen]
pub fn bench_unmount() {
    MOUNTED.with_borrow_mut(|m| *m = None);
}
