//! Thin browser adapters, one capability per file (leptos-use style: a struct that releases
//! what it holds on drop, errors as enums).
//!
//! They move bytes, ticks and random numbers between the browser and the controller. They know
//! nothing of XMPP or the Public API: no adapter looks inside what it carries.

pub mod clock;
pub mod entropy;
pub mod fetch;
pub mod http_bind;
pub mod next_task;
pub mod storage;
pub mod tabs;
pub mod timer;
pub mod websocket;

use wasm_bindgen::{JsCast, JsValue};

/// `target[key]`, or `None` when it is missing, `undefined` or `null` (reading a property of a
/// JS object the page or the browser gave: options, `navigator`, a `MessageChannel`).
pub fn js_get(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A JS exception as text for an error message.
pub fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
