//! Time as the caller sees it.
//!
//! The core never reads a clock: every time-dependent call takes an [`Instant`] the caller made,
//! in milliseconds since an origin the caller chose (the browser passes `performance.now()`,
//! native drivers the milliseconds since they started). Only differences between instants
//! matter, so any origin works as long as one connection uses one origin.
//! Durations are [`core::time::Duration`].

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

#[cfg(test)]
mod tests {
    use super::*;

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
