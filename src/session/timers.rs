//! Every deadline of the session in one table (quinn-proto's `TimerTable`): the driver arms one
//! browser timer at [`TimerTable::next`] and calls back with the time; the core then runs each
//! expired timer.

use webchat_protocol::Instant;

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The end of the current task: what waits for it (the composer's `active`, a save) runs
    /// in the next task, after the view showed the change. Armed at "now".
    Task,
    /// The XMPP core's wake-up (keepalive, answer timeout).
    Chat,
    /// The next retry after a failure (campaign, chat start, reconnect, restore).
    Retry,
    /// A batch of inbound changes is saved.
    Save,
    /// The BOSH session's wake-up (a request lost, an empty request due).
    Bosh,
    /// A new WebSocket must have brought a frame by now, or BOSH takes over.
    Opening,
}

const ALL: [Timer; 6] = [
    Timer::Task,
    Timer::Chat,
    Timer::Retry,
    Timer::Save,
    Timer::Bosh,
    Timer::Opening,
];

/// One optional deadline per [`Timer`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimerTable([Option<Instant>; 6]);

impl TimerTable {
    fn slot(timer: Timer) -> usize {
        timer as usize
    }

    /// Arms `timer` at `at`, replacing its earlier deadline.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.0[Self::slot(timer)] = Some(at);
    }

    /// Arms `timer` at `at` unless it is armed already.
    pub fn set_if_idle(&mut self, timer: Timer, at: Instant) {
        let slot = &mut self.0[Self::slot(timer)];
        slot.get_or_insert(at);
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.0[Self::slot(timer)] = None;
    }

    /// Disarms every timer.
    pub fn stop_all(&mut self) {
        self.0 = [None; 6];
    }

    /// When `timer` fires, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.0[Self::slot(timer)]
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
    }

    /// Disarms and returns the earliest timer due at `now`, if any.
    pub fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let due = ALL
            .into_iter()
            .filter_map(|t| self.get(t).filter(|at| *at <= now).map(|at| (at, t)))
            .min_by_key(|(at, _)| *at)?
            .1;
        self.stop(due);
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn the_earliest_deadline_fires_first() {
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Save, at(40));
        t.set(Timer::Chat, at(30_000));
        t.set(Timer::Retry, at(10));
        assert_eq!(t.next(), Some(at(10)));
        assert_eq!(t.take_expired(at(5)), None);
        assert_eq!(t.take_expired(at(50)), Some(Timer::Retry));
        assert_eq!(t.take_expired(at(50)), Some(Timer::Save));
        assert_eq!(t.take_expired(at(50)), None);
        assert_eq!(t.next(), Some(at(30_000)));
        t.set_if_idle(Timer::Task, at(60));
        t.set_if_idle(Timer::Task, at(70));
        assert_eq!(t.get(Timer::Task), Some(at(60)));
        t.stop_all();
        assert_eq!(t.next(), None);
    }
}
