//! [`ChatStore`]: the reactive chat view model and the only way to change it.
//!
//! Every field is a signal the components read through getters; every change goes through a
//! method named after what happened ("agent message arrived", "chat ended"), which the controller
//! calls when protocol events arrive and the components call for purely local UI state (open,
//! survey answered). It holds no protocol logic and does no I/O.

use leptos::prelude::*;

use super::config::WidgetConfig;
use super::saved::SavedEntry;
use crate::i18n::Lang;

/// Where the chat is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Phase {
    /// No agent available: offline text, composer disabled.
    Offline,
    /// Ready: the first message will start a chat.
    #[default]
    Idle,
    /// Starting the chat session and connection.
    Connecting,
    /// Connected to an agent.
    Chatting,
    /// Connection lost, trying again.
    Reconnecting,
    /// Over (by either side); a new chat can be started.
    Ended,
    /// The agent blocked the visitor: no new chat in this session.
    Blocked,
}

impl Phase {
    /// Whether the visitor can write (messages wait as "sending" until connected).
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Phase::Idle | Phase::Connecting | Phase::Chatting | Phase::Reconnecting
        )
    }

    /// Whether a chat is under way (the End chat control is shown).
    pub fn in_chat(self) -> bool {
        matches!(
            self,
            Phase::Connecting | Phase::Chatting | Phase::Reconnecting
        )
    }
}

/// A message's identity: the protocol's `uid`/`stanza-id`/`id` for agent messages, the
/// controller's own id for the visitor's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MessageId(pub String);

impl<T: Into<String>> From<T> for MessageId {
    fn from(value: T) -> Self {
        MessageId(value.into())
    }
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    /// The visitor (this browser).
    Visitor,
    /// An agent, with the nick to show.
    Agent {
        /// The agent's nick (first name when known).
        nick: String,
    },
    /// The system (a campaign greeting, say): shown as an agent-side bubble without a name.
    System,
}

/// Delivery state of the visitor's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageStatus {
    /// Shown at once, not yet on the wire.
    Sending,
    /// Handed to the server.
    Sent,
    /// Could not be delivered.
    Failed,
}

/// A chat message.
#[derive(Clone, Debug)]
pub struct Message {
    /// Stable id (dedupe and status updates).
    pub id: MessageId,
    /// Who wrote it.
    pub sender: Sender,
    /// The text, always shown as text.
    pub text: String,
    /// Delivery state; a signal so a status change re-renders only the status line.
    pub status: RwSignal<MessageStatus>,
    /// When it was sent or received (ms since the Unix epoch); for history, when it was
    /// originally written. `None` for rows saved before times were kept.
    pub at_ms: Option<u64>,
    /// Part of an earlier chat (a tagged user's history), shown as such.
    pub earlier: bool,
    /// True when the previous row is a message from the same sender (same nick for agents),
    /// of the same chat and written shortly before: the bubble joins that group and its name
    /// and time are not repeated (screen readers still hear both).
    pub continues_group: bool,
}

/// Messages further apart than this start a new group (their time is shown again).
pub const GROUP_GAP_MS: u64 = 5 * 60 * 1000;

impl Message {
    /// Whether this message joins `prev`'s group.
    fn joins(&self, prev: &Message) -> bool {
        let close_in_time = match (prev.at_ms, self.at_ms) {
            (Some(a), Some(b)) => b.abs_diff(a) <= GROUP_GAP_MS,
            _ => true,
        };
        prev.sender == self.sender && prev.earlier == self.earlier && close_in_time
    }
}

/// How a chat ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedBy {
    /// The agent sent `closed`.
    Agent,
    /// The visitor confirmed End chat.
    Visitor,
}

/// A system notice in the conversation, localised when rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The agent went unavailable.
    AgentUnavailable,
    /// The agent is available again.
    AgentAvailable,
    /// The chat moved to another agent.
    Transferred {
        /// The new agent's first name.
        firstname: String,
    },
    /// The chat ended.
    Ended(EndedBy),
    /// The agent blocked the visitor.
    Blocked,
    /// The start of one of a tagged user's earlier chats (shown as a labelled separator).
    EarlierChat {
        /// When that chat began (ms since the Unix epoch), when known.
        at_ms: Option<u64>,
    },
}

/// What one row of the conversation shows.
#[derive(Clone, Debug)]
pub enum EntryKind {
    /// A message bubble.
    Message(Message),
    /// A centred system notice.
    Notice(Notice),
}

/// One row of the conversation, keyed by a sequence number unique within the store.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Render key: unique and stable.
    pub seq: u64,
    /// What it shows.
    pub kind: EntryKind,
}

/// The post-chat survey.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SurveyState {
    /// Not shown (no survey, or chat not over).
    #[default]
    Hidden,
    /// Waiting for an answer.
    Open,
    /// Answered; the visitor may still change it.
    Submitted {
        /// `good`, `moderate` or `bad`.
        value: String,
        /// The comment, when the campaign enables comments and the visitor wrote one.
        comment: Option<String>,
    },
}

/// The co-browsing consent prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CobrowseState {
    /// No request.
    #[default]
    Idle,
    /// The agent asked; the prompt is shown.
    Requested,
    /// The visitor allowed it.
    Accepted,
    /// The visitor declined.
    Denied,
}

/// The chat view model. `Copy`: every field is an arena-allocated signal.
#[derive(Clone, Copy, Debug)]
pub struct ChatStore {
    config: RwSignal<WidgetConfig>,
    phase: RwSignal<Phase>,
    open: RwSignal<bool>,
    entries: RwSignal<Vec<Entry>>,
    agent_name: RwSignal<Option<String>>,
    agent_typing: RwSignal<bool>,
    unread: RwSignal<u32>,
    survey: RwSignal<SurveyState>,
    cobrowse: RwSignal<CobrowseState>,
    next_seq: RwSignal<u64>,
    // Memoised: every text in the widget depends on it, and it changes far less than the config.
    lang: Memo<Lang>,
    // Whether the visibility rules (or the page's show()/hide()) let the widget be seen at all.
    visible: RwSignal<bool>,
    // Whether the configuration is the campaign's (read now, or remembered from an earlier
    // page view): until then the widget shows nothing, so no launcher is ever seen in the
    // default colour and language first.
    configured: RwSignal<bool>,
}

impl ChatStore {
    /// A closed widget in the given configuration: `Idle`, or `Offline` when `available` is false.
    pub fn new(config: WidgetConfig, available: bool) -> Self {
        let config = RwSignal::new(config);
        ChatStore {
            config,
            lang: Memo::new(move |_| config.with(WidgetConfig::lang)),
            phase: RwSignal::new(if available {
                Phase::Idle
            } else {
                Phase::Offline
            }),
            open: RwSignal::new(false),
            entries: RwSignal::new(Vec::new()),
            agent_name: RwSignal::new(None),
            agent_typing: RwSignal::new(false),
            unread: RwSignal::new(0),
            survey: RwSignal::new(SurveyState::Hidden),
            cobrowse: RwSignal::new(CobrowseState::Idle),
            next_seq: RwSignal::new(0),
            visible: RwSignal::new(true),
            configured: RwSignal::new(true),
        }
    }

    /// A store still waiting for its campaign: the default configuration, not shown until
    /// [`set_config`](ChatStore::set_config) gives it the campaign's.
    pub fn awaiting_campaign() -> Self {
        let store = ChatStore::new(WidgetConfig::default(), true);
        store.configured.set(false);
        store
    }

    // ---- reading (components) ----

    /// The campaign-driven settings.
    pub fn config(&self) -> ReadSignal<WidgetConfig> {
        self.config.read_only()
    }
    /// The language texts are shown in (override, else campaign).
    pub fn lang(&self) -> Memo<Lang> {
        self.lang
    }
    /// Where the chat is.
    pub fn phase(&self) -> ReadSignal<Phase> {
        self.phase.read_only()
    }
    /// Whether the window is open.
    pub fn is_open(&self) -> ReadSignal<bool> {
        self.open.read_only()
    }
    /// The conversation, oldest first.
    pub fn entries(&self) -> ReadSignal<Vec<Entry>> {
        self.entries.read_only()
    }
    /// The current agent's name, once known.
    pub fn agent_name(&self) -> ReadSignal<Option<String>> {
        self.agent_name.read_only()
    }
    /// Whether the agent is typing.
    pub fn agent_typing(&self) -> ReadSignal<bool> {
        self.agent_typing.read_only()
    }
    /// Agent messages that arrived while the window was closed.
    pub fn unread(&self) -> ReadSignal<u32> {
        self.unread.read_only()
    }
    /// The survey's state.
    pub fn survey(&self) -> ReadSignal<SurveyState> {
        self.survey.read_only()
    }
    /// The co-browsing prompt's state.
    pub fn cobrowse(&self) -> ReadSignal<CobrowseState> {
        self.cobrowse.read_only()
    }
    /// Whether the widget may be seen (visibility rules; true by default). Hidden means no
    /// launcher and no window.
    pub fn visible(&self) -> ReadSignal<bool> {
        self.visible.read_only()
    }
    /// Whether the configuration is the campaign's (see [`ChatStore::awaiting_campaign`]).
    pub fn configured(&self) -> ReadSignal<bool> {
        self.configured.read_only()
    }
    /// Shows or hides the whole widget (the visibility module decides).
    pub fn set_visible(&self, visible: bool) {
        if self.visible.get_untracked() != visible {
            self.visible.set(visible);
        }
    }

    // ---- configuration (controller, embedding API) ----

    /// Applies a (new) campaign configuration.
    pub fn set_config(&self, config: WidgetConfig) {
        self.config.set(config);
        if !self.configured.get_untracked() {
            self.configured.set(true);
        }
    }
    /// The host page's language choice; `None` returns to the campaign's.
    pub fn set_language_override(&self, lang: Option<Lang>) {
        self.config.update(|c| c.language_override = lang);
    }
    /// Moves to another phase.
    pub fn set_phase(&self, phase: Phase) {
        self.phase.set(phase);
    }

    // ---- window (components and embedding API) ----

    /// Opens the window and marks everything read.
    pub fn open_window(&self) {
        self.open.set(true);
        self.unread.set(0);
    }
    /// Minimises the window.
    pub fn minimise_window(&self) {
        self.open.set(false);
    }

    // ---- conversation (controller) ----

    fn push(&self, mut kind: EntryKind) {
        if let EntryKind::Message(message) = &mut kind {
            message.continues_group = self.entries.with_untracked(|entries| {
                matches!(entries.last(), Some(Entry { kind: EntryKind::Message(prev), .. }) if message.joins(prev))
            });
        }
        let seq = self.next_seq.get_untracked();
        self.next_seq.set(seq + 1);
        self.entries.update(|e| e.push(Entry { seq, kind }));
    }

    fn find_message(&self, id: &MessageId) -> Option<Message> {
        self.entries.with_untracked(|entries| {
            entries.iter().find_map(|e| match &e.kind {
                EntryKind::Message(m) if &m.id == id => Some(m.clone()),
                _ => None,
            })
        })
    }

    /// The visitor's message, shown at once as "sending". Returns false (and changes nothing)
    /// when a message with this id is already shown.
    pub fn add_visitor_message(&self, id: impl Into<MessageId>, text: impl Into<String>) -> bool {
        self.add_visitor_message_at(id, text, None)
    }

    /// [`ChatStore::add_visitor_message`] with the time it was written.
    pub fn add_visitor_message_at(
        &self,
        id: impl Into<MessageId>,
        text: impl Into<String>,
        at_ms: Option<u64>,
    ) -> bool {
        let id = id.into();
        if self.find_message(&id).is_some() {
            return false;
        }
        self.push(EntryKind::Message(Message {
            id,
            sender: Sender::Visitor,
            text: text.into(),
            status: RwSignal::new(MessageStatus::Sending),
            at_ms,
            earlier: false,
            continues_group: false,
        }));
        true
    }

    /// Updates a visitor message's delivery state. Returns false for an unknown id.
    pub fn set_message_status(&self, id: &MessageId, status: MessageStatus) -> bool {
        match self.find_message(id) {
            Some(m) => {
                // Unchanged: nothing to re-render.
                if m.status.get_untracked() != status {
                    m.status.set(status);
                }
                true
            }
            None => false,
        }
    }

    /// An agent message arrived. Duplicates (same id, e.g. replayed after a reconnect) are
    /// dropped and return false. Clears the typing indicator; counts as unread while closed.
    pub fn add_agent_message(
        &self,
        id: impl Into<MessageId>,
        nick: impl Into<String>,
        text: impl Into<String>,
    ) -> bool {
        self.add_agent_message_at(id, nick, text, None)
    }

    /// [`ChatStore::add_agent_message`] with the time it was written (received, or the
    /// archive's stamp).
    pub fn add_agent_message_at(
        &self,
        id: impl Into<MessageId>,
        nick: impl Into<String>,
        text: impl Into<String>,
        at_ms: Option<u64>,
    ) -> bool {
        let id = id.into();
        if self.find_message(&id).is_some() {
            return false;
        }
        let nick = nick.into();
        self.push(EntryKind::Message(Message {
            id,
            sender: Sender::Agent { nick },
            text: text.into(),
            status: RwSignal::new(MessageStatus::Sent),
            at_ms,
            earlier: false,
            continues_group: false,
        }));
        self.set_agent_typing(false);
        if !self.open.get_untracked() {
            self.unread.update(|n| *n = n.saturating_add(1));
        }
        true
    }

    /// A message from the system side (a greeting): shown like an agent message without a name.
    pub fn add_system_message(&self, id: impl Into<MessageId>, text: impl Into<String>) -> bool {
        let id = id.into();
        if self.find_message(&id).is_some() {
            return false;
        }
        self.push(EntryKind::Message(Message {
            id,
            sender: Sender::System,
            text: text.into(),
            status: RwSignal::new(MessageStatus::Sent),
            at_ms: None,
            earlier: false,
            continues_group: false,
        }));
        true
    }

    /// Shows a system notice.
    pub fn add_notice(&self, notice: Notice) {
        self.push(EntryKind::Notice(notice));
    }

    /// The agent's name for the header (`None` before one is assigned).
    pub fn set_agent_name(&self, name: Option<String>) {
        self.agent_name.set(name);
    }

    /// The agent started or stopped typing.
    pub fn set_agent_typing(&self, typing: bool) {
        // Every agent message clears it: only a change re-renders the indicator.
        if self.agent_typing.get_untracked() != typing {
            self.agent_typing.set(typing);
        }
    }

    /// The chat moved to another agent: notice, and the new name from now on.
    pub fn agent_transferred(&self, firstname: impl Into<String>) {
        let firstname = firstname.into();
        self.set_agent_typing(false);
        self.agent_name.set(Some(firstname.clone()));
        self.add_notice(Notice::Transferred { firstname });
    }

    /// The chat is over: notice, phase `Ended`, and the survey when the campaign has one.
    pub fn chat_ended(&self, by: EndedBy) {
        self.set_agent_typing(false);
        self.add_notice(Notice::Ended(by));
        self.phase.set(Phase::Ended);
        if self.cobrowse.get_untracked() == CobrowseState::Requested {
            self.cobrowse.set(CobrowseState::Idle);
        }
        if self.config.with_untracked(|c| c.survey.is_some()) {
            self.survey.set(SurveyState::Open);
        }
    }

    /// The agent blocked the visitor: notice and phase `Blocked` (no survey, no new chat).
    pub fn blocked(&self) {
        self.set_agent_typing(false);
        self.add_notice(Notice::Blocked);
        self.phase.set(Phase::Blocked);
        self.survey.set(SurveyState::Hidden);
        self.cobrowse.set(CobrowseState::Idle);
    }

    /// The agent asks for co-browsing. Ignored (false) when the campaign has it off or the chat
    /// is not under way.
    pub fn cobrowse_requested(&self) -> bool {
        let enabled = self.config.with_untracked(|c| c.cobrowse.is_some());
        if !enabled || !self.phase.get_untracked().in_chat() {
            return false;
        }
        self.cobrowse.set(CobrowseState::Requested);
        true
    }

    /// The visitor answered the co-browsing prompt (component).
    pub fn cobrowse_answered(&self, accepted: bool) {
        self.cobrowse.set(if accepted {
            CobrowseState::Accepted
        } else {
            CobrowseState::Denied
        });
    }

    /// The visitor submitted (or changed) the survey answer (component).
    pub fn survey_submitted(&self, value: impl Into<String>, comment: Option<String>) {
        self.survey.set(SurveyState::Submitted {
            value: value.into(),
            comment,
        });
    }

    /// Shows the survey and the co-browsing prompt as the tab holding the chat has them (a
    /// follower tab): answered there, answered here.
    pub fn mirror_prompts(&self, survey: SurveyState, cobrowse: CobrowseState) {
        if self.survey.get_untracked() != survey {
            self.survey.set(survey);
        }
        if self.cobrowse.get_untracked() != cobrowse {
            self.cobrowse.set(cobrowse);
        }
    }

    // ---- continuity (controller) ----

    /// The conversation as it is to be kept between page loads.
    pub fn snapshot(&self) -> Vec<SavedEntry> {
        self.entries.with_untracked(|entries| {
            entries
                .iter()
                .map(|e| match &e.kind {
                    EntryKind::Message(m) => SavedEntry::Message {
                        id: m.id.0.clone(),
                        sender: m.sender.clone(),
                        text: m.text.clone(),
                        status: m.status.get_untracked(),
                        at_ms: m.at_ms,
                        earlier: m.earlier,
                    },
                    EntryKind::Notice(n) => SavedEntry::Notice(n.clone()),
                })
                .collect()
        })
    }

    fn build(&self, saved: Vec<SavedEntry>, mut into: Vec<Entry>) -> Vec<Entry> {
        let mut seq = self.next_seq.get_untracked();
        for s in saved {
            let kind = match s {
                SavedEntry::Message {
                    id,
                    sender,
                    text,
                    status,
                    at_ms,
                    earlier,
                } => EntryKind::Message(Message {
                    id: MessageId(id),
                    sender,
                    text,
                    status: RwSignal::new(status),
                    at_ms,
                    earlier,
                    continues_group: false,
                }),
                SavedEntry::Notice(n) => EntryKind::Notice(n),
            };
            into.push(Entry { seq, kind });
            seq += 1;
        }
        self.next_seq.set(seq);
        into
    }

    fn regroup(entries: &mut [Entry]) {
        for i in 0..entries.len() {
            // Each row against the one before it (no copy of the previous message).
            let joins = match (i.checked_sub(1).map(|p| &entries[p].kind), &entries[i].kind) {
                (Some(EntryKind::Message(prev)), EntryKind::Message(m)) => m.joins(prev),
                _ => false,
            };
            if let EntryKind::Message(m) = &mut entries[i].kind {
                m.continues_group = joins;
            }
        }
    }

    /// Replaces the conversation with a saved one (a page reload), without counting anything
    /// as unread.
    pub fn restore(&self, saved: Vec<SavedEntry>) {
        let mut entries = self.build(saved, Vec::new());
        Self::regroup(&mut entries);
        self.entries.set(entries);
    }

    /// Brings the conversation in line with `saved` (another tab's, which holds the chat):
    /// when what is shown is the beginning of it, only the new rows are added (no re-render of
    /// the rest) and delivery states are updated; otherwise it is replaced.
    pub fn sync(&self, saved: Vec<SavedEntry>) {
        let current = self.snapshot();
        let same = |a: &SavedEntry, b: &SavedEntry| match (a, b) {
            (SavedEntry::Message { id: x, .. }, SavedEntry::Message { id: y, .. }) => x == y,
            (a, b) => a == b,
        };
        let prefix = current.len() <= saved.len()
            && current.iter().zip(saved.iter()).all(|(a, b)| same(a, b));
        if !prefix {
            return self.restore(saved);
        }
        for s in &saved[..current.len()] {
            if let SavedEntry::Message { id, status, .. } = s {
                if let Some(m) = self.find_message(&MessageId(id.clone())) {
                    if m.status.get_untracked() != *status {
                        m.status.set(*status);
                    }
                }
            }
        }
        if saved.len() > current.len() {
            let tail = saved[current.len()..].to_vec();
            let mut entries = self.build(tail, self.entries.get_untracked());
            Self::regroup(&mut entries);
            self.entries.set(entries);
        }
    }

    /// Puts earlier conversations (a tagged user's history) before the current one, marked as
    /// earlier. Each chat in `saved` starts with a [`Notice::EarlierChat`] separator. Messages
    /// whose id is already shown are skipped, and so is a separator left with no message;
    /// returns how many messages were added.
    pub fn prepend_history(&self, saved: Vec<SavedEntry>) -> usize {
        let known: std::collections::HashSet<String> = self.entries.with_untracked(|entries| {
            entries
                .iter()
                .filter_map(|e| match &e.kind {
                    EntryKind::Message(m) => Some(m.id.0.clone()),
                    EntryKind::Notice(_) => None,
                })
                .collect()
        });
        let mut seen = known.clone();
        let mut fresh: Vec<SavedEntry> = saved
            .into_iter()
            .filter(|s| match s {
                SavedEntry::Message { id, .. } => seen.insert(id.clone()),
                SavedEntry::Notice(_) => true,
            })
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
        let mut entries = self.build(fresh, Vec::new());
        entries.extend(self.entries.get_untracked());
        Self::regroup(&mut entries);
        self.entries.set(entries);
        added
    }

    /// Forgets everything of the visitor (`CV.user.reset()`): conversation, agent, typing,
    /// unread count, survey and co-browsing prompt. The phase is the controller's to set.
    pub fn reset(&self) {
        self.entries.set(Vec::new());
        self.agent_name.set(None);
        self.set_agent_typing(false);
        self.unread.set(0);
        self.survey.set(SurveyState::Hidden);
        self.cobrowse.set(CobrowseState::Idle);
    }

    /// Clears the conversation for a new chat after the end. Refused (false) after a block.
    pub fn start_new_chat(&self) -> bool {
        if self.phase.get_untracked() == Phase::Blocked {
            return false;
        }
        self.entries.set(Vec::new());
        self.agent_name.set(None);
        self.set_agent_typing(false);
        self.survey.set(SurveyState::Hidden);
        self.cobrowse.set(CobrowseState::Idle);
        self.phase.set(Phase::Idle);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CobrowseConfig, SurveyConfig};

    fn store() -> ChatStore {
        ChatStore::new(WidgetConfig::default(), true)
    }

    fn messages(s: &ChatStore) -> Vec<(Sender, String)> {
        s.entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some((m.sender, m.text)),
                EntryKind::Notice(_) => None,
            })
            .collect()
    }

    #[test]
    fn unavailable_campaign_starts_offline() {
        assert_eq!(
            ChatStore::new(WidgetConfig::default(), false)
                .phase()
                .get_untracked(),
            Phase::Offline
        );
        assert_eq!(store().phase().get_untracked(), Phase::Idle);
    }

    #[test]
    fn agent_messages_are_deduplicated_by_id() {
        let s = store();
        assert!(s.add_agent_message("u1", "Ana", "Hello"));
        assert!(!s.add_agent_message("u1", "Ana", "Hello"));
        assert_eq!(
            messages(&s),
            vec![(Sender::Agent { nick: "Ana".into() }, "Hello".into())]
        );
    }

    #[test]
    fn unread_counts_only_while_closed() {
        let s = store();
        s.add_agent_message("1", "Ana", "a");
        s.add_agent_message("2", "Ana", "b");
        assert_eq!(s.unread().get_untracked(), 2);
        s.open_window();
        assert_eq!(s.unread().get_untracked(), 0);
        s.add_agent_message("3", "Ana", "c");
        assert_eq!(s.unread().get_untracked(), 0);
    }

    #[test]
    fn visitor_message_status_moves_from_sending() {
        let s = store();
        s.add_visitor_message("v1", "hi");
        let status = |s: &ChatStore| match &s.entries().get_untracked()[0].kind {
            EntryKind::Message(m) => m.status.get_untracked(),
            EntryKind::Notice(_) => unreachable!("first entry is the message"),
        };
        assert_eq!(status(&s), MessageStatus::Sending);
        assert!(s.set_message_status(&"v1".into(), MessageStatus::Sent));
        assert_eq!(status(&s), MessageStatus::Sent);
        assert!(!s.set_message_status(&"nope".into(), MessageStatus::Failed));
    }

    #[test]
    fn consecutive_messages_from_one_sender_are_grouped() {
        let s = store();
        s.add_agent_message("1", "Ana", "a");
        s.add_agent_message("2", "Ana", "b");
        s.add_agent_message("3", "Bo", "c");
        s.add_notice(Notice::AgentAvailable);
        s.add_agent_message("4", "Bo", "d");
        s.add_visitor_message("5", "e");
        s.add_visitor_message("6", "f");
        let grouped: Vec<bool> = s
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some(m.continues_group),
                EntryKind::Notice(_) => None,
            })
            .collect();
        assert_eq!(grouped, vec![false, true, false, false, false, true]);
    }

    #[test]
    fn agent_message_clears_typing() {
        let s = store();
        s.set_agent_typing(true);
        s.add_agent_message("1", "Ana", "done");
        assert!(!s.agent_typing().get_untracked());
    }

    #[test]
    fn entries_have_unique_increasing_keys() {
        let s = store();
        s.add_visitor_message("v", "a");
        s.add_notice(Notice::AgentUnavailable);
        s.add_agent_message("x", "Ana", "b");
        let seqs: Vec<u64> = s.entries().get_untracked().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![0, 1, 2]);
    }

    #[test]
    fn transfer_renames_the_agent() {
        let s = store();
        s.set_agent_name(Some("Ana".into()));
        s.agent_transferred("Bo");
        assert_eq!(s.agent_name().get_untracked().as_deref(), Some("Bo"));
        assert!(matches!(
            s.entries().get_untracked().last().map(|e| e.kind.clone()),
            Some(EntryKind::Notice(Notice::Transferred { firstname })) if firstname == "Bo"
        ));
    }

    #[test]
    fn end_opens_the_survey_only_when_configured() {
        let s = store();
        s.chat_ended(EndedBy::Agent);
        assert_eq!(s.phase().get_untracked(), Phase::Ended);
        assert_eq!(s.survey().get_untracked(), SurveyState::Hidden);

        let s = ChatStore::new(
            WidgetConfig {
                survey: Some(SurveyConfig::default()),
                ..Default::default()
            },
            true,
        );
        s.chat_ended(EndedBy::Visitor);
        assert_eq!(s.survey().get_untracked(), SurveyState::Open);
        s.survey_submitted("good", None);
        s.survey_submitted("bad", Some("slow".into()));
        assert_eq!(
            s.survey().get_untracked(),
            SurveyState::Submitted {
                value: "bad".into(),
                comment: Some("slow".into())
            }
        );
    }

    #[test]
    fn no_new_chat_after_a_block() {
        let s = store();
        s.blocked();
        assert_eq!(s.phase().get_untracked(), Phase::Blocked);
        assert!(!s.start_new_chat());
        assert_eq!(s.phase().get_untracked(), Phase::Blocked);

        let s = store();
        s.add_agent_message("1", "Ana", "x");
        s.chat_ended(EndedBy::Agent);
        assert!(s.start_new_chat());
        assert!(s.entries().get_untracked().is_empty());
        assert_eq!(s.phase().get_untracked(), Phase::Idle);
    }

    #[test]
    fn snapshot_restores_with_groups_and_history_goes_first_once() {
        let s = store();
        s.add_agent_message("a1", "Ana", "hi");
        s.add_visitor_message("v1", "hello");
        s.set_message_status(&"v1".into(), MessageStatus::Sent);
        s.add_visitor_message("v2", "still sending");
        s.add_notice(Notice::AgentUnavailable);
        let saved = s.snapshot();

        let t = store();
        t.restore(saved.clone());
        assert_eq!(t.snapshot(), saved);
        assert_eq!(
            t.unread().get_untracked(),
            0,
            "restored messages are not new"
        );
        let groups: Vec<bool> = t
            .entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some(m.continues_group),
                EntryKind::Notice(_) => None,
            })
            .collect();
        assert_eq!(groups, vec![false, false, true]);

        let old = vec![
            SavedEntry::Message {
                id: "h1".into(),
                sender: Sender::Visitor,
                text: "last week".into(),
                status: MessageStatus::Sent,
                at_ms: Some(1_000),
                earlier: false,
            },
            SavedEntry::Message {
                id: "a1".into(),
                sender: Sender::Agent { nick: "Ana".into() },
                text: "hi".into(),
                status: MessageStatus::Sent,
                at_ms: None,
                earlier: false,
            },
        ];
        assert_eq!(t.prepend_history(old.clone()), 1);
        assert_eq!(t.prepend_history(old), 0, "twice changes nothing");
        assert_eq!(messages(&t)[0], (Sender::Visitor, "last week".into()));
        assert_eq!(messages(&t).len(), 4);
        let seqs: std::collections::HashSet<u64> =
            t.entries().get_untracked().iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs.len(),
            t.entries().get_untracked().len(),
            "keys stay unique"
        );

        t.set_agent_typing(true);
        t.reset();
        assert!(t.entries().get_untracked().is_empty());
        assert!(!t.agent_typing().get_untracked());
    }

    #[test]
    fn sync_appends_what_is_new_and_replaces_what_differs() {
        let leader = store();
        leader.add_visitor_message("v1", "hi");
        let follower = store();
        follower.sync(leader.snapshot());
        let first_seq = follower.entries().get_untracked()[0].seq;
        leader.set_message_status(&"v1".into(), MessageStatus::Sent);
        leader.add_agent_message("a1", "Ana", "hello");
        follower.sync(leader.snapshot());
        assert_eq!(follower.snapshot(), leader.snapshot());
        assert_eq!(
            follower.entries().get_untracked()[0].seq,
            first_seq,
            "kept, not re-rendered"
        );
        // A row the leader does not have (yet): replaced by the leader's view.
        follower.add_visitor_message("v2", "mine");
        follower.sync(leader.snapshot());
        assert_eq!(follower.snapshot(), leader.snapshot());
    }

    fn groups(s: &ChatStore) -> Vec<bool> {
        s.entries()
            .get_untracked()
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Message(m) => Some(m.continues_group),
                EntryKind::Notice(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_pause_of_more_than_a_few_minutes_starts_a_new_group() {
        let s = store();
        let t = 1_764_900_000_000;
        s.add_agent_message_at("1", "Ana", "a", Some(t));
        s.add_agent_message_at("2", "Ana", "b", Some(t + 60_000));
        s.add_agent_message_at("3", "Ana", "c", Some(t + 60_000 + GROUP_GAP_MS + 1));
        s.add_agent_message("4", "Ana", "no time: joins");
        assert_eq!(groups(&s), vec![false, true, false, true]);
        let times: Vec<Option<u64>> = s
            .snapshot()
            .into_iter()
            .filter_map(|e| match e {
                SavedEntry::Message { at_ms, .. } => Some(at_ms),
                SavedEntry::Notice(_) => None,
            })
            .collect();
        assert_eq!(
            times,
            vec![
                Some(t),
                Some(t + 60_000),
                Some(t + 60_000 + GROUP_GAP_MS + 1),
                None
            ]
        );
        // A reload groups the same way.
        let r = store();
        r.restore(s.snapshot());
        assert_eq!(groups(&r), vec![false, true, false, true]);
    }

    #[test]
    fn history_is_marked_earlier_and_empty_separators_are_dropped() {
        let s = store();
        s.add_visitor_message_at("now", "today", Some(9_000));
        let msg = |id: &str, at: u64| SavedEntry::Message {
            id: id.into(),
            sender: Sender::Visitor,
            text: id.into(),
            status: MessageStatus::Sent,
            at_ms: Some(at),
            earlier: false,
        };
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
        assert_eq!(s.prepend_history(history), 3);
        let rows: Vec<String> = s
            .snapshot()
            .into_iter()
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
        // The current chat does not join the last earlier chat's group.
        assert_eq!(groups(&s), vec![false, true, false, false]);
    }

    #[test]
    fn another_tabs_survey_and_prompt_are_mirrored() {
        let s = ChatStore::new(
            WidgetConfig {
                survey: Some(SurveyConfig::default()),
                cobrowse: Some(CobrowseConfig::default()),
                ..Default::default()
            },
            true,
        );
        s.mirror_prompts(SurveyState::Open, CobrowseState::Requested);
        assert_eq!(s.survey().get_untracked(), SurveyState::Open);
        assert_eq!(s.cobrowse().get_untracked(), CobrowseState::Requested);
        let answered = SurveyState::Submitted {
            value: "good".into(),
            comment: None,
        };
        s.mirror_prompts(answered.clone(), CobrowseState::Denied);
        assert_eq!(s.survey().get_untracked(), answered);
        assert_eq!(s.cobrowse().get_untracked(), CobrowseState::Denied);
    }

    #[test]
    fn cobrowse_needs_the_campaign_and_a_chat() {
        let s = store();
        s.set_phase(Phase::Chatting);
        assert!(!s.cobrowse_requested(), "campaign has co-browsing off");

        let s = ChatStore::new(
            WidgetConfig {
                cobrowse: Some(CobrowseConfig::default()),
                ..Default::default()
            },
            true,
        );
        assert!(!s.cobrowse_requested(), "no chat yet");
        s.set_phase(Phase::Chatting);
        assert!(s.cobrowse_requested());
        s.cobrowse_answered(false);
        assert_eq!(s.cobrowse().get_untracked(), CobrowseState::Denied);
    }
}
