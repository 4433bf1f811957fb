//! Tabs of one browser profile sharing a persistent visitor: one tab (the leader, holding a lock
//! the browser hands to one tab at a time) runs the chat; the others (followers) show what the
//! leader tells them and send what their visitor does through it.
//!
//! - A follower shows the leader's [`LeaderView`] (conversation, phase, agent, survey and
//!   prompt, identity), plus the messages it handed over and has not seen in a view yet.
//! - The leader sends its view after every save (when it changed) and to a new follower's
//!   [`ToLeader::Hello`].
//! - Answered in any tab, answered in all: a follower's survey or co-browsing answer is not
//!   asked again by an older view, and the first co-browsing answer is the one the agent gets.
//! - When the leader's tab closes, the lock goes to a follower, which continues the saved chat
//!   (the stream resumed) and sends what it had handed over and not seen confirmed.
//!
//! Without shared storage (session ids, memory) or without the browser APIs, a tab is
//! [`Role::Solo`] and does everything itself.

mod message;

pub use message::{LeaderView, TabMessage, ToLeader};

use super::continuity::{SavedChat, CHAT_KEY, PRECHAT_KEY, TRANSCRIPT_KEY};
use super::lifecycle::Stage;
use super::saved::{self, SavedEntry};
use super::survey::cobrowsing_answered;
use super::view::{
    MessageId, MessageStatus, Phase, PrechatState, SurveyState, TranscriptOffer, UiAction,
};
use super::Session;
use crate::events::{Direction, HostEvent};

/// This tab's part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// Not shared: this tab does everything.
    #[default]
    Solo,
    /// Holds the chat's connection and storage; tells the others what to show.
    Leader,
    /// Shows what the leader tells and sends what the visitor does through it.
    Follower,
}

/// The tabs part of the state.
#[derive(Debug, Default)]
pub(crate) struct Tabs {
    pub role: Role,
    /// A follower: the leader's phase, once a view came (until then its own).
    pub mirrored: Option<Phase>,
    /// A follower's messages handed to the leader and not yet in its transcript.
    forwarded: Vec<(MessageId, String)>,
    /// The leader's last view sent.
    view_sent: Option<LeaderView>,
    /// A follower answered the survey here and the leader's view does not show it yet: an
    /// older view must not ask again.
    survey_answered: bool,
    /// The same for the co-browsing prompt (so it cannot be answered twice).
    cobrowse_answered: bool,
    /// A follower: the leader's view shows the co-browsing prompt (an answer is wanted).
    prompt_open: bool,
    /// A follower: the leader's form before the chat and transcript offer (answered in any
    /// tab, answered in all).
    pub mirrored_forms: Option<(PrechatState, TranscriptOffer)>,
}

impl Session {
    /// Whether this tab only mirrors the leader.
    pub(super) fn follows(&self) -> bool {
        self.tabs.role == Role::Follower
    }

    /// A follower's forms around the chat, as the leader's view shows them (once one came).
    pub(super) fn followed_forms(&self) -> Option<&(PrechatState, TranscriptOffer)> {
        self.tabs.mirrored_forms.as_ref().filter(|_| self.follows())
    }

    /// Sends `message` to the leader when this tab is a follower; false otherwise.
    pub(super) fn forward(&mut self, message: ToLeader) -> bool {
        if !self.follows() {
            return false;
        }
        self.out.tabs.push_back(TabMessage::ToLeader(message));
        true
    }

    /// A follower read the campaign: until the leader's view comes it shows availability.
    pub(super) fn follower_ready(&mut self) {
        self.keep.restoring = None;
        self.tabs.mirrored = None;
        self.forward(ToLeader::Hello);
    }

    /// What a follower does with the visitor's actions: shown here, carried out by the leader.
    pub(super) fn follower_action(&mut self, action: UiAction) {
        let message = match action {
            UiAction::SendText(text) => {
                if !self.phase().can_write() {
                    return;
                }
                let id = self.new_message_id();
                let at = self.now.wall_ms;
                self.view
                    .add_visitor_message(&id, &text, Some(at), MessageStatus::Sending);
                self.emit(HostEvent::Message {
                    direction: Direction::Visitor,
                    sender: "visitor".to_owned(),
                    text: text.clone(),
                    id: id.0.clone(),
                });
                self.tabs.forwarded.push((id.clone(), text.clone()));
                ToLeader::Send {
                    id,
                    text,
                    at: Some(at),
                }
            }
            UiAction::Retry(id) => {
                let Some((_, text)) = self.tabs.forwarded.iter().find(|(f, _)| *f == id).cloned()
                else {
                    return;
                };
                ToLeader::Send { id, text, at: None }
            }
            UiAction::ChatState(state) => ToLeader::ChatState(state),
            UiAction::EndChat => ToLeader::End,
            UiAction::StartNewChat => {
                if self.phase() == Phase::Blocked {
                    return;
                }
                // Emptied at once here; the leader's next view agrees.
                self.view.new_chat();
                self.tabs.mirrored = Some(Phase::Idle);
                ToLeader::NewChat
            }
            UiAction::SurveyAnswer { value, comment } => {
                self.tabs.survey_answered = true;
                self.view.set_survey(SurveyState::Submitted {
                    value: value.clone(),
                    comment: comment.clone(),
                });
                ToLeader::Survey { value, comment }
            }
            UiAction::CobrowseAnswer { accepted } => {
                // Answered once, in one tab: a second press (here or after another tab
                // answered) neither reaches the agent nor the page again.
                if !self.tabs.prompt_open || self.tabs.cobrowse_answered {
                    return;
                }
                self.tabs.cobrowse_answered = true;
                self.view.cobrowse_answered(accepted);
                self.emit(cobrowsing_answered(accepted));
                ToLeader::Cobrowse { accepted }
            }
            UiAction::Open | UiAction::Minimise => {
                self.view.open = action == UiAction::Open;
                return self.emit(if self.view.open {
                    HostEvent::Open
                } else {
                    HostEvent::Close
                });
            }
            UiAction::SubmitPrechat(values) => ToLeader::Prechat(values),
            UiAction::ChangeDepartment => ToLeader::ChangeDepartment,
            // Nothing of the chat is needed: this tab sends it itself.
            UiAction::SendOffline {
                name,
                email,
                message,
            } => return self.send_offline(name, email, message),
            UiAction::EmailTranscript(to) => ToLeader::EmailTranscript(to),
        };
        self.forward(message);
    }

    /// The leader's view for the other tabs; sent when it changed (or when asked).
    pub(super) fn send_view(&mut self, force: bool) {
        let view = LeaderView {
            phase: self.phase(),
            typing: self.view.typing(),
            agent: self.view.agent_name().map(str::to_owned),
            transcript: self.keep.saved_transcript.clone(),
            visitor_id: self.who.visitor_id.clone(),
            user: self.who.user.clone(),
            survey: self.view.survey().clone(),
            cobrowse: self.view.cobrowse(),
            prechat: self.prechat_state(),
            offer: self.transcript_offer(),
        };
        if !force && self.tabs.view_sent.as_ref() == Some(&view) {
            return;
        }
        self.out
            .tabs
            .push_back(TabMessage::ToFollowers(Box::new(view.clone())));
        self.tabs.view_sent = Some(view);
    }

    pub(super) fn tab_message(&mut self, message: TabMessage) {
        match (message, self.tabs.role) {
            (TabMessage::ToLeader(m), Role::Leader) => self.leader_handles(m),
            (TabMessage::ToFollowers(view), Role::Follower) => self.follow(*view),
            _ => {}
        }
    }

    /// A follower shows what the leader has.
    fn follow(&mut self, view: LeaderView) {
        let known: Vec<&str> = view
            .transcript
            .iter()
            .filter_map(|e| match e {
                SavedEntry::Message { id, .. } => Some(id.as_str()),
                SavedEntry::Notice(_) => None,
            })
            .collect();
        self.tabs
            .forwarded
            .retain(|(id, _)| !known.contains(&id.0.as_str()));
        self.view.sync(view.transcript);
        let at = self.now.wall_ms;
        for (id, text) in self.tabs.forwarded.clone() {
            // Still on its way to the leader: keep showing it.
            self.view
                .add_visitor_message(&id, &text, Some(at), MessageStatus::Sending);
        }
        self.tabs.mirrored = Some(view.phase);
        self.view.set_typing(view.typing);
        self.view.set_agent_name(view.agent);
        // The survey and the co-browsing prompt are the leader's too: answered in any tab,
        // answered in all.
        let mut survey = view.survey;
        if survey == SurveyState::Open && self.tabs.survey_answered {
            survey = self.view.survey().clone();
        } else {
            self.tabs.survey_answered = false;
        }
        let mut cobrowse = view.cobrowse;
        let requested = cobrowse == super::view::CobrowseState::Requested;
        self.tabs.prompt_open = requested;
        if requested && self.tabs.cobrowse_answered {
            cobrowse = self.view.cobrowse();
        } else {
            self.tabs.cobrowse_answered = false;
        }
        self.view.set_survey(survey);
        self.view.set_cobrowse(cobrowse);
        self.tabs.mirrored_forms = Some((view.prechat, view.offer));
        // The leader may have reset or tagged: the identity is the leader's.
        if !view.visitor_id.is_empty() {
            self.who.visitor_id = view.visitor_id;
        }
        self.who.user = view.user;
    }

    /// The leader carries out what a follower's visitor did.
    fn leader_handles(&mut self, m: ToLeader) {
        match m {
            ToLeader::Hello => self.send_view(true),
            ToLeader::Send { id, text, at } => {
                let at = at.unwrap_or(self.now.wall_ms);
                if self.accept_message(id, text, at) {
                    self.save();
                }
            }
            ToLeader::ChatState(state) => self.action(UiAction::ChatState(state)),
            ToLeader::End => self.action(UiAction::EndChat),
            ToLeader::NewChat => self.action(UiAction::StartNewChat),
            ToLeader::Survey { value, comment } => {
                self.action(UiAction::SurveyAnswer { value, comment })
            }
            ToLeader::Cobrowse { accepted } => {
                // Two tabs answering at once: the first answer counts. The tab where the
                // visitor answered has told its page already.
                self.answer_cobrowsing(accepted);
            }
            ToLeader::Reset => {
                self.reset();
                self.send_view(true);
            }
            ToLeader::Tag(user) => {
                // Validated in the follower's page already.
                let _ = self.tag(user);
                self.send_view(true);
            }
            ToLeader::Prechat(values) => self.action(UiAction::SubmitPrechat(values)),
            ToLeader::ChangeDepartment => self.action(UiAction::ChangeDepartment),
            ToLeader::EmailTranscript(to) => self.action(UiAction::EmailTranscript(to)),
            ToLeader::Greeting(greeting) => self.accept_greeting(greeting),
        }
    }

    /// The lock came to this tab: it now holds the chat. The storage is read again (the
    /// previous leader saved there) and the takeover continues in [`Session::take_over`].
    pub(super) fn become_leader(&mut self) {
        if self.tabs.role == Role::Leader {
            return;
        }
        self.tabs.role = Role::Leader;
        self.tabs.mirrored = None;
        self.tabs.mirrored_forms = None;
        self.keep.takeover = true;
        self.out.wants_storage = true;
    }

    /// Continues what the previous leader saved (the stream resumed), and sends what this tab
    /// had handed over and not seen confirmed.
    pub(super) fn take_over(&mut self) {
        let saved = self
            .keep
            .stored
            .get(CHAT_KEY)
            .and_then(SavedChat::from_json_text);
        match self.life.stage {
            Stage::Booting | Stage::Hidden => {}
            Stage::Loading => self.keep.restoring = saved,
            _ => {
                let entries = self
                    .keep
                    .stored
                    .get(TRANSCRIPT_KEY)
                    .map(saved::from_json_text)
                    .unwrap_or_default();
                self.view.sync(entries);
                let at = self.now.wall_ms;
                for (id, text) in std::mem::take(&mut self.tabs.forwarded) {
                    self.view
                        .add_visitor_message(&id, &text, Some(at), MessageStatus::Sending);
                }
                match saved {
                    Some(saved) => self.continue_saved(saved),
                    None => {
                        // The form's answers and a greeting the previous leader took.
                        let prechat = self.keep.stored.get(PRECHAT_KEY).map(str::to_owned);
                        self.prechat_loaded(prechat.as_deref());
                        self.requeue_saved_outbox();
                        if !self.outbox.queue.is_empty() && self.life.stage == Stage::Ready {
                            self.start_chat();
                        }
                        self.save();
                    }
                }
            }
        }
    }
}
