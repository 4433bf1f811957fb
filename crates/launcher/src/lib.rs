//! webchat-launcher: the widget's first download stage, and what both stages share.
//!
//! Every page view that embeds the widget downloads this crate's wasm (and the loader): the
//! launcher in the campaign's look, the visibility rules, who the visitor is, and the `CV` API.
//! The chat itself (the Leptos window, the session and the XMPP core: the root package
//! `webchat`) comes only on the first sign of interest. `ARCHITECTURE.md` draws the split.
//!
//! The launcher stage:
//! - [`embed`] (feature `entry`, the launcher's own wasm only): `init` and the API object.
//! - [`widget`]: what every page view runs, and the handoff to the chat ([`handoff`]).
//! - [`shell`] (host, shadow root, root, launcher, badge), [`frame`] (the window while the chat
//!   loads), [`dom`] (both built from tables), [`icons`], [`host_css`], [`options`], [`pace`].
//! - [`campaign`]: the launcher's view of `GET campaigns/{id}` and what a reply means;
//!   [`livechat`]: the page's `livechat` option checked, the offline look.
//! - [`visibility`]: the visibility rules and the operator's overrides.
//! - [`greeting`]: proactive greetings (their triggers and the bubble); [`notify`]: the page
//!   title, chime and `unread` event while agent messages are unread.
//!
//! Shared with the chat stage:
//! - [`i18n`]: the text catalogue (every language's launcher texts; one language's chat texts
//!   at a time), language tags, plural forms.
//! - [`identity`] and [`keys`]: the visitor id, the tagged user, the storage keys.
//! - [`theme`], [`events`], [`json`] (JSON trees read and written by the browser), [`adapters`],
//!   [`text`] (messages joined without `core::fmt`).

pub mod adapters;
pub mod campaign;
pub mod dom;
#[cfg(feature = "entry")]
pub mod embed;
pub mod events;
pub mod frame;
pub mod greeting;
pub mod handoff;
pub mod host_css;
pub mod i18n;
pub mod icons;
pub mod identity;
pub mod json;
pub mod keys;
pub mod livechat;
pub mod notify;
pub mod options;
pub mod pace;
pub mod shell;
pub mod text;
pub mod theme;
pub mod visibility;
pub mod widget;

/// The launcher's own wasm allocates little (options, the campaign, the rules) and keeps little,
/// so a coalescing free list serves it as well as the standard dlmalloc at about a third of the
/// code (`docs/size.md`). Only the launcher's wasm: the shipped chat stage, which holds long
/// histories, keeps dlmalloc. (The chat's browser tests link the launcher with `entry`, so they
/// run on this allocator; the e2e groups run both stages as they ship.)
#[cfg(all(feature = "entry", target_arch = "wasm32"))]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
