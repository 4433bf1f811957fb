//! The chat as a readable text file, for the visitor to download after the chat: a title, then
//! one entry per message with its time and who wrote it, and the notices between them, in the
//! visitor's language.
//!
//! Pure: the rows, the language's names and the time formatting come in as arguments (the view
//! passes the browser's `Intl` formatting), so it is tested natively. Earlier chats (a tagged
//! user's history) are left out: the file is this chat's. Text stays text: nothing is escaped
//! or interpreted, the file is `text/plain`.

use super::saved::SavedEntry;
use super::{Notice, Sender};

/// What the file needs besides the rows.
pub struct Names<'a> {
    /// The first line (the catalogue's "Transcript: {title}" filled in).
    pub title: &'a str,
    /// How the visitor is named ("You").
    pub visitor: &'a str,
    /// How an agent without a nick or the system side is named.
    pub agent: &'a str,
}

/// The transcript of `entries` as plain text: `time` formats an instant (ms since the epoch),
/// `notice` says a notice in the visitor's language. Lines end with `\n`; a message's own line
/// breaks are kept, its later lines indented under the first.
pub fn render(
    entries: &[SavedEntry],
    names: &Names<'_>,
    time: &dyn Fn(u64) -> String,
    notice: &dyn Fn(&Notice) -> String,
) -> String {
    let mut out = String::new();
    out.push_str(names.title);
    out.push_str("\n\n");
    for entry in entries {
        match entry {
            SavedEntry::Message { earlier: true, .. } => {}
            SavedEntry::Message {
                sender,
                text,
                at_ms,
                ..
            } => {
                let who = match sender {
                    Sender::Visitor => names.visitor,
                    Sender::Agent { nick } if !nick.trim().is_empty() => nick.as_str(),
                    Sender::Agent { .. } | Sender::System => names.agent,
                };
                if let Some(at) = at_ms {
                    out.push('[');
                    out.push_str(&time(*at));
                    out.push_str("] ");
                }
                out.push_str(who);
                out.push_str(": ");
                let mut lines = text.lines();
                out.push_str(lines.next().unwrap_or_default());
                out.push('\n');
                for line in lines {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            SavedEntry::Notice(Notice::EarlierChat { .. }) => {}
            SavedEntry::Notice(n) => {
                out.push_str("— ");
                out.push_str(&notice(n));
                out.push_str(" —\n");
            }
        }
    }
    out
}

/// The file's name: `chat-` and the day `(year, month, day)` as `YYYY-MM-DD`, then `.txt`.
pub fn file_name(year: i64, month: u32, day: u32) -> String {
    format!("chat-{year:04}-{month:02}-{day:02}.txt")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EndedBy, MessageStatus};

    fn message(sender: Sender, text: &str, at: Option<u64>, earlier: bool) -> SavedEntry {
        SavedEntry::Message {
            id: text.into(),
            sender,
            text: text.into(),
            status: MessageStatus::Sent,
            at_ms: at,
            earlier,
        }
    }

    #[test]
    fn messages_with_times_and_names_and_notices_between() {
        let rows = vec![
            SavedEntry::Notice(Notice::EarlierChat { at_ms: Some(1) }),
            message(Sender::Visitor, "last week", Some(1), true),
            message(
                Sender::Visitor,
                "<b>Hi</b>\nsecond line",
                Some(60_000),
                false,
            ),
            message(
                Sender::Agent { nick: "Ana".into() },
                "Hello!",
                Some(120_000),
                false,
            ),
            message(Sender::Agent { nick: " ".into() }, "no nick", None, false),
            message(Sender::System, "A greeting", Some(180_000), false),
            SavedEntry::Notice(Notice::Ended(EndedBy::Agent)),
            SavedEntry::Notice(Notice::Finished {
                text: "Thanks!".into(),
            }),
        ];
        let names = Names {
            title: "Transcript: Chat with us",
            visitor: "You",
            agent: "Agent",
        };
        let text = render(
            &rows,
            &names,
            &|ms| format!("t{}", ms / 60_000),
            &|n| match n {
                Notice::Ended(_) => "The agent ended the chat.".into(),
                Notice::Finished { text } => text.clone(),
                _ => "?".into(),
            },
        );
        assert_eq!(
            text,
            "Transcript: Chat with us\n\n\
             [t1] You: <b>Hi</b>\n    second line\n\
             [t2] Ana: Hello!\n\
             Agent: no nick\n\
             [t3] Agent: A greeting\n\
             — The agent ended the chat. —\n\
             — Thanks! —\n"
        );
    }

    #[test]
    fn the_file_is_named_by_its_day() {
        assert_eq!(file_name(2026, 12, 5), "chat-2026-12-05.txt");
    }
}
