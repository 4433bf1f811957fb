//! What the visitor sees and does, as plain data: the vocabulary the session core and the view
//! model share.
//!
//! The core keeps its own copy of what is shown (in [`conversation`](super::conversation)) and
//! tells the view model every change as a [`ViewUpdate`](super::io::ViewUpdate) made of these
//! types; components send [`UiAction`]s back. Nothing here renders, stores or sends anything;
//! the serde forms are how the storage and the other tabs spell these types.

use serde::{Deserialize, Serialize};

/// Where the chat is in its life (what the composer and the header show).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

    /// The phase's name, as `chat.state()` and the serde form spell it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Offline => "offline",
            Phase::Idle => "idle",
            Phase::Connecting => "connecting",
            Phase::Chatting => "chatting",
            Phase::Reconnecting => "reconnecting",
            Phase::Ended => "ended",
            Phase::Blocked => "blocked",
        }
    }
}

/// A message's identity: the protocol's `uid`/`stanza-id`/`id` for agent messages, the
/// session's own id for the visitor's (also its stanza id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Shown at once, not yet on the wire.
    Sending,
    /// Handed to the server.
    Sent,
    /// Could not be delivered.
    Failed,
}

/// How a chat ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// The campaign's `conversationFinishedMessage`, after the chat ended (plain text).
    Finished {
        /// The campaign's text.
        text: String,
    },
}

/// What the visitor typed into the form before the chat (and the department chosen).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrechatValues {
    /// The name (when the form asks for it).
    pub name: String,
    /// The email address (when the form asks for it).
    pub email: String,
    /// "How can we help?": becomes the first message when given.
    pub message: String,
    /// The department's id (when the campaign has departments).
    pub department: Option<String>,
}

/// Which fields the form before the chat asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrechatFields {
    /// Name (required).
    pub name: bool,
    /// Email address (required).
    pub email: bool,
    /// "How can we help?" (optional).
    pub message: bool,
    /// The department (required).
    pub department: bool,
}

/// The form before the chat: the pre-chat form and the choice of department.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrechatState {
    /// No form: the first message starts the chat (none configured, or given already for a
    /// chat under way).
    #[default]
    Hidden,
    /// The form is shown instead of the composer, with what the visitor gave before.
    Open {
        /// The fields asked for.
        fields: PrechatFields,
        /// What to fill them with.
        values: PrechatValues,
    },
    /// Given: the first message starts the chat with it.
    Done {
        /// The department chosen, shown above the composer.
        department: Option<String>,
        /// The visitor may still choose another one (until the first message).
        can_switch: bool,
    },
}

/// Why a form could not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendError {
    /// No answer, or the server's trouble: worth trying again.
    Network,
    /// The backend refused what was typed (its form rules).
    Invalid,
    /// The backend does not take it now (the feature is off, the campaign inactive, too many
    /// copies).
    Refused,
    /// The backend has no such feature.
    Unsupported,
}

/// The offline form (no agent available, the campaign's `displayOfflineForm`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum OfflineState {
    /// Not shown: agents are available, or the campaign has no offline form.
    #[default]
    Hidden,
    /// The form, its message field offered `draft` (what the visitor had typed for a chat).
    Form {
        /// Text the visitor wrote before the chat turned out impossible.
        draft: String,
        /// Being sent: the form waits.
        sending: bool,
        /// The last attempt failed.
        error: Option<SendError>,
    },
    /// Accepted: the campaign's success message.
    Sent,
}

/// "Email me a copy" after the chat.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// Not asked for yet.
    #[default]
    Idle,
    /// On its way.
    Sending,
    /// Accepted, to this address.
    Sent {
        /// Where the copy goes.
        to: String,
    },
    /// The last attempt failed.
    Failed(SendError),
}

/// The transcript offer after the chat (the campaign's `transcript`).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptOffer {
    /// Not offered.
    #[default]
    Hidden,
    /// Offered: the download, and the copy by email.
    Shown {
        /// The address the chat already has (the pre-chat form's, the tagged user's).
        email: Option<String>,
        /// The copy by email.
        mail: EmailState,
    },
}

/// The post-chat survey.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// A chat state the visitor's side reports (XEP-0085, as the composer debounces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatState {
    /// Not typing (after sending or clearing the text).
    Active,
    /// Typing.
    Composing,
    /// Stopped typing without sending.
    Paused,
}

impl ChatState {
    /// The protocol's chat state.
    pub fn to_protocol(self) -> webchat_protocol::ChatState {
        match self {
            ChatState::Active => webchat_protocol::ChatState::Active,
            ChatState::Composing => webchat_protocol::ChatState::Composing,
            ChatState::Paused => webchat_protocol::ChatState::Paused,
        }
    }
}

/// Something the visitor did in the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiAction {
    /// Opened the window.
    Open,
    /// Minimised the window.
    Minimise,
    /// Sent a message (already trimmed, never empty).
    SendText(String),
    /// Asked to send a failed message again.
    Retry(MessageId),
    /// The visitor's chat state changed (debounced).
    ChatState(ChatState),
    /// Confirmed "End chat".
    EndChat,
    /// Asked for a new chat after the end.
    StartNewChat,
    /// Answered (or changed) the survey.
    SurveyAnswer {
        /// `good`, `moderate` or `bad`.
        value: String,
        /// The comment, when enabled and written.
        comment: Option<String>,
    },
    /// Answered the co-browsing prompt.
    CobrowseAnswer {
        /// True for accept.
        accepted: bool,
    },
    /// Sent the form before the chat (already checked by the form).
    SubmitPrechat(PrechatValues),
    /// Asked to choose another department (before the first message).
    ChangeDepartment,
    /// Sent the offline form (already checked by the form).
    SendOffline {
        /// The name.
        name: String,
        /// The email address.
        email: String,
        /// The message.
        message: String,
    },
    /// Asked for a copy of the chat by email (`None`: the address the chat has).
    EmailTranscript(Option<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names_are_the_serde_form() {
        for p in [
            Phase::Offline,
            Phase::Idle,
            Phase::Connecting,
            Phase::Chatting,
            Phase::Reconnecting,
            Phase::Ended,
            Phase::Blocked,
        ] {
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.name())
            );
            assert_eq!(
                serde_json::from_str::<Phase>(&format!("\"{}\"", p.name())).unwrap(),
                p
            );
        }
        assert!(serde_json::from_str::<Phase>("\"dancing\"").is_err());
    }
}
