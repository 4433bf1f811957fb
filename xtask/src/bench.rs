//! `cargo xtask bench [--quick] [--only AREA,AREA]`: every figure of the size and speed budget, side by side with
//! converse.js where a reference makes sense, written to `bench/RESULTS.md` with a chart.
//!
//! Areas (in this order; `--only` picks some):
//! - `size`: `dist` built as it ships; raw / gzip -9 / brotli -q 11 per file; the wasm's top
//!   contributors by crate and function ([`wasm`], from a build that keeps its names); what
//!   converse.js downloads at startup, measured the same way.
//! - `tbt`: `loader/bench/added-tbt.mjs`: added Total Blocking Time and navigation → launcher
//!   visible, host page alone vs webchat vs converse.js, CPU throttled 4×, interleaved runs.
//! - `intent`: `e2e/bench/intent.mjs`: the shipped files on a "Fast 4G" network with the CPU
//!   throttled 4× and a cold cache: a click after a hover prefetch, after a short hover and with
//!   nothing before it → the first window painted and the chat usable; the first view's bytes as
//!   the browser received them.
//! - `frames`: stanza handling natively (`crates/protocol/benches/frames.rs`) and in wasm in
//!   headless Chromium (`src/bench.rs` behind the `bench` feature, driven by
//!   `e2e/bench/browser.mjs`).
//! - `history`: a 1,000-message history through the real components: store update → painted,
//!   a live message on top, scrolling frame times, wasm linear memory and JS heap.
//! - `roundtrip`: visitor → agent → visitor through the widget and devserver's embedded backend
//!   (the bot answers), p50/p99, and the widget's own share (`e2e/bench/roundtrip.mjs`).
//! - `ejabberd`: the same through a private ejabberd on loopback.
//! - `fault`: the 1,000-message / 20-drop scenario: lost, duplicated, reordered,
//!   recovery time (`e2e/bench/fault.mjs`).
//! - `load`: devserver's load benchmark: 500 visitors, paced and at saturation.
//!
//! A full run writes `bench/RESULTS.md` and `bench/results-chart.svg`; `--quick` (fewer runs,
//! smaller scenarios) or `--only` write them under `target/bench/` instead, so a partial run
//! never replaces the committed results. Targets are reported, never asserted: the command
//! fails only when a benchmark could not run.

#[path = "bench_report.rs"]
mod report;
#[path = "bench_stats.rs"]
mod stats;
#[path = "bench_wasm.rs"]
mod wasm;

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
use report::{Panel, Report, Section, Status, Table, Target};
use stats::{kb, percentile, Samples, Stats};

/// The budgets (the download ones are `cargo xtask dist`'s).
const FIRST_VIEW_BUDGET_BROTLI: f64 = dist::FIRST_VIEW_BUDGET_BROTLI as f64;
const WHOLE_BUDGET_BROTLI: f64 = dist::WHOLE_BUDGET_BROTLI as f64;
const NATIVE_FPS_TARGET: f64 = 200_000.0;
const WASM_FPS_TARGET: f64 = 50_000.0;
const HISTORY_MS_TARGET: f64 = 50.0;
const MEMORY_TARGET: f64 = 5_000_000.0;
const SHARE_MS_TARGET: f64 = 1.0;
const LAUNCHER_SLACK_MS: f64 = 150.0;
/// `intent`: click → the first window painted, and → the chat usable (after a hover prefetch;
/// with nothing before the click).
const INTENT_SHOWN_MS_TARGET: f64 = 100.0;
const INTENT_HOVER_USABLE_MS_TARGET: f64 = 150.0;
const INTENT_COLD_USABLE_MS_TARGET: f64 = 600.0;
/// `intent`'s conditions (`e2e/bench/intent.mjs` applies them): the short hover, the CPU
/// throttle and the shaped network.
const INTENT_DWELL_MS: u32 = 300;
const INTENT_CPU: u32 = 4;
const INTENT_DOWN_BITS: f64 = 9e6;
const INTENT_RTT_MS: f64 = 60.0;
/// A frame slower than this is a visible hitch (a 60 Hz frame is 16.7 ms).
const JANK_MS: f64 = 25.0;
const CONVERSE: &str = "converse.js 14.0.0";

/// One benchmark area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Size,
    Tbt,
    Intent,
    Frames,
    History,
    Roundtrip,
    Ejabberd,
    Fault,
    Load,
}

impl Area {
    pub const ALL: [Area; 9] = [
        Area::Size,
        Area::Tbt,
        Area::Intent,
        Area::Frames,
        Area::History,
        Area::Roundtrip,
        Area::Ejabberd,
        Area::Fault,
        Area::Load,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Area::Size => "size",
            Area::Tbt => "tbt",
            Area::Intent => "intent",
            Area::Frames => "frames",
            Area::History => "history",
            Area::Roundtrip => "roundtrip",
            Area::Ejabberd => "ejabberd",
            Area::Fault => "fault",
            Area::Load => "load",
        }
    }
}

/// The command line of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub quick: bool,
    pub areas: Vec<Area>,
    /// True when `--only` chose the areas.
    pub partial: bool,
}

impl Options {
    /// Repetitions of each timed run.
    fn runs(&self) -> usize {
        if self.quick {
            2
        } else {
            5
        }
    }
}

/// `--quick`, `--only a,b` / `--only=a,b`, in any order.
pub fn parse_args(args: &[String]) -> Result<Options, Error> {
    let mut quick = false;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--only" => {
                let v = it
                    .next()
                    .ok_or_else(|| Error::Usage("--only needs a list of areas".into()))?;
                only = Some(v.clone());
            }
            s if s.starts_with("--only=") => only = Some(s["--only=".len()..].to_owned()),
            other => return Err(Error::Usage(format!("unexpected argument `{other}`"))),
        }
    }
    let areas = match &only {
        None => Area::ALL.to_vec(),
        Some(list) => crate::only::pick(list, &Area::ALL, Area::name, "bench area", "area")?,
    };
    Ok(Options {
        quick,
        areas,
        partial: only.is_some(),
    })
}

/// What the areas share: builds and servers made once, on first use.
struct Ctx<'a> {
    root: &'a Path,
    opts: Options,
    work: PathBuf,
    log_dir: PathBuf,
    dist: Option<dist::Dist>,
    /// `target/bench/site`: `/pkg/` and `/dist/` (as shipped), `/pages/`, `/bench/`; `/benchpkg/` once
    /// [`Ctx::bench_pkg`] built it.
    site: Option<PathBuf>,
    bench_pkg: bool,
    devserver_bin: Option<PathBuf>,
    /// devserver with `--bot --test-control` on the embedded backend, serving the site.
    bot: Option<Devserver>,
    /// What `tbt` saw each variant download (paths on the bench server), for `size`.
    downloads: Option<Samples>,
    size: Option<SizeFigures>,
    targets: Vec<Target>,
    panels: Vec<Panel>,
}

/// `size`'s headline numbers, for the chart and the summary.
#[derive(Debug, Clone, Copy)]
struct SizeFigures {
    /// The first view (what converse.js's startup download compares with).
    webchat_brotli: f64,
    converse_brotli: Option<f64>,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), Error> {
    let opts = parse_args(args)?;
    let mut needs = Needs {
        wasm_target: true,
        wasm_bindgen: true,
        e2e_npm: true,
        build_npm: true,
        ..Needs::default()
    };
    needs.add_debs(setup::DEB_DIST);
    needs.add_debs(setup::DEB_CHROMIUM);
    if opts.areas.contains(&Area::Ejabberd) {
        needs.add_debs(setup::DEB_EJABBERD);
    }
    setup::ensure(root, &needs)?;

    let work = root.join("target").join("bench");
    let log_dir = root.join("target").join("xtask-logs");
    for d in [&work, &log_dir] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let mut ctx = Ctx {
        root,
        opts: opts.clone(),
        work,
        log_dir,
        dist: None,
        site: None,
        bench_pkg: false,
        devserver_bin: None,
        bot: None,
        downloads: None,
        size: None,
        targets: Vec::new(),
        panels: Vec::new(),
    };
    let started = Instant::now();
    let mut sections = Vec::new();
    let mut failed = Vec::new();
    // `size` reads what `tbt` saw downloaded: run it after `tbt`, keep its place in the report.
    let mut order = opts.areas.clone();
    if let (Some(s), Some(t)) = (
        order.iter().position(|a| *a == Area::Size),
        order.iter().position(|a| *a == Area::Tbt),
    ) {
        if s < t {
            order.swap(s, t);
        }
    }
    let mut done: Vec<(Area, Section)> = Vec::new();
    for area in order {
        println!("\n==== xtask bench: {} ====", area.name());
        let t = Instant::now();
        let result = match area {
            Area::Size => size(&mut ctx),
            Area::Tbt => tbt(&mut ctx),
            Area::Intent => intent(&mut ctx),
            Area::Frames => frames(&mut ctx),
            Area::History => history(&mut ctx),
            Area::Roundtrip => roundtrip(&mut ctx, None),
            Area::Ejabberd => roundtrip(&mut ctx, Some(Kind::Ejabberd)),
            Area::Fault => fault(&mut ctx),
            Area::Load => load(&mut ctx),
        };
        println!(
            "bench: {} took {:.0} s",
            area.name(),
            t.elapsed().as_secs_f64()
        );
        let section = result.unwrap_or_else(|e| {
            eprintln!("xtask bench: {} failed: {e}", area.name());
            failed.push(area.name());
            Section {
                title: format!("{} (FAILED)", area.name()),
                intro: vec![format!("This area could not run: `{e}`")],
                ..Section::default()
            }
        });
        done.push((area, section));
    }
    if let Some(mut bot) = ctx.bot.take() {
        bot.stop();
    }
    for area in &opts.areas {
        if let Some(i) = done.iter().position(|(a, _)| a == area) {
            sections.push(done.remove(i).1);
        }
    }

    let (dir, chart_name) = if opts.quick || opts.partial {
        (ctx.work.clone(), "results-chart.svg")
    } else {
        (root.join("bench"), "results-chart.svg")
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    if let Some(s) = ctx.size {
        let mut bars = vec![("webchat".to_owned(), s.webchat_brotli / 1000.0)];
        if let Some(c) = s.converse_brotli {
            bars.push((CONVERSE.to_owned(), c / 1000.0));
        }
        ctx.panels.insert(
            0,
            Panel {
                title: "Downloaded by a page view before any interest, brotli -q 11".into(),
                unit: "KB".into(),
                bars,
                target: Some((
                    format!("budget {} KB", FIRST_VIEW_BUDGET_BROTLI / 1000.0),
                    FIRST_VIEW_BUDGET_BROTLI / 1000.0,
                )),
            },
        );
    }
    let chart_file = if ctx.panels.is_empty() {
        None
    } else {
        let path = dir.join(chart_name);
        std::fs::write(&path, report::svg(&ctx.panels)).map_err(|e| Error::io(&path, e))?;
        Some(chart_name.to_owned())
    };
    let mut machine = machine(root);
    machine.push(format!(
        "run: `cargo xtask bench{}{}`, {} repetitions per timed figure, {:.0} s in all",
        if opts.quick { " --quick" } else { "" },
        if opts.partial {
            format!(
                " --only {}",
                opts.areas
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        } else {
            String::new()
        },
        opts.runs(),
        started.elapsed().as_secs_f64()
    ));
    let report = Report {
        machine,
        targets: ctx.targets,
        sections,
        chart_file,
    };
    let md = report.markdown();
    let path = dir.join("RESULTS.md");
    std::fs::write(&path, &md).map_err(|e| Error::io(&path, e))?;
    println!("\n{md}");
    println!("bench: wrote {}", path.display());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Command {
            command: "cargo xtask bench".into(),
            status: format!("areas that could not run: {}", failed.join(", ")),
        })
    }
}

// ---- shared builds and servers ------------------------------------------------------------------

impl Ctx<'_> {
    fn cargo(&self) -> Command {
        let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        c.current_dir(self.root);
        c
    }

    fn dist(&mut self) -> Result<&dist::Dist, Error> {
        if self.dist.is_none() {
            self.dist = Some(dist::build(self.root)?);
        }
        Ok(self.dist.as_ref().expect("just built"))
    }

    /// The widget built for wasm with names kept (`features`: e.g. `bench`), through
    /// wasm-bindgen into `out`. A target dir of its own: the shipped build stays untouched.
    /// It keeps reference types (`dist::RELEASE_RUSTFLAGS` says why it cannot drop them), so
    /// its code shares are of a build a little larger than the shipped one.
    fn named_wasm(&self, features: Option<&str>, out: &Path) -> Result<PathBuf, Error> {
        let target = self.root.join("target").join("bench-wasm");
        let mut cmd = self.cargo();
        cmd.args([
            "build",
            "-p",
            "webchat",
            "--release",
            "--target",
            setup::WASM_TARGET,
        ]);
        if let Some(f) = features {
            cmd.args(["--features", f]);
        }
        cmd.env("CARGO_TARGET_DIR", &target)
            .env("CARGO_PROFILE_RELEASE_STRIP", "false");
        proc::run(&mut cmd)?;
        let wasm = target
            .join(setup::WASM_TARGET)
            .join("release")
            .join("webchat.wasm");
        let _ = std::fs::remove_dir_all(out);
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        proc::run(
            Command::new(setup::cargo_tool("wasm-bindgen"))
                .args(["--target", "web", "--out-dir"])
                .arg(out)
                .arg(&wasm),
        )?;
        Ok(out.join("webchat_bg.wasm"))
    }

    /// The site the browser benchmarks load from devserver.
    fn site(&mut self) -> Result<PathBuf, Error> {
        if let Some(s) = &self.site {
            return Ok(s.clone());
        }
        let script_dir = self.dist()?.script_dir.clone();
        let site = self.work.join("site");
        let _ = std::fs::remove_dir_all(&site);
        dist::copy_dir(&script_dir.join("pkg"), &site.join("pkg"))?;
        // The test pages start the widget through the npm package, as a SPA would.
        dist::copy_dir(&script_dir, &site.join("dist"))?;
        let e2e = self.root.join(setup::E2E_DIR);
        dist::copy_dir(&e2e.join("pages"), &site.join("pages"))?;
        dist::copy_dir(&e2e.join("bench"), &site.join("bench"))?;
        self.site = Some(site.clone());
        Ok(site)
    }

    /// `/benchpkg/` in the site: the widget built with the `bench` feature, for the areas that
    /// drive its internals (`frames`, `history`); devserver serves it from disk, so it may come
    /// after devserver started.
    fn bench_pkg(&mut self) -> Result<(), Error> {
        if !self.bench_pkg {
            let site = self.site()?;
            self.named_wasm(Some("bench"), &site.join("benchpkg"))?;
            self.bench_pkg = true;
        }
        Ok(())
    }

    /// devserver built for speed (the debug build would dominate every round trip).
    fn devserver_bin(&mut self) -> Result<PathBuf, Error> {
        if let Some(b) = &self.devserver_bin {
            return Ok(b.clone());
        }
        proc::run(
            self.cargo()
                .args(["build", "--profile", "native-release", "-p", "devserver"]),
        )?;
        let bin = setup::cargo_target_dir(self.root)
            .join("native-release")
            .join("devserver");
        self.devserver_bin = Some(bin.clone());
        Ok(bin)
    }

    fn start_devserver(
        &mut self,
        name: &str,
        backend: devserver::Backend,
        bot: bool,
    ) -> Result<Devserver, Error> {
        let site = self.site()?;
        let bin = self.devserver_bin()?;
        let extra: &[&str] = if bot { &["--bot"] } else { &[] };
        Devserver::start_with(
            self.root,
            &bin,
            &devserver::Options {
                name,
                backend,
                test_control: true,
                static_dir: Some(&site),
            },
            extra,
        )
    }

    /// The embedded devserver with the bot (API for `tbt`, site for the browser areas).
    fn bot_url(&mut self) -> Result<String, Error> {
        if self.bot.is_none() {
            let d = self.start_devserver("bench-embedded", devserver::Backend::Embedded, true)?;
            self.bot = Some(d);
        }
        Ok(self.bot.as_ref().expect("just started").base_url())
    }

    /// Runs a node script (streamed and logged to `target/xtask-logs/bench-NAME.log`) and
    /// collects its `bench:` lines; a failing script is an error.
    fn node(&self, name: &str, cmd: &mut Command) -> Result<Samples, Error> {
        let log_path = self.log_dir.join(format!("bench-{name}.log"));
        let log = File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
        cmd.current_dir(self.root);
        println!("$ {}", proc::describe(cmd));
        let (status, stdout) = proc::run_teed(cmd, log)?;
        if !status.success() {
            return Err(Error::Command {
                command: proc::describe(cmd),
                status: format!("{status} (log: {})", log_path.display()),
            });
        }
        Ok(Samples::parse(&stdout))
    }

    fn target(
        &mut self,
        figure: &str,
        webchat: String,
        converse: &str,
        target: &str,
        met: Option<bool>,
    ) {
        self.target_status(figure, webchat, converse, target, Status::of(met));
    }

    fn target_status(
        &mut self,
        figure: &str,
        webchat: String,
        converse: &str,
        target: &str,
        status: Status,
    ) {
        self.targets.push(Target {
            figure: figure.to_owned(),
            webchat,
            converse: converse.to_owned(),
            target: target.to_owned(),
            status,
        });
    }
}

/// raw, gzip -9 and brotli -q 11 bytes of a file (as `dist` measures).
fn sizes(path: &Path) -> Result<(u64, u64, u64), Error> {
    let raw = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let compressed = |program: &str, args: &[&str]| -> Result<u64, Error> {
        let mut cmd = Command::new(program);
        cmd.args(args).arg(path);
        let out = cmd.output().map_err(|source| Error::Spawn {
            program: program.into(),
            source,
        })?;
        if !out.status.success() {
            return Err(Error::Command {
                command: proc::describe(&cmd),
                status: out.status.to_string(),
            });
        }
        Ok(out.stdout.len() as u64)
    };
    Ok((
        raw,
        compressed("gzip", &["-9", "-n", "-c"])?,
        compressed("brotli", &["-q", "11", "-c"])?,
    ))
}

fn fmt_stats(s: Option<Stats>, decimals: usize) -> String {
    s.map_or_else(|| "—".into(), |s| s.format(decimals))
}

fn fmt_num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{x:.decimals$}"))
}

/// Thousands separators for big rates.
fn grouped(x: f64) -> String {
    let s = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---- size -----------------------------------------------------------------------------------

fn size(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    let root = ctx.root.to_owned();
    let dist = ctx.dist()?.clone();
    let mut files = Table::new(&["file", "raw", "gzip -9", "brotli -q 11"]);
    let (mut raw, mut gz, mut br) = (0u64, 0u64, 0u64);
    let mut loader_br = 0u64;
    let (mut first_raw, mut first_gz, mut first_br) = (0u64, 0u64, 0u64);
    let largest = dist.largest_texts().map(|f| f.path.clone());
    for f in dist.files.iter().filter(|f| match f.stage {
        dist::Stage::Npm => false,
        dist::Stage::ChatTexts => Some(&f.path) == largest.as_ref(),
        dist::Stage::FirstView | dist::Stage::Chat => true,
    }) {
        let name = f
            .path
            .strip_prefix(&root)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        if name.ends_with("loader.js") {
            loader_br = f.brotli;
        }
        files.row(vec![
            name,
            f.raw.to_string(),
            f.gzip.to_string(),
            f.brotli.to_string(),
        ]);
        raw += f.raw;
        gz += f.gzip;
        br += f.brotli;
        if f.stage == dist::Stage::FirstView {
            first_raw += f.raw;
            first_gz += f.gzip;
            first_br += f.brotli;
        }
    }
    files.row(vec![
        format!(
            "**webchat first view** (loader + launcher glue + wasm; budget {})",
            dist::FIRST_VIEW_BUDGET_BROTLI
        ),
        first_raw.to_string(),
        first_gz.to_string(),
        format!("**{first_br}**"),
    ]);
    files.row(vec![
        format!(
            "**webchat whole chat** (first view + chat glue + wasm + largest chat texts; CSS is in the wasm; budget {})",
            dist::WHOLE_BUDGET_BROTLI
        ),
        raw.to_string(),
        gz.to_string(),
        format!("**{br}**"),
    ]);

    // converse.js: what its documented embedding downloaded in the `tbt` run, or else its
    // stylesheet and script.
    proc::run(
        Command::new("node")
            .args(["loader/bench/added-tbt.mjs", "--fetch-only"])
            .current_dir(&root),
    )?;
    let converse_dist = root
        .join("loader")
        .join("bench")
        .join(".cache")
        .join("converse-14.0.0")
        .join("package")
        .join("dist");
    let mut converse_paths: Vec<PathBuf> = ctx
        .downloads
        .as_ref()
        .map(|d| {
            d.words("resource_converse")
                .iter()
                .filter_map(|p| p.strip_prefix("/converse/"))
                .map(|p| converse_dist.join(p))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    let from_run = !converse_paths.is_empty();
    if !from_run {
        converse_paths = vec![
            converse_dist.join("converse.min.js"),
            converse_dist.join("converse.min.css"),
        ];
    }
    let (mut craw, mut cgz, mut cbr) = (0u64, 0u64, 0u64);
    for p in &converse_paths {
        let (r, g, b) = sizes(p)?;
        let name = p
            .strip_prefix(&converse_dist)
            .unwrap_or(p)
            .display()
            .to_string();
        files.row(vec![
            format!("converse.js: {name}"),
            r.to_string(),
            g.to_string(),
            b.to_string(),
        ]);
        craw += r;
        cgz += g;
        cbr += b;
    }
    files.row(vec![
        format!("**{CONVERSE} total**"),
        craw.to_string(),
        cgz.to_string(),
        format!("**{cbr}**"),
    ]);

    // The wasm's contributors, from a build that keeps the name section.
    let named = ctx.named_wasm(None, &ctx.work.join("named-pkg"))?;
    let bytes = std::fs::read(&named).map_err(|e| Error::io(&named, e))?;
    let breakdown = wasm::analyse(&bytes).map_err(|why| {
        Error::io(
            &named,
            std::io::Error::new(std::io::ErrorKind::InvalidData, why),
        )
    })?;
    let code = breakdown.section("code").max(1);
    let mut sections_t =
        Table::new(&["wasm section", "bytes", "share of the file (without names)"]);
    let without_names = breakdown.total - breakdown.section("custom:name");
    for kind in [
        "code", "data", "type", "import", "export", "element", "function", "global",
    ] {
        let b = breakdown.section(kind);
        if b > 0 {
            sections_t.row(vec![
                kind.to_owned(),
                b.to_string(),
                format!("{:.1}%", b as f64 * 100.0 / without_names as f64),
            ]);
        }
    }
    let mut crates = Table::new(&["crate (code section)", "bytes", "share of code"]);
    for (name, bytes) in breakdown.by_crate().into_iter().take(12) {
        crates.row(vec![
            name,
            bytes.to_string(),
            format!("{:.1}%", bytes as f64 * 100.0 / code as f64),
        ]);
    }
    let mut funcs = Table::new(&["largest functions", "bytes"]);
    for (name, bytes) in breakdown.functions.iter().take(15) {
        let short: String = name.chars().take(110).collect();
        funcs.row(vec![format!("`{short}`"), bytes.to_string()]);
    }

    let first_met = (first_br as f64) <= FIRST_VIEW_BUDGET_BROTLI;
    let whole_met = (br as f64) <= WHOLE_BUDGET_BROTLI;
    ctx.target(
        "first view (loader + launcher, before any interest), brotli",
        format!("{} KB", kb(first_br as f64)),
        &format!("{} KB", kb(cbr as f64)),
        &format!("≤ {} KB", FIRST_VIEW_BUDGET_BROTLI / 1000.0),
        Some(first_met),
    );
    ctx.target(
        "whole chat (first view + chat + its texts), brotli",
        format!("{} KB", kb(br as f64)),
        &format!("{} KB", kb(cbr as f64)),
        &format!("≤ {} KB", WHOLE_BUDGET_BROTLI / 1000.0),
        Some(whole_met),
    );
    ctx.size = Some(SizeFigures {
        webchat_brotli: first_br as f64,
        converse_brotli: Some(cbr as f64),
    });
    let mut notes = vec![format!(
        "The breakdown reads a build of the same code that keeps the wasm `name` section \
         (`CARGO_PROFILE_RELEASE_STRIP=false`, target/bench-wasm); the shipped file has the names \
         removed. Code is {code} bytes of {without_names} ({:.0}%). loader.js is {loader_br} bytes brotli.",
        code as f64 * 100.0 / without_names as f64
    )];
    if !first_met || !whole_met {
        notes.push(format!(
            "Budgets not met: the first view is {first_br} bytes brotli ({:.0}% of its budget), the \
             whole chat {br} ({:.0}%); `docs/size.md` says what the launcher holds.",
            first_br as f64 * 100.0 / FIRST_VIEW_BUDGET_BROTLI,
            br as f64 * 100.0 / WHOLE_BUDGET_BROTLI
        ));
    }
    Ok(Section {
        title: "Size".into(),
        intro: vec![format!(
            "What a host page downloads for the chat, raw / `gzip -9` / `brotli -q 11` bytes. webchat: \
             `cargo xtask dist`'s script-tag files. converse.js: {}.",
            if from_run {
                "every file its documented embedding (overlayed mode) downloaded in the `tbt` run"
            } else {
                "`converse.min.js` and `converse.min.css` (the `tbt` area did not run to list what it downloads)"
            }
        )],
        tables: vec![files, sections_t, crates, funcs],
        notes,
    })
}

// ---- tbt --------------------------------------------------------------------------------------

fn tbt(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    ctx.dist()?;
    let api = ctx.bot_url()?;
    let runs = ctx.opts.runs().to_string();
    let s = ctx.node(
        "tbt",
        Command::new("node").args([
            "loader/bench/added-tbt.mjs",
            "--runs",
            &runs,
            "--api",
            &api,
            "--machine",
        ]),
    )?;
    let none_tbt = s.stats("tbt_none");
    let mut t = Table::new(&[
        "page",
        "TBT ms",
        "added TBT ms (median)",
        "navigation → launcher visible ms",
        "launcher − page alone's load event ms (median)",
    ]);
    let load = s.stats("load_none").map(|x| x.median);
    let base = none_tbt.map(|x| x.median).unwrap_or(0.0);
    t.row(vec![
        "host page alone (load event)".into(),
        fmt_stats(none_tbt, 0),
        "—".into(),
        format!("{} (load event)", fmt_stats(s.stats("load_none"), 0)),
        "—".into(),
    ]);
    let added = |variant: &str| s.stats(&format!("tbt_{variant}")).map(|x| x.median - base);
    let (wc_added, cv_added) = (added("webchat"), added("converse"));
    let launcher = |variant: &str| s.stats(&format!("launcher_{variant}"));
    for (variant, name, add) in [
        ("webchat", "webchat (loader.js)", wc_added),
        ("converse", CONVERSE, cv_added),
    ] {
        t.row(vec![
            name.into(),
            fmt_stats(s.stats(&format!("tbt_{variant}")), 0),
            fmt_num(add, 0),
            fmt_stats(launcher(variant), 0),
            fmt_num(launcher(variant).zip(load).map(|(l, b)| l.median - b), 0),
        ]);
    }
    let wc_launcher = launcher("webchat").map(|x| x.median);
    let cv_launcher = launcher("converse").map(|x| x.median);
    ctx.target(
        "added Total Blocking Time (CPU 4× throttled), median",
        format!("{} ms", fmt_num(wc_added, 0)),
        &format!("{} ms", fmt_num(cv_added, 0)),
        "0 ms",
        wc_added.map(|a| a <= 0.0),
    );
    ctx.target(
        "navigation → launcher visible, median",
        format!("{} ms", fmt_num(wc_launcher, 0)),
        &format!("{} ms", fmt_num(cv_launcher, 0)),
        &format!("≤ page alone's load ({} ms) + 150 ms", fmt_num(load, 0)),
        wc_launcher
            .zip(load)
            .map(|(l, b)| l <= b + LAUNCHER_SLACK_MS),
    );
    ctx.panels.push(Panel {
        title: "Added Total Blocking Time, CPU 4× throttled (median)".into(),
        unit: "ms".into(),
        bars: vec![
            ("webchat".into(), wc_added.unwrap_or(0.0).max(0.0)),
            (CONVERSE.into(), cv_added.unwrap_or(0.0).max(0.0)),
        ],
        target: None,
    });
    let mut bars = vec![("host page alone: load".into(), load.unwrap_or(0.0))];
    bars.push(("webchat: launcher".into(), wc_launcher.unwrap_or(0.0)));
    bars.push(("converse.js: launcher".into(), cv_launcher.unwrap_or(0.0)));
    ctx.panels.push(Panel {
        title: "Navigation → launcher visible (median)".into(),
        unit: "ms".into(),
        bars,
        target: load.map(|b| ("load + 150 ms".into(), b + LAUNCHER_SLACK_MS)),
    });
    let mut dl = Table::new(&["page", "files downloaded from the bench server"]);
    for (variant, name) in [("webchat", "webchat"), ("converse", CONVERSE)] {
        dl.row(vec![
            name.into(),
            s.words(&format!("resource_{variant}")).join(", "),
        ]);
    }
    let mut notes = Vec::new();
    if wc_added.is_some_and(|a| a > 0.0) {
        notes.push(format!(
            "Added blocking time is not 0: webchat's long tasks (start+duration ms after navigation; \
             TBT counts what exceeds 50 ms) per run: {}. The launcher showed at {} ms (median).",
            s.words("longtasks_webchat")
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join("; "),
            fmt_num(wc_launcher, 0)
        ));
    }
    ctx.downloads = Some(s);
    Ok(Section {
        title: "Loading: added blocking time and launcher".into(),
        intro: vec![format!(
            "`loader/bench/added-tbt.mjs`: one host page (40 sections of text) in headless Chromium, \
             CPU throttled 4×, 1280×800, loaded alone, with webchat's script tag and with {CONVERSE} \
             (npm, overlayed mode, its documented embedding), interleaved, {runs} runs each. TBT is \
             the sum of (long task − 50 ms) from first contentful paint until 6 s after the launcher \
             showed. webchat talks to devserver (the campaign is live); converse.js gets an \
             unreachable WebSocket (it only has to show its toggle)."
        )],
        tables: vec![t, dl],
        notes,
    })
}

// ---- intent -------------------------------------------------------------------------------------

/// The scenarios of `e2e/bench/intent.mjs`: its key prefix and how the report names it.
const INTENT_SCENARIOS: [(&str, &str); 3] = [
    (
        "hover",
        "pointer on the launcher until the chat started, then a click",
    ),
    ("dwell", "pointer on the launcher for 300 ms, then a click"),
    ("cold", "a bare click, nothing before it"),
];

fn intent(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    let dist = ctx.dist()?.clone();
    let api = ctx.bot_url()?;
    let runs = ctx.opts.runs();
    let s = ctx.node(
        "intent",
        Command::new("node")
            .args([
                "e2e/bench/intent.mjs",
                "--api",
                &api,
                "--runs",
                &runs.to_string(),
                "--dwell",
                &INTENT_DWELL_MS.to_string(),
                "--cpu",
                &INTENT_CPU.to_string(),
                "--dist",
            ])
            .arg(&dist.script_dir),
    )?;
    let med = |k: &str| s.stats(k).map(|x| x.median);
    let kinds = |scenario: &str| {
        let mut k: Vec<&str> = s
            .words(&format!("{scenario}_shown_kind"))
            .iter()
            .map(|w| if w == "frame" { "frame" } else { "chat" })
            .collect();
        k.sort_unstable();
        k.dedup();
        k.join(", ")
    };
    let mut t = Table::new(&[
        "ms from the press (min / median / max)",
        "hover before",
        "click event",
        "first window in the DOM",
        "**first window painted**",
        "which",
        "composer focused in the chat",
        "**chat usable, painted**",
        "long tasks in between: sum / longest (medians)",
    ]);
    for (key, label) in INTENT_SCENARIOS {
        t.row(vec![
            label.into(),
            fmt_stats(s.stats(&format!("{key}_hover_ms")), 0),
            fmt_stats(s.stats(&format!("{key}_click_ms")), 0),
            fmt_stats(s.stats(&format!("{key}_shown_dom_ms")), 0),
            fmt_stats(s.stats(&format!("{key}_shown_ms")), 0),
            kinds(key),
            fmt_stats(s.stats(&format!("{key}_usable_dom_ms")), 0),
            fmt_stats(s.stats(&format!("{key}_usable_ms")), 0),
            format!(
                "{} / {}",
                fmt_num(med(&format!("{key}_longtask_ms")), 0),
                fmt_num(med(&format!("{key}_longtask_max_ms")), 0)
            ),
        ]);
    }
    t.row(vec![
        "pointer enters → chat started, hidden (the prefetch)".into(),
        "—".into(),
        "—".into(),
        "—".into(),
        "—".into(),
        "—".into(),
        "—".into(),
        fmt_stats(s.stats("hover_prefetch_ms"), 0),
        "—".into(),
    ]);

    // The dist figures the browser's bytes are checked against: the first view, and the chat
    // with the English texts (the bench campaign's language).
    let first_br = dist.first_view_brotli() as f64;
    let en_texts = dist
        .files
        .iter()
        .filter(|f| f.stage == dist::Stage::ChatTexts && f.path.ends_with("en.txt"))
        .map(|f| f.brotli)
        .sum::<u64>();
    let chat_br = (dist.chat_brotli() + en_texts) as f64;
    let first_body = med("firstview_body_bytes");
    let chat_body = med("chat_body_bytes");
    let mut b = Table::new(&[
        "bytes the browser received (median of every run)",
        "bytes",
        "`cargo xtask dist` (brotli -q 11)",
    ]);
    b.row(vec![
        "requests before any interest (page, dist files, API)".into(),
        fmt_num(med("firstview_requests"), 0),
        "—".into(),
    ]);
    b.row(vec![
        "before any interest, every request on the wire (headers included)".into(),
        fmt_num(med("firstview_wire_bytes"), 0),
        "—".into(),
    ]);
    b.row(vec![
        "**before any interest, the dist files' encoded bodies**".into(),
        format!("**{}**", fmt_num(first_body, 0)),
        format!("{first_br:.0} (first view)"),
    ]);
    b.row(vec![
        "  the same files decoded".into(),
        fmt_num(med("firstview_decoded_bytes"), 0),
        "—".into(),
    ]);
    b.row(vec![
        "after the click, the chat's files' encoded bodies (glue, wasm, texts)".into(),
        fmt_num(chat_body, 0),
        format!("{chat_br:.0} (chat + en texts)"),
    ]);
    let mut f = Table::new(&["requested before any interest (first run)", "bytes"]);
    for list in [s.words("firstview_files"), s.words("firstview_others")] {
        for item in list.first().map_or("", String::as_str).split(',') {
            if let Some((name, bytes)) = item.rsplit_once('=') {
                let kind = if name.contains(' ') {
                    "on the wire"
                } else {
                    "encoded body"
                };
                f.row(vec![format!("`{name}`"), format!("{bytes} ({kind})")]);
            }
        }
    }

    for (key, figure, target, limit) in [
        (
            "hover_shown_ms",
            "click after a hover prefetch → first window painted, median",
            "≤ 100 ms",
            INTENT_SHOWN_MS_TARGET,
        ),
        (
            "hover_usable_ms",
            "click after a hover prefetch → chat usable (composer focused), median",
            "≤ 150 ms",
            INTENT_HOVER_USABLE_MS_TARGET,
        ),
        (
            "cold_shown_ms",
            "bare click, cold cache, Fast 4G, CPU 4× → frame painted, median",
            "≤ 100 ms",
            INTENT_SHOWN_MS_TARGET,
        ),
        (
            "cold_usable_ms",
            "bare click, cold cache, Fast 4G, CPU 4× → chat usable, median",
            "≤ 600 ms",
            INTENT_COLD_USABLE_MS_TARGET,
        ),
    ] {
        let m = med(key);
        ctx.target(
            figure,
            format!("{} ms", fmt_num(m, 0)),
            "— (no reference)",
            target,
            m.map(|x| x <= limit),
        );
    }
    let dwell = med("dwell_usable_ms");
    ctx.target_status(
        &format!("click after a {INTENT_DWELL_MS} ms hover → chat usable, median"),
        format!("{} ms", fmt_num(dwell, 0)),
        "— (no reference)",
        "report",
        if dwell.is_some() {
            Status::Reported
        } else {
            Status::NotMeasured
        },
    );
    ctx.target_status(
        "first view as the browser received it (dist files' encoded bodies), median",
        format!(
            "{} KB (dist: {} KB)",
            first_body.map_or("—".into(), kb),
            kb(first_br)
        ),
        "— (see the size row)",
        "cross-check of the size row",
        if first_body.is_some() {
            Status::Reported
        } else {
            Status::NotMeasured
        },
    );
    Ok(Section {
        title: "From interest to a usable chat".into(),
        intro: vec![format!(
            "`e2e/bench/intent.mjs`: the shipped `dist/` files (script tag, content-hashed names) on \
             a host page, in headless Chromium, 1280×800, CPU throttled {INTENT_CPU}× \
             (`Emulation.setCPUThrottlingRate`), the network shaped like DevTools' \"Fast 4G\" \
             (`Network.emulateNetworkConditions`: 9 Mbit/s down, 1.5 Mbit/s up, 60 ms latency) and \
             the HTTP cache disabled, so every run starts cold; a fresh browser context per run. The \
             widget talks to devserver with the bot (an agent is available). The dist files come \
             from the script's own server with `content-encoding: {}` (quality 11, as `dist` \
             measures), as a CDN serves them; devserver's static files are uncompressed, which would \
             triple the bytes. Three scenarios, interleaved, {runs} runs each: the pointer enters \
             the launcher (which starts the chat's download) and the click waits until the chat has \
             started (its window built, hidden); the pointer rests {INTENT_DWELL_MS} ms on the \
             launcher, then clicks (a realistic short hover); a click with nothing before it. Each \
             step is timed in the page with `performance.now()` from the press (`pointerdown`'s time \
             stamp; the click event follows the release): the first window (the launcher's frame, or the chat when it was ready) found by \
             a MutationObserver on the shadow root, and the chat's own window visible with its \
             composer focused (`focusin`); \"painted\" is a message posted from the next \
             `requestAnimationFrame` callback. Long tasks (the `longtask` observer) are counted \
             where they overlap the press → usable span. Nothing is timed with a sleep.",
            s.words("encoding").first().map_or("br", String::as_str)
        )],
        tables: vec![t, b, f],
        notes: intent_notes(&s, chat_br),
    })
}

/// What the intent figures say about where the time goes (from this run's numbers only).
fn intent_notes(s: &Samples, chat_br: f64) -> Vec<String> {
    let med = |k: &str| s.stats(k).map(|x| x.median);
    let mut notes = Vec::new();
    if let (Some(click), Some(dom), Some(usable), Some(long)) = (
        med("hover_click_ms"),
        med("hover_usable_dom_ms"),
        med("hover_usable_ms"),
        med("hover_longtask_ms"),
    ) {
        if usable > INTENT_HOVER_USABLE_MS_TARGET {
            notes.push(format!(
                "After a hover prefetch the chat is there before the click, yet it takes {usable:.0} ms \
                 (median) to a painted, usable chat: the press → the click event {click:.0} ms (the \
                 release comes after it), → the chat's window shown and its composer focused \
                 {:.0} ms more, → the next frame painted {:.0} ms more (style, layout and paint of \
                 the window, and whatever else the main thread runs then, at a quarter of the \
                 machine's speed). Long tasks (over 50 ms) fill {long:.0} ms of that span.",
                dom - click,
                usable - dom
            ));
        }
    }
    if let Some(cold) = med("cold_usable_ms") {
        // The chat's bytes alone at the shaped bandwidth, plus one round trip for the request.
        let floor = chat_br * 8.0 / INTENT_DOWN_BITS * 1000.0 + INTENT_RTT_MS;
        notes.push(format!(
            "A bare click cannot be usable before the chat arrived: its {} KB brotli take {floor:.0} ms \
             at 9 Mbit/s with one 60 ms round trip, before compiling and starting under the 4× \
             throttle; this run took {cold:.0} ms (median) from the press to a usable chat{}.",
            kb(chat_br),
            if cold > INTENT_COLD_USABLE_MS_TARGET {
                format!(
                    ", over the {INTENT_COLD_USABLE_MS_TARGET:.0} ms target"
                )
            } else {
                String::new()
            }
        ));
    }
    if let (Some(prefetch), Some(dwell)) = (med("hover_prefetch_ms"), med("dwell_usable_ms")) {
        if prefetch > f64::from(INTENT_DWELL_MS) {
            notes.push(format!(
                "The prefetch (pointer enters → chat started) takes {prefetch:.0} ms here (median), \
                 so a {INTENT_DWELL_MS} ms hover hides only part of it: the click after it waits \
                 {dwell:.0} ms (median) for a usable chat."
            ));
        }
    }
    notes
}

// ---- frames -------------------------------------------------------------------------------------

fn frames(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    let runs = ctx.opts.runs();
    let mut native_handle = Vec::new();
    let mut native_parse = Vec::new();
    for i in 0..runs {
        println!("bench: native frames, run {}/{runs}", i + 1);
        let mut cmd = ctx.cargo();
        cmd.args([
            "bench",
            "--profile",
            "native-release",
            "-p",
            "webchat-protocol",
            "--bench",
            "frames",
        ]);
        let log_path = ctx.log_dir.join("bench-frames-native.log");
        let log = File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
        let (status, out) = proc::run_teed(&mut cmd, log)?;
        if !status.success() {
            return Err(Error::Command {
                command: proc::describe(&cmd),
                status: status.to_string(),
            });
        }
        native_handle.extend(stats::number_after(&out, "Chat::handle_frame"));
        native_parse.extend(stats::number_after(&out, "xml::parse"));
    }
    ctx.bench_pkg()?;
    let url = ctx.bot_url()?;
    let s = ctx.node(
        "frames-wasm",
        Command::new("node").args([
            "e2e/bench/browser.mjs",
            "--url",
            &url,
            "--runs",
            &runs.to_string(),
            "--only",
            "frames",
        ]),
    )?;
    let nh = Stats::of(&native_handle);
    let wh = s.stats("wasm_handle_fps");
    let rate = |x: Option<Stats>| {
        x.map_or_else(
            || "—".into(),
            |s| {
                format!(
                    "{} / {} / {}",
                    grouped(s.min),
                    grouped(s.median),
                    grouped(s.max)
                )
            },
        )
    };
    let mut t = Table::new(&[
        "frames/s (min / median / max)",
        "natively",
        "wasm in headless Chromium",
    ]);
    t.row(vec![
        "`xml::parse` only".into(),
        rate(Stats::of(&native_parse)),
        rate(s.stats("wasm_parse_fps")),
    ]);
    t.row(vec![
        "parse + `Chat::handle_frame` + drain".into(),
        rate(nh),
        rate(wh),
    ]);
    let dp = s.stats("domparser_fps");
    t.row(vec![
        format!("reference: {CONVERSE}'s strophe.js parse step (`DOMParser`, no handling)"),
        "—".into(),
        rate(dp),
    ]);
    let dp_text = dp.map_or("—".into(), |s| {
        format!("{} (parse only)", grouped(s.median))
    });
    ctx.target(
        "stanza handling natively, frames/s (median)",
        nh.map_or("—".into(), |s| grouped(s.median)),
        "— (runs in a browser only)",
        "≥ 200,000",
        nh.map(|s| s.median >= NATIVE_FPS_TARGET),
    );
    ctx.target(
        "stanza handling in wasm (Chromium), frames/s (median)",
        wh.map_or("—".into(), |s| grouped(s.median)),
        &dp_text,
        "≥ 50,000",
        wh.map(|s| s.median >= WASM_FPS_TARGET),
    );
    Ok(Section {
        title: "Stanza handling".into(),
        intro: vec![
            "The frame mix recorded from real ejabberd and Prosody sessions (messages with stanza-ids, \
             chat states, presences, roster pushes, pings, SM acks, MAM results), parsed and handled by \
             a connected visitor `Chat`, everything it produces drained. Natively: \
             `crates/protocol/benches/frames.rs` (profile native-release, ~3 s a run). In wasm: \
             `src/bench.rs` (`bench` feature, release profile as shipped) timed with `performance.now()` \
             over 200,000 frames a run after a warm-up."
                .into(),
        ],
        tables: vec![t],
        notes: vec![
            "The reference row is what strophe.js (converse.js's XMPP layer) does with every \
             WebSocket message before any handler runs: wrap it and parse it with the browser's \
             `DOMParser` (`text/xml`). It is the parse step only, so it compares with webchat's \
             `xml::parse` row; converse.js's handlers come on top."
                .into(),
        ],
    })
}

// ---- history ------------------------------------------------------------------------------------

fn history(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    ctx.bench_pkg()?;
    let url = ctx.bot_url()?;
    let runs = ctx.opts.runs();
    let s = ctx.node(
        "history",
        Command::new("node").args([
            "e2e/bench/browser.mjs",
            "--url",
            &url,
            "--runs",
            &runs.to_string(),
            "--only",
            "history",
        ]),
    )?;
    let paint = s.stats("history_paint_ms");
    let mut t = Table::new(&[
        "1,000 messages, one store update (`restore`)",
        "ms (min / median / max)",
    ]);
    t.row(vec![
        "store update itself".into(),
        fmt_stats(s.stats("history_store_ms"), 1),
    ]);
    t.row(vec![
        "→ rows in the DOM (effects ran)".into(),
        fmt_stats(s.stats("history_dom_ms"), 1),
    ]);
    t.row(vec![
        "→ style and layout done".into(),
        fmt_stats(s.stats("history_layout_ms"), 1),
    ]);
    t.row(vec!["**→ next frame painted**".into(), fmt_stats(paint, 1)]);
    t.row(vec![
        "rows rendered by the update (the log is windowed: newest first)".into(),
        fmt_stats(s.stats("history_rows"), 0),
    ]);
    t.row(vec![
        "a live message on top of 1,000 → painted".into(),
        fmt_stats(s.stats("append_paint_ms"), 1),
    ]);

    let frames = s.get("scroll_frame_ms");
    let jank = frames.iter().filter(|&&f| f > JANK_MS).count();
    let mean = if frames.is_empty() {
        0.0
    } else {
        frames.iter().sum::<f64>() / frames.len() as f64
    };
    let mut sc = Table::new(&[
        "scrolling the 1,000-message log (a flick up one rendered log's height, then down, 120 frames a run)",
        "value",
    ]);
    sc.row(vec!["frames measured".into(), frames.len().to_string()]);
    sc.row(vec![
        "frame interval p50 / p95 / max ms".into(),
        format!(
            "{} / {} / {}",
            fmt_num(percentile(frames, 0.5), 1),
            fmt_num(percentile(frames, 0.95), 1),
            fmt_num(percentile(frames, 1.0), 1)
        ),
    ]);
    sc.row(vec![
        "frames per second (mean)".into(),
        if mean > 0.0 {
            format!("{:.0}", 1000.0 / mean)
        } else {
            "—".into()
        },
    ]);
    sc.row(vec![
        format!("frames slower than {JANK_MS} ms"),
        format!(
            "{jank} ({:.1}%)",
            jank as f64 * 100.0 / frames.len().max(1) as f64
        ),
    ]);
    sc.row(vec![
        "scroll range px (median)".into(),
        fmt_num(s.stats("scroll_range_px").map(|x| x.median), 0),
    ]);
    sc.row(vec![
        "rows rendered after the flick (older ones come in on the way up)".into(),
        fmt_stats(s.stats("scroll_rows"), 0),
    ]);

    let wasm = s.stats("mem_wasm_bytes");
    let heap = s.stats("mem_js_heap_bytes");
    let mb = |x: Option<Stats>| {
        x.map_or_else(
            || "—".into(),
            |s| {
                format!(
                    "{:.2} / {:.2} / {:.2}",
                    s.min / 1e6,
                    s.median / 1e6,
                    s.max / 1e6
                )
            },
        )
    };
    let mut m = Table::new(&[
        "memory after 1,000 messages (MB = 10⁶ bytes)",
        "min / median / max",
    ]);
    m.row(vec![
        "wasm linear memory (`WebAssembly.Memory` buffer)".into(),
        mb(wasm),
    ]);
    m.row(vec![
        "wasm linear memory before mounting".into(),
        mb(s.stats("mem_wasm_before_bytes")),
    ]);
    m.row(vec![
        "JS heap used (CDP `Runtime.getHeapUsage` after GC)".into(),
        mb(heap),
    ]);
    m.row(vec![
        "JS heap used before mounting".into(),
        mb(s.stats("mem_js_heap_before_bytes")),
    ]);
    m.row(vec![
        "DOM nodes in the page".into(),
        fmt_stats(s.stats("mem_dom_nodes"), 0),
    ]);
    let total = wasm.zip(heap).map(|(w, h)| w.median + h.median);
    m.row(vec![
        "**wasm + JS heap (medians)**".into(),
        total.map_or("—".into(), |t| format!("**{:.2}**", t / 1e6)),
    ]);

    ctx.target(
        "1,000-message history: store update → painted, median",
        format!("{} ms", fmt_num(paint.map(|p| p.median), 1)),
        "— (no reference)",
        "≤ 50 ms",
        paint.map(|p| p.median <= HISTORY_MS_TARGET),
    );
    ctx.target(
        "scrolling 1,000 messages: frames slower than 25 ms",
        format!("{jank} of {}", frames.len()),
        "— (no reference)",
        "smooth (none)",
        (!frames.is_empty()).then_some(jank == 0),
    );
    ctx.target(
        "wasm linear memory + JS heap after 1,000 messages, median",
        total.map_or("—".into(), |t| format!("{:.2} MB", t / 1e6)),
        "— (no reference)",
        "≤ 5 MB",
        total.map(|t| t <= MEMORY_TARGET),
    );
    Ok(Section {
        title: "1,000-message history".into(),
        intro: vec![format!(
            "`e2e/bench/browser.mjs` + `e2e/bench/bench-page.mjs`: the real widget components \
             (`mount_widget`, open, chatting) fed through `ChatStore::restore` with 1,000 visitor and \
             agent messages (ordinary lengths, some links), a fresh page per run ({runs} runs), no CPU \
             throttling. Timed with `performance.now()` from just before the store update; \"painted\" \
             is a message posted from the next `requestAnimationFrame` callback, so it includes the \
             wait for that frame (up to 16.7 ms at 60 Hz)."
        )],
        tables: vec![t, sc, m],
        notes: history_notes(&s),
    })
}

/// What the history figures say about where the time and the memory go (from this run's
/// numbers only).
fn history_notes(s: &Samples) -> Vec<String> {
    let med = |k: &str| s.stats(k).map(|x| x.median);
    let mut notes = Vec::new();
    if let (Some(store), Some(dom), Some(paint), Some(nodes)) = (
        med("history_store_ms"),
        med("history_dom_ms"),
        med("history_paint_ms"),
        med("mem_dom_nodes"),
    ) {
        if paint > HISTORY_MS_TARGET {
            // The log is windowed: only `history_rows` of the 1,000 are built.
            let rows = med("history_rows").unwrap_or(1000.0).max(1.0);
            notes.push(format!(
                "Render not within 50 ms: the store update takes {store:.1} ms; building the \
                 {rows:.0} rendered rows takes {:.0} ms ({nodes:.0} DOM nodes in the page after \
                 the scroll and live messages), so the cost is in the components (what each \
                 message row creates and formats, and the first `Intl` use in a fresh page), \
                 not in the store.",
                dom - store,
            ));
        }
    }
    if let (Some(before), Some(after)) = (med("mem_wasm_before_bytes"), med("mem_wasm_bytes")) {
        notes.push(format!(
            "wasm linear memory grows from {:.2} MB to {:.2} MB while the rows are built; it grows \
             in 64 KiB pages and never shrinks, so it is the peak the widget needed, which is what \
             the page keeps paying for.",
            before / 1e6,
            after / 1e6
        ));
    }
    notes
}

// ---- round trips ----------------------------------------------------------------------------------

fn roundtrip(ctx: &mut Ctx<'_>, server: Option<Kind>) -> Result<Section, Error> {
    let messages = if ctx.opts.quick { "50" } else { "200" };
    // Over the WebSocket, then over BOSH (the page's WebSocket leads nowhere).
    let run = |ctx: &mut Ctx<'_>, url: &str| {
        let mut samples = Vec::new();
        for bosh in [false, true] {
            let mut cmd = Command::new("node");
            cmd.args(["e2e/bench/roundtrip.mjs", "--messages", messages])
                .env("WEBCHAT_E2E_URL", url)
                .env(
                    "WEBCHAT_E2E_BACKEND",
                    server.map_or("embedded", |k| k.name()),
                );
            if bosh {
                cmd.arg("--bosh");
            }
            samples.push(ctx.node(
                &format!(
                    "roundtrip-{}{}",
                    server.map_or("embedded", |k| k.name()),
                    if bosh { "-bosh" } else { "" }
                ),
                &mut cmd,
            )?);
        }
        Ok::<_, Error>(samples)
    };
    let runs = match server {
        None => {
            let url = ctx.bot_url()?;
            run(ctx, &url)?
        }
        Some(kind) => {
            let mut running = servers::start(ctx.root, &[kind])?;
            let result = ctx
                .start_devserver(
                    &format!("bench-{}", kind.name()),
                    devserver::Backend::External(kind),
                    true,
                )
                .and_then(|mut dev| {
                    let url = dev.base_url();
                    let r = run(ctx, &url);
                    dev.stop();
                    r
                });
            for s in &mut running {
                s.stop();
            }
            result?
        }
    };
    let backend = match server {
        None => "devserver's embedded XMPP backend".to_owned(),
        Some(k) => format!(
            "a private {} on loopback (devserver's desk connected to it)",
            k.name()
        ),
    };
    let (s, over_bosh) = (&runs[0], &runs[1]);
    let p = |key: &str, q: f64| percentile(s.get(key), q);
    let mut t = Table::new(&["ms", "p50", "p99", "max", "samples"]);
    for (samples, key, label) in [
        (
            s,
            "rt_ms",
            "round trip: Enter → the agent's answer in the DOM",
        ),
        (s, "share_ms", "widget's share (out + in)"),
        (
            s,
            "out_ms",
            "  out: Enter → stanza handed to WebSocket.send",
        ),
        (s, "in_ms", "  in: WebSocket message → row in the DOM"),
        (
            over_bosh,
            "rt_ms",
            "round trip over BOSH (WebSocket blocked)",
        ),
    ] {
        let p = |q: f64| percentile(samples.get(key), q);
        t.row(vec![
            label.into(),
            fmt_num(p(0.5), 2),
            fmt_num(p(0.99), 2),
            fmt_num(p(1.0), 2),
            samples.get(key).len().to_string(),
        ]);
    }
    let name = server.map_or("embedded backend", |k| k.name());
    let measured = !s.get("rt_ms").is_empty();
    ctx.target_status(
        &format!("visitor → agent round trip through {name}, p50 / p99"),
        format!(
            "{} / {} ms",
            fmt_num(p("rt_ms", 0.5), 1),
            fmt_num(p("rt_ms", 0.99), 1)
        ),
        "— (no reference)",
        "report p50 / p99",
        if measured {
            Status::Reported
        } else {
            Status::NotMeasured
        },
    );
    if server.is_none() {
        ctx.target(
            "widget's own share (stanza out → DOM update), p50",
            format!("{} ms", fmt_num(p("share_ms", 0.5), 2)),
            "— (no reference)",
            "≤ 1 ms",
            p("share_ms", 0.5).map(|x| x <= SHARE_MS_TARGET),
        );
    }
    Ok(Section {
        title: format!("Round trip through {name}"),
        intro: vec![format!(
            "`e2e/bench/roundtrip.mjs`: the widget (as shipped, `/pages/widget.html`) in headless \
             Chromium chats with devserver's bot through {backend}; the bot answers `You said: …` as \
             soon as a message reaches the agent side. {messages} messages one after another (after 5 \
             warm-up ones), each timed in the page with `performance.now()`: Enter pressed → the \
             answer's row added to the DOM (MutationObserver). The widget's share is the time spent in \
             the page on the way out (Enter → `WebSocket.send`) plus on the way in (the WebSocket \
             `message` event → the row in the DOM); the rest is network, server and bot. The last \
             row is the same run with the page's WebSocket leading nowhere: the widget falls back \
             to BOSH on devserver's `/http-bind` (embedded, or forwarded to the real server)."
        )],
        tables: vec![t],
        notes: vec![],
    })
}

// ---- fault ----------------------------------------------------------------------------------------

fn fault(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    let (messages, drops) = if ctx.opts.quick {
        ("200", "10")
    } else {
        ("1000", "20")
    };
    let mut dev = ctx.start_devserver("bench-fault", devserver::Backend::Embedded, false)?;
    let url = dev.base_url();
    let result = ctx.node(
        "fault",
        Command::new("node")
            .args([
                "e2e/bench/fault.mjs",
                "--messages",
                messages,
                "--drops",
                drops,
            ])
            .env("WEBCHAT_E2E_URL", &url)
            .env("WEBCHAT_E2E_BACKEND", "embedded"),
    );
    dev.stop();
    let s = result?;
    let first = |k: &str| s.first(k);
    let rec = s.get("fault_recovery_ms");
    let mut t = Table::new(&["fault scenario", "value"]);
    for (k, label) in [
        ("fault_messages_each_way", "messages each way"),
        ("fault_drops", "connection drops"),
        ("fault_connections", "WebSocket connections"),
        ("fault_lost", "lost (both directions)"),
        ("fault_duplicated", "duplicated (both directions)"),
        ("fault_reordered", "reordered (both directions)"),
        (
            "fault_visitor_rows_wrong",
            "visitor's own rows lost/duplicated/reordered",
        ),
        ("fault_unconfirmed", "visitor messages left unconfirmed"),
        ("fault_seconds", "seconds to send everything"),
    ] {
        t.row(vec![label.into(), fmt_num(first(k), 0)]);
    }
    t.row(vec![
        "recovery after a cut: min / median / max ms".into(),
        fmt_stats(Stats::of(rec), 0),
    ]);
    t.row(vec![
        "recovery p99 ms".into(),
        fmt_num(percentile(rec, 0.99), 0),
    ]);
    let bad = ["fault_lost", "fault_duplicated", "fault_reordered"]
        .iter()
        .map(|k| first(k))
        .collect::<Option<Vec<f64>>>()
        .map(|v| v.iter().sum::<f64>());
    ctx.target(
        &format!("fault scenario ({messages} messages each way, {drops} drops): lost / duplicated / reordered"),
        format!(
            "{} / {} / {}",
            fmt_num(first("fault_lost"), 0),
            fmt_num(first("fault_duplicated"), 0),
            fmt_num(first("fault_reordered"), 0)
        ),
        "— (no reference)",
        "0 / 0 / 0",
        bad.map(|b| b == 0.0),
    );
    Ok(Section {
        title: "Fault injection".into(),
        intro: vec![format!(
            "`e2e/bench/fault.mjs`: the identity-proxy scenario at benchmark size. The browser reaches \
             devserver's XMPP WebSocket (embedded backend) through `e2e/lib/proxy.mjs`, which cuts the \
             TCP connection {drops} times at random moments while the visitor types {messages} \
             messages and an agent sends {messages}. Counted against what was sent, in order, on the \
             agent's side (devserver's transcript) and in the widget: lost, duplicated, reordered \
             (the fewest messages that must move). Recovery: cut → the widget reports `chatting` again."
        )],
        tables: vec![t],
        notes: vec![],
    })
}

// ---- load --------------------------------------------------------------------------------------

fn load(ctx: &mut Ctx<'_>) -> Result<Section, Error> {
    let (sessions, messages) = if ctx.opts.quick {
        ("200", "10")
    } else {
        ("500", "20")
    };
    let mut t = Table::new(&[
        "devserver load (embedded backend, bot)",
        "sessions held",
        "messages/s",
        "round trip p50 ms",
        "p99 ms",
        "target p99 < 100 ms",
    ]);
    for (pause, label) in [
        ("1000", "paced: a message a second each"),
        ("0", "saturation: next message at once"),
    ] {
        let mut cmd = ctx.cargo();
        cmd.args([
            "bench",
            "--profile",
            "native-release",
            "-p",
            "devserver",
            "--bench",
            "load",
            "--",
            "--sessions",
            sessions,
            "--messages",
            messages,
            "--pause-ms",
            pause,
        ]);
        let log_path = ctx.log_dir.join(format!("bench-load-{pause}.log"));
        let log = File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
        let (status, out) = proc::run_teed(&mut cmd, log)?;
        if !status.success() {
            return Err(Error::Command {
                command: proc::describe(&cmd),
                status: status.to_string(),
            });
        }
        let p99 = stats::number_after(&out, "p99");
        t.row(vec![
            format!("{label} ({sessions} × {messages})"),
            fmt_num(
                stats::number_after(&out, "sessions held (active at once)"),
                0,
            ),
            fmt_num(stats::number_after(&out, "messages/s"), 0),
            fmt_num(stats::number_after(&out, "round trip p50"), 1),
            fmt_num(p99, 1),
            report::verdict(Status::of(p99.map(|p| p < 100.0))).into(),
        ]);
    }
    Ok(Section {
        title: "devserver under load".into(),
        intro: vec![
            "`devserver/benches/load.rs`: visitors through the Public API and the embedded XMPP \
             backend, in one process with devserver, each chatting with the bot (native-release \
             profile). One run each; the bench's own output (CPU share, machine noise) is in \
             target/xtask-logs/bench-load-*.log."
                .into(),
        ],
        tables: vec![t],
        notes: vec![],
    })
}

// ---- the machine -------------------------------------------------------------------------------

fn machine(root: &Path) -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = proc::output(Command::new("uname").arg("-r")).unwrap_or_default();
    let date =
        proc::output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
    let chromium =
        proc::output(Command::new("/usr/bin/chromium").arg("--version")).unwrap_or_default();
    let node = proc::output(Command::new("node").arg("--version")).unwrap_or_default();
    let rustc = proc::output(Command::new("rustc").arg("--version")).unwrap_or_default();
    let commit = proc::output(Command::new("git").args(["-C"]).arg(root).args([
        "rev-parse",
        "--short",
        "HEAD",
    ]))
    .unwrap_or_default();
    vec![
        format!("date: {date}"),
        format!("machine: {cpu}, {cores} cores available; {os}, Linux {kernel}"),
        format!("tools: {chromium} (headless), node {node}, {rustc}"),
        format!("code: commit {commit} plus the working tree's changes"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn options_parse_quick_and_only_in_canonical_order() {
        let o = parse_args(&args(&[])).unwrap();
        assert_eq!(
            (o.quick, o.partial, o.areas.len()),
            (false, false, Area::ALL.len())
        );
        let o = parse_args(&args(&["--only", "fault,size", "--quick"])).unwrap();
        assert_eq!(o.areas, vec![Area::Size, Area::Fault]);
        assert!(o.quick && o.partial);
        assert_eq!(o.runs(), 2);
        let o = parse_args(&args(&["--only=tbt"])).unwrap();
        assert_eq!(o.areas, vec![Area::Tbt]);
        let o = parse_args(&args(&["--only", "frames,intent,size"])).unwrap();
        assert_eq!(o.areas, vec![Area::Size, Area::Intent, Area::Frames]);
        assert!(matches!(
            parse_args(&args(&["--only", "nope"])),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            parse_args(&args(&["--only"])),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            parse_args(&args(&["--only", ","])),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            parse_args(&args(&["--fast"])),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn big_numbers_get_separators() {
        assert_eq!(grouped(1_234_567.4), "1,234,567");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(50_000.0), "50,000");
    }
}
