//! `cargo xtask setup`: make a fresh Debian machine ready, idempotently.
//!
//! Each tool is a step that first checks (and says what it checked), then skips or installs, and
//! prints how long it took. Commands ask only for what they need through [`Needs`]: `test` never
//! waits for trunk's ~15 minute build, `demo` does. Cargo-installed tools are looked up in
//! `$CARGO_HOME/bin` explicitly, because a fresh shell may not have it on PATH yet.
//!
//! It does not start services or touch configuration; the servers module runs private instances.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::error::Error;
use crate::proc;

/// trunk is pinned: newer releases change flags and try to download tools.
pub const TRUNK_VERSION: &str = "0.21.14";
/// geckodriver is pinned to the release verified against Debian's firefox-esr here.
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// The one target the widget builds for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages for the browsers the wasm tests run in.
pub const DEB_CHROMIUM: &[&str] = &["chromium", "chromium-driver"];
pub const DEB_FIREFOX: &[&str] = &["firefox-esr"];
/// Debian packages for the real XMPP servers of the interop tests.
pub const DEB_EJABBERD: &[&str] = &["ejabberd"];
pub const DEB_PROSODY: &[&str] = &["prosody"];
/// Debian's Node.js, only installed when the machine has none (it may be older than needed).
pub const DEB_NODE: &[&str] = &["nodejs", "npm"];
/// `node --test --test-concurrency` (the e2e suite) needs Node 20.10 or later; the build tools
/// (terser, binaryen's wasm-opt) are run and tested with the same Node.js.
pub const NODE_MIN_MAJOR: u32 = 20;
/// The e2e suite's npm project (package.json + committed package-lock.json).
pub const E2E_DIR: &str = "e2e";
/// The build's npm project: terser and binaryen, run on what ships.
pub const BUILDTOOLS_DIR: &str = "buildtools";
/// `cargo xtask dist` measures brotli sizes with Debian's CLI.
pub const DEB_DIST: &[&str] = &["brotli"];

/// What a command needs installed before it can run.
#[derive(Debug, Default, Clone)]
pub struct Needs {
    pub wasm_target: bool,
    pub wasm_bindgen: bool,
    pub geckodriver: bool,
    pub trunk: bool,
    /// Node.js (>= [`NODE_MIN_MAJOR`]) with npm, and `npm ci` in `e2e/` (the Playwright suite).
    pub e2e_npm: bool,
    /// Node.js with npm, and `npm ci` in `buildtools/` (terser and wasm-opt for the release build).
    pub build_npm: bool,
    pub debs: BTreeSet<&'static str>,
}

impl Needs {
    /// Everything: what `cargo xtask setup` installs.
    pub fn all() -> Self {
        let mut n = Needs {
            wasm_target: true,
            wasm_bindgen: true,
            geckodriver: true,
            trunk: true,
            e2e_npm: true,
            build_npm: true,
            debs: BTreeSet::new(),
        };
        for set in [
            DEB_CHROMIUM,
            DEB_FIREFOX,
            DEB_EJABBERD,
            DEB_PROSODY,
            DEB_DIST,
        ] {
            n.add_debs(set);
        }
        n
    }

    pub fn add_debs(&mut self, debs: &[&'static str]) {
        self.debs.extend(debs.iter().copied());
    }

    pub fn is_empty(&self) -> bool {
        !self.wasm_target
            && !self.wasm_bindgen
            && !self.geckodriver
            && !self.trunk
            && !self.e2e_npm
            && !self.build_npm
            && self.debs.is_empty()
    }
}

/// `$CARGO_HOME/bin`, defaulting to `~/.cargo/bin` like cargo does.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cargo").join("bin")
}

/// A cargo-installed tool: `$CARGO_HOME/bin/NAME` if it exists, else NAME for a PATH lookup.
pub fn cargo_tool(name: &str) -> PathBuf {
    let p = cargo_bin_dir().join(name);
    if p.is_file() {
        p
    } else {
        PathBuf::from(name)
    }
}

/// Where cargo puts what it builds for the workspace at `root`: `$CARGO_TARGET_DIR` when set,
/// else `root/target`. Cargo resolves a relative one against its working directory, which is
/// `root` for every cargo run xtask starts.
/// xtask's own files (logs, bench pages, e2e artifacts) stay under `root/target` either way.
pub fn cargo_target_dir(root: &Path) -> PathBuf {
    target_dir_from(root, std::env::var_os("CARGO_TARGET_DIR"))
}

fn target_dir_from(root: &Path, env: Option<std::ffi::OsString>) -> PathBuf {
    match env.filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The exact version of the `wasm-bindgen` crate in Cargo.lock: the CLI must match it exactly.
pub fn wasm_bindgen_version(root: &Path) -> Result<String, Error> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    let versions = lock_versions(&lock, "wasm-bindgen");
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::Setup(format!(
            "no `wasm-bindgen` package in {}: build the workspace once so cargo writes it",
            lock_path.display()
        ))),
        many => Err(Error::Setup(format!(
            "several `wasm-bindgen` versions in Cargo.lock ({}): the CLI can match only one",
            many.join(", ")
        ))),
    }
}

/// All versions of package `name` in a Cargo.lock text.
fn lock_versions(lock: &str, name: &str) -> Vec<String> {
    let wanted = format!("name = \"{name}\"");
    let mut out = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                out.push(v.trim_matches('"').to_owned());
            }
        }
    }
    out
}

/// Second word of a `tool X.Y.Z (…)` version line, if the tool runs.
fn tool_version(program: &Path) -> Option<String> {
    let out = proc::output(Command::new(program).arg("--version"))?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// Prints a step's progress and its duration.
struct Step {
    name: String,
    started: Instant,
}

impl Step {
    fn start(name: &str, check: &str) -> Self {
        println!("setup: {name}: checking {check}");
        Step {
            name: name.to_owned(),
            started: Instant::now(),
        }
    }
    fn done(self, what: &str) {
        println!(
            "setup: {}: {what} ({:.1}s)",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Install what is missing, or (`Check`) only report it and fail if anything is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Install,
    Check,
}

/// Make sure everything in `needs` is installed; print each step. The first failure stops.
pub fn ensure(root: &Path, needs: &Needs) -> Result<(), Error> {
    ensure_with(root, needs, Mode::Install)
}

/// [`ensure`], or with [`Mode::Check`] a dry run: every check, no install, an error listing
/// the commands that would have run.
pub fn ensure_with(root: &Path, needs: &Needs, mode: Mode) -> Result<(), Error> {
    if needs.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let mut missing = Vec::new();
    if !needs.debs.is_empty() {
        ensure_debs(&needs.debs, mode, &mut missing)?;
    }
    if needs.wasm_target {
        ensure_wasm_target(mode, &mut missing)?;
    }
    if needs.wasm_bindgen {
        let version = wasm_bindgen_version(root)?;
        ensure_cargo_tool(
            mode,
            &mut missing,
            "wasm-bindgen-cli",
            "wasm-bindgen",
            &version,
            &["install", "wasm-bindgen-cli", "--version", &version],
        )?;
    }
    if needs.geckodriver {
        ensure_cargo_tool(
            mode,
            &mut missing,
            "geckodriver",
            "geckodriver",
            GECKODRIVER_VERSION,
            &[
                "install",
                "--locked",
                "geckodriver",
                "--version",
                GECKODRIVER_VERSION,
            ],
        )?;
    }
    if needs.trunk {
        ensure_cargo_tool(
            mode,
            &mut missing,
            "trunk",
            "trunk",
            TRUNK_VERSION,
            &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
        )?;
    }
    if needs.e2e_npm || needs.build_npm {
        let what = if needs.e2e_npm {
            "the e2e suite (`node --test --test-concurrency`)"
        } else {
            "the release build's tools (terser, wasm-opt)"
        };
        ensure_node(what, mode, &mut missing)?;
    }
    if needs.build_npm {
        ensure_npm_project(root, BUILDTOOLS_DIR, mode, &mut missing)?;
    }
    if needs.e2e_npm {
        ensure_npm_project(root, E2E_DIR, mode, &mut missing)?;
    }
    if !missing.is_empty() {
        return Err(Error::Setup(format!(
            "missing; `cargo xtask setup` would run:\n  {}",
            missing.join("\n  ")
        )));
    }
    println!("setup: ready ({:.1}s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// In check mode: record the command instead of running it. Returns true if it must run.
fn must_install(
    step: Step,
    mode: Mode,
    missing: &mut Vec<String>,
    command: String,
) -> Option<Step> {
    match mode {
        Mode::Install => {
            println!("setup: installing: {command}");
            Some(step)
        }
        Mode::Check => {
            step.done(&format!("MISSING (would run `{command}`)"));
            missing.push(command);
            None
        }
    }
}

fn ensure_wasm_target(mode: Mode, missing: &mut Vec<String>) -> Result<(), Error> {
    let step = Step::start(
        &format!("rust target {WASM_TARGET}"),
        "`rustup target list --installed`",
    );
    let installed = proc::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or_else(|| {
            Error::Setup("`rustup` not found: install Rust with rustup (https://rustup.rs)".into())
        })?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        step.done("present, skipped");
        return Ok(());
    }
    let command = format!("rustup target add {WASM_TARGET}");
    let Some(step) = must_install(step, mode, missing, command) else {
        return Ok(());
    };
    proc::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    step.done("installed");
    Ok(())
}

/// A tool installed with `cargo install`: skip when `$CARGO_HOME/bin/BIN --version` matches.
fn ensure_cargo_tool(
    mode: Mode,
    missing: &mut Vec<String>,
    name: &str,
    bin: &str,
    version: &str,
    args: &[&str],
) -> Result<(), Error> {
    let path = cargo_tool(bin);
    let step = Step::start(
        &format!("{name} {version}"),
        &format!("`{} --version`", path.display()),
    );
    match tool_version(&path) {
        Some(found) if found == version => {
            step.done("present, skipped");
            return Ok(());
        }
        Some(found) => println!("setup: {name}: found {found}, need {version}: reinstalling"),
        None => println!("setup: {name}: not installed"),
    }
    let command = format!("cargo {}", args.join(" "));
    let Some(step) = must_install(step, mode, missing, command) else {
        return Ok(());
    };
    println!("setup: (a cargo install takes minutes; trunk about 15)");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    proc::run(cmd.args(args))?;
    match tool_version(&cargo_tool(bin)) {
        Some(found) if found == version => {
            step.done("installed");
            Ok(())
        }
        other => Err(Error::Setup(format!(
            "{name}: after installing, `{bin} --version` reports {other:?}, expected {version}"
        ))),
    }
}

/// Node.js ([`NODE_MIN_MAJOR`] or later) and npm (Debian's when the machine has none); `what`
/// names who needs it in the error.
fn ensure_node(what: &str, mode: Mode, missing: &mut Vec<String>) -> Result<(), Error> {
    let min = NODE_MIN_MAJOR;
    let step = Step::start("node.js", "`node --version`, `npm --version`");
    let node_major = |v: &str| {
        v.trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
    };
    let have = proc::output(Command::new("node").arg("--version"));
    let npm = proc::output(Command::new("npm").arg("--version"));
    match (&have, &npm) {
        (Some(v), Some(n)) if node_major(v).is_some_and(|m| m >= min) => {
            step.done(&format!(
                "node {} and npm {} present, skipped",
                v.trim(),
                n.trim()
            ));
        }
        (Some(v), _) if node_major(v).is_some_and(|m| m < min) => {
            return Err(Error::Setup(format!(
                "node {} is too old: {what} needs Node.js {min} or later; install a newer \
                 Node.js and npm",
                v.trim()
            )));
        }
        _ => {
            step.done("missing");
            let debs: BTreeSet<&'static str> = DEB_NODE.iter().copied().collect();
            ensure_debs(&debs, mode, missing)?;
            if mode == Mode::Check {
                return Ok(());
            }
            match proc::output(Command::new("node").arg("--version")) {
                Some(v) if node_major(&v).is_some_and(|m| m >= min) => {}
                other => {
                    return Err(Error::Setup(format!(
                        "after installing Debian's nodejs, `node --version` is {other:?}: \
                         {what} needs Node.js {min} or later"
                    )))
                }
            }
        }
    }
    Ok(())
}

/// `npm ci` in `project` unless its `node_modules` was installed from exactly the committed
/// package-lock.json (a copy of the lock npm ci used is kept next to the modules, so a changed
/// lock reinstalls).
fn ensure_npm_project(
    root: &Path,
    project: &str,
    mode: Mode,
    missing: &mut Vec<String>,
) -> Result<(), Error> {
    let dir = root.join(project);
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules").join(".xtask-package-lock.json");
    let step = Step::start(
        &format!("npm packages of {project}/"),
        "node_modules against package-lock.json",
    );
    let wanted = std::fs::read(&lock).map_err(|e| Error::io(&lock, e))?;
    if std::fs::read(&stamp).is_ok_and(|have| have == wanted) {
        step.done("up to date, skipped");
        return Ok(());
    }
    let command = format!("npm ci --no-audit --no-fund (in {project}/)");
    let Some(step) = must_install(step, mode, missing, command) else {
        return Ok(());
    };
    proc::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )?;
    std::fs::write(&stamp, &wanted).map_err(|e| Error::io(&stamp, e))?;
    step.done("installed");
    Ok(())
}

/// Debian packages: one dpkg-query for all, then one `apt-get update` + `apt-get install` for
/// the missing ones (as root, or through passwordless sudo; otherwise say what to run).
fn ensure_debs(
    debs: &BTreeSet<&'static str>,
    mode: Mode,
    missing_out: &mut Vec<String>,
) -> Result<(), Error> {
    let list: Vec<&str> = debs.iter().copied().collect();
    let step = Step::start(
        &format!("debian packages ({})", list.join(" ")),
        "`dpkg-query -W`",
    );
    let missing: Vec<&str> = list.iter().copied().filter(|p| !deb_installed(p)).collect();
    if missing.is_empty() {
        step.done("all present, skipped");
        return Ok(());
    }
    println!("setup: missing debian packages: {}", missing.join(" "));
    let command = format!(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 {}",
        missing.join(" ")
    );
    let Some(step) = must_install(step, mode, missing_out, command) else {
        return Ok(());
    };
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let sudo = !root
        && Command::new("sudo")
            .args(["-n", "true"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !root && !sudo {
        return Err(Error::Setup(format!(
            "not root and no passwordless sudo: run\n  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y {}\nthen run this command again",
            missing.join(" ")
        )));
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            // sudo resets the environment: pass DEBIAN_FRONTEND as an assignment it keeps.
            let mut c = Command::new("sudo");
            c.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        } else {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        cmd.args(["-o", "DPkg::Lock::Timeout=600"]).args(args);
        cmd
    };
    println!("setup: running apt-get update");
    proc::run(&mut apt(&["update"]))?;
    println!("setup: running apt-get install -y {}", missing.join(" "));
    let mut install = apt(&["install", "-y"]);
    install.args(&missing);
    proc::run(&mut install)?;
    let still: Vec<&str> = missing.into_iter().filter(|p| !deb_installed(p)).collect();
    if !still.is_empty() {
        return Err(Error::Setup(format!(
            "apt-get reported success but these are still missing: {}",
            still.join(" ")
        )));
    }
    step.done("installed");
    Ok(())
}

fn deb_installed(package: &str) -> bool {
    proc::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_some_and(|s| s == "install ok installed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_versions_finds_the_exact_package_only() {
        let lock = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"
"#;
        assert_eq!(lock_versions(lock, "wasm-bindgen"), vec!["0.2.130"]);
        assert!(lock_versions(lock, "trunk").is_empty());
    }

    #[test]
    fn cargo_output_follows_cargo_target_dir() {
        let root = Path::new("/repo");
        assert_eq!(target_dir_from(root, None), Path::new("/repo/target"));
        assert_eq!(
            target_dir_from(root, Some("".into())),
            Path::new("/repo/target")
        );
        assert_eq!(
            target_dir_from(root, Some("/cache/t".into())),
            Path::new("/cache/t")
        );
        assert_eq!(
            target_dir_from(root, Some("out".into())),
            Path::new("/repo/out")
        );
    }

    #[test]
    fn needs_all_covers_every_tool() {
        let all = Needs::all();
        assert!(
            all.wasm_target
                && all.wasm_bindgen
                && all.geckodriver
                && all.trunk
                && all.e2e_npm
                && all.build_npm
        );
        for p in [
            "chromium",
            "chromium-driver",
            "firefox-esr",
            "ejabberd",
            "prosody",
            "brotli",
        ] {
            assert!(all.debs.contains(p), "{p} missing");
        }
        assert!(Needs::default().is_empty());
    }
}
