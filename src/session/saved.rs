//! The conversation as the browser keeps it between page loads: [`SavedEntry`] and its JSON form.
//!
//! A reload or a navigation restores the chat window from this before anything is fetched, so
//! the visitor never sees an empty chat flash by; visitor messages still `sending` are the
//! outbox that goes out once the connection is back. The JSON is hand-written (small, stable
//! field names, and the widget needs no serde derive for it); anything unreadable is skipped
//! rather than failing the whole transcript. It does no I/O: the session core decides what is
//! saved and the browser driver writes it.

use webchat_protocol::json::{Map, Value};
// The `json` module and the `json!` macro.
use webchat_protocol::json;

use super::view::{EndedBy, MessageStatus, Notice, Sender};

/// One saved row of the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SavedEntry {
    /// A message bubble.
    Message {
        /// Its stable id (the visitor's stanza id, the agent message's de-duplication id).
        id: String,
        /// Who wrote it.
        sender: Sender,
        /// The text.
        text: String,
        /// Delivery state (visitor messages): `Sending` ones are the outbox.
        status: MessageStatus,
        /// When it was written (ms since the Unix epoch), when known.
        at_ms: Option<u64>,
        /// Part of an earlier chat (history).
        earlier: bool,
    },
    /// A system notice.
    Notice(Notice),
}

impl SavedEntry {
    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            SavedEntry::Message {
                id,
                sender,
                text,
                status,
                at_ms,
                earlier,
            } => {
                let mut m = Map::new();
                m.insert("id".into(), id.as_str().into());
                match sender {
                    Sender::Visitor => {
                        m.insert("from".into(), "visitor".into());
                    }
                    Sender::Agent { nick } => {
                        m.insert("from".into(), "agent".into());
                        m.insert("nick".into(), nick.as_str().into());
                    }
                    Sender::System => {
                        m.insert("from".into(), "system".into());
                    }
                }
                m.insert("text".into(), text.as_str().into());
                let status = match status {
                    MessageStatus::Sending => "sending",
                    MessageStatus::Sent => "sent",
                    MessageStatus::Failed => "failed",
                };
                m.insert("status".into(), status.into());
                if let Some(at) = at_ms {
                    m.insert("at".into(), (*at).into());
                }
                if *earlier {
                    m.insert("earlier".into(), true.into());
                }
                Value::Object(m)
            }
            SavedEntry::Notice(n) => match n {
                Notice::AgentUnavailable => json!({"notice": "agent_unavailable"}),
                Notice::AgentAvailable => json!({"notice": "agent_available"}),
                Notice::Transferred { firstname } => {
                    json!({"notice": "transferred", "firstname": firstname})
                }
                Notice::Ended(EndedBy::Agent) => json!({"notice": "ended", "by": "agent"}),
                Notice::Ended(EndedBy::Visitor) => json!({"notice": "ended", "by": "visitor"}),
                Notice::Blocked => json!({"notice": "blocked"}),
                Notice::EarlierChat { at_ms } => json!({"notice": "earlier_chat", "at": at_ms}),
                Notice::Finished { text } => json!({"notice": "finished", "text": text}),
            },
        }
    }

    /// Reads one entry; `None` for anything it does not understand.
    pub fn from_json(v: &Value) -> Option<SavedEntry> {
        let str_of = |k: &str| v.get(k).and_then(Value::as_str);
        if let Some(kind) = str_of("notice") {
            let notice = match kind {
                "agent_unavailable" => Notice::AgentUnavailable,
                "agent_available" => Notice::AgentAvailable,
                "transferred" => Notice::Transferred {
                    firstname: str_of("firstname")?.to_owned(),
                },
                "ended" => Notice::Ended(match str_of("by")? {
                    "agent" => EndedBy::Agent,
                    "visitor" => EndedBy::Visitor,
                    _ => return None,
                }),
                "blocked" => Notice::Blocked,
                "earlier_chat" => Notice::EarlierChat {
                    at_ms: v.get("at").and_then(Value::as_u64),
                },
                "finished" => Notice::Finished {
                    text: str_of("text")?.to_owned(),
                },
                _ => return None,
            };
            return Some(SavedEntry::Notice(notice));
        }
        let sender = match str_of("from")? {
            "visitor" => Sender::Visitor,
            "agent" => Sender::Agent {
                nick: str_of("nick").unwrap_or_default().to_owned(),
            },
            "system" => Sender::System,
            _ => return None,
        };
        let status = match str_of("status").unwrap_or("sent") {
            "sending" => MessageStatus::Sending,
            "failed" => MessageStatus::Failed,
            _ => MessageStatus::Sent,
        };
        Some(SavedEntry::Message {
            id: str_of("id").filter(|i| !i.is_empty())?.to_owned(),
            sender,
            text: str_of("text")?.to_owned(),
            status,
            at_ms: v.get("at").and_then(Value::as_u64),
            earlier: v.get("earlier").and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// A whole conversation as a JSON array.
pub fn to_json(entries: &[SavedEntry]) -> Value {
    Value::Array(entries.iter().map(SavedEntry::to_json).collect())
}

/// Reads a conversation written by [`to_json`]; anything but an array gives an empty list and
/// unreadable entries are skipped.
pub fn from_json(value: &Value) -> Vec<SavedEntry> {
    match value {
        Value::Array(items) => items.iter().filter_map(SavedEntry::from_json).collect(),
        _ => Vec::new(),
    }
}

/// A whole conversation as JSON text.
pub fn to_json_text(entries: &[SavedEntry]) -> String {
    to_json(entries).to_string()
}

/// Reads a conversation saved by [`to_json_text`]; unreadable text gives an empty list and
/// unreadable entries are skipped.
pub fn from_json_text(text: &str) -> Vec<SavedEntry> {
    json::parse(text).map(|v| from_json(&v)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let all = vec![
            SavedEntry::Message {
                id: "v1".into(),
                sender: Sender::Visitor,
                text: "<b>hi</b> \"there\"".into(),
                status: MessageStatus::Sending,
                at_ms: Some(1_764_900_000_000),
                earlier: false,
            },
            SavedEntry::Message {
                id: "u1".into(),
                sender: Sender::Agent { nick: "Ana".into() },
                text: "hello".into(),
                status: MessageStatus::Sent,
                at_ms: None,
                earlier: true,
            },
            SavedEntry::Message {
                id: "s1".into(),
                sender: Sender::System,
                text: "welcome".into(),
                status: MessageStatus::Failed,
                at_ms: Some(0),
                earlier: false,
            },
            SavedEntry::Notice(Notice::AgentUnavailable),
            SavedEntry::Notice(Notice::AgentAvailable),
            SavedEntry::Notice(Notice::Transferred {
                firstname: "Bo".into(),
            }),
            SavedEntry::Notice(Notice::Ended(EndedBy::Agent)),
            SavedEntry::Notice(Notice::Ended(EndedBy::Visitor)),
            SavedEntry::Notice(Notice::Blocked),
            SavedEntry::Notice(Notice::EarlierChat {
                at_ms: Some(1_764_000_000_000),
            }),
            SavedEntry::Notice(Notice::EarlierChat { at_ms: None }),
            SavedEntry::Notice(Notice::Finished {
                text: "Thanks <b>for</b> chatting.".into(),
            }),
        ];
        assert_eq!(from_json_text(&to_json_text(&all)), all);
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        assert!(from_json_text("not json").is_empty());
        assert!(from_json_text("{\"a\":1}").is_empty());
        let mixed = r#"[{"id":"a","from":"visitor","text":"ok"},{"id":"","from":"agent","text":"x"},
            {"from":"martian","id":"b","text":"?"},{"notice":"ended","by":"nobody"},42,
            {"notice":"blocked"}]"#;
        assert_eq!(
            from_json_text(mixed),
            vec![
                SavedEntry::Message {
                    id: "a".into(),
                    sender: Sender::Visitor,
                    text: "ok".into(),
                    status: MessageStatus::Sent,
                    at_ms: None,
                    earlier: false,
                },
                SavedEntry::Notice(Notice::Blocked),
            ]
        );
    }

    #[test]
    fn entries_without_times_still_load() {
        // The minimal form: no `at`, no `earlier`.
        let old = r#"[{"id":"v1","from":"visitor","text":"hi","status":"sent"},
            {"id":"u1","from":"agent","nick":"agent1","text":"hello","status":"sent"}]"#;
        let read = from_json_text(old);
        assert_eq!(read.len(), 2);
        assert!(read.iter().all(|e| matches!(
            e,
            SavedEntry::Message {
                at_ms: None,
                earlier: false,
                ..
            }
        )));
        // A damaged time is dropped alone; the message stays.
        let odd = r#"[{"id":"v1","from":"visitor","text":"hi","at":"noon","earlier":"yes"}]"#;
        assert!(matches!(
            from_json_text(odd).as_slice(),
            [SavedEntry::Message {
                at_ms: None,
                earlier: false,
                ..
            }]
        ));
    }
}
