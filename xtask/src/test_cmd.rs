//! `cargo xtask test`: every test group, with counts, and one verdict CI can parse.
//!
//! Groups run in order: lint (fail fast), native, chromium, firefox, ejabberd, prosody. Each
//! group's output streams to the console and to `target/xtask-logs/GROUP.log`; the counts come
//! from libtest's `test result:` lines (wasm-bindgen-test-runner prints the same), summed over
//! all test binaries. A group fails if a command fails or if it ran zero tests. The last line is
//! always `xtask test: N passed, M failed`.
//!
//! It does not install anything itself (it asks `setup` for what the chosen groups need) and
//! does not know how servers are configured (see `servers`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::error::Error;
use crate::proc;
use crate::servers::{self, Kind};
use crate::setup::{self, Needs};

/// One group of tests. New groups (the devserver's embedded XMPP backend, the Playwright e2e
/// suite) are added here, to [`Group::ALL`], [`Group::needs`] and [`run_group`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Lint,
    Native,
    Chromium,
    Firefox,
    Ejabberd,
    Prosody,
    // Embedded: interop tests against the devserver's built-in backend (issue 4).
    // E2e: the Playwright suite against `cargo xtask demo` (later issues).
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Lint,
        Group::Native,
        Group::Chromium,
        Group::Firefox,
        Group::Ejabberd,
        Group::Prosody,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Lint => "lint",
            Group::Native => "native",
            Group::Chromium => "chromium",
            Group::Firefox => "firefox",
            Group::Ejabberd => "ejabberd",
            Group::Prosody => "prosody",
        }
    }

    fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == s)
    }

    /// What `setup` must have installed before this group can run.
    fn needs(self, needs: &mut Needs) {
        match self {
            Group::Lint | Group::Native => {}
            Group::Chromium => {
                needs.wasm_target = true;
                needs.wasm_bindgen = true;
                needs.add_debs(setup::DEB_CHROMIUM);
            }
            Group::Firefox => {
                needs.wasm_target = true;
                needs.wasm_bindgen = true;
                needs.geckodriver = true;
                needs.add_debs(setup::DEB_FIREFOX);
            }
            Group::Ejabberd => needs.add_debs(setup::DEB_EJABBERD),
            Group::Prosody => needs.add_debs(setup::DEB_PROSODY),
        }
    }

    fn server(self) -> Option<Kind> {
        match self {
            Group::Ejabberd => Some(Kind::Ejabberd),
            Group::Prosody => Some(Kind::Prosody),
            _ => None,
        }
    }
}

/// Test counts, summed over every `test result:` line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// How one group went.
struct Outcome {
    group: Group,
    counts: Counts,
    seconds: f64,
    /// `None` = ok; otherwise why the group failed.
    failure: Option<String>,
}

/// Parse `--only a,b` into groups, in the canonical order.
pub fn parse_only(arg: Option<&str>) -> Result<Vec<Group>, Error> {
    let Some(list) = arg else {
        return Ok(Group::ALL.to_vec());
    };
    let mut wanted = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let group = Group::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
            Error::Usage(format!(
                "unknown test group `{name}`; groups: {}",
                names.join(", ")
            ))
        })?;
        wanted.push(group);
    }
    if wanted.is_empty() {
        return Err(Error::Usage("--only needs at least one group".into()));
    }
    Ok(Group::ALL
        .into_iter()
        .filter(|g| wanted.contains(g))
        .collect())
}

/// Run the chosen groups; print the summary; `Err(TestsFailed)` if any group failed.
pub fn run(root: &Path, groups: &[Group]) -> Result<(), Error> {
    let mut needs = Needs::default();
    for g in groups {
        g.needs(&mut needs);
    }
    setup::ensure(root, &needs)?;

    let log_dir = root.join("target").join("xtask-logs");
    std::fs::create_dir_all(&log_dir).map_err(|e| Error::io(&log_dir, e))?;
    let mut outcomes = Vec::new();

    // Servers start once, side by side, and stop when `running` drops (also on panic or error).
    let kinds: Vec<Kind> = groups.iter().filter_map(|g| g.server()).collect();
    let mut running: Vec<servers::Server> = Vec::new();
    let mut server_error: Option<String> = None;

    for &group in groups {
        if let Some(kind) = group.server() {
            if running.is_empty() && server_error.is_none() {
                banner(&format!("starting test servers: {}", names(&kinds)));
                match servers::start(root, &kinds) {
                    Ok(s) => running = s,
                    Err(e) => server_error = Some(e.to_string()),
                }
            }
            if let Some(e) = &server_error {
                eprintln!("xtask: {e}");
                outcomes.push(Outcome {
                    group,
                    counts: Counts::default(),
                    seconds: 0.0,
                    failure: Some(format!("servers did not start: {e}")),
                });
                continue;
            }
            let Some(server) = running.iter_mut().find(|s| s.kind() == kind) else {
                continue;
            };
            outcomes.push(run_interop(root, &log_dir, group, server));
            continue;
        }
        let outcome = run_group(root, &log_dir, group);
        let lint_failed = group == Group::Lint && outcome.failure.is_some();
        outcomes.push(outcome);
        if lint_failed {
            eprintln!(
                "xtask: lint failed: stopping here (fix it, then run `cargo xtask test` again)"
            );
            break;
        }
    }
    for mut server in running {
        server.stop();
    }
    summarize(&outcomes, &log_dir)
}

fn names(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn banner(text: &str) {
    println!("\n==== xtask: {text} ====");
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run_group(root: &Path, log_dir: &Path, group: Group) -> Outcome {
    match group {
        Group::Lint => run_lint(root, log_dir),
        Group::Native => {
            let mut cmd = cargo();
            cmd.args(["test", "--workspace", "--no-fail-fast"]);
            run_cargo_test(root, log_dir, group, vec![cmd])
        }
        Group::Chromium | Group::Firefox => {
            let runner = setup::cargo_tool("wasm-bindgen-test-runner");
            let mut cmd = cargo();
            cmd.args([
                "test",
                "-p",
                "webchat",
                "--no-fail-fast",
                "--target",
                setup::WASM_TARGET,
            ])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
            .env_remove("SAFARIDRIVER");
            if group == Group::Chromium {
                cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver")
                    .env_remove("GECKODRIVER");
            } else {
                cmd.env("GECKODRIVER", setup::cargo_tool("geckodriver"))
                    .env_remove("CHROMEDRIVER");
            }
            run_cargo_test(root, log_dir, group, vec![cmd])
        }
        Group::Ejabberd | Group::Prosody => Outcome {
            group,
            counts: Counts::default(),
            seconds: 0.0,
            failure: Some("internal: server groups run through run_interop".into()),
        },
    }
}

fn run_interop(root: &Path, log_dir: &Path, group: Group, server: &mut servers::Server) -> Outcome {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--workspace",
        "--no-fail-fast",
        "--",
        "--ignored",
        "interop_",
    ]);
    for (k, v) in server.env() {
        cmd.env(k, v);
    }
    let mut outcome = run_cargo_test(root, log_dir, group, vec![cmd]);
    // A server that died mid-run explains a lot of failures: say so.
    if let Err(e) = server.check_alive() {
        let why = format!("server died during the tests: {e}");
        outcome.failure = Some(match outcome.failure {
            Some(f) => format!("{f}; {why}"),
            None => why,
        });
    }
    outcome
}

/// lint: rustfmt and clippy, each counted as one check.
fn run_lint(root: &Path, log_dir: &Path) -> Outcome {
    banner("lint");
    let started = Instant::now();
    let mut counts = Counts::default();
    let checks: [(&[&str], &str); 2] = [
        (
            &["fmt", "--all", "--check"],
            "code is not rustfmt-formatted: run `cargo fmt --all` (or `cargo fmt -p CRATE`)",
        ),
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            "clippy found warnings (above): fix them",
        ),
    ];
    let log_path = log_dir.join("lint.log");
    for (args, hint) in checks {
        let mut cmd = cargo();
        cmd.args(args).current_dir(root);
        println!("$ cargo {}", args.join(" "));
        let result =
            open_log(&log_path, counts.passed > 0).and_then(|log| proc::run_teed(&mut cmd, log));
        match result {
            Ok((status, _)) if status.success() => counts.passed += 1,
            Ok((status, _)) => {
                counts.failed += 1;
                return Outcome {
                    group: Group::Lint,
                    counts,
                    seconds: started.elapsed().as_secs_f64(),
                    failure: Some(format!("`cargo {}` {status}: {hint}", args.join(" "))),
                };
            }
            Err(e) => {
                counts.failed += 1;
                return Outcome {
                    group: Group::Lint,
                    counts,
                    seconds: started.elapsed().as_secs_f64(),
                    failure: Some(e.to_string()),
                };
            }
        }
    }
    Outcome {
        group: Group::Lint,
        counts,
        seconds: started.elapsed().as_secs_f64(),
        failure: None,
    }
}

fn open_log(path: &PathBuf, append: bool) -> Result<File, Error> {
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// Run cargo test commands for one group, teeing to its log and summing the counts.
fn run_cargo_test(root: &Path, log_dir: &Path, group: Group, cmds: Vec<Command>) -> Outcome {
    banner(group.name());
    let started = Instant::now();
    let log_path = log_dir.join(format!("{}.log", group.name()));
    let mut counts = Counts::default();
    let mut failure = None;
    for (i, mut cmd) in cmds.into_iter().enumerate() {
        cmd.current_dir(root);
        println!("$ {}", proc::describe(&cmd));
        let result = open_log(&log_path, i > 0).and_then(|log| proc::run_teed(&mut cmd, log));
        match result {
            Ok((status, stdout)) => {
                counts.add(parse_counts(&stdout));
                if !status.success() && failure.is_none() {
                    failure = Some(format!(
                        "`{}` {status} (log: {})",
                        proc::describe(&cmd),
                        log_path.display()
                    ));
                }
            }
            Err(e) => failure = failure.or(Some(e.to_string())),
        }
    }
    if failure.is_none() && counts.failed > 0 {
        failure = Some(format!("{} tests failed", counts.failed));
    }
    if failure.is_none() && counts.passed == 0 {
        failure = Some("ran zero tests: this group must run at least one".into());
    }
    Outcome {
        group,
        counts,
        seconds: started.elapsed().as_secs_f64(),
        failure,
    }
}

/// Sum libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; …` lines.
pub fn parse_counts(stdout: &str) -> Counts {
    let mut total = Counts::default();
    for line in stdout.lines() {
        let line = strip_ansi(line);
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        // Skip the verdict word ("ok." / "FAILED.").
        let rest = rest.split_once(". ").map_or(rest, |(_, r)| r);
        for part in rest.split(';') {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => total.passed += n,
                "failed" => total.failed += n,
                "ignored" => total.ignored += n,
                _ => {}
            }
        }
    }
    total
}

/// Drop terminal colour codes (ESC [ … letter) that some runners print even into pipes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn summarize(outcomes: &[Outcome], log_dir: &Path) -> Result<(), Error> {
    println!("\n==== xtask test: summary ====");
    println!(
        "{:<10} {:>7} {:>7} {:>8} {:>8}  result",
        "group", "passed", "failed", "ignored", "seconds"
    );
    let mut total = Counts::default();
    let mut failed_groups = Vec::new();
    for o in outcomes {
        total.add(o.counts);
        println!(
            "{:<10} {:>7} {:>7} {:>8} {:>8.1}  {}",
            o.group.name(),
            o.counts.passed,
            o.counts.failed,
            o.counts.ignored,
            o.seconds,
            if o.failure.is_some() { "FAILED" } else { "ok" }
        );
        if let Some(why) = &o.failure {
            failed_groups.push(o.group.name().to_owned());
            println!("           {why}");
        }
    }
    println!("logs: {}", log_dir.display());
    if !failed_groups.is_empty() {
        println!("failed groups: {}", failed_groups.join(", "));
    }
    // CI parses this exact form: it must stay the last line.
    println!(
        "xtask test: {} passed, {} failed",
        total.passed, total.failed
    );
    if failed_groups.is_empty() {
        Ok(())
    } else {
        Err(Error::TestsFailed { failed_groups })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sum_over_binaries_and_doctests() {
        let out = "\
running 2 tests
test a ... ok
test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 5 filtered out; finished in 1.20s
   Doc-tests webchat_protocol
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            parse_counts(out),
            Counts {
                passed: 5,
                failed: 2,
                ignored: 1
            }
        );
    }

    #[test]
    fn counts_ignore_colour_codes_and_other_lines() {
        let out =
            "\u{1b}[32mtest result: ok. 4 passed; 0 failed; 0 ignored\u{1b}[0m\nno tests to run!\n";
        assert_eq!(parse_counts(out).passed, 4);
        assert_eq!(parse_counts("nothing here"), Counts::default());
    }

    #[test]
    fn only_keeps_canonical_order_and_rejects_unknown_groups() {
        let groups = parse_only(Some("prosody,ejabberd")).expect("valid groups");
        assert_eq!(groups, vec![Group::Ejabberd, Group::Prosody]);
        assert_eq!(parse_only(None).expect("all").len(), Group::ALL.len());
        assert!(matches!(parse_only(Some("nope")), Err(Error::Usage(_))));
        assert!(matches!(parse_only(Some(",")), Err(Error::Usage(_))));
    }
}
