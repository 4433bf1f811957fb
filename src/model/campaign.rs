//! Maps the REST campaign (`webchat_protocol::api::Campaign`) to what the UI needs
//! ([`WidgetConfig`]). Pure data, unit-tested natively; no requests here.

use webchat_protocol::api::Campaign;

use super::{CobrowseConfig, SurveyConfig, SurveyOption, WidgetConfig};
use crate::i18n::Lang;

/// The widget configuration for `campaign`; `language` is the host page's override.
pub fn widget_config(campaign: &Campaign, language: Option<Lang>) -> WidgetConfig {
    let survey = &campaign.survey;
    let cobrowsing = &campaign.cobrowsing;
    WidgetConfig {
        title: None,
        color: campaign.color.clone(),
        language: campaign
            .language
            .as_deref()
            .and_then(Lang::from_setting)
            .unwrap_or_default(),
        language_override: language,
        offline_text: None,
        survey: survey.active.then(|| SurveyConfig {
            question: non_empty(&survey.survey_question),
            options: survey
                .survey_options
                .iter()
                .map(|o| SurveyOption {
                    value: o.value.clone(),
                    label: (!o.label.trim().is_empty()).then(|| o.label.clone()),
                })
                .collect(),
            comment_enabled: survey.survey_comment_enable,
            comment_prompt: non_empty(&survey.survey_comment),
            thanks_enabled: survey.survey_thanks_enable,
            thanks: non_empty(&survey.survey_thanks),
        }),
        cobrowse: cobrowsing.active.then(|| CobrowseConfig {
            text: non_empty(&cobrowsing.cbr_text),
            accept: non_empty(&cobrowsing.accept_text),
            deny: non_empty(&cobrowsing.deny_text),
        }),
        livechat: campaign.webchat.config.clone(),
    }
}

// Never-saved texts arrive as `null` or `""`: both mean "use the catalogue's".
fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use webchat_protocol::api::parse_response;

    #[test]
    fn seed_like_campaign_maps_every_field() {
        let c: Campaign = parse_response(
            200,
            r##"{"id":"c1","name":"n","active":true,"color":"#0a6018","language":"de",
            "availability":false,"available_agents":0,"available_slots":"∞",
            "cobrowsing":{"active":true,"cbr_text":"Share?","cobrowsingButtonAcceptText":"Yes","cobrowsingButtonDenyText":null},
            "survey":{"active":true,"survey_question":"How?","survey_options":[{"value":"good","label":"Good"},{"value":"bad","label":""}],
            "survey_comment_enable":true,"survey_comment":null,"survey_thanks_enable":false,"survey_thanks":"Thanks"}}"##,
        )
        .expect("campaign");
        let w = widget_config(&c, Some(Lang::Fr));
        assert_eq!(w.color.as_deref(), Some("#0a6018"));
        assert_eq!(w.language, Lang::De);
        assert_eq!(w.lang(), Lang::Fr);
        let s = w.survey.expect("survey");
        assert_eq!(s.question.as_deref(), Some("How?"));
        assert_eq!(s.options[0].label.as_deref(), Some("Good"));
        assert_eq!(s.options[1].label, None);
        assert!(s.comment_enabled && s.comment_prompt.is_none());
        let cb = w.cobrowse.expect("cobrowse");
        assert_eq!(cb.accept.as_deref(), Some("Yes"));
        assert_eq!(cb.deny, None);
    }
}
