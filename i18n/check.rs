//! What a complete, consistent catalogue is, checked on the parsed files (`i18n/source.rs`).
//! `build.rs` prints every problem as a warning (a key not yet translated still builds, and
//! shows the English text); the catalogue tests fail on any.
//!
//! Checked: every key of `en.txt` in every file, in the same section, and no other key; the
//! plural forms each language's `@plural` names, no more, no fewer; the same placeholders as
//! the English text (a form of an `@exact` category may leave out `{count}`: it stands for one
//! number); no text equal to the English one unless its key is among the file's `@loanwords`,
//! and no loan word listed that is not one; plural headers in CLDR order, ending in `other`;
//! the launcher's keys first in `en.txt`.

use super::source::{placeholders, Entry, Source, Stage, CATEGORIES, REFERENCE};

/// Every problem of the catalogue `sources` (the reference first, as `load_dir` returns them),
/// one line each, naming the file and the key.
pub fn problems(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(reference) = sources.first().filter(|s| s.tag == REFERENCE) else {
        return vec![format!("i18n/{REFERENCE}.txt must come first")];
    };
    reference_problems(reference, &mut out);
    for (i, source) in sources.iter().enumerate() {
        if let Some(twin) = sources[..i]
            .iter()
            .find(|s| s.tag.eq_ignore_ascii_case(&source.tag))
        {
            out.push(format!(
                "{} and {} name the same language",
                twin.file(),
                source.file()
            ));
        }
        header_problems(source, &mut out);
        translation_problems(reference, source, &mut out);
    }
    out
}

fn reference_problems(reference: &Source, out: &mut Vec<String>) {
    let file = reference.file();
    if let Some(pair) = reference
        .entries
        .windows(2)
        .find(|w| w[0].stage == Stage::Chat && w[1].stage == Stage::Launcher)
    {
        out.push(format!(
            "{file}: `{}`: the launcher's keys come first (it follows the chat's `{}`)",
            pair[1].key, pair[0].key
        ));
    }
    for entry in &reference.entries {
        let first = placeholders(&entry.forms[0].text);
        if entry.forms.iter().any(|f| placeholders(&f.text) != first) {
            out.push(format!(
                "{file}: `{}`: the forms have different placeholders",
                entry.key
            ));
        }
    }
}

fn header_problems(source: &Source, out: &mut Vec<String>) {
    let file = source.file();
    let order: Vec<usize> = source
        .plural
        .iter()
        .filter_map(|c| CATEGORIES.iter().position(|k| k == c))
        .collect();
    if source.plural.last().map(String::as_str) != Some("other")
        || order.windows(2).any(|w| w[0] >= w[1])
    {
        out.push(format!(
            "{file}: `@plural = {}`: CLDR categories in CLDR order ({}), each once, ending in `other`",
            source.plural.join(" "),
            CATEGORIES.join(" ")
        ));
    }
    for exact in &source.exact {
        if exact == "other" || !source.plural.contains(exact) {
            out.push(format!(
                "{file}: `@exact` names `{exact}`, which is not one of its `@plural` categories other than `other`"
            ));
        }
    }
}

fn translation_problems(reference: &Source, source: &Source, out: &mut Vec<String>) {
    let file = source.file();
    for theirs in &source.entries {
        if reference.entry(&theirs.key).is_none() {
            out.push(format!(
                "{file}:{}: `{}` is not a key of {}",
                theirs.line,
                theirs.key,
                reference.file()
            ));
        }
    }
    for english in &reference.entries {
        let key = &english.key;
        let Some(entry) = source.entry(key) else {
            out.push(format!(
                "{file}: `{key}` is missing (the English text is shown)"
            ));
            continue;
        };
        if entry.stage != english.stage {
            out.push(format!(
                "{file}:{}: `{key}` belongs in [{:?}]",
                entry.line, english.stage
            ));
        }
        form_problems(source, english, entry, out);
        if source.tag != REFERENCE
            && same_as_english(english, entry)
            && !source.loanwords.contains(key)
        {
            out.push(format!(
                "{file}:{}: `{key}` is the English text; translate it, or list it in `@loanwords` if it is the right word",
                entry.line
            ));
        }
    }
    for loan in &source.loanwords {
        match (reference.entry(loan), source.entry(loan)) {
            (None, _) => out.push(format!(
                "{file}: `@loanwords` lists `{loan}`, which is not a key"
            )),
            (Some(english), Some(entry)) if same_as_english(english, entry) => {}
            (Some(_), _) => out.push(format!(
                "{file}: `@loanwords` lists `{loan}`, whose text is not the English one"
            )),
        }
    }
}

/// True when a form of the translation is word for word a form of the English text.
fn same_as_english(english: &Entry, entry: &Entry) -> bool {
    entry
        .forms
        .iter()
        .any(|f| english.forms.iter().any(|e| e.text == f.text))
}

/// Plural forms and placeholders of one translated key against the English one.
fn form_problems(source: &Source, english: &Entry, entry: &Entry, out: &mut Vec<String>) {
    let (file, key) = (source.file(), &english.key);
    if english.is_plural() {
        let have: Vec<&str> = entry
            .forms
            .iter()
            .filter_map(|f| f.category.as_deref())
            .collect();
        let want: Vec<&str> = source.plural.iter().map(String::as_str).collect();
        if have.len() != entry.forms.len() || {
            let (mut h, mut w) = (have.clone(), want.clone());
            h.sort_unstable();
            w.sort_unstable();
            h != w
        } {
            out.push(format!(
                "{file}:{}: `{key}` needs the forms {} (`@plural`), has {}",
                entry.line,
                want.join(" "),
                if have.is_empty() {
                    "none".to_owned()
                } else {
                    have.join(" ")
                }
            ));
        }
    } else if entry.is_plural() {
        out.push(format!(
            "{file}:{}: `{key}` has no plural forms in English",
            entry.line
        ));
    }
    let wanted = placeholders(&english.forms[0].text);
    for form in &entry.forms {
        let got = placeholders(&form.text);
        let exact = form
            .category
            .as_ref()
            .is_some_and(|c| source.exact.contains(c));
        let without_count: Vec<&str> = wanted.iter().copied().filter(|p| *p != "count").collect();
        if got != wanted && !(exact && got == without_count) {
            out.push(format!(
                "{file}:{}: `{key}`{}: placeholders {{{}}}, English has {{{}}}",
                entry.line,
                form.category
                    .as_ref()
                    .map(|c| format!("[{c}]"))
                    .unwrap_or_default(),
                got.join("}, {"),
                wanted.join("}, {")
            ));
        }
    }
}
