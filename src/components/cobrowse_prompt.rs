//! The co-browsing consent prompt: the campaign's `cbr_text` with its accept/deny texts (`null`
//! texts fall back to the catalogue), then a short note of the answer.

use leptos::prelude::*;

use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key, Lang};
use crate::model::{ChatStore, CobrowseState};

/// Campaign text unless it is missing or blank.
fn or_default(text: Option<String>, lang: Lang, key: Key) -> String {
    text.filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| lang.text(key).to_owned())
}

/// Asks the visitor to allow screen sharing when the agent requests it.
#[component]
pub fn CobrowsePrompt() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let state = store.cobrowse();
    let texts = move || {
        store
            .config()
            .with(|c| c.cobrowse.clone())
            .unwrap_or_default()
    };
    let answer = move |accepted: bool| actions.dispatch(UiAction::CobrowseAnswer { accepted });

    move || {
        match state.get() {
        CobrowseState::Idle => ().into_any(),
        CobrowseState::Requested => view! {
            <section class="wc-cobrowse" role="group" aria-label=tr(lang, Key::CobrowseTitle)>
                <p class="wc-cobrowse-text">{move || or_default(texts().text, lang.get(), Key::CobrowseText)}</p>
                <div class="wc-cobrowse-actions">
                    <button type="button" class="wc-btn wc-btn--primary wc-cobrowse-accept" on:click=move |_| answer(true)>
                        {move || or_default(texts().accept, lang.get(), Key::CobrowseAccept)}
                    </button>
                    <button type="button" class="wc-btn wc-btn--ghost wc-cobrowse-deny" on:click=move |_| answer(false)>
                        {move || or_default(texts().deny, lang.get(), Key::CobrowseDeny)}
                    </button>
                </div>
            </section>
        }
        .into_any(),
        CobrowseState::Accepted => view! {
            <p class="wc-notice" data-notice="cobrowse-accepted">
                <span>{tr(lang, Key::CobrowseAccepted)}</span>
            </p>
        }
        .into_any(),
        CobrowseState::Denied => view! {
            <p class="wc-notice" data-notice="cobrowse-denied">
                <span>{tr(lang, Key::CobrowseDenied)}</span>
            </p>
        }
        .into_any(),
    }
    }
}
