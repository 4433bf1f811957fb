//! Times and days as the visitor reads them: short, in the widget's language, in the browser's
//! time zone, through the browser's own `Intl` (no date library in the widget).
//!
//! One `Intl.DateTimeFormat` is kept per (language, style) and reused: building one is the
//! expensive part (`toLocale*String` with options builds a new one per call, which made a
//! 1,000-message history spend most of its time here).
//!
//! Only formatting; where a time comes from (the controller's clock, an archive stamp) is not
//! its business.

use std::cell::RefCell;

use js_sys::{Array, Date, Function, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::Lang;

/// The shapes a time is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `14:05`
    Time,
    /// `5 Dec 2026`
    Day,
    /// `3 Dec, 14:05`
    DayMonthTime,
    /// `5 Dec 2026, 14:05`
    DayAndTime,
}

impl Style {
    fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Style::Time => &[("hour", "numeric"), ("minute", "2-digit")],
            Style::Day => &[("dateStyle", "medium")],
            Style::DayMonthTime => &[
                ("day", "numeric"),
                ("month", "short"),
                ("hour", "numeric"),
                ("minute", "2-digit"),
            ],
            Style::DayAndTime => &[("dateStyle", "medium"), ("timeStyle", "short")],
        }
    }
}

thread_local! {
    /// The bound `format` functions built so far: a handful at most (styles × languages used).
    static FORMATTERS: RefCell<Vec<(Lang, Style, Function)>> = const { RefCell::new(Vec::new()) };
}

fn date(ms: u64) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

fn formatter(lang: Lang, style: Style) -> Function {
    FORMATTERS.with_borrow_mut(|cache| {
        if let Some((_, _, f)) = cache.iter().find(|(l, s, _)| *l == lang && *s == style) {
            return f.clone();
        }
        let options = Object::new();
        for (k, v) in style.options() {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&options, &(*k).into(), &(*v).into());
        }
        let locales = Array::of1(&lang.code().into());
        // `format` is a getter returning a function bound to its formatter.
        let f = Intl::DateTimeFormat::new(&locales, &options).format();
        cache.push((lang, style, f.clone()));
        f
    })
}

/// `ms` in `style`; empty for an instant `Intl` cannot format (out of range).
fn format(ms: u64, lang: Lang, style: Style) -> String {
    formatter(lang, style)
        .call1(&JsValue::UNDEFINED, &date(ms))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
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
    format(ms, lang, Style::Time)
}

/// The day, e.g. `5 Dec 2026` (en) or `05.12.2026` style per language.
pub fn day(ms: u64, lang: Lang) -> String {
    format(ms, lang, Style::Day)
}

/// What a bubble shows: the time alone for today's messages, the day and time for older ones
/// (a restored or earlier conversation), e.g. `14:05` or `3 Dec, 14:05`.
pub fn bubble_time(ms: u64, lang: Lang) -> String {
    let (then, now) = (date(ms), Date::new_0());
    let same_day = then.get_full_year() == now.get_full_year()
        && then.get_month() == now.get_month()
        && then.get_date() == now.get_date();
    format(
        ms,
        lang,
        if same_day {
            Style::Time
        } else {
            Style::DayMonthTime
        },
    )
}

/// A day and time for screen readers and tooltips, e.g. `5 Dec 2026, 14:05`.
pub fn day_and_time(ms: u64, lang: Lang) -> String {
    format(ms, lang, Style::DayAndTime)
}
