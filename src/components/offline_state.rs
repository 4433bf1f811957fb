//! The offline card in the conversation while nobody is available: the campaign's text for the
//! offline form above it (`offlineMessage`), or, without a form, what it says instead
//! (`offlineUnavailableMessage`); after an offline message was accepted, the success message
//! (`offlineSuccessMessage`), announced. Texts the campaign leaves out are the catalogue's.

use leptos::prelude::*;

use super::icons::MoonIcon;
use crate::i18n::Key;
use crate::model::{ChatStore, OfflineState as Offline};

/// Shown instead of the welcome while nobody is available.
#[component]
pub fn OfflineState() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let state = store.offline();
    let sent = move || state.get() == Offline::Sent;
    let text = move || {
        let lang = lang.get();
        store.config().with(|c| {
            let l = &c.livechat;
            let (own, key) = match state.get() {
                Offline::Sent => (l.offline_success_message.clone(), Key::OfflineSent),
                Offline::Form { .. } => (l.offline_message.clone(), Key::OfflineFormIntro),
                Offline::Hidden => (
                    l.offline_unavailable_message
                        .clone()
                        .or_else(|| c.offline_text.clone()),
                    Key::OfflineDefault,
                ),
            };
            own.filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| lang.text(key).to_owned())
        })
    };
    view! {
        <div class="wc-offline" data-offline=move || match state.get() {
            Offline::Sent => "sent",
            Offline::Form { .. } => "form",
            Offline::Hidden => "closed",
        }>
            <span class="wc-offline-icon" aria-hidden="true"><MoonIcon /></span>
            <p class="wc-offline-text" role=move || sent().then_some("status")>{text}</p>
        </div>
    }
}
