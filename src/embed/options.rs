//! The embedding options `init` reads besides the widget's own ([`InitOptions`](crate::entry::InitOptions)):
//! `position`, `zIndex` and `visibility`, checked into [`EmbedOptions`].
//!
//! The value checks are plain functions over strings and numbers (unit-tested natively); reading
//! them off the JS options object is a thin layer on top. This module does not apply anything:
//! [`host_css`](super::host_css) turns the result into CSS and the visibility rules are parsed by
//! the visibility module.

use std::fmt;

use wasm_bindgen::JsValue;

/// Which corner the floating launcher and window sit in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// The default: bottom right (mirrored in right-to-left languages).
    #[default]
    BottomRight,
    /// Bottom left, whatever the language's direction.
    BottomLeft,
}

impl Position {
    /// Parses the `position` option / `data-position` attribute.
    pub fn parse(value: &str) -> Result<Position, EmbedOptionError> {
        match value.trim() {
            "" | "bottom-right" => Ok(Position::BottomRight),
            "bottom-left" => Ok(Position::BottomLeft),
            other => Err(EmbedOptionError::BadValue {
                key: "position",
                value: other.to_owned(),
                expected: "\"bottom-right\" or \"bottom-left\"",
            }),
        }
    }

    /// The `data-wc-position` value on the host element (what [`host_css`](super::host_css) keys on).
    pub fn as_str(self) -> &'static str {
        match self {
            Position::BottomRight => "bottom-right",
            Position::BottomLeft => "bottom-left",
        }
    }
}

/// The largest z-index browsers honour (a signed 32-bit integer).
pub const MAX_Z_INDEX: i64 = 2_147_483_647;

/// Checks a `zIndex` option: an integer within the browser's range. Strings (from
/// `data-z-index`) are accepted when they hold such an integer.
pub fn parse_z_index(value: &str) -> Result<i64, EmbedOptionError> {
    let bad = || EmbedOptionError::BadValue {
        key: "zIndex",
        value: value.to_owned(),
        expected: "an integer between -2147483648 and 2147483647",
    };
    let n: i64 = value.trim().parse().map_err(|_| bad())?;
    if !(-MAX_Z_INDEX - 1..=MAX_Z_INDEX).contains(&n) {
        return Err(bad());
    }
    Ok(n)
}

/// The checked embedding options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmbedOptions {
    /// `position`: the floating widget's corner.
    pub position: Position,
    /// `zIndex`: the stacking order of the floating widget (default: just below the maximum).
    pub z_index: Option<i64>,
    /// `visibility`: the visibility rules as a JSON string, handed to the visibility module
    /// unparsed (it owns the format).
    pub visibility: Option<String>,
}

/// Why an embedding option was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmbedOptionError {
    /// Wrong JS type.
    WrongType {
        /// The option.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A value the widget does not know.
    BadValue {
        /// The option.
        key: &'static str,
        /// What was given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
}

impl fmt::Display for EmbedOptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbedOptionError::WrongType { key, expected } => {
                write!(f, "webchat.init: option `{key}` must be {expected}")
            }
            EmbedOptionError::BadValue {
                key,
                value,
                expected,
            } => write!(
                f,
                "webchat.init: option `{key}` is {value:?}; expected {expected}"
            ),
        }
    }
}

impl std::error::Error for EmbedOptionError {}

fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

impl EmbedOptions {
    /// Reads `position`, `zIndex` and `visibility` from the options object (already known to be
    /// an object).
    pub fn from_js(options: &JsValue) -> Result<EmbedOptions, EmbedOptionError> {
        let position = match get(options, "position") {
            None => Position::default(),
            Some(v) => Position::parse(&v.as_string().ok_or(EmbedOptionError::WrongType {
                key: "position",
                expected: "a string",
            })?)?,
        };
        let z_index = match get(options, "zIndex") {
            None => None,
            Some(v) => {
                let text = match (v.as_f64(), v.as_string()) {
                    // JavaScript prints the number (as the host wrote it): Rust's float
                    // formatting would add ~15 KB to the wasm for this one option.
                    (Some(n), _) => js_sys::Number::from(n)
                        .to_string_with_radix(10)
                        .map(String::from)
                        .unwrap_or_default(),
                    (None, Some(s)) if s.trim().is_empty() => String::new(),
                    (None, Some(s)) => s,
                    (None, None) => {
                        return Err(EmbedOptionError::WrongType {
                            key: "zIndex",
                            expected: "an integer",
                        })
                    }
                };
                if text.is_empty() {
                    None
                } else {
                    Some(parse_z_index(&text)?)
                }
            }
        };
        let visibility = match get(options, "visibility") {
            None => None,
            Some(v) => {
                if let Some(s) = v.as_string() {
                    Some(s).filter(|s| !s.trim().is_empty())
                } else if v.is_object() {
                    // An object literal is friendlier in JS than a JSON string: accept it.
                    js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string())
                } else {
                    return Err(EmbedOptionError::WrongType {
                        key: "visibility",
                        expected: "a JSON string or an object",
                    });
                }
            }
        };
        Ok(EmbedOptions {
            position,
            z_index,
            visibility,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(Position::parse("bottom-left"), Ok(Position::BottomLeft));
        assert_eq!(Position::parse(" bottom-right "), Ok(Position::BottomRight));
        assert_eq!(Position::parse(""), Ok(Position::BottomRight));
        let err = Position::parse("top").unwrap_err();
        assert_eq!(
            err.to_string(),
            "webchat.init: option `position` is \"top\"; expected \"bottom-right\" or \"bottom-left\""
        );
    }

    #[test]
    fn z_index_range() {
        assert_eq!(parse_z_index("10"), Ok(10));
        assert_eq!(parse_z_index(" -5 "), Ok(-5));
        assert_eq!(parse_z_index("2147483647"), Ok(MAX_Z_INDEX));
        assert!(parse_z_index("2147483648").is_err());
        assert!(parse_z_index("1.5").is_err());
        assert!(parse_z_index("high").is_err());
    }
}
