//! Yielding the main thread back to the host page between start-up steps.
//!
//! `init` runs on the host page's main thread; any task longer than 50 ms there counts as
//! blocking time (and delays the page's own input handling). Awaiting [`yield_to_page`] between
//! steps ends the current task and continues in a new one, so the page's input and rendering can
//! run in between. It uses `scheduler.yield()` where the browser has it (the continuation keeps
//! its priority) and a zero-delay timer elsewhere. This module does not decide where to yield:
//! `init` does.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `scheduler.yield()` when available: a promise resolved in a new task.
fn scheduler_yield() -> Option<js_sys::Promise> {
    let scheduler =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("scheduler")).ok()?;
    if !scheduler.is_object() {
        return None;
    }
    let f: js_sys::Function = js_sys::Reflect::get(&scheduler, &JsValue::from_str("yield"))
        .ok()?
        .dyn_into()
        .ok()?;
    f.call0(&scheduler).ok()?.dyn_into().ok()
}

/// Ends the current task; resumes in a later one. Never fails: without a window (tests in a
/// worker) it resumes at once.
pub async fn yield_to_page() {
    let promise = scheduler_yield().unwrap_or_else(|| {
        js_sys::Promise::new(&mut |resolve, _reject| {
            let scheduled = web_sys::window()
                .map(|w| w.set_timeout_with_callback(&resolve).is_ok())
                .unwrap_or(false);
            if !scheduled {
                _ = resolve.call0(&JsValue::UNDEFINED);
            }
        })
    });
    _ = JsFuture::from(promise).await;
}
