//! Build script: `style/widget.css` minified to `$OUT_DIR/widget.css` for `mount::WIDGET_CSS`
//! (see `style/minify.rs`). The text catalogue is compiled by the launcher crate
//! (`crates/launcher/build.rs`), which both download stages share.

use std::path::PathBuf;

#[path = "style/minify.rs"]
mod minify;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=style/widget.css");
    println!("cargo:rerun-if-changed=style/minify.rs");
    let css = std::fs::read_to_string("style/widget.css").expect("style/widget.css is readable");
    std::fs::write(out.join("widget.css"), minify::minify(&css)).expect("OUT_DIR is writable");
}
