//! What the launcher does while agent messages are unread and the window is closed: the page
//! title alternates with "(2) New messages" ([`title`]) and is given back exactly, a short chime
//! plays when switched on ([`sound`]), the page hears `unread`, and the count is kept in the
//! storage, so it survives a reload and tabs sharing the storage follow each other (the
//! browser's `storage` event).
//!
//! The chat stage runs it (messages are unread only where a chat is): its store counts agent
//! messages that arrive while the window is closed, and this module carries the count to the
//! page. The launcher only reads the kept count ([`stored_count`]) and shows the badge and its
//! screen-reader announcement (the shell's).

pub mod sound;
pub mod title;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement};

use crate::adapters::js_get;
use crate::adapters::storage::{Storage, PREFIX};
use crate::adapters::timer::Timer;
use crate::events::{self, HostEvent};
use crate::i18n::{Key, Lang};
use crate::keys;

use sound::Chime;
use title::TitleFlash;

/// How long each of the two titles shows while flashing.
const FLASH_MS: u64 = 1_500;

struct State {
    host: HtmlElement,
    storage: Storage,
    lang: Lang,
    count: u32,
    flash: TitleFlash,
    tick: Option<Timer>,
    /// `Some` while the chime is switched on.
    chime: Option<Chime>,
    /// Hears a count another tab wrote.
    other_tab: Rc<dyn Fn(u32)>,
    listener: Option<Closure<dyn FnMut(Event)>>,
}

/// The unread notifications of one widget. Dropping it gives the page its title back and
/// stops listening.
pub struct Notifier(Rc<RefCell<State>>);

/// Feeds a [`Notifier`] without keeping it alive: does nothing once it is gone.
#[derive(Clone)]
pub struct NotifierHandle(Weak<RefCell<State>>);

impl NotifierHandle {
    /// The language of the title text.
    pub fn set_lang(&self, lang: Lang) {
        let Some(state) = self.0.upgrade() else {
            return;
        };
        let changed = {
            let mut s = state.borrow_mut();
            let changed = s.lang != lang;
            s.lang = lang;
            changed
        };
        if changed {
            Notifier::retitle(&state, false);
        }
    }

    /// Switches the chime on or off (the configuration's `sound`).
    pub fn set_sound(&self, on: bool) {
        let Some(state) = self.0.upgrade() else {
            return;
        };
        let mut s = state.borrow_mut();
        match (on, s.chime.is_some()) {
            (true, false) => s.chime = Some(Chime::new()),
            (false, true) => s.chime = None,
            _ => {}
        }
    }

    /// This tab's chat counted `n` unread messages.
    pub fn changed(&self, n: u32) {
        if let Some(state) = self.0.upgrade() {
            Notifier::apply(&state, n, true);
        }
    }
}

impl Notifier {
    /// Starts with the count `storage` kept (the page hears it once when there is one);
    /// `other_tab` hears the counts other tabs write.
    pub fn start(host: HtmlElement, storage: Storage, other_tab: impl Fn(u32) + 'static) -> Self {
        let count = stored_count(storage.get(keys::UNREAD).as_deref());
        let state = Rc::new(RefCell::new(State {
            host,
            storage,
            lang: Lang::default(),
            count: 0,
            flash: TitleFlash::default(),
            tick: None,
            chime: None,
            other_tab: Rc::new(other_tab),
            listener: None,
        }));
        let weak = Rc::downgrade(&state);
        let listener = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let full = [PREFIX, keys::UNREAD].concat();
            if js_get(&e, "key").and_then(|k| k.as_string()).as_deref() != Some(&full) {
                return;
            }
            let n = stored_count(
                js_get(&e, "newValue")
                    .and_then(|v| v.as_string())
                    .as_deref(),
            );
            if let Some(state) = weak.upgrade() {
                if Notifier::apply(&state, n, false) {
                    let other_tab = state.borrow().other_tab.clone();
                    other_tab(n);
                }
            }
        });
        if let Some(window) = web_sys::window() {
            _ = window
                .add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
        }
        state.borrow_mut().listener = Some(listener);
        Notifier::apply(&state, count, false);
        Notifier(state)
    }

    /// A handle to feed it that does not keep it alive (an effect holds it).
    pub fn handle(&self) -> NotifierHandle {
        NotifierHandle(Rc::downgrade(&self.0))
    }

    /// Takes the count `n` (from this tab's chat when `mine`, else from another tab); false
    /// when it was the count already.
    fn apply(state: &Rc<RefCell<State>>, n: u32, mine: bool) -> bool {
        {
            let mut s = state.borrow_mut();
            if s.count == n {
                return false;
            }
            let rose = n > s.count;
            s.count = n;
            if mine {
                // Tabs sharing the storage count the same messages: the first to write a new
                // count chimes, the others find it written already.
                let written = stored_count(s.storage.get(keys::UNREAD).as_deref());
                if n == 0 {
                    s.storage.remove(keys::UNREAD);
                } else {
                    s.storage
                        .set(keys::UNREAD, &crate::text::digits(n.into(), 0));
                }
                if rose && written != n {
                    if let Some(chime) = s.chime.as_mut() {
                        chime.play();
                    }
                }
            }
            events::emit(&s.host, &HostEvent::Unread { count: n });
        }
        Notifier::retitle(state, false);
        true
    }

    /// Steps the title flash and keeps its timer ticking while it flashes.
    fn retitle(state: &Rc<RefCell<State>>, tick: bool) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let mut s = state.borrow_mut();
        let alert = (s.count > 0).then(|| s.lang.count(Key::UnreadTitle, s.count));
        if let Some(title) = s.flash.step(&document.title(), alert.as_deref(), tick) {
            document.set_title(&title);
        }
        if !s.flash.flashing() {
            s.tick = None;
        } else if tick || s.tick.is_none() {
            let weak: Weak<RefCell<State>> = Rc::downgrade(state);
            let timer = s.tick.get_or_insert_with(|| {
                Timer::new(move || {
                    if let Some(state) = weak.upgrade() {
                        Notifier::retitle(&state, true);
                    }
                })
            });
            timer.arm(FLASH_MS);
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        let mut s = self.0.borrow_mut();
        s.tick = None;
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(title) = s.flash.step(&document.title(), None, false) {
                document.set_title(&title);
            }
        }
        if let (Some(window), Some(listener)) = (web_sys::window(), s.listener.take()) {
            _ = window
                .remove_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
            // Dropping may happen inside a storage event (a reset written by another tab).
            wasm_bindgen_futures::spawn_local(async move { drop(listener) });
        }
    }
}

/// A stored count (`webchat:unread`): a decimal number; anything else is 0.
pub fn stored_count(text: Option<&str>) -> u32 {
    text.and_then(|t| t.trim().parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::stored_count;

    #[test]
    fn a_stored_count_reads_leniently() {
        assert_eq!(stored_count(Some("3")), 3);
        assert_eq!(stored_count(Some(" 12 ")), 12);
        assert_eq!(stored_count(Some("-1")), 0);
        assert_eq!(stored_count(Some("lots")), 0);
        assert_eq!(stored_count(None), 0);
    }
}
