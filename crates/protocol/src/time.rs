//! Time as the caller sees it.
//!
//! The core never reads a clock: every time-dependent call takes an [`Instant`] the caller made,
//! in milliseconds since an origin the caller chose (the browser passes `performance.now()`,
//! native drivers the milliseconds since they started). Only differences between instants
//! matter, so any origin works as long as one connection uses one origin.
//! Durations are [`core::time::Duration`].
//!
//! [`DateTime`] reads the XEP-0082 date-times servers put in stamps (XEP-0203 delayed
//! delivery, the archive's `<delay/>`). It only splits the text into its fields; turning a
//! calendar date into a day count is the caller's (the widget has that arithmetic once).

use core::ops::Add;
use core::time::Duration;

/// A point in time: milliseconds since the caller's origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The instant `ms` milliseconds after the caller's origin.
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms)
    }

    /// Milliseconds since the caller's origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// How long after `earlier` this is; zero if `earlier` is later (clocks given by callers
    /// may step back, which must not panic).
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates instead of overflowing: a huge duration means "never".
    fn add(self, d: Duration) -> Instant {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(ms))
    }
}

/// An XEP-0082 `DateTime`: `CCYY-MM-DDThh:mm:ss[.sss]TZD`, `TZD` being `Z` or `±hh:mm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// The year (`CCYY`).
    pub year: i32,
    /// 1 ..= 12.
    pub month: u8,
    /// 1 ..= 31 (whether the day exists in that month is not checked here).
    pub day: u8,
    /// 0 ..= 23.
    pub hour: u8,
    /// 0 ..= 59.
    pub minute: u8,
    /// 0 ..= 60 (a leap second is allowed by the format).
    pub second: u8,
    /// The fraction of the second, in milliseconds (digits beyond the third are dropped).
    pub millis: u16,
    /// The zone's offset from UTC in minutes east (`Z` is 0).
    pub offset_minutes: i16,
}

impl DateTime {
    /// Reads a stamp; `None` for anything that is not an XEP-0082 `DateTime`.
    pub fn parse(text: &str) -> Option<DateTime> {
        let b = text.trim().as_bytes();
        let num = |from: usize, len: usize| -> Option<u32> {
            let digits = b.get(from..from + len)?;
            digits.iter().try_fold(0u32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let at = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
            return None;
        }
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        let mut i = 19;
        let mut millis = 0u32;
        if at(i, b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if i - start < 3 {
                    millis = millis * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return None;
            }
            for _ in (i - start)..3 {
                millis *= 10;
            }
        }
        let offset = match b.get(i) {
            Some(b'Z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b':') => {
                let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let minutes = (h * 60 + m) as i16;
                if sign == b'-' {
                    -minutes
                } else {
                    minutes
                }
            }
            _ => return None,
        };
        let valid = (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour <= 23
            && minute <= 59
            && second <= 60;
        valid.then_some(DateTime {
            year: year as i32,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            millis: millis as u16,
            offset_minutes: offset,
        })
    }

    /// Milliseconds since midnight UTC of the same civil date (may be negative or past a day
    /// when the offset moves the instant to a neighbouring date): add the date's day count
    /// times 86,400,000 to get the Unix time.
    pub fn utc_millis_of_day(&self) -> i64 {
        let local = ((i64::from(self.hour) * 60 + i64::from(self.minute)) * 60
            + i64::from(self.second))
            * 1000
            + i64::from(self.millis);
        local - i64::from(self.offset_minutes) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_of_xep_0082() {
        let t = DateTime::parse("2026-12-05T10:42:00Z").unwrap();
        assert_eq!((t.year, t.month, t.day), (2026, 12, 5));
        assert_eq!((t.hour, t.minute, t.second, t.millis), (10, 42, 0, 0));
        assert_eq!(t.utc_millis_of_day(), (10 * 60 + 42) * 60_000);
        let t = DateTime::parse("1969-07-21T02:56:15.5-05:30").unwrap();
        assert_eq!((t.millis, t.offset_minutes), (500, -330));
        assert_eq!(
            t.utc_millis_of_day(),
            ((2 * 60 + 56) * 60 + 15) * 1000 + 500 + 330 * 60_000
        );
        assert_eq!(
            DateTime::parse("2026-01-01T00:00:00.123456+01:00").map(|t| t.millis),
            Some(123)
        );
        for bad in [
            "not a time",
            "",
            "2026-12-05",
            "2026-12-05T10:42:00",
            "2026-13-05T10:42:00Z",
            "2026-12-05T24:00:00Z",
            "2026-12-05T10:42:00.Z",
            "2026-12-05T10:42:00+0100",
            "2026-12-05T10:42:00Zjunk",
            "２026-12-05T10:42:00Z",
        ] {
            assert_eq!(DateTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn add_and_since_saturate() {
        let t = Instant::from_millis(1_000);
        assert_eq!((t + Duration::from_secs(2)).as_millis(), 3_000);
        assert_eq!(
            t.saturating_duration_since(Instant::from_millis(4_000)),
            Duration::ZERO
        );
        assert_eq!((t + Duration::MAX).as_millis(), u64::MAX);
    }
}
