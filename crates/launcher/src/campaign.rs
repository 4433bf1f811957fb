//! What the launcher reads from `GET campaigns/{id}` ([`CampaignInfo`]: its look, whether it can
//! be used, the agents' availability, the widget's switches) and what a reply means for it
//! ([`Reply`]: use it, hide for good, or try again later, [`backoff_ms`]).
//!
//! Pure: the browser side ([`crate::stage`]) fetches, stores and times. The chat stage reads
//! the whole campaign (survey, co-browsing …) from the same reply with the protocol crate's
//! types; this is the launcher's smaller view of it, lenient where the Public API is (`null`
//! for defaults, `available_slots` as a number, a numeric string or `"∞"`), as
//! `docs/protocol.md` §1 describes.

use std::fmt;

use crate::json::{self, Value};
use crate::livechat::OfflineLook;

/// The launcher's view of a campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignInfo {
    /// Switched on by its manager.
    pub active: bool,
    /// The accent colour as sent (`#rrggbb`); `None`: the widget's default.
    pub color: Option<String>,
    /// The language setting as sent (a tag, or `auto`); `None`: English.
    pub language: Option<String>,
    /// A chat could start now (the API's own judgement).
    pub availability: bool,
    /// Agents signed in and available (even with every slot taken).
    pub available_agents: u32,
    /// Free chat slots.
    pub slots: Slots,
    /// The extension switch `webchat.visibilityOverrides`: read the operator's verdict.
    pub visibility_overrides: bool,
    /// How launcher and window look while nobody is available (`webchat.offlineColor` …).
    pub offline: OfflineLook,
    /// The `webchat` configuration object as sent (its `triggers` and `sound` are the
    /// launcher's); `None` without one.
    pub webchat: Option<Value>,
}

/// `available_slots`: a count, or no limit (`"∞"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slots {
    /// This many free slots (a negative count from a busy server reads as 0).
    Count(u32),
    /// At least one available agent has no chat limit.
    Unlimited,
}

impl Default for Slots {
    fn default() -> Slots {
        Slots::Count(0)
    }
}

impl Slots {
    /// Whether one more chat fits.
    pub fn has_room(self) -> bool {
        self != Slots::Count(0)
    }

    fn from_json(v: &Value) -> Option<Slots> {
        let clamp = |n: u64| Slots::Count(u32::try_from(n).unwrap_or(u32::MAX));
        match v {
            Value::Null => Some(Slots::Count(0)),
            Value::Number(_) => v
                .as_u64()
                .map(clamp)
                .or_else(|| v.as_i64().map(|_| Slots::Count(0))),
            Value::String(s) => {
                let s = s.trim();
                if s == "∞" || s.eq_ignore_ascii_case("inf") {
                    Some(Slots::Unlimited)
                } else {
                    // Some PHP backends send numbers as strings.
                    s.parse::<u64>().ok().map(clamp)
                }
            }
            _ => None,
        }
    }
}

impl CampaignInfo {
    /// Reads a campaign object; `None` when it is not one (no `id`, or a field of a type the
    /// API never sends).
    pub fn from_json(v: &Value) -> Option<CampaignInfo> {
        v.get("id")?.as_str()?;
        let flag = |key: &str| match v.get(key) {
            None | Some(Value::Null) => Some(false),
            Some(b) => b.as_bool(),
        };
        let text = |key: &str| match v.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone()).filter(|s| !s.trim().is_empty())),
            Some(_) => None,
        };
        let agents = match v.get("available_agents") {
            None | Some(Value::Null) => 0,
            Some(n) => u32::try_from(n.as_u64()?).unwrap_or(u32::MAX),
        };
        let overrides = v
            .get("webchat")
            .and_then(|w| w.get("visibilityOverrides"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Some(CampaignInfo {
            active: flag("active")?,
            color: text("color")?,
            language: text("language")?,
            availability: flag("availability")?,
            available_agents: agents,
            slots: match v.get("available_slots") {
                None => Slots::Count(0),
                Some(s) => Slots::from_json(s)?,
            },
            visibility_overrides: overrides,
            offline: OfflineLook::read(v.get("webchat")),
            webchat: v.get("webchat").filter(|w| w.is_object()).cloned(),
        })
    }

    /// Whether a chat can start now: `availability` and a free slot.
    pub fn available(&self) -> bool {
        self.active && self.availability && self.slots.has_room()
    }

    /// Whether an agent is signed in (a backend that leaves `available_agents` at 0 but reports
    /// availability still has someone online).
    pub fn agent_online(&self) -> bool {
        self.available_agents > 0 || (self.availability && self.slots.has_room())
    }
}

/// Why the launcher gives up on a campaign: the widget is hidden for good on this page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// 401: the token was refused.
    Unauthorized,
    /// 404: no such campaign.
    NotFound,
    /// Switched off (`active: false`, or 409 `CHAT_CAMPAIGN_INACTIVE`).
    Inactive,
    /// Another refusal (a 4xx the API does not document for this call).
    Status(u16),
    /// A success whose body is not a campaign.
    Unreadable,
}

impl Unusable {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        match self {
            Unusable::Unauthorized => "the API token was refused (401): check `apiToken`".into(),
            Unusable::NotFound => "the campaign does not exist (404): check `campaign`".into(),
            Unusable::Inactive => "the campaign is inactive".into(),
            Unusable::Status(s) => [
                "unexpected HTTP status ",
                &crate::text::digits(u64::from(*s), 0),
            ]
            .concat(),
            Unusable::Unreadable => "unreadable API reply: not a campaign".into(),
        }
    }
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// What one reply to `GET campaigns/{id}` means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A usable campaign.
    Usable(CampaignInfo),
    /// Hide the widget for good.
    Unusable(Unusable),
    /// Worth trying again later (no reply, 5xx, 408, 429).
    Retry(String),
}

impl Reply {
    /// The meaning of `(status, body)`.
    pub fn read(status: u16, body: &str) -> Reply {
        match status {
            200..=299 => match json::parse(body).as_ref().and_then(CampaignInfo::from_json) {
                Some(c) if !c.active => Reply::Unusable(Unusable::Inactive),
                Some(c) => Reply::Usable(c),
                None => Reply::Unusable(Unusable::Unreadable),
            },
            401 => Reply::Unusable(Unusable::Unauthorized),
            404 => Reply::Unusable(Unusable::NotFound),
            409 if body.contains("CHAT_CAMPAIGN_INACTIVE") => Reply::Unusable(Unusable::Inactive),
            408 | 429 | 500..=599 => {
                Reply::Retry(["HTTP ", &crate::text::digits(u64::from(status), 0)].concat())
            }
            other => Reply::Unusable(Unusable::Status(other)),
        }
    }
}

/// The path of a campaign's read, relative to the API base.
pub fn path(id: &str) -> String {
    ["campaigns/", &crate::visibility::operator::encode(id)].concat()
}

/// Longest backoff between retries.
pub const MAX_BACKOFF_MS: u64 = 30_000;

/// The delay before retry number `attempt` (1, 2, …): exponential from 1 s, capped at
/// [`MAX_BACKOFF_MS`], with "full jitter" over its upper half (`jitter` in 0..1) so that many
/// widgets cut off together do not come back in lockstep. The chat stage retries the same way.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u64 {
    let ceiling = 1000u64
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(MAX_BACKOFF_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    ceiling / 2 + ((ceiling / 2) as f64 * jitter) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r##"{"id":"c1","name":"n","active":true,"color":"#0a6018","language":"de",
        "availability":false,"available_agents":0,"available_slots":"∞",
        "cobrowsing":{"active":true},"survey":{"active":false}}"##;

    #[test]
    fn test_simple() {
        let Reply::Usable(c) = Reply::read(200, SEED) else {
            panic!("usable")
        };
        assert_eq!(c.color.as_deref(), Some("#0a6018"));
        assert_eq!(c.language.as_deref(), Some("de"));
        assert!(!c.available() && !c.agent_online());
        assert_eq!(c.slots, Slots::Unlimited);
        assert!(!c.visibility_overrides);
    }

    #[test]
    fn the_api_is_read_leniently() {
        let c = |text: &str| CampaignInfo::from_json(&json::parse(text).unwrap()).unwrap();
        let nulls = c(
            r#"{"id":"c","active":null,"color":null,"language":"","availability":null,
            "available_agents":null,"available_slots":null}"#,
        );
        assert!(!nulls.active && nulls.color.is_none() && nulls.language.is_none());
        assert_eq!(nulls.slots, Slots::Count(0));
        let busy = c(
            r#"{"id":"c","active":true,"availability":true,"available_agents":2,"available_slots":-1}"#,
        );
        assert!(!busy.available() && busy.agent_online());
        let text = c(
            r#"{"id":"c","active":true,"availability":true,"available_slots":"3","webchat":{"visibilityOverrides":true}}"#,
        );
        assert!(text.available() && text.agent_online() && text.visibility_overrides);
        let offline =
            c(r##"{"id":"c","webchat":{"offlineColor":"#6b7280","offlineTitle":"Closed"}}"##);
        assert_eq!(offline.offline.color.as_deref(), Some("#6b7280"));
        assert_eq!(offline.offline.title.as_deref(), Some("Closed"));
        assert_eq!(
            c(r#"{"id":"c","active":true,"available_slots":"inf"}"#).slots,
            Slots::Unlimited
        );
    }

    #[test]
    fn test_invalid() {
        for bad in [
            "not json",
            "[]",
            r#"{"name":"no id"}"#,
            r#"{"id":"c","active":"yes"}"#,
            r#"{"id":"c","color":5}"#,
            r#"{"id":"c","available_slots":"lots"}"#,
        ] {
            assert_eq!(
                Reply::read(200, bad),
                Reply::Unusable(Unusable::Unreadable),
                "{bad}"
            );
        }
    }

    #[test]
    fn statuses_say_what_to_do() {
        let inactive = r#"{"id":"c","active":false}"#;
        assert_eq!(
            Reply::read(200, inactive),
            Reply::Unusable(Unusable::Inactive)
        );
        assert_eq!(
            Reply::read(409, r#"{"Message":"CHAT_CAMPAIGN_INACTIVE"}"#),
            Reply::Unusable(Unusable::Inactive)
        );
        assert_eq!(
            Reply::read(401, ""),
            Reply::Unusable(Unusable::Unauthorized)
        );
        assert_eq!(Reply::read(404, ""), Reply::Unusable(Unusable::NotFound));
        assert_eq!(Reply::read(400, ""), Reply::Unusable(Unusable::Status(400)));
        for transient in [408, 429, 500, 503] {
            assert!(matches!(Reply::read(transient, ""), Reply::Retry(_)));
        }
        assert!(Unusable::NotFound.to_string().contains("check `campaign`"));
    }

    #[test]
    fn backoff_grows_to_a_cap_with_jitter() {
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(1, 1.0), 1000);
        assert_eq!(backoff_ms(3, 0.0), 2000);
        assert_eq!(backoff_ms(20, 1.0), MAX_BACKOFF_MS);
    }
}
