//! webchat: the embeddable chat widget's chat stage (Leptos, compiled to WebAssembly): what a
//! visitor downloads on the first sign of interest. The launcher every page view runs, the `CV`
//! API and the visibility rules are the first stage's (`webchat_launcher`, which this crate
//! shares pure modules with); [`handoff`] is where the launcher hands over.
//!
//! - [`model`]: the chat view model ([`ChatStore`](model::ChatStore)) the controller feeds.
//! - [`actions`]: what the visitor does, going out to the controller.
//! - [`components`]: the Leptos UI, mounted into the launcher's shell by [`mount`].
//! - [`i18n`], [`theme`], [`linkify`]: pure helpers (catalogue, colors, safe links), unit-tested
//!   natively.
//!
//! - [`viewport`]: keeps the mobile full-screen window above the on-screen keyboard.
//! - [`adapters`]: thin browser capabilities (fetch, WebSocket, timer, clock, entropy, storage).
//! - [`session`]: the visitor's session as a sans-IO core (campaign → chat session →
//!   credentials → XMPP through `webchat_protocol`, continuity, identity, tabs, survey), tested
//!   natively; [`controller`]: its browser driver, feeding the store and implementing the sink.
//! - [`entry`]: [`Widget`](entry::Widget) (controller + view); [`handoff`]: `startChat`, the
//!   chat stage's entry, and the handle the launcher calls; [`events`] names the host events.
//! - [`unread`]: the unread count's title, chime, event and storage (the launcher's `notify`,
//!   run here, where a chat is).
//!
//! This crate holds no protocol logic: every rule about stanzas lives in `webchat_protocol`.
//! The UI's side of the contract is small: a [`ChatStore`](model::ChatStore) changed through its
//! methods, and an [`ActionSink`](actions::ActionSink) receiving what the visitor does:
//!
//! ```no_run
//! use std::rc::Rc;
//! use webchat::actions::UiAction;
//! use webchat::model::{ChatStore, WidgetConfig};
//!
//! # fn host() -> web_sys::HtmlElement { unimplemented!() }
//! let store = ChatStore::new(WidgetConfig::default(), true);
//! let sink = move |action: UiAction| match action {
//!     UiAction::SendText(text) => { /* queue it, then store.add_visitor_message(id, text) */ }
//!     _ => {}
//! };
//! let mounted = webchat::mount::mount_widget(&host(), store, Rc::new(sink)).expect("mounted");
//! store.add_agent_message("uid-1", "Ana", "Hello! How can I help?");
//! drop(mounted); // unmounts and removes everything from the shadow root
//! ```

pub mod actions;
pub mod adapters;
pub mod components;
pub mod controller;
pub mod entry;
pub mod handoff;
pub mod i18n;
pub mod linkify;
pub mod model;
pub mod mount;
pub mod session;
pub mod unread;
pub mod viewport;
pub use webchat_launcher::{events, theme, visibility};

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "demo")]
mod demo;
