//! The clock the protocol core runs on: `performance.now()` as a [`webchat_protocol::Instant`].
//!
//! Monotonic (it never steps back with the wall clock), in whole milliseconds since the page
//! started. It does not schedule anything; see [`timer`](super::timer).

use webchat_protocol::Instant;

/// Now, in milliseconds since the page's time origin. Without a `performance` object (not a
/// browser window) it falls back to `Date.now()`, which is still fine for differences.
pub fn now() -> Instant {
    // The `performance` object, looked up once: the core asks for the time on every frame.
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> =
            web_sys::window().and_then(|w| w.performance());
    }
    let ms = PERFORMANCE
        .with(|p| p.as_ref().map(web_sys::Performance::now))
        .unwrap_or_else(js_sys::Date::now);
    // `as` saturates for floats: a negative or NaN value becomes 0, never a panic.
    Instant::from_millis(ms as u64)
}

/// Now as plain milliseconds (for the UI's debouncing helpers).
pub fn now_ms() -> f64 {
    now().as_millis() as f64
}
