//! What the catalogue asks the browser: the visitor's languages (`navigator.languages`), a
//! number's plural category (`Intl.PluralRules`) and how the number is written
//! (`Intl.NumberFormat`). It only moves data. Outside a browser (native tests) there are no
//! languages, no category (the catalogue then shows the `other` form) and plain digits.

use super::plural::Category;
use super::Lang;

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::RefCell;

    use js_sys::{Array, Function, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    use super::{Category, Lang};

    thread_local! {
        /// One `Intl.PluralRules` and one bound `Intl.NumberFormat` `format` per language used:
        /// building them is the expensive part (the first one loads the browser's locale data).
        static INTL: RefCell<Vec<(Lang, Intl::PluralRules, Function)>> =
            const { RefCell::new(Vec::new()) };
    }

    fn with_intl<R>(lang: Lang, f: impl FnOnce(&Intl::PluralRules, &Function) -> R) -> R {
        INTL.with_borrow_mut(|cache| {
            let i = match cache.iter().position(|(l, ..)| *l == lang) {
                Some(i) => i,
                None => {
                    let locales = Array::of1(&lang.code().into());
                    let rules = Intl::PluralRules::new(&locales, &Object::new());
                    // `format` is a getter returning a function bound to its formatter.
                    let format = Intl::NumberFormat::new(&locales, &Object::new()).format();
                    cache.push((lang, rules, format));
                    cache.len() - 1
                }
            };
            let (_, rules, format) = &cache[i];
            f(rules, format)
        })
    }

    pub fn preferred_languages() -> Vec<String> {
        let get = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).ok();
        get(&js_sys::global(), "navigator")
            .and_then(|n| get(&n, "languages"))
            .filter(Array::is_array)
            .map(|list| {
                Array::from(&list)
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn plural_category(lang: Lang, n: u32) -> Option<Category> {
        with_intl(lang, |rules, _| {
            Category::from_name(&String::from(rules.select(f64::from(n))))
        })
    }

    pub fn number(lang: Lang, n: u32) -> String {
        with_intl(lang, |_, format| {
            format
                .call1(&JsValue::NULL, &n.into())
                .ok()
                .and_then(|v| v.as_string())
        })
        .unwrap_or_else(|| crate::text::digits(n.into(), 0))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{Category, Lang};

    pub fn preferred_languages() -> Vec<String> {
        Vec::new()
    }

    pub fn plural_category(_: Lang, _: u32) -> Option<Category> {
        None
    }

    pub fn number(_: Lang, n: u32) -> String {
        n.to_string()
    }
}

/// The browser's preferred languages, best first (`navigator.languages`); empty without them.
pub fn preferred_languages() -> Vec<String> {
    imp::preferred_languages()
}

/// The plural category of `n` in `lang` (`Intl.PluralRules`); `None` without a browser.
pub fn plural_category(lang: Lang, n: u32) -> Option<Category> {
    imp::plural_category(lang, n)
}

/// `n` written as `lang` writes numbers (`Intl.NumberFormat`: `۳` in Persian); digits without
/// a browser.
pub fn number(lang: Lang, n: u32) -> String {
    imp::number(lang, n)
}
