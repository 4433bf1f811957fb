//! The root component: provides the store and the action sink to every child, sets `lang`/`dir`
//! for the whole widget, and moves focus between launcher and composer on open and close.
//!
//! Only the launcher is rendered at start: the chat window (header, history, composer) is built
//! on the first open, or at once when the store already says it is open (a reload mid-chat), and
//! then kept (hidden while minimised, so drafts survive). Building the whole window up front was
//! most of the widget's start-up work, which ran on the host page's main thread.

use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;

use super::{ChatWindow, Launcher};
use crate::actions::{Actions, UiAction};
use crate::model::ChatStore;

/// The whole widget: launcher plus chat window.
#[component]
pub fn Widget(
    /// The chat view model the controller feeds.
    store: ChatStore,
    /// Where the visitor's actions go.
    actions: Actions,
) -> impl IntoView {
    provide_context(store);
    // Event handlers run under the owner of the view branch that made them (a `Show` arm such
    // as the composer, which is swapped out when the chat ends). Whatever the controller creates
    // while handling an action (the status signal of the message being sent) must not be
    // disposed with that branch, so every action is dispatched under the widget's own owner.
    let owner = Owner::current().unwrap_or_default();
    let actions = Actions::new(Rc::new(move |action: UiAction| {
        owner.with(|| actions.dispatch(action))
    }));
    provide_context(actions);
    let lang = store.lang();
    let launcher_ref = NodeRef::<html::Button>::new();
    let window_ref = NodeRef::<html::Section>::new();

    let open = store.is_open();
    let visible = store.visible();
    // Latched: true from the first open on, so the window is built once and then kept.
    let window_built =
        Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || open.get());

    // Focus follows the window: into it on open (the composer when it can be used), back to the
    // launcher on close. Only on changes, never on the first run, so mounting steals no focus.
    // The window may be built in a later turn than the open that asked for it: the focus waits
    // for it (`pending`).
    Effect::new(move |prev: Option<(bool, bool)>| {
        let now_open = open.get();
        let window = window_ref.get();
        let Some((was_open, pending)) = prev else {
            return (now_open, false);
        };
        if !now_open {
            if was_open {
                if let Some(button) = launcher_ref.get_untracked() {
                    _ = button.focus();
                }
            }
            return (false, false);
        }
        // Already open and already focused: nothing to do.
        if was_open && !pending {
            return (true, false);
        }
        match window {
            Some(window) => {
                focus_into_window(&window);
                (true, false)
            }
            None => (true, true),
        }
    });

    view! {
        <div
            class="wc-root"
            class:wc-root--open=move || open.get()
            // Visibility rules: hidden means no launcher and no window at all.
            hidden=move || !visible.get()
            dir=move || lang.get().dir()
            lang=move || lang.get().code()
        >
            <Show when=move || window_built.get()>
                <ChatWindow node_ref=window_ref />
            </Show>
            <Launcher node_ref=launcher_ref />
        </div>
    }
}

/// Focuses the composer when it is enabled, else the window itself.
fn focus_into_window(window: &web_sys::HtmlElement) {
    let composer = window
        .query_selector(".wc-composer textarea:not([disabled])")
        .ok()
        .flatten()
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
    match composer {
        Some(textarea) => _ = textarea.focus(),
        None => _ = window.focus(),
    }
}
