//! The offline card: the campaign's offline text, or the catalogue's.

use leptos::prelude::*;

use super::icons::MoonIcon;
use crate::i18n::Key;
use crate::model::ChatStore;

/// Shown instead of the welcome while nobody is available.
#[component]
pub fn OfflineState() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let text = move || {
        store
            .config()
            .with(|c| c.offline_text.clone())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| lang.get().text(Key::OfflineDefault).to_owned())
    };
    view! {
        <div class="wc-offline">
            <span class="wc-offline-icon" aria-hidden="true"><MoonIcon /></span>
            <p class="wc-offline-text">{text}</p>
        </div>
    }
}
