//! The text catalogue (`webchat_launcher::i18n`, shared with the launcher stage), and
//! [`tr`], the reactive form the Leptos views use.

pub use webchat_launcher::i18n::*;

/// A reactive catalogue text for views. Every call returns the same closure type, so all the
/// widget's translated attributes and text nodes share one compiled instantiation (wasm size).
pub fn tr<L>(lang: L, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static
where
    L: leptos::prelude::Get<Value = Lang> + Copy + Send + Sync + 'static,
{
    move || lang.get().text(key)
}
