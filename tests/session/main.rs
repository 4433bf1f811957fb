#![cfg(not(target_arch = "wasm32"))]
//! The visitor's session natively, on a simulated clock (in the style of
//! `crates/protocol/tests/session.rs`): a scripted Public API and XMPP server around the
//! session core, its view updates applied to the real view model. Every REST error and retry,
//! the backoff, the outbox across reconnects and reloads, resume and re-login with the archive,
//! tag and reset, the tabs, the survey and co-browsing, the livechat forms around the chat, and an
//! accepted proactive greeting.

mod bosh;
mod campaign;
mod chat;
mod continuity;
mod greeting;
mod identity;
mod livechat;
mod sim;
mod start;
mod survey;
mod tabs;
