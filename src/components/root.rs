//! The widget's root: the `.wc-root` element (`lang`/`dir`, open state, visibility), the
//! launcher, and the chat window built on first open. Moves focus between launcher and window.
//!
//! The root and the launcher are plain DOM kept current by a few [`RenderEffect`]s (see
//! [`Launcher`] for why). The chat window (header, history, composer) is a Leptos view, built on
//! the first open, or at once when the store already says it is open (a reload mid-chat), and
//! then kept (hidden while minimised, so drafts survive). Building it up front was most of the
//! widget's start-up work on the host page's main thread.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use super::{ChatWindow, Launcher};
use crate::actions::{Actions, UiAction};
use crate::model::ChatStore;

/// The root element, its launcher and (once built) its window. Dropping it stops every effect,
/// unmounts the window and disposes the reactive owner the window was built under.
pub struct Root {
    root: Element,
    // Kept alive here (the effects hold clones); its click listener goes with the last one.
    _launcher: Rc<Launcher>,
    window: Rc<RefCell<Option<AnyViewState>>>,
    owner: Owner,
    _effects: Vec<RenderEffect<()>>,
}

impl Root {
    /// Builds the root with its launcher (the caller inserts [`Root::element`] into the page).
    /// `store` is the chat view model the controller feeds; `actions` is where the visitor's
    /// actions go.
    pub fn new(document: &Document, store: ChatStore, actions: Actions) -> Result<Self, String> {
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
        let root = document
            .create_element("div")
            .map_err(|_| "cannot build the widget root".to_owned())?;
        let launcher = Rc::new(owner.with(|| Launcher::new(document, store, actions))?);
        root.append_child(launcher.button())
            .map_err(|_| "cannot insert the launcher".to_owned())?;

        let (open, visible, lang) = (store.is_open(), store.visible(), store.lang());
        let configured = store.configured();
        let window: Rc<RefCell<Option<AnyViewState>>> = Rc::default();
        let window_ref = NodeRef::<html::Section>::new();
        let effects = owner.with(|| {
            vec![
                RenderEffect::new({
                    let root = root.clone();
                    move |_| {
                        // A run still queued when the store went away has nothing to draw.
                        let (Some(is_open), Some(rules_allow), Some(configured), Some(l)) = (
                            open.try_get(),
                            visible.try_get(),
                            configured.try_get(),
                            lang.try_get(),
                        ) else {
                            return;
                        };
                        // Hidden until the campaign said how it looks (never the default
                        // colour and language first), and whenever visibility rules say so.
                        let shown = rules_allow && configured;
                        let class = if is_open {
                            "wc-root wc-root--open"
                        } else {
                            "wc-root"
                        };
                        root.set_class_name(class);
                        // Hidden means no launcher and no window at all.
                        _ = root.toggle_attribute_with_force("hidden", !shown);
                        _ = root.set_attribute("dir", l.dir());
                        _ = root.set_attribute("lang", l.code());
                    }
                }),
                // The window, built once: on the first open.
                RenderEffect::new({
                    let (root, window, launcher, owner) = (
                        root.clone(),
                        window.clone(),
                        launcher.clone(),
                        owner.clone(),
                    );
                    move |_| {
                        if !open.try_get().unwrap_or(false) || window.borrow().is_some() {
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
                        state.mount(&root, Some(launcher.button()));
                        *window.borrow_mut() = Some(state);
                    }
                }),
            ]
        });

        // Focus follows the window: into it on open (the composer when it can be used), back to
        // the launcher on close. Only on changes, never on the first run, so mounting steals no
        // focus. The window may be built in a later turn than the open that asked for it: the
        // focus waits for it (`pending`).
        owner.with(|| {
            let launcher = launcher.clone();
            Effect::new(move |prev: Option<(bool, bool)>| {
                let now_open = open.get();
                let window = window_ref.get();
                let Some((was_open, pending)) = prev else {
                    return (now_open, false);
                };
                if !now_open {
                    if was_open {
                        _ = launcher.button().focus();
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

        Ok(Root {
            root,
            _launcher: launcher,
            window,
            owner,
            _effects: effects,
        })
    }

    /// The root element.
    pub fn element(&self) -> &Element {
        &self.root
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        if let Some(mut window) = self.window.borrow_mut().take() {
            window.unmount();
        }
        self.owner.cleanup();
        self.root.remove();
    }
}

/// Focuses the first field of a form shown in the composer's place, else the composer when it
/// is enabled, else the window itself.
fn focus_into_window(window: &HtmlElement) {
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
