//! Time zones through the browser's `Intl`: the offset of an IANA zone at an instant, read from
//! `Intl.DateTimeFormat` (no tz database in the wasm), for the `openingHours` rule.
//!
//! It does not decide anything: [`ZoneOffsets`] is all the engine asks of it.

use wasm_bindgen::{JsCast, JsValue};

use super::rules::RuleError;
use super::zone::{days_from_civil, ZoneOffsets, DAY_MS};

/// A time zone answered by the browser's `Intl.DateTimeFormat` (`formatToParts` in the zone,
/// read back as a wall time).
pub struct IntlZone {
    format: js_sys::Intl::DateTimeFormat,
}

impl IntlZone {
    /// The zone `name` (IANA, e.g. `Europe/Vienna`), or [`RuleError::UnknownTimeZone`] when the
    /// browser does not know it.
    pub fn new(name: &str) -> Result<IntlZone, RuleError> {
        let unknown = || RuleError::UnknownTimeZone(name.to_owned());
        let intl =
            js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).map_err(|_| unknown())?;
        let ctor: js_sys::Function = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
            .ok()
            .and_then(|c| c.dyn_into().ok())
            .ok_or_else(unknown)?;
        let options = js_sys::Object::new();
        for (k, v) in [
            ("timeZone", name),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        let args = js_sys::Array::of2(&"en-US".into(), &options);
        // The constructor throws a RangeError for a zone it does not know: caught here.
        let format = js_sys::Reflect::construct(&ctor, &args).map_err(|_| unknown())?;
        Ok(IntlZone {
            format: format.unchecked_into(),
        })
    }

    /// The wall time at `utc_ms` as ms since 1970-01-01 00:00 local, or `None` if the browser's
    /// answer cannot be read.
    fn wall_ms(&self, utc_ms: i64) -> Option<i64> {
        let date = js_sys::Date::new(&JsValue::from_f64(utc_ms as f64));
        let parts = self.format.format_to_parts(&date);
        let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (None, None, None, None, None, None);
        for part in parts.iter() {
            let get = |k: &str| {
                js_sys::Reflect::get(&part, &k.into())
                    .ok()
                    .and_then(|v| v.as_string())
            };
            let (Some(kind), Some(value)) = (get("type"), get("value")) else {
                continue;
            };
            let n = value.trim().parse::<i64>().ok();
            match kind.as_str() {
                "year" => y = n,
                "month" => mo = n,
                "day" => d = n,
                "hour" => h = n,
                "minute" => mi = n,
                "second" => s = n,
                _ => {}
            }
        }
        let days = days_from_civil(
            i32::try_from(y?).ok()?,
            u8::try_from(mo?).ok()?,
            u8::try_from(d?).ok()?,
        );
        // Some engines still say "24" for midnight despite h23.
        let h = h? % 24;
        Some(days * DAY_MS + ((h * 60 + mi?) * 60 + s?) * 1000)
    }
}

impl ZoneOffsets for IntlZone {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        // Whole seconds: Intl drops the milliseconds.
        let utc_s = utc_ms.div_euclid(1000) * 1000;
        match self.wall_ms(utc_s) {
            Some(wall) => (wall - utc_s + 30_000).div_euclid(60_000) as i32,
            None => 0,
        }
    }
}

/// A zone for rules without `openingHours` (never asked).
pub(crate) struct NoZone;

impl ZoneOffsets for NoZone {
    fn offset_minutes(&self, _utc_ms: i64) -> i32 {
        0
    }
}
