//! webchat: the embeddable chat widget (Leptos, compiled to WebAssembly).
//!
//! - [`model`]: the chat view model ([`ChatStore`](model::ChatStore)) the controller feeds.
//! - [`actions`]: what the visitor does, going out to the controller.
//! - [`components`]: the Leptos UI, mounted into a shadow root by [`mount`].
//! - [`i18n`], [`theme`], [`linkify`]: pure helpers (catalogue, colors, safe links), unit-tested
//!   natively.
//!
//! - [`viewport`]: keeps the mobile full-screen window above the on-screen keyboard.
//! - [`adapters`]: thin browser capabilities (fetch, WebSocket, timer, clock, entropy, storage).
//! - [`session`]: the visitor's session as a sans-IO core (campaign → chat session →
//!   credentials → XMPP through `webchat_protocol`, continuity, identity, tabs, survey), tested
//!   natively; [`controller`]: its browser driver, feeding the store and implementing the sink.
//! - [`entry`]: the widget's options and [`Widget`](entry::Widget) (mount + controller).
//! - [`embed`]: the JavaScript API (`init` → `user`, `chat`, `on`/`off`, `destroy`);
//!   [`events`] names the host events it delivers.
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
pub mod embed;
pub mod entry;
pub mod i18n;
pub mod linkify;
pub mod model;
pub mod mount;
pub mod session;
pub mod viewport;
pub use webchat_launcher::{events, theme, visibility};

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "demo")]
mod demo;
