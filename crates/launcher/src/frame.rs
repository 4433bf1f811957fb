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

use crate::i18n::{Key, Lang};
use crate::icons::{dom_icon, Paint, CHEVRON_DOWN, SEND};
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

fn dom(e: wasm_bindgen::JsValue) -> ShellError {
    ShellError::Dom(crate::adapters::describe(&e))
}

fn element(document: &Document, tag: &str, class: &str) -> Result<Element, ShellError> {
    let el = document.create_element(tag).map_err(dom)?;
    el.set_class_name(class);
    Ok(el)
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
        let title = title.unwrap_or_else(|| lang.text(Key::Title));
        let section: HtmlElement =
            element(document, "section", "wc-window wc-frame")?.unchecked_into();
        for (name, value) in [
            ("id", "wc-window"),
            ("role", "dialog"),
            ("aria-label", title),
            ("tabindex", "-1"),
        ] {
            section.set_attribute(name, value).map_err(dom)?;
        }
        section.set_hidden(true);

        let header = element(document, "div", "wc-header")?;
        let avatar = element(document, "div", "wc-avatar wc-avatar--empty")?;
        avatar.set_attribute("aria-hidden", "true").map_err(dom)?;
        let heading = element(document, "div", "wc-heading")?;
        let h2 = element(document, "h2", "wc-title")?;
        h2.set_text_content(Some(title));
        let status = element(document, "p", "wc-status")?;
        let dot = element(document, "span", "wc-dot")?;
        dot.set_attribute("aria-hidden", "true").map_err(dom)?;
        let status_text = element(document, "span", "wc-status-text")?;
        status.append_child(&dot).map_err(dom)?;
        status.append_child(&status_text).map_err(dom)?;
        heading.append_child(&h2).map_err(dom)?;
        heading.append_child(&status).map_err(dom)?;
        let minimise: HtmlButtonElement =
            element(document, "button", "wc-icon-btn wc-minimise")?.unchecked_into();
        minimise.set_type("button");
        for name in ["aria-label", "title"] {
            minimise
                .set_attribute(name, lang.text(Key::MinimiseChat))
                .map_err(dom)?;
        }
        let chevron = dom_icon(
            document,
            ("wc-icon", "wc-svg"),
            22,
            Paint::Stroke,
            CHEVRON_DOWN,
        )
        .map_err(dom)?;
        minimise.append_child(&chevron).map_err(dom)?;
        for child in [&avatar, &heading, minimise.unchecked_ref()] {
            header.append_child(child).map_err(dom)?;
        }

        let log = element(document, "div", "wc-log")?;
        log.set_attribute("role", "log").map_err(dom)?;
        log.set_attribute("aria-busy", "true").map_err(dom)?;
        let welcome = element(document, "p", "wc-welcome")?;
        welcome.set_text_content(Some(lang.text(Key::Welcome)));
        log.append_child(&welcome).map_err(dom)?;

        let form = element(document, "form", "wc-composer")?;
        let area: HtmlTextAreaElement = element(document, "textarea", "wc-input")?.unchecked_into();
        area.set_rows(1);
        let prompt = lang.text(Key::TypeYourMessage);
        area.set_attribute("aria-label", prompt).map_err(dom)?;
        area.set_placeholder(prompt);
        let send: HtmlButtonElement = element(document, "button", "wc-send")?.unchecked_into();
        send.set_type("submit");
        for name in ["aria-label", "title"] {
            send.set_attribute(name, lang.text(Key::Send))
                .map_err(dom)?;
        }
        send.set_disabled(true);
        let arrow = dom_icon(
            document,
            ("wc-icon", "wc-svg wc-svg--flip"),
            20,
            Paint::Fill,
            SEND,
        )
        .map_err(dom)?;
        send.append_child(&arrow).map_err(dom)?;
        form.append_child(&area).map_err(dom)?;
        form.append_child(&send).map_err(dom)?;

        for child in [&header, &log, &form] {
            section.append_child(child).map_err(dom)?;
        }

        let frame = Frame {
            section,
            log,
            status,
            status_text,
            area,
            send,
            note: RefCell::new(None),
            queued: Rc::default(),
            lang,
            listeners: RefCell::default(),
            handlers: Rc::new(handlers),
        };
        frame.loading();
        frame.wire(&minimise, &form);
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

    fn wire(&self, minimise: &HtmlButtonElement, form: &Element) {
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
        let made = (|| -> Result<Element, ShellError> {
            let note = element(&document, "p", "wc-notice wc-frame-note")?;
            note.set_attribute("role", "status").map_err(dom)?;
            let text = element(&document, "span", "")?;
            text.set_text_content(Some(self.lang.text(Key::StatusReconnecting)));
            let retry: HtmlButtonElement =
                element(&document, "button", "wc-btn wc-btn--ghost wc-frame-retry")?
                    .unchecked_into();
            retry.set_type("button");
            retry.set_text_content(Some(self.lang.text(Key::Retry)));
            note.append_child(&text).map_err(dom)?;
            note.append_child(&retry).map_err(dom)?;
            let handlers = self.handlers.clone();
            self.listen(&retry, "click", move |_| (handlers.retry)());
            Ok(note)
        })();
        if let Ok(note) = made {
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
