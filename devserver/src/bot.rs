//! The auto-agent (`--bot`): answers every visitor message in its chats and obeys
//! slash-commands typed by the visitor, for demos, end-to-end tests and the load benchmark.
//!
//! What it does: listens to the desk's visitor messages for chats whose current agent is the
//! bot and answers `You said: …`, or acts: `/close`, `/block`, `/transfer NAME`, `/away`,
//! `/back`, `/typing`, `/cobrowse`. A command that fails is answered with the reason.
//! What it does not: sign itself in (the server does, as agent [`crate::BOT_NICKNAME`]), or
//! answer chats transferred away from it.

use tokio::sync::broadcast::error::RecvError;

use crate::desk::{AgentAction, DeskEvent, Typing};
use crate::{App, BOT_NICKNAME};

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

/// Starts the bot's task; it ends with the server.
pub fn spawn(app: App) {
    let mut events = app.desk.subscribe();
    tokio::spawn(async move {
        loop {
            let ev = tokio::select! {
                ev = events.recv() => ev,
                () = crate::stopped(app.shutdown.clone()) => break,
            };
            match ev {
                Ok(DeskEvent::VisitorMessage {
                    session_id,
                    agent,
                    body,
                }) if agent == BOT_NICKNAME => {
                    for action in respond(&body) {
                        if let Err(e) = app.desk.act(&session_id, action) {
                            let why = AgentAction::Message {
                                body: format!("I could not do that: {e}"),
                            };
                            let _ = app.desk.act(&session_id, why);
                        }
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
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
