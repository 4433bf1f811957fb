//! The chat view model: plain data the components render, held in Leptos signals.
//!
//! The session core decides what is shown and the controller applies its
//! [`ViewUpdate`](crate::session::ViewUpdate)s with [`ChatStore::apply`]; the page's own state
//! (whether the window is open, the unread count, visibility) is set here directly. Components
//! read it and send what the visitor does out as [`UiAction`](crate::actions::UiAction)s. No
//! protocol or network logic lives here.

pub mod campaign;
mod config;
mod store;
pub mod transcript;
mod typing;

pub use crate::session::saved::{self, SavedEntry};
pub use crate::session::view::{
    CobrowseState, EmailState, EndedBy, MessageId, MessageStatus, Notice, OfflineState, Phase,
    PrechatFields, PrechatState, PrechatValues, SendError, Sender, SurveyState, TranscriptOffer,
};
pub use config::{CobrowseConfig, Livechat, SurveyConfig, SurveyOption, SurveyStyle, WidgetConfig};
pub use store::{ChatStore, Entry, EntryKind, Message};
pub use typing::{ChatState, TypingTracker, PAUSE_AFTER_MS};
