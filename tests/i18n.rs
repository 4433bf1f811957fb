#![cfg(target_arch = "wasm32")]
//! Browser tests of the catalogue (Chromium and Firefox through wasm-bindgen-test-runner): what
//! needs the browser's `Intl` and `navigator.languages`, and the layout of languages that are
//! written right to left or without spaces. The files themselves are checked natively
//! (`crates/launcher/src/i18n/tests.rs`).

use std::rc::Rc;

use js_sys::{Array, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

use webchat::actions::UiAction;
use webchat::i18n::{Category, Key, Lang};
use webchat::model::campaign::widget_config;
use webchat::model::{
    ChatStore, EndedBy, Notice, Phase, SurveyConfig, SurveyOption, SurveyState, WidgetConfig,
};
use webchat::mount::{mount_widget, MountedWidget};
use webchat::session::ViewUpdate;
use webchat_protocol::api::{parse_response, Campaign};

mod support;
use support::shadow::{mounted_fixture, Shadowed};
use support::{computed, fresh_host, settle};

wasm_bindgen_test_configure!(run_in_browser);

// ---------- helpers ----------

fn plural_rules(lang: Lang) -> Intl::PluralRules {
    Intl::PluralRules::new(&Array::of1(&lang.code().into()), &Object::new())
}

/// The categories the browser's CLDR data gives `lang`.
fn browser_categories(lang: Lang) -> Vec<String> {
    let options = plural_rules(lang).resolved_options();
    let list = Reflect::get(&options, &"pluralCategories".into()).unwrap();
    Array::from(&list)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// `n` as the browser writes it in `lang`.
fn browser_number(lang: Lang, n: u32) -> String {
    let format = Intl::NumberFormat::new(&Array::of1(&lang.code().into()), &Object::new()).format();
    format
        .call1(&JsValue::NULL, &n.into())
        .unwrap()
        .as_string()
        .unwrap()
}

/// Replaces `navigator.languages` for the duration of `f` (an own property shadowing the
/// prototype's getter; deleting it restores the browser's list).
fn with_browser_languages<R>(languages: &[&str], f: impl FnOnce() -> R) -> R {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let list: Array = languages.iter().map(|l| JsValue::from_str(l)).collect();
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"value".into(), &list).unwrap();
    Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
    let navigator: &Object = navigator.unchecked_ref();
    Object::define_property(navigator, &"languages".into(), &descriptor);
    let out = f();
    Reflect::delete_property(navigator, &"languages".into()).unwrap();
    out
}

fn campaign(language: &str) -> Campaign {
    parse_response(
        200,
        &format!(
            r##"{{"id":"c","name":"n","active":true,"color":"#0a6018","language":"{language}",
            "availability":true,"available_agents":1,"available_slots":1,
            "cobrowsing":{{"active":false}},"survey":{{"active":false}}}}"##
        ),
    )
    .expect("campaign")
}

struct Fixture {
    host: HtmlElement,
    store: ChatStore,
    widget: Option<MountedWidget>,
}

mounted_fixture!(Fixture);

impl Fixture {
    async fn mount(lang: Lang) -> Fixture {
        let host = fresh_host("webchat-i18n-host");
        let survey = SurveyConfig {
            options: ["good", "moderate", "bad"]
                .map(|v| SurveyOption {
                    value: v.into(),
                    label: None,
                })
                .to_vec(),
            comment_enabled: true,
            thanks_enabled: true,
            ..Default::default()
        };
        let config = WidgetConfig {
            language: lang,
            survey: Some(survey),
            ..Default::default()
        };
        let store = ChatStore::new(config, true);
        let widget = mount_widget(&host, store, Rc::new(|_: UiAction| {})).unwrap();
        settle().await;
        Fixture {
            host,
            store,
            widget: Some(widget),
        }
    }

    async fn open(&self) {
        self.store.open_window();
        settle().await;
    }
}

/// Asserts that `inner` lies within `outer` horizontally (a pixel of rounding allowed).
fn assert_inside(inner: &Element, outer: &Element, what: &str) {
    let (i, o) = (
        inner.get_bounding_client_rect(),
        outer.get_bounding_client_rect(),
    );
    assert!(
        i.left() >= o.left() - 1.0 && i.right() <= o.right() + 1.0,
        "{what}: [{}, {}] outside [{}, {}]",
        i.left(),
        i.right(),
        o.left(),
        o.right()
    );
}

// ---------- plural forms ----------

#[wasm_bindgen_test]
fn every_language_has_exactly_the_plural_forms_the_browser_names() {
    for lang in Lang::ALL {
        let categories = browser_categories(lang);
        assert!(categories.iter().any(|c| c == "other"), "{lang:?}");
        for category in Category::ALL {
            let browser_has = categories.iter().any(|c| c == category.name());
            let table_has = lang.plural_form(Key::OpenChatUnread, category).is_some();
            assert_eq!(
                table_has, browser_has,
                "{lang:?} ({}): `{}` in the table {table_has}, in the browser {browser_has} ({categories:?})",
                lang.code(),
                category.name()
            );
        }
        // The browser knows the language itself (it did not fall back to its default).
        let locale = Reflect::get(&plural_rules(lang).resolved_options(), &"locale".into())
            .unwrap()
            .as_string()
            .unwrap();
        let primary = lang.code().split('-').next().unwrap();
        assert!(locale.starts_with(primary), "{lang:?}: {locale}");
    }
}

#[wasm_bindgen_test]
fn a_form_without_the_number_stands_for_one_number() {
    // Arabic writes "one message" and "two messages" in words; that is only right if those
    // categories never hold another number.
    let mut seen = 0;
    for lang in Lang::ALL {
        let rules = plural_rules(lang);
        for category in Category::ALL {
            let Some(form) = lang.plural_form(Key::OpenChatUnread, category) else {
                continue;
            };
            if form.contains("{count}") {
                continue;
            }
            seen += 1;
            let numbers: Vec<u32> = (0..=1000)
                .filter(|n| rules.select(f64::from(*n)) == category.name())
                .collect();
            assert_eq!(numbers.len(), 1, "{lang:?} {category:?} holds {numbers:?}");
        }
    }
    assert!(seen >= 5, "Arabic's zero, one, two and Hebrew's one, two");
}

#[wasm_bindgen_test]
fn counts_take_the_form_intl_plural_rules_picks() {
    let unread = |lang: Lang, n: u32| lang.count(Key::OpenChatUnread, n);
    assert_eq!(unread(Lang::En, 1), "Open chat, 1 unread message");
    assert_eq!(unread(Lang::En, 2), "Open chat, 2 unread messages");
    // Polish: one, few (2–4, 22–24 …), many (5–21, 25 …).
    assert_eq!(
        unread(Lang::Pl, 1),
        "Otwórz czat, 1 nieprzeczytana wiadomość"
    );
    for n in [2, 3, 4, 22, 34] {
        assert_eq!(
            unread(Lang::Pl, n),
            format!("Otwórz czat, {n} nieprzeczytane wiadomości")
        );
    }
    for n in [5, 11, 12, 21, 25] {
        assert_eq!(
            unread(Lang::Pl, n),
            format!("Otwórz czat, {n} nieprzeczytanych wiadomości")
        );
    }
    // Russian: one also for 21, 31 …
    for n in [1, 21, 101] {
        assert!(
            unread(Lang::Ru, n).ends_with(&format!("{n} непрочитанное сообщение")),
            "{n}"
        );
    }
    assert!(unread(Lang::Ru, 3).ends_with("3 непрочитанных сообщения"));
    assert!(unread(Lang::Ru, 11).ends_with("11 непрочитанных сообщений"));
    // Czech: few for 2–4 only.
    assert!(unread(Lang::Cs, 3).ends_with("3 nepřečtené zprávy"));
    assert!(unread(Lang::Cs, 22).ends_with("22 nepřečtených zpráv"));
    // French: 0 and 1 are singular; a million takes "de".
    assert!(unread(Lang::Fr, 1).ends_with("1 message non lu"));
    assert!(unread(Lang::Fr, 2).ends_with("2 messages non lus"));
    assert!(unread(Lang::Fr, 1_000_000).ends_with("de messages non lus"));
    // Arabic: words for one and two, its own digits and forms beyond.
    assert!(unread(Lang::Ar, 1).contains("رسالة واحدة"));
    assert!(unread(Lang::Ar, 2).contains("رسالتان"));
    let three = browser_number(Lang::Ar, 3);
    assert!(
        unread(Lang::Ar, 3).contains(&format!("{three} رسائل")),
        "{}",
        unread(Lang::Ar, 3)
    );
    let eleven = browser_number(Lang::Ar, 11);
    assert!(unread(Lang::Ar, 11).contains(&format!("{eleven} رسالة")));
    // Hebrew: two in words.
    assert!(unread(Lang::He, 2).contains("שתי הודעות"));
    // Persian writes the number in its own digits.
    let persian = unread(Lang::Fa, 3);
    assert!(persian.contains(&browser_number(Lang::Fa, 3)), "{persian}");
    assert!(persian.contains('۳'), "{persian}");
    // Languages without plural forms.
    assert_eq!(unread(Lang::Ja, 5), "チャットを開く（未読メッセージ5件）");
}

// ---------- tags, fallback, auto ----------

#[wasm_bindgen_test]
fn every_language_code_is_a_tag_the_browser_accepts() {
    for lang in Lang::ALL {
        let canonical = Intl::get_canonical_locales(&Array::of1(&lang.code().into()));
        assert_eq!(canonical.get(0).as_string().as_deref(), Some(lang.code()));
    }
}

#[wasm_bindgen_test]
fn tags_map_to_tables_region_then_language_then_english() {
    let cases = [
        ("zh-TW", Lang::ZhHant),
        ("zh-Hant-HK", Lang::ZhHant),
        ("zh-CN", Lang::ZhHans),
        ("pt-BR", Lang::PtBr),
        ("pt-AO", Lang::Pt),
        ("no", Lang::Nb),
        ("nb-NO", Lang::Nb),
        ("tl", Lang::Fil),
        ("fil-PH", Lang::Fil),
        ("de-CH", Lang::De),
        ("fa-IR", Lang::Fa),
    ];
    for (tag, lang) in cases {
        assert_eq!(Lang::from_tag(tag), Some(lang), "{tag}");
    }
    // A campaign in a language without a table shows English; one in a region without its own
    // table shows the language's.
    assert_eq!(widget_config(&campaign("sr-RS"), None).lang(), Lang::En);
    assert_eq!(widget_config(&campaign("pt-MZ"), None).lang(), Lang::Pt);
    assert_eq!(widget_config(&campaign("zh-HK"), None).lang(), Lang::ZhHant);
    // The regional table's texts are its own; its parent's are there for what it lacks.
    assert_eq!(Lang::PtBr.parent(), Some(Lang::Pt));
    assert_eq!(Lang::PtBr.text(Key::TypeYourMessage), "Digite sua mensagem");
    assert_eq!(
        Lang::Pt.text(Key::TypeYourMessage),
        "Escreva a sua mensagem"
    );
}

#[wasm_bindgen_test]
fn auto_follows_navigator_languages() {
    // The browser's own list, whatever the runner's locale is.
    let actual: Vec<String> = Array::from(
        &Reflect::get(
            &Reflect::get(&js_sys::global(), &"navigator".into()).unwrap(),
            &"languages".into(),
        )
        .unwrap(),
    )
    .iter()
    .filter_map(|v| v.as_string())
    .collect();
    assert_eq!(Lang::from_setting("auto"), Lang::negotiate(&actual));

    // The first language with a table wins.
    with_browser_languages(&["sr-RS", "zh-TW", "en-US"], || {
        assert_eq!(Lang::from_setting("auto"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_setting("AUTO"), Some(Lang::ZhHant));
        // A campaign in `auto` follows it too.
        assert_eq!(widget_config(&campaign("auto"), None).lang(), Lang::ZhHant);
        // A tag is a tag.
        assert_eq!(Lang::from_setting("de"), Some(Lang::De));
    });
    with_browser_languages(&["fa-IR", "en"], || {
        assert_eq!(widget_config(&campaign("auto"), None).lang(), Lang::Fa);
    });
    // Nothing the catalogue has: the campaign's `auto` shows English.
    with_browser_languages(&["sr-RS", "xx"], || {
        assert_eq!(Lang::from_setting("auto"), None);
        assert_eq!(widget_config(&campaign("auto"), None).lang(), Lang::En);
    });
}

// ---------- layout ----------

#[wasm_bindgen_test]
async fn persian_and_urdu_are_right_to_left_with_mirrored_direction_icons() {
    for lang in [Lang::Fa, Lang::Ur] {
        let f = Fixture::mount(lang).await;
        assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("rtl"));
        assert_eq!(f.attr(".wc-root", "lang").as_deref(), Some(lang.code()));
        assert_eq!(
            f.attr(".wc-launcher", "aria-label").as_deref(),
            Some(lang.text(Key::OpenChat))
        );
        // The launcher's bubble turns with the text (its tail points the reading way).
        let bubble = f.el(".wc-launcher-icon--chat svg");
        assert!(
            computed(&bubble, "transform").starts_with("matrix(-1"),
            "{lang:?}"
        );
        f.open().await;
        let send = f.el(".wc-send svg");
        assert!(
            computed(&send, "transform").starts_with("matrix(-1"),
            "{lang:?}"
        );
        // Undirected icons stay as drawn.
        assert_eq!(computed(&f.el(".wc-icon-btn svg"), "transform"), "none");
        assert_eq!(computed(&f.el(".wc-window"), "direction"), "rtl");
    }
    let f = Fixture::mount(Lang::Ja).await;
    f.open().await;
    assert_eq!(computed(&f.el(".wc-send svg"), "transform"), "none");
}

#[wasm_bindgen_test]
async fn each_chinese_table_is_marked_with_its_script() {
    for (lang, code) in [(Lang::ZhHant, "zh-Hant"), (Lang::ZhHans, "zh-Hans")] {
        let f = Fixture::mount(lang).await;
        assert_eq!(f.attr(".wc-root", "lang").as_deref(), Some(code));
        assert_eq!(f.attr(".wc-root", "dir").as_deref(), Some("ltr"));
        f.open().await;
        assert_eq!(
            f.attr(".wc-composer textarea", "aria-label").as_deref(),
            Some(lang.text(Key::TypeYourMessage))
        );
        assert_eq!(computed(&f.el(".wc-root"), "line-break"), "strict");
    }
}

#[wasm_bindgen_test]
async fn text_without_spaces_wraps_inside_bubbles_header_and_buttons() {
    let long = [
        (Lang::Th, "ขอบคุณที่ติดต่อเราวันนี้ทางร้านมีโปรโมชั่นพิเศษสำหรับลูกค้าทุกท่านกรุณาแจ้งหมายเลขคำสั่งซื้อของคุณเพื่อให้เจ้าหน้าที่ตรวจสอบสถานะการจัดส่งให้ได้อย่างรวดเร็ว"),
        (Lang::Ja, "お問い合わせいただきありがとうございます。ご注文の商品は本日発送いたしました。お届けまで二日から三日ほどかかりますので、今しばらくお待ちくださいませ。"),
        (Lang::ZhHant, "感謝您的來信，您訂購的商品已於今日寄出，預計兩到三個工作天內送達，如有任何問題歡迎隨時與我們聯繫，我們將竭誠為您服務。"),
        (Lang::Ko, "문의해주셔서감사합니다주문하신상품은오늘발송되었으며이삼일내에도착할예정입니다궁금하신점이있으시면언제든지연락주세요"),
    ];
    for (lang, text) in long {
        let f = Fixture::mount(lang).await;
        f.open().await;
        f.store.set_phase(Phase::Chatting);
        f.store.add_agent_message("a1", "Ana", text);
        // The end as the session shows it: the notice, the phase, the survey.
        f.store.add_notice(Notice::Ended(EndedBy::Agent));
        f.store.set_phase(Phase::Ended);
        f.store.apply(ViewUpdate::Survey(SurveyState::Open));
        settle().await;
        let window = f.el(".wc-window");
        let bubble = f.el(".wc-msg--agent .wc-bubble");
        assert!(
            bubble.scroll_width() <= bubble.client_width(),
            "{lang:?}: the bubble's text overflows ({} > {})",
            bubble.scroll_width(),
            bubble.client_width()
        );
        assert_inside(&bubble, &f.el(".wc-log"), &format!("{lang:?} bubble"));
        assert!(
            bubble.get_bounding_client_rect().height() > 40.0,
            "{lang:?}: wrapped"
        );
        for button in f.all(".wc-header button") {
            assert_inside(&button, &window, &format!("{lang:?} header button"));
        }
        let options = f.all(".wc-survey-option");
        assert_eq!(options.len(), 3, "{lang:?}: the survey is shown");
        for label in options {
            assert_inside(&label, &window, &format!("{lang:?} survey option"));
            assert!(
                label.scroll_width() <= label.client_width() + 1,
                "{lang:?}: survey label"
            );
        }
    }
}
