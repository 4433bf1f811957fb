//! [`ChatStore`]: the reactive chat view model.
//!
//! Every field is a signal the components read through getters. What the chat shows (rows,
//! phase, agent, typing, survey, co-browsing prompt) changes only through
//! [`ChatStore::apply`], with the session core's [`ViewUpdate`]s; the page's own state (the
//! window open, the unread count, visibility, the configuration) has its own setters. A few
//! helpers (`add_agent_message`, `set_phase` …) are `apply` spelled out, for the demo scenes
//! and the component tests. It holds no protocol logic and does no I/O.

use leptos::prelude::*;

use super::config::WidgetConfig;
use super::saved::SavedEntry;
use crate::i18n::Lang;
use crate::session::view::{
    CobrowseState, MessageId, MessageStatus, Notice, OfflineState, Phase, PrechatState, Sender,
    SurveyState, TranscriptOffer,
};
use crate::session::ViewUpdate;

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
    prechat: RwSignal<PrechatState>,
    offline: RwSignal<OfflineState>,
    transcript: RwSignal<TranscriptOffer>,
    // What the visitor is typing in the composer, not sent yet (offered to the offline form
    // when the chat becomes impossible meanwhile).
    composer_draft: RwSignal<String>,
    next_seq: RwSignal<u64>,
    // Memoised: every text in the widget depends on it, and it changes far less than the config.
    lang: Memo<Lang>,
    // Whether the visibility rules (or the page's show()/hide()) let the widget be seen at all.
    visible: RwSignal<bool>,
    // Whether the configuration is the campaign's (read now, or remembered from an earlier
    // page view): until then the widget shows nothing, so no launcher is ever seen in the
    // default colour and language first.
    configured: RwSignal<bool>,
    // Text the visitor typed before the composer existed (in the launcher's frame): the
    // composer starts with it.
    draft: StoredValue<String>,
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
            prechat: RwSignal::new(PrechatState::Hidden),
            offline: RwSignal::new(OfflineState::Hidden),
            transcript: RwSignal::new(TranscriptOffer::Hidden),
            composer_draft: RwSignal::new(String::new()),
            next_seq: RwSignal::new(0),
            visible: RwSignal::new(true),
            configured: RwSignal::new(true),
            draft: StoredValue::new(String::new()),
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
    /// The form before the chat.
    pub fn prechat(&self) -> ReadSignal<PrechatState> {
        self.prechat.read_only()
    }
    /// The offline form.
    pub fn offline(&self) -> ReadSignal<OfflineState> {
        self.offline.read_only()
    }
    /// The transcript offer after the chat.
    pub fn transcript(&self) -> ReadSignal<TranscriptOffer> {
        self.transcript.read_only()
    }
    /// What the visitor typed in the composer and has not sent.
    pub fn composer_draft(&self) -> ReadSignal<String> {
        self.composer_draft.read_only()
    }
    /// The composer's text changed (the view's own state, like the window).
    pub fn set_composer_draft(&self, text: String) {
        self.composer_draft.set(text);
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
        self.apply(ViewUpdate::Phase(phase));
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

    /// The unread count kept outside this page (an earlier page view, another tab): counted on
    /// from while the window is closed; an open window has everything read. Only a change is
    /// told, so a count that comes back as it was goes no further.
    pub fn set_unread(&self, n: u32) {
        let n = if self.open.get_untracked() { 0 } else { n };
        if self.unread.get_untracked() != n {
            self.unread.set(n);
        }
    }

    /// Text the composer starts with (what the visitor typed in the launcher's frame).
    pub fn set_draft(&self, text: String) {
        self.draft.set_value(text);
    }

    /// The draft for a new composer, taken once.
    pub fn take_draft(&self) -> String {
        self.draft
            .try_update_value(std::mem::take)
            .unwrap_or_default()
    }
}

/// What the chat shows: the session's updates, and the helpers spelling them out.
impl ChatStore {
    /// Applies one change the session core decided. (The campaign and "unavailable" are the
    /// controller's to apply: they concern the configuration and the host element.)
    pub fn apply(&self, update: ViewUpdate) {
        match update {
            ViewUpdate::Campaign(_) | ViewUpdate::Unavailable => {}
            ViewUpdate::Phase(phase) => {
                if self.phase.get_untracked() != phase {
                    self.phase.set(phase);
                }
            }
            ViewUpdate::Window(true) => self.open_window(),
            ViewUpdate::Window(false) => self.minimise_window(),
            ViewUpdate::Restore(saved) => self.restore(saved),
            ViewUpdate::Sync(saved) => self.sync(saved),
            ViewUpdate::Append(entry) => {
                self.append(entry);
            }
            ViewUpdate::Status(id, status) => {
                self.set_message_status(&id, status);
            }
            ViewUpdate::Prepend(saved) => {
                let mut entries = self.build(saved, Vec::new());
                entries.extend(self.entries.get_untracked());
                Self::regroup(&mut entries);
                self.entries.set(entries);
            }
            ViewUpdate::Clear { unread } => {
                self.entries.set(Vec::new());
                if unread {
                    self.unread.set(0);
                }
            }
            ViewUpdate::AgentName(name) => self.agent_name.set(name),
            ViewUpdate::AgentTyping(typing) => {
                // Only a change re-renders the indicator.
                if self.agent_typing.get_untracked() != typing {
                    self.agent_typing.set(typing);
                }
            }
            ViewUpdate::Survey(survey) => {
                if self.survey.get_untracked() != survey {
                    self.survey.set(survey);
                }
            }
            ViewUpdate::Cobrowse(cobrowse) => {
                if self.cobrowse.get_untracked() != cobrowse {
                    self.cobrowse.set(cobrowse);
                }
            }
            ViewUpdate::Prechat(prechat) => self.prechat.set(prechat),
            ViewUpdate::Offline(offline) => self.offline.set(offline),
            ViewUpdate::Transcript(transcript) => self.transcript.set(transcript),
        }
    }

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
            entries.iter().rev().find_map(|e| match &e.kind {
                EntryKind::Message(m) if &m.id == id => Some(m.clone()),
                _ => None,
            })
        })
    }

    /// A new row at the end; false (nothing changes) for a message whose id is shown. An
    /// agent message counts as unread while the window is closed (not an accepted greeting: the
    /// visitor read it in its bubble).
    fn append(&self, entry: SavedEntry) -> bool {
        let kind = match entry {
            SavedEntry::Message {
                id,
                sender,
                text,
                status,
                at_ms,
                earlier,
            } => {
                let id = MessageId(id);
                if self.find_message(&id).is_some() {
                    return false;
                }
                let greeting = id.0.starts_with(crate::session::greeting::ROW_PREFIX);
                if matches!(sender, Sender::Agent { .. }) && !greeting && !self.open.get_untracked()
                {
                    self.unread.update(|n| *n = n.saturating_add(1));
                }
                EntryKind::Message(Message {
                    id,
                    sender,
                    text,
                    status: RwSignal::new(status),
                    at_ms,
                    earlier,
                    continues_group: false,
                })
            }
            SavedEntry::Notice(n) => EntryKind::Notice(n),
        };
        self.push(kind);
        true
    }

    /// The visitor's message, shown as "sending"; false when its id is shown already.
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
        self.append(SavedEntry::Message {
            id: id.into().0,
            sender: Sender::Visitor,
            text: text.into(),
            status: MessageStatus::Sending,
            at_ms,
            earlier: false,
        })
    }

    /// An agent message (ends the typing indicator); false when its id is shown already.
    pub fn add_agent_message(
        &self,
        id: impl Into<MessageId>,
        nick: impl Into<String>,
        text: impl Into<String>,
    ) -> bool {
        self.add_agent_message_at(id, nick, text, None)
    }

    /// [`ChatStore::add_agent_message`] with the time it was written.
    pub fn add_agent_message_at(
        &self,
        id: impl Into<MessageId>,
        nick: impl Into<String>,
        text: impl Into<String>,
        at_ms: Option<u64>,
    ) -> bool {
        let added = self.append(SavedEntry::Message {
            id: id.into().0,
            sender: Sender::Agent { nick: nick.into() },
            text: text.into(),
            status: MessageStatus::Sent,
            at_ms,
            earlier: false,
        });
        if added {
            self.set_agent_typing(false);
        }
        added
    }

    /// A message from the system side (a greeting): shown like an agent message without a name.
    pub fn add_system_message(&self, id: impl Into<MessageId>, text: impl Into<String>) -> bool {
        self.append(SavedEntry::Message {
            id: id.into().0,
            sender: Sender::System,
            text: text.into(),
            status: MessageStatus::Sent,
            at_ms: None,
            earlier: false,
        })
    }

    /// Shows a system notice.
    pub fn add_notice(&self, notice: Notice) {
        self.append(SavedEntry::Notice(notice));
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

    /// The agent's name for the header (`None` before one is assigned).
    pub fn set_agent_name(&self, name: Option<String>) {
        self.apply(ViewUpdate::AgentName(name));
    }

    /// The agent started or stopped typing.
    pub fn set_agent_typing(&self, typing: bool) {
        self.apply(ViewUpdate::AgentTyping(typing));
    }

    /// The conversation as it is shown.
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
    pub(crate) fn restore(&self, saved: Vec<SavedEntry>) {
        let mut entries = self.build(saved, Vec::new());
        Self::regroup(&mut entries);
        self.entries.set(entries);
    }

    /// Brings the conversation in line with `saved` (another tab's, which holds the chat):
    /// when what is shown is the beginning of it, only the new rows are added (no re-render of
    /// the rest) and delivery states are updated; otherwise it is replaced.
    fn sync(&self, saved: Vec<SavedEntry>) {
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
                self.set_message_status(&MessageId(id.clone()), *status);
            }
        }
        if saved.len() > current.len() {
            let tail = saved[current.len()..].to_vec();
            let mut entries = self.build(tail, self.entries.get_untracked());
            Self::regroup(&mut entries);
            self.entries.set(entries);
        }
    }
}

#[cfg(test)]
mod tests;
