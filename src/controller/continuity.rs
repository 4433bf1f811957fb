//! What the controller keeps in storage so a reload or a navigation continues the chat, and the
//! names of every key it writes (all under the storage prefix `webchat:`).
//!
//! | key | value |
//! | --- | --- |
//! | `visitor_id` | the anonymous visitor id (`tracker_id` while no user is tagged) |
//! | `user` | the tagged user (`CV.user.tag`), JSON |
//! | `chat` | the current chat: [`SavedChat`] as JSON (session, credentials id, XEP-0198 resume state, agents' first names by nick) |
//! | `transcript` | the conversation shown, JSON (see [`crate::model::saved`]); `sending` messages are the outbox |
//! | `open` | `1` while the window is open |
//! | `history` | a tagged user's earlier chats kept by this browser, each after a dated separator (shown when the backend has no history endpoint) |
//! | `campaign` | the last campaign read (the API's JSON), so the next page view shows the launcher in its colour and language at once; removed when the campaign turns out unusable |
//!
//! The XMPP password is not stored: a reload asks `GET xmppcredentials/{id}` again. This module
//! reads and writes JSON; it does not decide when (the controller does).

use webchat_protocol::api::ChatSession;
use webchat_protocol::json::{FromJson, Value};
// The `json` module and the `json!` macro.
use webchat_protocol::json;
use webchat_protocol::ResumeState;

/// The anonymous visitor id.
pub const VISITOR_ID_KEY: &str = "visitor_id";
/// The tagged user.
pub const USER_KEY: &str = "user";
/// The current chat ([`SavedChat`]).
pub const CHAT_KEY: &str = "chat";
/// The conversation shown.
pub const TRANSCRIPT_KEY: &str = "transcript";
/// Whether the window is open.
pub const OPEN_KEY: &str = "open";
/// A tagged user's earlier chats as this browser saw them.
pub const HISTORY_KEY: &str = "history";
/// The last campaign read, as the API sent it.
pub const CAMPAIGN_KEY: &str = "campaign";

/// Every key the controller writes.
pub const ALL_KEYS: [&str; 7] = [
    VISITOR_ID_KEY,
    USER_KEY,
    CHAT_KEY,
    TRANSCRIPT_KEY,
    OPEN_KEY,
    HISTORY_KEY,
    CAMPAIGN_KEY,
];

/// Where the saved chat was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavedStatus {
    /// Under way: continue it (resume or log in again).
    Live,
    /// Ended by either side: show it ended.
    Ended,
    /// The agent blocked the visitor: no new chat in this session.
    Blocked,
}

/// The current chat as kept between page loads.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedChat {
    /// Where it was.
    pub status: SavedStatus,
    /// The chat session (`POST chatsessions`'s answer, with the chat's `visitor_secret`: the
    /// proof this browser is its visitor).
    pub session: Option<ChatSession>,
    /// The credentials' id, for `GET xmppcredentials/{id}`.
    pub credentials_id: Option<String>,
    /// XEP-0198 state for resuming the stream, when the server allows it.
    pub resume: Option<ResumeState>,
    /// The agent's name in the header.
    pub agent_name: Option<String>,
    /// Agents' first names by nick (from the credentials and transfers), so messages keep
    /// showing first names after a reload.
    pub agent_names: Vec<(String, String)>,
}

impl SavedChat {
    /// The JSON text stored under [`CHAT_KEY`].
    pub fn to_json_text(&self) -> String {
        let status = match self.status {
            SavedStatus::Live => "live",
            SavedStatus::Ended => "ended",
            SavedStatus::Blocked => "blocked",
        };
        json!({
            "v": 1,
            "status": status,
            "session": self.session,
            "credentials_id": self.credentials_id,
            "resume": self.resume,
            "agent_name": self.agent_name,
            "names": Value::Object(
                self.agent_names
                    .iter()
                    .map(|(nick, name)| (nick.clone(), Value::from(name.as_str())))
                    .collect()
            ),
        })
        .to_string()
    }

    /// Reads what [`SavedChat::to_json_text`] wrote; `None` when unreadable (then the visitor
    /// simply starts afresh). A resume state or session that does not parse is dropped alone.
    pub fn from_json_text(text: &str) -> Option<SavedChat> {
        let v: Value = json::parse(text).ok()?;
        let status = match v.get("status")?.as_str()? {
            "live" => SavedStatus::Live,
            "ended" => SavedStatus::Ended,
            "blocked" => SavedStatus::Blocked,
            _ => return None,
        };
        let field = |k: &str| v.get(k).filter(|x| !x.is_null()).cloned();
        Some(SavedChat {
            status,
            session: field("session").and_then(|s| FromJson::from_json(&s).ok()),
            credentials_id: field("credentials_id")
                .and_then(|c| c.as_str().map(str::to_owned))
                .filter(|c| !c.is_empty()),
            resume: field("resume").and_then(|r| FromJson::from_json(&r).ok()),
            agent_name: field("agent_name").and_then(|a| a.as_str().map(str::to_owned)),
            agent_names: v
                .get("names")
                .and_then(Value::as_object)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|(nick, name)| {
                            Some((nick.to_owned(), name.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webchat_protocol::api::ChatSessionStatus;

    #[test]
    fn a_live_chat_round_trips() {
        let saved = SavedChat {
            status: SavedStatus::Live,
            session: Some(ChatSession {
                id: "cs-1".into(),
                campaign_id: "c".into(),
                tracker_id: Some("t".into()),
                visitor_identifier: None,
                request_url: None,
                status: ChatSessionStatus::Active,
                user: None,
                survey: None,
                // The chat's proof for its transcript, survey and credentials: kept with it.
                visitor_secret: Some("k3y".into()),
            }),
            credentials_id: Some("cr-1".into()),
            resume: Some(ResumeState {
                id: "sm".into(),
                h_in: 3,
                h_out: 4,
                unacked: vec!["<message id=\"v1\"/>".into()],
                jid: "v@d/r".into(),
            }),
            agent_name: Some("Ana".into()),
            agent_names: vec![
                ("agent1".into(), "Ana".into()),
                ("agent3".into(), "Pedro".into()),
            ],
        };
        assert_eq!(
            SavedChat::from_json_text(&saved.to_json_text()),
            Some(saved)
        );
    }

    #[test]
    fn damaged_values_start_afresh_or_lose_only_the_damaged_part() {
        assert_eq!(SavedChat::from_json_text("{"), None);
        assert_eq!(SavedChat::from_json_text(r#"{"status":"weird"}"#), None);
        let s = SavedChat::from_json_text(
            r#"{"status":"live","session":{"id":5},"credentials_id":"cr","resume":"nope"}"#,
        )
        .unwrap();
        assert_eq!(s.status, SavedStatus::Live);
        assert_eq!(s.session, None);
        assert_eq!(s.resume, None);
        assert_eq!(s.credentials_id.as_deref(), Some("cr"));
    }
}
