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
use web_sys::{Document, Element, HtmlButtonElement};

use crate::actions::{Actions, UiAction};
use crate::i18n::Key;
use crate::model::ChatStore;

const SVG_NS: Option<&str> = Some("http://www.w3.org/2000/svg");

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
        let chat = icon_span(
            document,
            "wc-launcher-icon wc-launcher-icon--chat",
            28,
            |path| {
                path.set_attribute("fill", "currentColor")?;
                path.set_attribute("d", CHAT_PATH)
            },
        )
        .map_err(err)?;
        let close = icon_span(
            document,
            "wc-launcher-icon wc-launcher-icon--close",
            22,
            |path| {
                for (name, value) in [
                    ("fill", "none"),
                    ("stroke", "currentColor"),
                    ("stroke-width", "2.2"),
                    ("stroke-linecap", "round"),
                    ("stroke-linejoin", "round"),
                    ("d", CHEVRON_PATH),
                ] {
                    path.set_attribute(name, value)?;
                }
                Ok(())
            },
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

/// A speech bubble (the same drawing as [`ChatIcon`](super::icons::ChatIcon)).
const CHAT_PATH: &str = "M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.3 21l4-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.8a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z";
/// A downward chevron (the same drawing as [`ChevronDownIcon`](super::icons::ChevronDownIcon)).
const CHEVRON_PATH: &str = "M6 9.5l6 6 6-6";

/// `<span class=… aria-hidden><svg class="wc-svg" …><path …/></svg></span>`, the path's
/// attributes set by `path`.
fn icon_span(
    document: &Document,
    class: &str,
    size: u32,
    path: impl FnOnce(&Element) -> Result<(), wasm_bindgen::JsValue>,
) -> Result<Element, wasm_bindgen::JsValue> {
    let span = document.create_element("span")?;
    span.set_class_name(class);
    span.set_attribute("aria-hidden", "true")?;
    let svg = document.create_element_ns(SVG_NS, "svg")?;
    let size = size.to_string();
    for (name, value) in [
        ("class", "wc-svg"),
        ("viewBox", "0 0 24 24"),
        ("width", size.as_str()),
        ("height", size.as_str()),
        ("aria-hidden", "true"),
        ("focusable", "false"),
    ] {
        svg.set_attribute(name, value)?;
    }
    let p = document.create_element_ns(SVG_NS, "path")?;
    path(&p)?;
    svg.append_child(&p)?;
    span.append_child(&svg)?;
    Ok(span)
}
