//! The catalogue's native tests: the files in `i18n/` are complete and consistent (every key in
//! every language, the same placeholders, the plural forms each language needs, no English left
//! over except listed loan words), the compiled tables say what the files say, tags map to the
//! right tables, and the README lists every language. What needs a browser (`Intl`,
//! `navigator.languages`, layout) is tested in `tests/i18n.rs`.

#[path = "../../../../i18n/check.rs"]
mod check;
#[path = "../../../../i18n/source.rs"]
mod source;
// Only what `cargo xtask dist` ships is tested here; the build uses the rest.
#[allow(dead_code)]
#[path = "../../../../i18n/codegen.rs"]
mod codegen;

use std::path::Path;

use super::*;
use source::{parse, Source};

fn sources() -> Vec<Source> {
    source::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../i18n")).unwrap()
}

fn source_of(sources: &[Source], lang: Lang) -> &Source {
    sources.iter().find(|s| s.tag == lang.tag()).unwrap()
}

// ---------- the files ----------

#[test]
fn every_language_has_every_key_with_its_placeholders_and_no_english_left_over() {
    let problems = check::problems(&sources());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn at_least_thirty_languages_with_those_contact_centres_asked_for() {
    assert!(Lang::ALL.len() >= 30, "{} languages", Lang::ALL.len());
    for tag in [
        "en", "de", "fr", "es", "it", "nl", "pt", "pl", "tr", "ru", "ar", "he", "zh-Hans",
        "zh-Hant", "ja", "ko", "hi", "bn", "id", "ms", "vi", "th", "uk", "cs", "sk", "hu", "ro",
        "bg", "el", "sv", "da", "nb", "fi", "fa", "ur",
    ] {
        assert!(
            Lang::ALL.iter().any(|l| l.tag() == tag),
            "no table for {tag}"
        );
    }
    let rtl: Vec<&str> = Lang::ALL
        .into_iter()
        .filter(|l| l.is_rtl())
        .map(Lang::tag)
        .collect();
    assert_eq!(rtl, ["ar", "fa", "he", "ur"]);
    assert_eq!(Lang::Fa.dir(), "rtl");
    assert_eq!(Lang::Ja.dir(), "ltr");
}

#[test]
fn the_check_finds_what_a_translator_can_get_wrong() {
    let en = parse(
        "en",
        "@name = English\n@plural = one other\n[launcher]\nA[one] = {count} a\nA[other] = {count} as\n\
         [chat]\nB = Hello {name}\nC = Send\nD = Online\n",
    )
    .unwrap();
    let xx = parse(
        "xx",
        "@name = X\n@plural = one few other\n@exact = one\n@loanwords = C D Z\n[launcher]\n\
         A[one] = ein a\nA[other] = {count} as\n[chat]\nB = Hallo {nome}\nC = Send\nD = Online\nE = Extra\n",
    )
    .unwrap();
    let problems = check::problems(&[en, xx]).join("\n");
    for expected in [
        // A lacks the `few` form `@plural` asks for.
        "`A` needs the forms one few other (`@plural`), has one other",
        // `{count}` left out of an `@exact` form is fine; a wrong placeholder name is not.
        "`B`: placeholders {nome}, English has {name}",
        "`E` is not a key of i18n/en.txt",
        "`@loanwords` lists `Z`, which is not a key",
    ] {
        assert!(
            problems.contains(expected),
            "expected {expected:?} in:\n{problems}"
        );
    }
    assert!(!problems.contains("`A`[one]"), "{problems}");
    assert!(
        !problems.contains("`C`"),
        "a listed loan word is fine: {problems}"
    );

    let en = parse(
        "en",
        "@name = English\n@plural = one other\n[chat]\nC = Send\nD = Online\n",
    )
    .unwrap();
    let yy = parse(
        "yy",
        "@name = Y\n@plural = other one\n@loanwords = D\n[launcher]\nC = Send\n",
    )
    .unwrap();
    let problems = check::problems(&[en, yy]).join("\n");
    for expected in [
        "`C` is the English text",
        "`C` belongs in [Chat]",
        "`D` is missing (the English text is shown)",
        "`@loanwords` lists `D`, whose text is not the English one",
        "`@plural = other one`: CLDR categories in CLDR order",
    ] {
        assert!(
            problems.contains(expected),
            "expected {expected:?} in:\n{problems}"
        );
    }
}

// ---------- the parser ----------

#[test]
fn test_simple() {
    let s = parse(
        "pt-BR",
        "# Brazil\n@name = Português (Brasil)\n@plural = one many other\n@loanwords = A B\n\n\
         [launcher]\n# The launcher's name.\nOpen = Abrir chat\nN[one] = {count} mensagem\n\
         N[other] = {count} mensagens\n[chat]\nSend = Enviar = já\n",
    )
    .unwrap();
    assert_eq!(s.tag, "pt-BR");
    assert_eq!(s.locale, "pt-BR");
    assert_eq!(s.name, "Português (Brasil)");
    assert_eq!(s.plural, ["one", "many", "other"]);
    assert_eq!(s.loanwords, ["A", "B"]);
    assert!(!s.rtl);
    assert_eq!(s.entries.len(), 3);
    let open = s.entry("Open").unwrap();
    assert_eq!(open.doc, ["The launcher's name."]);
    assert_eq!(open.stage, source::Stage::Launcher);
    assert_eq!(open.line, 8);
    let n = s.entry("N").unwrap();
    assert!(n.is_plural());
    assert_eq!(n.forms.len(), 2);
    assert_eq!(n.forms[1].category.as_deref(), Some("other"));
    // Only the first `=` separates: the text may hold more.
    assert_eq!(s.entry("Send").unwrap().forms[0].text, "Enviar = já");
    assert_eq!(s.entry("Send").unwrap().stage, source::Stage::Chat);
    assert_eq!(source::placeholders("{b} and {a} and {b}"), ["a", "b"]);
}

#[test]
fn test_invalid() {
    let cases = [
        (
            "@name = X\nA = a\n",
            2,
            "comes before `[launcher]` or `[chat]`",
        ),
        (
            "@name = X\n[chat]\nA = a\nA = b\n",
            4,
            "already written on line 3",
        ),
        (
            "@name = X\n[chat]\nA[one] = a\nB = b\nA[other] = c\n",
            5,
            "already written on line 3",
        ),
        (
            "@name = X\n[chat]\nA[one] = a\nA[one] = b\n",
            4,
            "written twice",
        ),
        (
            "@name = X\n[chat]\nA[several] = a\n",
            3,
            "the form is one of",
        ),
        ("@name = X\n[chat]\nlower = a\n", 3, "not a key"),
        ("@name = X\n[chat]\nA =\n", 3, "has no text"),
        ("@name = X\n[chat]\nA = a\u{1f}b\n", 3, "U+001F"),
        (
            "@name = X\n[chat]\njust words\n",
            3,
            "expected `Key = text`",
        ),
        ("@name = X\n[stage]\n", 2, "unknown section"),
        ("@name = X\n@colour = red\n", 2, "unknown setting"),
        ("@name = X\n@dir = up\n", 2, "`@dir` is `ltr` or `rtl`"),
        (
            "@name = X\n@plural = one several other\n",
            2,
            "not a CLDR plural category",
        ),
        ("[chat]\nA = a\n", 1, "`@name` is missing"),
    ];
    for (text, line, message) in cases {
        let e = parse("xx", text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
        assert!(
            e.to_string().starts_with(&format!("i18n/xx.txt:{line}: ")),
            "{e}"
        );
    }
}

#[test]
fn plural_categories_are_named_alike_in_files_and_code() {
    let names: Vec<&str> = Category::ALL.into_iter().map(Category::name).collect();
    assert_eq!(names, source::CATEGORIES);
}

// ---------- the compiled catalogue ----------

#[test]
fn compiled_tables_say_what_the_files_say() {
    let sources = sources();
    let en = &sources[0];
    let names: Vec<String> = Key::ALL.iter().map(|k| format!("{k:?}")).collect();
    let keys: Vec<&str> = en.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(names, keys, "Key follows en.txt");
    let tags: Vec<&str> = Lang::ALL.iter().map(|l| l.tag()).collect();
    let files: Vec<&str> = sources.iter().map(|s| s.tag.as_str()).collect();
    assert_eq!(tags, files, "one Lang per file, English first");
    for lang in Lang::ALL {
        let source = source_of(&sources, lang);
        assert_eq!(lang.code(), source.locale);
        assert_eq!(lang.is_rtl(), source.rtl, "{lang:?}");
        for (key, english) in Key::ALL.into_iter().zip(&en.entries) {
            let stage = match english.stage {
                source::Stage::Launcher => Stage::Launcher,
                source::Stage::Chat => Stage::Chat,
            };
            assert_eq!(key.stage(), stage, "{key:?}");
            let entry = source.entry(&english.key).unwrap();
            let other = entry
                .forms
                .iter()
                .find(|f| f.category.as_deref().unwrap_or("other") == "other")
                .unwrap();
            assert_eq!(lang.text(key), other.text, "{lang:?} {key:?}");
            for category in Category::ALL.into_iter().filter(|_| english.is_plural()) {
                let written = entry
                    .forms
                    .iter()
                    .find(|f| f.category.as_deref() == Some(category.name()))
                    .map(|f| f.text.as_str());
                assert_eq!(
                    lang.plural_form(key, category),
                    written,
                    "{lang:?} {key:?} {category:?}"
                );
            }
        }
    }
}

#[test]
fn the_launcher_carries_its_name_unread_announcement_greeting_and_the_frame() {
    let launcher: Vec<Key> = Key::ALL
        .into_iter()
        .filter(|k| k.stage() == Stage::Launcher)
        .collect();
    assert_eq!(
        launcher,
        [
            Key::OpenChat,
            Key::OpenChatUnread,
            Key::MinimiseChat,
            Key::Welcome,
            // The window's frame while the chat loads: title, composer, status, retry.
            Key::Title,
            Key::TypeYourMessage,
            Key::Send,
            Key::StatusConnecting,
            Key::StatusReconnecting,
            Key::Retry,
            // The frame's title while nobody is available.
            Key::OfflineTitle,
            // The page title while messages are unread; the greeting bubble's close button.
            Key::UnreadTitle,
            Key::DismissGreeting
        ]
    );
    assert_eq!(Key::EndChat.stage(), Stage::Chat);
}

#[test]
fn a_downloaded_chat_table_is_complete_and_says_what_the_lookup_says() {
    let sources = sources();
    for lang in Lang::ALL {
        let source = sources.iter().find(|s| s.tag == lang.tag()).unwrap();
        let table = codegen::resolved_chat_table(&sources, source);
        let texts: Vec<&str> = table.split(TEXT_END).collect();
        let chat_keys: Vec<Key> = Key::ALL
            .into_iter()
            .filter(|k| k.stage() == Stage::Chat)
            .collect();
        assert_eq!(texts.len(), chat_keys.len() + 1, "{lang:?}");
        for (key, text) in chat_keys.iter().zip(&texts) {
            assert!(!text.is_empty(), "{lang:?} {key:?}");
            assert_eq!(lang.compiled(*key), *text, "{lang:?} {key:?}");
        }
    }
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
    assert_eq!(
        Lang::Ja.format(Key::Typing, &[("name", "Ana")]),
        "Anaが入力中…"
    );
}

#[test]
fn counts_use_the_other_form_without_a_browser() {
    // Natively there is no `Intl.PluralRules`: every count takes the `other` form, with digits.
    assert_eq!(
        Lang::En.count(Key::OpenChatUnread, 3),
        "Open chat, 3 unread messages"
    );
    assert_eq!(
        Lang::Pl.count(Key::OpenChatUnread, 5),
        "Otwórz czat, 5 nieprzeczytanej wiadomości"
    );
    // A text without `{count}` or plural forms is itself.
    assert_eq!(Lang::Fr.count(Key::Send, 2), "Envoyer");
}

#[test]
fn a_regional_table_falls_back_to_its_language() {
    assert_eq!(Lang::PtBr.parent(), Some(Lang::Pt));
    let with_parent: Vec<Lang> = Lang::ALL
        .into_iter()
        .filter(|l| l.parent().is_some())
        .collect();
    assert_eq!(with_parent, [Lang::PtBr]);
    assert_eq!(Lang::Pt.code(), "pt-PT");
    assert_eq!(Lang::PtBr.code(), "pt-BR");
}

// ---------- tags ----------

#[test]
fn tags_as_people_write_them() {
    let cases = [
        ("de", Some(Lang::De)),
        ("DE-at", Some(Lang::De)),
        (" he ", Some(Lang::He)),
        ("en-US", Some(Lang::En)),
        ("en_GB", Some(Lang::En)),
        // Region → its own table, else the language's.
        ("pt-BR", Some(Lang::PtBr)),
        ("pt_br", Some(Lang::PtBr)),
        ("pt-PT", Some(Lang::Pt)),
        ("pt-AO", Some(Lang::Pt)),
        ("pt", Some(Lang::Pt)),
        // Chinese: the script decides, else the region says which script.
        ("zh", Some(Lang::ZhHans)),
        ("zh-CN", Some(Lang::ZhHans)),
        ("zh-SG", Some(Lang::ZhHans)),
        ("zh-Hans", Some(Lang::ZhHans)),
        ("zh-TW", Some(Lang::ZhHant)),
        ("zh-HK", Some(Lang::ZhHant)),
        ("zh-MO", Some(Lang::ZhHant)),
        ("zh-Hant", Some(Lang::ZhHant)),
        ("zh-hant-hk", Some(Lang::ZhHant)),
        ("zh-Hans-HK", Some(Lang::ZhHans)),
        ("zh-Hant-CN", Some(Lang::ZhHant)),
        ("yue", Some(Lang::ZhHant)),
        // Norwegian.
        ("nb", Some(Lang::Nb)),
        ("no", Some(Lang::Nb)),
        ("nb-NO", Some(Lang::Nb)),
        ("no-NO", Some(Lang::Nb)),
        ("nn", Some(Lang::Nb)),
        // Filipino.
        ("fil", Some(Lang::Fil)),
        ("fil-PH", Some(Lang::Fil)),
        ("tl", Some(Lang::Fil)),
        // Legacy codes.
        ("iw", Some(Lang::He)),
        ("iw-IL", Some(Lang::He)),
        ("in", Some(Lang::Id)),
        ("mo", Some(Lang::Ro)),
        // Right to left.
        ("fa-IR", Some(Lang::Fa)),
        ("fa-AF", Some(Lang::Fa)),
        ("ur-PK", Some(Lang::Ur)),
        ("ar-EG", Some(Lang::Ar)),
        // Numeric regions, extensions and private use do not get in the way.
        ("es-419", Some(Lang::Es)),
        ("de-DE-u-co-phonebk", Some(Lang::De)),
        ("ja-JP-x-private", Some(Lang::Ja)),
        // Nothing fits: the caller shows English.
        ("xx", None),
        ("sr-Latn-RS", None),
        ("", None),
        ("*", None),
        ("x-klingon", None),
        ("e", None),
        ("12", None),
        ("auto", None),
    ];
    for (tag, lang) in cases {
        assert_eq!(Lang::from_tag(tag), lang, "{tag:?}");
    }
}

#[test]
fn every_table_is_found_by_its_tag_and_its_locale() {
    for lang in Lang::ALL {
        assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        assert_eq!(Lang::from_tag(lang.code()), Some(lang));
    }
    for (alias, to) in tags::ALIASES {
        assert!(
            Lang::ALL.iter().any(|l| l.tag() == *to),
            "{alias} → {to}: no such table"
        );
        assert!(
            Lang::ALL.iter().all(|l| l.tag() != *alias),
            "{alias} is a table's own tag"
        );
    }
}

#[test]
fn auto_takes_the_first_browser_language_that_has_a_table() {
    assert!(is_auto("auto") && is_auto(" AUTO ") && !is_auto("de"));
    let browser = ["sr-RS", "zh-TW", "en-US"];
    assert_eq!(Lang::negotiate(&browser), Some(Lang::ZhHant));
    assert_eq!(Lang::resolve("auto", &browser), Some(Lang::ZhHant));
    assert_eq!(Lang::resolve("Auto", &["xx", "fa-IR"]), Some(Lang::Fa));
    assert_eq!(Lang::resolve("auto", &["xx", "yy"]), None);
    assert_eq!(Lang::resolve::<&str>("auto", &[]), None);
    // A tag is a tag, whatever the browser says.
    assert_eq!(Lang::resolve("de", &browser), Some(Lang::De));
    // Natively there is no browser: `auto` finds nothing, a tag is read as such.
    assert_eq!(Lang::from_setting("auto"), None);
    assert_eq!(Lang::from_setting("th-TH"), Some(Lang::Th));
}

// ---------- documentation ----------

#[test]
fn the_readme_lists_every_language_and_tag() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    for source in sources() {
        let row = format!("| {} | `{}` |", source.name, source.tag);
        assert!(
            readme.contains(&row),
            "README.md has no row starting {row:?}"
        );
    }
    for (alias, to) in tags::ALIASES {
        assert!(
            readme.contains(&format!("`{alias}`")),
            "README.md does not mention `{alias}` (→ {to})"
        );
    }
}
