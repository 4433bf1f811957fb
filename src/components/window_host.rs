//! The chat window's place in the launcher's shell: builds the window (a Leptos view) into the
//! shell's root, before the launcher, on the first open (or at once, when asked), keeps it
//! (hidden while minimised, so drafts survive), moves the focus into it when it opens, and
//! tells the shell what the launcher shows: open or not, how many agent messages are unread,
//! whether a chat is going on.
//!
//! The shell itself (root, launcher, badge, theme) is the launcher stage's (plain DOM, drawn on
//! every page view); this is the chat stage's side of it.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::ChatWindow;
use crate::actions::{Actions, UiAction};
use crate::model::{ChatStore, Phase};
use crate::mount::{ShellLink, WindowStart};

/// The class of a window that took the place of the launcher's open frame: it shows at once,
/// without the opening animation the frame already played.
const STILL: &str = " wc-still";

/// The window in its shell. Dropping it stops every effect, unmounts the window and disposes
/// the reactive owner the window was built under.
pub struct WindowHost {
    window: Rc<RefCell<Option<AnyViewState>>>,
    owner: Owner,
    _effects: Vec<RenderEffect<()>>,
}

impl WindowHost {
    /// Starts following `store` in the shell behind `link`; `actions` is where the visitor's
    /// actions go.
    pub fn new(
        link: Rc<ShellLink>,
        store: ChatStore,
        actions: Actions,
        start: WindowStart,
    ) -> Result<Self, String> {
        let owner = Owner::current().unwrap_or_default().child();
        // Event handlers run under the owner of the view branch that made them (a `Show` arm such
        // as the composer, which is swapped out when the chat ends). Whatever the controller
        // creates while handling an action (the status signal of the message being sent) must
        // not be disposed with that branch, so every action is dispatched under this owner.
        let actions = {
            let owner = owner.clone();
            Actions::new(Rc::new(move |action: UiAction| {
                owner.with(|| actions.dispatch(action))
            }))
        };
        let (open, unread, phase) = (store.is_open(), store.unread(), store.phase());
        let window: Rc<RefCell<Option<AnyViewState>>> = Rc::default();
        let window_ref = NodeRef::<html::Section>::new();
        let effects = owner.with(|| {
            let (l_open, l_unread, l_chat, l_offline) =
                (link.clone(), link.clone(), link.clone(), link.clone());
            vec![
                // A run still queued when the store went away has nothing to tell.
                RenderEffect::new(move |_| {
                    if let Some(open) = open.try_get() {
                        l_open.set_open(open);
                    }
                }),
                // A count the launcher handed in (another tab's) comes back to it unchanged,
                // which it ignores: nothing goes round.
                RenderEffect::new(move |_| {
                    if let Some(n) = unread.try_get() {
                        l_unread.set_unread(n);
                    }
                }),
                RenderEffect::new({
                    let told = std::cell::Cell::new(None);
                    move |_| {
                        let chatting = phase.try_get().is_some_and(|p| p.in_chat());
                        if told.replace(Some(chatting)) != Some(chatting) {
                            l_chat.set_chatting(chatting);
                        }
                    }
                }),
                RenderEffect::new({
                    let told = std::cell::Cell::new(None);
                    move |_| {
                        let offline = phase.try_get() == Some(Phase::Offline);
                        if told.replace(Some(offline)) != Some(offline) {
                            l_offline.set_offline(offline);
                        }
                    }
                }),
                // The window, built once: on the first open, or now.
                RenderEffect::new({
                    let (window, owner, link) = (window.clone(), owner.clone(), link.clone());
                    move |_| {
                        let wanted = open.try_get().unwrap_or(false) || start.build_now;
                        if !wanted || window.borrow().is_some() {
                            return;
                        }
                        let mut state = untrack(|| {
                            owner.with(|| {
                                provide_context(store);
                                provide_context(actions);
                                view! { <ChatWindow node_ref=window_ref /> }
                                    .into_any()
                                    .build()
                            })
                        });
                        state.mount(link.root(), Some(link.launcher()));
                        if start.still {
                            if let Some(section) = window_ref.get_untracked() {
                                let el: &web_sys::Element = section.unchecked_ref();
                                el.set_class_name(&format!("{}{STILL}", el.class_name()));
                            }
                        }
                        *window.borrow_mut() = Some(state);
                    }
                }),
            ]
        });

        // Focus follows the window into it when it opens (the composer when it can be used);
        // the shell moves it back to the launcher on close. Only on changes, never on the first
        // run, so mounting steals no focus. The window may be built in a later turn than the
        // open that asked for it: the focus waits for it (`pending`).
        owner.with(|| {
            Effect::new(move |prev: Option<(bool, bool)>| {
                let now_open = open.get();
                let window = window_ref.get();
                let Some((was_open, pending)) = prev else {
                    return (now_open, false);
                };
                if !now_open {
                    // Opened again later, it plays its opening animation like any window.
                    if let Some(window) = &window {
                        let class = window.class_name();
                        if class.contains(STILL) {
                            window.set_class_name(class.replace(STILL, "").trim_end());
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
        });

        Ok(WindowHost {
            window,
            owner,
            _effects: effects,
        })
    }
}

impl Drop for WindowHost {
    fn drop(&mut self) {
        if let Some(mut window) = self.window.borrow_mut().take() {
            window.unmount();
        }
        self.owner.cleanup();
    }
}

/// Focuses the first field of a form shown in the composer's place, else the composer when it
/// is enabled, else the window itself.
pub fn focus_into_window(window: &HtmlElement) {
    let composer = window
        .query_selector(
            ".wc-prechat .wc-field-input, .wc-offline-form .wc-field-input, \
             .wc-composer-area:not([hidden]) .wc-composer textarea:not([disabled])",
        )
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<HtmlElement>().ok());
    match composer {
        Some(textarea) => _ = textarea.focus(),
        None => _ = window.focus(),
    }
}
