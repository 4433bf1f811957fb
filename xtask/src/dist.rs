//! `cargo xtask dist`: the release build of the widget as a host page downloads it, and its size.
//!
//! Builds `webchat` for wasm32 in release (the size-tuned profile), runs the pinned wasm-bindgen
//! CLI into `dist/pkg`, and prints raw, gzip and brotli sizes per file and in total against the
//! budget (everything a host page downloads: at most 100 KB brotli). It does not optimise with
//! wasm-opt (Debian's binaryen 108 breaks the output) and does not serve anything.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::Error;
use crate::proc;
use crate::setup::{self, Needs};

/// Everything a host page downloads, brotli-compressed, in bytes.
pub const BUDGET_BROTLI: u64 = 100_000;

pub fn run(root: &Path) -> Result<(), Error> {
    let mut needs = Needs {
        wasm_target: true,
        wasm_bindgen: true,
        ..Needs::default()
    };
    needs.add_debs(setup::DEB_DIST);
    setup::ensure(root, &needs)?;

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
    let out = root.join("dist").join("pkg");
    // Stale files from an older build would be counted: start empty.
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    proc::run(
        Command::new(setup::cargo_tool("wasm-bindgen"))
            .args(["--target", "web", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;

    let mut files: Vec<_> = std::fs::read_dir(&out)
        .map_err(|e| Error::io(&out, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    println!(
        "\n{:<40} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli -q11"
    );
    let (mut raw_total, mut gz_total, mut br_total) = (0, 0, 0);
    for file in &files {
        // TypeScript declarations are for developers' editors; no browser downloads them.
        let downloaded = !file.to_string_lossy().ends_with(".d.ts");
        let raw = std::fs::metadata(file)
            .map_err(|e| Error::io(file, e))?
            .len();
        let gz = compressed_len(Command::new("gzip").args(["-9", "-n", "-c"]).arg(file))?;
        let br = compressed_len(Command::new("brotli").args(["-q", "11", "-c"]).arg(file))?;
        let name = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        let note = if downloaded { "" } else { "  (not downloaded)" };
        println!("{name:<40} {raw:>10} {gz:>10} {br:>10}{note}");
        if downloaded {
            raw_total += raw;
            gz_total += gz;
            br_total += br;
        }
    }
    println!(
        "{:<40} {raw_total:>10} {gz_total:>10} {br_total:>10}",
        "total downloaded"
    );
    println!(
        "budget: {BUDGET_BROTLI} bytes brotli; used {br_total} ({:.0}%)",
        br_total as f64 * 100.0 / BUDGET_BROTLI as f64
    );
    if br_total > BUDGET_BROTLI {
        return Err(Error::OverBudget {
            brotli_total: br_total,
            budget: BUDGET_BROTLI,
        });
    }
    Ok(())
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
