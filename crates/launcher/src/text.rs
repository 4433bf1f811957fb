//! Messages joined from pieces without `core::fmt`: numbers in decimal and quoted text.
//!
//! The launcher's messages go through `[..].concat()` and these helpers instead of `format!`,
//! so the launcher's wasm carries no `Arguments` building or `Display` impl of its own for
//! them. This module does not localise numbers (that is `i18n`'s `Intl.NumberFormat`).

/// `n` in decimal, left-padded with zeros to at least `width` digits.
pub fn digits(n: u64, width: usize) -> String {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(width.max(buf.len() - at));
    for _ in buf.len() - at..width {
        out.push('0');
    }
    out.extend(buf[at..].iter().map(|&b| char::from(b)));
    out
}

/// `n` in decimal, with a `-` when negative.
pub fn signed(n: i64) -> String {
    let d = digits(n.unsigned_abs(), 0);
    if n < 0 {
        ["-", &d].concat()
    } else {
        d
    }
}

/// `b` as two lower-case hexadecimal digits, appended to `out`.
pub fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// `s` between double quotes.
pub fn quoted(s: &str) -> String {
    ["\"", s, "\""].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_display_writes_them() {
        for n in [0u64, 7, 10, 99, 404, 2026, u64::MAX] {
            assert_eq!(digits(n, 0), n.to_string());
        }
        assert_eq!(digits(5, 2), "05");
        assert_eq!(digits(2026, 4), "2026");
        assert_eq!(digits(7, 4), "0007");
        for n in [0i64, -1, 42, i64::MIN, i64::MAX] {
            assert_eq!(signed(n), n.to_string());
        }
        assert_eq!(quoted("x"), "\"x\"");
        let mut hex = String::new();
        for b in [0u8, 9, 10, 171, 255] {
            push_hex(&mut hex, b);
        }
        assert_eq!(hex, "00090aabff");
    }
}
