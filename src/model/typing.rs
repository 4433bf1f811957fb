//! The visitor's chat state (XEP-0085) as the composer reports it, debounced.
//!
//! A tiny clock-free state machine: the composer calls it on input, on a timer and on send, passing
//! the time in milliseconds, and sends out only the transitions it returns — one `composing` per
//! burst of typing, `paused` after a quiet spell, `active` on send or when the text is cleared.

/// How long without input before `composing` becomes `paused`.
pub const PAUSE_AFTER_MS: f64 = 3000.0;

pub use crate::session::view::ChatState;

/// Debounces raw composer events into chat-state transitions.
#[derive(Clone, Debug)]
pub struct TypingTracker {
    state: ChatState,
    last_input_ms: f64,
}

impl Default for TypingTracker {
    fn default() -> Self {
        TypingTracker {
            state: ChatState::Active,
            last_input_ms: 0.0,
        }
    }
}

impl TypingTracker {
    /// The last state reported.
    pub fn state(&self) -> ChatState {
        self.state
    }

    /// The composer's text changed; `empty` tells whether it is now empty.
    pub fn on_input(&mut self, now_ms: f64, empty: bool) -> Option<ChatState> {
        self.last_input_ms = now_ms;
        if empty {
            return self.go(ChatState::Active);
        }
        self.go(ChatState::Composing)
    }

    /// A timer fired; reports `paused` once the visitor has been quiet long enough.
    pub fn on_timer(&mut self, now_ms: f64) -> Option<ChatState> {
        if self.state == ChatState::Composing && now_ms - self.last_input_ms >= PAUSE_AFTER_MS {
            return self.go(ChatState::Paused);
        }
        None
    }

    /// The visitor sent the message.
    pub fn on_send(&mut self) -> Option<ChatState> {
        self.go(ChatState::Active)
    }

    fn go(&mut self, next: ChatState) -> Option<ChatState> {
        if self.state == next {
            return None;
        }
        self.state = next;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_composing_per_burst() {
        let mut t = TypingTracker::default();
        assert_eq!(t.on_input(0.0, false), Some(ChatState::Composing));
        assert_eq!(t.on_input(100.0, false), None);
        assert_eq!(t.on_input(200.0, false), None);
    }

    #[test]
    fn pauses_after_quiet_spell() {
        let mut t = TypingTracker::default();
        t.on_input(0.0, false);
        t.on_input(1000.0, false);
        assert_eq!(t.on_timer(3000.0), None, "only 2 s since the last key");
        assert_eq!(t.on_timer(4000.0), Some(ChatState::Paused));
        assert_eq!(t.on_timer(9000.0), None, "reported once");
        assert_eq!(t.on_input(9100.0, false), Some(ChatState::Composing));
    }

    #[test]
    fn send_reports_active_once() {
        let mut t = TypingTracker::default();
        t.on_input(0.0, false);
        assert_eq!(t.on_send(), Some(ChatState::Active));
        assert_eq!(t.on_send(), None);
        assert_eq!(t.on_timer(10_000.0), None);
    }

    #[test]
    fn clearing_the_text_reports_active() {
        let mut t = TypingTracker::default();
        t.on_input(0.0, false);
        assert_eq!(t.on_input(50.0, true), Some(ChatState::Active));
        assert_eq!(t.on_input(60.0, true), None);
    }

    #[test]
    fn sending_after_a_pause_reports_active() {
        let mut t = TypingTracker::default();
        t.on_input(0.0, false);
        assert_eq!(t.on_timer(5000.0), Some(ChatState::Paused));
        assert_eq!(t.on_send(), Some(ChatState::Active));
        assert_eq!(t.state(), ChatState::Active);
    }
}
