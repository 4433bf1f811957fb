//! What the session keeps in storage so a reload, a navigation or another tab continues the
//! chat; when it is saved; and how a saved chat is continued. Every key it writes (all under
//! the storage prefix `webchat:`):
//!
//! | key | value |
//! | --- | --- |
//! | `visitor_id` | the anonymous visitor id (`tracker_id` while no user is tagged) |
//! | `user` | the tagged user (`CV.user.tag`), JSON |
//! | `chat` | the current chat: [`SavedChat`] as JSON (session, credentials id, XEP-0198 resume state, agents' first names by nick) |
//! | `transcript` | the conversation shown, JSON (see [`saved`](super::saved)); `sending` messages are the outbox |
//! | `open` | `1` while the window is open |
//! | `history` | a tagged user's earlier chats kept by this browser, each after a dated separator (shown when the backend has no history) |
//! | `campaign` | the last campaign read (the API's JSON), so the next page view shows the launcher in its colour and language at once; removed when the campaign turns out unusable |
//! | `transport` | `bosh` once a WebSocket did not get through and BOSH took over, for the rest of the visit (see [`carrier`](super::carrier)) |
//! | `prechat` | what the visitor gave in the form before the chat: name, email, department (see [`prechat`](super::prechat)); the trigger of a greeting accepted for the next chat (see [`greeting`](super::greeting)) |
//!
//! The XMPP password is not stored: a reload asks `GET xmppcredentials/{id}` again.
//!
//! When: what the visitor does is saved in the next task (once the view shows it and the
//! stanza is on its way); what arrives from the server within [`SAVE_DELAY_MS`], in batches.
//! Batching is safe because the XEP-0198 counters and the transcript are always saved
//! *together*: a page that goes away in between resumes from the earlier pair and the server
//! re-sends what came after it (and page hide saves what is pending). A leader tab saves in
//! the next task too, since the other tabs read its saves. Only the tab holding the chat
//! saves; unchanged values are not written again.

use super::small_map::SmallMap;

use serde::{Deserialize, Serialize};
use webchat_protocol::api::{self, Campaign, ChatSession, XmppCredentials};
use webchat_protocol::{Chat, ResumeState};

use super::carrier::Carrier;
use super::forms;

use super::identity::{visitor_proof, UserInfo};
use super::io::{encode_path, HttpReply, Level, Method, Save, Stored, ViewUpdate};
use super::lifecycle::{parse_reply, Failure, Retry, Stage};
pub use super::prechat::PRECHAT_KEY;
use super::saved::{self, SavedEntry};
use super::tabs::Role;
use super::timers::Timer;
use super::{Purpose, Session};
use webchat_launcher::keys;

/// How long inbound changes wait before they are saved (batched).
pub const SAVE_DELAY_MS: u64 = 40;

/// The anonymous visitor id.
pub const VISITOR_ID_KEY: &str = keys::VISITOR_ID;
/// The tagged user.
pub const USER_KEY: &str = keys::USER;
/// The current chat ([`SavedChat`]).
pub const CHAT_KEY: &str = keys::CHAT;
/// The conversation shown.
pub const TRANSCRIPT_KEY: &str = keys::TRANSCRIPT;
/// Whether the window is open.
pub const OPEN_KEY: &str = keys::OPEN;
/// A tagged user's earlier chats as this browser saw them.
pub const HISTORY_KEY: &str = keys::HISTORY;
/// The last campaign read, as the API sent it.
pub const CAMPAIGN_KEY: &str = keys::CAMPAIGN;
/// BOSH is this visit's transport.
pub const TRANSPORT_KEY: &str = keys::TRANSPORT;

/// Every key the session writes (the launcher knows them too: `webchat_launcher::keys`).
pub const ALL_KEYS: [&str; 9] = keys::ALL;

/// Where the saved chat was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedStatus {
    /// Under way: continue it (resume or log in again).
    Live,
    /// Ended by either side: show it ended.
    Ended,
    /// The agent blocked the visitor: no new chat in this session.
    Blocked,
}

/// The current chat as kept between page loads. Unreadable JSON, or a `status` it does not
/// know, is no saved chat (the visitor simply starts afresh); a session, resume state or name
/// that does not read is dropped alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedChat {
    /// Where it was.
    pub status: SavedStatus,
    /// The chat session (`POST chatsessions`'s answer, with the chat's `visitor_secret`: the
    /// proof this browser is its visitor).
    #[serde(default, deserialize_with = "forms::lenient")]
    pub session: Option<ChatSession>,
    /// The credentials' id, for `GET xmppcredentials/{id}`.
    #[serde(default, deserialize_with = "forms::text")]
    pub credentials_id: Option<String>,
    /// XEP-0198 state for resuming the stream, when the server allows it.
    #[serde(default, deserialize_with = "forms::lenient")]
    pub resume: Option<ResumeState>,
    /// The agent's name in the header.
    #[serde(default, deserialize_with = "forms::lenient")]
    pub agent_name: Option<String>,
    /// Agents' first names by nick (from the credentials and transfers), so messages keep
    /// showing first names after a reload.
    #[serde(rename = "names", default, with = "forms::pairs")]
    pub agent_names: Vec<(String, String)>,
}

impl SavedChat {
    /// The JSON text stored under [`CHAT_KEY`].
    pub fn to_json_text(&self) -> String {
        api::to_json(self)
    }

    /// Reads what [`SavedChat::to_json_text`] wrote; `None` when unreadable.
    pub fn from_json_text(text: &str) -> Option<SavedChat> {
        api::from_json(text).ok()
    }
}

/// The continuity part of the state.
#[derive(Debug, Default)]
pub(crate) struct Continuity {
    /// What the storage held when last read, with what was written since.
    pub stored: Stored,
    /// A chat saved by an earlier page, continued once the campaign is read.
    pub restoring: Option<SavedChat>,
    /// A restored chat waiting for `GET xmppcredentials/{id}`: the id and the saved XEP-0198
    /// state.
    pub restore_creds: Option<(String, Option<ResumeState>)>,
    /// The last resumable state seen (kept while a reconnect is under way, when the new stream
    /// has none yet).
    pub last_resume: Option<ResumeState>,
    /// What was last written per key, so unchanged values are not written again.
    written: SmallMap<&'static str, String>,
    /// The transcript last written (what the other tabs are shown).
    pub saved_transcript: Vec<SavedEntry>,
    /// A save is due (at [`Timer::Save`] or [`Timer::Task`]).
    pub save_pending: bool,
    /// The composer reported `active`; told to the agent after this task unless a message
    /// (which carries `active` itself) went out first.
    pub active_pending: bool,
    /// The storage was asked for because this tab took over the chat.
    pub takeover: bool,
}

impl Continuity {
    /// Forgets what was written (the storage was cleared).
    pub fn forget_written(&mut self) {
        self.written.clear();
        self.saved_transcript.clear();
    }
}

impl Session {
    /// The storage as asked for: at start, or when this tab took over the chat.
    pub(super) fn storage_loaded(&mut self, stored: Stored) {
        if Carrier::remembered(stored.get(TRANSPORT_KEY)) {
            self.link.carrier.over_bosh = true;
        }
        self.keep.stored = stored;
        if self.life.stage == Stage::Booting {
            self.start_from_storage();
        } else if std::mem::take(&mut self.keep.takeover) {
            self.take_over();
        }
    }

    /// The window comes back exactly as it was, before anything is fetched (no empty flash);
    /// then the campaign is read.
    fn start_from_storage(&mut self) {
        let stored = &self.keep.stored;
        let visitor_id = stored
            .get(VISITOR_ID_KEY)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let user = stored.get(USER_KEY).and_then(UserInfo::from_stored);
        let transcript = stored
            .get(TRANSCRIPT_KEY)
            .map(saved::from_json_text)
            .unwrap_or_default();
        let restoring = stored.get(CHAT_KEY).and_then(SavedChat::from_json_text);
        // The campaign's look as an earlier page view read it: the launcher shows at once in
        // its colour and language while the campaign is read again (which may still change or
        // hide it).
        let look = stored
            .get(CAMPAIGN_KEY)
            .and_then(|text| api::parse_response::<Campaign>(200, text).ok())
            .filter(|c| c.active);
        let open = stored.get(OPEN_KEY) == Some("1");
        let prechat = stored.get(PRECHAT_KEY).map(str::to_owned);
        self.prechat_loaded(prechat.as_deref());
        match visitor_id {
            Some(id) => self.who.visitor_id = id,
            None => self.new_visitor(),
        }
        self.who.user = user;
        if let Some(c) = look {
            let c = self.with_overrides(c);
            self.view.push(ViewUpdate::Campaign(Box::new(c)));
        }
        self.view.restore(transcript);
        if open {
            self.view.open = true;
            self.view.push(ViewUpdate::Window(true));
        }
        if let Some(r) = &restoring {
            if let Some(name) = &r.agent_name {
                self.view.set_agent_name(Some(name.clone()));
            }
            self.who.agent_names = r.agent_names.iter().cloned().collect();
        }
        self.keep.restoring = restoring;
        self.life.stage = Stage::Loading;
        self.load_campaign();
    }

    /// Writes `key` directly (keys that are not part of the batched save).
    pub(super) fn write(&mut self, save: Save) {
        self.keep.stored.apply(&save);
        self.out.saves.push_back(save);
    }

    /// Writes `value` under `key` (or removes it), unless that is what was last written.
    fn put(&mut self, key: &'static str, value: Option<String>) {
        let value = value.unwrap_or_default();
        if self.keep.written.get(key) == Some(&value) {
            return;
        }
        let save = if value.is_empty() {
            Save::Remove(key)
        } else {
            Save::Set {
                key,
                value: value.clone(),
            }
        };
        self.write(save);
        self.keep.written.insert(key, value);
    }

    pub(super) fn remember_campaign(&mut self, text: String) {
        self.write(Save::Set {
            key: CAMPAIGN_KEY,
            value: text,
        });
    }

    /// Not remembered: the next page view must not show a launcher that then goes away.
    pub(super) fn forget_campaign(&mut self) {
        self.write(Save::Remove(CAMPAIGN_KEY));
    }

    /// Saves the chat and the transcript as they are now.
    pub(super) fn save(&mut self) {
        if std::mem::take(&mut self.keep.save_pending) {
            self.timers.stop(Timer::Save);
        }
        // Until the campaign is read, what an earlier page saved is still to be continued.
        let idle = matches!(
            self.life.stage,
            Stage::Booting | Stage::Loading | Stage::Hidden
        );
        if idle || self.tabs.role == Role::Follower {
            return;
        }
        if let Some(r) = self.link.chat.as_ref().and_then(Chat::resume_state) {
            self.keep.last_resume = Some(r);
        }
        let chat = self.saved_chat().map(|c| c.to_json_text());
        self.put(CHAT_KEY, chat);
        let entries = self.view.entries().to_vec();
        let transcript = (!entries.is_empty()).then(|| saved::to_json_text(&entries));
        self.put(TRANSCRIPT_KEY, transcript);
        self.keep.saved_transcript = entries;
        let open = self.view.open.then(|| "1".to_owned());
        self.put(OPEN_KEY, open);
        if self.tabs.role == Role::Leader {
            self.send_view(false);
        }
    }

    fn saved_chat(&self) -> Option<SavedChat> {
        let session = self.link.session.clone()?;
        let agent_name = self.view.agent_name().map(str::to_owned);
        match self.life.stage {
            Stage::Starting | Stage::Live(_) => Some(SavedChat {
                status: SavedStatus::Live,
                session: Some(session),
                credentials_id: self
                    .link
                    .credentials
                    .as_ref()
                    .map(|c| c.id.clone())
                    .or_else(|| self.keep.restore_creds.as_ref().map(|(id, _)| id.clone())),
                resume: match &self.link.chat {
                    Some(_) => self.keep.last_resume.clone(),
                    None => self
                        .keep
                        .restore_creds
                        .as_ref()
                        .and_then(|(_, r)| r.clone()),
                },
                agent_name,
                agent_names: self.sorted_agent_names(),
            }),
            Stage::Over { blocked } => Some(SavedChat {
                status: if blocked {
                    SavedStatus::Blocked
                } else {
                    SavedStatus::Ended
                },
                session: Some(session),
                credentials_id: None,
                resume: None,
                agent_name,
                agent_names: Vec::new(),
            }),
            _ => None,
        }
    }

    /// Saves within [`SAVE_DELAY_MS`]: a burst of frames is written once, not once per frame.
    pub(super) fn save_soon(&mut self) {
        if self.tabs.role == Role::Leader {
            // The other tabs read the storage when told: tell them in the next task, not a
            // batch later. (A leader tab is often in the background, where the browser holds
            // timers back; the next task is not held back.)
            return self.save_next();
        }
        if self.keep.save_pending {
            return;
        }
        let at = self.now.at + std::time::Duration::from_millis(SAVE_DELAY_MS);
        self.timers.set(Timer::Save, at);
        self.keep.save_pending = true;
    }

    /// Saves in the task after this one: once the view shows the change and the stanza is on
    /// its way, not in between (serialising and writing the whole transcript is most of the
    /// widget's share of a round trip). Changes of the same task are saved once.
    pub(super) fn save_next(&mut self) {
        self.keep.save_pending = true;
        self.timers.set_if_idle(Timer::Task, self.now.at);
    }

    /// What waited for the end of a task: the composer's `active`, then the save.
    pub(super) fn after_task(&mut self) {
        if std::mem::take(&mut self.keep.active_pending) {
            self.tell_chat_state(super::view::ChatState::Active);
        }
        if self.keep.save_pending {
            self.save();
        }
    }

    /// Continues the chat an earlier page (or the previous leader tab) saved; the campaign is
    /// read now.
    pub(super) fn continue_saved(&mut self, saved: SavedChat) {
        self.requeue_saved_outbox();
        match saved.status {
            SavedStatus::Live => match (saved.session, saved.credentials_id) {
                (Some(session), Some(cid)) => {
                    self.link.session = Some(session);
                    self.life.stage = Stage::Starting;
                    self.keep.restore_creds = Some((cid, saved.resume));
                    self.fetch_saved_credentials();
                }
                (Some(session), None) => {
                    // Created, but the credentials never came: finish starting that session.
                    self.link.session = Some(session);
                    self.start_chat();
                }
                (None, _) if !self.outbox.queue.is_empty() && self.life.available => {
                    self.start_chat()
                }
                (None, _) => {}
            },
            SavedStatus::Ended | SavedStatus::Blocked => {
                self.link.session = saved.session;
                self.life.stage = Stage::Over {
                    blocked: saved.status == SavedStatus::Blocked,
                };
                self.fail_waiting();
            }
        }
        self.save();
    }

    /// `GET xmppcredentials/{id}` for a restored chat, then the connection (resumed if it can).
    pub(super) fn fetch_saved_credentials(&mut self) {
        let Some((cid, _)) = self.keep.restore_creds.as_ref() else {
            return;
        };
        let path = format!("xmppcredentials/{}", encode_path(cid));
        let epoch = self.life.epoch;
        // The saved chat kept its secret: the credentials are asked for as its visitor.
        let proof = visitor_proof(self.link.session.as_ref());
        self.request(
            Purpose::RestoreCredentials { epoch },
            (Method::Get, path),
            proof,
            None,
        );
    }

    pub(super) fn saved_credentials_read(&mut self, epoch: u64, reply: HttpReply) {
        if epoch != self.life.epoch || self.keep.restore_creds.is_none() {
            return;
        }
        match parse_reply::<XmppCredentials>(reply) {
            Ok((creds, _)) => {
                let resume = self.keep.restore_creds.take().and_then(|(_, r)| r);
                self.connect(creds, Some(resume));
            }
            Err(Failure::Transient(why)) => self.retry_later(Retry::Restore, &why),
            Err(Failure::Api(e)) => {
                // The backend forgot this chat: the transcript stays, and what the visitor
                // still had to send starts a new chat.
                self.log(
                    Level::Warn,
                    format!("webchat: the saved chat cannot be continued ({e}); starting afresh"),
                );
                self.keep.restore_creds = None;
                self.link.session = None;
                self.life.stage = Stage::Ready;
                if !self.outbox.queue.is_empty() {
                    self.start_chat();
                }
            }
        }
        self.save();
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
