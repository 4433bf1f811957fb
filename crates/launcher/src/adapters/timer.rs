//! One re-armable `setTimeout`: the controller arms it at the core's `poll_timeout` (or a retry
//! backoff) and the callback runs once per arming.
//!
//! Arming again replaces the pending timeout; dropping the timer clears it, so a destroyed widget
//! leaves no callback behind. It does not know what the tick means.

use std::cell::Cell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A re-armable timeout owning its callback.
pub struct Timer {
    callback: Closure<dyn FnMut()>,
    handle: Cell<Option<i32>>,
}

impl Timer {
    /// A disarmed timer that calls `f` when it fires.
    pub fn new(f: impl FnMut() + 'static) -> Timer {
        Timer {
            callback: Closure::new(f),
            handle: Cell::new(None),
        }
    }

    /// Fires once after `delay_ms` (clamped to 0 ..= 2^31-1 ms), replacing any pending arming.
    /// Returns false when the browser refused (no window).
    pub fn arm(&self, delay_ms: u64) -> bool {
        self.cancel();
        let Some(window) = web_sys::window() else {
            return false;
        };
        let delay = i32::try_from(delay_ms).unwrap_or(i32::MAX);
        match window.set_timeout_with_callback_and_timeout_and_arguments_0(
            self.callback.as_ref().unchecked_ref(),
            delay,
        ) {
            Ok(h) => {
                self.handle.set(Some(h));
                true
            }
            Err(_) => false,
        }
    }

    /// Clears the pending timeout, if any.
    pub fn cancel(&self) {
        if let (Some(h), Some(window)) = (self.handle.take(), web_sys::window()) {
            window.clear_timeout_with_handle(h);
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}
