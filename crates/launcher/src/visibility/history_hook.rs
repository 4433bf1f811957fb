//! Route changes of single-page apps: `history.pushState` / `replaceState` wrapped so the
//! `pages` rule is checked again, and restored on drop.
//!
//! It knows nothing of the rules; it only calls `notify` after the page's own call.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// A `history` method replacement: `(state, unused, url)` → the original's result.
type HistoryFn = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

/// `history.pushState`/`replaceState` wrapped to report route changes; restored on drop.
pub(super) struct HistoryHook {
    history: JsValue,
    originals: Vec<(&'static str, JsValue, JsValue)>,
    active: Rc<Cell<bool>>,
    closures: Vec<HistoryFn>,
}

impl HistoryHook {
    pub(super) fn install(notify: Rc<dyn Fn()>) -> Option<HistoryHook> {
        let window = web_sys::window()?;
        let history = js_sys::Reflect::get(&window, &"history".into()).ok()?;
        let active = Rc::new(Cell::new(true));
        let mut hook = HistoryHook {
            history: history.clone(),
            originals: Vec::new(),
            active: active.clone(),
            closures: Vec::new(),
        };
        for name in ["pushState", "replaceState"] {
            let original: js_sys::Function = js_sys::Reflect::get(&history, &name.into())
                .ok()?
                .dyn_into()
                .ok()?;
            let (history_this, notify, active) = (history.clone(), notify.clone(), active.clone());
            let orig = original.clone();
            let closure = HistoryFn::new(move |state: JsValue, unused: JsValue, url: JsValue| {
                // `url` left out by the page arrives as undefined, which the browser treats
                // as missing: the call is the page's own, unchanged.
                let result = js_sys::Reflect::apply(
                    &orig,
                    &history_this,
                    &js_sys::Array::of3(&state, &unused, &url),
                )?;
                if active.get() {
                    notify();
                }
                Ok(result)
            });
            let wrapper: &JsValue = closure.as_ref();
            if js_sys::Reflect::set(&history, &name.into(), wrapper).is_err() {
                continue;
            }
            hook.originals
                .push((name, original.into(), wrapper.clone()));
            hook.closures.push(closure);
        }
        Some(hook)
    }
}

impl Drop for HistoryHook {
    fn drop(&mut self) {
        self.active.set(false);
        let mut still_referenced = false;
        for (name, original, wrapper) in &self.originals {
            let current =
                js_sys::Reflect::get(&self.history, &(*name).into()).unwrap_or(JsValue::UNDEFINED);
            if current == *wrapper {
                let _ = js_sys::Reflect::set(&self.history, &(*name).into(), original);
            } else {
                // Someone wrapped our wrapper: removing it would break their chain. It stays as
                // a silent pass-through (inactive), so its closure must outlive us.
                still_referenced = true;
            }
        }
        if still_referenced {
            for c in self.closures.drain(..) {
                c.forget();
            }
        }
    }
}
