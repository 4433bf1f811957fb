//! The operator's overrides as the widget sees them, and how every source of visibility
//! combines. Pure: tested natively; the browser side reads and polls.
//!
//! The customer's server shows or hides the chat through devserver's operator API (or its own
//! backend's equivalent); the widget learns this visitor's verdict from one small read,
//! `GET visibility?campaign_id=…&tracker_id=…[&user=…]`, which answers only
//! `shown|hidden|auto` and an optional expiry ([`Verdict`]). The widget asks only when the
//! campaign says so (`webchat.visibilityOverrides`), keeps a shown or hidden answer and its
//! `ETag` under `webchat:visibility_override` ([`Remembered`]) so the next page view applies it
//! at once and revalidates it with `If-None-Match`, and combines it with the rules and the page's
//! `show()`/`hide()` by [`combine`]:
//!
//! | the page (`CV.chat`) | a chat going on | operator | rules | visible | reason |
//! | --- | --- | --- | --- | --- | --- |
//! | `show()` / `hide()` | any | any | any | shown / hidden | `api` |
//! | `auto()` | yes | any | any | shown | `chat` (when otherwise hidden) |
//! | `auto()` | no | hidden | any | hidden | `rest` |
//! | `auto()` | no | shown | any | shown | `rest` |
//! | `auto()` | no | automatic (or expired) | visible / hidden | as the rules | `default`, `rules`, `invalid`, `rule:<name>` |
//!
//! "A chat going on" is the browser side's: a chat under way, the window open, or agent messages
//! not yet read. This module does not fetch, store or time anything.

use crate::json::{self, Map, Value};

use super::engine::Reason;

/// The storage key (under `webchat:`) of the last shown or hidden verdict read, its ETag and
/// whom it was for (removed when the answer is automatic).
pub const REMEMBERED_KEY: &str = "visibility_override";

/// The operator's verdict for this visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `Some(true)`: shown, `Some(false)`: hidden, `None`: automatic (the rules decide).
    pub visible: Option<bool>,
    /// When it ends (ms since the Unix epoch); `None`: until the operator changes it.
    pub until_ms: Option<i64>,
}

impl Verdict {
    /// No override: the rules decide.
    pub const AUTO: Verdict = Verdict {
        visible: None,
        until_ms: None,
    };

    /// The verdict of a `GET visibility` reply body, `{"visibility": "shown" | "hidden" |
    /// "auto", "until": ms | null}` (`until` may be left out); `None` when it says anything else.
    pub fn from_reply(v: &Value) -> Option<Verdict> {
        let visible = match v.get("visibility")?.as_str()? {
            "shown" => Some(true),
            "hidden" => Some(false),
            "auto" => None,
            _ => return None,
        };
        let until_ms = match v.get("until") {
            None | Some(Value::Null) => None,
            Some(t) => Some(i64::try_from(t.as_u64()?).unwrap_or(i64::MAX)),
        };
        Some(Verdict { visible, until_ms })
    }

    /// What it says at `now_ms`: shown, hidden, or nothing (automatic or expired). The server
    /// answers `auto` once it expired too; this clock only makes the switch punctual.
    pub fn at(&self, now_ms: i64) -> Option<bool> {
        self.visible
            .filter(|_| self.until_ms.is_none_or(|t| now_ms < t))
    }

    /// When it stops counting, if that is still ahead of `now_ms` (re-evaluate then).
    pub fn next_change(&self, now_ms: i64) -> Option<i64> {
        self.visible.and(self.until_ms).filter(|&t| t > now_ms)
    }

    fn state(&self) -> &'static str {
        match self.visible {
            Some(true) => "shown",
            Some(false) => "hidden",
            None => "auto",
        }
    }
}

/// Who asks: the visitor's `tracker_id` (what `CV.visitorId` gives: the anonymous visitor id,
/// or the tagged user's key) and, for a tagged user, the user key (`user:id:…` or
/// `user:email:…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub tracker_id: String,
    pub user: Option<String>,
}

impl Identity {
    /// The path and query of this visitor's read, relative to the API base.
    pub fn read_path(&self, campaign: &str) -> String {
        let mut path = [
            "visibility?campaign_id=",
            &encode(campaign),
            "&tracker_id=",
            &encode(&self.tracker_id),
        ]
        .concat();
        if let Some(u) = &self.user {
            path.push_str("&user=");
            path.push_str(&encode(u));
        }
        path
    }
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// An override kept between page views: whom it was for, the verdict and its ETag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    pub identity: Identity,
    pub verdict: Verdict,
    pub etag: String,
}

impl Remembered {
    /// The stored form (JSON).
    pub fn encode(&self) -> String {
        let mut o = Map::new();
        o.insert(
            "tracker_id".into(),
            self.identity.tracker_id.as_str().into(),
        );
        o.insert("user".into(), self.identity.user.clone().into());
        o.insert("visibility".into(), self.verdict.state().into());
        o.insert("until".into(), self.verdict.until_ms.into());
        o.insert("etag".into(), self.etag.as_str().into());
        json::stringify(&Value::Object(o))
    }

    /// Reads the stored form; anything unreadable is no record (the read then starts afresh).
    pub fn decode(text: &str) -> Option<Remembered> {
        let v = json::parse(text)?;
        let visible = match v.get("visibility")?.as_str()? {
            "shown" => Some(true),
            "hidden" => Some(false),
            "auto" => None,
            _ => return None,
        };
        let until_ms = match v.get("until")? {
            Value::Null => None,
            t => Some(t.as_i64()?),
        };
        let user = match v.get("user")? {
            Value::Null => None,
            u => Some(u.as_str()?.to_owned()),
        };
        Some(Remembered {
            identity: Identity {
                tracker_id: v.get("tracker_id")?.as_str()?.to_owned(),
                user,
            },
            verdict: Verdict { visible, until_ms },
            etag: v.get("etag")?.as_str()?.to_owned(),
        })
    }
}

/// The combination table (see the module docs): the page's `show()`/`hide()` (`page`) above
/// everything; a chat going on is never hidden; then the operator's verdict in force
/// (`operator`); then the rules' decision (`rules`).
pub fn combine(
    rules: (bool, Reason),
    operator: Option<bool>,
    page: Option<bool>,
    ongoing: bool,
) -> (bool, Reason) {
    if let Some(v) = page {
        return (v, Reason::Api);
    }
    let (visible, reason) = match operator {
        Some(v) => (v, Reason::Rest),
        None => rules,
    };
    if !visible && ongoing {
        (true, Reason::Chat)
    } else {
        (visible, reason)
    }
}

/// How long to wait between reads after `failures` failed ones in a row: `poll_seconds`,
/// doubled per failure up to ×16 (the agent rules' campaign poll and the operator read share
/// it).
pub fn poll_interval_ms(poll_seconds: u32, failures: u32) -> i64 {
    i64::from(poll_seconds) * 1000 * (1i64 << failures.min(4))
}
