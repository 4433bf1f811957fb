//! The window's frame: what a click on the launcher opens at once while the chat stage is still
//! on its way. It looks like the chat window (the campaign's colour, the header with its title
//! and a calm "connecting" status, the greeting, the composer) and it works: what the visitor
//! types stays, and a message sent with Enter is queued and shown as on its way. When the chat
//! arrives it takes the draft and the queue ([`Frame::take`]) and puts its window in the
//! frame's place; if its download failed the frame says so and offers to try again.
//!
//! Plain DOM with the launcher stage's stylesheet (the classes of the chat window, so the swap
//! does not move a pixel). Message text is always text. It decides nothing: its owner hears
//! minimise, send and retry.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, HtmlButtonElement, HtmlElement, HtmlTextAreaElement};

use crate::dom::Spec;
use crate::i18n::{Key, Lang};
use crate::icons::{FILL_SEND, STROKE_CHEVRON};
use crate::shell::ShellError;

/// What the visitor left in the frame: handed to the chat stage once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Left {
    /// Text in the composer, not sent.
    pub draft: String,
    /// Messages sent with Enter, oldest first, not yet handed to the chat.
    pub queued: Vec<String>,
    /// The composer had the focus.
    pub focused: bool,
}

/// What the frame tells its owner.
pub struct Handlers {
    /// The minimise button or Escape.
    pub minimise: Box<dyn Fn()>,
    /// A message was queued (the chat is needed now).
    pub sent: Box<dyn Fn()>,
    /// "Retry" after a failed download.
    pub retry: Box<dyn Fn()>,
}

type Listener = (Element, &'static str, Closure<dyn FnMut(Event)>);

/// The frame's DOM. Dropping it removes it and its listeners.
pub struct Frame {
    section: HtmlElement,
    log: Element,
    status: Element,
    status_text: Element,
    area: HtmlTextAreaElement,
    send: HtmlButtonElement,
    note: RefCell<Option<Element>>,
    queued: Rc<RefCell<Vec<String>>>,
    lang: Lang,
    listeners: RefCell<Vec<Listener>>,
    handlers: Rc<Handlers>,
}

/// The frame's elements, in the chat window's classes so the swap does not move a pixel. The
/// indexes are used by [`Frame::new`].
const TREE: [Spec; 18] = [
    // 0
    Spec {
        tag: "section",
        class: "wc-window wc-frame",
        parent: None,
        attrs: &[("id", "wc-window"), ("role", "dialog"), ("tabindex", "-1")],
    },
    Spec {
        tag: "div",
        class: "wc-header",
        parent: Some(0),
        attrs: &[],
    },
    Spec {
        tag: "div",
        class: "wc-avatar wc-avatar--empty",
        parent: Some(1),
        attrs: &[("aria-hidden", "true")],
    },
    Spec {
        tag: "div",
        class: "wc-heading",
        parent: Some(1),
        attrs: &[],
    },
    // 4: the title
    Spec {
        tag: "h2",
        class: "wc-title",
        parent: Some(3),
        attrs: &[],
    },
    // 5: the status
    Spec {
        tag: "p",
        class: "wc-status",
        parent: Some(3),
        attrs: &[],
    },
    Spec {
        tag: "span",
        class: "wc-dot",
        parent: Some(5),
        attrs: &[("aria-hidden", "true")],
    },
    // 7: the status text
    Spec {
        tag: "span",
        class: "wc-status-text",
        parent: Some(5),
        attrs: &[],
    },
    // 8: minimise
    Spec {
        tag: "button",
        class: "wc-icon-btn wc-minimise",
        parent: Some(1),
        attrs: &[("type", "button")],
    },
    Spec {
        tag: "svg:svg",
        class: "wc-svg",
        parent: Some(8),
        attrs: &[
            ("viewBox", "0 0 24 24"),
            ("width", "22"),
            ("height", "22"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    },
    Spec {
        tag: "svg:path",
        class: "",
        parent: Some(9),
        attrs: STROKE_CHEVRON,
    },
    // 11: the log
    Spec {
        tag: "div",
        class: "wc-log",
        parent: Some(0),
        attrs: &[("role", "log"), ("aria-busy", "true")],
    },
    // 12: the greeting
    Spec {
        tag: "p",
        class: "wc-welcome",
        parent: Some(11),
        attrs: &[],
    },
    // 13: the composer
    Spec {
        tag: "form",
        class: "wc-composer",
        parent: Some(0),
        attrs: &[],
    },
    // 14: its text area
    Spec {
        tag: "textarea",
        class: "wc-input",
        parent: Some(13),
        attrs: &[("rows", "1")],
    },
    // 15: send
    Spec {
        tag: "button",
        class: "wc-send",
        parent: Some(13),
        attrs: &[("type", "submit"), ("disabled", "")],
    },
    Spec {
        tag: "svg:svg",
        class: "wc-svg wc-svg--flip",
        parent: Some(15),
        attrs: &[
            ("viewBox", "0 0 24 24"),
            ("width", "20"),
            ("height", "20"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    },
    Spec {
        tag: "svg:path",
        class: "",
        parent: Some(16),
        attrs: FILL_SEND,
    },
];

fn element(document: &Document, tag: &str, class: &str) -> Option<Element> {
    let el = document.create_element(tag).ok()?;
    el.set_class_name(class);
    Some(el)
}

impl Frame {
    /// Builds the frame in `lang` (`title`: the campaign's own, if any), hidden; the caller
    /// inserts [`Frame::element`] into the shell's root before the launcher.
    pub fn new(
        document: &Document,
        lang: Lang,
        title: Option<&str>,
        handlers: Handlers,
    ) -> Result<Frame, ShellError> {
        let els = crate::dom::build(document, &TREE)
            .ok_or(ShellError::Dom("the document refused an element".into()))?;
        let title = title.unwrap_or_else(|| lang.text(Key::Title));
        let prompt = lang.text(Key::TypeYourMessage);
        let at = |i: usize| &els[i];
        for (i, name, value) in [
            (0, "aria-label", title),
            (8, "aria-label", lang.text(Key::MinimiseChat)),
            (8, "title", lang.text(Key::MinimiseChat)),
            (14, "aria-label", prompt),
            (14, "placeholder", prompt),
            (15, "aria-label", lang.text(Key::Send)),
            (15, "title", lang.text(Key::Send)),
        ] {
            _ = at(i).set_attribute(name, value);
        }
        at(4).set_text_content(Some(title));
        at(12).set_text_content(Some(lang.text(Key::Welcome)));
        let section: HtmlElement = at(0).clone().unchecked_into();
        section.set_hidden(true);
        let frame = Frame {
            section,
            log: at(11).clone(),
            status: at(5).clone(),
            status_text: at(7).clone(),
            area: at(14).clone().unchecked_into(),
            send: at(15).clone().unchecked_into(),
            note: RefCell::new(None),
            queued: Rc::default(),
            lang,
            listeners: RefCell::default(),
            handlers: Rc::new(handlers),
        };
        frame.loading();
        frame.wire(at(8), at(13));
        Ok(frame)
    }

    fn listen(&self, target: &Element, kind: &'static str, f: impl FnMut(Event) + 'static) {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        if target
            .add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref())
            .is_ok()
        {
            self.listeners
                .borrow_mut()
                .push((target.clone(), kind, closure));
        }
    }

    fn wire(&self, minimise: &Element, form: &Element) {
        let handlers = self.handlers.clone();
        self.listen(minimise, "click", move |_| (handlers.minimise)());
        let handlers = self.handlers.clone();
        self.listen(&self.section, "keydown", move |ev| {
            let key = ev.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key());
            if key.as_deref() == Some("Escape") {
                ev.prevent_default();
                (handlers.minimise)();
            }
        });
        let send = self.send.clone();
        self.listen(&self.area, "input", move |ev| {
            let empty = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
                .is_none_or(|a| a.value().trim().is_empty());
            send.set_disabled(empty);
        });
        let submit = self.submitter();
        self.listen(&self.area, "keydown", move |ev| {
            let Some(k) = ev.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            // Enter that confirms an IME composition (Japanese, Chinese …) must not send.
            if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
                ev.prevent_default();
                submit();
            }
        });
        let submit = self.submitter();
        self.listen(form, "submit", move |ev| {
            ev.prevent_default();
            submit();
        });
    }

    /// What sending does: the text goes into the queue and shows as on its way.
    fn submitter(&self) -> impl Fn() + 'static {
        let (area, send, log, queued, handlers) = (
            self.area.clone(),
            self.send.clone(),
            self.log.clone(),
            self.queued.clone(),
            self.handlers.clone(),
        );
        move || {
            let text = area.value();
            if text.trim().is_empty() || area.disabled() {
                return;
            }
            area.set_value("");
            send.set_disabled(true);
            if let Some(document) = area.owner_document() {
                // Shown as the chat window shows a message on its way (text, never HTML).
                let row = document.create_element("div");
                let bubble = document.create_element("div");
                if let (Ok(row), Ok(bubble)) = (row, bubble) {
                    row.set_class_name("wc-msg wc-msg--visitor");
                    _ = row.set_attribute("data-status", "sending");
                    bubble.set_class_name("wc-bubble");
                    bubble.set_text_content(Some(&text));
                    _ = row.append_child(&bubble);
                    _ = log.append_child(&row);
                }
            }
            queued.borrow_mut().push(text);
            (handlers.sent)();
        }
    }

    /// The frame's element.
    pub fn element(&self) -> &HtmlElement {
        &self.section
    }

    /// Shows or hides it (hidden while minimised, so the draft stays).
    pub fn show(&self, open: bool) {
        self.section.set_hidden(!open);
        if open {
            _ = self.area.focus();
        }
    }

    /// Whether a chat can start: the composer is disabled while no agent is available (the
    /// chat shows the campaign's offline text once it is there).
    pub fn set_available(&self, available: bool) {
        self.area.set_disabled(!available);
    }

    /// The calm state while the chat loads.
    pub fn loading(&self) {
        self.set_status("connecting", Key::StatusConnecting);
        if let Some(note) = self.note.borrow_mut().take() {
            note.remove();
        }
    }

    /// The chat could not be loaded: the frame says it tries again, with a button to do so now.
    pub fn failed(&self) {
        self.set_status("reconnecting", Key::StatusReconnecting);
        if self.note.borrow().is_some() {
            return;
        }
        let Some(document) = self.section.owner_document() else {
            return;
        };
        let made = (|| -> Option<Element> {
            let note = element(&document, "p", "wc-notice wc-frame-note")?;
            note.set_attribute("role", "status").ok()?;
            let text = element(&document, "span", "")?;
            text.set_text_content(Some(self.lang.text(Key::StatusReconnecting)));
            let retry: HtmlButtonElement =
                element(&document, "button", "wc-btn wc-btn--ghost wc-frame-retry")?
                    .unchecked_into();
            retry.set_type("button");
            retry.set_text_content(Some(self.lang.text(Key::Retry)));
            note.append_child(&text).ok()?;
            note.append_child(&retry).ok()?;
            let handlers = self.handlers.clone();
            self.listen(&retry, "click", move |_| (handlers.retry)());
            Some(note)
        })();
        if let Some(note) = made {
            _ = self.log.append_child(&note);
            *self.note.borrow_mut() = Some(note);
        }
    }

    fn set_status(&self, phase: &str, key: Key) {
        _ = self.status.set_attribute("data-phase", phase);
        self.status_text.set_text_content(Some(self.lang.text(key)));
    }

    /// What the visitor left here, for the chat stage: taken once (the queue empties).
    pub fn take(&self) -> Left {
        let focused = self
            .area
            .get_root_node()
            .dyn_into::<web_sys::ShadowRoot>()
            .ok()
            .and_then(|r| r.active_element())
            .is_some_and(|e| e == *self.area.unchecked_ref::<Element>());
        Left {
            draft: self.area.value(),
            queued: std::mem::take(&mut *self.queued.borrow_mut()),
            focused,
        }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let listeners = std::mem::take(&mut *self.listeners.borrow_mut());
        for (target, kind, closure) in &listeners {
            _ = target.remove_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        }
        self.section.remove();
        // A listener may be what is running now (minimise that ends in a swap).
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
    }
}
