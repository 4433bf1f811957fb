//! Tabs of one browser profile that share a persistent visitor: a leader election with the Web
//! Locks API (`navigator.locks`) and a `BroadcastChannel` to talk between them.
//!
//! [`Tabs::join`] asks for an exclusive lock named after the campaign; the browser grants it to
//! exactly one tab at a time and hands it to the next waiting tab as soon as the holder closes
//! (or crashes), which is how a follower takes over within a moment. Text messages posted on the
//! channel reach every *other* tab of the same origin. Dropping [`Tabs`] releases the lock and
//! closes the channel. Both APIs are reached through `js_sys::Reflect`, so a browser without
//! them simply gets `None` (every tab then works on its own). It carries strings; what they mean
//! is the controller's business.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::js_get;

/// Membership in the group of tabs: the lock request and the channel.
pub struct Tabs {
    channel: JsValue,
    _on_message: Closure<dyn FnMut(JsValue)>,
    /// False once dropped: a lock granted later is given back at once.
    alive: Rc<Cell<bool>>,
    /// Resolves the promise that holds the lock (present once granted).
    release: Rc<RefCell<Option<Function>>>,
}

impl Tabs {
    /// Joins the group `name`: `on_leader` runs once when this tab becomes the leader (maybe at
    /// once, maybe when another tab closes), `on_message` for every text another tab posts.
    /// `None` when the browser has no Web Locks or no `BroadcastChannel`.
    pub fn join(
        name: &str,
        on_leader: impl FnOnce() + 'static,
        mut on_message: impl FnMut(String) + 'static,
    ) -> Option<Tabs> {
        let global: JsValue = js_sys::global().into();
        let locks = js_get(&global, "navigator").and_then(|n| js_get(&n, "locks"))?;
        let request: Function = js_get(&locks, "request")?.dyn_into().ok()?;
        let ctor: Function = js_get(&global, "BroadcastChannel")?.dyn_into().ok()?;
        let channel =
            Reflect::construct(&ctor, &js_sys::Array::of1(&JsValue::from_str(name))).ok()?;
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(text) = js_get(&event, "data").and_then(|d| d.as_string()) {
                on_message(text);
            }
        });
        Reflect::set(
            &channel,
            &JsValue::from_str("onmessage"),
            on_message.as_ref().unchecked_ref(),
        )
        .ok()?;
        let release: Rc<RefCell<Option<Function>>> = Rc::default();
        let alive = Rc::new(Cell::new(true));
        let (slot, still) = (release.clone(), alive.clone());
        let mut on_leader = Some(on_leader);
        let on_granted = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |_lock: JsValue| {
            if !still.get() {
                // Granted after this member left (its request was still queued): give it back.
                return Promise::resolve(&JsValue::UNDEFINED);
            }
            // The lock is held until this promise settles: on drop, or when the tab goes away.
            let held = Promise::new(&mut |resolve, _reject| {
                *slot.borrow_mut() = Some(resolve);
            });
            if let Some(f) = on_leader.take() {
                f();
            }
            held
        });
        let lock_name = JsValue::from_str(&format!("{name}:leader"));
        // The browser may call it long after this member is gone: it is handed over for good
        // (one small closure per widget) and checks `alive` itself.
        let on_granted = on_granted.into_js_value();
        request.call2(&locks, &lock_name, &on_granted).ok()?;
        Some(Tabs {
            channel,
            _on_message: on_message,
            alive,
            release,
        })
    }

    /// Posts `text` to every other tab of the group.
    pub fn post(&self, text: &str) {
        if let Some(post) =
            js_get(&self.channel, "postMessage").and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = post.call1(&self.channel, &JsValue::from_str(text));
        }
    }

    /// Whether this tab holds the lock.
    pub fn is_leader(&self) -> bool {
        self.release.borrow().is_some()
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        self.alive.set(false);
        let _ = Reflect::set(
            &self.channel,
            &JsValue::from_str("onmessage"),
            &JsValue::NULL,
        );
        if let Some(close) =
            js_get(&self.channel, "close").and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = close.call0(&self.channel);
        }
        if let Some(resolve) = self.release.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}
