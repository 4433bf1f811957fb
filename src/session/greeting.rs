//! A proactive greeting the visitor accepted (the launcher's bubble, one of the campaign's
//! `triggers`): the chat window shows it as the agent's first message, and the chat the
//! visitor's first message starts names its trigger as `greeting_trigger`.
//!
//! What it does: decides whether a greeting is taken — only with no chat under way (none
//! live, ended or being continued from storage, nothing written yet); shows it as a row of the
//! conversation (named with the greeting's agent name, or as the campaign's when it has none;
//! its text is text like every message), which the saved transcript then keeps like any row;
//! keeps the trigger for `POST chatsessions` ([`prechat`](super::prechat) stores it with the
//! form's answers, so a reload before the first message still names it). In a follower tab the
//! greeting goes to the leader, which holds the chat.
//!
//! What it does not: decide when a greeting is offered or which one (the launcher's
//! visibility rules), or read it from the page (the handoff does).

use serde::{Deserialize, Serialize};
use webchat_protocol::forms::{ChatStart, FormError};

use super::io::Level;
use super::lifecycle::Stage;
use super::saved::SavedEntry;
use super::tabs::ToLeader;
use super::Session;

/// Where a greeting row's id starts: no message id of a chat starts so (the visitor's are
/// `v…`, the agents' the server's), so it is never mistaken for one of them.
pub const ROW_PREFIX: &str = "greeting:";

/// A greeting the visitor accepted, as the handoff's `greeting({ id, message, agentName })`
/// gives it (serde's form is the same object, as the tabs pass it on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Greeting {
    /// The trigger's id (`greeting_trigger`).
    pub id: String,
    /// What the visitor read in the bubble: the agent's first message. Plain text.
    pub message: String,
    /// The name shown with it; `None` (or blank): the campaign speaks, no name.
    #[serde(default)]
    pub agent_name: Option<String>,
}

/// Why a greeting is not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GreetingError {
    /// The trigger id would be refused by `POST chatsessions`.
    Id(FormError),
    /// Nothing to show.
    EmptyMessage,
}

impl std::fmt::Display for GreetingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GreetingError::Id(e) => write!(f, "{e}"),
            GreetingError::EmptyMessage => f.write_str("its message is empty"),
        }
    }
}

impl Greeting {
    /// Checks what the chat relies on: an id the Public API takes, a message to show.
    pub fn check(&self) -> Result<(), GreetingError> {
        ChatStart {
            greeting_trigger: Some(self.id.clone()),
            ..ChatStart::default()
        }
        .check()
        .map_err(GreetingError::Id)?;
        if self.message.trim().is_empty() {
            return Err(GreetingError::EmptyMessage);
        }
        Ok(())
    }

    /// The name to show: `None` for a missing or blank one.
    fn name(&self) -> Option<&str> {
        self.agent_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }
}

impl Session {
    /// The visitor accepted `greeting`: the leader (or a tab alone) takes it, a follower
    /// passes it on.
    pub(super) fn greeting(&mut self, greeting: Greeting) {
        if self.follows() {
            self.forward(ToLeader::Greeting(greeting));
        } else {
            self.accept_greeting(greeting);
        }
    }

    /// Shows `greeting` as the first message and keeps its trigger for the chat's start, unless
    /// a chat is under way (then it is ignored, with a console line).
    pub(super) fn accept_greeting(&mut self, greeting: Greeting) {
        if let Err(e) = greeting.check() {
            return self.log(
                Level::Warn,
                format!("webchat: greeting `{}` ignored: {e}", greeting.id),
            );
        }
        if self.chat_under_way() {
            return self.log(
                Level::Info,
                format!(
                    "webchat: greeting `{}` ignored: a chat is under way",
                    greeting.id
                ),
            );
        }
        let id = [ROW_PREFIX, &greeting.id].concat();
        let at = Some(self.now.wall_ms);
        let shown = match greeting.name() {
            Some(name) => self
                .view
                .add_agent_message(&id, name, &greeting.message, at),
            None => self.view.add_system_message(&id, &greeting.message, at),
        };
        if shown {
            self.prechat.greeting = Some(greeting.id);
            self.store_prechat();
            self.save_next();
        }
    }

    /// Whether a greeting comes too late: a chat is live, ended or about to be continued from
    /// storage, or the visitor wrote already (a greeting shown counts too: the first one stays).
    fn chat_under_way(&self) -> bool {
        !matches!(self.life.stage, Stage::Loading | Stage::Ready)
            || self.keep.restoring.is_some()
            || self
                .view
                .entries()
                .iter()
                .any(|e| matches!(e, SavedEntry::Message { earlier: false, .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting(id: &str, message: &str, name: Option<&str>) -> Greeting {
        Greeting {
            id: id.into(),
            message: message.into(),
            agent_name: name.map(str::to_owned),
        }
    }

    #[test]
    fn test_simple() {
        let g: Greeting =
            serde_json::from_str(r#"{"id":"welcome","message":"Hi!","agentName":"Ana"}"#).unwrap();
        assert_eq!(g, greeting("welcome", "Hi!", Some("Ana")));
        assert_eq!(g.check(), Ok(()));
        let unnamed: Greeting =
            serde_json::from_str(r#"{"id":"w","message":"Hi","agentName":null}"#).unwrap();
        assert_eq!(unnamed.name(), None);
        assert_eq!(greeting("w", "Hi", Some("  ")).name(), None);
    }

    #[test]
    fn test_serialise() {
        let g = greeting("welcome", "<b>Hi</b>", None);
        let text = serde_json::to_string(&g).unwrap();
        assert_eq!(
            text,
            r#"{"id":"welcome","message":"<b>Hi</b>","agentName":null}"#
        );
        assert_eq!(serde_json::from_str::<Greeting>(&text).unwrap(), g);
    }

    #[test]
    fn test_invalid() {
        assert!(matches!(
            greeting("", "Hi", None).check(),
            Err(GreetingError::Id(_))
        ));
        assert!(matches!(
            greeting(&"x".repeat(65), "Hi", None).check(),
            Err(GreetingError::Id(_))
        ));
        assert!(matches!(
            greeting("a\u{0}b", "Hi", None).check(),
            Err(GreetingError::Id(_))
        ));
        assert_eq!(
            greeting("w", " \n ", None).check(),
            Err(GreetingError::EmptyMessage)
        );
        assert!(serde_json::from_str::<Greeting>(r#"{"id":"w"}"#).is_err());
    }
}
