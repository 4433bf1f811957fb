//! Times and days as the visitor reads them: short, in the widget's language, in the browser's
//! time zone, through the browser's own `Intl` (no date library in the widget).
//!
//! One `Intl.DateTimeFormat` is kept per (language, style) and reused: building one is the
//! expensive part (`toLocale*String` with options builds a new one per call, which made a
//! 1,000-message history spend most of its time here). The first one a page builds costs far
//! more (tens of ms: the browser loads its locale data), so [`warm_when_idle`] builds them in
//! the first idle moment after the chat window is built, usually before the first bubble needs
//! one (a bubble built before that pays it once). Instants go to `format` as numbers (no `Date`
//! object per call), the ISO form for `<time datetime>` is worked out here, and whether an
//! instant is today is checked against the day's bounds, found once a day: a bubble costs one
//! `Intl` call for its text and one for its tooltip.
//!
//! Only formatting; where a time comes from (the controller's clock, an archive stamp) is not
//! its business.

use crate::visibility::zone::{self, civil_from_days};
use std::cell::{Cell, RefCell};

use js_sys::{Array, Date, Function, Intl, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

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
    /// Today in the browser's time zone, `[start, end)` in ms since the epoch (see [`is_today`]).
    static TODAY: Cell<(f64, f64)> = const { Cell::new((0.0, 0.0)) };
}

/// The latest instant a JavaScript `Date` holds (ms since the epoch).
const MAX_DATE_MS: u64 = 8_640_000_000_000_000;

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
    if ms > MAX_DATE_MS {
        return String::new();
    }
    // `format` takes the instant as a number as well as a `Date`.
    formatter(lang, style)
        .call1(&JsValue::UNDEFINED, &JsValue::from_f64(ms as f64))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Builds the formatters a conversation in `lang` needs and finds today's bounds, so the first
/// bubbles do not pay for the browser's locale data. Cheap once done.
pub fn warm(lang: Lang) {
    for style in [Style::Time, Style::DayMonthTime, Style::DayAndTime] {
        formatter(lang, style);
    }
    is_today(0);
}

/// [`warm`] when the page is next idle (`requestIdleCallback`, 2 s at the latest), so building
/// the formatters never delays the chat window's first frames or the visitor's first keys; a
/// browser without idle callbacks gets it in a task of its own after the next frame. Only the
/// window's first build calls it, so it is off the page's start-up path. A hidden tab has no
/// frames and no idle time to speak of: it warms when shown, or at the timeout.
pub fn warm_when_idle(lang: impl Fn() -> Lang + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let warm = Closure::once_into_js(move || warm(lang()));
    let idle = Reflect::get(&window, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if let Some(idle) = idle {
        let options = Object::new();
        // A fresh plain object: setting a property on it cannot fail.
        let _ = Reflect::set(&options, &"timeout".into(), &JsValue::from_f64(2000.0));
        if idle.call2(&window, &warm, &options).is_ok() {
            return;
        }
    }
    let after_paint = Closure::once_into_js(move || {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(warm.unchecked_ref(), 0);
        }
    });
    let _ = window.request_animation_frame(after_paint.unchecked_ref());
}

/// The machine-readable form for `<time datetime>` (ISO 8601, UTC), as `Date.toISOString`
/// writes it; empty past what a `Date` holds.
pub fn iso(ms: u64) -> String {
    if ms > MAX_DATE_MS {
        return String::new();
    }
    let days = (ms / 86_400_000) as i64;
    let in_day = ms % 86_400_000;
    // The calendar arithmetic the visibility rules use (Hinnant's `civil_from_days`).
    let zone::Date { year, month, day } = civil_from_days(days);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let year = if year > 9999 {
        format!("+{year:06}")
    } else {
        format!("{year:04}")
    };
    format!("{year}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// Whether `ms` falls on today's date in the browser's time zone. The day's bounds are found
/// once and kept until it is over (a day may be 23 or 25 hours long: both ends come from `Date`).
fn is_today(ms: u64) -> bool {
    let now = Date::now();
    let (mut start, mut end) = TODAY.get();
    if !(start..end).contains(&now) {
        let day = Date::new(&JsValue::from_f64(now));
        day.set_hours(0);
        day.set_minutes(0);
        day.set_seconds(0);
        day.set_milliseconds(0);
        start = day.get_time();
        day.set_date(day.get_date() + 1);
        end = day.get_time();
        if !(start..end).contains(&now) {
            // A clock or zone the arithmetic above does not fit: ask `Date` directly.
            let (then, today) = (Date::new(&JsValue::from_f64(ms as f64)), Date::new_0());
            return then.get_full_year() == today.get_full_year()
                && then.get_month() == today.get_month()
                && then.get_date() == today.get_date();
        }
        TODAY.set((start, end));
    }
    (start..end).contains(&(ms as f64))
}

/// The calendar day `ms` falls on in the browser's time zone, as a day number: equal numbers
/// are the same local date (for telling where a conversation crosses midnight).
pub fn local_day(ms: u64) -> i64 {
    if ms > MAX_DATE_MS {
        return i64::MAX;
    }
    let offset_ms = Date::new(&JsValue::from_f64(ms as f64)).get_timezone_offset() * 60_000.0;
    ((ms as f64 - offset_ms) / 86_400_000.0).floor() as i64
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
    let style = if is_today(ms) {
        Style::Time
    } else {
        Style::DayMonthTime
    };
    format(ms, lang, style)
}

/// A day and time for screen readers and tooltips, e.g. `5 Dec 2026, 14:05`.
pub fn day_and_time(ms: u64, lang: Lang) -> String {
    format(ms, lang, Style::DayAndTime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_matches_date_to_iso_string() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_764_000_000_000), "2025-11-24T16:00:00.000Z");
        // A leap day, milliseconds kept.
        assert_eq!(iso(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
        assert_eq!(iso(MAX_DATE_MS), "+275760-09-13T00:00:00.000Z");
        assert_eq!(iso(MAX_DATE_MS + 1), "");
    }
}
