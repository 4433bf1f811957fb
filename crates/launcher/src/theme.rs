//! Campaign color → CSS custom properties, with a text color that meets WCAG AA contrast.
//!
//! Pure functions only: parsing `#rgb`/`#rrggbb`, WCAG 2.x relative luminance and contrast ratio,
//! and the `:host { --wc-… }` rule the mount code writes into a constructable stylesheet. It does
//! not touch the DOM.

/// The brand color used when a campaign has none or an unreadable one.
pub const DEFAULT_ACCENT: Rgb = Rgb {
    r: 0x25,
    g: 0x63,
    b: 0xeb,
};

/// WCAG AA contrast for normal text.
pub const AA_NORMAL_TEXT: f64 = 4.5;

/// An sRGB color.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

/// Black and white, the two candidate text colors on the accent.
pub const WHITE: Rgb = Rgb {
    r: 255,
    g: 255,
    b: 255,
};
/// See [`WHITE`].
pub const BLACK: Rgb = Rgb { r: 0, g: 0, b: 0 };

impl Rgb {
    /// Parses `#rgb` or `#rrggbb` (the `#` optional, surrounding spaces ignored).
    pub fn parse(input: &str) -> Option<Rgb> {
        let hex = input.trim();
        let hex = hex.strip_prefix('#').unwrap_or(hex);
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
        match hex.len() {
            3 => Some(Rgb {
                r: digit(0)? * 17,
                g: digit(1)? * 17,
                b: digit(2)? * 17,
            }),
            6 => Some(Rgb {
                r: u8::from_str_radix(&hex[0..2], 16).ok()?,
                g: u8::from_str_radix(&hex[2..4], 16).ok()?,
                b: u8::from_str_radix(&hex[4..6], 16).ok()?,
            }),
            _ => None,
        }
    }

    /// `#rrggbb`, lowercase.
    pub fn to_hex(self) -> String {
        let mut out = String::from("#");
        for c in [self.r, self.g, self.b] {
            crate::text::push_hex(&mut out, c);
        }
        out
    }

    /// WCAG 2.x relative luminance, 0.0 (black) to 1.0 (white).
    pub fn relative_luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                pow_2_4((c + 0.055) / 1.055)
            }
        }
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// Mixes toward `other` by `t` (0.0 = self, 1.0 = other).
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb {
            r: m(self.r, other.r),
            g: m(self.g, other.g),
            b: m(self.b, other.b),
        }
    }
}

/// `x^2.4` for `x` in `[0.05, 1]`, as `x² · ⁵√(x²)` with Newton's method for the fifth root.
/// Why not `f64::powf`: on wasm it links libm's `pow` (about 2 KB of the download) for this one
/// call. Agrees with `powf` to 1e-12 on every channel value (see the tests).
fn pow_2_4(x: f64) -> f64 {
    let a = x * x;
    // From above (a ≤ 1 so the root is ≤ 1), Newton's steps fall monotonically onto ⁵√a;
    // stop once they no longer do (at most a few dozen steps for a ≥ 0.0025).
    let mut y = 1.0_f64;
    for _ in 0..64 {
        let next = (4.0 * y + a / (y * y * y * y)) / 5.0;
        if next >= y {
            break;
        }
        y = next;
    }
    a * y
}

/// WCAG contrast ratio between two colors, 1.0 to 21.0.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.relative_luminance(), b.relative_luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The text color for a background: whichever of white and black contrasts more. One of the two
/// always reaches at least 4.58:1, so AA holds for every background.
pub fn text_on(background: Rgb) -> Rgb {
    if contrast_ratio(WHITE, background) >= contrast_ratio(BLACK, background) {
        WHITE
    } else {
        BLACK
    }
}

/// The theme derived from a campaign color.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Launcher, header and visitor bubbles.
    pub accent: Rgb,
    /// Text and icons on the accent.
    pub on_accent: Rgb,
    /// The accent for hover/pressed states: a step toward the text color.
    pub accent_strong: Rgb,
}

impl Theme {
    /// Builds the theme from a campaign `color` (unreadable or missing → the default accent).
    pub fn from_color(color: Option<&str>) -> Theme {
        let accent = color.and_then(Rgb::parse).unwrap_or(DEFAULT_ACCENT);
        let on_accent = text_on(accent);
        // Darken light colors slightly less than dark ones would need lightening: mixing toward
        // black for light accents and toward white for dark ones keeps the hover visible.
        let accent_strong = if on_accent == WHITE {
            accent.mix(BLACK, 0.15)
        } else {
            accent.mix(WHITE, 0.2).mix(BLACK, 0.08)
        };
        Theme {
            accent,
            on_accent,
            accent_strong,
        }
    }

    /// The stylesheet text with the custom properties, for the theme's constructable stylesheet.
    pub fn css(&self) -> String {
        [
            ":host{--wc-accent:",
            &self.accent.to_hex(),
            ";--wc-on-accent:",
            &self.on_accent.to_hex(),
            ";--wc-accent-strong:",
            &self.accent_strong.to_hex(),
            "}",
        ]
        .concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_2_4_matches_powf_on_every_channel_value() {
        for c in 11..=255u8 {
            let x = (f64::from(c) / 255.0 + 0.055) / 1.055;
            let (ours, std) = (pow_2_4(x), x.powf(2.4));
            assert!((ours - std).abs() < 1e-12, "{c}: {ours} vs {std}");
        }
        assert_eq!(pow_2_4(1.0), 1.0);
    }

    #[test]
    fn parses_short_and_long_hex() {
        assert_eq!(
            Rgb::parse("#0a6018"),
            Some(Rgb {
                r: 10,
                g: 96,
                b: 24
            })
        );
        assert_eq!(Rgb::parse("fff"), Some(WHITE));
        assert_eq!(
            Rgb::parse(" #ABC "),
            Some(Rgb {
                r: 0xaa,
                g: 0xbb,
                b: 0xcc
            })
        );
    }

    #[test]
    fn rejects_unreadable_colors() {
        for bad in [
            "",
            "#",
            "#12",
            "#12345",
            "#1234567",
            "red",
            "#ggg",
            "#12é45",
            "rgb(1,2,3)",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn luminance_of_reference_colors() {
        assert!((WHITE.relative_luminance() - 1.0).abs() < 1e-9);
        assert!(BLACK.relative_luminance().abs() < 1e-9);
        // #777777 is a well-known reference: luminance ≈ 0.1845.
        let grey = Rgb::parse("#777777").unwrap();
        assert!((grey.relative_luminance() - 0.1845).abs() < 0.001);
    }

    #[test]
    fn contrast_ratio_matches_wcag_examples() {
        assert!((contrast_ratio(WHITE, BLACK) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(BLACK, WHITE) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1 AA boundary.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((contrast_ratio(grey, WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn text_color_follows_background_lightness() {
        assert_eq!(text_on(Rgb::parse("#0a6018").unwrap()), WHITE);
        assert_eq!(text_on(Rgb::parse("#ffd400").unwrap()), BLACK);
        assert_eq!(text_on(Rgb::parse("#ffffff").unwrap()), BLACK);
        assert_eq!(text_on(Rgb::parse("#000").unwrap()), WHITE);
    }

    #[test]
    fn every_background_reaches_aa() {
        // Walk the RGB cube in steps: the chosen text color must always pass AA.
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let bg = Rgb {
                        r: r as u8,
                        g: g as u8,
                        b: b as u8,
                    };
                    let ratio = contrast_ratio(text_on(bg), bg);
                    assert!(ratio >= AA_NORMAL_TEXT, "{} gives {ratio}", bg.to_hex());
                }
            }
        }
    }

    #[test]
    fn theme_css_carries_the_properties() {
        let theme = Theme::from_color(Some("#0a6018"));
        let css = theme.css();
        assert!(css.starts_with(":host{"));
        assert!(css.contains("--wc-accent:#0a6018"));
        assert!(css.contains("--wc-on-accent:#ffffff"));
        assert!(css.contains("--wc-accent-strong:#"));
    }

    #[test]
    fn unreadable_color_falls_back_to_default() {
        assert_eq!(
            Theme::from_color(Some("javascript:alert(1)")).accent,
            DEFAULT_ACCENT
        );
        assert_eq!(
            Theme::from_color(Some("#fff;}body{display:none")).accent,
            DEFAULT_ACCENT
        );
        assert_eq!(Theme::from_color(None).accent, DEFAULT_ACCENT);
    }
}
