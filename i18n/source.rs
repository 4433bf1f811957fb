//! The catalogue's source format: one text file per language in `i18n/`, named by its tag
//! (`de.txt`, `pt-BR.txt`, `zh-Hant.txt`). Read by `build.rs`, which compiles the files into the
//! widget (`i18n/codegen.rs`), and by the catalogue tests (`crates/launcher/src/i18n/tests.rs`). It only parses;
//! what a complete, consistent catalogue is lives in `i18n/check.rs`.
//!
//! ```text
//! # A comment. Blank lines are ignored.
//! @name = Deutsch           the language's name in itself
//! @plural = one other       the CLDR plural categories the language uses, in CLDR order
//! @exact = one              categories that stand for a single number (texts may leave out {count})
//! @dir = rtl                right to left; `ltr` when left out
//! @locale = pt-PT           BCP 47 tag for `lang` and `Intl`; the file's tag when left out
//! @loanwords = Send         keys whose text is the same as the English one on purpose
//!
//! [launcher]                texts the launcher shows; `[chat]` for the chat's
//! OpenChat = Chat öffnen
//! OpenChatUnread[one] = Chat öffnen, {count} ungelesene Nachricht
//! OpenChatUnread[other] = Chat öffnen, {count} ungelesene Nachrichten
//! ```
//!
//! A line is `Key = text` or `Key[category] = text` (one line per plural form). The text runs to
//! the end of the line, trimmed; `{name}` is a placeholder. `en.txt` is the reference: its keys,
//! their order, stage and placeholders define the catalogue, and the comment lines right above a
//! key there document it (they become the key's documentation in the code).

use std::fmt;
use std::path::Path;

/// CLDR's plural categories, in CLDR's order (also the order of the forms in a compiled text).
pub const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// The reference language: every other file translates its keys.
pub const REFERENCE: &str = "en";

/// The download stage a text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Shown by the launcher: shipped with it, for every language.
    Launcher,
    /// Shown by the chat window: shipped with the chat, one language at a time.
    Chat,
}

/// One language's file.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The file's name without `.txt`: the table's tag (`pt-BR`).
    pub tag: String,
    /// `@name`.
    pub name: String,
    /// `@locale`, or the tag.
    pub locale: String,
    /// `@dir = rtl`.
    pub rtl: bool,
    /// `@plural`.
    pub plural: Vec<String>,
    /// `@exact`.
    pub exact: Vec<String>,
    /// `@loanwords`.
    pub loanwords: Vec<String>,
    /// The texts, in file order.
    pub entries: Vec<Entry>,
}

/// One key's text (or plural forms).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub stage: Stage,
    /// The comment lines right above the key's first line, without `#`.
    pub doc: Vec<String>,
    /// One form without a category, or one per plural category.
    pub forms: Vec<Form>,
    /// 1-based line of the key's first line.
    pub line: usize,
}

/// A text, or one plural form of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// `None` for a text without plural forms.
    pub category: Option<String>,
    pub text: String,
}

impl Entry {
    /// True when the key is written in plural forms.
    pub fn is_plural(&self) -> bool {
        self.forms.iter().any(|f| f.category.is_some())
    }
}

impl Source {
    /// The entry for `key`, if the file has one.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The file's path as messages name it.
    pub fn file(&self) -> String {
        format!("i18n/{}.txt", self.tag)
    }
}

/// A line the parser could not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// `i18n/<tag>.txt`.
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The placeholders in `text` (`{count}` → `count`), sorted, each once.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A key is a Rust identifier in CamelCase: it becomes a `Key` variant.
fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Characters a text may not hold: line breaks and the compiled tables' separators
/// (U+001E–U+001F), and every other control character.
fn bad_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

fn words(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_owned).collect()
}

/// Parses the file of language `tag`.
pub fn parse(tag: &str, text: &str) -> Result<Source, ParseError> {
    let file = format!("i18n/{tag}.txt");
    let mut source = Source {
        tag: tag.to_owned(),
        name: String::new(),
        locale: tag.to_owned(),
        rtl: false,
        plural: Vec::new(),
        exact: Vec::new(),
        loanwords: Vec::new(),
        entries: Vec::new(),
    };
    let mut stage = None;
    let mut doc: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| ParseError {
            file: file.clone(),
            line,
            message,
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            doc.clear();
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            doc.push(comment.trim().to_owned());
            continue;
        }
        let comments = std::mem::take(&mut doc);
        if let Some(section) = trimmed.strip_prefix('[') {
            stage = Some(match section {
                "launcher]" => Stage::Launcher,
                "chat]" => Stage::Chat,
                _ => {
                    return Err(err(format!(
                        "unknown section `{trimmed}` (`[launcher]` or `[chat]`)"
                    )))
                }
            });
            continue;
        }
        let Some((name, value)) = trimmed.split_once('=') else {
            return Err(err(
                "expected `Key = text`, `@setting = value`, `[section]` or `# comment`".into(),
            ));
        };
        let (name, value) = (name.trim(), value.trim());
        if let Some(setting) = name.strip_prefix('@') {
            match setting {
                "name" => source.name = value.to_owned(),
                "locale" => source.locale = value.to_owned(),
                "dir" => {
                    source.rtl = match value {
                        "rtl" => true,
                        "ltr" => false,
                        _ => return Err(err(format!("`@dir` is `ltr` or `rtl`, not `{value}`"))),
                    }
                }
                "plural" => source.plural = words(value),
                "exact" => source.exact = words(value),
                "loanwords" => source.loanwords = words(value),
                _ => return Err(err(format!("unknown setting `@{setting}`"))),
            }
            if let Some(unknown) = [&source.plural, &source.exact]
                .into_iter()
                .flatten()
                .find(|c| !CATEGORIES.contains(&c.as_str()))
            {
                return Err(err(format!("`{unknown}` is not a CLDR plural category")));
            }
            continue;
        }
        let (key, category) = match name.split_once('[') {
            Some((key, rest)) => match rest.strip_suffix(']') {
                Some(category) if CATEGORIES.contains(&category) => {
                    (key, Some(category.to_owned()))
                }
                _ => {
                    return Err(err(format!(
                        "`{name}`: the form is one of {}",
                        CATEGORIES.join(", ")
                    )))
                }
            },
            None => (name, None),
        };
        if !is_key(key) {
            return Err(err(format!(
                "`{key}` is not a key (CamelCase letters and digits)"
            )));
        }
        let Some(stage) = stage else {
            return Err(err(format!(
                "`{key}` comes before `[launcher]` or `[chat]`"
            )));
        };
        if value.is_empty() {
            return Err(err(format!(
                "`{name}` has no text (leave the line out to fall back)"
            )));
        }
        if let Some(c) = bad_char(value) {
            return Err(err(format!(
                "`{name}` holds the control character U+{:04X}",
                c as u32
            )));
        }
        let form = Form {
            category: category.clone(),
            text: value.to_owned(),
        };
        // Plural forms of a key follow each other: a form continues the entry on the line before.
        if let Some(last) = source.entries.last_mut() {
            if category.is_some() && last.key == key && last.is_plural() {
                if last.forms.iter().any(|f| f.category == category) {
                    return Err(err(format!("`{name}` is written twice")));
                }
                last.forms.push(form);
                continue;
            }
        }
        if let Some(earlier) = source.entries.iter().find(|e| e.key == key) {
            return Err(err(format!(
                "`{key}` is already written on line {}",
                earlier.line
            )));
        }
        source.entries.push(Entry {
            key: key.to_owned(),
            stage,
            doc: comments,
            forms: vec![form],
            line,
        });
    }
    if source.name.is_empty() {
        return Err(ParseError {
            file,
            line: 1,
            message: "`@name` is missing".into(),
        });
    }
    Ok(source)
}

/// Reads every `*.txt` file of `dir`: the reference first, then the others by tag.
pub fn load_dir(dir: &Path) -> Result<Vec<Source>, String> {
    let listing =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut sources = Vec::new();
    for item in listing {
        let path = item
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let Some(tag) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".txt"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        sources.push(parse(tag, &text).map_err(|e| e.to_string())?);
    }
    sources.sort_by(|a, b| (a.tag != REFERENCE, &a.tag).cmp(&(b.tag != REFERENCE, &b.tag)));
    if sources.first().is_none_or(|s| s.tag != REFERENCE) {
        return Err(format!("{}/{REFERENCE}.txt is missing", dir.display()));
    }
    Ok(sources)
}
