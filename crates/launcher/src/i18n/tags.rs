//! Language tags as campaigns, host pages and browsers write them, mapped to the catalogue's
//! tables: `de`, `DE-at`, `pt_BR`, `zh-TW`, `zh-Hant-HK`, `no`, `tl`, the legacy `iw` and `in`.
//! Pure: `auto` is resolved by the caller with the browser's list (`navigator.languages`).
//!
//! One tag is looked up from its most specific form to its least: language-script-region,
//! language-script, language-region, language. Each form goes through [`ALIASES`] first and is
//! then matched, ignoring case, against the tables' tags (the file names in `i18n/`). The first
//! table found wins: a region with its own table gets it (`pt-BR`), any other region its
//! language's (`pt-AO` → `pt`, `de-AT` → `de`), a script its own (`zh-Hant-HK` → `zh-Hant`).
//! A tag that finds nothing gives `None`, and the caller shows English: region → language →
//! English. Extensions and private-use parts (`-u-…`, `-x-…`) are ignored.

use super::{Lang, META};

/// Tags that name a table by another name: legacy codes, the macro-language `no`, Nynorsk (its
/// readers read Bokmål), Tagalog (Filipino is its standard form), and Chinese, whose tables are
/// by script: a region says which script its readers read.
pub const ALIASES: &[(&str, &str)] = &[
    ("iw", "he"),
    ("in", "id"),
    ("mo", "ro"),
    ("no", "nb"),
    ("nn", "nb"),
    ("tl", "fil"),
    ("zh", "zh-Hans"),
    ("zh-CN", "zh-Hans"),
    ("zh-SG", "zh-Hans"),
    ("zh-MY", "zh-Hans"),
    ("zh-TW", "zh-Hant"),
    ("zh-HK", "zh-Hant"),
    ("zh-MO", "zh-Hant"),
    ("yue", "zh-Hant"),
];

/// True for the setting that means "the visitor's browser languages": `auto`.
pub fn is_auto(setting: &str) -> bool {
    setting.trim().eq_ignore_ascii_case("auto")
}

/// The parts of a tag that choose a table, in canonical case; `None` if it has no language.
struct Parts {
    language: String,
    script: Option<String>,
    region: Option<String>,
}

impl Parts {
    fn parse(tag: &str) -> Option<Parts> {
        let mut subtags = tag.trim().split(['-', '_']);
        let language = subtags.next()?;
        if !(2..=8).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return None;
        }
        let mut parts = Parts {
            language: language.to_ascii_lowercase(),
            script: None,
            region: None,
        };
        for subtag in subtags {
            let alpha = subtag.chars().all(|c| c.is_ascii_alphabetic());
            let digits = subtag.chars().all(|c| c.is_ascii_digit());
            match subtag.len() {
                // An extension or private use: nothing after it says which table.
                0 | 1 => break,
                4 if alpha && parts.script.is_none() && parts.region.is_none() => {
                    let (first, rest) = subtag.split_at(1);
                    parts.script = Some(first.to_ascii_uppercase() + &rest.to_ascii_lowercase());
                }
                2 if alpha && parts.region.is_none() => {
                    parts.region = Some(subtag.to_ascii_uppercase())
                }
                3 if digits && parts.region.is_none() => parts.region = Some(subtag.to_owned()),
                // Extended language and variant subtags do not choose a table.
                _ => {}
            }
        }
        Some(parts)
    }

    /// The forms to look up, most specific first.
    fn candidates(&self) -> Vec<String> {
        let l = &self.language;
        let mut out = Vec::with_capacity(4);
        if let (Some(s), Some(r)) = (&self.script, &self.region) {
            out.push([l, "-", s, "-", r].concat());
        }
        if let Some(s) = &self.script {
            out.push([l, "-", s].concat());
        }
        if let Some(r) = &self.region {
            out.push([l, "-", r].concat());
        }
        out.push(l.clone());
        out
    }
}

/// The table named `tag` exactly (ignoring case), after aliases.
fn table(tag: &str) -> Option<Lang> {
    let tag = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(tag))
        .map_or(tag, |(_, to)| to);
    Lang::ALL
        .into_iter()
        .find(|l| META[*l as usize].tag.eq_ignore_ascii_case(tag))
}

impl Lang {
    /// The table for a tag as people write it (see the module documentation); `None` when no
    /// table fits (the caller picks the fallback, English).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Parts::parse(tag)?
            .candidates()
            .iter()
            .find_map(|c| table(c))
    }

    /// The first of `tags` (a browser's preferred languages, best first) that has a table.
    pub fn negotiate<S: AsRef<str>>(tags: &[S]) -> Option<Lang> {
        tags.iter().find_map(|t| Lang::from_tag(t.as_ref()))
    }

    /// A language setting (`"de"`, `"pt-BR"`, `"auto"`) given the browser's languages: `auto`
    /// takes the first of `preferred` that has a table, anything else is a tag.
    pub fn resolve<S: AsRef<str>>(setting: &str, preferred: &[S]) -> Option<Lang> {
        if is_auto(setting) {
            Lang::negotiate(preferred)
        } else {
            Lang::from_tag(setting)
        }
    }
}
