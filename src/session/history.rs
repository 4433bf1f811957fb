//! A tagged user's earlier chats, shown before the current one.
//!
//! From the backend, proven by the user's signature (`X-User-Signature`):
//! `GET chatsessions?tracker_id=…&campaign_id=…` lists the user's chats (newest first), and the
//! last [`HISTORY_CHATS`] of them other than the current one are read one after the other with
//! `GET chatsessions/{id}/transcript`. Without that (no signature, a refusal, an error, no
//! network) the chats this browser kept are shown: each ended chat of a tagged user is kept under `history`, at most
//! [`HISTORY_ENTRIES`] rows. Each earlier chat comes after a separator dated by its first
//! message.

use std::collections::VecDeque;

use webchat_protocol::api::{self, ApiError, ChatSession, Transcript};

use super::continuity::HISTORY_KEY;
use super::identity::{UserApi, UserInfo};
use super::io::{encode_path, HttpReply, Level, Method, RequestHeaders, RequestId};
use super::saved::{self, SavedEntry};
use super::view::{MessageStatus, Notice, Sender};
use super::{Purpose, Session};

/// How many of a tagged user's earlier chats are fetched as history.
pub const HISTORY_CHATS: usize = 5;
/// How many saved rows of earlier chats this browser keeps for a tagged user.
pub const HISTORY_ENTRIES: usize = 300;

/// A history read under way.
#[derive(Debug)]
struct Load {
    /// The identity it is for ([`Identity::epoch`](super::identity::Identity)).
    epoch: u64,
    /// The request waited for.
    request: RequestId,
    /// The user's signature, for the list and every transcript.
    proof: RequestHeaders,
    /// Chats whose transcripts are still to be read, oldest first.
    remaining: VecDeque<ChatSession>,
    /// What was read so far.
    entries: Vec<SavedEntry>,
}

/// The history part of the state.
#[derive(Debug, Default)]
pub(crate) struct History {
    load: Option<Load>,
}

impl History {
    /// A read under way is no longer wanted.
    pub fn cancel(&mut self) {
        self.load = None;
    }
}

impl Session {
    /// A user was tagged before this session existed (the launcher kept them): show their
    /// earlier chats as a tag would have.
    pub fn handle_history_due(&mut self, now: super::Now) {
        if self.begin(now) {
            if self.who.user.is_some() && !self.follows() {
                self.load_history();
            }
            self.finish();
        }
    }

    /// Shows a tagged user's earlier chats, proven by the user's signature; without one, what
    /// this browser kept (the backend gives no history to an unsigned user).
    pub(super) fn load_history(&mut self) {
        let Some(proof) = self.who.user.as_ref().and_then(UserInfo::signature_proof) else {
            self.log(
                Level::Warn,
                "webchat: CV.user.tag() without a `signature`: the user's chats from other browsers are not shown (the site's server signs its users; see \"Signed identity\" in the README)",
            );
            self.history.load = None;
            let kept = self.kept_history();
            return self.show_history(kept);
        };
        let path = format!(
            "chatsessions?tracker_id={}&campaign_id={}",
            encode_path(&self.tracker_id()),
            encode_path(&self.options.campaign)
        );
        let request = self.request(
            Purpose::HistoryList,
            (Method::Get, path),
            proof.clone(),
            None,
        );
        self.history.load = Some(Load {
            epoch: self.who.epoch,
            request,
            proof,
            remaining: VecDeque::new(),
            entries: Vec::new(),
        });
    }

    /// The load `request` is for, if it is still wanted.
    fn history_load(&mut self, request: RequestId) -> Option<&mut Load> {
        let epoch = self.who.epoch;
        self.history
            .load
            .as_mut()
            .filter(|l| l.request == request && l.epoch == epoch)
    }

    pub(super) fn history_listed(&mut self, id: RequestId, reply: HttpReply) {
        let current = self.link.session.as_ref().map(|s| s.id.clone());
        if self.history_load(id).is_none() {
            return;
        }
        let listed = match reply {
            HttpReply::Response { status, body } => {
                // A backend without the extension says 404; anything else is worth a warning.
                api::parse_response::<Vec<ChatSession>>(status, &body)
                    .map_err(|e| (!matches!(e, ApiError::NotFound), e.to_string()))
            }
            HttpReply::Failed(why) => Err((false, why)),
        };
        match listed {
            Ok(sessions) => {
                let mut chosen: VecDeque<ChatSession> = sessions
                    .into_iter()
                    .filter(|s| Some(&s.id) != current.as_ref())
                    .take(HISTORY_CHATS)
                    .collect();
                chosen.make_contiguous().reverse(); // oldest first
                if let Some(load) = self.history_load(id) {
                    load.remaining = chosen;
                }
                self.read_next_transcript();
            }
            Err((worth_a_warning, why)) => {
                if worth_a_warning {
                    // Refused or unreadable: say why, once; the chat goes on.
                    self.log(
                        Level::Warn,
                        format!("webchat: no chat history for this user ({why}); a 403 means the backend did not accept the `signature` given to CV.user.tag()"),
                    );
                } else {
                    self.log(
                        Level::Info,
                        format!("webchat: no chat history from the backend ({why}); showing what this browser kept"),
                    );
                }
                self.history.load = None;
                let kept = self.kept_history();
                self.show_history(kept);
            }
        }
    }

    fn read_next_transcript(&mut self) {
        let Some(load) = self.history.load.as_mut() else {
            return;
        };
        match load.remaining.pop_front() {
            Some(chat) => {
                let path = format!("chatsessions/{}/transcript", encode_path(&chat.id));
                let proof = load.proof.clone();
                let request =
                    self.request(Purpose::HistoryTranscript, (Method::Get, path), proof, None);
                if let Some(load) = self.history.load.as_mut() {
                    load.request = request;
                }
            }
            None => {
                let entries = std::mem::take(&mut load.entries);
                self.history.load = None;
                self.show_history(entries);
            }
        }
    }

    pub(super) fn history_transcript_read(&mut self, id: RequestId, reply: HttpReply) {
        let Some(load) = self.history_load(id) else {
            return;
        };
        // A chat whose transcript cannot be read is left out, with a word why.
        let transcript = match reply {
            HttpReply::Response { status, body } => {
                api::parse_response::<Transcript>(status, &body).map_err(|e| e.to_string())
            }
            HttpReply::Failed(why) => Err(why),
        };
        match transcript {
            Ok(t) => load.entries.extend(as_earlier_chat(transcript_entries(&t))),
            Err(why) => self.log(
                Level::Warn,
                format!("webchat: an earlier chat was left out ({why})"),
            ),
        }
        self.read_next_transcript();
    }

    fn show_history(&mut self, entries: Vec<SavedEntry>) {
        self.view.prepend_history(entries);
        self.save();
    }

    /// The chats this browser kept, each after its separator (rows kept without one get one
    /// separator before them all).
    fn kept_history(&self) -> Vec<SavedEntry> {
        let kept = self
            .keep
            .stored
            .get(HISTORY_KEY)
            .map(saved::from_json_text)
            .unwrap_or_default();
        match kept.first() {
            Some(SavedEntry::Notice(Notice::EarlierChat { .. })) | None => kept,
            Some(_) => {
                let mut with = vec![SavedEntry::Notice(Notice::EarlierChat {
                    at_ms: first_time(&kept),
                })];
                with.extend(kept);
                with
            }
        }
    }

    /// A tagged user's ended chat is kept by this browser (the history when the backend has
    /// none).
    pub(super) fn keep_as_history(&mut self) {
        if self.who.user.is_none() {
            return;
        }
        let mut kept = self
            .keep
            .stored
            .get(HISTORY_KEY)
            .map(saved::from_json_text)
            .unwrap_or_default();
        kept.extend(as_earlier_chat(self.view.entries().to_vec()));
        let excess = kept.len().saturating_sub(HISTORY_ENTRIES);
        kept.drain(..excess);
        self.write(super::io::Save::Set {
            key: HISTORY_KEY,
            value: saved::to_json_text(&kept),
        });
    }
}

/// A transcript from the backend as saved rows, each message under the id its sender's client
/// knows it by.
pub fn transcript_entries(t: &Transcript) -> Vec<SavedEntry> {
    t.messages
        .iter()
        .filter(|m| !m.body.trim().is_empty())
        .map(|m| SavedEntry::Message {
            id: m.client_id().to_owned(),
            sender: match m.from {
                api::Sender::Visitor => Sender::Visitor,
                api::Sender::Agent => Sender::Agent {
                    nick: m.nick.clone().unwrap_or_default(),
                },
            },
            text: m.body.clone(),
            status: MessageStatus::Sent,
            // 0 means the backend recorded no time.
            at_ms: (m.timestamp > 0).then_some(m.timestamp),
            // Marked as history when shown as such.
            earlier: false,
        })
        .collect()
}

/// One earlier chat as history: its messages (without rows that were history already when it
/// was shown) after a separator dated by its first message. Empty when it has no message.
pub fn as_earlier_chat(entries: Vec<SavedEntry>) -> Vec<SavedEntry> {
    let own: Vec<SavedEntry> = entries
        .into_iter()
        .filter(|e| {
            !matches!(
                e,
                SavedEntry::Message { earlier: true, .. }
                    | SavedEntry::Notice(Notice::EarlierChat { .. })
            )
        })
        .collect();
    if !own.iter().any(|e| matches!(e, SavedEntry::Message { .. })) {
        return Vec::new();
    }
    let mut chat = vec![SavedEntry::Notice(Notice::EarlierChat {
        at_ms: first_time(&own),
    })];
    chat.extend(own);
    chat
}

/// When the first message with a known time was written.
fn first_time(entries: &[SavedEntry]) -> Option<u64> {
    entries.iter().find_map(|e| match e {
        SavedEntry::Message { at_ms, .. } => *at_ms,
        SavedEntry::Notice(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::view::EndedBy;

    #[test]
    fn backend_transcripts_become_saved_entries_with_local_ids() {
        let t: Transcript = serde_json::from_str(
            r#"{"chatsession_id":"cs","messages":[
                {"id":"v1@webchat.test/web:vabc","from":"visitor","body":"hi","timestamp":1},
                {"id":"u1","from":"agent","nick":"Ana","body":"<i>hello</i>","timestamp":2},
                {"id":"u2","from":"agent","body":"   ","timestamp":3}]}"#,
        )
        .unwrap();
        assert_eq!(
            transcript_entries(&t),
            vec![
                SavedEntry::Message {
                    id: "vabc".into(),
                    sender: Sender::Visitor,
                    text: "hi".into(),
                    status: MessageStatus::Sent,
                    at_ms: Some(1),
                    earlier: false,
                },
                SavedEntry::Message {
                    id: "u1".into(),
                    sender: Sender::Agent { nick: "Ana".into() },
                    text: "<i>hello</i>".into(),
                    status: MessageStatus::Sent,
                    at_ms: Some(2),
                    earlier: false,
                },
            ]
        );
    }

    fn msg(id: &str, at_ms: Option<u64>, earlier: bool) -> SavedEntry {
        SavedEntry::Message {
            id: id.into(),
            sender: Sender::Visitor,
            text: id.into(),
            status: MessageStatus::Sent,
            at_ms,
            earlier,
        }
    }

    #[test]
    fn an_earlier_chat_starts_with_a_separator_dated_by_its_first_message() {
        let day = 1_764_900_000_000;
        // What the window showed when the chat ended: older history, then this chat.
        let shown = vec![
            SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(7) }),
            msg("old", Some(7), true),
            msg("m1", None, false),
            msg("m2", Some(day), false),
            SavedEntry::Notice(Notice::Ended(EndedBy::Visitor)),
        ];
        assert_eq!(
            as_earlier_chat(shown),
            vec![
                SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(day) }),
                msg("m1", None, false),
                msg("m2", Some(day), false),
                SavedEntry::Notice(Notice::Ended(EndedBy::Visitor)),
            ],
            "no separator inside the chat, none of the older history kept twice"
        );
        assert!(
            as_earlier_chat(vec![SavedEntry::Notice(Notice::Blocked)]).is_empty(),
            "a chat without messages is no history"
        );
        assert_eq!(
            as_earlier_chat(vec![msg("x", None, false)])[0],
            SavedEntry::Notice(Notice::EarlierChat { at_ms: None })
        );
    }
}
