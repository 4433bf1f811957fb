//! Randomness from `crypto.getRandomValues`: SASL nonces, stanza ids and visitor ids.
//!
//! It does not fall back to `Math.random`: a page without Web Crypto gets an error, and the
//! caller decides (every browser the widget supports has it).

use std::fmt;

/// Why no random bytes could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntropyError {
    /// No `window.crypto` (not a browser window).
    NoCrypto,
    /// `getRandomValues` threw.
    Failed(String),
}

impl EntropyError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        match self {
            EntropyError::NoCrypto => "webchat: this page has no Web Crypto".into(),
            EntropyError::Failed(e) => ["webchat: crypto.getRandomValues failed: ", e].concat(),
        }
    }
}

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for EntropyError {}

/// Fills `buf` with cryptographically strong random bytes.
pub fn fill(buf: &mut [u8]) -> Result<(), EntropyError> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or(EntropyError::NoCrypto)?;
    // The browser caps one call at 65,536 bytes; nothing here asks for more than a few dozen.
    for chunk in buf.chunks_mut(65_536) {
        crypto
            .get_random_values_with_u8_array(chunk)
            .map_err(|e| EntropyError::Failed(super::describe(&e)))?;
    }
    Ok(())
}

/// Sixteen random bytes (the core's `Config::entropy`).
pub fn seed() -> Result<[u8; 16], EntropyError> {
    let mut b = [0u8; 16];
    fill(&mut b)?;
    Ok(b)
}

/// A random id of `bytes` bytes as lowercase hex.
pub fn hex_id(bytes: usize) -> Result<String, EntropyError> {
    let mut b = vec![0u8; bytes];
    fill(&mut b)?;
    let mut out = String::with_capacity(2 * bytes);
    for x in b {
        crate::text::push_hex(&mut out, x);
    }
    Ok(out)
}
