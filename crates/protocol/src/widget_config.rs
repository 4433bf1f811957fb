//! The campaign's livechat configuration: what a contact centre sets per widget around the
//! chat itself (pre-chat form, departments, offline form, proactive greetings, what follows the
//! chat), served in the `webchat` extension object of `GET campaigns/{id}` (camelCase keys,
//! named after Rocket.Chat Livechat's configuration where a field fits; see `devserver/API.md`).
//!
//! What it does: serde types for those keys ([`WidgetConfig`], [`Department`], [`Trigger`])
//! with the reading the Public API needs: a missing key or `null` is the default, and the
//! default of every key is the widget's behaviour without the feature; unknown keys are ignored;
//! a blank text is no text (the widget then shows its own, in the visitor's language); `[]`
//! (PHP's empty object) is an empty object. It also reads the whole `webchat` object into
//! [`WidgetFeatures`] (its older switch `visibilityOverrides` plus this configuration).
//!
//! What it does not: check a trigger's `rules` against the visibility rules' schema (the widget
//! owns that schema and its checks), choose texts for a language, or decide availability.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::WidgetFeatures;

/// Every configuration key of the `webchat` object. Absent keys are the widget's behaviour
/// without the feature; texts left out (or blank) are the widget's own, in every language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    /// `registrationForm`: a pre-chat form when the visitor opens the window and the page has
    /// tagged no user (`CV.user.tag` skips it).
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub registration_form: bool,
    /// `nameFieldRegistrationForm`: the form asks for a name (required when shown). Default on.
    #[serde(
        default = "on",
        deserialize_with = "on_if_null",
        skip_serializing_if = "is_on"
    )]
    pub name_field_registration_form: bool,
    /// `emailFieldRegistrationForm`: the form asks for an email address (required when shown,
    /// checked as [`crate::forms::valid_email`]). Default on.
    #[serde(
        default = "on",
        deserialize_with = "on_if_null",
        skip_serializing_if = "is_on"
    )]
    pub email_field_registration_form: bool,
    /// `messageFieldRegistrationForm`: the form also has a free-text "How can we help?" field
    /// (optional to fill) whose text becomes the chat's first message. Default off.
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub message_field_registration_form: bool,
    /// `departments`: the choices the visitor routes the chat with (in the form, or alone when
    /// there is no form). Empty: no choice.
    #[serde(
        default,
        deserialize_with = "empty_if_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub departments: Vec<Department>,
    /// `allowSwitchingDepartments`: the visitor may change the department until the first
    /// message is sent. Default off: the choice made first stays.
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub allow_switching_departments: bool,
    /// `offlineColor`: launcher and header colour while no agent is available (a CSS colour).
    /// Default: the campaign's `color`.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_color: Option<String>,
    /// `offlineTitle`: the header's title while no agent is available.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_title: Option<String>,
    /// `offlineMessage`: the text above the offline form.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_message: Option<String>,
    /// `offlineUnavailableMessage`: what the window says while no agent is available and there
    /// is no offline form.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_unavailable_message: Option<String>,
    /// `displayOfflineForm`: while no agent is available the visitor can leave name, email and
    /// a message (`POST offlinemessages`). Default off.
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub display_offline_form: bool,
    /// `offlineSuccessMessage`: shown once an offline message was accepted.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_success_message: Option<String>,
    /// `triggers`: proactive greetings. Empty: none.
    #[serde(
        default,
        deserialize_with = "empty_if_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub triggers: Vec<Trigger>,
    /// `conversationFinishedMessage`: a system notice when the chat has ended. Default none.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_finished_message: Option<String>,
    /// `transcript`: after the chat, offer its transcript (a download made in the browser, and
    /// "email me a copy", `POST chatsessions/{id}/transcript/email`). Default off.
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub transcript: bool,
    /// `transcriptMessage`: the text offering the transcript.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub transcript_message: Option<String>,
    /// `sound`: a short sound for an agent message while the window is minimised or the tab
    /// is hidden. Default off.
    #[serde(
        default,
        deserialize_with = "off_if_null",
        skip_serializing_if = "is_off"
    )]
    pub sound: bool,
}

impl Default for WidgetConfig {
    /// Every feature off (the form's name and email fields are on, for when the form is).
    fn default() -> WidgetConfig {
        WidgetConfig {
            registration_form: false,
            name_field_registration_form: true,
            email_field_registration_form: true,
            message_field_registration_form: false,
            departments: Vec::new(),
            allow_switching_departments: false,
            offline_color: None,
            offline_title: None,
            offline_message: None,
            offline_unavailable_message: None,
            display_offline_form: false,
            offline_success_message: None,
            triggers: Vec::new(),
            conversation_finished_message: None,
            transcript: false,
            transcript_message: None,
            sound: false,
        }
    }
}

impl WidgetConfig {
    /// The department with this id.
    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    /// The trigger with this id.
    pub fn trigger(&self, id: &str) -> Option<&Trigger> {
        self.triggers.iter().find(|t| t.id == id)
    }

    /// This configuration with the keys of `over` put over it: the same camelCase keys, as a
    /// host page's init options give them (a key left out keeps the campaign's value, `null`
    /// is that key's default). An unknown key or a value of the wrong type is an error that
    /// names it, so a typo in a page's options is reported rather than ignored.
    pub fn overlaid(&self, over: &Map<String, Value>) -> Result<WidgetConfig, OverlayError> {
        if let Some(key) = over.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(OverlayError::UnknownKey(key.clone()));
        }
        for (key, value) in over {
            let mut one = Map::new();
            one.insert(key.clone(), value.clone());
            // Owned trees and text, as every other read and write: each type's serde code is
            // compiled once into the wasm.
            serde_json::from_value::<WidgetConfig>(Value::Object(one)).map_err(|e| {
                OverlayError::BadValue {
                    key: key.clone(),
                    why: e.to_string(),
                }
            })?;
        }
        let mut merged = match crate::api::from_json(&crate::api::to_json(self)) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
        serde_json::from_value(Value::Object(merged)).map_err(|e| OverlayError::BadValue {
            key: String::new(),
            why: e.to_string(),
        })
    }
}

/// Every key of [`WidgetConfig`], as the `webchat` object and a page's options spell them.
pub const KEYS: [&str; 17] = [
    "registrationForm",
    "nameFieldRegistrationForm",
    "emailFieldRegistrationForm",
    "messageFieldRegistrationForm",
    "departments",
    "allowSwitchingDepartments",
    "offlineColor",
    "offlineTitle",
    "offlineMessage",
    "offlineUnavailableMessage",
    "displayOfflineForm",
    "offlineSuccessMessage",
    "triggers",
    "conversationFinishedMessage",
    "transcript",
    "transcriptMessage",
    "sound",
];

/// Why [`WidgetConfig::overlaid`] refused a page's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayError {
    /// Not a key of the configuration.
    UnknownKey(String),
    /// A value of the wrong type (`why` is serde's description).
    BadValue { key: String, why: String },
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverlayError::UnknownKey(k) => write!(f, "unknown key {k:?}"),
            OverlayError::BadValue { key, why } if key.is_empty() => f.write_str(why),
            OverlayError::BadValue { key, why } => write!(f, "{key}: {why}"),
        }
    }
}

impl std::error::Error for OverlayError {}

/// One entry of `departments`: a group of agents a visitor can route the chat to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// What `POST chatsessions` and `POST offlinemessages` send as `department`, and what
    /// agents sign in with.
    pub id: String,
    /// What the visitor reads. Blank: the widget shows the id.
    #[serde(default, deserialize_with = "empty_if_null")]
    pub name: String,
    /// Reply only, live: whether an agent of this department can take a chat now. Absent in a
    /// configuration and from a backend that does not tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}

/// One proactive greeting: when its rules hold, a bubble next to the launcher shows `message`
/// (with `agentName`), once per visitor, never over an open chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    /// Stable id: the widget remembers per id that the visitor saw it, and `POST chatsessions`
    /// names it as `greeting_trigger` when the visitor opened the chat from it.
    pub id: String,
    /// When it shows: the visibility rules' schema (`secondsOnPage`, `visitNumber`, `pages`,
    /// `agentAvailable`, `agentOnline`, `openingHours`; all must hold). Empty: at once.
    #[serde(
        default,
        deserialize_with = "object",
        skip_serializing_if = "Map::is_empty"
    )]
    pub rules: Map<String, Value>,
    /// The greeting, shown in the bubble and as the agent's first message. Plain text.
    pub message: String,
    /// The name shown with the greeting. Absent: none (the bubble speaks for the campaign).
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_name: Option<String>,
}

fn on() -> bool {
    true
}

// `skip_serializing_if` hands over a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_on(b: &bool) -> bool {
    *b
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_off(b: &bool) -> bool {
    !*b
}

fn off_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

fn on_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

fn empty_if_null<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A text, where `null` and blank (a cleared field in a manager's form) are none.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|t| !t.trim().is_empty()))
}

/// An object, where `null` and `[]` (PHP's empty object) are empty.
fn object<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        Value::Array(a) if a.is_empty() => Ok(Map::new()),
        _ => Err(de::Error::custom("trigger rules are not an object")),
    }
}

/// The `webchat` object: `visibilityOverrides` and every key of [`WidgetConfig`] side by side.
/// Written by hand because `[]` must read as an empty object, which serde's flattening does not
/// allow.
impl<'de> Deserialize<'de> for WidgetFeatures {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FeaturesVisitor)
    }
}

struct FeaturesVisitor;

impl<'de> Visitor<'de> for FeaturesVisitor {
    type Value = WidgetFeatures;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the campaign's webchat object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(WidgetFeatures::default()),
            Some(_) => Err(de::Error::invalid_length(1, &self)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut visibility_overrides = false;
        let mut rest = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "visibilityOverrides" {
                visibility_overrides = map.next_value::<Option<bool>>()?.unwrap_or(false);
            } else {
                rest.insert(key, map.next_value::<Value>()?);
            }
        }
        let all = Value::Object(rest);
        // From an owned tree, as every other read: WidgetConfig's reader is compiled once.
        let config = serde_json::from_value::<WidgetConfig>(all.clone()).map_err(|e| {
            // serde's message says what was wrong, not where: find the key that fails alone.
            let alone = |k: &String, v: &Value| {
                let mut one = Map::new();
                one.insert(k.clone(), v.clone());
                serde_json::from_value::<WidgetConfig>(Value::Object(one)).is_err()
            };
            match all
                .as_object()
                .and_then(|m| m.iter().find(|(k, v)| alone(k, v)))
            {
                Some((key, _)) => de::Error::custom(format_args!("webchat.{key}: {e}")),
                None => de::Error::custom(e),
            }
        })?;
        Ok(WidgetFeatures {
            visibility_overrides,
            config,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every key on, as `devserver/API.md` and the README's example campaign show them.
    fn everything() -> Value {
        json!({
            "visibilityOverrides": true,
            "registrationForm": true,
            "nameFieldRegistrationForm": true,
            "emailFieldRegistrationForm": false,
            "messageFieldRegistrationForm": true,
            "departments": [{"id": "sales", "name": "Sales"}, {"id": "support", "name": null}],
            "allowSwitchingDepartments": true,
            "offlineColor": "#6b7280",
            "offlineTitle": "Leave us a message",
            "offlineMessage": "We are away. Leave a message and we answer by email.",
            "offlineUnavailableMessage": "Nobody is here right now.",
            "displayOfflineForm": true,
            "offlineSuccessMessage": "Thanks! We will write back soon.",
            "triggers": [{"id": "welcome", "rules": {"secondsOnPage": 10},
                          "message": "Hi! Can I help?", "agentName": "Maria"}],
            "conversationFinishedMessage": "Thanks for chatting with us.",
            "transcript": true,
            "transcriptMessage": "Would you like a copy of this chat?",
            "sound": true,
            "somethingLater": {"a": 1}
        })
    }

    #[test]
    fn test_simple() {
        let f: WidgetFeatures = serde_json::from_value(everything()).unwrap();
        assert!(f.visibility_overrides);
        let c = &f.config;
        assert!(c.registration_form && c.name_field_registration_form);
        assert!(!c.email_field_registration_form && c.message_field_registration_form);
        assert_eq!(c.departments.len(), 2);
        assert_eq!(c.department("sales").unwrap().name, "Sales");
        assert_eq!(c.department("support").unwrap().name, "", "null name");
        assert_eq!(c.department("support").unwrap().available, None);
        assert!(c.allow_switching_departments && c.display_offline_form);
        assert_eq!(c.offline_color.as_deref(), Some("#6b7280"));
        assert_eq!(c.offline_title.as_deref(), Some("Leave us a message"));
        assert!(c.offline_message.is_some() && c.offline_unavailable_message.is_some());
        assert!(c.offline_success_message.is_some());
        let t = c.trigger("welcome").unwrap();
        assert_eq!(t.rules["secondsOnPage"], 10);
        assert_eq!(t.message, "Hi! Can I help?");
        assert_eq!(t.agent_name.as_deref(), Some("Maria"));
        assert!(c.conversation_finished_message.is_some());
        assert!(c.transcript && c.sound);
        assert!(c.transcript_message.is_some());
    }

    #[test]
    fn test_overlay_replaces_only_the_keys_given() {
        let base = serde_json::from_value::<WidgetFeatures>(everything())
            .unwrap()
            .config;
        let over = json!({"registrationForm": false, "offlineTitle": "Closed", "triggers": null});
        let c = base.overlaid(over.as_object().unwrap()).unwrap();
        assert!(!c.registration_form);
        assert_eq!(c.offline_title.as_deref(), Some("Closed"));
        assert!(c.triggers.is_empty(), "null is the key's default");
        assert_eq!(c.departments, base.departments, "a key left out is kept");
        assert!(c.sound && c.transcript);
        assert_eq!(base.overlaid(&Map::new()).unwrap(), base);
        // On the defaults: a page turns features on for a campaign that knows none.
        let on = WidgetConfig::default()
            .overlaid(json!({"sound": true}).as_object().unwrap())
            .unwrap();
        assert!(on.sound && !on.registration_form && on.name_field_registration_form);
    }

    #[test]
    fn test_overlay_names_what_it_refuses() {
        let c = WidgetConfig::default();
        let err = c
            .overlaid(json!({"registrationFrom": true}).as_object().unwrap())
            .unwrap_err();
        assert_eq!(err, OverlayError::UnknownKey("registrationFrom".into()));
        assert_eq!(err.to_string(), "unknown key \"registrationFrom\"");
        let err = c
            .overlaid(json!({"sound": "loud"}).as_object().unwrap())
            .unwrap_err();
        assert!(
            matches!(&err, OverlayError::BadValue { key, .. } if key == "sound"),
            "{err}"
        );
        assert!(err.to_string().starts_with("sound: invalid type"), "{err}");
    }

    #[test]
    fn test_keys_are_every_serialised_key() {
        let full = serde_json::from_value::<WidgetFeatures>(everything())
            .unwrap()
            .config;
        let full = WidgetConfig {
            email_field_registration_form: true,
            name_field_registration_form: false,
            ..full
        };
        let mut written: Vec<String> = match serde_json::to_value(&full).unwrap() {
            Value::Object(m) => m.keys().cloned().collect(),
            _ => unreachable!("an object"),
        };
        // The two keys on by default are written only when off.
        written.push("emailFieldRegistrationForm".into());
        written.sort();
        let mut keys: Vec<String> = KEYS.iter().map(|k| (*k).to_owned()).collect();
        keys.sort();
        assert_eq!(written, keys);
    }

    #[test]
    fn test_defaults_are_the_widget_without_the_features() {
        for body in [json!({}), json!([]), json!({"visibilityOverrides": null})] {
            let f: WidgetFeatures = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(f, WidgetFeatures::default(), "{body}");
            assert!(f.is_off());
        }
        let c = WidgetConfig::default();
        assert!(!c.registration_form && !c.message_field_registration_form);
        assert!(!c.display_offline_form && !c.transcript && !c.sound);
        assert!(c.departments.is_empty() && c.triggers.is_empty());
        // Fields default to shown once the form is on (as Rocket.Chat's do).
        let f: WidgetFeatures = serde_json::from_value(json!({"registrationForm": true})).unwrap();
        assert!(f.config.name_field_registration_form && f.config.email_field_registration_form);
    }

    #[test]
    fn test_nulls_blanks_and_php_shapes() {
        let body = json!({
            "registrationForm": null, "nameFieldRegistrationForm": null,
            "departments": null, "triggers": null, "offlineTitle": "  ",
            "transcriptMessage": "", "conversationFinishedMessage": null,
            "offlineColor": null
        });
        let f: WidgetFeatures = serde_json::from_value(body).unwrap();
        assert_eq!(f, WidgetFeatures::default());
        let t: Trigger =
            serde_json::from_value(json!({"id": "t", "rules": [], "message": "Hi"})).unwrap();
        assert!(t.rules.is_empty());
        let t: Trigger = serde_json::from_value(json!({"id": "t", "message": "Hi"})).unwrap();
        assert!(t.rules.is_empty(), "no rules: at once");
    }

    #[test]
    fn test_serialise() {
        // Off: no key at all (and a campaign leaves out a `webchat` that is all off).
        assert_eq!(
            serde_json::to_value(WidgetConfig::default()).unwrap(),
            json!({})
        );
        let f: WidgetFeatures = serde_json::from_value(everything()).unwrap();
        let written = serde_json::to_value(&f).unwrap();
        let mut expected = everything();
        let o = expected.as_object_mut().unwrap();
        o.remove("somethingLater");
        // Defaults are left out; a null name is written as its default.
        o.remove("nameFieldRegistrationForm");
        o["departments"][1]["name"] = json!("");
        assert_eq!(written, expected);
        let back: WidgetFeatures = serde_json::from_value(written).unwrap();
        assert_eq!(back, f);
        // A department's live availability is written when the backend knows it.
        let d = Department {
            id: "sales".into(),
            name: "Sales".into(),
            available: Some(false),
        };
        assert_eq!(
            serde_json::to_value(d).unwrap(),
            json!({"id": "sales", "name": "Sales", "available": false})
        );
    }

    #[test]
    fn test_invalid() {
        for body in [
            json!([1]),
            json!("yes"),
            json!(5),
            json!({"registrationForm": "yes"}),
            json!({"visibilityOverrides": 1}),
            json!({"departments": {"id": "sales"}}),
            json!({"departments": [{"name": "no id"}]}),
            json!({"triggers": [{"id": "t"}]}),
            json!({"triggers": [{"id": "t", "message": "Hi", "rules": 5}]}),
            json!({"triggers": [{"id": "t", "message": "Hi", "rules": [1]}]}),
            json!({"offlineTitle": 5}),
        ] {
            assert!(
                serde_json::from_value::<WidgetFeatures>(body.clone()).is_err(),
                "{body}"
            );
        }
        let e = serde_json::from_value::<WidgetFeatures>(json!({"sound": true, "offlineTitle": 5}))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("webchat.offlineTitle: invalid type"), "{e}");
    }
}
