//! What the visitor does, going out of the UI: [`UiAction`] and the [`ActionSink`] that receives it.
//!
//! The controller implements `ActionSink` (send the text over XMPP, PATCH the survey, emit the JS
//! event); components only ever call [`Actions::dispatch`]. Nothing here performs the action.

use std::rc::Rc;

use leptos::prelude::*;

use crate::model::{ChatState, MessageId};

/// Something the visitor did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiAction {
    /// Opened the window.
    Open,
    /// Minimised the window.
    Minimise,
    /// Sent a message (already trimmed, never empty).
    SendText(String),
    /// Asked to send a failed message again.
    Retry(MessageId),
    /// The visitor's chat state changed (debounced).
    ChatState(ChatState),
    /// Confirmed "End chat".
    EndChat,
    /// Asked for a new chat after the end.
    StartNewChat,
    /// Answered (or changed) the survey.
    SurveyAnswer {
        /// `good`, `moderate` or `bad`.
        value: String,
        /// The comment, when enabled and written.
        comment: Option<String>,
    },
    /// Answered the co-browsing prompt.
    CobrowseAnswer {
        /// True for accept.
        accepted: bool,
    },
}

/// Receives the visitor's actions; implemented by the controller.
pub trait ActionSink {
    /// Handles one action. Called on the UI thread, never re-entrantly from a render.
    fn dispatch(&self, action: UiAction);
}

impl<F: Fn(UiAction)> ActionSink for F {
    fn dispatch(&self, action: UiAction) {
        self(action)
    }
}

/// The sink as components hold it: `Copy`, stored in the reactive arena as a local (non-`Send`)
/// value so the controller may keep `Rc`s and JS handles.
#[derive(Clone, Copy)]
pub struct Actions(StoredValue<Rc<dyn ActionSink>, LocalStorage>);

impl Actions {
    /// Wraps a sink.
    pub fn new(sink: Rc<dyn ActionSink>) -> Self {
        Actions(StoredValue::new_local(sink))
    }

    /// Sends an action to the sink. A disposed store (widget unmounted) drops the action.
    pub fn dispatch(&self, action: UiAction) {
        if let Some(sink) = self.0.try_get_value() {
            sink.dispatch(action);
        }
    }
}
