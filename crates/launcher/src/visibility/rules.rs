//! The visibility rules' schema: [`Rules::parse`] reads the JSON a page gives
//! (`data-visibility` or the `visibility` init option) into typed [`Rules`], or a [`RuleError`]
//! that names the bad rule.
//!
//! Schema (every key optional; all present rules must hold — AND):
//!
//! ```json
//! {
//!   "agentOnline": true,
//!   "agentAvailable": true,
//!   "openingHours": {
//!     "timeZone": "Europe/Vienna",
//!     "weekly": { "mon": ["09:00-12:00", "13:00-17:00"], "fri": ["09:00-17:00", "22:00-02:00"] },
//!     "holidays": ["2026-12-25", "01-01"],
//!     "specialDays": { "2026-12-24": ["09:00-12:00"] }
//!   },
//!   "secondsOnPage": 10,
//!   "visitNumber": 2,
//!   "pages": { "include": ["/shop/*"], "exclude": ["/shop/checkout*"] },
//!   "pollSeconds": 30
//! }
//! ```
//!
//! Unknown keys are errors (a misspelt rule would otherwise silently do nothing). This module
//! only reads and checks; evaluating is [`engine`](super::engine)'s job.

use std::fmt;

use super::hours::OpeningHours;
use crate::json::{self, kind, Value};

/// Default interval between campaign polls for the agent rules.
pub const DEFAULT_POLL_SECONDS: u32 = 30;
/// Shortest allowed poll interval: the Public API is shared by every visitor of the site.
pub const MIN_POLL_SECONDS: u32 = 5;

/// The parsed rules. `Rules::default()` has none: always visible.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// `agentOnline: true` — at least one agent of the campaign is signed in and available
    /// (`available_agents > 0` in `GET campaigns/{id}`).
    pub agent_online: bool,
    /// `agentAvailable: true` — a chat can start now: `availability` is true and slots are left
    /// (`available_slots > 0` or `"∞"`).
    pub agent_available: bool,
    /// `openingHours`.
    pub opening_hours: Option<OpeningHours>,
    /// `secondsOnPage: N` — visible N seconds after the page view started.
    pub seconds_on_page: Option<u32>,
    /// `visitNumber: N` — visible from the visitor's Nth visit on.
    pub visit_number: Option<u32>,
    /// `pages` — where on the site.
    pub pages: Option<Pages>,
    /// `pollSeconds` — how often the campaign is re-read for the agent rules.
    pub poll_seconds: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            agent_online: false,
            agent_available: false,
            opening_hours: None,
            seconds_on_page: None,
            visit_number: None,
            pages: None,
            poll_seconds: DEFAULT_POLL_SECONDS,
        }
    }
}

/// URL patterns: visible where an `include` pattern matches (any page when `include` is empty)
/// and no `exclude` pattern does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pages {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Pages {
    /// Whether the page at `href` is allowed.
    pub fn allows(&self, href: &str) -> bool {
        let hit = |p: &String| matches_page(p, href);
        (self.include.is_empty() || self.include.iter().any(hit)) && !self.exclude.iter().any(hit)
    }
}

/// A pattern starting with `/` is matched against the path of `href` (no query, no fragment);
/// any other pattern against the whole address without its `#fragment`. `*` matches any run of
/// characters, `/` included; every other character matches itself.
pub fn matches_page(pattern: &str, href: &str) -> bool {
    let without_fragment = href.split('#').next().unwrap_or_default();
    if pattern.starts_with('/') {
        wildcard(pattern.as_bytes(), path_of(without_fragment).as_bytes())
    } else {
        wildcard(pattern.as_bytes(), without_fragment.as_bytes())
    }
}

/// The path of an absolute or relative URL: after `scheme://host`, before `?`.
fn path_of(href: &str) -> &str {
    let after_host = match href.find("://") {
        Some(i) => {
            let rest = &href[i + 3..];
            rest.find(['/', '?']).map_or("", |j| &rest[j..])
        }
        None => href,
    };
    let path = after_host.split('?').next().unwrap_or_default();
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// Glob with `*` only, iterative with one backtrack point (linear-ish, no recursion).
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Why the rules were refused. The widget then stays visible (visible by default, `docs/protocol.md` §5) and
/// logs this message once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// The text is not JSON.
    NotJson,
    /// The top level is not an object.
    NotAnObject {
        /// What it was.
        found: &'static str,
    },
    /// A key that is not a rule (a typo?).
    UnknownRule(String),
    /// A rule with a bad value.
    Invalid {
        /// The rule's path, e.g. `openingHours.weekly.mon[1]`.
        rule: String,
        /// What was given.
        found: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// The browser does not know the time zone of `openingHours`.
    UnknownTimeZone(String),
}

impl RuleError {
    pub(crate) fn invalid(rule: &str, found: &str, expected: &'static str) -> RuleError {
        RuleError::Invalid {
            rule: rule.to_owned(),
            found: found.to_owned(),
            expected,
        }
    }
}

impl RuleError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        const P: &str = "webchat: visibility rules ignored (the chat stays visible): ";
        match self {
            RuleError::NotJson => [P, "not valid JSON"].concat(),
            RuleError::NotAnObject { found } => [
                P,
                "expected an object such as {\"agentOnline\": true}, found ",
                found,
            ]
            .concat(),
            RuleError::UnknownRule(k) => [
                P,
                "unknown rule `",
                k,
                "`; the rules are agentOnline, agentAvailable, openingHours, \
                 secondsOnPage, visitNumber, pages, pollSeconds",
            ]
            .concat(),
            RuleError::Invalid {
                rule,
                found,
                expected,
            } => [P, "rule `", rule, "` is ", found, "; expected ", expected].concat(),
            RuleError::UnknownTimeZone(z) => [
                P,
                "rule `openingHours.timeZone`: this browser does not know the time zone \"",
                z,
                "\"",
            ]
            .concat(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for RuleError {}

impl Rules {
    /// Reads the rules from JSON text (see the module docs for the schema).
    pub fn parse(text: &str) -> Result<Rules, RuleError> {
        Rules::from_value(&json::parse(text).ok_or(RuleError::NotJson)?)
    }

    /// Reads the rules from an already parsed JSON value.
    pub fn from_value(v: &Value) -> Result<Rules, RuleError> {
        let Value::Object(members) = v else {
            return Err(RuleError::NotAnObject { found: kind(v) });
        };
        let mut rules = Rules::default();
        for (key, value) in members.iter() {
            let key = key.as_str();
            match key {
                "agentOnline" => rules.agent_online = flag(key, value)?,
                "agentAvailable" => rules.agent_available = flag(key, value)?,
                "openingHours" => rules.opening_hours = Some(OpeningHours::from_json(value)?),
                "secondsOnPage" => {
                    rules.seconds_on_page = Some(count(
                        key,
                        value,
                        0,
                        86_400,
                        "a whole number of seconds (0 to 86400)",
                    )?)
                }
                "visitNumber" => {
                    rules.visit_number = Some(count(
                        key,
                        value,
                        1,
                        1_000_000,
                        "a visit number of 1 or more (2 = from the second visit on)",
                    )?)
                }
                "pollSeconds" => {
                    rules.poll_seconds = count(
                        key,
                        value,
                        MIN_POLL_SECONDS,
                        86_400,
                        "a whole number of seconds, at least 5",
                    )?
                }
                "pages" => rules.pages = Some(pages(value)?),
                other => return Err(RuleError::UnknownRule(other.to_owned())),
            }
        }
        Ok(rules)
    }

    /// Whether any rule needs the campaign's live availability (and so the campaign poll).
    pub fn needs_agents(&self) -> bool {
        self.agent_online || self.agent_available
    }

    /// Whether no rule is set (always visible).
    pub fn is_empty(&self) -> bool {
        !self.needs_agents()
            && self.opening_hours.is_none()
            && self.seconds_on_page.is_none()
            && self.visit_number.is_none()
            && self.pages.is_none()
    }
}

fn flag(rule: &str, v: &Value) -> Result<bool, RuleError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(RuleError::invalid(rule, kind(other), "true or false")),
    }
}

fn count(
    rule: &str,
    v: &Value,
    min: u32,
    max: u32,
    expected: &'static str,
) -> Result<u32, RuleError> {
    match (v, v.as_i64()) {
        (_, Some(n)) if (i64::from(min)..=i64::from(max)).contains(&n) => Ok(n as u32),
        (Value::Number(n), _) => Err(RuleError::invalid(rule, &json::number_text(n), expected)),
        (other, _) => Err(RuleError::invalid(rule, kind(other), expected)),
    }
}

fn pages(v: &Value) -> Result<Pages, RuleError> {
    const EXPECTED: &str =
        "{\"include\": [patterns], \"exclude\": [patterns]} or an array of include patterns";
    match v {
        // Shorthand: a plain array is the include list.
        Value::Array(_) => Ok(Pages {
            include: patterns("pages", v)?,
            exclude: Vec::new(),
        }),
        Value::Object(members) => {
            let mut p = Pages::default();
            for (key, value) in members.iter() {
                match key.as_str() {
                    "include" => p.include = patterns("pages.include", value)?,
                    "exclude" => p.exclude = patterns("pages.exclude", value)?,
                    other => {
                        return Err(RuleError::invalid(
                            &["pages.", other].concat(),
                            "an unknown key",
                            EXPECTED,
                        ))
                    }
                }
            }
            Ok(p)
        }
        other => Err(RuleError::invalid("pages", kind(other), EXPECTED)),
    }
}

fn patterns(rule: &str, v: &Value) -> Result<Vec<String>, RuleError> {
    const EXPECTED: &str =
        "a non-empty URL pattern such as \"/shop/*\" or \"https://example.com/*\"";
    let Value::Array(items) = v else {
        return Err(RuleError::invalid(
            rule,
            kind(v),
            "an array of URL patterns",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            other => Err(RuleError::invalid(
                &[rule, "[", &crate::text::digits(i as u64, 0), "]"].concat(),
                kind(other),
                EXPECTED,
            )),
        })
        .collect()
}
