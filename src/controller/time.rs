//! The controller's clock and its one wake-up, behind a trait so browser tests can move time
//! themselves instead of waiting for it.
//!
//! [`BrowserTime`] is the real one: `performance.now()` and `Date.now()`, and a wake-up that is
//! a `setTimeout` for a later deadline and a `MessageChannel` message for "in the next task" (a
//! hidden tab holds timers back, not messages, and a leader tab's saves are what the other tabs
//! wait for). It also supplies randomness from Web Crypto ([`BrowserRandom`]).

use std::cell::RefCell;
use std::rc::Rc;

use webchat_protocol::Instant;

use crate::adapters::next_task::NextTask;
use crate::adapters::timer::Timer;
use crate::adapters::{clock, entropy};
use crate::session::{Now, Random};

/// Where the controller gets the time and its wake-up.
pub trait Time {
    /// Now.
    fn now(&self) -> Now;
    /// One wake-up that calls `on_fire` when armed and due.
    fn timer(&self, on_fire: Box<dyn FnMut()>) -> Box<dyn Wakeup>;
}

/// A re-armable wake-up.
pub trait Wakeup {
    /// Calls back at `at`, or in the next task when `at` is not later than now; replaces the
    /// earlier arming.
    fn arm(&self, at: Instant);
    /// Disarms it.
    fn cancel(&self);
}

/// The browser's clock and timers.
pub struct BrowserTime;

impl Time for BrowserTime {
    fn now(&self) -> Now {
        Now {
            at: clock::now(),
            wall_ms: js_sys::Date::now() as u64,
        }
    }

    fn timer(&self, on_fire: Box<dyn FnMut()>) -> Box<dyn Wakeup> {
        let f = Rc::new(RefCell::new(on_fire));
        let (a, b) = (f.clone(), f);
        // Never re-entered: a callback that is already running finishes on its own.
        let fire = move |f: &Rc<RefCell<Box<dyn FnMut()>>>| {
            if let Ok(mut f) = f.try_borrow_mut() {
                f();
            }
        };
        Box::new(BrowserWakeup {
            later: Timer::new(move || fire(&a)),
            soon: NextTask::new(move || fire(&b)),
        })
    }
}

struct BrowserWakeup {
    later: Timer,
    /// `None` without `MessageChannel`: a zero-delay timer instead.
    soon: Option<NextTask>,
}

impl Wakeup for BrowserWakeup {
    fn arm(&self, at: Instant) {
        let delay = at.saturating_duration_since(clock::now()).as_millis() as u64;
        if delay == 0 && self.soon.as_ref().is_some_and(NextTask::post) {
            self.later.cancel();
            return;
        }
        self.later.arm(delay);
    }

    fn cancel(&self) {
        // A message already posted cannot be taken back; its call finds nothing due.
        self.later.cancel();
    }
}

/// Randomness from `crypto.getRandomValues`; without Web Crypto (no supported browser lacks
/// it) `Math.random`, with one console warning.
pub struct BrowserRandom;

impl Random for BrowserRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = entropy::fill(buf) {
            thread_local! {
                static WARNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
            }
            if !WARNED.with(|w| w.replace(true)) {
                web_sys::console::warn_1(&e.to_string().into());
            }
            for b in buf {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }
}
