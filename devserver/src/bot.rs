//! The auto-agent (`--bot`): answers every visitor message in its chats and obeys
//! slash-commands typed by the visitor, for demos, end-to-end tests and the load benchmark.
//!
//! What it does: is the desk's in-process responder ([`install`]): for each visitor message in
//! a chat whose current agent is the bot it answers `You said: …`, or acts: `/close`,
//! `/block`, `/transfer NAME`, `/away`, `/back`, `/typing`, `/cobrowse`. A command that fails
//! is answered with the reason. It runs inline on the task that delivered the message.
//! What it does not: sign itself in (the server does, as agent [`crate::BOT_NICKNAME`]), or
//! answer chats transferred away from it.

use std::sync::Arc;

use crate::desk::{AgentAction, Desk, DeskEvent, Typing};
use crate::BOT_NICKNAME;

/// What the bot does for one visitor message.
pub fn respond(body: &str) -> Vec<AgentAction> {
    let text = body.trim();
    let (cmd, arg) = match text.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (text, ""),
    };
    match cmd {
        "/close" => vec![AgentAction::Close],
        "/block" => vec![AgentAction::Block],
        "/transfer" if !arg.is_empty() => vec![AgentAction::Transfer { to: arg.to_owned() }],
        "/away" => vec![AgentAction::Away],
        "/back" => vec![AgentAction::Back],
        "/typing" => vec![AgentAction::Typing {
            state: Typing::Composing,
        }],
        "/cobrowse" => vec![AgentAction::Cobrowse],
        _ => vec![AgentAction::Message {
            body: format!("You said: {text}"),
        }],
    }
}

/// Makes the bot the desk's in-process responder: it answers on the task that delivered the
/// visitor's message (see [`crate::desk::Responder`] for why not a task of its own).
pub fn install(desk: &Desk) {
    desk.set_responder(Arc::new(|desk: &Desk, ev: &DeskEvent| {
        let DeskEvent::VisitorMessage {
            session_id,
            agent,
            body,
        } = ev;
        if agent != BOT_NICKNAME {
            return;
        }
        for action in respond(body) {
            if let Err(e) = desk.act(session_id, action) {
                let why = AgentAction::Message {
                    body: format!("I could not do that: {e}"),
                };
                let _ = desk.act(session_id, why);
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_echo() {
        assert_eq!(respond(" /close "), vec![AgentAction::Close]);
        assert_eq!(
            respond("/transfer  ann"),
            vec![AgentAction::Transfer { to: "ann".into() }]
        );
        assert_eq!(
            respond("/transfer"),
            vec![AgentAction::Message {
                body: "You said: /transfer".into()
            }]
        );
        assert_eq!(
            respond("hi <b>"),
            vec![AgentAction::Message {
                body: "You said: hi <b>".into()
            }]
        );
        assert_eq!(respond("/cobrowse"), vec![AgentAction::Cobrowse]);
    }
}
