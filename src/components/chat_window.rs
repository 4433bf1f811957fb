//! The chat window: header, conversation and composer; Escape minimises it.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use super::{Composer, Header, MessageList};
use crate::actions::{Actions, UiAction};
use crate::i18n::Key;
use crate::model::ChatStore;

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
        store
            .config()
            .with(|c| c.title.clone())
            .unwrap_or_else(|| lang.get().text(Key::Title).to_owned())
    };
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
            <Composer />
        </section>
    }
}
