//! A callback run in a task of its own right after the current one, through a
//! `MessageChannel` message: after this task's view updates (and their microtasks), and not
//! held back in a background tab the way `setTimeout` is (Chrome runs a hidden page's timers at
//! most once a second, which would make the other tabs of a leader see its messages late).
//!
//! What it does not: cancel (the callback checks whether it still has work), decide what the
//! work is, or run anything after it is dropped (its port is closed then). Built with
//! `js_sys::Reflect` only, so it needs no extra `web-sys` feature.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::js_get;

/// One `MessageChannel` whose first port runs `f` for every message posted to the second.
pub struct NextTask {
    port1: JsValue,
    port2: JsValue,
    post: Function,
    _callback: Closure<dyn FnMut()>,
}

impl NextTask {
    /// `None` when the browser has no `MessageChannel` (the caller then does the work at once
    /// or on a timer).
    pub fn new(f: impl FnMut() + 'static) -> Option<NextTask> {
        let ctor: Function = js_get(&js_sys::global(), "MessageChannel")?
            .dyn_into()
            .ok()?;
        let channel = Reflect::construct(&ctor, &Array::new()).ok()?;
        let (port1, port2) = (js_get(&channel, "port1")?, js_get(&channel, "port2")?);
        let post: Function = js_get(&port2, "postMessage")?.dyn_into().ok()?;
        let callback = Closure::<dyn FnMut()>::new(f);
        // Setting `onmessage` also starts the port.
        Reflect::set(&port1, &"onmessage".into(), callback.as_ref()).ok()?;
        Some(NextTask {
            port1,
            port2,
            post,
            _callback: callback,
        })
    }

    /// Runs the callback in a coming task. Returns false when the message could not be posted.
    pub fn post(&self) -> bool {
        self.post.call1(&self.port2, &JsValue::NULL).is_ok()
    }
}

impl Drop for NextTask {
    fn drop(&mut self) {
        // A message still in flight is discarded by the closed port: the callback (freed with
        // this struct) is never called.
        let _ = Reflect::set(&self.port1, &"onmessage".into(), &JsValue::NULL);
        for port in [&self.port1, &self.port2] {
            if let Some(close) = Reflect::get(port, &"close".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
            {
                let _ = close.call0(port);
            }
        }
    }
}
