//! What the visitor does, going out of the UI: [`UiAction`] and the [`ActionSink`] that receives it.
//!
//! The controller implements `ActionSink` (send the text over XMPP, PATCH the survey, emit the JS
//! event); components only ever call [`Actions::dispatch`]. Nothing here performs the action.

use std::rc::Rc;

use leptos::prelude::*;

pub use crate::session::view::UiAction;

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
