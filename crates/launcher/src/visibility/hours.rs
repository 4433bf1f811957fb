//! The `openingHours` rule: a weekly schedule in one IANA time zone with date exceptions, and
//! the two questions the engine asks of it — "open at this instant?" and "when does that change
//! next?".
//!
//! Everything is computed in local wall time. A range belongs to the day it starts on: a Friday
//! `22:00-02:00` range runs into Saturday, and a holiday on Saturday does not cut it short (a
//! holiday closes the ranges that *start* on it). Daylight-saving changes are handled by asking
//! the [`ZoneOffsets`] for the offset at each instant: a range starting at a wall time that the
//! spring change skips opens at the change; in autumn the repeated hour is simply lived twice.
//! The time zone's name is kept for the browser side, which builds the zone; this module never
//! looks a zone up.

use super::rules::RuleError;
use super::zone::{civil_from_days, is_valid_date, weekday, ZoneOffsets, DAY_MS, MINUTE_MS};
use crate::json::{kind, Value};
use crate::text::digits;

/// One opening range in minutes after local midnight of its day. `end` > `start`; an `end`
/// beyond 1440 runs into the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u16,
    pub end: u16,
}

/// A date an exception applies to: one day, or the same day every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateKey {
    /// `None`: every year (`"12-25"`).
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
}

impl DateKey {
    fn matches(&self, days: i64) -> bool {
        let d = civil_from_days(days);
        self.month == d.month && self.day == d.day && self.year.is_none_or(|y| y == d.year)
    }

    /// An exact date wins over an every-year one.
    fn rank(&self) -> u8 {
        u8::from(self.year.is_some())
    }
}

/// The parsed `openingHours` rule.
#[derive(Clone, Debug, PartialEq)]
pub struct OpeningHours {
    /// The IANA zone name as given (e.g. `Europe/Vienna`).
    pub time_zone: String,
    /// Monday … Sunday.
    pub weekly: [Vec<Range>; 7],
    /// Days closed all day (holidays).
    pub holidays: Vec<DateKey>,
    /// Days with their own ranges instead of the weekly ones (special opening days).
    pub special_days: Vec<(DateKey, Vec<Range>)>,
}

/// Days scanned ahead for the next opening before giving up (a schedule may be closed for
/// months, e.g. only special days next year).
const MAX_SCAN_DAYS: i64 = 400;

const DAY_KEYS: [[&str; 2]; 7] = [
    ["mon", "monday"],
    ["tue", "tuesday"],
    ["wed", "wednesday"],
    ["thu", "thursday"],
    ["fri", "friday"],
    ["sat", "saturday"],
    ["sun", "sunday"],
];

impl OpeningHours {
    /// Reads `{"timeZone": "Europe/Vienna", "weekly": {"mon": ["09:00-17:00"], …},
    /// "holidays": ["2026-12-25", "01-01"], "specialDays": {"2026-12-24": ["09:00-12:00"]}}`.
    pub fn from_json(v: &Value) -> Result<OpeningHours, RuleError> {
        const RULE: &str = "openingHours";
        let Value::Object(members) = v else {
            return Err(RuleError::invalid(
                RULE,
                kind(v),
                "an object with `timeZone` and `weekly`",
            ));
        };
        let mut hours = OpeningHours {
            time_zone: String::new(),
            weekly: Default::default(),
            holidays: Vec::new(),
            special_days: Vec::new(),
        };
        let mut saw_weekly = false;
        for (key, value) in members.iter() {
            match key.as_str() {
                "timeZone" => match value {
                    Value::String(s) if valid_zone_name(s.trim()) => {
                        hours.time_zone = s.trim().to_owned()
                    }
                    _ => {
                        return Err(RuleError::invalid(
                            "openingHours.timeZone",
                            &found(value),
                            "an IANA time zone name such as \"Europe/Vienna\"",
                        ))
                    }
                },
                "weekly" => {
                    saw_weekly = true;
                    let Value::Object(days) = value else {
                        return Err(RuleError::invalid(
                            "openingHours.weekly",
                            kind(value),
                            "an object such as {\"mon\": [\"09:00-17:00\"]}",
                        ));
                    };
                    for (day, ranges) in days.iter() {
                        let name = day.to_ascii_lowercase();
                        let Some(i) = DAY_KEYS.iter().position(|k| k.contains(&name.as_str()))
                        else {
                            return Err(RuleError::invalid(
                                "openingHours.weekly",
                                &crate::text::quoted(day),
                                "day names mon, tue, wed, thu, fri, sat, sun",
                            ));
                        };
                        hours.weekly[i] =
                            parse_ranges(&["openingHours.weekly.", day].concat(), ranges)?;
                    }
                }
                "holidays" => {
                    let Value::Array(items) = value else {
                        return Err(RuleError::invalid(
                            "openingHours.holidays",
                            kind(value),
                            "an array of dates such as [\"2026-12-25\", \"01-01\"]",
                        ));
                    };
                    for (i, item) in items.iter().enumerate() {
                        let rule = [
                            "openingHours.holidays[",
                            &crate::text::digits(i as u64, 0),
                            "]",
                        ]
                        .concat();
                        match item {
                            Value::String(s) => hours.holidays.push(parse_date(&rule, s)?),
                            _ => return Err(RuleError::invalid(&rule, kind(item), DATE_EXPECTED)),
                        }
                    }
                }
                "specialDays" => {
                    let Value::Object(days) = value else {
                        return Err(RuleError::invalid(
                            "openingHours.specialDays",
                            kind(value),
                            "an object such as {\"2026-12-24\": [\"09:00-12:00\"]}",
                        ));
                    };
                    for (date, ranges) in days.iter() {
                        let rule = ["openingHours.specialDays.", date].concat();
                        let key = parse_date(&rule, date)?;
                        hours.special_days.push((key, parse_ranges(&rule, ranges)?));
                    }
                }
                other => {
                    return Err(RuleError::invalid(
                        &["openingHours.", other].concat(),
                        "an unknown key",
                        "timeZone, weekly, holidays or specialDays",
                    ))
                }
            }
        }
        if hours.time_zone.is_empty() {
            return Err(RuleError::invalid(
                "openingHours.timeZone",
                "missing",
                "an IANA time zone name such as \"Europe/Vienna\"",
            ));
        }
        if !saw_weekly && hours.special_days.is_empty() {
            return Err(RuleError::invalid(
                "openingHours.weekly",
                "missing",
                "a weekly schedule (or at least one special day)",
            ));
        }
        if let Some((key, _)) = hours
            .special_days
            .iter()
            .find(|(k, _)| hours.holidays.contains(k))
        {
            return Err(RuleError::invalid(
                "openingHours.specialDays",
                &[&show_date(key), " (also a holiday)"].concat(),
                "a date that is either a holiday or a special day, not both",
            ));
        }
        Ok(hours)
    }

    /// The ranges that start on day number `days` (local calendar).
    fn ranges_of(&self, days: i64) -> &[Range] {
        let best = |list: &mut dyn Iterator<Item = (u8, usize)>| list.max_by_key(|&(rank, _)| rank);
        let holiday = best(
            &mut self
                .holidays
                .iter()
                .enumerate()
                .filter(|(_, k)| k.matches(days))
                .map(|(i, k)| (k.rank(), i)),
        );
        let special = best(
            &mut self
                .special_days
                .iter()
                .enumerate()
                .filter(|(_, (k, _))| k.matches(days))
                .map(|(i, (k, _))| (k.rank(), i)),
        );
        match (holiday, special) {
            // An exact date beats an every-year one ("closed every 24 Dec, but open in 2026").
            (Some((hr, _)), Some((sr, i))) if sr > hr => &self.special_days[i].1,
            (Some(_), _) => &[],
            (None, Some((_, i))) => &self.special_days[i].1,
            (None, None) => &self.weekly[weekday(days)],
        }
    }

    /// Whether the schedule is open at local wall time `local_ms` (ms since 1970-01-01 00:00
    /// local).
    pub fn open_at_local(&self, local_ms: i64) -> bool {
        let day = local_ms.div_euclid(DAY_MS);
        (day - 1..=day).any(|d| {
            self.ranges_of(d).iter().any(|r| {
                let (start, end) = bounds(d, *r);
                (start..end).contains(&local_ms)
            })
        })
    }

    /// The first range start or end strictly after `local_ms`, within [`MAX_SCAN_DAYS`].
    fn next_local_boundary(&self, local_ms: i64) -> Option<i64> {
        let day = local_ms.div_euclid(DAY_MS);
        let mut best: Option<i64> = None;
        for d in day - 1..=day + MAX_SCAN_DAYS {
            // A day's ranges start at or after its midnight: nothing later can beat `best`.
            if best.is_some_and(|b| b <= d * DAY_MS) {
                break;
            }
            for r in self.ranges_of(d) {
                let (start, end) = bounds(d, *r);
                for t in [start, end] {
                    if t > local_ms && best.is_none_or(|b| t < b) {
                        best = Some(t);
                    }
                }
            }
        }
        best
    }

    /// Whether the schedule is open at the instant `utc_ms` in `zone`.
    pub fn is_open(&self, utc_ms: i64, zone: &dyn ZoneOffsets) -> bool {
        self.open_at_local(local(utc_ms, zone))
    }

    /// The first instant after `utc_ms` at which [`is_open`](Self::is_open) changes, or `None`
    /// when it does not change within about a year.
    pub fn next_change(&self, utc_ms: i64, zone: &dyn ZoneOffsets) -> Option<i64> {
        let state = self.is_open(utc_ms, zone);
        let mut t = utc_ms;
        // Each step moves to a range boundary or an offset change; adjacent ranges
        // ("09:00-12:00", "12:00-17:00") and DST changes that change nothing cost a step each.
        for _ in 0..64 {
            let off = i64::from(zone.offset_minutes(t)) * MINUTE_MS;
            let boundary = self.next_local_boundary(t + off)?;
            let candidate = boundary - off;
            let at = if i64::from(zone.offset_minutes(candidate)) * MINUTE_MS == off {
                candidate
            } else {
                // The offset changes before the boundary: the wall clock jumps at that instant,
                // so re-read the schedule there.
                first_offset_change(zone, t, candidate, off)
            };
            if self.is_open(at, zone) != state {
                return Some(at);
            }
            t = at;
        }
        None
    }
}

/// Local wall time of `utc_ms`.
fn local(utc_ms: i64, zone: &dyn ZoneOffsets) -> i64 {
    utc_ms + i64::from(zone.offset_minutes(utc_ms)) * MINUTE_MS
}

/// Local start and end instants of range `r` on day `d`.
fn bounds(d: i64, r: Range) -> (i64, i64) {
    (
        d * DAY_MS + i64::from(r.start) * MINUTE_MS,
        d * DAY_MS + i64::from(r.end) * MINUTE_MS,
    )
}

/// The first instant in `(from, to]` whose offset differs from `off` (which holds at `from` and
/// not at `to`), to the millisecond — zone changes happen on whole seconds, and the binary search
/// costs about 30 offset look-ups once per change.
fn first_offset_change(zone: &dyn ZoneOffsets, from: i64, to: i64, off: i64) -> i64 {
    let (mut lo, mut hi) = (from, to);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if i64::from(zone.offset_minutes(mid)) * MINUTE_MS == off {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

const DATE_EXPECTED: &str = "a date \"YYYY-MM-DD\" (one day) or \"MM-DD\" (every year)";

fn found(v: &Value) -> String {
    match v {
        Value::String(s) => crate::text::quoted(s),
        other => kind(other).to_owned(),
    }
}

fn show_date(k: &DateKey) -> String {
    match k.year {
        Some(y) => [
            &digits(y.unsigned_abs().into(), 4),
            "-",
            &digits(k.month.into(), 2),
            "-",
            &digits(k.day.into(), 2),
        ]
        .concat(),
        None => [&digits(k.month.into(), 2), "-", &digits(k.day.into(), 2)].concat(),
    }
}

/// Loose check of an IANA name; the browser's `Intl` is the real judge.
fn valid_zone_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
}

fn parse_date(rule: &str, s: &str) -> Result<DateKey, RuleError> {
    let bad = || RuleError::invalid(rule, &crate::text::quoted(s), DATE_EXPECTED);
    let num = |t: &str, len: usize| -> Option<u32> {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let parts: Vec<&str> = s.trim().split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] => (
            Some(num(y, 4).ok_or_else(bad)? as i32),
            num(m, 2),
            num(d, 2),
        ),
        [m, d] => (None, num(m, 2), num(d, 2)),
        _ => return Err(bad()),
    };
    let (month, day) = (month.ok_or_else(bad)? as u8, day.ok_or_else(bad)? as u8);
    // Every-year dates are checked against a leap year so "02-29" is allowed.
    if !is_valid_date(year.unwrap_or(2000), month, day) {
        return Err(bad());
    }
    Ok(DateKey { year, month, day })
}

fn parse_ranges(rule: &str, v: &Value) -> Result<Vec<Range>, RuleError> {
    const EXPECTED: &str = "an array of ranges such as [\"09:00-12:00\", \"22:00-02:00\"]";
    let Value::Array(items) = v else {
        return Err(RuleError::invalid(rule, kind(v), EXPECTED));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let rule = [rule, "[", &digits(i as u64, 0), "]"].concat();
            match item {
                Value::String(s) => parse_range(&rule, s),
                other => Err(RuleError::invalid(
                    &rule,
                    kind(other),
                    "a range \"HH:MM-HH:MM\"",
                )),
            }
        })
        .collect()
}

/// `"09:00-17:30"`; `"22:00-02:00"` crosses midnight; `"00:00-24:00"` is the whole day.
fn parse_range(rule: &str, s: &str) -> Result<Range, RuleError> {
    const EXPECTED: &str =
        "a range \"HH:MM-HH:MM\" (24-hour clock; an end at or before the start runs past midnight)";
    let bad = || RuleError::invalid(rule, &crate::text::quoted(s), EXPECTED);
    let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
    let (start, end) = (
        parse_clock(a.trim()).ok_or_else(bad)?,
        parse_clock(b.trim()).ok_or_else(bad)?,
    );
    if start >= 1440 || start == end {
        return Err(bad());
    }
    let end = if end > start { end } else { end + 1440 };
    if end - start > 1440 {
        return Err(bad());
    }
    Ok(Range { start, end })
}

/// `HH:MM` → minutes (24:00 allowed as an end).
fn parse_clock(t: &str) -> Option<u16> {
    let (h, m) = t.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}
