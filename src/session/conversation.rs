//! The core's copy of what the widget shows — the rows of the conversation, the agent's name
//! and typing, the survey and the co-browsing prompt, the phase — and the one place that
//! changes it: every change is made here and queued as a [`ViewUpdate`] for the view model.
//!
//! Rows are de-duplicated by message id (a message is never shown twice, whatever path brought
//! it: live, archive, another tab, a reload). The phase is not decided here: the session
//! computes it ([`Session::phase`](super::Session::phase)) and this module only tells the view
//! when it changed. The view model starts empty (no rows, phase `Idle`), as
//! `ChatStore::awaiting_campaign` does.

use std::collections::{HashSet, VecDeque};

use super::io::ViewUpdate;
use super::saved::SavedEntry;
use super::view::{
    CobrowseState, EndedBy, MessageId, MessageStatus, Notice, OfflineState, Phase, PrechatState,
    Sender, SurveyState, TranscriptOffer,
};

/// What is shown, and the updates not yet drained.
#[derive(Debug, Default)]
pub(crate) struct Conversation {
    entries: Vec<SavedEntry>,
    ids: HashSet<String>,
    agent_name: Option<String>,
    typing: bool,
    survey: SurveyState,
    cobrowse: CobrowseState,
    prechat: PrechatState,
    offline: OfflineState,
    transcript: TranscriptOffer,
    /// Whether the window is open (the view opens and closes it; kept for saving).
    pub open: bool,
    phase: Phase,
    updates: VecDeque<ViewUpdate>,
}

impl Conversation {
    pub fn poll(&mut self) -> Option<ViewUpdate> {
        self.updates.pop_front()
    }

    pub fn push(&mut self, update: ViewUpdate) {
        self.updates.push_back(update);
    }

    // ---- reading ----

    /// The rows as they are to be saved.
    pub fn entries(&self) -> &[SavedEntry] {
        &self.entries
    }
    pub fn agent_name(&self) -> Option<&str> {
        self.agent_name.as_deref()
    }
    pub fn typing(&self) -> bool {
        self.typing
    }
    pub fn survey(&self) -> &SurveyState {
        &self.survey
    }
    pub fn cobrowse(&self) -> CobrowseState {
        self.cobrowse
    }
    /// The ids already shown: the visitor's messages and the agent's.
    pub fn shown_ids(&self) -> (Vec<String>, Vec<String>) {
        let (mut own, mut agent) = (Vec::new(), Vec::new());
        for e in &self.entries {
            if let SavedEntry::Message { id, sender, .. } = e {
                match sender {
                    Sender::Visitor => own.push(id.clone()),
                    Sender::Agent { .. } => agent.push(id.clone()),
                    Sender::System => {}
                }
            }
        }
        (own, agent)
    }

    // ---- the whole conversation ----

    fn replace(&mut self, entries: Vec<SavedEntry>) {
        self.ids = entries.iter().filter_map(message_id).collect();
        self.entries = entries;
    }

    /// A reload: the conversation as it was saved.
    pub fn restore(&mut self, entries: Vec<SavedEntry>) {
        self.replace(entries.clone());
        self.push(ViewUpdate::Restore(entries));
    }

    /// The tab holding the chat has this conversation.
    pub fn sync(&mut self, entries: Vec<SavedEntry>) {
        self.replace(entries.clone());
        self.push(ViewUpdate::Sync(entries));
    }

    fn clear(&mut self, unread: bool) {
        self.replace(Vec::new());
        self.push(ViewUpdate::Clear { unread });
        self.set_agent_name(None);
        self.set_typing(false);
        self.set_survey(SurveyState::Hidden);
        self.set_cobrowse(CobrowseState::Idle);
    }

    /// A new chat after the end: nothing of the old one is shown.
    pub fn new_chat(&mut self) {
        self.clear(false);
    }

    /// A new visitor: nothing of the old one is shown, nothing counts as unread.
    pub fn reset(&mut self) {
        self.clear(true);
    }

    // ---- rows ----

    fn append(&mut self, entry: SavedEntry) -> bool {
        if let Some(id) = message_id(&entry) {
            if !self.ids.insert(id) {
                return false;
            }
        }
        self.entries.push(entry.clone());
        self.push(ViewUpdate::Append(entry));
        true
    }

    /// The visitor's message; false (nothing changes) when its id is shown already.
    pub fn add_visitor_message(
        &mut self,
        id: &MessageId,
        text: &str,
        at_ms: Option<u64>,
        status: MessageStatus,
    ) -> bool {
        self.append(SavedEntry::Message {
            id: id.0.clone(),
            sender: Sender::Visitor,
            text: text.to_owned(),
            status,
            at_ms,
            earlier: false,
        })
    }

    /// An agent's message (it ends the typing indicator); false when its id is shown already.
    pub fn add_agent_message(
        &mut self,
        id: &str,
        nick: &str,
        text: &str,
        at_ms: Option<u64>,
    ) -> bool {
        let added = self.append(SavedEntry::Message {
            id: id.to_owned(),
            sender: Sender::Agent {
                nick: nick.to_owned(),
            },
            text: text.to_owned(),
            status: MessageStatus::Sent,
            at_ms,
            earlier: false,
        });
        if added {
            self.set_typing(false);
        }
        added
    }

    /// A message from the campaign's side without an agent's name (an accepted greeting);
    /// false when its id is shown already.
    pub fn add_system_message(&mut self, id: &str, text: &str, at_ms: Option<u64>) -> bool {
        self.append(SavedEntry::Message {
            id: id.to_owned(),
            sender: Sender::System,
            text: text.to_owned(),
            status: MessageStatus::Sent,
            at_ms,
            earlier: false,
        })
    }

    pub fn add_notice(&mut self, notice: Notice) {
        self.append(SavedEntry::Notice(notice));
    }

    /// A visitor message's delivery state; false for an id not shown.
    pub fn set_status(&mut self, id: &MessageId, status: MessageStatus) -> bool {
        let found = self.entries.iter_mut().rev().find_map(|e| match e {
            SavedEntry::Message { id: m, status, .. } if *m == id.0 => Some(status),
            _ => None,
        });
        match found {
            Some(current) => {
                if *current != status {
                    *current = status;
                    self.updates
                        .push_back(ViewUpdate::Status(id.clone(), status));
                }
                true
            }
            None => false,
        }
    }

    /// Puts earlier chats (each after its [`Notice::EarlierChat`] separator) before the
    /// conversation, marked as earlier. Messages shown already are skipped, and so is a
    /// separator left with no message; returns how many messages were added.
    pub fn prepend_history(&mut self, saved: Vec<SavedEntry>) -> usize {
        let mut seen = self.ids.clone();
        let mut fresh: Vec<SavedEntry> = saved
            .into_iter()
            .filter(|s| message_id(s).is_none_or(|id| seen.insert(id)))
            .map(|mut s| {
                if let SavedEntry::Message { earlier, .. } = &mut s {
                    *earlier = true;
                }
                s
            })
            .collect();
        // A separator whose chat had nothing new would label nothing.
        let mut keep = vec![true; fresh.len()];
        let mut open_separator: Option<usize> = None;
        for (i, s) in fresh.iter().enumerate() {
            match s {
                SavedEntry::Notice(Notice::EarlierChat { .. }) => {
                    if let Some(j) = open_separator.replace(i) {
                        keep[j] = false;
                    }
                }
                SavedEntry::Message { .. } => open_separator = None,
                SavedEntry::Notice(_) => {}
            }
        }
        if let Some(j) = open_separator {
            keep[j] = false;
        }
        let mut keep = keep.into_iter();
        fresh.retain(|_| keep.next().unwrap_or(true));
        let added = fresh
            .iter()
            .filter(|s| matches!(s, SavedEntry::Message { .. }))
            .count();
        if added == 0 {
            return 0;
        }
        self.ids.extend(fresh.iter().filter_map(message_id));
        let mut entries = fresh.clone();
        entries.append(&mut self.entries);
        self.entries = entries;
        self.push(ViewUpdate::Prepend(fresh));
        added
    }

    // ---- the rest of what is shown ----

    pub fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.push(ViewUpdate::Phase(phase));
        }
    }

    pub fn set_agent_name(&mut self, name: Option<String>) {
        if self.agent_name != name {
            self.agent_name = name.clone();
            self.push(ViewUpdate::AgentName(name));
        }
    }

    pub fn set_typing(&mut self, typing: bool) {
        if self.typing != typing {
            self.typing = typing;
            self.push(ViewUpdate::AgentTyping(typing));
        }
    }

    pub fn set_survey(&mut self, survey: SurveyState) {
        if self.survey != survey {
            self.survey = survey.clone();
            self.push(ViewUpdate::Survey(survey));
        }
    }

    pub fn set_cobrowse(&mut self, cobrowse: CobrowseState) {
        if self.cobrowse != cobrowse {
            self.cobrowse = cobrowse;
            self.push(ViewUpdate::Cobrowse(cobrowse));
        }
    }

    pub fn set_prechat(&mut self, prechat: PrechatState) {
        if self.prechat != prechat {
            self.prechat = prechat.clone();
            self.push(ViewUpdate::Prechat(prechat));
        }
    }

    pub fn set_offline(&mut self, offline: OfflineState) {
        if self.offline != offline {
            self.offline = offline.clone();
            self.push(ViewUpdate::Offline(offline));
        }
    }

    pub fn set_transcript(&mut self, transcript: TranscriptOffer) {
        if self.transcript != transcript {
            self.transcript = transcript.clone();
            self.push(ViewUpdate::Transcript(transcript));
        }
    }

    /// The chat moved to another agent: a notice, and the new name from now on.
    pub fn agent_transferred(&mut self, firstname: &str) {
        self.set_typing(false);
        self.set_agent_name(Some(firstname.to_owned()));
        self.add_notice(Notice::Transferred {
            firstname: firstname.to_owned(),
        });
    }

    /// The chat is over: a notice (and the campaign's closing text, when it has one), an open
    /// prompt withdrawn, the survey when the campaign has one.
    pub fn chat_ended(&mut self, by: EndedBy, survey: bool, finished: Option<String>) {
        self.set_typing(false);
        self.add_notice(Notice::Ended(by));
        if let Some(text) = finished {
            self.add_notice(Notice::Finished { text });
        }
        if self.cobrowse == CobrowseState::Requested {
            self.set_cobrowse(CobrowseState::Idle);
        }
        if survey {
            self.set_survey(SurveyState::Open);
        }
    }

    /// The agent blocked the visitor: a notice, no survey, no prompt.
    pub fn blocked(&mut self) {
        self.set_typing(false);
        self.add_notice(Notice::Blocked);
        self.set_survey(SurveyState::Hidden);
        self.set_cobrowse(CobrowseState::Idle);
    }

    /// The visitor answered the co-browsing prompt.
    pub fn cobrowse_answered(&mut self, accepted: bool) {
        self.set_cobrowse(if accepted {
            CobrowseState::Accepted
        } else {
            CobrowseState::Denied
        });
    }
}

fn message_id(entry: &SavedEntry) -> Option<String> {
    match entry {
        SavedEntry::Message { id, .. } => Some(id.clone()),
        SavedEntry::Notice(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, at: u64) -> SavedEntry {
        SavedEntry::Message {
            id: id.into(),
            sender: Sender::Visitor,
            text: id.into(),
            status: MessageStatus::Sent,
            at_ms: Some(at),
            earlier: false,
        }
    }

    fn drain(c: &mut Conversation) -> Vec<ViewUpdate> {
        std::iter::from_fn(|| c.poll()).collect()
    }

    #[test]
    fn rows_are_shown_once_and_only_changes_are_told() {
        let mut c = Conversation::default();
        let id = MessageId::from("v1");
        assert!(c.add_visitor_message(&id, "hi", None, MessageStatus::Sending));
        assert!(!c.add_visitor_message(&id, "hi", None, MessageStatus::Sending));
        assert!(c.set_status(&id, MessageStatus::Sent));
        assert!(c.set_status(&id, MessageStatus::Sent));
        assert!(!c.set_status(&"nope".into(), MessageStatus::Failed));
        c.set_typing(true);
        assert!(c.add_agent_message("a1", "Ana", "hello", Some(5)));
        assert!(!c.add_agent_message("a1", "Ana", "hello", Some(5)));
        let updates = drain(&mut c);
        assert_eq!(updates.len(), 5, "{updates:?}");
        assert_eq!(
            updates[1],
            ViewUpdate::Status("v1".into(), MessageStatus::Sent)
        );
        assert_eq!(updates[4], ViewUpdate::AgentTyping(false));
    }

    #[test]
    fn history_is_marked_earlier_and_empty_separators_are_dropped() {
        let mut c = Conversation::default();
        c.add_visitor_message(&"now".into(), "today", Some(9_000), MessageStatus::Sent);
        drain(&mut c);
        let sep = |at: u64| SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(at) });
        let history = vec![
            sep(1_000),
            msg("a", 1_000),
            msg("b", 1_100),
            sep(2_000),
            msg("now", 9_000), // already shown: that chat adds nothing
            sep(3_000),
            msg("c", 3_000),
        ];
        assert_eq!(c.prepend_history(history.clone()), 3);
        assert_eq!(c.prepend_history(history), 0, "twice changes nothing");
        let rows: Vec<String> = c
            .entries()
            .iter()
            .map(|e| match e {
                SavedEntry::Message { id, earlier, .. } => format!("{id}:{earlier}"),
                SavedEntry::Notice(Notice::EarlierChat { at_ms }) => format!("sep{at_ms:?}"),
                SavedEntry::Notice(_) => "notice".into(),
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                "sepSome(1000)",
                "a:true",
                "b:true",
                "sepSome(3000)",
                "c:true",
                "now:false"
            ]
        );
        let updates = drain(&mut c);
        assert!(matches!(&updates[..], [ViewUpdate::Prepend(rows)] if rows.len() == 5));
    }

    #[test]
    fn an_end_opens_the_survey_only_when_the_campaign_has_one_and_withdraws_the_prompt() {
        let mut c = Conversation::default();
        c.set_cobrowse(CobrowseState::Requested);
        c.chat_ended(EndedBy::Agent, false, None);
        assert_eq!(c.survey(), &SurveyState::Hidden);
        assert_eq!(c.cobrowse(), CobrowseState::Idle);
        c.chat_ended(EndedBy::Visitor, true, Some("Thanks for chatting.".into()));
        assert_eq!(
            c.entries().last(),
            Some(&SavedEntry::Notice(Notice::Finished {
                text: "Thanks for chatting.".into()
            }))
        );
        assert_eq!(c.survey(), &SurveyState::Open);
        c.blocked();
        assert_eq!(c.survey(), &SurveyState::Hidden);
        c.reset();
        assert!(c.entries().is_empty());
        assert!(drain(&mut c).contains(&ViewUpdate::Clear { unread: true }));
    }
}
