//! The round launcher button: campaign color, unread badge, toggles the window.
//!
//! Built by hand on the DOM, not with `view!`: it is the only thing the widget shows at start,
//! on the host page's main thread, and a first Leptos render pays for compiling a large share of
//! the wasm's generic view code on first call (V8 compiles wasm functions lazily). A dozen DOM
//! calls and a few [`RenderEffect`]s draw the same button for a fraction of that. The chat window
//! stays a Leptos view, built on first open.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlButtonElement};

use super::icons::{dom_icon, Paint, CHAT, CHEVRON_DOWN};
use crate::actions::{Actions, UiAction};
use crate::i18n::Key;
use crate::model::ChatStore;

/// The launcher's DOM and the effects that keep it in step with the store. Dropping it stops
/// the effects and removes the click listener; the element goes with its parent.
pub struct Launcher {
    button: HtmlButtonElement,
    click: Closure<dyn FnMut()>,
    _effects: Vec<RenderEffect<()>>,
}

impl Launcher {
    /// Builds the button (not yet inserted anywhere). Clicks open or minimise the window in the
    /// store and tell the controller through `actions`.
    pub fn new(document: &Document, store: ChatStore, actions: Actions) -> Result<Self, String> {
        let err = |_| "cannot build the launcher".to_owned();
        let button: HtmlButtonElement = document
            .create_element("button")
            .map_err(err)?
            .unchecked_into();
        button.set_type("button");
        button.set_class_name("wc-launcher");
        for (name, value) in [("aria-controls", "wc-window"), ("aria-haspopup", "dialog")] {
            button.set_attribute(name, value).map_err(err)?;
        }
        let chat = dom_icon(
            document,
            "wc-launcher-icon wc-launcher-icon--chat",
            28,
            Paint::Fill,
            CHAT,
        )
        .map_err(err)?;
        let close = dom_icon(
            document,
            "wc-launcher-icon wc-launcher-icon--close",
            22,
            Paint::Stroke,
            CHEVRON_DOWN,
        )
        .map_err(err)?;
        let badge = document.create_element("span").map_err(err)?;
        badge.set_class_name("wc-badge");
        badge.set_attribute("aria-hidden", "true").map_err(err)?;
        for child in [&chat, &close] {
            button.append_child(child).map_err(err)?;
        }

        let (lang, open, unread) = (store.lang(), store.is_open(), store.unread());
        let effects = vec![
            RenderEffect::new({
                let button = button.clone();
                move |_| {
                    // A run still queued when the store went away (the widget was torn down
                    // mid-turn) has nothing to draw.
                    let (Some(l), Some(is_open), Some(n)) =
                        (lang.try_get(), open.try_get(), unread.try_get())
                    else {
                        return;
                    };
                    let label = match (is_open, n) {
                        (true, _) => l.text(Key::MinimiseChat).to_owned(),
                        (false, 0) => l.text(Key::OpenChat).to_owned(),
                        (false, n) => l.count(Key::OpenChatUnread, n),
                    };
                    _ = button.set_attribute("aria-label", &label);
                    let expanded = if is_open { "true" } else { "false" };
                    _ = button.set_attribute("aria-expanded", expanded);
                }
            }),
            // Only in the DOM while there is something unread and the window is closed.
            RenderEffect::new({
                let button = button.clone();
                move |_| {
                    let (Some(n), Some(is_open)) = (unread.try_get(), open.try_get()) else {
                        return;
                    };
                    if !is_open && n > 0 {
                        badge.set_text_content(Some(&badge_text(n)));
                        if badge.parent_node().is_none() {
                            _ = button.append_child(&badge);
                        }
                    } else {
                        badge.remove();
                    }
                }
            }),
        ];

        let click = Closure::<dyn FnMut()>::new(move || {
            if open.get_untracked() {
                store.minimise_window();
                actions.dispatch(UiAction::Minimise);
            } else {
                store.open_window();
                actions.dispatch(UiAction::Open);
            }
        });
        button
            .add_event_listener_with_callback("click", click.as_ref().unchecked_ref())
            .map_err(err)?;
        Ok(Launcher {
            button,
            click,
            _effects: effects,
        })
    }

    /// The button (focus returns here when the window closes).
    pub fn button(&self) -> &HtmlButtonElement {
        &self.button
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        _ = self
            .button
            .remove_event_listener_with_callback("click", self.click.as_ref().unchecked_ref());
    }
}

/// The badge's text: the count, capped so it fits the circle.
fn badge_text(n: u32) -> String {
    if n > 99 {
        "99+".to_owned()
    } else {
        n.to_string()
    }
}
