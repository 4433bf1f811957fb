//! Proactive greetings: the campaign's `triggers` (or the page's, through the `livechat`
//! option), each a text the launcher shows in a bubble next to it once the trigger's rules hold
//! — the visibility rules' schema and engine (seconds on the page, visit number, pages, agents
//! online or available, opening hours). Each shows once per visitor, never over an open or
//! running chat.
//!
//! Pure part here: reading the triggers ([`read`]), the visitor's shown ones ([`Seen`]) and the
//! choice ([`due`]: which one shows now, and when to look again). The bubble's DOM is
//! [`bubble`]; the launcher's widget feeds them (`widget/greet.rs`).

pub mod bubble;

use crate::json::Value;
use crate::livechat::Livechat;
use crate::visibility::{Inputs, Rules, ZoneOffsets};

/// One greeting and when it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// Stable id: remembered as shown, sent with the chat it starts (`greeting_trigger`).
    pub id: String,
    /// The greeting. Plain text.
    pub message: String,
    /// Who greets. `None`: the bubble shows the text alone.
    pub agent_name: Option<String>,
    /// When it shows (all must hold; none: at once).
    pub rules: Rules,
}

/// How a warning about a trigger that is left out starts.
pub const IGNORED: &str = "webchat: a greeting trigger is ignored: ";

/// The triggers of the configuration: the page's `triggers` key, when it has one, replaces the
/// campaign's (`webchat.triggers`). A trigger that does not read (no id or message, rules that
/// are not the rules' schema) is left out; its problem is returned, one line each.
pub fn read(campaign: Option<&Value>, page: Option<&Livechat>) -> (Vec<Trigger>, Vec<String>) {
    let list = match page.and_then(|p| p.get("triggers")) {
        Some(v) => Some(v),
        None => campaign.and_then(|c| c.get("triggers")),
    };
    let mut triggers = Vec::new();
    let mut problems = Vec::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        match one(item) {
            Ok(t) if !triggers.iter().any(|have: &Trigger| have.id == t.id) => triggers.push(t),
            Ok(_) => {}
            Err(why) => problems.push([IGNORED, &why].concat()),
        }
    }
    (triggers, problems)
}

fn one(item: &Value) -> Result<Trigger, String> {
    let text = |key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let id = text("id").ok_or("it has no `id`")?;
    let message = text("message").ok_or_else(|| ["`", &id, "` has no `message`"].concat())?;
    let rules = match item.get("rules") {
        None | Some(Value::Null) => Rules::default(),
        // PHP writes an empty object as `[]`.
        Some(Value::Array(a)) if a.is_empty() => Rules::default(),
        Some(v) => Rules::from_value(v).map_err(|e| ["`", &id, "`: ", &e.message()].concat())?,
    };
    Ok(Trigger {
        id,
        message,
        agent_name: text("agentName"),
        rules,
    })
}

/// The ids of the greetings this visitor has been shown, as stored (one per line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen(Vec<String>);

impl Seen {
    /// Reads the stored form; anything unreadable is an empty line, ignored.
    pub fn decode(text: &str) -> Seen {
        Seen(
            text.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        self.0.join("\n")
    }

    /// Whether `id` was shown.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|s| s == id)
    }

    /// Marks `id` as shown.
    pub fn add(&mut self, id: &str) {
        // An id with a line break could not be read back as one: it is kept as its first line,
        // which only this id can have produced for this campaign's triggers.
        let id = id.lines().next().unwrap_or_default();
        if !self.contains(id) {
            self.0.push(id.to_owned());
        }
    }
}

/// What the triggers say now.
#[derive(Debug, PartialEq)]
pub struct Due<'a> {
    /// The trigger to show: the first not yet shown whose rules hold.
    pub show: Option<&'a Trigger>,
    /// When a time-based rule of a waiting trigger changes: look again then.
    pub next_check_ms: Option<i64>,
}

/// Which of `triggers`, each with its opening-hours zone, shows at `inputs`.
pub fn due<'a>(
    triggers: impl IntoIterator<Item = (&'a Trigger, &'a dyn ZoneOffsets)>,
    seen: &Seen,
    inputs: &Inputs<'_>,
) -> Due<'a> {
    let mut next: Option<i64> = None;
    for (t, zone) in triggers.into_iter().filter(|(t, _)| !seen.contains(&t.id)) {
        let decision = t.rules.evaluate(inputs, zone);
        if decision.visible {
            return Due {
                show: Some(t),
                next_check_ms: None,
            };
        }
        if let Some(at) = decision.next_check_ms {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Due {
        show: None,
        next_check_ms: next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::visibility::{AgentStatus, SimulatedZone};

    fn value(text: &str) -> Value {
        json::parse(text).expect("test JSON")
    }

    fn inputs(now_ms: i64, url: &str, agents: Option<AgentStatus>) -> Inputs<'_> {
        Inputs {
            now_ms,
            page_started_ms: 1_000,
            visit_number: 1,
            url,
            agents,
        }
    }

    const CAMPAIGN: &str = r#"{"triggers": [
        {"id": "pricing", "message": "Questions about our plans?", "agentName": "Ana",
         "rules": {"pages": {"include": ["/pricing*"]}}},
        {"id": "linger", "message": "Still looking?", "rules": {"secondsOnPage": 30}},
        {"id": "now", "message": "Hi there", "rules": []}
    ]}"#;

    #[test]
    fn test_simple() {
        let (triggers, problems) = read(Some(&value(CAMPAIGN)), None);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(triggers.len(), 3);
        assert_eq!(triggers[0].id, "pricing");
        assert_eq!(triggers[0].agent_name.as_deref(), Some("Ana"));
        assert_eq!(triggers[1].rules.seconds_on_page, Some(30));
        assert_eq!(triggers[2].rules, Rules::default());
    }

    #[test]
    fn the_page_replaces_the_campaigns_triggers() {
        let page = value(r#"{"triggers": [{"id": "page", "message": "From the page"}]}"#);
        let (triggers, _) = read(Some(&value(CAMPAIGN)), page.as_object());
        assert_eq!(triggers.len(), 1);
        assert_eq!(triggers[0].id, "page");
        let off = value(r#"{"triggers": null}"#);
        assert!(read(Some(&value(CAMPAIGN)), off.as_object()).0.is_empty());
    }

    #[test]
    fn test_invalid() {
        let config = value(
            r#"{"triggers": [
                {"message": "no id"},
                {"id": "empty", "message": "  "},
                {"id": "bad", "message": "m", "rules": {"secondsOnPage": "soon"}},
                {"id": "typo", "message": "m", "rules": {"secondOnPage": 3}},
                {"id": "ok", "message": "fine"},
                {"id": "ok", "message": "twice"},
                "not an object"
            ]}"#,
        );
        let (triggers, problems) = read(Some(&config), None);
        assert_eq!(triggers.len(), 1);
        assert_eq!(triggers[0].message, "fine", "the first of two with one id");
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[2].contains("`bad`"), "{}", problems[2]);
        assert!(read(Some(&value(r#"{"triggers": 3}"#)), None).0.is_empty());
        assert!(read(None, None).0.is_empty());
    }

    #[test]
    fn the_first_unseen_trigger_whose_rules_hold_shows() {
        let (triggers, _) = read(Some(&value(CAMPAIGN)), None);
        let zone = SimulatedZone::VIENNA;
        let with_zone = || triggers.iter().map(|t| (t, &zone as &dyn ZoneOffsets));
        let mut seen = Seen::default();
        let on_pricing = inputs(2_000, "https://shop.example/pricing?x=1", None);
        assert_eq!(
            due(with_zone(), &seen, &on_pricing).show.map(|t| &*t.id),
            Some("pricing")
        );
        seen.add("pricing");
        // Elsewhere, and seen: "now" (no rules) shows at once.
        assert_eq!(
            due(with_zone(), &seen, &on_pricing).show.map(|t| &*t.id),
            Some("now")
        );
        seen.add("now");
        // Only "linger" is left: nothing yet, look again when its 30 s are up.
        let early = due(with_zone(), &seen, &on_pricing);
        assert_eq!(early.show, None);
        assert_eq!(early.next_check_ms, Some(31_000));
        let later = inputs(31_000, "https://shop.example/", None);
        assert_eq!(
            due(with_zone(), &seen, &later).show.map(|t| &*t.id),
            Some("linger")
        );
        seen.add("linger");
        assert_eq!(due(with_zone(), &seen, &later).show, None);
    }

    #[test]
    fn agent_rules_wait_for_the_campaign() {
        let config = value(
            r#"{"triggers": [{"id": "a", "message": "m", "rules": {"agentAvailable": true}}]}"#,
        );
        let (triggers, _) = read(Some(&config), None);
        let zone = SimulatedZone::VIENNA;
        let with_zone = || triggers.iter().map(|t| (t, &zone as &dyn ZoneOffsets));
        let seen = Seen::default();
        let away = AgentStatus {
            online: true,
            available: false,
        };
        let here = AgentStatus {
            online: true,
            available: true,
        };
        assert_eq!(due(with_zone(), &seen, &inputs(5, "/", None)).show, None);
        assert_eq!(
            due(with_zone(), &seen, &inputs(5, "/", Some(away))).show,
            None
        );
        assert!(due(with_zone(), &seen, &inputs(5, "/", Some(here)))
            .show
            .is_some());
    }

    #[test]
    fn test_serialise() {
        let mut seen = Seen::decode("");
        seen.add("a");
        seen.add("b");
        seen.add("a");
        seen.add("c\nd");
        assert_eq!(seen.encode(), "a\nb\nc");
        assert_eq!(Seen::decode(&seen.encode()), seen);
        assert!(Seen::decode("\n\nx\n").contains("x"));
    }
}
