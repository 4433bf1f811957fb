//! `cargo xtask demo`: the whole flow on one origin — the shop page with the real widget, the
//! Public API, the embedded XMPP backend and the agent console, all from devserver.
//!
//! It builds `index.html` with trunk (release, offline: no tool downloads) into
//! `target/demo-dist`, then runs devserver in the foreground serving that directory with the
//! embedded backend (no auto-agent: a person answers from `/agent`). The campaigns get an
//! identity secret and devserver's demo signer stands in for the shop's own server, so the
//! page's "log in" shows signed users getting their history back. Ctrl-C stops devserver (it
//! dies with xtask). It does not install tools itself: it asks `setup` for what it needs.

use std::path::Path;
use std::process::Command;

use crate::error::Error;
use crate::proc;
use crate::setup::{self, Needs};

pub const ADDRESS: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

/// The demo campaigns' identity secret (a real site keeps its own on its server).
const IDENTITY_SECRET: &str = "demo-identity-secret";

/// Where trunk writes the demo page (inside `target/`, so `cargo clean` removes it).
const DIST: &str = "target/demo-dist";

pub fn run(root: &Path) -> Result<(), Error> {
    setup::ensure(
        root,
        &Needs {
            wasm_target: true,
            wasm_bindgen: true,
            trunk: true,
            ..Needs::default()
        },
    )?;
    for needed in ["index.html", "Trunk.toml"] {
        if !root.join(needed).is_file() {
            return Err(Error::Setup(format!(
                "{needed} is missing: the demo page is built from it"
            )));
        }
    }
    let dist = root.join(DIST);
    println!(
        "demo: building the widget with trunk into {}",
        dist.display()
    );
    proc::run(
        Command::new(setup::cargo_tool("trunk"))
            .args([
                "build",
                "--release",
                "--offline",
                "--skip-version-check",
                "--dist",
            ])
            .arg(&dist)
            .current_dir(root),
    )?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("demo: starting devserver (embedded XMPP backend)");
    println!("demo:   shop page      http://{ADDRESS}:{PORT}/");
    println!("demo:   agent console  http://{ADDRESS}:{PORT}/agent");
    println!("demo:   every feature  http://{ADDRESS}:{PORT}/?campaign=campaign-all-features");
    println!("demo: Ctrl-C stops everything");
    proc::run_tied(
        Command::new(cargo)
            .args(["run", "-p", "devserver", "--release", "--"])
            .args(["--listen", &format!("{ADDRESS}:{PORT}")])
            .arg("--static-dir")
            .arg(&dist)
            .args(["--backend", "embedded"])
            .args([
                "--identity-secret",
                IDENTITY_SECRET,
                "--demo-identity-signer",
            ])
            .current_dir(root),
    )
}
