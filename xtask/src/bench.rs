//! `cargo xtask bench`: the benchmarks that check speed and size targets (never timed tests).
//!
//! Runs what exists: Criterion-style benches of the protocol crate (`crates/protocol/benches`).
//! With nothing there yet it says so and succeeds; anything it does not know how to run (a JS
//! bench in `bench/`) is an error, so a new benchmark cannot be skipped silently.

use std::path::Path;
use std::process::Command;

use crate::error::Error;
use crate::proc;

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
    if !has_rust_benches {
        println!(
            "bench: no benchmarks yet (looked in {})",
            protocol_benches.display()
        );
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    proc::run(
        Command::new(cargo)
            .args(["bench", "-p", "webchat-protocol"])
            .current_dir(root),
    )
}
