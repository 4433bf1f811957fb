//! The options of `init` (and the loader's `data-*` attributes, which it turns into the same
//! object), read from the JS object in one place and checked into [`InitOptions`], with a clear
//! [`InitError`] for every missing key, wrong type or bad value.
//!
//! Read by hand with `Reflect` (serde-wasm-bindgen would cost size). The value checks are plain
//! functions over strings and numbers (unit-tested natively). This module applies nothing:
//! [`host_css`](crate::host_css) turns the embedding options into CSS, the visibility rules are
//! parsed by the visibility module, the `livechat` keys are checked by [`livechat`] (the chat
//! stage puts them over the campaign's), and [`widget`](crate::widget) starts the widget.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

use crate::adapters::js_get;
use crate::adapters::storage::StorageKind;
use crate::i18n::Lang;
use crate::livechat::{self, Livechat};

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
    pub fn parse(value: &str) -> Result<Position, InitError> {
        match value.trim() {
            "" | "bottom-right" => Ok(Position::BottomRight),
            "bottom-left" => Ok(Position::BottomLeft),
            other => Err(InitError::BadValue {
                key: "position",
                value: other.to_owned(),
                expected: "\"bottom-right\" or \"bottom-left\"",
            }),
        }
    }

    /// The `data-wc-position` value on the host element (what [`host_css`](crate::host_css) keys on).
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
pub fn parse_z_index(value: &str) -> Result<i64, InitError> {
    let bad = || InitError::BadValue {
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

/// Where the widget lives on the page.
#[derive(Clone, Debug)]
pub enum Container {
    /// A floating widget in a `<div>` the widget appends to `<body>` (and removes on destroy).
    Floating,
    /// An element the page gave (a CSS selector or the element itself).
    Element(HtmlElement),
}

/// The options of `init`, checked.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// `apiUrl`: the Public API base URL.
    pub api_url: String,
    /// `apiToken`: sent as `X-API-TOKEN`.
    pub api_token: String,
    /// `campaign`: the campaign id.
    pub campaign: String,
    /// `websocketUrl`: the XMPP WebSocket (`ws://` or `wss://`).
    pub websocket_url: String,
    /// `boshUrl`: the HTTP-Bind URL (`http://` or `https://`) for when WebSockets do not get
    /// through.
    pub bosh_url: Option<String>,
    /// `visitorIds`: `"session"` (default) or `"persistent"`.
    pub visitor_ids: StorageKind,
    /// `language`: overrides the campaign's.
    pub language: Option<Lang>,
    /// `container`: where to mount.
    pub container: Container,
    /// `position`, `zIndex`, `visibility`.
    pub embed: EmbedOptions,
    /// `livechat`: keys of the campaign's livechat configuration that win over the campaign's
    /// (checked: known keys, right types).
    pub livechat: Option<Livechat>,
}

/// Reads the `livechat` option from its JSON text (see [`livechat::parse`]).
pub fn parse_livechat(text: &str) -> Result<Option<Livechat>, InitError> {
    livechat::parse(text).map_err(InitError::Livechat)
}

/// Why `init` refused its options or could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitError {
    /// `options` is not an object.
    NotAnObject,
    /// A required option is missing or empty.
    Missing(&'static str),
    /// An option has the wrong type.
    WrongType {
        /// The option.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An option has a value the widget does not know.
    BadValue {
        /// The option.
        key: &'static str,
        /// What was given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// `container` matched no element.
    NoContainer(String),
    /// `livechat` is not an object of the configuration's keys.
    Livechat(String),
    /// Mounting failed.
    Mount(String),
}

impl InitError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        const P: &str = "webchat.init: ";
        match self {
            InitError::NotAnObject => [P, "options must be an object"].concat(),
            InitError::Missing(k) => [P, "option `", k, "` is required"].concat(),
            InitError::WrongType { key, expected } => {
                [P, "option `", key, "` must be ", expected].concat()
            }
            InitError::BadValue {
                key,
                value,
                expected,
            } => [
                P,
                "option `",
                key,
                "` is \"",
                value,
                "\"; expected ",
                expected,
            ]
            .concat(),
            InitError::NoContainer(sel) => {
                [P, "`container` \"", sel, "\" matches no element"].concat()
            }
            InitError::Livechat(why) => [P, "option `livechat`: ", why].concat(),
            InitError::Mount(e) => [P, e].concat(),
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for InitError {}

impl From<InitError> for JsValue {
    fn from(e: InitError) -> JsValue {
        js_sys::Error::new(&e.message()).into()
    }
}

fn optional_string(options: &JsValue, key: &'static str) -> Result<Option<String>, InitError> {
    let Some(v) = js_get(options, key) else {
        return Ok(None);
    };
    match v.as_string() {
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => Ok(Some(s.trim().to_owned())),
        None => Err(InitError::WrongType {
            key,
            expected: "a string",
        }),
    }
}

fn required_string(options: &JsValue, key: &'static str) -> Result<String, InitError> {
    optional_string(options, key)?.ok_or(InitError::Missing(key))
}

impl InitOptions {
    /// Reads and checks the options object given to `init`.
    pub fn from_js(options: &JsValue) -> Result<InitOptions, InitError> {
        if !options.is_object() {
            return Err(InitError::NotAnObject);
        }
        let visitor_ids = match optional_string(options, "visitorIds")?.as_deref() {
            None | Some("session") => StorageKind::Session,
            Some("persistent") => StorageKind::Local,
            Some(other) => {
                return Err(InitError::BadValue {
                    key: "visitorIds",
                    value: other.to_owned(),
                    expected: "\"session\" or \"persistent\"",
                })
            }
        };
        let language = match optional_string(options, "language")? {
            None => None,
            // `auto`: the browser's languages, or the campaign's when none has a table.
            Some(tag) if crate::i18n::is_auto(&tag) => Lang::from_setting(&tag),
            Some(tag) => Some(Lang::from_tag(&tag).ok_or(InitError::BadValue {
                key: "language",
                value: tag,
                expected: "a supported language tag such as \"en\" or \"pt-BR\", or \"auto\"",
            })?),
        };
        let websocket_url = required_string(options, "websocketUrl")?;
        if !(websocket_url.starts_with("ws://") || websocket_url.starts_with("wss://")) {
            return Err(InitError::BadValue {
                key: "websocketUrl",
                value: websocket_url,
                expected: "a ws:// or wss:// URL",
            });
        }
        let bosh_url = optional_string(options, "boshUrl")?;
        if let Some(url) = bosh_url
            .as_ref()
            .filter(|u| !(u.starts_with("http://") || u.starts_with("https://")))
        {
            return Err(InitError::BadValue {
                key: "boshUrl",
                value: url.clone(),
                expected: "an http:// or https:// URL",
            });
        }
        let container = match js_get(options, "container") {
            None => Container::Floating,
            Some(v) => {
                if let Some(el) = v.dyn_ref::<HtmlElement>() {
                    Container::Element(el.clone())
                } else if let Some(selector) = v.as_string() {
                    let found = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.query_selector(&selector).ok().flatten())
                        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                    Container::Element(found.ok_or(InitError::NoContainer(selector))?)
                } else {
                    return Err(InitError::WrongType {
                        key: "container",
                        expected: "a CSS selector or an HTML element",
                    });
                }
            }
        };
        let livechat = match js_get(options, "livechat") {
            None => None,
            Some(v) => {
                // An object literal is friendlier in JS than a JSON string: both are taken.
                let text = if let Some(s) = v.as_string() {
                    s
                } else if v.is_object() {
                    js_sys::JSON::stringify(&v)
                        .ok()
                        .and_then(|s| s.as_string())
                        .unwrap_or_default()
                } else {
                    return Err(InitError::WrongType {
                        key: "livechat",
                        expected: "a JSON string or an object",
                    });
                };
                parse_livechat(&text)?
            }
        };
        Ok(InitOptions {
            api_url: required_string(options, "apiUrl")?,
            api_token: required_string(options, "apiToken")?,
            campaign: required_string(options, "campaign")?,
            websocket_url,
            bosh_url,
            visitor_ids,
            language,
            container,
            embed: EmbedOptions::from_js(options)?,
            livechat,
        })
    }
}

impl EmbedOptions {
    /// Reads `position`, `zIndex` and `visibility` from the options object (already known to be
    /// an object).
    fn from_js(options: &JsValue) -> Result<EmbedOptions, InitError> {
        let position = match js_get(options, "position") {
            None => Position::default(),
            Some(v) => Position::parse(&v.as_string().ok_or(InitError::WrongType {
                key: "position",
                expected: "a string",
            })?)?,
        };
        let z_index = match js_get(options, "zIndex") {
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
                        return Err(InitError::WrongType {
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
        let visibility = match js_get(options, "visibility") {
            None => None,
            Some(v) => {
                if let Some(s) = v.as_string() {
                    Some(s).filter(|s| !s.trim().is_empty())
                } else if v.is_object() {
                    // An object literal is friendlier in JS than a JSON string: accept it.
                    js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string())
                } else {
                    return Err(InitError::WrongType {
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
    fn livechat_keys_are_checked_when_given() {
        assert_eq!(parse_livechat(""), Ok(None));
        let keys = parse_livechat(r#"{"sound": true, "offlineTitle": "Closed"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            parse_livechat(r#"{"sonud": true}"#)
                .unwrap_err()
                .to_string(),
            "webchat.init: option `livechat`: unknown key \"sonud\""
        );
        assert!(parse_livechat(r#"{"transcript": "yes"}"#)
            .unwrap_err()
            .to_string()
            .starts_with("webchat.init: option `livechat`: transcript: invalid type"));
        assert!(matches!(
            parse_livechat("[1]"),
            Err(InitError::Livechat(why)) if why == "not an object"
        ));
        assert!(parse_livechat("{").is_err());
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
