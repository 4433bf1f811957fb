//! The text catalogue: every string the widget shows comes from here.
//!
//! One table per language (`Key` → text); a key missing from a table falls back to English, and a
//! test checks that every shipped table is complete. Placeholders (`{firstname}`, `{count}`) are
//! filled by [`Lang::format`]. This module knows nothing about campaigns: texts that a campaign
//! configures (survey question, co-browsing text, …) override these in the components.

mod tables;

/// A supported language. Right-to-left languages mirror the layout (`dir="rtl"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    Es,
    It,
    Nl,
    Pt,
    Pl,
    Tr,
    Ru,
    Ar,
    He,
}

impl Lang {
    /// Every supported language, English first.
    pub const ALL: [Lang; 12] = [
        Lang::En,
        Lang::De,
        Lang::Fr,
        Lang::Es,
        Lang::It,
        Lang::Nl,
        Lang::Pt,
        Lang::Pl,
        Lang::Tr,
        Lang::Ru,
        Lang::Ar,
        Lang::He,
    ];

    /// The BCP 47 primary subtag, as used in the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::Pt => "pt",
            Lang::Pl => "pl",
            Lang::Tr => "tr",
            Lang::Ru => "ru",
            Lang::Ar => "ar",
            Lang::He => "he",
        }
    }

    /// Reads a language tag as campaigns and host pages write it: `de`, `DE`, `de-AT`, `pt_BR`.
    /// `iw` is the legacy code for Hebrew. Unknown tags give `None` (the caller picks the fallback).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        let primary = primary.to_ascii_lowercase();
        if primary == "iw" {
            return Some(Lang::He);
        }
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// True for languages written right to left.
    pub fn is_rtl(self) -> bool {
        matches!(self, Lang::Ar | Lang::He)
    }

    /// The `dir` attribute value for this language.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The text for `key`, falling back to English when this language's table lacks it.
    pub fn text(self, key: Key) -> &'static str {
        tables::table(self)
            .get(key)
            .or_else(|| tables::table(Lang::En).get(key))
            // English is complete (tested), so this branch only guards against a future typo.
            .unwrap_or("")
    }

    /// The text for `key` with `{name}` placeholders replaced by the given values.
    pub fn format(self, key: Key, args: &[(&str, &str)]) -> String {
        let mut out = self.text(key).to_owned();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// A reactive catalogue text for views. Every call returns the same closure type, so all the
/// widget's translated attributes and text nodes share one compiled instantiation (wasm size).
pub fn tr<L>(lang: L, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static
where
    L: leptos::prelude::Get<Value = Lang> + Copy + Send + Sync + 'static,
{
    move || lang.get().text(key)
}

/// Every text the widget can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// Launcher's accessible name while the window is closed.
    OpenChat,
    /// Launcher's accessible name with unread messages; `{count}`.
    OpenChatUnread,
    /// Minimise button (header and launcher while open).
    MinimiseChat,
    /// Header title when the campaign gives none.
    Title,
    /// Composer's accessible name and placeholder.
    TypeYourMessage,
    /// Composer placeholder while no chat can be written.
    ComposerDisabled,
    /// Send button.
    Send,
    /// End chat button.
    EndChat,
    /// Confirmation question before ending.
    EndChatConfirm,
    /// Cancel in the confirmation.
    Cancel,
    /// Start a new chat after the end.
    NewChat,
    /// Header status: nobody available.
    StatusOffline,
    /// Header status: ready to start.
    StatusOnline,
    /// Header status: starting the chat.
    StatusConnecting,
    /// Header status: in a chat.
    StatusChatting,
    /// Header status: connection lost, trying again.
    StatusReconnecting,
    /// Header status: chat over.
    StatusEnded,
    /// Header status: visitor blocked.
    StatusBlocked,
    /// Greeting above an empty conversation.
    Welcome,
    /// Default offline text.
    OfflineDefault,
    /// Message still on its way.
    Sending,
    /// Message not delivered.
    Failed,
    /// Send a failed message again.
    Retry,
    /// Screen-reader prefix for the visitor's own messages.
    You,
    /// Default name for the agent before a nick is known.
    Agent,
    /// `{name}` is typing.
    Typing,
    /// Notice: agent went offline.
    NoticeAgentUnavailable,
    /// Notice: agent back.
    NoticeAgentAvailable,
    /// Notice: transferred; `{firstname}`.
    NoticeTransferred,
    /// Notice: the agent ended the chat.
    NoticeEndedByAgent,
    /// Notice: the visitor ended the chat.
    NoticeEndedByVisitor,
    /// Notice: the visitor was blocked.
    NoticeBlocked,
    /// Default survey question.
    SurveyQuestion,
    /// Default label for `good`.
    SurveyGood,
    /// Default label for `moderate`.
    SurveyModerate,
    /// Default label for `bad`.
    SurveyBad,
    /// Default comment prompt.
    SurveyComment,
    /// Submit the survey.
    SurveySubmit,
    /// Default thanks text.
    SurveyThanks,
    /// Hint that the rating can still be changed.
    SurveyChange,
    /// Default co-browsing request text.
    CobrowseText,
    /// Default accept button.
    CobrowseAccept,
    /// Default deny button.
    CobrowseDeny,
    /// After accepting.
    CobrowseAccepted,
    /// After denying.
    CobrowseDenied,
    /// Title of the co-browsing request region.
    CobrowseTitle,
    /// Suffix for links (screen readers): opens in a new tab.
    OpensInNewTab,
    /// Separator above one of a tagged user's earlier chats; `{date}` is the chat's day.
    EarlierChat,
    /// The same separator when the chat's day is unknown.
    EarlierChatUndated,
}

impl Key {
    /// Every key, for completeness tests.
    pub const ALL: [Key; 49] = [
        Key::OpenChat,
        Key::OpenChatUnread,
        Key::MinimiseChat,
        Key::Title,
        Key::TypeYourMessage,
        Key::ComposerDisabled,
        Key::Send,
        Key::EndChat,
        Key::EndChatConfirm,
        Key::Cancel,
        Key::NewChat,
        Key::StatusOffline,
        Key::StatusOnline,
        Key::StatusConnecting,
        Key::StatusChatting,
        Key::StatusReconnecting,
        Key::StatusEnded,
        Key::StatusBlocked,
        Key::Welcome,
        Key::OfflineDefault,
        Key::Sending,
        Key::Failed,
        Key::Retry,
        Key::You,
        Key::Agent,
        Key::Typing,
        Key::NoticeAgentUnavailable,
        Key::NoticeAgentAvailable,
        Key::NoticeTransferred,
        Key::NoticeEndedByAgent,
        Key::NoticeEndedByVisitor,
        Key::NoticeBlocked,
        Key::SurveyQuestion,
        Key::SurveyGood,
        Key::SurveyModerate,
        Key::SurveyBad,
        Key::SurveyComment,
        Key::SurveySubmit,
        Key::SurveyThanks,
        Key::SurveyChange,
        Key::CobrowseText,
        Key::CobrowseAccept,
        Key::CobrowseDeny,
        Key::CobrowseAccepted,
        Key::CobrowseDenied,
        Key::CobrowseTitle,
        Key::OpensInNewTab,
        Key::EarlierChat,
        Key::EarlierChatUndated,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_language_has_every_key_exactly_once() {
        for lang in Lang::ALL {
            let table = tables::table(lang).entries();
            // Positions are the lookup: each table lists the keys in `Key` order.
            let keys: Vec<Key> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, Key::ALL, "{lang:?} is not in Key order");
            for (key, text) in &table {
                assert!(!text.contains(tables::SEP), "{lang:?} {key:?}");
            }
            for key in Key::ALL {
                let hits = table.iter().filter(|(k, _)| *k == key).count();
                assert_eq!(hits, 1, "{lang:?} has {hits} entries for {key:?}");
                assert!(
                    !lang.text(key).trim().is_empty(),
                    "{lang:?} {key:?} is blank"
                );
            }
            assert_eq!(
                table.len(),
                Key::ALL.len(),
                "{lang:?} has unknown extra entries"
            );
        }
    }

    #[test]
    fn key_all_lists_each_key_once() {
        let set: HashSet<Key> = Key::ALL.into_iter().collect();
        assert_eq!(set.len(), Key::ALL.len());
    }

    #[test]
    fn placeholders_survive_translation() {
        for lang in Lang::ALL {
            assert!(
                lang.text(Key::NoticeTransferred).contains("{firstname}"),
                "{lang:?}"
            );
            assert!(
                lang.text(Key::OpenChatUnread).contains("{count}"),
                "{lang:?}"
            );
            assert!(lang.text(Key::Typing).contains("{name}"), "{lang:?}");
        }
    }

    #[test]
    fn missing_key_falls_back_to_english() {
        // A table that stops early (a key appended to `Key` but not yet translated).
        let partial = tables::Table {
            texts: "a\u{1f}b\u{1f}",
            keys: &[Key::OpenChat, Key::OpenChatUnread],
        };
        assert_eq!(partial.get(Key::OpenChatUnread), Some("b"));
        assert_eq!(partial.get(Key::Send), None);
        assert_eq!(
            partial
                .get(Key::EndChat)
                .or_else(|| tables::table(Lang::En).get(Key::EndChat)),
            Some("End chat")
        );
    }

    #[test]
    fn english_accessible_names_match_the_spec() {
        assert_eq!(Lang::En.text(Key::OpenChat), "Open chat");
        assert_eq!(Lang::En.text(Key::TypeYourMessage), "Type your message");
        assert_eq!(Lang::En.text(Key::Send), "Send");
        assert_eq!(Lang::En.text(Key::EndChat), "End chat");
        assert_eq!(Lang::En.text(Key::MinimiseChat), "Minimise chat");
    }

    #[test]
    fn format_fills_placeholders() {
        assert_eq!(
            Lang::En.format(Key::NoticeTransferred, &[("firstname", "Ana")]),
            "Your chat was transferred to Ana."
        );
        assert_eq!(
            Lang::De.format(Key::NoticeTransferred, &[("firstname", "Jörg")]),
            "Ihr Chat wurde an Jörg weitergeleitet."
        );
    }

    #[test]
    fn tags_are_read_leniently() {
        assert_eq!(Lang::from_tag("de"), Some(Lang::De));
        assert_eq!(Lang::from_tag("DE-at"), Some(Lang::De));
        assert_eq!(Lang::from_tag("pt_BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_tag(" he "), Some(Lang::He));
        assert_eq!(Lang::from_tag("iw"), Some(Lang::He));
        assert_eq!(Lang::from_tag("xx"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn only_arabic_and_hebrew_are_rtl() {
        let rtl: Vec<Lang> = Lang::ALL.into_iter().filter(|l| l.is_rtl()).collect();
        assert_eq!(rtl, vec![Lang::Ar, Lang::He]);
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::Fr.dir(), "ltr");
    }
}
