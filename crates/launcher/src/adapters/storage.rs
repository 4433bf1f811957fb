//! Key–value storage for the visitor's id and chat state: `sessionStorage` or `localStorage`,
//! with an in-memory fallback.
//!
//! Every key lives under [`PREFIX`] (`webchat:`), so the widget's data is easy to find and to
//! clear, and nothing else on the page is touched. When storage is unavailable (private modes,
//! disabled, quota), the values live in memory for this page and one console warning says so.
//! It stores strings; it does not serialise or interpret them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The prefix of every key the widget writes.
pub const PREFIX: &str = "webchat:";

/// Which browser storage backs the values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// `sessionStorage`: forgotten when the browser session ends.
    Session,
    /// `localStorage`: kept across sessions.
    Local,
}

thread_local! {
    // One warning per page, however many widgets are created and destroyed.
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

/// The widget's storage. Cloning gives another handle on the same values (the in-memory
/// fallback is shared), so the controller can keep one while the embedder keeps another.
#[derive(Clone)]
pub struct Storage {
    browser: Option<web_sys::Storage>,
    /// What was asked for (`None`: memory on purpose).
    kind: Option<StorageKind>,
    // A list, not a map: a handful of keys (a map's code would weigh more than they do).
    memory: Rc<RefCell<Vec<(String, String)>>>,
}

impl Storage {
    /// Opens the given storage, probing that it really accepts writes.
    pub fn open(kind: StorageKind) -> Storage {
        let browser = web_sys::window().and_then(|w| {
            let s = match kind {
                StorageKind::Session => w.session_storage(),
                StorageKind::Local => w.local_storage(),
            };
            s.ok().flatten()
        });
        // Safari's private mode and full quotas hand out a storage whose writes throw.
        let probe = [PREFIX, "probe"].concat();
        let browser =
            browser.filter(|s| s.set_item(&probe, "1").is_ok() && s.remove_item(&probe).is_ok());
        if browser.is_none() {
            Storage::warn_once();
        }
        Storage {
            browser,
            kind: Some(kind),
            memory: Rc::default(),
        }
    }

    /// Storage in memory only (tests, or when the page asks for nothing to be kept).
    pub fn memory() -> Storage {
        Storage {
            browser: None,
            kind: None,
            memory: Rc::default(),
        }
    }

    fn warn_once() {
        if !WARNED.with(|w| w.replace(true)) {
            web_sys::console::warn_1(
                &"webchat: browser storage is unavailable; the visitor id and chat state are kept \
                  in memory for this page only"
                    .into(),
            );
        }
    }

    /// Whether the values are shared by every tab of the browser profile (`localStorage` that
    /// works): then the tabs must agree on who holds the chat's connection.
    pub fn is_shared(&self) -> bool {
        self.kind == Some(StorageKind::Local) && self.browser.is_some()
    }

    /// Whether values survive a reload (browser storage works).
    pub fn is_persistent(&self) -> bool {
        self.browser.is_some()
    }

    /// The value of `key` (without the prefix).
    pub fn get(&self, key: &str) -> Option<String> {
        let full = [PREFIX, key].concat();
        match &self.browser {
            Some(s) => s.get_item(&full).ok().flatten(),
            None => self
                .memory
                .borrow()
                .iter()
                .find(|(k, _)| *k == full)
                .map(|(_, v)| v.clone()),
        }
    }

    /// Stores `value` under `key` (without the prefix). A failing write (quota) keeps the value
    /// in memory instead, so this page still sees it.
    pub fn set(&self, key: &str, value: &str) {
        let full = [PREFIX, key].concat();
        if let Some(s) = &self.browser {
            if s.set_item(&full, value).is_ok() {
                return;
            }
            Storage::warn_once();
        }
        let mut memory = self.memory.borrow_mut();
        memory.retain(|(k, _)| *k != full);
        memory.push((full, value.to_owned()));
    }

    /// Removes `key` (without the prefix).
    pub fn remove(&self, key: &str) {
        let full = [PREFIX, key].concat();
        if let Some(s) = &self.browser {
            _ = s.remove_item(&full);
        }
        self.memory.borrow_mut().retain(|(k, _)| *k != full);
    }

    /// Every key the widget has written (without the prefix), in no particular order.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .memory
            .borrow()
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(PREFIX).map(str::to_owned))
            .collect();
        if let Some(s) = &self.browser {
            let n = s.length().unwrap_or(0);
            for i in 0..n {
                if let Ok(Some(k)) = s.key(i) {
                    if let Some(k) = k.strip_prefix(PREFIX) {
                        if !keys.iter().any(|have| have == k) {
                            keys.push(k.to_owned());
                        }
                    }
                }
            }
        }
        keys
    }

    /// Removes every key under the prefix (a reset: nothing of the visitor stays readable).
    /// Keys of the host page are not touched.
    pub fn clear_all(&self) {
        for key in self.keys() {
            self.remove(&key);
        }
    }
}
