//! `cargo xtask dist`: the release build of the widget as customers embed it, and its size.
//!
//! Builds `webchat` for wasm32 in release (the size-tuned profile) and runs the pinned
//! wasm-bindgen CLI into `dist/pkg` ([`build_pkg`], shared with the e2e groups). From that it
//! lays out what ships ([`build`]):
//! - `dist/`: the script-tag files: `loader.js` (from `loader/loader.js`, with the asset names
//!   replaced) and the content-hashed `webchat.<hash>.js` / `webchat.<hash>.wasm`, so a CDN can
//!   cache them forever (only `loader.js` needs a short cache).
//! - `dist/npm/`: the ES module package (`loader/npm/`'s `package.json`, `index.js`,
//!   `index.d.ts`, `README.md` and the wasm-bindgen glue + wasm as assets).
//!
//! [`run`] prints raw, gzip and brotli sizes of every shipped file and fails when what a host page
//! downloads through the script tag (loader + glue + wasm; the CSS is inside the wasm) passes the
//! budget of 100 KB brotli. [`build`] does the same work without judging the budget (tests and
//! size work in progress use it). It does not serve anything.
//!
//! wasm-opt is optional ([`WASM_OPT_ENV`]`=1`): binaryen [`BINARYEN_VERSION`] from npm, installed
//! once under `target/binaryen/`, run with [`WASM_OPT_FLAGS`] on the wasm-bindgen output. Never
//! Debian's binaryen (108 breaks the output at run time). Measured on this widget, `-O1` saves
//! about 1.5% brotli while `-Oz`/`-Os` make the brotli size *larger* (their code layout
//! compresses worse), so `-O1` it is.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;
use crate::proc;
use crate::setup::{self, Needs};

/// Everything a host page downloads, brotli-compressed, in bytes.
pub const BUDGET_BROTLI: u64 = 100_000;

/// The loader's asset-name lines that `dist` rewrites (kept in sync with `loader/loader.js`).
const GLUE_MARKER: &str = "var GLUE = 'webchat.js';";
const WASM_MARKER: &str = "var WASM = 'webchat_bg.wasm';";

/// Set to `1` to run binaryen's wasm-opt on the wasm-bindgen output (off by default).
pub const WASM_OPT_ENV: &str = "WEBCHAT_WASM_OPT";

/// The binaryen release installed from npm for wasm-opt (not Debian's: see the module docs).
pub const BINARYEN_VERSION: &str = "132.0.0";

/// wasm-opt's level and the wasm features rustc's wasm32 output uses (without them wasm-opt
/// rejects or de-optimises the module).
pub const WASM_OPT_FLAGS: [&str; 7] = [
    "-O1",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The hand-written files of the npm package, copied from `loader/npm/`.
const NPM_FILES: [&str; 4] = ["package.json", "index.js", "index.d.ts", "README.md"];

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
    /// True for the script-tag set a host page downloads (counted against the budget).
    pub downloaded: bool,
}

/// What [`build`] produced.
#[derive(Debug, Clone)]
pub struct Dist {
    /// `dist/`: loader.js and the hashed glue and wasm.
    pub script_dir: PathBuf,
    /// `dist/npm/`: the ES module package.
    pub npm_dir: PathBuf,
    /// Every shipped file (script tag first, then npm), with sizes.
    pub files: Vec<Shipped>,
}

impl Dist {
    /// Brotli bytes of everything a host page downloads through the script tag.
    pub fn downloaded_brotli(&self) -> u64 {
        self.files
            .iter()
            .filter(|f| f.downloaded)
            .map(|f| f.brotli)
            .sum()
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
        ..Needs::default()
    };
    needs.add_debs(setup::DEB_DIST);
    setup::ensure(root, &needs)?;

    let dist = build(root)?;
    print_table(root, &dist);
    let used = dist.downloaded_brotli();
    if enforce_budget && used > BUDGET_BROTLI {
        return Err(Error::OverBudget {
            brotli_total: used,
            budget: BUDGET_BROTLI,
        });
    }
    Ok(())
}

/// Builds `dist/` and `dist/npm/` and measures every shipped file. Assumes `setup` ensured the
/// wasm target, the wasm-bindgen CLI, gzip and brotli. Never fails on size.
pub fn build(root: &Path) -> Result<Dist, Error> {
    let out = root.join("dist");
    let pkg = out.join("pkg");
    build_pkg(root, &pkg)?;
    let laid = layout(root, &pkg, &out)?;
    let mut files = Vec::new();
    for (paths, downloaded) in [(laid.script, true), (laid.npm, false)] {
        for path in paths {
            files.push(measure(path, downloaded)?);
        }
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
    /// `loader.js`, then the hashed glue and wasm.
    pub script: Vec<PathBuf>,
    /// The npm package's files.
    pub npm: Vec<PathBuf>,
}

/// Lays out the shipped files from a built wasm-bindgen package `pkg` into `out` (and
/// `out/npm`), removing what an older build left there (everything in `out` but `pkg/`).
pub fn layout(root: &Path, pkg: &Path, out: &Path) -> Result<Layout, Error> {
    let glue = read(&pkg.join("webchat.js"))?;
    let wasm = read(&pkg.join("webchat_bg.wasm"))?;
    let glue_name = format!("webchat.{}.js", content_hash(&glue));
    let wasm_name = format!("webchat.{}.wasm", content_hash(&wasm));

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

    let loader_src = root.join("loader").join("loader.js");
    let loader = String::from_utf8_lossy(&read(&loader_src)?).into_owned();
    let loader =
        rewrite_loader(&compact_loader(&loader), &glue_name, &wasm_name).map_err(|what| {
            Error::io(
                &loader_src,
                std::io::Error::new(std::io::ErrorKind::InvalidData, what),
            )
        })?;
    let mut script = Vec::new();
    for (name, bytes) in [
        ("loader.js", loader.into_bytes()),
        (glue_name.as_str(), glue.clone()),
        (wasm_name.as_str(), wasm.clone()),
    ] {
        let path = out.join(name);
        write(&path, &bytes)?;
        script.push(path);
    }

    let npm = out.join("npm");
    std::fs::create_dir_all(&npm).map_err(|e| Error::io(&npm, e))?;
    let mut npm_files = Vec::new();
    for name in NPM_FILES {
        let src = root.join("loader").join("npm").join(name);
        let path = npm.join(name);
        write(&path, &read(&src)?)?;
        npm_files.push(path);
    }
    for (name, bytes) in [("webchat.js", &glue), ("webchat_bg.wasm", &wasm)] {
        let path = npm.join(name);
        write(&path, bytes)?;
        npm_files.push(path);
    }

    Ok(Layout {
        script,
        npm: npm_files,
    })
}

/// The loader with its asset names replaced; an error names a marker the source lost.
pub fn rewrite_loader(src: &str, glue: &str, wasm: &str) -> Result<String, String> {
    for marker in [GLUE_MARKER, WASM_MARKER] {
        if src.matches(marker).count() != 1 {
            return Err(format!("loader.js must contain `{marker}` exactly once"));
        }
    }
    Ok(src
        .replace(GLUE_MARKER, &format!("var GLUE = '{glue}';"))
        .replace(WASM_MARKER, &format!("var WASM = '{wasm}';")))
}

/// The loader without its comments and indentation: what every page downloads stays small
/// (the source keeps the explanations). Only whole-line `//` comments and `/* … */` blocks that
/// start a line are removed, so code and strings are never touched.
pub fn compact_loader(src: &str) -> String {
    let mut out = String::from("/*! webchat loader */\n");
    let mut in_block = false;
    for line in src.lines() {
        let mut t = line.trim();
        if in_block || t.starts_with("/*") {
            // Whatever follows the end of the block on this line is code.
            match t.find("*/") {
                Some(end) => {
                    in_block = false;
                    t = t[end + 2..].trim();
                }
                None => {
                    in_block = true;
                    continue;
                }
            }
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        out.push_str(t);
        out.push('\n');
    }
    out
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

fn measure(path: PathBuf, downloaded: bool) -> Result<Shipped, Error> {
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
        downloaded,
    })
}

fn print_table(root: &Path, dist: &Dist) {
    println!(
        "\n{:<44} {:>10} {:>10} {:>12}",
        "file", "raw", "gzip -9", "brotli -q11"
    );
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for f in &dist.files {
        let name = f
            .path
            .strip_prefix(root)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        let note = if f.downloaded { "" } else { "  (npm package)" };
        println!(
            "{name:<44} {:>10} {:>10} {:>12}{note}",
            f.raw, f.gzip, f.brotli
        );
        if f.downloaded {
            raw += f.raw;
            gz += f.gzip;
            br += f.brotli;
        }
    }
    println!(
        "{:<44} {raw:>10} {gz:>10} {br:>12}",
        "total (script tag: loader + glue + wasm)"
    );
    println!(
        "budget: {BUDGET_BROTLI} bytes brotli; used {br} ({:.0}%)",
        br as f64 * 100.0 / BUDGET_BROTLI as f64
    );
    println!(
        "script tag: {}/loader.js; npm package: {}",
        dist.script_dir.display(),
        dist.npm_dir.display()
    );
}

/// Builds the widget for wasm32 in release (the size-tuned profile) and writes the wasm-bindgen
/// `--target web` package into `out` (emptied first, so no stale file survives). Shared by
/// `dist` and the e2e test groups, so the tests run exactly what ships. Assumes `setup` already
/// ensured the wasm target and the wasm-bindgen CLI.
pub fn build_pkg(root: &Path, out: &Path) -> Result<(), Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    proc::run(
        Command::new(cargo)
            .args([
                "build",
                "-p",
                "webchat",
                "--release",
                "--target",
                setup::WASM_TARGET,
            ])
            .current_dir(root),
    )?;
    let wasm = root
        .join("target")
        .join(setup::WASM_TARGET)
        .join("release")
        .join("webchat.wasm");
    // Stale files from an older build would be counted or served: start empty.
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
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
    if std::env::var(WASM_OPT_ENV).is_ok_and(|v| v == "1") {
        wasm_opt(root, &out.join("webchat_bg.wasm"))?;
    }
    Ok(())
}

/// Optimises `wasm` in place with binaryen's wasm-opt from npm, installing it under
/// `target/binaryen/` first when missing.
fn wasm_opt(root: &Path, wasm: &Path) -> Result<(), Error> {
    let dir = root.join("target").join("binaryen");
    let tool = dir
        .join("node_modules")
        .join("binaryen")
        .join("bin")
        .join("wasm-opt");
    let installed = dir
        .join("node_modules")
        .join("binaryen")
        .join("package.json");
    let version_ok = std::fs::read_to_string(&installed)
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{BINARYEN_VERSION}\"")));
    if !version_ok {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        proc::run(
            Command::new("npm")
                .args([
                    "install",
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                ])
                .arg(&dir)
                .arg(format!("binaryen@{BINARYEN_VERSION}")),
        )?;
    }
    proc::run(
        Command::new("node")
            .arg(&tool)
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

    #[test]
    fn the_loader_gets_the_hashed_names() {
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/loader.js"),
        )
        .unwrap();
        let out = rewrite_loader(&src, "webchat.abc.js", "webchat.def.wasm").unwrap();
        assert!(out.contains("var GLUE = 'webchat.abc.js';"));
        assert!(out.contains("var WASM = 'webchat.def.wasm';"));
        assert!(!out.contains("webchat_bg.wasm"));
        assert!(rewrite_loader("nothing here", "a", "b").is_err());
    }

    #[test]
    fn layout_ships_hashed_assets_and_the_npm_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let tmp = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        let (pkg, out) = (tmp.join("out").join("pkg"), tmp.join("out"));
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("webchat.js"), "export default function init() {}").unwrap();
        std::fs::write(pkg.join("webchat_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        // A stale file from an older build goes away.
        std::fs::write(out.join("webchat.000000000000.wasm"), b"old").unwrap();

        let laid = layout(root, &pkg, &out).unwrap();
        let names = |paths: &[PathBuf]| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
                .collect()
        };
        let glue = format!(
            "webchat.{}.js",
            content_hash(b"export default function init() {}")
        );
        let wasm = format!("webchat.{}.wasm", content_hash(b"\0asm\x01\0\0\0"));
        assert_eq!(
            names(&laid.script),
            ["loader.js".to_string(), glue.clone(), wasm.clone()]
        );
        let loader = std::fs::read_to_string(out.join("loader.js")).unwrap();
        assert!(loader.contains(&format!("var GLUE = '{glue}';")));
        assert!(loader.contains(&format!("var WASM = '{wasm}';")));
        assert!(!out.join("webchat.000000000000.wasm").exists());
        assert_eq!(
            names(&laid.npm),
            [
                "npm/package.json",
                "npm/index.js",
                "npm/index.d.ts",
                "npm/README.md",
                "npm/webchat.js",
                "npm/webchat_bg.wasm"
            ]
        );
        let package = std::fs::read_to_string(out.join("npm/package.json")).unwrap();
        assert!(package.contains("\"type\": \"module\""));
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn the_shipped_loader_keeps_code_and_drops_comments() {
        let src = "/*! header\n * more\n */\n(function () {\n  // why\n  var a = '//x'; // kept\n\n  /* one */\n  /* two */ a += 1;\n  return a;\n})();\n";
        assert_eq!(
            compact_loader(src),
            "/*! webchat loader */\n(function () {\nvar a = '//x'; // kept\na += 1;\nreturn a;\n})();\n"
        );
        // The real loader still has its two name lines after compaction.
        let real = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/loader.js"),
        )
        .unwrap();
        assert!(rewrite_loader(&compact_loader(&real), "a.js", "b.wasm").is_ok());
    }

    #[test]
    fn hashes_follow_content() {
        assert_eq!(content_hash(b"abc"), content_hash(b"abc"));
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
        assert_eq!(content_hash(b"").len(), 12);
    }
}
