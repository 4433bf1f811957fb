//! The text catalogue: every string the widget shows comes from here.
//!
//! The texts live in `i18n/<tag>.txt`, one file per language (the format is described in
//! `i18n/source.rs`); `build.rs` compiles them into [`Key`], [`Lang`] and each language's tables
//! ([`catalogue`]), one per download [`Stage`]: the launcher's few texts (its name, the unread
//! announcement, the greeting) and the chat's. A text missing in a language is looked up in its
//! parent table (`pt` for `pt-BR`), then in English; the catalogue tests check that none is
//! missing. Placeholders (`{firstname}`) are filled by [`Lang::format`]; [`Lang::count`] also
//! picks the plural form of a text with a `{count}` through the browser's `Intl.PluralRules`
//! and writes the number with `Intl.NumberFormat`. Tags as people write them map to tables in
//! [`tags`]; the setting `auto` follows the browser's languages.
//!
//! The launcher's tables of every language are compiled in; a chat table comes at run time
//! ([`load_chat_table`]): the chat stage downloads the one of the language in use. Tests and the
//! demo embed them all (feature `all-chat-tables`).
//!
//! This module knows nothing about campaigns: texts that a campaign configures (survey question,
//! co-browsing text, …) override these in the components.

mod browser;
mod catalogue;
pub mod plural;
pub mod tags;
#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "all-chat-tables"))]
use catalogue::CHAT;
pub use catalogue::CHAT_EN;
pub use catalogue::{Key, Lang};
use catalogue::{LAUNCHER, LAUNCHER_KEYS, META};
pub use plural::Category;
pub use tags::is_auto;

/// Ends every text of a compiled table.
const TEXT_END: char = '\u{1f}';

thread_local! {
    /// Chat tables given at run time ([`load_chat_table`]).
    static CHAT_TABLES: std::cell::RefCell<Vec<(Lang, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Gives the catalogue `lang`'s chat texts: a table as the chat stage downloads it (complete,
/// `i18n/codegen.rs`'s `resolved_chat_table`), or [`CHAT_EN`]. The first table given for a
/// language stays: tables are kept for the page's lifetime, so a widget started again finds them.
pub fn load_chat_table(lang: Lang, table: String) {
    CHAT_TABLES.with_borrow_mut(|tables| {
        if !tables.iter().any(|(l, _)| *l == lang) {
            tables.push((lang, Box::leak(table.into_boxed_str())));
        }
    });
}

/// Whether `lang`'s chat texts are there (loaded, or embedded in tests and the demo).
pub fn has_chat_table(lang: Lang) -> bool {
    chat_table(lang).is_some()
}

fn chat_table(lang: Lang) -> Option<&'static str> {
    let loaded = CHAT_TABLES.with_borrow(|tables| {
        tables
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, table)| *table)
    });
    #[cfg(any(test, feature = "all-chat-tables"))]
    let loaded = loaded.or(Some(CHAT[lang as usize]));
    loaded
}

/// The download stage whose table holds a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Shipped with the launcher, for every language.
    Launcher,
    /// Shipped with the chat window; only the language in use is needed.
    Chat,
}

impl Key {
    /// The stage whose table holds this key's text.
    pub fn stage(self) -> Stage {
        if (self as usize) < LAUNCHER_KEYS {
            Stage::Launcher
        } else {
            Stage::Chat
        }
    }
}

impl Lang {
    /// The BCP 47 tag for the `lang` attribute and `Intl` (`de`, `pt-PT`, `zh-Hant`).
    pub fn code(self) -> &'static str {
        META[self as usize].locale
    }

    /// The table's tag: its file's name in `i18n/` (`pt` for European Portuguese).
    pub fn tag(self) -> &'static str {
        META[self as usize].tag
    }

    /// The table a text missing here is looked up in before English (`pt` for `pt-BR`).
    pub fn parent(self) -> Option<Lang> {
        META[self as usize].parent
    }

    /// True for languages written right to left.
    pub fn is_rtl(self) -> bool {
        META[self as usize].rtl
    }

    /// The `dir` attribute value for this language.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// This language's own compiled text for `key` (all plural forms), if it has one.
    fn own(self, key: Key) -> Option<&'static str> {
        let (table, i) = match key.stage() {
            Stage::Launcher => (LAUNCHER[self as usize], key as usize),
            Stage::Chat => (chat_table(self)?, key as usize - LAUNCHER_KEYS),
        };
        table.split(TEXT_END).nth(i).filter(|t| !t.is_empty())
    }

    /// The compiled text for `key`: this language's, else its parent's, else English's.
    fn compiled(self, key: Key) -> &'static str {
        self.own(key)
            .or_else(|| self.parent().and_then(|p| p.own(key)))
            .or_else(|| Lang::En.own(key))
            // English is complete (tested), so this only guards against a broken build.
            .unwrap_or("")
    }

    /// The text for `key` (its `other` form if it has plural forms).
    pub fn text(self, key: Key) -> &'static str {
        plural::select(self.compiled(key), None)
    }

    /// The text for `key` with `{name}` placeholders replaced by the given values.
    pub fn format(self, key: Key, args: &[(&str, &str)]) -> String {
        let mut out = self.text(key).to_owned();
        for (name, value) in args {
            out = out.replace(&["{", name, "}"].concat(), value);
        }
        out
    }

    /// The text for `key` in the plural form for `n`, with `{count}` written as this language
    /// writes numbers. The browser says which form (`Intl.PluralRules`); without it, `other`.
    pub fn count(self, key: Key, n: u32) -> String {
        let category = browser::plural_category(self, n);
        plural::select(self.compiled(key), category).replace("{count}", &browser::number(self, n))
    }

    /// This language's own form of `key` for `category`, if it has one (no fallback).
    pub fn plural_form(self, key: Key, category: Category) -> Option<&'static str> {
        plural::form(self.own(key)?, category)
    }

    /// The language a setting asks for: a tag ([`Lang::from_tag`]), or `auto` for the first of
    /// the browser's languages that has a table. `None` when nothing fits.
    pub fn from_setting(setting: &str) -> Option<Lang> {
        // The browser's list is read only when the setting asks for it.
        let preferred = if is_auto(setting) {
            browser::preferred_languages()
        } else {
            Vec::new()
        };
        Lang::resolve(setting, &preferred)
    }
}
