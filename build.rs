//! Build script: writes `style/widget.css` minified to `$OUT_DIR/widget.css` for
//! `mount::WIDGET_CSS` (see `style/minify.rs`). Nothing else.

use std::path::PathBuf;

#[path = "style/minify.rs"]
mod minify;

fn main() {
    println!("cargo:rerun-if-changed=style/widget.css");
    println!("cargo:rerun-if-changed=style/minify.rs");
    let css = std::fs::read_to_string("style/widget.css").expect("style/widget.css is readable");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("widget.css"), minify::minify(&css)).expect("OUT_DIR is writable");
}
