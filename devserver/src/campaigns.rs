//! Campaign definitions: the built-in defaults and the `--campaigns FILE` JSON format.
//!
//! What it does: describes what a manager configured for each campaign (name, active flag,
//! color, language, co-browsing and survey plugins, and how availability is decided), loads and
//! validates a config file, and provides defaults that cover every shape the Public API documents.
//! What it does not: compute live availability (that follows the agent registry, see
//! `agents.rs`) or serve HTTP.
//!
//! File format (JSON): `{"campaigns": [ {"id": "...", "name": "...", "active": true,
//! "color": "#0a6018", "language": "en", "availability_mode": "agents", "cobrowsing": {...},
//! "survey": {...}, "webchat": {"visibilityOverrides": true}, "identity_secret": "..."} ]}`
//! where `cobrowsing`, `survey` and `webchat` (the widget's features beyond the Public API and
//! the livechat configuration, `webchat_protocol::widget_config`) are exactly the objects of
//! `GET campaigns/{id}`, `availability_mode` is `agents` (default), `always` or `never`, and the
//! optional `identity_secret` is the key signed users are checked with. Department and trigger
//! ids must be unique within a campaign.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;
use webchat_protocol::api::{Cobrowsing, Survey, SurveyOption, WidgetFeatures};
use webchat_protocol::forms::MAX_ID_CHARS;
use webchat_protocol::widget_config::{Department, Trigger, WidgetConfig};

/// How a campaign's availability is decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AvailabilityMode {
    /// Available when an agent serving it is signed in, available and has a free slot.
    #[default]
    Agents,
    /// Always available (demos without an agent, tests); a placeholder agent is assigned when
    /// nobody is signed in.
    Always,
    /// Never available: every `POST chatsessions` gets 409 `No Availability`.
    Never,
}

/// One campaign as a manager configured it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDef {
    pub id: String,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub availability_mode: AvailabilityMode,
    #[serde(default)]
    pub cobrowsing: Cobrowsing,
    #[serde(default)]
    pub survey: Survey,
    /// The key the customer's server signs its users with (see `identity.rs`). Without one the
    /// campaign serves no cross-browser history and routes nobody to an assigned agent. Never
    /// served or logged.
    #[serde(default, skip_serializing)]
    pub identity_secret: Option<String>,
    /// The widget's features beyond the Public API (`visibilityOverrides`: the per-visitor read of
    /// the operator's overrides) and the livechat configuration. Absent: all off.
    #[serde(default)]
    pub webchat: WidgetFeatures,
}

fn yes() -> bool {
    true
}

/// The top level of a `--campaigns` file.
#[derive(Debug, Deserialize)]
struct CampaignFile {
    campaigns: Vec<CampaignDef>,
}

/// Why a campaign file was refused.
#[derive(Debug)]
pub enum CampaignError {
    Read(std::io::Error),
    Json(serde_json::Error),
    Empty,
    EmptyId,
    DuplicateId(String),
    /// A department of `campaign` is unusable (`why` says how).
    BadDepartment {
        campaign: String,
        why: &'static str,
    },
    /// A trigger of `campaign` is unusable (`why` says how).
    BadTrigger {
        campaign: String,
        why: &'static str,
    },
}

impl fmt::Display for CampaignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CampaignError::Read(e) => write!(f, "cannot read the campaigns file: {e}"),
            CampaignError::Json(e) => write!(f, "the campaigns file is not valid: {e}"),
            CampaignError::Empty => f.write_str("the campaigns file defines no campaign"),
            CampaignError::EmptyId => f.write_str("a campaign has an empty id"),
            CampaignError::DuplicateId(id) => write!(f, "campaign id {id:?} is defined twice"),
            CampaignError::BadDepartment { campaign, why } => {
                write!(f, "campaign {campaign:?}: webchat.departments: {why}")
            }
            CampaignError::BadTrigger { campaign, why } => {
                write!(f, "campaign {campaign:?}: webchat.triggers: {why}")
            }
        }
    }
}

impl std::error::Error for CampaignError {}

/// Reads and validates a campaigns file.
pub fn load(path: &Path) -> Result<Vec<CampaignDef>, CampaignError> {
    let text = std::fs::read_to_string(path).map_err(CampaignError::Read)?;
    parse(&text)
}

/// Parses and validates the text of a campaigns file.
pub fn parse(text: &str) -> Result<Vec<CampaignDef>, CampaignError> {
    let file: CampaignFile = serde_json::from_str(text).map_err(CampaignError::Json)?;
    validate(&file.campaigns)?;
    Ok(file.campaigns)
}

fn validate(campaigns: &[CampaignDef]) -> Result<(), CampaignError> {
    if campaigns.is_empty() {
        return Err(CampaignError::Empty);
    }
    let mut seen = HashSet::new();
    for c in campaigns {
        if c.id.trim().is_empty() {
            return Err(CampaignError::EmptyId);
        }
        if !seen.insert(c.id.as_str()) {
            return Err(CampaignError::DuplicateId(c.id.clone()));
        }
        validate_config(&c.id, &c.webchat.config)?;
    }
    Ok(())
}

/// A usable id: what agents sign in with and the widget sends back.
fn usable_id(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().count() <= MAX_ID_CHARS && !id.chars().any(char::is_control)
}

fn validate_config(campaign: &str, config: &WidgetConfig) -> Result<(), CampaignError> {
    let department = |why| CampaignError::BadDepartment {
        campaign: campaign.to_owned(),
        why,
    };
    let trigger = |why| CampaignError::BadTrigger {
        campaign: campaign.to_owned(),
        why,
    };
    let mut ids = HashSet::new();
    for d in &config.departments {
        if !usable_id(&d.id) {
            return Err(department(
                "an id is blank, longer than 64 characters or has a control character",
            ));
        }
        if !ids.insert(d.id.as_str()) {
            return Err(department("an id is used twice"));
        }
        if d.available.is_some() {
            return Err(department(
                "`available` is computed from the signed-in agents, not configured",
            ));
        }
    }
    let mut ids = HashSet::new();
    for t in &config.triggers {
        if !usable_id(&t.id) {
            return Err(trigger(
                "an id is blank, longer than 64 characters or has a control character",
            ));
        }
        if !ids.insert(t.id.as_str()) {
            return Err(trigger("an id is used twice"));
        }
        if t.message.trim().is_empty() {
            return Err(trigger("a message is blank"));
        }
    }
    Ok(())
}

/// Id of the default English campaign (the seed's first campaign id).
pub const ENGLISH: &str = "Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX";
/// Id of the default inactive campaign (the seed's second campaign id).
pub const INACTIVE: &str = "UqJEeQ1w3VyhauoHuwsygIJrCaKzFRKCi";
/// Id of the default campaign that never has availability.
pub const NO_AVAILABILITY: &str = "campaign-no-availability";
/// Id of the default German campaign (thumbs survey, never-saved co-browsing).
pub const GERMAN: &str = "campaign-de-thumbs";
/// Id of the default campaign without a survey.
pub const NO_SURVEY: &str = "campaign-no-survey";
/// Id of the default Arabic (right-to-left) campaign.
pub const ARABIC: &str = "campaign-ar-rtl";
/// Id of the default campaign in the visitor's browser language (`auto`), every text from the
/// widget's catalogue.
pub const AUTO_LANGUAGE: &str = "campaign-auto-language";
/// Id of the default campaign with every livechat feature on (the README's example campaign).
pub const ALL_FEATURES: &str = "campaign-all-features";

fn option(value: &str, label: &str) -> SurveyOption {
    SurveyOption {
        value: value.to_owned(),
        label: label.to_owned(),
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn department(id: &str, name: &str) -> Department {
    Department {
        id: id.to_owned(),
        name: name.to_owned(),
        available: None,
    }
}

fn trigger(id: &str, rules: serde_json::Value, message: &str, agent: Option<&str>) -> Trigger {
    Trigger {
        id: id.to_owned(),
        rules: match rules {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        },
        message: message.to_owned(),
        agent_name: agent.map(str::to_owned),
    }
}

/// The demo campaign's configuration: everything that does not stand between a visitor and
/// the first message (no pre-chat form, no departments), so tests that start chats on it walk
/// the same path with or without it.
fn english_config() -> WidgetConfig {
    WidgetConfig {
        offline_color: text("#6b7280"),
        offline_title: text("Leave us a message"),
        offline_message: text("Our baristas are away. Leave your question and we answer by email."),
        offline_unavailable_message: text(
            "Our baristas are away right now. Please come back later.",
        ),
        display_offline_form: true,
        offline_success_message: text("Thanks! We answer by email within one working day."),
        triggers: vec![trigger(
            "returning-visitor",
            json!({"visitNumber": 3, "secondsOnPage": 30, "agentAvailable": true}),
            "Welcome back! Questions about your last order?",
            None,
        )],
        conversation_finished_message: text("Thanks for chatting with Northwind Coffee."),
        transcript: true,
        transcript_message: text("Would you like a copy of this chat?"),
        ..WidgetConfig::default()
    }
}

/// Every key of the configuration on (the README's example campaign).
fn all_features_config() -> WidgetConfig {
    WidgetConfig {
        registration_form: true,
        name_field_registration_form: true,
        email_field_registration_form: true,
        message_field_registration_form: true,
        departments: vec![
            department("orders", "Orders and delivery"),
            department("brewing", "Brewing advice"),
            department("wholesale", "Wholesale"),
        ],
        allow_switching_departments: true,
        sound: true,
        triggers: vec![
            trigger(
                "welcome",
                json!({"secondsOnPage": 8, "agentAvailable": true}),
                "Hi! Looking for the right beans? I am happy to help.",
                Some("Maria"),
            ),
            trigger(
                "checkout-help",
                json!({"pages": {"include": ["*checkout*"]}, "agentAvailable": true}),
                "Questions before you pay? Ask me.",
                Some("Maria"),
            ),
        ],
        ..english_config()
    }
}

/// A campaign answered by agents, with everything else off: what each built-in one starts from.
fn plain(id: &str, name: &str, color: &str, language: &str) -> CampaignDef {
    CampaignDef {
        id: id.into(),
        name: name.into(),
        active: true,
        color: text(color),
        language: text(language),
        availability_mode: AvailabilityMode::Agents,
        // Never saved by a manager: inactive with null texts.
        cobrowsing: Cobrowsing::default(),
        survey: Survey::default(),
        identity_secret: None,
        webchat: WidgetFeatures::default(),
    }
}

/// The three-option survey with a comment and thanks, in English (`comment`, `thanks`: its texts).
fn english_survey(comment: &str, thanks: &str) -> Survey {
    Survey {
        active: true,
        survey_question: text("How would you rate our service?"),
        survey_options: vec![
            option("good", "Good"),
            option("moderate", "Might be better"),
            option("bad", "Bad"),
        ],
        survey_comment_enable: true,
        survey_comment: text(comment),
        survey_thanks_enable: true,
        survey_thanks: text(thanks),
    }
}

/// Co-browsing switched on, asked with `question` and answered with `yes` / `no`.
fn cobrowsing(question: &str, yes: &str, no: &str) -> Cobrowsing {
    Cobrowsing {
        active: true,
        cbr_text: text(question),
        accept_text: text(yes),
        deny_text: text(no),
    }
}

/// The built-in campaigns: one per shape the Public API documents. The English one (the
/// demo's) also reads the operator's visibility overrides and has the livechat configuration
/// that leaves the start of a chat as it is; [`ALL_FEATURES`] has every feature on.
pub fn defaults() -> Vec<CampaignDef> {
    vec![
        CampaignDef {
            cobrowsing: cobrowsing("Screen sharing?", "Yes", "No"),
            survey: english_survey(
                "Help us out to improve our service with your comments",
                "Thanks for your time and comments",
            ),
            webchat: WidgetFeatures {
                visibility_overrides: true,
                config: english_config(),
            },
            ..plain(ENGLISH, "First Chat Campaign", "#0a6018", "en")
        },
        CampaignDef {
            active: false,
            ..plain(INACTIVE, "Second Chat Campaign", "#5b2c83", "en")
        },
        CampaignDef {
            availability_mode: AvailabilityMode::Never,
            ..plain(NO_AVAILABILITY, "After-hours Campaign", "#9a3412", "en")
        },
        CampaignDef {
            survey: Survey {
                active: true,
                survey_question: text("Wie bewerten Sie unseren Service?"),
                survey_options: vec![option("good", "Gut"), option("bad", "Schlecht")],
                survey_comment_enable: false,
                survey_comment: None,
                survey_thanks_enable: true,
                survey_thanks: text("Vielen Dank!"),
            },
            ..plain(GERMAN, "Kundenservice", "#1d4ed8", "de")
        },
        // Never saved: `survey_options: []`, texts null, everything off.
        plain(NO_SURVEY, "Support without survey", "#0f766e", "en"),
        CampaignDef {
            cobrowsing: cobrowsing("مشاركة الشاشة؟", "نعم", "لا"),
            survey: Survey {
                active: true,
                survey_question: text("كيف تقيم خدمتنا؟"),
                survey_options: vec![
                    option("good", "جيد"),
                    option("moderate", "مقبول"),
                    option("bad", "سيئ"),
                ],
                survey_comment_enable: true,
                survey_comment: text("ساعدنا على التحسين بتعليقك"),
                survey_thanks_enable: true,
                survey_thanks: text("شكرا لوقتك"),
            },
            ..plain(ARABIC, "خدمة العملاء", "#7c2d12", "ar")
        },
        CampaignDef {
            // Saved with the smileys but no texts: the widget shows its own, in the language.
            survey: Survey {
                active: true,
                survey_question: None,
                survey_options: vec![
                    option("good", ""),
                    option("moderate", ""),
                    option("bad", ""),
                ],
                survey_comment_enable: true,
                survey_comment: None,
                survey_thanks_enable: true,
                survey_thanks: None,
            },
            ..plain(AUTO_LANGUAGE, "Global support", "#4338ca", "auto")
        },
        CampaignDef {
            cobrowsing: cobrowsing("May we look at your screen with you?", "Yes", "No"),
            survey: english_survey("Tell us more (optional)", "Thanks for your feedback!"),
            webchat: WidgetFeatures {
                visibility_overrides: true,
                config: all_features_config(),
            },
            ..plain(
                ALL_FEATURES,
                "Northwind Coffee, every feature",
                "#0a6018",
                "en",
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_cover_the_seed_shapes() {
        let d = defaults();
        validate(&d).unwrap();
        assert!(d.iter().any(|c| !c.active));
        assert!(d
            .iter()
            .any(|c| c.availability_mode == AvailabilityMode::Never));
        let de = d.iter().find(|c| c.id == GERMAN).unwrap();
        assert_eq!(de.survey.survey_options.len(), 2);
        assert!(!de.survey.survey_comment_enable);
        assert_eq!(de.cobrowsing.cbr_text, None);
        let none = d.iter().find(|c| c.id == NO_SURVEY).unwrap();
        assert!(none.survey.survey_options.is_empty());
        let overrides: Vec<_> = d
            .iter()
            .filter(|c| c.webchat.visibility_overrides)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(overrides, [ENGLISH, ALL_FEATURES]);
        let all = &d
            .iter()
            .find(|c| c.id == ALL_FEATURES)
            .unwrap()
            .webchat
            .config;
        assert!(all.registration_form && all.display_offline_form && all.transcript);
        assert_eq!(all.departments.len(), 3);
        // The demo campaign keeps the start of a chat as it was: no form, no departments.
        let en = &d.iter().find(|c| c.id == ENGLISH).unwrap().webchat.config;
        assert!(!en.registration_form && en.departments.is_empty());
        assert!(en.display_offline_form && en.transcript);
        let others = d.iter().filter(|c| c.id != ENGLISH && c.id != ALL_FEATURES);
        assert!(others.map(|c| &c.webchat).all(WidgetFeatures::is_off));
    }

    /// The README's example campaign (the block after `<!-- example-campaign -->`) is the
    /// built-in one, so what the README shows is what devserver serves.
    #[test]
    fn the_readme_example_is_the_all_features_campaign() {
        let readme = include_str!("../../README.md");
        let (_, after) = readme
            .split_once("<!-- example-campaign -->")
            .expect("the README marks its example campaign");
        let block = after
            .split_once("```json")
            .and_then(|(_, b)| b.split_once("```"))
            .map(|(b, _)| b)
            .expect("a json block follows the marker");
        let file = parse(&format!(r#"{{"campaigns": [{block}]}}"#)).expect("the example parses");
        let builtin = defaults().into_iter().find(|c| c.id == ALL_FEATURES);
        assert_eq!(file.into_iter().next(), builtin);
    }

    #[test]
    fn rejects_unusable_departments_and_triggers() {
        let file = |webchat: &str| {
            parse(&format!(
                r#"{{"campaigns":[{{"id":"a","name":"A","webchat":{webchat}}}]}}"#
            ))
        };
        assert!(file(r#"{"departments":[{"id":"s"},{"id":"t","name":"T"}]}"#).is_ok());
        for bad in [
            r#"{"departments":[{"id":" "}]}"#,
            r#"{"departments":[{"id":"s"},{"id":"s"}]}"#,
            r#"{"departments":[{"id":"s","available":true}]}"#,
        ] {
            assert!(
                matches!(file(bad), Err(CampaignError::BadDepartment { .. })),
                "{bad}"
            );
        }
        for bad in [
            r#"{"triggers":[{"id":"","message":"Hi"}]}"#,
            r#"{"triggers":[{"id":"t","message":"Hi"},{"id":"t","message":"Ho"}]}"#,
            r#"{"triggers":[{"id":"t","message":" "}]}"#,
        ] {
            assert!(
                matches!(file(bad), Err(CampaignError::BadTrigger { .. })),
                "{bad}"
            );
        }
        // A wrong type names the key.
        let e = file(r#"{"registrationForm":"yes"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("webchat.registrationForm: invalid type"), "{e}");
    }

    #[test]
    fn the_webchat_features_are_read_in_camel_case() {
        let c = parse(
            r#"{"campaigns":[{"id":"a","name":"A","webchat":{"visibilityOverrides":true,"later":1}},
                            {"id":"b","name":"B","webchat":{}},{"id":"c","name":"C"}]}"#,
        )
        .unwrap();
        assert!(c[0].webchat.visibility_overrides);
        assert!(!c[1].webchat.visibility_overrides && !c[2].webchat.visibility_overrides);
    }

    #[test]
    fn parses_a_minimal_file_with_defaults() {
        let c = parse(r#"{"campaigns":[{"id":"a","name":"A"}]}"#).unwrap();
        assert!(c[0].active);
        assert_eq!(c[0].availability_mode, AvailabilityMode::Agents);
        assert_eq!(c[0].survey, Survey::default());
        assert_eq!(c[0].webchat, WidgetFeatures::default());
    }

    #[test]
    fn rejects_bad_files() {
        assert!(matches!(parse("{"), Err(CampaignError::Json(_))));
        assert!(matches!(
            parse(r#"{"campaigns":[]}"#),
            Err(CampaignError::Empty)
        ));
        assert!(matches!(
            parse(r#"{"campaigns":[{"id":" ","name":"A"}]}"#),
            Err(CampaignError::EmptyId)
        ));
        assert!(matches!(
            parse(r#"{"campaigns":[{"id":"a","name":"A"},{"id":"a","name":"B"}]}"#),
            Err(CampaignError::DuplicateId(id)) if id == "a"
        ));
        assert!(matches!(
            parse(r#"{"campaigns":[{"id":"a","name":"A","availability_mode":"sometimes"}]}"#),
            Err(CampaignError::Json(_))
        ));
    }
}
