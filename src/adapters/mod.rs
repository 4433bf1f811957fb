//! Thin browser adapters, one capability per file (leptos-use style: a struct that releases
//! what it holds on drop, errors as enums).
//!
//! They move bytes, ticks and random numbers between the browser and the controller. They know
//! nothing of XMPP or the Public API: no adapter looks inside what it carries. The ones the
//! launcher uses too (storage, random ids, the timer, reading JS objects) live in
//! `webchat_launcher::adapters` and are re-exported here.

pub mod clock;
pub mod fetch;
pub mod http_bind;
pub mod next_task;
pub mod tabs;
pub mod websocket;

pub use webchat_launcher::adapters::{describe, entropy, js_get, storage, timer};
