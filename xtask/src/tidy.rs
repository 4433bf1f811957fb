//! Tidy checks over the whole repository, run as tests (rust-analyzer's `tidy` idea): what the
//! README and ARCHITECTURE promise about the code, checked on every `cargo test`.
//!
//! - Comments explain the code, not its history: no issue numbers, no stories of earlier
//!   versions.
//! - Every file a comment or a document cites exists, and the docs stand on their own: nothing
//!   refers to a folder outside the repository.
//! - The session core touches no browser API, no clock and no Leptos.
//! - No file under `src/` is over 800 lines (generated tables aside), no `impl` block over 400.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository root (xtask lives one level down).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the repository")
        .to_path_buf()
}

/// Every file under the repository's own folders with one of `exts`, skipping build output,
/// dependencies and fetched data.
fn files(exts: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let skip = name.starts_with('.')
                    || matches!(name.as_str(), "target" | "node_modules" | "dist" | "fuzz");
                if !skip {
                    walk(&path, exts, out);
                }
            } else if exts.iter().any(|e| name.ends_with(&format!(".{e}"))) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), exts, &mut out);
    out.sort();
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The comment text of a source line (`//`, `///`, `//!`, or a line inside `/* … */` and JSDoc
/// blocks, marked by a leading `*`); `None` for code.
fn comment(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(c) = t.strip_prefix("//") {
        return Some(c.trim_start_matches(['/', '!']));
    }
    if let Some(c) = t.strip_prefix("/*").or_else(|| t.strip_prefix('*')) {
        return Some(c);
    }
    // A trailing comment after code (not `://` of a URL).
    let at = line.find(" // ")?;
    Some(&line[at + 4..])
}

/// Source files whose comments are checked (not this file: it names what it looks for).
fn sources() -> Vec<PathBuf> {
    files(&["rs", "mjs", "js", "sh"])
        .into_iter()
        .filter(|p| !p.ends_with("xtask/src/tidy.rs"))
        .collect()
}

/// Every `(file, line number, comment text)` of the repository's sources.
fn comments() -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for path in sources() {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(c) = comment(line) {
                out.push((rel(&path), i + 1, c.to_owned()));
            }
        }
    }
    out
}

/// Whether `text` names an issue by number (`issue 7`, `issue #9`, `#9's`).
fn cites_an_issue(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let digit_after = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_digit());
    lower.match_indices("issue").any(|(i, _)| {
        let rest = lower[i + 5..].trim_start_matches([' ', '#']);
        digit_after(rest)
    }) || lower.match_indices('#').any(|(i, _)| {
        let rest = &lower[i + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        !digits.is_empty() && rest[digits.len()..].starts_with("'s")
    })
}

/// Phrases that tell a story of an earlier version instead of explaining the code.
const HISTORY: [&str; 6] = [
    "earlier version",
    "previous version",
    " used to ",
    "we now ",
    "before this change",
    "was changed",
];

#[test]
fn comments_explain_the_code_not_its_history() {
    let bad: Vec<String> = comments()
        .into_iter()
        .filter(|(_, _, c)| {
            let lower = c.to_ascii_lowercase();
            cites_an_issue(c) || HISTORY.iter().any(|h| lower.contains(h))
        })
        .map(|(f, n, c)| format!("{f}:{n}: {}", c.trim()))
        .collect();
    assert!(
        bad.is_empty(),
        "comments citing an issue or telling a story:\n{}",
        bad.join("\n")
    );
}

/// File names cited in `text`: words ending in a known extension (`docs/protocol.md`,
/// `e2e/lib/proxy.mjs`, `README.md`).
fn cited_files(text: &str) -> Vec<String> {
    const EXTS: [&str; 6] = [".md", ".rs", ".mjs", ".toml", ".html", ".txt"];
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "._/-*".contains(c)))
        .map(|w| w.trim_end_matches(['.', '/']))
        .filter(|w| EXTS.iter().any(|e| w.ends_with(e)) && w.len() > 4)
        // Globs and URLs are not files.
        .filter(|w| !w.contains('*') && !w.starts_with("http"))
        // Build output (`cargo xtask dist`, `target/`) is not part of the repository.
        .filter(|w| !w.starts_with("dist/") && !w.starts_with("target/"))
        .map(str::to_owned)
        .collect()
}

/// Whether `cited` (from a file in `dir`) names a file of the repository: a path from the root
/// or from `dir`, or a bare file name that some file has.
fn exists(cited: &str, dir: &Path, all: &[PathBuf]) -> bool {
    if cited.contains('/') {
        root().join(cited).exists()
            || dir.join(cited).exists()
            || all.iter().any(|p| rel(p).ends_with(cited))
    } else {
        all.iter()
            .any(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == cited))
    }
}

#[test]
fn every_cited_file_exists() {
    let all = files(&[
        "rs", "md", "mjs", "js", "toml", "html", "txt", "json", "css", "sh",
    ]);
    let mut bad = Vec::new();
    for (file, n, c) in comments() {
        let dir = root().join(&file);
        let dir = dir.parent().unwrap_or(&dir).to_path_buf();
        for cited in cited_files(&c) {
            if !exists(&cited, &dir, &all) {
                bad.push(format!("{file}:{n}: {cited}"));
            }
        }
    }
    for doc in files(&["md"]) {
        let text = fs::read_to_string(&doc).unwrap_or_default();
        let dir = doc.parent().unwrap_or(&doc).to_path_buf();
        for (i, line) in text.lines().enumerate() {
            for cited in cited_files(line) {
                if !exists(&cited, &dir, &all) {
                    bad.push(format!("{}:{}: {cited}", rel(&doc), i + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "cited files that do not exist:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_docs_stand_on_their_own() {
    let outside = ["../shared", "shared/seeds", "seeds/", "PROTOCOL.md"];
    let mut bad = Vec::new();
    let this = root().join("xtask/src/tidy.rs");
    for path in files(&["rs", "md", "mjs", "js", "toml", "sh"])
        .into_iter()
        .filter(|p| *p != this)
    {
        let text = fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let seed = lower
                .match_indices("seed ")
                .any(|(at, _)| lower[at + 5..].starts_with("00"));
            if seed || outside.iter().any(|o| line.contains(o)) {
                bad.push(format!("{}:{}: {}", rel(&path), i + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "references to documents outside the repository (the facts belong in docs/):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_session_core_touches_no_browser_clock_or_view() {
    let forbidden = [
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "leptos",
        "std::time::Instant",
        "SystemTime",
    ];
    let core = root().join("src/session");
    let mut bad = Vec::new();
    for path in files(&["rs"]).into_iter().filter(|p| p.starts_with(&core)) {
        let text = fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if comment(line).is_some() && line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(f) = forbidden.iter().find(|f| line.contains(*f)) {
                bad.push(format!("{}:{}: {f}", rel(&path), i + 1));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the session core must stay pure:\n{}",
        bad.join("\n")
    );
}

#[test]
fn widget_files_and_impl_blocks_stay_small() {
    let widget = [root().join("src"), root().join("crates/launcher/src")];
    let mut bad = Vec::new();
    for path in files(&["rs"])
        .into_iter()
        .filter(|p| widget.iter().any(|w| p.starts_with(w)))
    {
        let name = rel(&path);
        let text = fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 800 {
            bad.push(format!("{name}: {} lines (at most 800)", lines.len()));
        }
        // `impl` blocks at the top level: from `impl … {` to the `}` in column 0.
        let mut start = None;
        for (i, line) in lines.iter().enumerate() {
            if start.is_none() && line.starts_with("impl") && line.trim_end().ends_with('{') {
                start = Some(i);
            } else if let (Some(s), true) = (start, *line == "}") {
                if i - s > 400 {
                    bad.push(format!("{name}:{}: impl block of {} lines", s + 1, i - s));
                }
                start = None;
            }
        }
    }
    assert!(bad.is_empty(), "too large:\n{}", bad.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(cites_an_issue("the flow of issue 5"));
    assert!(cites_an_issue("(issue #9's budget)"));
    assert!(cites_an_issue("see #12's notes"));
    assert!(!cites_an_issue("an issue with the socket"));
    assert!(!cites_an_issue("color #0a6018"));
    assert_eq!(
        cited_files("see `docs/protocol.md`, CONTRACTS.md and `.cargo/config.toml`, not *.md"),
        ["docs/protocol.md", "CONTRACTS.md", ".cargo/config.toml"]
    );
    assert_eq!(comment("  /// text"), Some(" text"));
    assert_eq!(comment("let x = 1; // why"), Some("why"));
    assert_eq!(comment("let url = \"http://x\";"), None);
}
