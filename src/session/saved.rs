//! The conversation as the browser keeps it between page loads: [`SavedEntry`] and its JSON form.
//!
//! A reload or a navigation restores the chat window from this before anything is fetched, so
//! the visitor never sees an empty chat flash by; visitor messages still `sending` are the
//! outbox that goes out once the connection is back. Each entry is stored as one flat object
//! ([`SavedRow`], serde's form): a message `{"id", "from", "nick"?, "text", "status", "at"?,
//! "earlier"?}`, a notice `{"notice": kind, …}`. Anything unreadable is skipped rather than
//! failing the whole transcript, and a damaged status, time or flag is dropped alone. It does
//! no I/O: the session core decides what is saved and the browser driver writes it.

use serde::{Deserialize, Serialize};
use webchat_protocol::api;

use super::forms;
use super::view::{EndedBy, MessageStatus, Notice, Sender};

/// One saved row of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SavedRow", into = "SavedRow")]
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

/// The stored form of a [`SavedEntry`]: one flat object, a message when it has `from`, a
/// notice when it has `notice`. (A flat struct rather than serde's tagged enums keeps the
/// reader free of serde's buffering code.)
#[derive(Default, Serialize, Deserialize)]
struct SavedRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notice: Option<NoticeKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<Author>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    firstname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<EndedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(
        default,
        deserialize_with = "forms::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    status: Option<MessageStatus>,
    #[serde(
        default,
        deserialize_with = "forms::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    at: Option<u64>,
    #[serde(
        default,
        deserialize_with = "forms::lenient",
        skip_serializing_if = "forms::is_false"
    )]
    earlier: bool,
}

/// `notice`: which system notice a row is.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NoticeKind {
    AgentUnavailable,
    AgentAvailable,
    Transferred,
    Ended,
    Blocked,
    EarlierChat,
    Finished,
}

/// `from`: who wrote a message row.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Author {
    Visitor,
    Agent,
    System,
}

/// Why a stored row is no entry (it is then skipped).
#[derive(Debug)]
struct Unreadable(&'static str);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a saved row without {}", self.0)
    }
}

impl TryFrom<SavedRow> for SavedEntry {
    type Error = Unreadable;

    fn try_from(row: SavedRow) -> Result<SavedEntry, Unreadable> {
        if let Some(kind) = row.notice {
            return Ok(SavedEntry::Notice(match kind {
                NoticeKind::AgentUnavailable => Notice::AgentUnavailable,
                NoticeKind::AgentAvailable => Notice::AgentAvailable,
                NoticeKind::Transferred => Notice::Transferred {
                    firstname: row.firstname.ok_or(Unreadable("a first name"))?,
                },
                NoticeKind::Ended => Notice::Ended(row.by.ok_or(Unreadable("a side"))?),
                NoticeKind::Blocked => Notice::Blocked,
                NoticeKind::EarlierChat => Notice::EarlierChat { at_ms: row.at },
                NoticeKind::Finished => Notice::Finished {
                    text: row.text.ok_or(Unreadable("a text"))?,
                },
            }));
        }
        let sender = match row.from.ok_or(Unreadable("an author"))? {
            Author::Visitor => Sender::Visitor,
            Author::Agent => Sender::Agent {
                nick: row.nick.unwrap_or_default(),
            },
            Author::System => Sender::System,
        };
        Ok(SavedEntry::Message {
            id: row
                .id
                .filter(|i| !i.is_empty())
                .ok_or(Unreadable("an id"))?,
            sender,
            text: row.text.ok_or(Unreadable("a text"))?,
            status: row.status.unwrap_or(MessageStatus::Sent),
            at_ms: row.at,
            earlier: row.earlier,
        })
    }
}

impl From<SavedEntry> for SavedRow {
    fn from(entry: SavedEntry) -> SavedRow {
        match entry {
            SavedEntry::Message {
                id,
                sender,
                text,
                status,
                at_ms,
                earlier,
            } => {
                let (from, nick) = match sender {
                    Sender::Visitor => (Author::Visitor, None),
                    Sender::Agent { nick } => (Author::Agent, Some(nick)),
                    Sender::System => (Author::System, None),
                };
                SavedRow {
                    id: Some(id),
                    from: Some(from),
                    nick,
                    text: Some(text),
                    status: Some(status),
                    at: at_ms,
                    earlier,
                    ..SavedRow::default()
                }
            }
            SavedEntry::Notice(notice) => {
                let mut row = SavedRow::default();
                row.notice = Some(match notice {
                    Notice::AgentUnavailable => NoticeKind::AgentUnavailable,
                    Notice::AgentAvailable => NoticeKind::AgentAvailable,
                    Notice::Transferred { firstname } => {
                        row.firstname = Some(firstname);
                        NoticeKind::Transferred
                    }
                    Notice::Ended(by) => {
                        row.by = Some(by);
                        NoticeKind::Ended
                    }
                    Notice::Blocked => NoticeKind::Blocked,
                    Notice::EarlierChat { at_ms } => {
                        row.at = at_ms;
                        NoticeKind::EarlierChat
                    }
                    Notice::Finished { text } => {
                        row.text = Some(text);
                        NoticeKind::Finished
                    }
                });
                row
            }
        }
    }
}

/// A whole conversation as JSON text.
pub fn to_json_text(entries: &[SavedEntry]) -> String {
    api::to_json(entries)
}

/// Reads a conversation saved by [`to_json_text`]; anything but an array gives an empty list
/// and unreadable entries are skipped.
pub fn from_json_text(text: &str) -> Vec<SavedEntry> {
    api::from_json::<Vec<serde_json::Value>>(text)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| serde_json::from_value(entry).ok())
        .collect()
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
                text: "Thanks for chatting".into(),
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
