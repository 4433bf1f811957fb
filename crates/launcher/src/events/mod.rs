//! What the widget tells the host page: one [`HostEvent`] enum (plain data, produced by the
//! session core too) and [`emit`], which dispatches it as a DOM `CustomEvent` named
//! `webchat:<name>` on the widget's host element ([`dom`]).
//!
//! The controller, the visibility rules and the embed API all report through here; the `CV.on`
//! API (in `embed`) listens on the host element and calls the page's handlers. This module does
//! not keep handlers or decide when something happens; it only names events and shapes their
//! `detail` objects.

mod dom;

pub use dom::{discard, dom_type, emit, hold, release};

/// Who sent a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The visitor typed it.
    Visitor,
    /// The agent sent it.
    Agent,
}

impl Direction {
    /// The `detail.direction` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Visitor => "visitor",
            Direction::Agent => "agent",
        }
    }
}

/// Who ended a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedBy {
    /// The visitor pressed "End chat" (or the page called reset/destroy).
    Visitor,
    /// The agent closed it.
    Agent,
    /// The agent blocked the visitor.
    Blocked,
}

impl EndedBy {
    /// The `detail.by` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Visitor => "visitor",
            EndedBy::Agent => "agent",
            EndedBy::Blocked => "blocked",
        }
    }
}

/// What happened to a proactive greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GreetingAction {
    /// The bubble appeared next to the launcher.
    Shown,
    /// The visitor closed it.
    Dismissed,
    /// The visitor opened the chat from it.
    Accepted,
}

impl GreetingAction {
    /// The `detail.action` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GreetingAction::Shown => "shown",
            GreetingAction::Dismissed => "dismissed",
            GreetingAction::Accepted => "accepted",
        }
    }
}

/// One thing the host page may want to know. The DOM event name is `webchat:` + [`HostEvent::name`].
#[derive(Clone, Debug, PartialEq)]
pub enum HostEvent {
    /// The campaign is loaded and the widget can be used.
    Ready,
    /// The chat window opened.
    Open,
    /// The chat window closed (minimised).
    Close,
    /// A chat session was created (`POST chatsessions` succeeded).
    ChatStarted {
        /// The chat session id.
        session_id: String,
    },
    /// The chat ended.
    ChatEnded {
        /// Who ended it.
        by: EndedBy,
    },
    /// A message was sent or received.
    Message {
        /// Who wrote it.
        direction: Direction,
        /// The sender's display name (the agent's nick, or the visitor's name or "visitor").
        sender: String,
        /// The text, exactly as typed (never HTML).
        text: String,
        /// The message's stable id.
        id: String,
    },
    /// The agent started or stopped typing.
    AgentTyping {
        /// True while the agent is composing.
        typing: bool,
    },
    /// The survey answer was sent (or changed).
    SurveySubmitted {
        /// The chosen option.
        result: String,
        /// The comment, when one was given.
        comment: Option<String>,
    },
    /// The agent asked to co-browse.
    CobrowsingRequested,
    /// The visitor accepted co-browsing.
    CobrowsingAccepted,
    /// The visitor declined co-browsing.
    CobrowsingDenied,
    /// The widget was shown or hidden.
    Visibility {
        /// Whether the launcher/window is now visible.
        visible: bool,
        /// Why: `"rule:<name>"` (the rule that decided), `"rules"` (all hold), `"default"` (no
        /// rules), `"invalid"`, `"rest"` (the operator's override), `"api"` (the page's
        /// show()/hide()), `"chat"` (a chat going on is never hidden).
        reason: String,
    },
    /// The number of agent messages not yet read changed (also as another tab read them, and
    /// once at start when a reload finds some).
    Unread {
        /// Messages not yet read; 0 once the window is opened.
        count: u32,
    },
    /// A proactive greeting was shown, dismissed or accepted.
    Greeting {
        /// The trigger's id (the campaign's `triggers`).
        id: String,
        /// What happened.
        action: GreetingAction,
    },
    /// Something went wrong that the page may want to log or report.
    Error {
        /// A clear, English message.
        message: String,
    },
}

impl HostEvent {
    /// The public event name (what `CV.on` takes).
    pub fn name(&self) -> &'static str {
        match self {
            HostEvent::Ready => "ready",
            HostEvent::Open => "open",
            HostEvent::Close => "close",
            HostEvent::ChatStarted { .. } => "chat:started",
            HostEvent::ChatEnded { .. } => "chat:ended",
            HostEvent::Message { .. } => "message",
            HostEvent::AgentTyping { .. } => "agent:typing",
            HostEvent::SurveySubmitted { .. } => "survey:submitted",
            HostEvent::CobrowsingRequested => "cobrowsing:requested",
            HostEvent::CobrowsingAccepted => "cobrowsing:accepted",
            HostEvent::CobrowsingDenied => "cobrowsing:denied",
            HostEvent::Visibility { .. } => "visibility",
            HostEvent::Unread { .. } => "unread",
            HostEvent::Greeting { .. } => "greeting",
            HostEvent::Error { .. } => "error",
        }
    }

    /// Every public event name, for validating `CV.on(name, …)`.
    pub const NAMES: [&'static str; 15] = [
        "ready",
        "open",
        "close",
        "chat:started",
        "chat:ended",
        "message",
        "agent:typing",
        "survey:submitted",
        "cobrowsing:requested",
        "cobrowsing:accepted",
        "cobrowsing:denied",
        "visibility",
        "unread",
        "greeting",
        "error",
    ];
}

/// The [`HostEvent::NAMES`] entry equal to `name`, if it is one (validates `CV.on(name, …)`).
pub fn known_name(name: &str) -> Option<&'static str> {
    HostEvent::NAMES.iter().copied().find(|n| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_documented_ones() {
        let all = [
            HostEvent::Ready,
            HostEvent::Open,
            HostEvent::Close,
            HostEvent::ChatStarted {
                session_id: "s".into(),
            },
            HostEvent::ChatEnded { by: EndedBy::Agent },
            HostEvent::Message {
                direction: Direction::Agent,
                sender: "Ana".into(),
                text: "hi".into(),
                id: "1".into(),
            },
            HostEvent::AgentTyping { typing: true },
            HostEvent::SurveySubmitted {
                result: "good".into(),
                comment: None,
            },
            HostEvent::CobrowsingRequested,
            HostEvent::CobrowsingAccepted,
            HostEvent::CobrowsingDenied,
            HostEvent::Visibility {
                visible: true,
                reason: "default".into(),
            },
            HostEvent::Unread { count: 2 },
            HostEvent::Greeting {
                id: "welcome".into(),
                action: GreetingAction::Shown,
            },
            HostEvent::Error {
                message: "x".into(),
            },
        ];
        let names: Vec<&str> = all.iter().map(HostEvent::name).collect();
        assert_eq!(names, HostEvent::NAMES);
        assert_eq!(dom_type(&HostEvent::Ready), "webchat:ready");
    }
}
