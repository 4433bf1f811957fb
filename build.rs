//! Build script: `style/chat.css` minified to `$OUT_DIR/chat.css` for `mount::CHAT_CSS` (see
//! `style/minify.rs`). The launcher's sheet and the text catalogue are compiled by the launcher
//! crate (`crates/launcher/build.rs`), which both download stages share.

use std::path::PathBuf;

#[path = "style/minify.rs"]
mod minify;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=style/chat.css");
    println!("cargo:rerun-if-changed=style/minify.rs");
    let css = std::fs::read_to_string("style/chat.css").expect("style/chat.css is readable");
    std::fs::write(out.join("chat.css"), minify::minify(&css)).expect("OUT_DIR is writable");
}
