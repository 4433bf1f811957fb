//! Thin browser adapters, one capability per file (leptos-use style: a struct that releases
//! what it holds on drop, errors as enums).
//!
//! They move bytes, ticks and random numbers between the browser and the controller. They know
//! nothing of XMPP or the Public API: no adapter looks inside what it carries.

pub mod clock;
pub mod entropy;
pub mod fetch;
pub mod next_task;
pub mod storage;
pub mod tabs;
pub mod timer;
pub mod websocket;

use wasm_bindgen::{JsCast, JsValue};

/// A JS exception as text for an error message.
pub(crate) fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
