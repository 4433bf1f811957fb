//! xtask: the project's only automation entry (`cargo xtask …`, an alias in .cargo/config.toml).
//!
//! Subcommands: `setup` (install everything), `test` (all test groups, with counts), `servers`
//! (private ejabberd and Prosody for manual runs), `demo`, `dist` (release build + sizes) and
//! `bench`. Each subcommand installs what it needs first, so a newcomer on a fresh Debian machine
//! runs `cargo xtask demo` or `cargo xtask test` and nothing else. It holds no product logic.

mod bench;
mod demo;
mod dist;
mod error;
mod only;
mod proc;
mod servers;
mod setup;
mod test_cmd;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use error::Error;

pub const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup [--check]        install everything the other commands need (idempotent);
                         --check: only report what is missing
  test [--only G,G]      run test groups (all by default), with counts. Groups:
                           lint          cargo fmt --check and clippy (native and wasm32)
                           native        cargo test of the workspace
                           chromium      wasm-bindgen browser tests in headless Chromium
                           firefox       the same in headless Firefox
                           embedded      interop tests against devserver's embedded XMPP backend
                           ejabberd      interop tests against a private ejabberd
                           prosody       interop tests against a private Prosody
                           e2e-embedded  Playwright end-to-end tests, embedded backend
                           e2e-ejabberd  the same through ejabberd
                           e2e-prosody   the same through Prosody
                         WEBCHAT_E2E_ONLY=text runs only the e2e files whose name contains it
  servers [--only S]     run private ejabberd and Prosody on 127.0.0.1 until Ctrl-C
  demo                   build the demo shop page and run devserver with it: http://127.0.0.1:8080/ (agent console: /agent)
  dist [--no-budget]     release build into dist/ (script tag) and dist/npm/ (ES module package),
                         with raw/gzip/brotli sizes; fails over the budgets (first view 30 KB,
                         whole chat 300 KB brotli) unless --no-budget (the table still shows
                         where it stands)
  bench [--quick] [--only A,A]
                         every figure of the size and speed budget side by side with converse.js, written to
                         bench/RESULTS.md (+ chart); areas: size, tbt, intent, frames, history,
                         roundtrip, ejabberd, fault, load. --quick: fewer runs, smaller
                         scenarios; --quick/--only write under target/bench/ instead";

fn main() -> ExitCode {
    proc::install_signal_cleanup();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // The summary (ending in the line CI parses) is already printed: add nothing after it.
        Err(Error::TestsFailed { .. }) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: xtask lives in `ROOT/xtask`.
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_owned()
}

fn run(args: &[String]) -> Result<(), Error> {
    let root = root();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => return Err(Error::Usage("no command given".into())),
    };
    match command {
        "setup" => {
            let mode = match rest {
                [] => setup::Mode::Install,
                [flag] if flag == "--check" => setup::Mode::Check,
                [a, ..] => return Err(Error::Usage(format!("unexpected argument `{a}`"))),
            };
            setup::ensure_with(&root, &setup::Needs::all(), mode)
        }
        "test" => {
            let only = only_option(rest)?;
            let groups = test_cmd::parse_only(only.as_deref())?;
            test_cmd::run(&root, &groups)
        }
        "servers" => {
            let only = only_option(rest)?;
            servers_cmd(&root, only.as_deref())
        }
        "demo" => {
            no_args(rest)?;
            demo::run(&root)
        }
        "dist" => {
            let enforce_budget = match rest {
                [] => true,
                [flag] if flag == "--no-budget" => false,
                [a, ..] => return Err(Error::Usage(format!("unexpected argument `{a}`"))),
            };
            // `dist::run` is the budget-enforcing default; `run_with` says whether to enforce.
            if enforce_budget {
                dist::run(&root)
            } else {
                dist::run_with(&root, enforce_budget)
            }
        }
        "bench" => bench::run(&root, rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Error::Usage(format!("unknown command `{other}`"))),
    }
}

fn no_args(rest: &[String]) -> Result<(), Error> {
    match rest.first() {
        None => Ok(()),
        Some(a) => Err(Error::Usage(format!("unexpected argument `{a}`"))),
    }
}

/// `--only a,b` or `--only=a,b`; nothing else is accepted.
fn only_option(rest: &[String]) -> Result<Option<String>, Error> {
    match rest {
        [] => Ok(None),
        [flag, value] if flag == "--only" => Ok(Some(value.clone())),
        [flag] if flag.starts_with("--only=") => Ok(Some(flag["--only=".len()..].to_owned())),
        [a, ..] => Err(Error::Usage(format!("unexpected argument `{a}`"))),
    }
}

/// `cargo xtask servers`: start the servers, print how to reach them, run until Ctrl-C
/// (the signal thread stops them) or until one of them dies.
fn servers_cmd(root: &Path, only: Option<&str>) -> Result<(), Error> {
    let kinds = match only {
        None => servers::Kind::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|s| {
                servers::Kind::parse(s.trim()).ok_or_else(|| {
                    Error::Usage(format!("unknown server `{s}`; servers: ejabberd, prosody"))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let mut needs = setup::Needs::default();
    for k in &kinds {
        needs.add_debs(match k {
            servers::Kind::Ejabberd => setup::DEB_EJABBERD,
            servers::Kind::Prosody => setup::DEB_PROSODY,
        });
    }
    setup::ensure(root, &needs)?;
    let mut running = servers::start(root, &kinds)?;
    println!();
    for server in &running {
        let env: Vec<String> = server
            .env()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "{}:\n  {} \\\n    cargo test -p webchat-protocol -- --ignored interop_",
            server.kind(),
            env.join(" ")
        );
    }
    println!(
        "\nAccounts: register in-band (XEP-0077) on {} or {}. Ctrl-C stops the servers.",
        servers::VISITOR_DOMAIN,
        servers::AGENT_DOMAIN
    );
    loop {
        std::thread::sleep(Duration::from_secs(1));
        for server in &mut running {
            server.check_alive()?;
        }
    }
}
