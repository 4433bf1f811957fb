//! The DOM side of host events: a [`HostEvent`] as a non-bubbling `CustomEvent` named
//! `webchat:<name>` on the widget's host element, with a `detail` object.

use wasm_bindgen::JsValue;
use web_sys::EventTarget;

use super::HostEvent;

impl HostEvent {
    /// The `detail` object handed to the page's handler.
    pub fn detail(&self) -> JsValue {
        let obj = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            // Setting a plain property on a fresh object cannot fail.
            let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &v);
        };
        match self {
            HostEvent::Ready
            | HostEvent::Open
            | HostEvent::Close
            | HostEvent::CobrowsingRequested => {}
            HostEvent::CobrowsingAccepted => set("accepted", JsValue::TRUE),
            HostEvent::CobrowsingDenied => set("accepted", JsValue::FALSE),
            HostEvent::ChatStarted { session_id } => set("sessionId", session_id.into()),
            HostEvent::ChatEnded { by } => set("by", by.as_str().into()),
            HostEvent::Message {
                direction,
                sender,
                text,
                id,
            } => {
                set("direction", direction.as_str().into());
                set("sender", sender.into());
                set("text", text.into());
                set("id", id.into());
            }
            HostEvent::AgentTyping { typing } => set("typing", (*typing).into()),
            HostEvent::SurveySubmitted { result, comment } => {
                set("result", result.into());
                set(
                    "comment",
                    comment
                        .as_deref()
                        .map(JsValue::from_str)
                        .unwrap_or(JsValue::NULL),
                );
            }
            HostEvent::Visibility { visible, reason } => {
                set("visible", (*visible).into());
                set("reason", reason.into());
            }
            HostEvent::Unread { count } => set("count", (*count).into()),
            HostEvent::Greeting { id, action } => {
                set("id", id.into());
                set("action", action.as_str().into());
            }
            HostEvent::Error { message } => set("message", message.into()),
        }
        obj.into()
    }
}

/// The DOM event type for `event`: `webchat:` + its name.
pub fn dom_type(event: &HostEvent) -> String {
    ["webchat:", event.name()].concat()
}

/// Dispatches `event` on `target` (the widget's host element) as a `CustomEvent` with
/// [`HostEvent::detail`]. It does not bubble, so the page sees it only through `CV.on` or a
/// listener on the host element.
///
/// The dispatch happens in a microtask, not inside this call: callers (the controller) emit while
/// holding their own state borrowed, and a page handler that calls back into the API (`CV.chat.
/// state()` inside `on('message')`) must not find it borrowed. Microtasks run in order, so events
/// reach the page in the order they were emitted.
pub fn emit(target: &EventTarget, event: &HostEvent) {
    let (target, event) = (target.clone(), event.clone());
    wasm_bindgen_futures::spawn_local(async move { emit_now(&target, &event) });
}

thread_local! {
    /// Targets whose events wait for [`release`], each with what it was sent meanwhile.
    static HELD: std::cell::RefCell<Vec<(EventTarget, Vec<HostEvent>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Keeps `target`'s events back until [`release`]: `init` holds them while the page cannot
/// subscribe yet (before it has the API object), so a `ready` that comes quickly is not lost.
pub fn hold(target: &EventTarget) {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        if !held.iter().any(|(t, _)| t == target) {
            held.push((target.clone(), Vec::new()));
        }
    });
}

/// Dispatches what [`hold`] kept back, in order, and lets later events through at once.
pub fn release(target: &EventTarget) {
    let kept = HELD.with(|held| {
        let mut held = held.borrow_mut();
        let i = held.iter().position(|(t, _)| t == target)?;
        Some(held.remove(i).1)
    });
    for event in kept.unwrap_or_default() {
        emit_now(target, &event);
    }
}

/// Forgets what [`hold`] kept back for `target` (the widget was destroyed before release).
pub fn discard(target: &EventTarget) {
    HELD.with(|held| held.borrow_mut().retain(|(t, _)| t != target));
}

fn emit_now(target: &EventTarget, event: &HostEvent) {
    let kept = HELD.with(|held| {
        let mut held = held.borrow_mut();
        match held.iter_mut().find(|(t, _)| t == target) {
            Some((_, queue)) => {
                queue.push(event.clone());
                true
            }
            None => false,
        }
    });
    if kept {
        return;
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&event.detail());
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(&dom_type(event), &init) {
        let _ = target.dispatch_event(&ev);
    }
}
