//! The root component: provides the store and the action sink to every child, sets `lang`/`dir`
//! for the whole widget, and moves focus between launcher and composer on open and close.

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

    // Focus follows the window: into it on open (the composer when it can be used), back to the
    // launcher on close. Only on changes, never on the first run, so mounting steals no focus.
    let open = store.is_open();
    let visible = store.visible();
    Effect::new(move |prev: Option<bool>| {
        let now_open = open.get();
        if prev.is_some_and(|was| was != now_open) {
            if now_open {
                focus_into_window(window_ref);
            } else if let Some(button) = launcher_ref.get_untracked() {
                _ = button.focus();
            }
        }
        now_open
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
            <ChatWindow node_ref=window_ref />
            <Launcher node_ref=launcher_ref />
        </div>
    }
}

/// Focuses the composer when it is enabled, else the window itself.
fn focus_into_window(window_ref: NodeRef<html::Section>) {
    let Some(window) = window_ref.get_untracked() else {
        return;
    };
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
