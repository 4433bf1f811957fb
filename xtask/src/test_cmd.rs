//! `cargo xtask test`: every test group, with counts, and one verdict CI can parse.
//!
//! Groups run in order: lint (fail fast), native, chromium, firefox, embedded, ejabberd,
//! prosody, e2e-embedded, e2e-ejabberd, e2e-prosody. Each group's output streams to the console
//! and to `target/xtask-logs/GROUP.log`; the counts come from libtest's `test result:` lines
//! (wasm-bindgen-test-runner prints the same), summed over all test binaries, or for the e2e
//! groups from the TAP summary of Node's test runner (skipped tests are not passes). A group
//! fails if a command fails or if it passed zero tests. The last line is always
//! `xtask test: N passed, M failed`.
//!
//! The embedded group runs the `interop_*` tests with `WEBCHAT_XMPP_SERVER=embedded` against a
//! devserver xtask starts (devserver's own suite starts one in-process instead). The e2e groups
//! build the widget's wasm package once (release, as `dist` does), assemble a site dir (`/pkg/`
//! and `e2e/pages/` at `/pages/`, in `target/e2e-runs/PID`), start devserver with
//! `--test-control` and the group's backend on a free port, and run `node --test` on
//! `e2e/tests/*.test.mjs` and `e2e/bench/*.test.mjs` (`WEBCHAT_E2E_ONLY=SUBSTRING` keeps only
//! the files whose name contains it).
//!
//! It does not install anything itself (it asks `setup` for what the chosen groups need) and
//! does not know how servers are configured (see `servers`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::dist;
use crate::error::Error;
use crate::proc;
use crate::servers::devserver::{self, Devserver};
use crate::servers::{self, Kind};
use crate::setup::{self, Needs};

/// The campaigns' identity secret in the e2e groups.
const E2E_IDENTITY_SECRET: &str = "e2e-identity-secret";

/// One group of tests. New groups are added here, to [`Group::ALL`], [`Group::needs`] and the
/// dispatch in [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Lint,
    Native,
    Chromium,
    Firefox,
    /// The `interop_*` tests against devserver's embedded XMPP server.
    Embedded,
    Ejabberd,
    Prosody,
    /// The Playwright suite against devserver on each backend.
    E2eEmbedded,
    E2eEjabberd,
    E2eProsody,
}

impl Group {
    pub const ALL: [Group; 10] = [
        Group::Lint,
        Group::Native,
        Group::Chromium,
        Group::Firefox,
        Group::Embedded,
        Group::Ejabberd,
        Group::Prosody,
        Group::E2eEmbedded,
        Group::E2eEjabberd,
        Group::E2eProsody,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Lint => "lint",
            Group::Native => "native",
            Group::Chromium => "chromium",
            Group::Firefox => "firefox",
            Group::Embedded => "embedded",
            Group::Ejabberd => "ejabberd",
            Group::Prosody => "prosody",
            Group::E2eEmbedded => "e2e-embedded",
            Group::E2eEjabberd => "e2e-ejabberd",
            Group::E2eProsody => "e2e-prosody",
        }
    }

    fn is_e2e(self) -> bool {
        matches!(
            self,
            Group::E2eEmbedded | Group::E2eEjabberd | Group::E2eProsody
        )
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
            Group::Embedded => {}
            Group::Ejabberd => needs.add_debs(setup::DEB_EJABBERD),
            Group::Prosody => needs.add_debs(setup::DEB_PROSODY),
            Group::E2eEmbedded | Group::E2eEjabberd | Group::E2eProsody => {
                needs.wasm_target = true;
                needs.wasm_bindgen = true;
                needs.e2e_npm = true;
                needs.build_npm = true;
                needs.add_debs(setup::DEB_CHROMIUM);
                match self.server() {
                    Some(Kind::Ejabberd) => needs.add_debs(setup::DEB_EJABBERD),
                    Some(Kind::Prosody) => needs.add_debs(setup::DEB_PROSODY),
                    None => {}
                }
            }
        }
    }

    /// The real XMPP server the group needs running.
    fn server(self) -> Option<Kind> {
        match self {
            Group::Ejabberd | Group::E2eEjabberd => Some(Kind::Ejabberd),
            Group::Prosody | Group::E2eProsody => Some(Kind::Prosody),
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
    match arg {
        None => Ok(Group::ALL.to_vec()),
        Some(list) => crate::only::pick(list, &Group::ALL, Group::name, "test group", "group"),
    }
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
    let mut kinds: Vec<Kind> = Vec::new();
    for kind in groups.iter().filter_map(|g| g.server()) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let mut running: Vec<servers::Server> = Vec::new();
    let mut server_error: Option<String> = None;
    // The e2e groups share one build of the site (wasm package + pages) and of devserver.
    let mut e2e_site: Option<Result<E2eSite, String>> = None;

    for &group in groups {
        let mut server = None;
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
                outcomes.push(failed(group, format!("servers did not start: {e}")));
                continue;
            }
            server = running.iter_mut().find(|s| s.kind() == kind);
            if server.is_none() {
                outcomes.push(failed(group, format!("internal: no {kind} server running")));
                continue;
            }
        }
        let outcome = match (group, server) {
            (Group::Ejabberd | Group::Prosody, Some(server)) => {
                run_interop(root, &log_dir, group, server)
            }
            (Group::Embedded, _) => run_embedded(root, &log_dir),
            (g, server) if g.is_e2e() => {
                let site = e2e_site.get_or_insert_with(|| {
                    banner("building the e2e site (wasm package, pages) and devserver");
                    E2eSite::build(root).map_err(|e| e.to_string())
                });
                match site {
                    Ok(site) => run_e2e(root, &log_dir, group, site, server),
                    Err(e) => failed(group, format!("the e2e site did not build: {e}")),
                }
            }
            (g, _) => run_group(root, &log_dir, g),
        };
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

/// A group that could not run.
fn failed(group: Group, why: String) -> Outcome {
    Outcome {
        group,
        counts: Counts::default(),
        seconds: 0.0,
        failure: Some(why),
    }
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
                "-p",
                "webchat-launcher",
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
        other => failed(
            other,
            "internal: server, embedded and e2e groups have their own runners".into(),
        ),
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

/// embedded: the `interop_*` tests against devserver's embedded XMPP server. devserver's own
/// suite starts devserver in-process for `WEBCHAT_XMPP_SERVER=embedded`; the protocol crate's
/// suites connect to the URL, so a devserver runs for them here.
fn run_embedded(root: &Path, log_dir: &Path) -> Outcome {
    let started = Instant::now();
    let server = devserver::build(root).and_then(|bin| {
        Devserver::start(
            root,
            &bin,
            &devserver::Options {
                name: "embedded",
                backend: devserver::Backend::Embedded,
                test_control: false,
                static_dir: None,
            },
        )
    });
    let mut server = match server {
        Ok(s) => s,
        Err(e) => {
            let mut o = failed(Group::Embedded, format!("devserver did not start: {e}"));
            o.seconds = started.elapsed().as_secs_f64();
            return o;
        }
    };
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--workspace",
        "--no-fail-fast",
        "--",
        "--ignored",
        "interop_",
    ]);
    for (k, v) in server.xmpp_env() {
        cmd.env(k, v);
    }
    let mut outcome = run_cargo_test(root, log_dir, Group::Embedded, vec![cmd]);
    if let Err(e) = server.check_alive() {
        append_failure(
            &mut outcome,
            format!("devserver died during the tests: {e}"),
        );
    }
    server.stop();
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn append_failure(outcome: &mut Outcome, why: String) {
    outcome.failure = Some(match outcome.failure.take() {
        Some(f) => format!("{f}; {why}"),
        None => why,
    });
}

/// What every e2e group serves and runs: built once per `cargo xtask test`.
struct E2eSite {
    /// `target/e2e-runs/PID`: `/pkg/` (the wasm-bindgen package), `dist/` (the shipped layout)
    /// and `/pages/` (`e2e/pages/`); removed when the run ends.
    dir: PathBuf,
    /// The devserver binary.
    devserver: PathBuf,
    /// The test files, sorted.
    tests: Vec<PathBuf>,
    /// Seconds the build took (counted in the first e2e group's time).
    build_seconds: f64,
    reported_build: std::cell::Cell<bool>,
}

impl E2eSite {
    fn build(root: &Path) -> Result<E2eSite, Error> {
        let started = Instant::now();
        let tests = e2e_test_files(root)?;
        // One dir per xtask process: developers run e2e groups side by side on one machine.
        let runs = root.join("target").join("e2e-runs");
        remove_stale_runs(&runs);
        let dir = runs.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        dist::build_pkg(root, &dir.join("pkg"))?;
        // The shipped layout too (loader.js rewritten with the content-hashed names, npm/):
        // the embed tests load exactly what `cargo xtask dist` ships.
        dist::layout(root, &dir.join("pkg"), &dir.join("dist"))?;
        dist::copy_dir(&root.join(setup::E2E_DIR).join("pages"), &dir.join("pages"))?;
        let devserver = devserver::build(root)?;
        Ok(E2eSite {
            dir,
            devserver,
            tests,
            build_seconds: started.elapsed().as_secs_f64(),
            reported_build: std::cell::Cell::new(false),
        })
    }
}

impl Drop for E2eSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Site dirs of xtask processes that are gone (killed before they could clean up).
fn remove_stale_runs(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let alive = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `e2e/tests/*.test.mjs`, then the bench helpers' unit tests (`e2e/bench/*.test.mjs`: quick,
/// no browser), each set sorted; with `WEBCHAT_E2E_ONLY` only names containing it.
fn e2e_test_files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let only = std::env::var("WEBCHAT_E2E_ONLY")
        .ok()
        .filter(|s| !s.is_empty());
    let mut all = Vec::new();
    for sub in ["tests", "bench"] {
        let dir = root.join(setup::E2E_DIR).join(sub);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                name.is_some_and(|n| {
                    n.ends_with(".test.mjs") && only.as_deref().is_none_or(|o| n.contains(o))
                })
            })
            .collect();
        files.sort();
        all.extend(files);
    }
    Ok(all)
}

/// One e2e group: devserver with `--test-control` and the group's backend, then `node --test`.
fn run_e2e(
    root: &Path,
    log_dir: &Path,
    group: Group,
    site: &E2eSite,
    server: Option<&mut servers::Server>,
) -> Outcome {
    banner(group.name());
    let started = Instant::now();
    let backend = match group.server() {
        Some(kind) => devserver::Backend::External(kind),
        None => devserver::Backend::Embedded,
    };
    let finish = |mut o: Outcome| {
        o.seconds = started.elapsed().as_secs_f64();
        // The shared build is part of the first e2e group's time.
        if !site.reported_build.replace(true) {
            o.seconds += site.build_seconds;
        }
        o
    };
    if site.tests.is_empty() {
        return finish(failed(
            group,
            "no e2e/tests/*.test.mjs files (or none match WEBCHAT_E2E_ONLY)".into(),
        ));
    }
    // The tests sign users as a site's server would (and the SPA example through devserver's
    // demo signer), with this secret.
    let mut dev = match Devserver::start_with(
        root,
        &site.devserver,
        &devserver::Options {
            name: group.name(),
            backend,
            test_control: true,
            static_dir: Some(&site.dir),
        },
        &[
            "--identity-secret",
            E2E_IDENTITY_SECRET,
            "--demo-identity-signer",
        ],
    ) {
        Ok(d) => d,
        Err(e) => return finish(failed(group, format!("devserver did not start: {e}"))),
    };
    let artifacts = root
        .join("target")
        .join("e2e-artifacts")
        .join(backend.name());
    let _ = std::fs::remove_dir_all(&artifacts);
    if let Err(e) = std::fs::create_dir_all(&artifacts) {
        return finish(failed(group, Error::io(&artifacts, e).to_string()));
    }
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
        .args(&site.tests)
        .current_dir(root.join(setup::E2E_DIR))
        .env("WEBCHAT_E2E_URL", dev.base_url())
        .env("WEBCHAT_E2E_BACKEND", backend.name())
        .env("WEBCHAT_E2E_PKG", site.dir.join("pkg"))
        .env("WEBCHAT_E2E_DIST", site.dir.join("dist"))
        .env("WEBCHAT_E2E_ARTIFACTS", &artifacts)
        .env("WEBCHAT_E2E_IDENTITY_SECRET", E2E_IDENTITY_SECRET);
    println!("$ {}", proc::describe(&cmd));
    let log_path = log_dir.join(format!("{}.log", group.name()));
    let mut outcome = failed(group, String::new());
    outcome.failure = None;
    match open_log(&log_path, false).and_then(|log| proc::run_teed(&mut cmd, log)) {
        Ok((status, stdout)) => match parse_tap(&stdout) {
            Some(counts) => {
                outcome.counts = counts;
                if !status.success() {
                    outcome.failure = Some(format!(
                        "node --test {status}; {} failed (log: {})",
                        counts.failed,
                        log_path.display()
                    ));
                }
            }
            None => {
                outcome.failure = Some(format!(
                    "node --test {status} without a TAP summary (log: {})",
                    log_path.display()
                ))
            }
        },
        Err(e) => outcome.failure = Some(e.to_string()),
    }
    if outcome.failure.is_none() && outcome.counts.failed > 0 {
        outcome.failure = Some(format!("{} tests failed", outcome.counts.failed));
    }
    if outcome.failure.is_none() && outcome.counts.passed == 0 {
        outcome.failure = Some("passed zero tests: this group must pass at least one".into());
    }
    if let Err(e) = dev.check_alive() {
        append_failure(
            &mut outcome,
            format!("devserver died during the tests: {e}"),
        );
    }
    if let Some(server) = server {
        if let Err(e) = server.check_alive() {
            append_failure(&mut outcome, format!("server died during the tests: {e}"));
        }
    }
    dev.stop();
    println!(
        "screenshots: {}; devserver log: {}",
        artifacts.display(),
        dev.log().display()
    );
    finish(outcome)
}

/// The summary of Node's TAP reporter (`# pass N`, `# fail N`, `# cancelled N`, `# skipped N`,
/// `# todo N`, at column 0). Cancelled tests count as failed; skipped and todo as ignored, never
/// as passed. `None` without a summary (the runner died).
pub fn parse_tap(stdout: &str) -> Option<Counts> {
    let mut counts = Counts::default();
    let mut seen = false;
    for line in stdout.lines() {
        let line = strip_ansi(line);
        let Some(rest) = line.strip_prefix("# ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Some(what), Some(n), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "pass" => {
                counts.passed = n;
                seen = true;
            }
            "fail" | "cancelled" => counts.failed += n,
            "skipped" | "todo" => counts.ignored += n,
            _ => {}
        }
    }
    seen.then_some(counts)
}

/// lint: rustfmt, clippy natively and clippy for the widget's wasm32 target (both download
/// stages, their browser test files and the benchmark hooks included), each counted as one check.
fn run_lint(root: &Path, log_dir: &Path) -> Outcome {
    banner("lint");
    let started = Instant::now();
    let mut counts = Counts::default();
    let checks: [(&[&str], &str); 3] = [
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
        (
            &[
                "clippy",
                "-p",
                "webchat",
                "-p",
                "webchat-launcher",
                "--target",
                setup::WASM_TARGET,
                "--all-targets",
                // The benchmark hooks are only built by `bench`: lint them here so they keep compiling.
                "--features",
                "webchat/bench",
                "--",
                "-D",
                "warnings",
            ],
            "clippy found warnings in the widget's wasm32 build (above): fix them",
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
        "{:<13} {:>7} {:>7} {:>8} {:>8}  result",
        "group", "passed", "failed", "ignored", "seconds"
    );
    let mut total = Counts::default();
    let mut failed_groups = Vec::new();
    for o in outcomes {
        total.add(o.counts);
        println!(
            "{:<13} {:>7} {:>7} {:>8} {:>8.1}  {}",
            o.group.name(),
            o.counts.passed,
            o.counts.failed,
            o.counts.ignored,
            o.seconds,
            if o.failure.is_some() { "FAILED" } else { "ok" }
        );
        if let Some(why) = &o.failure {
            failed_groups.push(o.group.name().to_owned());
            println!("              {why}");
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
    #[test]
    fn tap_summary_counts_skips_apart_from_passes() {
        let out = "\
TAP version 13
ok 1 - passes
ok 2 - skips # SKIP only on prosody
not ok 3 - fails
    # Subtest: inner
    # pass 99
1..3
# tests 4
# suites 0
# pass 2
# fail 1
# cancelled 1
# skipped 1
# todo 1
# duration_ms 169.03
";
        assert_eq!(
            parse_tap(out),
            Some(Counts {
                passed: 2,
                failed: 2,
                ignored: 2
            })
        );
        assert_eq!(parse_tap("TAP version 13\nnot ok 1 - crashed\n"), None);
    }
}
