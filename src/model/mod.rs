//! The chat view model: plain data the components render, held in Leptos signals.
//!
//! The controller (later: protocol events in, REST replies in) mutates it only through
//! [`ChatStore`]'s methods; components read it and send what the visitor does out as
//! [`UiAction`](crate::actions::UiAction)s. No protocol or network logic lives here.

mod config;
pub mod saved;
mod store;
mod typing;

pub use config::{CobrowseConfig, SurveyConfig, SurveyOption, SurveyStyle, WidgetConfig};
pub use saved::SavedEntry;
pub use store::{
    ChatStore, CobrowseState, EndedBy, Entry, EntryKind, Message, MessageId, MessageStatus, Notice,
    Phase, Sender, SurveyState,
};
pub use typing::{ChatState, TypingTracker, PAUSE_AFTER_MS};
