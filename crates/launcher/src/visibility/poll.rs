//! The schedule of one periodic read (the campaign for the agent rules, the operator's verdict):
//! when the next read is due, its timer, and the backoff after failed ones.
//!
//! It does not read anything itself; the driver asks [`Poll::due`] and reports [`Poll::done`].

use super::operator::poll_interval_ms;
use crate::adapters::timer::Timer;

/// One periodic read: its timer, when it last went out and how the last ones went.
pub(super) struct Poll {
    timer: Option<Timer>,
    armed: bool,
    in_flight: bool,
    last_ms: Option<i64>,
    failures: u32,
}

impl Poll {
    pub(super) fn new(timer: Timer) -> Poll {
        Poll {
            timer: Some(timer),
            armed: false,
            in_flight: false,
            last_ms: None,
            failures: 0,
        }
    }

    /// Whether a read should go out now (then it counts as sent). Otherwise arms the timer for
    /// when one is due, or disarms it when no read is `wanted`.
    pub(super) fn due(&mut self, wanted: bool, poll_seconds: u32) -> bool {
        if !wanted {
            if self.armed {
                if let Some(t) = &self.timer {
                    t.cancel();
                }
                self.armed = false;
            }
            return false;
        }
        if self.in_flight || self.armed {
            return false;
        }
        let now = crate::adapters::now_ms();
        let due = self
            .last_ms
            .map_or(now, |t| t + poll_interval_ms(poll_seconds, self.failures));
        if due > now {
            if let Some(t) = &self.timer {
                self.armed = t.arm(u64::try_from(due - now).unwrap_or(0));
            }
            return false;
        }
        self.in_flight = true;
        self.last_ms = Some(now);
        true
    }

    /// Forgets the schedule: the next [`due`](Self::due) reads at once.
    pub(super) fn restart(&mut self) {
        self.last_ms = None;
        self.failures = 0;
        if let Some(t) = &self.timer {
            t.cancel();
        }
        self.armed = false;
    }

    /// Its timer fired: nothing is armed any more.
    pub(super) fn fired(&mut self) {
        self.armed = false;
    }

    /// Drops the timer: no read is scheduled again.
    pub(super) fn stop(&mut self) {
        self.timer = None;
        self.armed = false;
    }

    /// Whether the last read went well (or none went out yet).
    pub(super) fn healthy(&self) -> bool {
        self.failures == 0
    }

    /// The reply to the read in flight arrived.
    pub(super) fn done(&mut self, ok: bool) {
        self.in_flight = false;
        self.failures = if ok {
            0
        } else {
            self.failures.saturating_add(1)
        };
    }
}
