//! `cargo xtask demo`: build the widget with trunk and serve it on http://127.0.0.1:8080/.
//!
//! For now it serves the widget's `index.html` through `trunk serve` (offline: no tool
//! downloads); the devserver issue completes it with the Public API, the agent console and the
//! XMPP backends. It does not install tools itself: it asks `setup` for everything.

use std::path::Path;
use std::process::Command;

use crate::error::Error;
use crate::proc;
use crate::setup::{self, Needs};

pub const ADDRESS: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

pub fn run(root: &Path) -> Result<(), Error> {
    setup::ensure(root, &Needs::all())?;
    for needed in ["index.html", "Trunk.toml"] {
        if !root.join(needed).is_file() {
            return Err(Error::Setup(format!(
                "{needed} does not exist yet: the widget issue adds it, then `cargo xtask demo` serves it"
            )));
        }
    }
    let trunk = setup::cargo_tool("trunk");
    // Offline and without the version check: trunk must never reach for the network here.
    let common = ["--offline", "--skip-version-check"];
    println!("demo: building the widget with trunk");
    proc::run(
        Command::new(&trunk)
            .arg("build")
            .args(common)
            .current_dir(root),
    )?;
    println!("demo: serving http://{ADDRESS}:{PORT}/ (Ctrl-C to stop)");
    proc::run_tied(
        Command::new(&trunk)
            .arg("serve")
            .args(common)
            .args(["--address", ADDRESS, "--port", &PORT.to_string()])
            .current_dir(root),
    )
}
