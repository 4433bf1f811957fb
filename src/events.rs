//! What the widget tells the host page: one [`HostEvent`] enum and [`emit`], which dispatches it
//! as a DOM `CustomEvent` named `webchat:<name>` on the widget's host element.
//!
//! The controller, the visibility rules and the embed API all report through here; the `CV.on`
//! API (in `embed`) listens on the host element and calls the page's handlers. This module does
//! not keep handlers or decide when something happens; it only names events and shapes their
//! `detail` objects.

use wasm_bindgen::JsValue;
use web_sys::EventTarget;

/// Who sent a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The visitor typed it.
    Visitor,
    /// The agent sent it.
    Agent,
}

impl Direction {
    /// The `detail.direction` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Visitor => "visitor",
            Direction::Agent => "agent",
        }
    }
}

/// Who ended a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedBy {
    /// The visitor pressed "End chat" (or the page called reset/destroy).
    Visitor,
    /// The agent closed it.
    Agent,
    /// The agent blocked the visitor.
    Blocked,
}

impl EndedBy {
    /// The `detail.by` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Visitor => "visitor",
            EndedBy::Agent => "agent",
            EndedBy::Blocked => "blocked",
        }
    }
}

/// One thing the host page may want to know. The DOM event name is `webchat:` + [`HostEvent::name`].
#[derive(Clone, Debug, PartialEq)]
pub enum HostEvent {
    /// The campaign is loaded and the widget can be used.
    Ready,
    /// The chat window opened.
    Open,
    /// The chat window closed (minimised).
    Close,
    /// A chat session was created (`POST chatsessions` succeeded).
    ChatStarted {
        /// The chat session id.
        session_id: String,
    },
    /// The chat ended.
    ChatEnded {
        /// Who ended it.
        by: EndedBy,
    },
    /// A message was sent or received.
    Message {
        /// Who wrote it.
        direction: Direction,
        /// The sender's display name (the agent's nick, or the visitor's name or "visitor").
        sender: String,
        /// The text, exactly as typed (never HTML).
        text: String,
        /// The message's stable id.
        id: String,
    },
    /// The agent started or stopped typing.
    AgentTyping {
        /// True while the agent is composing.
        typing: bool,
    },
    /// The survey answer was sent (or changed).
    SurveySubmitted {
        /// The chosen option.
        result: String,
        /// The comment, when one was given.
        comment: Option<String>,
    },
    /// The agent asked to co-browse.
    CobrowsingRequested,
    /// The visitor accepted co-browsing.
    CobrowsingAccepted,
    /// The visitor declined co-browsing.
    CobrowsingDenied,
    /// The widget was shown or hidden.
    Visibility {
        /// Whether the launcher/window is now visible.
        visible: bool,
        /// Why: `"rule:<name>"` (the rule that decided), `"rules"` (all hold), `"default"` (no
        /// rules), `"invalid"`, `"rest"` (the operator's override), `"api"` (the page's
        /// show()/hide()), `"chat"` (a chat going on is never hidden).
        reason: String,
    },
    /// Something went wrong that the page may want to log or report.
    Error {
        /// A clear, English message.
        message: String,
    },
}

impl HostEvent {
    /// The public event name (what `CV.on` takes).
    pub fn name(&self) -> &'static str {
        match self {
            HostEvent::Ready => "ready",
            HostEvent::Open => "open",
            HostEvent::Close => "close",
            HostEvent::ChatStarted { .. } => "chat:started",
            HostEvent::ChatEnded { .. } => "chat:ended",
            HostEvent::Message { .. } => "message",
            HostEvent::AgentTyping { .. } => "agent:typing",
            HostEvent::SurveySubmitted { .. } => "survey:submitted",
            HostEvent::CobrowsingRequested => "cobrowsing:requested",
            HostEvent::CobrowsingAccepted => "cobrowsing:accepted",
            HostEvent::CobrowsingDenied => "cobrowsing:denied",
            HostEvent::Visibility { .. } => "visibility",
            HostEvent::Error { .. } => "error",
        }
    }

    /// Every public event name, for validating `CV.on(name, …)`.
    pub const NAMES: [&'static str; 13] = [
        "ready",
        "open",
        "close",
        "chat:started",
        "chat:ended",
        "message",
        "agent:typing",
        "survey:submitted",
        "cobrowsing:requested",
        "cobrowsing:accepted",
        "cobrowsing:denied",
        "visibility",
        "error",
    ];

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
            HostEvent::Error { message } => set("message", message.into()),
        }
        obj.into()
    }
}

/// The DOM event type for `event`: `webchat:` + its name.
pub fn dom_type(event: &HostEvent) -> String {
    format!("webchat:{}", event.name())
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

/// The [`HostEvent::NAMES`] entry equal to `name`, if it is one (validates `CV.on(name, …)`).
pub fn known_name(name: &str) -> Option<&'static str> {
    HostEvent::NAMES.iter().copied().find(|n| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_documented_ones() {
        let all = [
            HostEvent::Ready,
            HostEvent::Open,
            HostEvent::Close,
            HostEvent::ChatStarted {
                session_id: "s".into(),
            },
            HostEvent::ChatEnded { by: EndedBy::Agent },
            HostEvent::Message {
                direction: Direction::Agent,
                sender: "Ana".into(),
                text: "hi".into(),
                id: "1".into(),
            },
            HostEvent::AgentTyping { typing: true },
            HostEvent::SurveySubmitted {
                result: "good".into(),
                comment: None,
            },
            HostEvent::CobrowsingRequested,
            HostEvent::CobrowsingAccepted,
            HostEvent::CobrowsingDenied,
            HostEvent::Visibility {
                visible: true,
                reason: "default".into(),
            },
            HostEvent::Error {
                message: "x".into(),
            },
        ];
        let names: Vec<&str> = all.iter().map(HostEvent::name).collect();
        assert_eq!(names, HostEvent::NAMES);
        assert_eq!(dom_type(&HostEvent::Ready), "webchat:ready");
    }
}
