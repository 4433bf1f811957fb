//! `cargo xtask bench`: the benchmarks that check speed and size targets (never timed tests).
//!
//! Runs what exists: Criterion-style benches of the protocol crate (`crates/protocol/benches`),
//! then devserver's load benchmark (`devserver/benches/load.rs`, issue 4: 500 concurrent
//! visitor sessions through the Public API and the embedded XMPP backend, each chatting with
//! the bot) twice: paced (every visitor sends a message a second, a very busy chat) and at
//! saturation (every visitor sends its next message as soon as the answer arrives). Each run
//! prints sessions held, messages/s, p50/p99 round trip, CPU per round trip and whether the
//! target (p99 < 100 ms) holds. The load bench builds with the `native-release` profile: the
//! `release` profile is tuned for the wasm size budget (`opt-level = "z"`), which halves the
//! native throughput.
//! What it does not: fail on a missed latency target (the machine may be shared; the numbers
//! are printed for a person to judge), or run anything it does not know: a JS bench in
//! `bench/` is an error, so a new benchmark cannot be skipped silently.

use std::path::Path;
use std::process::Command;

use crate::error::Error;
use crate::proc;

/// Sessions and messages per visitor of the load runs (issue 4's target is 500 sessions).
const LOAD_SESSIONS: &str = "500";
const LOAD_MESSAGES: &str = "20";

pub fn run(root: &Path) -> Result<(), Error> {
    let protocol_benches = root.join("crates").join("protocol").join("benches");
    let has_rust_benches = std::fs::read_dir(&protocol_benches)
        .map(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "rs"))
        })
        .unwrap_or(false);
    let js_bench = root.join("bench");
    if js_bench.exists() {
        return Err(Error::Setup(format!(
            "{} exists but xtask does not run it yet: wire it up in xtask/src/bench.rs",
            js_bench.display()
        )));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    if has_rust_benches {
        proc::run(
            Command::new(&cargo)
                .args(["bench", "-p", "webchat-protocol"])
                .current_dir(root),
        )?;
    } else {
        println!(
            "bench: no protocol benchmarks yet (looked in {})",
            protocol_benches.display()
        );
    }
    // Paced first (the realistic load), then saturation (the capacity).
    for pause_ms in ["1000", "0"] {
        println!(
            "bench: devserver load, {LOAD_SESSIONS} sessions x {LOAD_MESSAGES} messages, {pause_ms} ms think time"
        );
        proc::run(
            Command::new(&cargo)
                .args([
                    "bench",
                    "--profile",
                    "native-release",
                    "-p",
                    "devserver",
                    "--bench",
                    "load",
                    "--",
                    "--sessions",
                    LOAD_SESSIONS,
                    "--messages",
                    LOAD_MESSAGES,
                    "--pause-ms",
                    pause_ms,
                ])
                .current_dir(root),
        )?;
    }
    Ok(())
}
