//! devserver's outbox: the mails it would send, kept and shown in the agent console instead of
//! sent. Today one kind: a copy of a chat's transcript for its visitor
//! (`POST chatsessions/{id}/transcript/email`, the campaign's `webchat.transcript`).
//!
//! What it does: checks the request against the campaign and the chat (an address given, or
//! the one the chat has from its pre-chat form or tagged user; at most [`MAX_PER_CHAT`] copies
//! per chat), writes the transcript as plain text with UTC times and names, keeps the mail (the
//! newest [`MAX_STORED`]) and lists them, newest first.
//! What it does not: check who asks (the Public API lets only the chat's own visitor call it,
//! see `access.rs`), talk SMTP, or translate: the mail is in English.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;
use webchat_protocol::api::{Sender, TranscriptMessage};
use webchat_protocol::forms::{self, FormError, TranscriptEmail, TranscriptEmailRequest};

use crate::hub::{Hub, HubEvent};
use crate::ids;

/// Most mails kept.
pub const MAX_STORED: usize = 1_000;
/// Most copies of one chat's transcript: the address is whatever the visitor types, so one
/// chat must not become a way to mail many strangers.
pub const MAX_PER_CHAT: u32 = 3;

/// One mail as devserver would send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mail {
    pub id: String,
    pub campaign_id: String,
    pub chatsession_id: String,
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub created_ms: u64,
}

/// The stored mails, oldest first.
#[derive(Debug, Default)]
pub struct Outbox {
    mails: VecDeque<Mail>,
}

/// Why a transcript was not mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailError {
    /// 404.
    UnknownSession,
    /// 409: the campaign's `webchat.transcript` is off.
    NotOffered,
    /// 400: no `email` given and the chat has no address.
    NoAddress,
    /// 400: the address breaks the forms' rules.
    Invalid(FormError),
    /// 429: [`MAX_PER_CHAT`] copies were sent already.
    TooMany,
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailError::UnknownSession => f.write_str("Not found"),
            MailError::NotOffered => {
                f.write_str("this campaign does not offer transcripts (webchat.transcript is off)")
            }
            MailError::NoAddress => f.write_str(
                "the chat has no email address: send {\"email\": \"…\"} to say where to",
            ),
            MailError::Invalid(e) => e.fmt(f),
            MailError::TooMany => write!(
                f,
                "this chat's transcript was sent {MAX_PER_CHAT} times already"
            ),
        }
    }
}

impl std::error::Error for MailError {}

impl Hub {
    /// Mails a copy of the chat's transcript (as it is now) to `req.email`, or to the address
    /// the chat has. The caller has checked that the chat's visitor asks.
    pub fn mail_transcript(
        &self,
        session_id: &str,
        req: TranscriptEmailRequest,
        now_ms: u64,
    ) -> Result<TranscriptEmail, MailError> {
        let (session, start, transcript) = {
            let inner = self.lock();
            let r = inner
                .sessions
                .get(session_id)
                .ok_or(MailError::UnknownSession)?;
            (r.session.clone(), r.start.clone(), r.transcript.clone())
        };
        let def = self
            .campaign_def(&session.campaign_id)
            .ok_or(MailError::UnknownSession)?;
        if !def.webchat.config.transcript {
            return Err(MailError::NotOffered);
        }
        let own = session
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .or_else(|| start.prechat.as_ref().and_then(|p| p.email.clone()));
        let to = req
            .email
            .or(own)
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .ok_or(MailError::NoAddress)?;
        forms::check_email(&to).map_err(MailError::Invalid)?;
        let visitor = session
            .user
            .as_ref()
            .map(|u| [u.firstname.as_str(), u.lastname.as_str()].join(" "))
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "You".to_owned());
        let mail = Mail {
            id: ids::random_id(16),
            campaign_id: def.id.clone(),
            chatsession_id: session.id.clone(),
            to,
            subject: format!("Your chat with {}", def.name),
            body: transcript_text(&def.name, &visitor, &transcript),
            created_ms: now_ms,
        };
        {
            let mut inner = self.lock();
            match inner.sessions.count_mail(session_id, MAX_PER_CHAT) {
                None => return Err(MailError::UnknownSession),
                Some(Err(_)) => return Err(MailError::TooMany),
                Some(Ok(_)) => {}
            }
            if inner.outbox.mails.len() == MAX_STORED {
                inner.outbox.mails.pop_front();
            }
            inner.outbox.mails.push_back(mail.clone());
        }
        self.emit(HubEvent::Inbox);
        Ok(TranscriptEmail {
            id: mail.id,
            chatsession_id: mail.chatsession_id,
            to: mail.to,
            created_ms: now_ms,
        })
    }

    /// The mails about these campaigns (`[]`: every campaign), newest first.
    pub fn outbox(&self, campaigns: &[String]) -> Vec<Mail> {
        self.lock()
            .outbox
            .mails
            .iter()
            .rev()
            .filter(|m| campaigns.is_empty() || campaigns.contains(&m.campaign_id))
            .cloned()
            .collect()
    }
}

/// The transcript as a mail body: a heading, then one line per message with its UTC time and
/// who wrote it. Message text is copied as it is (plain text, never HTML).
pub fn transcript_text(campaign: &str, visitor: &str, messages: &[TranscriptMessage]) -> String {
    let mut out = format!("Your chat with {campaign}\n");
    if let Some(first) = messages.iter().find(|m| m.timestamp > 0) {
        out.push_str(&format!("{} (times in UTC)\n", utc(first.timestamp).0));
    }
    out.push('\n');
    if messages.is_empty() {
        out.push_str("(no messages)\n");
    }
    for m in messages {
        let who = match m.from {
            Sender::Visitor => visitor,
            Sender::Agent => m.nick.as_deref().unwrap_or("Agent"),
        };
        if m.timestamp > 0 {
            out.push_str(&format!("[{}] ", utc(m.timestamp).1));
        }
        out.push_str(&format!("{who}: {}\n", m.body));
    }
    out
}

/// `(YYYY-MM-DD, hh:mm)` in UTC of milliseconds since the Unix epoch.
fn utc(ms: u64) -> (String, String) {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Days to a civil date (the proleptic Gregorian calendar, H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{h:02}:{m:02}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(from: Sender, nick: Option<&str>, body: &str, timestamp: u64) -> TranscriptMessage {
        TranscriptMessage {
            id: body.into(),
            from,
            nick: nick.map(str::to_owned),
            body: body.into(),
            timestamp,
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), ("1970-01-01".into(), "00:00".into()));
        // 2024-02-29 23:59:59.999 UTC, a leap day.
        assert_eq!(
            utc(1_709_251_199_999),
            ("2024-02-29".into(), "23:59".into())
        );
        assert_eq!(utc(1_767_225_600_000).0, "2026-01-01");
    }

    #[test]
    fn the_body_has_times_names_and_text_as_is() {
        let body = transcript_text(
            "Northwind",
            "Ana",
            &[
                msg(
                    Sender::Visitor,
                    None,
                    "Hello <b>there</b>",
                    1_767_225_600_000,
                ),
                msg(Sender::Agent, Some("James"), "Hi Ana!", 1_767_225_660_000),
                msg(Sender::Agent, None, "Bye", 0),
            ],
        );
        assert_eq!(
            body,
            "Your chat with Northwind\n2026-01-01 (times in UTC)\n\n\
             [00:00] Ana: Hello <b>there</b>\n[00:01] James: Hi Ana!\nAgent: Bye\n"
        );
        assert!(transcript_text("N", "You", &[]).ends_with("(no messages)\n"));
    }
}
