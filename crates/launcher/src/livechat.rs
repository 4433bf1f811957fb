//! The campaign's livechat configuration as the launcher needs it: the page's `livechat` option
//! checked at `init` ([`check`]: known keys, values of the right JSON types, so a typo rejects
//! `init` at once rather than when the chat loads), and the offline look ([`OfflineLook`]: the
//! colour and title launcher and frame take while nobody is available).
//!
//! What it does not: read the configuration's meaning. The chat stage reads every key with the
//! protocol crate's serde types (`webchat_protocol::widget_config`, whose key list and types
//! this table follows; a test of the chat stage's keeps the key lists equal) and puts the page's keys over the
//! campaign's itself. The launcher carries the option to it as JSON text through the handoff.

use crate::json::{self, Map, Value};

/// The `livechat` option: keys of the campaign's `webchat` configuration.
pub type Livechat = Map<String, Value>;

/// What a key's value must be.
#[derive(Clone, Copy)]
enum Kind {
    /// A boolean (or `null`).
    Flag,
    /// A string (or `null`).
    Text,
    /// An array of `{ id, name?, available? }` (or `null`).
    Departments,
    /// An array of `{ id, message, rules?, agentName? }` (or `null`).
    Triggers,
}

/// Every key of the configuration, with its type.
const KEYS: [(&str, Kind); 17] = [
    ("registrationForm", Kind::Flag),
    ("nameFieldRegistrationForm", Kind::Flag),
    ("emailFieldRegistrationForm", Kind::Flag),
    ("messageFieldRegistrationForm", Kind::Flag),
    ("departments", Kind::Departments),
    ("allowSwitchingDepartments", Kind::Flag),
    ("offlineColor", Kind::Text),
    ("offlineTitle", Kind::Text),
    ("offlineMessage", Kind::Text),
    ("offlineUnavailableMessage", Kind::Text),
    ("displayOfflineForm", Kind::Flag),
    ("offlineSuccessMessage", Kind::Text),
    ("triggers", Kind::Triggers),
    ("conversationFinishedMessage", Kind::Text),
    ("transcript", Kind::Flag),
    ("transcriptMessage", Kind::Text),
    ("sound", Kind::Flag),
];

/// The names of every key, in the configuration's order.
pub fn keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|(k, _)| *k)
}

/// Reads the option's JSON text: `None` when blank, else an object of known keys with values
/// of the right types. `Err` says what is wrong (`not JSON`, `not an object`, the key).
pub fn parse(text: &str) -> Result<Option<Livechat>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let Some(value) = json::parse(text) else {
        return Err("not JSON".into());
    };
    let Value::Object(keys) = value else {
        return Err("not an object".into());
    };
    check(&keys)?;
    Ok(Some(keys))
}

/// Checks every key of `over` against the table.
pub fn check(over: &Livechat) -> Result<(), String> {
    for (key, value) in over {
        let Some((_, kind)) = KEYS.iter().find(|(k, _)| k == key) else {
            return Err(["unknown key \"", key, "\""].concat());
        };
        let bad = |expected: &str, v: &Value| {
            [
                key,
                ": invalid type: ",
                json::kind(v),
                ", expected ",
                expected,
            ]
            .concat()
        };
        match (kind, value) {
            (_, Value::Null) | (Kind::Flag, Value::Bool(_)) | (Kind::Text, Value::String(_)) => {}
            (Kind::Flag, v) => return Err(bad("a boolean", v)),
            (Kind::Text, v) => return Err(bad("a string", v)),
            (Kind::Departments | Kind::Triggers, Value::Array(items)) => {
                for item in items {
                    entry(*kind, item).map_err(|why| [key, ": ", &why].concat())?;
                }
            }
            (_, v) => return Err(bad("an array", v)),
        }
    }
    Ok(())
}

/// An optional field of an entry and the check of its value.
type Field = (&'static str, fn(&Value) -> bool);

/// One department or trigger.
fn entry(kind: Kind, item: &Value) -> Result<(), String> {
    let Value::Object(fields) = item else {
        return Err(["invalid type: ", json::kind(item), ", expected an object"].concat());
    };
    let (required, optional): (&[&str], &[Field]) = match kind {
        Kind::Departments => (
            &["id"],
            &[("name", Value::is_string), ("available", Value::is_boolean)],
        ),
        _ => (
            &["id", "message"],
            &[("agentName", Value::is_string), ("rules", is_rules)],
        ),
    };
    for field in required {
        if !fields.get(*field).is_some_and(Value::is_string) {
            return Err(["`", field, "` must be a string"].concat());
        }
    }
    for (field, fits) in optional {
        match fields.get(*field) {
            None | Some(Value::Null) => {}
            Some(v) if fits(v) => {}
            Some(v) => return Err(["`", field, "`: invalid type: ", json::kind(v)].concat()),
        }
    }
    Ok(())
}

/// A trigger's rules: an object, or `[]` (PHP's empty object).
fn is_rules(v: &Value) -> bool {
    v.is_object() || v.as_array().is_some_and(Vec::is_empty)
}

/// How launcher and window look while nobody is available: the configuration's `offlineColor`,
/// `offlineTitle` and `displayOfflineForm`, the page's keys over the campaign's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfflineLook {
    /// `offlineColor`; `None`: the campaign's colour.
    pub color: Option<String>,
    /// `offlineTitle`; `None`: the catalogue's offline title with the offline form, else the
    /// usual title.
    pub title: Option<String>,
    /// `displayOfflineForm`: the window offers a form while offline.
    pub form: bool,
}

impl OfflineLook {
    /// Reads a configuration object (the campaign's `webchat`, or the page's option) leniently:
    /// a value of another type is the default (the chat stage reports it).
    pub fn read(config: Option<&Value>) -> OfflineLook {
        OfflineLook::default().over(config.and_then(Value::as_object))
    }

    /// This look with the keys `page` has put over it (`null` is a key's default).
    pub fn over(self, page: Option<&Livechat>) -> OfflineLook {
        let Some(page) = page else { return self };
        let text = |key: &str, was: Option<String>| match page.get(key) {
            None => was,
            Some(v) => v
                .as_str()
                .filter(|t| !t.trim().is_empty())
                .map(str::to_owned),
        };
        OfflineLook {
            color: text("offlineColor", self.color),
            title: text("offlineTitle", self.title),
            form: match page.get("displayOfflineForm") {
                None => self.form,
                Some(v) => v.as_bool().unwrap_or(false),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_simple() {
        assert_eq!(parse(" "), Ok(None));
        let keys = parse(r#"{"sound": true, "offlineTitle": "Closed", "departments": [{"id": "s", "name": null}]}"#)
            .unwrap()
            .unwrap();
        assert_eq!(keys.len(), 3);
        assert!(parse(
            r#"{"triggers": [{"id": "t", "message": "Hi", "rules": []}], "transcript": null}"#
        )
        .is_ok());
    }

    #[test]
    fn test_invalid() {
        assert_eq!(
            parse(r#"{"sonud": true}"#),
            Err("unknown key \"sonud\"".into())
        );
        assert_eq!(
            parse(r#"{"transcript": "yes"}"#),
            Err("transcript: invalid type: a string, expected a boolean".into())
        );
        assert_eq!(parse("[1]"), Err("not an object".into()));
        assert_eq!(parse("{"), Err("not JSON".into()));
        assert!(parse(r#"{"offlineTitle": 5}"#).is_err());
        assert!(parse(r#"{"departments": "s"}"#).is_err());
        assert!(parse(r#"{"departments": [{"name": "Sales"}]}"#).is_err());
        assert!(parse(r#"{"triggers": [{"id": "t"}]}"#).is_err());
        assert!(parse(r#"{"triggers": [{"id": "t", "message": "m", "rules": 1}]}"#).is_err());
    }

    #[test]
    fn the_page_wins_over_the_campaign_key_by_key() {
        let campaign =
            json::parse(r##"{"offlineColor": "#6b7280", "offlineTitle": "Closed", "displayOfflineForm": true}"##)
                .unwrap();
        let page = parse(r#"{"offlineTitle": null, "displayOfflineForm": false}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            OfflineLook::read(Some(&campaign)).over(Some(&page)),
            OfflineLook {
                color: Some("#6b7280".into()),
                title: None,
                form: false,
            }
        );
        assert_eq!(OfflineLook::read(None).over(None), OfflineLook::default());
        let blank = json::parse(r#"{"offlineColor": " ", "displayOfflineForm": "yes"}"#).unwrap();
        assert_eq!(OfflineLook::read(Some(&blank)), OfflineLook::default());
    }
}
