//! webchat-launcher: the widget's first download stage, and what both stages share.
//!
//! Every page view that embeds the widget downloads this crate's wasm (and the loader); the chat
//! itself (the Leptos window, the session and the XMPP core, the root package `webchat`) comes
//! only on the first sign of interest. `ARCHITECTURE.md` draws the split.
//!
//! - [`i18n`]: the text catalogue (every language's launcher texts; one language's chat texts
//!   at a time), language tags, plural forms.
//! - [`theme`]: the campaign colour and a text colour with WCAG contrast.
//! - [`events`]: the host events and their delivery as DOM events.
//! - [`identity`]: the visitor id and the tagged user.
//! - [`campaign`]: the launcher's view of `GET campaigns/{id}` and what a reply means.
//! - [`visibility`]: the visibility rules and the operator's overrides.
//! - [`json`]: JSON trees (`serde_json::Value`) read and written by the browser.
//! - [`adapters`]: the API's reads, storage, random ids, a timer, reading JS objects.

pub mod adapters;
pub mod campaign;
pub mod events;
pub mod i18n;
pub mod identity;
pub mod json;
pub mod theme;
pub mod visibility;
