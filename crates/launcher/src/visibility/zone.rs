//! Calendar arithmetic and the time-zone seam of the rule engine.
//!
//! [`ZoneOffsets`] is the one question the engine asks about a zone: "what is the UTC offset at
//! this instant?". The browser answers it with `Intl.DateTimeFormat` (see
//! [`IntlZone`](super::browser::IntlZone)); native tests answer it with [`SimulatedZone`], which
//! implements the real EU and US daylight-saving rules, so DST changes are tested without a tz
//! database. This module also converts between days since 1970-01-01 and civil dates (proleptic
//! Gregorian, Howard Hinnant's algorithms). It does not know about opening hours.

/// Milliseconds in a minute.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in a day (civil days in local wall time are always this long).
pub const DAY_MS: i64 = 86_400_000;

/// A time zone as the engine sees it.
pub trait ZoneOffsets {
    /// The offset of local wall time from UTC at the instant `utc_ms` (ms since the Unix epoch),
    /// in minutes east of Greenwich: local wall time = `utc_ms + offset * 60 000`.
    fn offset_minutes(&self, utc_ms: i64) -> i32;
}

/// A civil date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

/// Day of the week of a day number: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// Whether `year-month-day` exists.
pub fn is_valid_date(year: i32, month: u8, day: u8) -> bool {
    (1..=12).contains(&month)
        && day >= 1
        && civil_from_days(days_from_civil(year, month, day)) == Date { year, month, day }
}

/// The day number of the last Sunday of `month` (DST rules are written this way).
fn last_sunday(year: i32, month: u8) -> i64 {
    let first_next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    let last = first_next - 1;
    last - ((weekday(last) as i64 + 1) % 7)
}

/// The day number of the `n`th (1-based) Sunday of `month`.
fn nth_sunday(year: i32, month: u8, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    let to_sunday = (6 - weekday(first) as i64).rem_euclid(7);
    first + to_sunday + 7 * (n - 1)
}

/// A zone with fixed or rule-based offsets, for native tests and as a documented model of what
/// the browser's `Intl` computes. The daylight-saving rules are the real ones in force since
/// 1996 (EU) and 2007 (US).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimulatedZone {
    /// Always this offset (minutes east of UTC).
    Fixed(i32),
    /// EU rules: standard offset `std`, +60 min from the last Sunday of March 01:00 UTC to the
    /// last Sunday of October 01:00 UTC (e.g. Europe/Vienna: `std` = 60).
    Eu { std: i32 },
    /// US rules: standard offset `std`, +60 min from the second Sunday of March 02:00 local
    /// standard time to the first Sunday of November 02:00 local daylight time (e.g.
    /// America/New_York: `std` = -300).
    Us { std: i32 },
}

impl SimulatedZone {
    /// Europe/Vienna (CET/CEST).
    pub const VIENNA: SimulatedZone = SimulatedZone::Eu { std: 60 };
    /// America/New_York (EST/EDT).
    pub const NEW_YORK: SimulatedZone = SimulatedZone::Us { std: -300 };
}

impl ZoneOffsets for SimulatedZone {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        let year = civil_from_days(utc_ms.div_euclid(DAY_MS)).year;
        let hour = 60 * MINUTE_MS;
        match *self {
            SimulatedZone::Fixed(off) => off,
            SimulatedZone::Eu { std } => {
                let start = last_sunday(year, 3) * DAY_MS + hour;
                let end = last_sunday(year, 10) * DAY_MS + hour;
                if (start..end).contains(&utc_ms) {
                    std + 60
                } else {
                    std
                }
            }
            SimulatedZone::Us { std } => {
                let std_ms = i64::from(std) * MINUTE_MS;
                // 02:00 local standard time, and 02:00 local daylight time, as UTC.
                let start = nth_sunday(year, 3, 2) * DAY_MS + 2 * hour - std_ms;
                let end = nth_sunday(year, 11, 1) * DAY_MS + 2 * hour - std_ms - hour;
                if (start..end).contains(&utc_ms) {
                    std + 60
                } else {
                    std
                }
            }
        }
    }
}

/// The UTC instant of a civil date and wall time, read with `offset` (test and doc helper).
pub fn utc_ms(year: i32, month: u8, day: u8, hour: i64, minute: i64, offset_min: i32) -> i64 {
    days_from_civil(year, month, day) * DAY_MS
        + (hour * 60 + minute - i64::from(offset_min)) * MINUTE_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-800_000, -1, 0, 59, 10_956, 20_000, 2_000_000] {
            let c = civil_from_days(d);
            assert_eq!(days_from_civil(c.year, c.month, c.day), d);
        }
        assert_eq!(weekday(days_from_civil(2026, 11, 22)), 6); // a Sunday
        assert_eq!(weekday(days_from_civil(2024, 2, 29)), 3); // a Thursday
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2026, 2, 29));
        assert!(!is_valid_date(2026, 4, 31));
        assert!(!is_valid_date(2026, 13, 1));
    }

    #[test]
    fn vienna_switches_on_the_last_sundays_at_one_utc() {
        let z = SimulatedZone::VIENNA;
        // 2026: 29 March and 25 October.
        let spring = utc_ms(2026, 3, 29, 1, 0, 0);
        assert_eq!(z.offset_minutes(spring - 1), 60);
        assert_eq!(z.offset_minutes(spring), 120);
        let autumn = utc_ms(2026, 10, 25, 1, 0, 0);
        assert_eq!(z.offset_minutes(autumn - 1), 120);
        assert_eq!(z.offset_minutes(autumn), 60);
        assert_eq!(z.offset_minutes(utc_ms(2026, 1, 15, 12, 0, 0)), 60);
    }

    #[test]
    fn new_york_switches_at_two_local() {
        let z = SimulatedZone::NEW_YORK;
        // 2026: 8 March 07:00 UTC and 1 November 06:00 UTC.
        let spring = utc_ms(2026, 3, 8, 7, 0, 0);
        assert_eq!(z.offset_minutes(spring - 1), -300);
        assert_eq!(z.offset_minutes(spring), -240);
        let autumn = utc_ms(2026, 11, 1, 6, 0, 0);
        assert_eq!(z.offset_minutes(autumn - 1), -240);
        assert_eq!(z.offset_minutes(autumn), -300);
    }
}
