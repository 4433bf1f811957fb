//! The round launcher button: campaign color, unread badge, toggles the window.

use leptos::html;
use leptos::prelude::*;

use super::icons::{ChatIcon, ChevronDownIcon};
use crate::actions::{Actions, UiAction};
use crate::i18n::Key;
use crate::model::ChatStore;

/// Opens and minimises the chat window.
#[component]
pub fn Launcher(
    /// Lets the root move focus back here when the window closes.
    node_ref: NodeRef<html::Button>,
) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let open = store.is_open();
    let unread = store.unread();

    let label = move || {
        let l = lang.get();
        match (open.get(), unread.get()) {
            (true, _) => l.text(Key::MinimiseChat).to_owned(),
            (false, 0) => l.text(Key::OpenChat).to_owned(),
            (false, n) => l.format(Key::OpenChatUnread, &[("count", &n.to_string())]),
        }
    };
    let toggle = move |_| {
        if open.get_untracked() {
            store.minimise_window();
            actions.dispatch(UiAction::Minimise);
        } else {
            store.open_window();
            actions.dispatch(UiAction::Open);
        }
    };

    view! {
        <button
            type="button"
            class="wc-launcher"
            node_ref=node_ref
            aria-label=label
            aria-expanded=move || if open.get() { "true" } else { "false" }
            aria-controls="wc-window"
            aria-haspopup="dialog"
            on:click=toggle
        >
            <span class="wc-launcher-icon wc-launcher-icon--chat" aria-hidden="true"><ChatIcon /></span>
            <span class="wc-launcher-icon wc-launcher-icon--close" aria-hidden="true"><ChevronDownIcon /></span>
            <Show when=move || { !open.get() && unread.get() > 0 }>
                <span class="wc-badge" aria-hidden="true">
                    {move || { let n = unread.get(); if n > 99 { "99+".to_owned() } else { n.to_string() } }}
                </span>
            </Show>
        </button>
    }
}
