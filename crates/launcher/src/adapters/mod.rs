//! Thin browser adapters both download stages use, one capability per file (leptos-use style: a
//! struct that releases what it holds on drop, errors as enums): the widget's storage, random
//! ids, a re-armable timer, the wall clock, and reading JS objects.
//!
//! They move strings, ticks and random numbers between the browser and their callers. They know
//! nothing of XMPP or the Public API: no adapter looks inside what it carries.

pub mod api;
pub mod entropy;
pub mod storage;
pub mod timer;

use wasm_bindgen::{JsCast, JsValue};

/// `target[key]`, or `None` when it is missing, `undefined` or `null` (reading a property of a
/// JS object the page or the browser gave: options, `navigator`, a `MessageChannel`).
pub fn js_get(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Wall-clock now, ms since the Unix epoch (`Date.now()`).
pub fn now_ms() -> i64 {
    // A `Date.now()` is a whole number of ms far inside `i64`.
    #[allow(clippy::cast_possible_truncation)]
    let now = js_sys::Date::now() as i64;
    now
}

/// A JS exception as text for an error message: its message, or the value when it is a
/// string. (Not the value's debug form: that would bring wasm-bindgen's debug printer into the
/// first download.)
pub fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| "an exception without a message".to_owned())
}
