//! Build script, two jobs:
//!
//! - `style/launcher.css` minified to `$OUT_DIR/launcher.css` for `shell::LAUNCHER_CSS` (see
//!   `style/minify.rs`);
//! - the text catalogue `i18n/*.txt` (at the repository root, shared by both download stages)
//!   compiled to Rust source (`i18n.rs` in `$OUT_DIR`) and one chat table per language,
//!   `$OUT_DIR/i18n/<tag>.chat`, for `i18n::catalogue` (see `i18n/codegen.rs`).
//!
//! A file that cannot be read stops the build; an incomplete translation only warns (its missing texts show in
//! English) and fails the catalogue tests.

use std::path::{Path, PathBuf};

#[path = "../../style/minify.rs"]
mod minify;

#[path = "../../i18n/check.rs"]
mod check;
// `resolved_chat_table` is for `cargo xtask dist`, which ships the downloadable tables.
#[allow(dead_code)]
#[path = "../../i18n/codegen.rs"]
mod codegen;
#[path = "../../i18n/source.rs"]
mod source;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    println!("cargo:rerun-if-changed=../../style/launcher.css");
    println!("cargo:rerun-if-changed=../../style/minify.rs");
    let css = std::fs::read_to_string("../../style/launcher.css")
        .expect("style/launcher.css is readable");
    std::fs::write(out.join("launcher.css"), minify::minify(&css)).expect("OUT_DIR is writable");
    let dir = Path::new("../../i18n");
    println!("cargo:rerun-if-changed=../../i18n");
    let sources = source::load_dir(dir).unwrap_or_else(|e| panic!("{e}"));
    for problem in check::problems(&sources) {
        println!("cargo:warning={problem}");
    }
    let compiled = codegen::generate(&sources);
    let tables = out.join("i18n");
    std::fs::create_dir_all(&tables).expect("OUT_DIR is writable");
    for (tag, table) in &compiled.chat_tables {
        std::fs::write(tables.join(format!("{tag}.chat")), table).expect("OUT_DIR is writable");
    }
    std::fs::write(out.join("i18n.rs"), compiled.code).expect("OUT_DIR is writable");
}
