//! The greeting's bubble next to the launcher: who greets and the text (a button that opens
//! the chat) and a dismiss button. Announced politely to screen readers as it appears.
//!
//! Plain DOM from a table, texts set as text (a campaign's greeting is never markup). It
//! decides nothing: its owner hears open and dismiss, and removes it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event};

use crate::dom::Spec;
use crate::i18n::{Key, Lang};
use crate::icons::STROKE_CROSS;

/// The bubble's elements.
const TREE: [Spec; 7] = [
    Spec {
        tag: "div",
        class: "wc-greeting",
        parent: None,
        attrs: &[("role", "status"), ("aria-live", "polite")],
    },
    Spec {
        tag: "button",
        class: "wc-greeting-open",
        parent: Some(0),
        attrs: &[("type", "button"), ("aria-haspopup", "dialog")],
    },
    Spec {
        tag: "span",
        class: "wc-greeting-name",
        parent: Some(1),
        attrs: &[],
    },
    Spec {
        tag: "span",
        class: "wc-greeting-text",
        parent: Some(1),
        attrs: &[],
    },
    Spec {
        tag: "button",
        class: "wc-greeting-close",
        parent: Some(0),
        attrs: &[("type", "button")],
    },
    Spec {
        tag: "svg:svg",
        class: "wc-svg",
        parent: Some(4),
        attrs: &[
            ("viewBox", "0 0 24 24"),
            ("width", "18"),
            ("height", "18"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    },
    Spec {
        tag: "svg:path",
        class: "",
        parent: Some(5),
        attrs: STROKE_CROSS,
    },
];

type Listener = (Element, Closure<dyn FnMut(Event)>);

/// A drawn bubble. Dropping it takes it off the page.
pub struct Bubble {
    root: Element,
    close: Element,
    listeners: Option<[Listener; 2]>,
}

impl Bubble {
    /// Draws the bubble into `parent`, before `before`: `name` (if any) greets with `text`.
    /// `open` runs when the visitor clicks the greeting, `dismiss` when they close it.
    pub fn show(
        document: &Document,
        parent: &Element,
        before: &Element,
        lang: Lang,
        (name, text): (Option<&str>, &str),
        open: impl FnMut(Event) + 'static,
        dismiss: impl FnMut(Event) + 'static,
    ) -> Option<Bubble> {
        let els = crate::dom::build(document, &TREE)?;
        match name {
            Some(name) => els[2].set_text_content(Some(name)),
            None => els[2].remove(),
        }
        els[3].set_text_content(Some(text));
        els[4]
            .set_attribute("aria-label", lang.text(Key::DismissGreeting))
            .ok()?;
        let listen = |el: &Element, f: Closure<dyn FnMut(Event)>| {
            _ = el.add_event_listener_with_callback("click", f.as_ref().unchecked_ref());
            (el.clone(), f)
        };
        let listeners = [
            listen(&els[1], Closure::new(open)),
            listen(&els[4], Closure::new(dismiss)),
        ];
        parent.insert_before(&els[0], Some(before)).ok()?;
        Some(Bubble {
            root: els[0].clone(),
            close: els[4].clone(),
            listeners: Some(listeners),
        })
    }
}

impl Bubble {
    /// Whether the keyboard has the focus on the bubble's dismiss button (`:focus-visible`):
    /// then the focus has somewhere to go when the bubble does.
    pub fn keyboard_on_dismiss(&self) -> bool {
        self.close.matches(":focus-visible").unwrap_or(false)
    }
}

impl Drop for Bubble {
    fn drop(&mut self) {
        self.root.remove();
        let Some(listeners) = self.listeners.take() else {
            return;
        };
        for (el, f) in &listeners {
            _ = el.remove_event_listener_with_callback("click", f.as_ref().unchecked_ref());
        }
        // A click on the bubble is what drops it: its closures go after this turn.
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
    }
}
