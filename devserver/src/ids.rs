//! Random identifiers and wall-clock timestamps for devserver's records.
//!
//! What it does: mints URL-safe random ids (chat sessions, credentials, passwords) from the OS
//! random source, and reads the wall clock in milliseconds for transcripts and the request log.
//! What it does not: anything cryptographic beyond "unguessable enough for a dev server".

use std::time::{SystemTime, UNIX_EPOCH};

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// A random id of `len` characters from `[0-9a-zA-Z]`, shaped like the seed's ids.
pub fn random_id(len: usize) -> String {
    random_from(ALPHABET, len)
}

/// A random lowercase hex string of `len` digits (the seed's passwords and resources).
pub fn random_hex(len: usize) -> String {
    random_from(HEX, len)
}

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut bytes = vec![0u8; len];
    // The OS random source failing is not recoverable for a server minting passwords; fall
    // back to a time-seeded mix so the dev server keeps working in odd sandboxes.
    if getrandom::fill(&mut bytes).is_err() {
        let mut x = now_ms() ^ 0x9e37_79b9_7f4a_7c15;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    // 256 is not a multiple of 62: the slight bias toward early characters does not matter here.
    bytes
        .iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect()
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_requested_shape_and_differ() {
        let a = random_id(32);
        let b = random_id(32);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        let h = random_hex(15);
        assert_eq!(h.len(), 15);
        assert!(h
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
