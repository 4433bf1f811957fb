//! The storage keys both stages know (each under the storage prefix `webchat:`; see
//! `adapters::storage`). The chat stage's session core writes all of them and says what each
//! holds (`src/session/continuity.rs`); the launcher reads what it needs to start (the visitor,
//! the remembered look, whether a chat is running) and applies `CV.user.tag` / `reset` while no
//! chat is loaded.

/// The anonymous visitor id.
pub const VISITOR_ID: &str = "visitor_id";
/// The tagged user ([`crate::identity::UserInfo::to_stored`]).
pub const USER: &str = "user";
/// The current chat (the session's saved chat, JSON with a `status`).
pub const CHAT: &str = "chat";
/// The conversation shown.
pub const TRANSCRIPT: &str = "transcript";
/// `1` while the window is open.
pub const OPEN: &str = "open";
/// A tagged user's earlier chats as this browser saw them.
pub const HISTORY: &str = "history";
/// The last campaign read, as the API sent it.
pub const CAMPAIGN: &str = "campaign";
/// BOSH is this visit's transport (WebSockets did not get through).
pub const TRANSPORT: &str = "transport";
/// The pre-chat form's answers and department, kept across reloads.
pub const PRECHAT: &str = "prechat";

/// Agent messages not yet read (a decimal count): the launcher keeps it, so the badge and the
/// title come back after a reload and other tabs follow it (the `storage` event).
pub const UNREAD: &str = "unread";
/// The proactive greetings this visitor has been shown (their ids, one per line): each shows
/// once per visitor.
pub const GREETINGS: &str = "greetings";

/// Every key the session writes. The launcher's own ([`UNREAD`], [`GREETINGS`]) go with them on
/// a reset: it clears every key under the prefix.
pub const ALL: [&str; 9] = [
    VISITOR_ID, USER, CHAT, TRANSCRIPT, OPEN, HISTORY, CAMPAIGN, TRANSPORT, PRECHAT,
];

/// Whether what is stored says a chat is under way or was left in sight: a saved chat (live,
/// ended or blocked: the window shows it) or a window left open. Then the launcher loads the
/// chat at once, so a reload shows it as it was.
pub fn chat_running(chat: Option<&str>, open: Option<&str>) -> bool {
    chat.is_some_and(|c| !c.trim().is_empty()) || open == Some("1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_chat_or_an_open_window_needs_the_chat_at_once() {
        assert!(!chat_running(None, None));
        assert!(!chat_running(Some(" "), Some("0")));
        assert!(chat_running(Some(r#"{"v":1,"status":"ended"}"#), None));
        assert!(chat_running(None, Some("1")));
    }
}
