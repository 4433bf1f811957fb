//! The widget's Leptos components, one file each, reading the [`ChatStore`](crate::model::ChatStore)
//! from context and sending the visitor's actions through [`Actions`](crate::actions::Actions).
//!
//! Components render and forward; they hold no protocol logic and never treat message text as
//! HTML.

mod chat_window;
mod cobrowse_prompt;
mod composer;
pub mod form_field;
mod header;
mod icons;
mod message_bubble;
mod message_list;
mod message_text;
mod offline_form;
mod offline_state;
mod prechat_form;
mod survey;
mod system_notice;
mod transcript_offer;
mod typing_indicator;
pub mod when;
mod window_host;

pub use chat_window::ChatWindow;
pub use cobrowse_prompt::CobrowsePrompt;
pub use composer::Composer;
pub use header::Header;
pub use message_bubble::MessageBubble;
pub use message_list::MessageList;
pub use message_text::MessageText;
pub use offline_form::OfflineForm;
pub use offline_state::OfflineState;
pub use prechat_form::{DepartmentLine, PrechatForm};
pub use survey::Survey;
pub use system_notice::SystemNotice;
pub use transcript_offer::TranscriptCard;
pub use typing_indicator::TypingIndicator;
pub use window_host::{focus_into_window, WindowHost};
