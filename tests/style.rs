//! The stylesheet minifier's tests (`style/minify.rs`, run by `build.rs`), natively: the
//! minified widget CSS keeps every selector and declaration.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../style/minify.rs"]
mod minify;
