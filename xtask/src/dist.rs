//! `cargo xtask dist`: the release build of the widget as customers embed it, in its two
//! download stages, and their sizes against the budgets.
//!
//! [`build_pkg`] (shared with the e2e groups) builds both stages for wasm32 in release (the
//! size-tuned profile), each in its own cargo run (the launcher's `entry` feature must not reach
//! the chat's wasm), runs the pinned wasm-bindgen CLI on each into one package directory, and
//! writes the chat texts of every language there (`i18n/<tag>.txt`, complete: what a visitor's
//! language lacks filled in from its parent and English; compiled by `i18n/codegen.rs`, the code
//! the build uses). From that [`layout`] lays out what ships:
//! - `dist/`: the script-tag files: `loader.js` (`loader/loader.js` minified, its asset names
//!   replaced) and the content-hashed launcher (`webchat-launcher.<hash>.js` / `.wasm`), chat
//!   (`webchat.<hash>.js` / `.wasm`) and chat texts (`webchat-i18n.<hash>/<tag>.txt`), so a CDN
//!   can cache them forever (only `loader.js` needs a short cache) and one loader only ever
//!   names files of its own build.
//! - `dist/npm/`: the ES module package (`loader/npm/`'s `package.json`, `index.js`,
//!   `index.d.ts`, `README.md`, both stages' glue and wasm, and `i18n/`).
//!
//! [`run`] prints raw, gzip and brotli sizes of every shipped file and fails past the budgets:
//! the first view (loader + launcher: everything a page view downloads before the visitor
//! shows interest) at most [`FIRST_VIEW_BUDGET_BROTLI`], everything a chatting visitor
//! downloads (the first view, the chat, the largest chat table) at most
//! [`WHOLE_BUDGET_BROTLI`]. [`build`] does the same work without judging (tests and size work use
//! it). It does not serve anything.
//!
//! What ships is post-processed with the tools of `buildtools/` (an npm project with a committed
//! lock, installed by `setup`): binaryen's wasm-opt ([`WASM_OPT_FLAGS`]) on both wasm files, and
//! terser on both stages' glue and on the loader. Never Debian's binaryen (108 breaks the output
//! at run time). Measured on this widget, `-O1` saves about 1.5% brotli while `-Oz`/`-Os` make
//! the brotli size *larger* (their code layout compresses worse), so `-O1` it is. terser takes
//! a quarter or more off the brotli size of each JS file (`docs/size.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;
use crate::proc;
use crate::setup::{self, Needs};

// The catalogue's reader and compiler, as the build runs them; dist needs only the downloadable
// chat tables (the rest is the build's).
#[allow(dead_code)]
#[path = "../../i18n/codegen.rs"]
mod codegen;
#[allow(dead_code)]
#[path = "../../i18n/source.rs"]
mod source;

/// The first view: what a page view downloads before any sign of interest (loader +
/// launcher), brotli-compressed, in bytes.
pub const FIRST_VIEW_BUDGET_BROTLI: u64 = 30_000;

/// Everything a chatting visitor downloads (first view + chat + their language's chat texts),
/// brotli-compressed, in bytes.
pub const WHOLE_BUDGET_BROTLI: u64 = 300_000;

/// The loader's asset names that `dist` rewrites, `(variable in loader/loader.js, its value)`:
/// each value occurs exactly once in the loader, as a quoted string.
const MARKERS: [(&str, &str); 5] = [
    ("GLUE", LAUNCHER_GLUE),
    ("WASM", LAUNCHER_WASM),
    ("CHAT_GLUE", CHAT_GLUE),
    ("CHAT_WASM", CHAT_WASM),
    ("I18N", "i18n/"),
];

/// wasm-bindgen's names for the two stages.
const LAUNCHER_GLUE: &str = "webchat_launcher.js";
const LAUNCHER_WASM: &str = "webchat_launcher_bg.wasm";
const CHAT_GLUE: &str = "webchat.js";
const CHAT_WASM: &str = "webchat_bg.wasm";
/// Both stages' release builds go without the `reference-types` wasm feature (a `--config`
/// appended to `.cargo/config.toml`'s wasm32 rustflags): wasm-bindgen then keeps JS objects in
/// an array in the glue instead of an externref table, and each wasm shrinks by more than its
/// glue grows (`docs/size.md`, "Build levers"). Only in builds whose `target_features` section
/// is stripped (the release profile's `strip = true`): the standard library is compiled with
/// reference types, and where wasm-bindgen can read that section it expects the externref
/// table and fails ("failed to find the `__wbindgen_externref_table_alloc` function"), as in
/// the browser tests' builds and the bench's builds that keep names.
pub const RELEASE_RUSTFLAGS: &str =
    r#"target.wasm32-unknown-unknown.rustflags=["-C","target-feature=-reference-types"]"#;

/// The launcher's dependencies at `opt-level = 2` instead of the profile's "z": 1.2 KB brotli
/// smaller on the launcher's wasm (`docs/size.md`, "Build levers"). Only for the launcher's
/// cargo run: several of the chat's dependencies measured larger at 2 (hashbrown, smaller at 2
/// in the chat too, has its own line in `Cargo.toml`).
const LAUNCHER_CONFIG: &str = r#"profile.release.package."*".opt-level=2"#;

/// The loader, minified into the package by [`build_pkg`] (its asset names still unhashed).
const LOADER: &str = "loader.js";

/// wasm-opt's level and the wasm features rustc's wasm32 output may use (without them wasm-opt
/// rejects or de-optimises the module; reference types are off in the release builds, see
/// [`RELEASE_RUSTFLAGS`], and allowing them changes nothing there).
pub const WASM_OPT_FLAGS: [&str; 8] = [
    "-O1",
    // -O1 again until the module stops shrinking: about 1 KB brotli more, seconds of build.
    "--converge",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The hand-written files of the npm package, copied from `loader/npm/`.
const NPM_FILES: [&str; 4] = ["package.json", "index.js", "index.d.ts", "README.md"];

/// When a host page downloads a script-tag file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// On every page view (the loader and the launcher).
    FirstView,
    /// On the first sign of interest (the chat's glue and wasm).
    Chat,
    /// With the chat: one of these, the language in use.
    ChatTexts,
    /// Not downloaded by the script tag (the npm package).
    Npm,
}

/// One shipped file and its sizes.
#[derive(Debug, Clone)]
pub struct Shipped {
    /// The file.
    pub path: PathBuf,
    /// Bytes as stored.
    pub raw: u64,
    /// Bytes after `gzip -9`.
    pub gzip: u64,
    /// Bytes after `brotli -q 11`.
    pub brotli: u64,
    /// When a page downloads it.
    pub stage: Stage,
}

/// What [`build`] produced.
#[derive(Debug, Clone)]
pub struct Dist {
    /// `dist/`: loader.js and the hashed stages and chat texts.
    pub script_dir: PathBuf,
    /// `dist/npm/`: the ES module package.
    pub npm_dir: PathBuf,
    /// Every shipped file (script tag first, then npm), with sizes.
    pub files: Vec<Shipped>,
}

impl Dist {
    fn brotli_of(&self, stage: Stage) -> u64 {
        self.files
            .iter()
            .filter(|f| f.stage == stage)
            .map(|f| f.brotli)
            .sum()
    }

    /// Brotli bytes of the first view: the loader and the launcher.
    pub fn first_view_brotli(&self) -> u64 {
        self.brotli_of(Stage::FirstView)
    }

    /// Brotli bytes of the chat stage (glue and wasm, without its texts).
    pub fn chat_brotli(&self) -> u64 {
        self.brotli_of(Stage::Chat)
    }

    /// The largest language's chat texts, brotli (what the whole-chat budget counts).
    pub fn largest_texts(&self) -> Option<&Shipped> {
        self.files
            .iter()
            .filter(|f| f.stage == Stage::ChatTexts)
            .max_by_key(|f| f.brotli)
    }

    /// Brotli bytes of everything a chatting visitor downloads: the first view, the chat and
    /// the largest chat table.
    pub fn whole_brotli(&self) -> u64 {
        self.first_view_brotli() + self.chat_brotli() + self.largest_texts().map_or(0, |f| f.brotli)
    }

    /// The budgets this build breaks, `(what, bytes, budget)`.
    pub fn over_budget(&self) -> Vec<(&'static str, u64, u64)> {
        [
            (
                "the first view",
                self.first_view_brotli(),
                FIRST_VIEW_BUDGET_BROTLI,
            ),
            ("the whole chat", self.whole_brotli(), WHOLE_BUDGET_BROTLI),
        ]
        .into_iter()
        .filter(|(_, used, budget)| used > budget)
        .collect()
    }
}

/// `cargo xtask dist`: [`build`], print the size table, and fail over the budget.
pub fn run(root: &Path) -> Result<(), Error> {
    run_with(root, true)
}

/// [`run`], optionally without failing over the budget (the table still says where it stands).
pub fn run_with(root: &Path, enforce_budget: bool) -> Result<(), Error> {
    let mut needs = Needs {
        wasm_target: true,
        wasm_bindgen: true,
        build_npm: true,
        ..Needs::default()
    };
    needs.add_debs(setup::DEB_DIST);
    setup::ensure(root, &needs)?;

    let dist = build(root)?;
    print_table(root, &dist);
    let over = dist.over_budget();
    if enforce_budget && !over.is_empty() {
        return Err(Error::OverBudget {
            what: over
                .iter()
                .map(|(what, used, budget)| format!("{what} is {used} bytes brotli, over {budget}"))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    Ok(())
}

/// Builds `dist/` and `dist/npm/` and measures every shipped file. Assumes `setup` ensured the
/// wasm target, the wasm-bindgen CLI, Node.js with `buildtools/`, gzip and brotli. Never fails
/// on size.
pub fn build(root: &Path) -> Result<Dist, Error> {
    let out = root.join("dist");
    let pkg = out.join("pkg");
    build_pkg(root, &pkg)?;
    let laid = layout(root, &pkg, &out)?;
    let mut files = Vec::new();
    for (stage, paths) in laid.script {
        for path in paths {
            files.push(measure(path, stage)?);
        }
    }
    for path in laid.npm {
        files.push(measure(path, Stage::Npm)?);
    }
    Ok(Dist {
        script_dir: out.clone(),
        npm_dir: out.join("npm"),
        files,
    })
}

/// The files [`layout`] wrote.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The script tag's files by stage: `loader.js` and the hashed launcher; the hashed chat;
    /// the hashed chat texts.
    pub script: Vec<(Stage, Vec<PathBuf>)>,
    /// The npm package's files.
    pub npm: Vec<PathBuf>,
}

/// Lays out the shipped files from a built package `pkg` (see [`build_pkg`]) into `out` (and
/// `out/npm`), removing what an older build left there (everything in `out` but `pkg/`).
pub fn layout(root: &Path, pkg: &Path, out: &Path) -> Result<Layout, Error> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    // Older hashed files would pile up (and be counted): keep only pkg/.
    for entry in std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .flatten()
    {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "pkg") {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(&path, e))?;
    }

    let hashed = |file: &str, stem: &str, ext: &str| -> Result<(String, Vec<u8>), Error> {
        let bytes = read(&pkg.join(file))?;
        Ok((format!("{stem}.{}.{ext}", content_hash(&bytes)), bytes))
    };
    let launcher = [
        hashed(LAUNCHER_GLUE, "webchat-launcher", "js")?,
        hashed(LAUNCHER_WASM, "webchat-launcher", "wasm")?,
    ];
    let chat = [
        hashed(CHAT_GLUE, "webchat", "js")?,
        hashed(CHAT_WASM, "webchat", "wasm")?,
    ];
    // One directory per set of texts, named by their content together.
    let texts = chat_texts(pkg)?;
    let mut all = Vec::new();
    for (tag, text) in &texts {
        all.extend_from_slice(tag.as_bytes());
        all.push(0);
        all.extend_from_slice(text);
        all.push(0);
    }
    let texts_dir = format!("webchat-i18n.{}", content_hash(&all));

    let loader_src = pkg.join(LOADER);
    let loader = String::from_utf8_lossy(&read(&loader_src)?).into_owned();
    let names = [
        launcher[0].0.as_str(),
        launcher[1].0.as_str(),
        chat[0].0.as_str(),
        chat[1].0.as_str(),
        &format!("{texts_dir}/"),
    ];
    let loader = rewrite_loader(&loader, &names).map_err(|what| {
        Error::io(
            &loader_src,
            std::io::Error::new(std::io::ErrorKind::InvalidData, what),
        )
    })?;
    let mut first_view = vec![out.join("loader.js")];
    write(&first_view[0], loader.as_bytes())?;
    for (name, bytes) in &launcher {
        let path = out.join(name);
        write(&path, bytes)?;
        first_view.push(path);
    }
    let mut chat_files = Vec::new();
    for (name, bytes) in &chat {
        let path = out.join(name);
        write(&path, bytes)?;
        chat_files.push(path);
    }
    let dir = out.join(&texts_dir);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut text_files = Vec::new();
    for (tag, text) in &texts {
        let path = dir.join(format!("{tag}.txt"));
        write(&path, text)?;
        text_files.push(path);
    }

    let npm = out.join("npm");
    std::fs::create_dir_all(npm.join("i18n")).map_err(|e| Error::io(&npm, e))?;
    let mut npm_files = Vec::new();
    for name in NPM_FILES {
        let src = root.join("loader").join("npm").join(name);
        let path = npm.join(name);
        write(&path, &read(&src)?)?;
        npm_files.push(path);
    }
    for name in [LAUNCHER_GLUE, LAUNCHER_WASM, CHAT_GLUE, CHAT_WASM] {
        let path = npm.join(name);
        write(&path, &read(&pkg.join(name))?)?;
        npm_files.push(path);
    }
    for (tag, text) in &texts {
        let path = npm.join("i18n").join(format!("{tag}.txt"));
        write(&path, text)?;
        npm_files.push(path);
    }

    Ok(Layout {
        script: vec![
            (Stage::FirstView, first_view),
            (Stage::Chat, chat_files),
            (Stage::ChatTexts, text_files),
        ],
        npm: npm_files,
    })
}

/// `pkg/i18n/<tag>.txt`, sorted by tag.
fn chat_texts(pkg: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let dir = pkg.join("i18n");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .flatten()
    {
        let path = entry.path();
        let Some(tag) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".txt"))
        else {
            continue;
        };
        texts.push((tag.to_owned(), read(&path)?));
    }
    texts.sort();
    Ok(texts)
}

/// Writes every language's chat texts, as the chat stage downloads them, to `dir/<tag>.txt`.
pub fn write_chat_texts(root: &Path, dir: &Path) -> Result<(), Error> {
    let sources = source::load_dir(&root.join("i18n")).map_err(|e| {
        Error::io(
            root.join("i18n"),
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        )
    })?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for s in &sources {
        let table = codegen::resolved_chat_table(&sources, s);
        write(&dir.join(format!("{}.txt", s.tag)), table.as_bytes())?;
    }
    Ok(())
}

/// The loader with its asset names replaced by `names` (in [`MARKERS`] order); an error names
/// a name the loader lost. Works on the source and on terser's output alike: each name is a
/// string literal, in single or double quotes, found exactly once.
pub fn rewrite_loader(src: &str, names: &[&str; 5]) -> Result<String, String> {
    let mut out = src.to_owned();
    for ((var, value), name) in MARKERS.iter().zip(names) {
        let quoted = [format!("'{value}'"), format!("\"{value}\"")];
        let found: Vec<&String> = quoted.iter().filter(|q| out.contains(q.as_str())).collect();
        let once = match found.as_slice() {
            [literal] if out.matches(literal.as_str()).count() == 1 => Some(*literal),
            _ => None,
        };
        let Some(literal) = once else {
            return Err(format!(
                "loader.js must name `{value}` ({var}) exactly once"
            ));
        };
        let quote = &literal[..1];
        out = out.replacen(literal.as_str(), &format!("{quote}{name}{quote}"), 1);
    }
    Ok(out)
}

/// A short, stable content hash for file names: FNV-1a (64 bit), 12 hex digits. Not a security
/// measure; it only has to change when the bytes do.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_owned()
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn measure(path: PathBuf, stage: Stage) -> Result<Shipped, Error> {
    let raw = std::fs::metadata(&path)
        .map_err(|e| Error::io(&path, e))?
        .len();
    let gzip = compressed_len(Command::new("gzip").args(["-9", "-n", "-c"]).arg(&path))?;
    let brotli = compressed_len(Command::new("brotli").args(["-q", "11", "-c"]).arg(&path))?;
    Ok(Shipped {
        path,
        raw,
        gzip,
        brotli,
        stage,
    })
}

fn print_table(root: &Path, dist: &Dist) {
    println!(
        "\n{:<52} {:>10} {:>10} {:>12}",
        "file", "raw", "gzip -9", "brotli -q11"
    );
    let texts = dist.largest_texts().map(|f| f.path.clone());
    for f in &dist.files {
        let name = f
            .path
            .strip_prefix(root)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        let note = match f.stage {
            Stage::FirstView => "  first view",
            Stage::Chat => "  chat",
            // 37 of them: only the largest is listed (it is what the budget counts).
            Stage::ChatTexts if texts.as_ref() != Some(&f.path) => continue,
            Stage::ChatTexts => "  chat texts (the largest language)",
            Stage::Npm => "  (npm package)",
        };
        println!(
            "{name:<52} {:>10} {:>10} {:>12}{note}",
            f.raw, f.gzip, f.brotli
        );
    }
    let first = dist.first_view_brotli();
    let whole = dist.whole_brotli();
    println!(
        "first view (loader + launcher): {first} bytes brotli, budget {FIRST_VIEW_BUDGET_BROTLI} ({:.0}%)",
        first as f64 * 100.0 / FIRST_VIEW_BUDGET_BROTLI as f64
    );
    println!(
        "whole chat (first view + chat + chat texts): {whole} bytes brotli, budget {WHOLE_BUDGET_BROTLI} ({:.0}%)",
        whole as f64 * 100.0 / WHOLE_BUDGET_BROTLI as f64
    );
    println!(
        "script tag: {}/loader.js; npm package: {}",
        dist.script_dir.display(),
        dist.npm_dir.display()
    );
}

/// Builds both stages for wasm32 in release (the size-tuned profile, [`RELEASE_RUSTFLAGS`], the
/// launcher with [`LAUNCHER_CONFIG`]) and writes into `out` (emptied first, so no stale file
/// survives) their wasm-bindgen `--target web` packages, each wasm through wasm-opt and each
/// glue through terser, the loader minified (`loader.js`, asset names not yet hashed) and every
/// language's chat texts (`i18n/<tag>.txt`). Shared by `dist` and the e2e test groups, so the
/// tests run exactly what ships. Assumes `setup` already ensured the wasm target, the
/// wasm-bindgen CLI and Node.js with `buildtools/`.
pub fn build_pkg(root: &Path, out: &Path) -> Result<(), Error> {
    // Stale files from an older build would be counted or served: start empty.
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    // Two cargo runs: in one, the launcher's `entry` feature would reach the chat's wasm.
    for package in ["webchat-launcher", "webchat"] {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "-p",
                package,
                "--release",
                "--target",
                setup::WASM_TARGET,
            ])
            .current_dir(root)
            .args(["--config", RELEASE_RUSTFLAGS]);
        if package == "webchat-launcher" {
            build.args(["--config", LAUNCHER_CONFIG]);
        }
        proc::run(&mut build)?;
        let wasm = setup::cargo_target_dir(root)
            .join(setup::WASM_TARGET)
            .join("release")
            .join(format!("{}.wasm", package.replace('-', "_")));
        proc::run(
            Command::new(setup::cargo_tool("wasm-bindgen"))
                // The name and producers sections are debugging metadata no browser needs.
                .args([
                    "--target",
                    "web",
                    "--remove-name-section",
                    "--remove-producers-section",
                    "--out-dir",
                ])
                .arg(out)
                .arg(&wasm),
        )?;
    }
    for wasm in [LAUNCHER_WASM, CHAT_WASM] {
        wasm_opt(root, &out.join(wasm))?;
    }
    for glue in [LAUNCHER_GLUE, CHAT_GLUE] {
        let glue = out.join(glue);
        minify(root, &glue, &glue, Script::Module)?;
    }
    minify(
        root,
        &root.join("loader").join(LOADER),
        &out.join(LOADER),
        Script::Classic,
    )?;
    write_chat_texts(root, &out.join("i18n"))
}

/// A build tool's script in `buildtools/node_modules` (installed by `setup`).
fn build_tool(root: &Path, package: &str, script: &str) -> PathBuf {
    root.join(setup::BUILDTOOLS_DIR)
        .join("node_modules")
        .join(package)
        .join("bin")
        .join(script)
}

/// How terser reads a file: an ES module (the glue: its top level is private) or a classic
/// script (the loader: its top level is the page's).
#[derive(Clone, Copy)]
enum Script {
    Module,
    Classic,
}

/// Writes `src` minified by terser to `dst`: compressed, names mangled, no comments (the
/// loader gets a one-line banner saying what it is). Property names are never mangled, so the
/// glue's import object and exports keep their names.
fn minify(root: &Path, src: &Path, dst: &Path, script: Script) -> Result<(), Error> {
    let mut cmd = Command::new("node");
    cmd.arg(build_tool(root, "terser", "terser"))
        .arg(src)
        .args(["--compress", "passes=2", "--mangle", "--comments", "false"]);
    match script {
        Script::Module => cmd.arg("--module"),
        Script::Classic => cmd.args(["--format", "preamble='/*! webchat loader */'"]),
    };
    proc::run(cmd.arg("--output").arg(dst))
}

/// Optimises `wasm` in place with binaryen's wasm-opt from `buildtools/`.
fn wasm_opt(root: &Path, wasm: &Path) -> Result<(), Error> {
    proc::run(
        Command::new("node")
            .arg(build_tool(root, "binaryen", "wasm-opt"))
            .arg(wasm)
            .args(WASM_OPT_FLAGS)
            .arg("-o")
            .arg(wasm),
    )
}

/// Byte count of a compressor's stdout.
fn compressed_len(cmd: &mut Command) -> Result<u64, Error> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            program: cmd.get_program().to_string_lossy().into_owned(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Command {
            command: proc::describe(cmd),
            status: out.status.to_string(),
        });
    }
    Ok(out.stdout.len() as u64)
}

/// Copies a directory tree (plain files and directories; symlinks are followed). The e2e and
/// bench sites are laid out with it.
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = [
        "webchat-launcher.a.js",
        "webchat-launcher.b.wasm",
        "webchat.c.js",
        "webchat.d.wasm",
        "webchat-i18n.e/",
    ];

    #[test]
    fn the_loader_gets_the_hashed_names() {
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/loader.js"),
        )
        .unwrap();
        let out = rewrite_loader(&src, &NAMES).unwrap();
        assert!(out.contains("var GLUE = 'webchat-launcher.a.js';"));
        assert!(out.contains("var WASM = 'webchat-launcher.b.wasm';"));
        assert!(out.contains("var CHAT_GLUE = 'webchat.c.js';"));
        assert!(out.contains("var CHAT_WASM = 'webchat.d.wasm';"));
        assert!(out.contains("var I18N = 'webchat-i18n.e/';"));
        assert!(!out.contains("_bg.wasm"));
        assert!(rewrite_loader("nothing here", &NAMES).is_err());
        // terser's output: double quotes, variables renamed.
        let minified = r#"!function(){var a="webchat_launcher.js",b="webchat_launcher_bg.wasm",c="webchat.js",d="webchat_bg.wasm",e="i18n/";f(a,b,c,d,e)}();"#;
        assert_eq!(
            rewrite_loader(minified, &NAMES).unwrap(),
            r#"!function(){var a="webchat-launcher.a.js",b="webchat-launcher.b.wasm",c="webchat.c.js",d="webchat.d.wasm",e="webchat-i18n.e/";f(a,b,c,d,e)}();"#
        );
        // A name found twice is ambiguous.
        assert!(rewrite_loader(&format!("{minified}\"webchat.js\""), &NAMES).is_err());
    }

    #[test]
    fn layout_ships_hashed_stages_texts_and_the_npm_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let tmp = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        let (pkg, out) = (tmp.join("out").join("pkg"), tmp.join("out"));
        std::fs::create_dir_all(pkg.join("i18n")).unwrap();
        let files: [(&str, &[u8]); 7] = [
            (LAUNCHER_GLUE, b"export function init() {}"),
            (LAUNCHER_WASM, b"\0asm\x01\0\0\0launcher"),
            (CHAT_GLUE, b"export function startChat() {}"),
            (CHAT_WASM, b"\0asm\x01\0\0\0chat"),
            ("i18n/de.txt", b"Chat beenden\x1f"),
            ("i18n/en.txt", b"End chat\x1f"),
            (
                LOADER,
                b"var GLUE = 'webchat_launcher.js'; var WASM = 'webchat_launcher_bg.wasm'; \
                  var CHAT_GLUE = 'webchat.js'; var CHAT_WASM = 'webchat_bg.wasm'; \
                  var I18N = 'i18n/';",
            ),
        ];
        for (name, bytes) in files {
            std::fs::write(pkg.join(name), bytes).unwrap();
        }
        // A stale file from an older build goes away.
        std::fs::write(out.join("webchat.000000000000.wasm"), b"old").unwrap();

        let laid = layout(root, &pkg, &out).unwrap();
        let names = |paths: &[PathBuf]| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
                .collect()
        };
        let hashed =
            |stem: &str, ext: &str, bytes: &[u8]| format!("{stem}.{}.{ext}", content_hash(bytes));
        let (glue, wasm) = (
            hashed("webchat-launcher", "js", files[0].1),
            hashed("webchat-launcher", "wasm", files[1].1),
        );
        let (chat_glue, chat_wasm) = (
            hashed("webchat", "js", files[2].1),
            hashed("webchat", "wasm", files[3].1),
        );
        assert_eq!(laid.script[0].0, Stage::FirstView);
        assert_eq!(
            names(&laid.script[0].1),
            ["loader.js".to_string(), glue.clone(), wasm.clone()]
        );
        assert_eq!(
            names(&laid.script[1].1),
            [chat_glue.clone(), chat_wasm.clone()]
        );
        let texts = names(&laid.script[2].1);
        let dir = texts[0].split('/').next().unwrap().to_owned();
        assert!(dir.starts_with("webchat-i18n."), "{dir}");
        assert_eq!(texts, [format!("{dir}/de.txt"), format!("{dir}/en.txt")]);
        let loader = std::fs::read_to_string(out.join("loader.js")).unwrap();
        for (var, name) in [
            ("GLUE", glue),
            ("WASM", wasm),
            ("CHAT_GLUE", chat_glue),
            ("CHAT_WASM", chat_wasm),
            ("I18N", format!("{dir}/")),
        ] {
            assert!(loader.contains(&format!("var {var} = '{name}';")), "{var}");
        }
        assert!(!out.join("webchat.000000000000.wasm").exists());
        assert_eq!(
            names(&laid.npm),
            [
                "npm/package.json",
                "npm/index.js",
                "npm/index.d.ts",
                "npm/README.md",
                "npm/webchat_launcher.js",
                "npm/webchat_launcher_bg.wasm",
                "npm/webchat.js",
                "npm/webchat_bg.wasm",
                "npm/i18n/de.txt",
                "npm/i18n/en.txt",
            ]
        );
        let package = std::fs::read_to_string(out.join("npm/package.json")).unwrap();
        assert!(package.contains("\"type\": \"module\""));

        // Other texts are another directory: a new build never mixes with an older one.
        std::fs::write(pkg.join("i18n/de.txt"), b"Beenden\x1f").unwrap();
        let again = layout(root, &pkg, &out).unwrap();
        assert_ne!(names(&again.script[2].1)[0], texts[0]);
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn every_language_ships_complete_chat_texts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = std::env::temp_dir().join(format!("xtask-texts-{}", std::process::id()));
        write_chat_texts(root, &dir).unwrap();
        let en = std::fs::read_to_string(dir.join("en.txt")).unwrap();
        let pt_br = std::fs::read_to_string(dir.join("pt-BR.txt")).unwrap();
        let count = en.matches('\u{1f}').count();
        assert!(count > 20, "{count} texts");
        assert_eq!(pt_br.matches('\u{1f}').count(), count);
        assert!(!pt_br.contains("\u{1f}\u{1f}"), "no text left empty");
        assert!(std::fs::read_dir(&dir).unwrap().count() >= 30);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hashes_follow_content() {
        assert_eq!(content_hash(b"abc"), content_hash(b"abc"));
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
        assert_eq!(content_hash(b"").len(), 12);
    }
}
