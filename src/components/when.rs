//! Times and days as the visitor reads them: short, in the widget's language, in the browser's
//! time zone, through the browser's own `Intl` (no date library in the widget).
//!
//! Only formatting; where a time comes from (the controller's clock, an archive stamp) is not
//! its business.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::Lang;

fn date(ms: u64) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o.into()
}

/// The machine-readable form for `<time datetime>` (ISO 8601, UTC).
pub fn iso(ms: u64) -> String {
    let d = date(ms);
    if d.get_time().is_nan() {
        return String::new();
    }
    d.to_iso_string().into()
}

/// Hours and minutes, e.g. `14:05` (de) or `2:05 PM` (en).
pub fn short_time(ms: u64, lang: Lang) -> String {
    date(ms)
        .to_locale_time_string_with_options(
            lang.code(),
            &options(&[("hour", "numeric"), ("minute", "2-digit")]),
        )
        .into()
}

/// The day, e.g. `5 Dec 2026` (en) or `05.12.2026` style per language.
pub fn day(ms: u64, lang: Lang) -> String {
    date(ms)
        .to_locale_date_string(lang.code(), &options(&[("dateStyle", "medium")]))
        .into()
}

/// What a bubble shows: the time alone for today's messages, the day and time for older ones
/// (a restored or earlier conversation), e.g. `14:05` or `3 Dec, 14:05`.
pub fn bubble_time(ms: u64, lang: Lang) -> String {
    let (then, now) = (date(ms), Date::new_0());
    let same_day = then.get_full_year() == now.get_full_year()
        && then.get_month() == now.get_month()
        && then.get_date() == now.get_date();
    if same_day {
        return short_time(ms, lang);
    }
    then.to_locale_string(
        lang.code(),
        &options(&[
            ("day", "numeric"),
            ("month", "short"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
        ]),
    )
    .into()
}

/// A day and time for screen readers and tooltips, e.g. `5 Dec 2026, 14:05`.
pub fn day_and_time(ms: u64, lang: Lang) -> String {
    date(ms)
        .to_locale_string(
            lang.code(),
            &options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
        )
        .into()
}
