//! The visitor's messages from the moment they are typed to the moment they are sent.
//!
//! A message is shown at once as "sending" under an id chosen once (`v` + 16 hex digits) that
//! is also its stanza id, so a reload re-sends it under the same id and the archive's copy and
//! the acknowledgement are recognised. It waits in the queue while there is no chat (loading,
//! starting, reconnecting), goes out in order once there is, and becomes "sent" when the chat
//! reports it delivered; one the server sends back because the agent had no session shows as
//! on its way again until the chat has sent it again. What cannot go out is marked failed with
//! its text kept for Retry.
//! Visitor rows saved as `sending` are the queue of a reloaded page. The composer's chat state
//! (XEP-0085) goes to the chat from here too.

use super::small_map::SmallMap;

use super::conversation::Conversation;
use super::lifecycle::Stage;
use super::saved::SavedEntry;
use super::view::{MessageId, MessageStatus, Sender};
use super::Session;
use crate::events::{Direction, HostEvent};

/// The messages not yet known to be sent.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    /// Waiting for the chat to exist, in order.
    pub queue: Vec<(MessageId, String)>,
    /// Handed to the chat, by stanza id, until delivered.
    in_flight: SmallMap<String, MessageId>,
    /// Every text not yet confirmed sent (for Retry).
    texts: SmallMap<MessageId, String>,
}

impl Outbox {
    /// Forgets everything (a new chat, a new visitor).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.in_flight.clear();
        self.texts.clear();
    }

    /// Queued messages the saved stream had already sent (`handed`, by stanza id) are the
    /// resumed stream's to re-send: they wait for delivery instead of going out again.
    pub fn hand_over(&mut self, handed: &[String]) {
        let in_flight = &mut self.in_flight;
        self.queue.retain(|(id, _)| {
            if handed.contains(&id.0) {
                in_flight.insert(id.0.clone(), id.clone());
                false
            } else {
                true
            }
        });
    }

    /// The chat could not go on: what was handed to it is marked failed.
    pub fn fail_in_flight(&mut self, view: &mut Conversation) {
        for (_, id) in self.in_flight.drain() {
            view.set_status(&id, MessageStatus::Failed);
        }
    }
}

impl Session {
    /// Hands the visitor's chat state to the chat (ignored without one).
    pub(super) fn tell_chat_state(&mut self, state: super::view::ChatState) {
        let now = self.now.at;
        if let Some(chat) = self.link.chat.as_mut() {
            chat.set_chat_state(state.to_protocol(), now);
            self.pump();
        }
    }

    /// The visitor sent `text`.
    pub(super) fn send_text(&mut self, text: String) {
        if matches!(self.life.stage, Stage::Hidden | Stage::Over { .. }) {
            return;
        }
        let id = self.new_message_id();
        let at = Some(self.now.wall_ms);
        self.view
            .add_visitor_message(&id, &text, at, MessageStatus::Sending);
        self.outbox.texts.insert(id.clone(), text.clone());
        let sender = self
            .who
            .user
            .as_ref()
            .map(|u| u.firstname.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "visitor".to_owned());
        let event = HostEvent::Message {
            direction: Direction::Visitor,
            sender,
            text: text.clone(),
            id: id.0.clone(),
        };
        // On its way first: the page's listeners run inside the event's dispatch.
        self.submit(id, text);
        self.emit(event);
    }

    /// A message another tab showed (`at`: when it was written there) is this tab's to send;
    /// false when it is known already (a repeat).
    pub(super) fn accept_message(&mut self, id: MessageId, text: String, at: u64) -> bool {
        if self.outbox.texts.contains_key(&id)
            || !self
                .view
                .add_visitor_message(&id, &text, Some(at), MessageStatus::Sending)
        {
            return false;
        }
        if matches!(self.life.stage, Stage::Hidden | Stage::Over { .. }) {
            self.view.set_status(&id, MessageStatus::Failed);
        } else {
            self.outbox.texts.insert(id.clone(), text.clone());
            self.submit(id, text);
        }
        true
    }

    /// Hands a shown message to the chat, or queues it (and starts a chat when there is none).
    fn submit(&mut self, id: MessageId, text: String) {
        self.view.set_status(&id, MessageStatus::Sending);
        match self.life.stage {
            Stage::Live(_) => self.send_now(id, text),
            Stage::Ready => {
                self.outbox.queue.push((id, text));
                self.start_chat();
            }
            Stage::Booting | Stage::Loading | Stage::Starting => self.outbox.queue.push((id, text)),
            Stage::Hidden | Stage::Over { .. } => {
                self.view.set_status(&id, MessageStatus::Failed);
            }
        }
    }

    fn send_now(&mut self, id: MessageId, text: String) {
        let now = self.now.at;
        let Some(chat) = self.link.chat.as_mut() else {
            self.outbox.queue.push((id, text));
            return;
        };
        match chat.send_message_with_id(&id.0, &text, now) {
            Ok(()) => {
                self.outbox.in_flight.insert(id.0.clone(), id);
                self.pump();
            }
            Err(_) => {
                self.view.set_status(&id, MessageStatus::Failed);
            }
        }
    }

    /// Everything queued goes to the chat, in order.
    pub(super) fn send_outbox(&mut self) {
        for (id, text) in std::mem::take(&mut self.outbox.queue) {
            self.send_now(id, text);
        }
    }

    /// Retry on a failed message.
    pub(super) fn retry_message(&mut self, id: MessageId) {
        if let Some(text) = self.outbox.texts.get(&id).cloned() {
            if self.phase().can_write() {
                self.submit(id, text);
            }
        }
    }

    /// The chat reported the message with this stanza id delivered.
    pub(super) fn outbox_delivered(&mut self, stanza_id: &str) {
        if let Some(id) = self.outbox.in_flight.remove(stanza_id) {
            self.outbox.texts.remove(&id);
            self.view.set_status(&id, MessageStatus::Sent);
        }
    }

    /// Our message `stanza_id` came back (the agent had no session): the chat sends it again
    /// when the agent is back, so it shows as on its way until delivered again. Saved as
    /// `sending`, a reload sends it again too.
    pub(super) fn outbox_awaiting_agent(&mut self, stanza_id: &str) {
        let id = MessageId::from(stanza_id);
        let ours = self.view.entries().iter().any(|e| {
            matches!(e, SavedEntry::Message { id: have, sender: Sender::Visitor, .. } if *have == id.0)
        });
        if ours {
            self.outbox
                .in_flight
                .insert(stanza_id.to_owned(), id.clone());
            self.view.set_status(&id, MessageStatus::Sending);
        }
    }

    /// Marks every message that has not gone out as failed (text kept, retry offered).
    pub(super) fn fail_waiting(&mut self) {
        for (id, _) in std::mem::take(&mut self.outbox.queue) {
            self.view.set_status(&id, MessageStatus::Failed);
        }
    }

    /// Visitor messages shown as `sending` are the outbox (a reload, a takeover): queued once,
    /// in order; failed ones can be retried.
    pub(super) fn requeue_saved_outbox(&mut self) {
        let shown: Vec<(MessageId, String, MessageStatus)> = self
            .view
            .entries()
            .iter()
            .filter_map(|e| match e {
                SavedEntry::Message {
                    id,
                    sender: Sender::Visitor,
                    text,
                    status,
                    ..
                } => Some((MessageId(id.clone()), text.clone(), *status)),
                _ => None,
            })
            .collect();
        for (id, text, status) in shown {
            if self.outbox.texts.contains_key(&id) {
                continue;
            }
            match status {
                MessageStatus::Sending => {
                    self.outbox.texts.insert(id.clone(), text.clone());
                    self.outbox.queue.push((id, text));
                }
                MessageStatus::Failed => {
                    self.outbox.texts.insert(id, text);
                }
                MessageStatus::Sent => {}
            }
        }
    }
}
