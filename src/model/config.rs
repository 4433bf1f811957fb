//! What the widget needs from a campaign, as the UI sees it.
//!
//! [`campaign`](super::campaign) maps the REST campaign (where texts may be `null` and
//! `survey_options` may be `[]`) into these types; `None` texts fall back to the catalogue in the components. This module
//! does not parse JSON.

use crate::i18n::Lang;

/// Campaign-driven settings for the UI.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WidgetConfig {
    /// Header title; `None` uses the catalogue's "Chat with us".
    pub title: Option<String>,
    /// The campaign's `color` as sent (`#rrggbb`); unreadable values use the default accent.
    pub color: Option<String>,
    /// The campaign's language.
    pub language: Lang,
    /// A language chosen by the host page, which wins over the campaign's.
    pub language_override: Option<Lang>,
    /// The campaign's offline text; `None` uses the catalogue's.
    pub offline_text: Option<String>,
    /// The post-chat survey, when the campaign has it active.
    pub survey: Option<SurveyConfig>,
    /// Co-browsing texts, when the campaign has co-browsing active.
    pub cobrowse: Option<CobrowseConfig>,
    /// What the campaign configures around the chat (pre-chat form, departments, offline form,
    /// greetings, the end of the chat), with the page's `livechat` options over it.
    pub livechat: Livechat,
}

/// The campaign's livechat configuration, as the protocol reads it.
pub type Livechat = webchat_protocol::widget_config::WidgetConfig;

impl WidgetConfig {
    /// The window's title: while nobody is available the campaign's `offlineTitle` (the
    /// catalogue's when it shows the offline form without one), else the campaign's title.
    pub fn title_text(&self, offline: bool, lang: Lang) -> String {
        if offline {
            if let Some(t) = &self.livechat.offline_title {
                return t.clone();
            }
            if self.livechat.display_offline_form {
                return lang.text(crate::i18n::Key::OfflineTitle).to_owned();
            }
        }
        self.title
            .clone()
            .unwrap_or_else(|| lang.text(crate::i18n::Key::Title).to_owned())
    }

    /// The colour launcher and header take: `offlineColor` while nobody is available (when
    /// the campaign has one), else the campaign's `color`.
    pub fn accent(&self, offline: bool) -> Option<&str> {
        let offline_color = self.livechat.offline_color.as_deref().filter(|_| offline);
        offline_color.or(self.color.as_deref())
    }

    /// The name a department is shown with (its id when the campaign gave none).
    pub fn department_name(&self, id: &str) -> String {
        self.livechat
            .department(id)
            .map(|d| d.name.trim())
            .filter(|n| !n.is_empty())
            .unwrap_or(id)
            .to_owned()
    }
}

impl WidgetConfig {
    /// The language every text is shown in.
    pub fn lang(&self) -> Lang {
        self.language_override.unwrap_or(self.language)
    }
}

/// The campaign's post-chat survey.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SurveyConfig {
    /// The question; `None` uses the catalogue's.
    pub question: Option<String>,
    /// The options as the campaign sends them (may be empty: thumbs pre-selected).
    pub options: Vec<SurveyOption>,
    /// Whether a comment field is shown.
    pub comment_enabled: bool,
    /// The comment prompt; `None` uses the catalogue's.
    pub comment_prompt: Option<String>,
    /// Whether a thank-you text is shown after submitting.
    pub thanks_enabled: bool,
    /// The thank-you text; `None` uses the catalogue's.
    pub thanks: Option<String>,
}

/// One survey option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyOption {
    /// `good`, `moderate` or `bad` (sent back as the result).
    pub value: String,
    /// The campaign's label; `None` uses the catalogue's.
    pub label: Option<String>,
}

/// How the survey options are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyStyle {
    /// Three faces: good, moderate, bad.
    Smileys,
    /// Thumbs up and down: good, bad.
    Thumbs,
}

impl SurveyConfig {
    /// Smileys when the campaign sends `moderate` (only the smiley set has it), thumbs otherwise.
    pub fn style(&self) -> SurveyStyle {
        if self.options.iter().any(|o| o.value == "moderate") {
            SurveyStyle::Smileys
        } else {
            SurveyStyle::Thumbs
        }
    }

    /// The options to draw. An empty list means the campaign has "Thumbs" pre-selected and never
    /// saved: show good and bad with catalogue labels.
    pub fn display_options(&self) -> Vec<SurveyOption> {
        if self.options.is_empty() {
            ["good", "bad"]
                .into_iter()
                .map(|v| SurveyOption {
                    value: v.into(),
                    label: None,
                })
                .collect()
        } else {
            self.options.clone()
        }
    }
}

/// The campaign's co-browsing texts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CobrowseConfig {
    /// `cbr_text`; `None` uses the catalogue's.
    pub text: Option<String>,
    /// `cobrowsingButtonAcceptText`; `None` uses the catalogue's.
    pub accept: Option<String>,
    /// `cobrowsingButtonDenyText`; `None` uses the catalogue's.
    pub deny: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(v: &str) -> SurveyOption {
        SurveyOption {
            value: v.into(),
            label: Some(v.to_uppercase()),
        }
    }

    #[test]
    fn moderate_means_smileys() {
        let s = SurveyConfig {
            options: vec![opt("good"), opt("moderate"), opt("bad")],
            ..Default::default()
        };
        assert_eq!(s.style(), SurveyStyle::Smileys);
        assert_eq!(s.display_options().len(), 3);
    }

    #[test]
    fn good_and_bad_mean_thumbs() {
        let s = SurveyConfig {
            options: vec![opt("good"), opt("bad")],
            ..Default::default()
        };
        assert_eq!(s.style(), SurveyStyle::Thumbs);
    }

    #[test]
    fn empty_options_mean_default_thumbs() {
        let s = SurveyConfig::default();
        assert_eq!(s.style(), SurveyStyle::Thumbs);
        let values: Vec<String> = s.display_options().into_iter().map(|o| o.value).collect();
        assert_eq!(values, vec!["good", "bad"]);
        assert!(s.display_options().iter().all(|o| o.label.is_none()));
    }

    #[test]
    fn the_launcher_checks_the_keys_the_protocol_reads() {
        assert!(webchat_launcher::livechat::keys()
            .eq(webchat_protocol::widget_config::KEYS.iter().copied()));
    }

    #[test]
    fn offline_takes_the_offline_title_and_colour() {
        let mut c = WidgetConfig {
            color: Some("#0a6018".into()),
            ..Default::default()
        };
        assert_eq!(c.accent(true), Some("#0a6018"), "none configured");
        assert_eq!(c.title_text(true, Lang::En), "Chat with us");
        c.livechat.offline_color = Some("#6b7280".into());
        c.livechat.display_offline_form = true;
        assert_eq!(c.accent(true), Some("#6b7280"));
        assert_eq!(c.accent(false), Some("#0a6018"));
        assert_eq!(c.title_text(true, Lang::En), "Leave us a message");
        assert_eq!(
            c.title_text(true, Lang::De),
            Lang::De.text(crate::i18n::Key::OfflineTitle)
        );
        c.livechat.offline_title = Some("Closed".into());
        assert_eq!(c.title_text(true, Lang::En), "Closed");
        assert_eq!(c.title_text(false, Lang::En), "Chat with us");
    }

    #[test]
    fn override_wins_over_campaign_language() {
        let mut c = WidgetConfig {
            language: Lang::De,
            ..Default::default()
        };
        assert_eq!(c.lang(), Lang::De);
        c.language_override = Some(Lang::He);
        assert_eq!(c.lang(), Lang::He);
    }
}
