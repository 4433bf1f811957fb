//! The chat window: header, conversation and composer (or, in its place, the form before the
//! chat or the offline form); Escape minimises it.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use super::{Composer, DepartmentLine, Header, MessageList, OfflineForm, PrechatForm};
use crate::actions::{Actions, UiAction};

use crate::model::{ChatStore, OfflineState, Phase, PrechatState};

/// The open chat panel (present but `hidden` while minimised, so drafts survive).
#[component]
pub fn ChatWindow(
    /// Lets the root move focus into the window when it opens.
    node_ref: NodeRef<html::Section>,
) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let open = store.is_open();
    let title = move || {
        let (lang, offline) = (lang.get(), store.phase().get() == Phase::Offline);
        store.config().with(|c| c.title_text(offline, lang))
    };
    // A form stands in for the composer; the composer stays (hidden) so a draft survives.
    let form_shown = Memo::new(move |_| {
        matches!(store.prechat().get(), PrechatState::Open { .. })
            || store.offline().get() != OfflineState::Hidden
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            store.minimise_window();
            actions.dispatch(UiAction::Minimise);
        }
    };

    view! {
        <section
            class="wc-window"
            id="wc-window"
            role="dialog"
            aria-label=title
            tabindex="-1"
            hidden=move || !open.get()
            node_ref=node_ref
            on:keydown=on_keydown
        >
            <Header />
            <MessageList />
            <PrechatForm />
            <OfflineForm />
            <div class="wc-composer-area" hidden=move || form_shown.get()>
                <DepartmentLine />
                <Composer />
            </div>
        </section>
    }
}
