//! The offline form: while no agent can take a chat and the campaign has `displayOfflineForm`,
//! the visitor leaves a name, an email address and a message (`POST offlinemessages`).
//!
//! What it does: decides whether the form is shown ([`Session::offline_state`], computed after
//! every input), offers it the text the visitor had typed for a chat that turned out impossible
//! (messages marked failed: never lost), sends it with the chosen department, the visitor id and
//! the page, and tells how that went.
//!
//! What it does not: render the form or check it as the visitor types (the component does, with
//! the same rules), or decide availability (the lifecycle does).

use webchat_protocol::forms::{check_email, check_name, FormError, OfflineMessageRequest, PreChat};

use super::io::{HttpReply, Level, Method};
use super::saved::SavedEntry;
use super::view::{MessageStatus, OfflineState, Phase, SendError, Sender};
use super::{Purpose, Session};

/// The offline form's part of the state.
#[derive(Debug, Default)]
pub(crate) struct Offline {
    /// A message is on its way.
    pub sending: bool,
    /// The last attempt failed.
    pub error: Option<SendError>,
    /// A message was accepted (in this page view).
    pub sent: bool,
}

/// Each field's error in the offline form (all three are required), by the form rules the
/// backend applies again.
pub fn field_errors(name: &str, email: &str, message: &str) -> [Option<FormError>; 3] {
    let message = PreChat {
        message: Some(message.to_owned()),
        ..PreChat::default()
    };
    [
        check_name(name).err(),
        check_email(email).err(),
        message.check().err(),
    ]
}

/// What a failed form request amounts to, from its reply.
pub(crate) fn send_error(reply: &HttpReply) -> Option<SendError> {
    match reply {
        HttpReply::Failed(_) => Some(SendError::Network),
        HttpReply::Response { status, .. } => match status {
            200..=299 => None,
            400 | 413 => Some(SendError::Invalid),
            404 | 405 | 501 => Some(SendError::Unsupported),
            403 | 409 | 429 => Some(SendError::Refused),
            _ => Some(SendError::Network),
        },
    }
}

/// A reply's status for the console.
pub(crate) fn reply_status(reply: &HttpReply) -> String {
    match reply {
        HttpReply::Response { status, .. } => format!("HTTP {status}"),
        HttpReply::Failed(why) => why.clone(),
    }
}

impl Session {
    /// What the offline part of the window shows now.
    pub(super) fn offline_state(&self) -> OfflineState {
        let form = self.livechat().is_some_and(|c| c.display_offline_form);
        if !form || self.phase() != Phase::Offline {
            return OfflineState::Hidden;
        }
        if self.offline.sent {
            return OfflineState::Sent;
        }
        OfflineState::Form {
            draft: self.offline_draft(),
            sending: self.offline.sending,
            error: self.offline.error,
        }
    }

    /// The visitor's text that could not start a chat (failed messages of this chat), one
    /// message a line.
    fn offline_draft(&self) -> String {
        let failed: Vec<&str> = self
            .view
            .entries()
            .iter()
            .filter_map(|e| match e {
                SavedEntry::Message {
                    sender: Sender::Visitor,
                    status: MessageStatus::Failed,
                    earlier: false,
                    text,
                    ..
                } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        failed.join("\n")
    }

    /// The visitor sent the offline form.
    pub(super) fn send_offline(&mut self, name: String, email: String, message: String) {
        if !matches!(
            self.offline_state(),
            OfflineState::Form { sending: false, .. }
        ) {
            return;
        }
        let Some(campaign) = self.life.campaign.as_ref() else {
            return;
        };
        let request = OfflineMessageRequest {
            campaign_id: campaign.id.clone(),
            name: name.trim().to_owned(),
            email: email.trim().to_owned(),
            message: message.trim().to_owned(),
            department: self.chat_start().department,
            tracker_id: Some(self.tracker_id()),
            request_url: self.page_url.clone(),
        };
        if let Err(e) = request.check() {
            self.log(Level::Warn, format!("webchat: offline form refused: {e}"));
            self.offline.error = Some(SendError::Invalid);
            return;
        }
        let Ok(body) = serde_json::to_string(&request) else {
            return;
        };
        self.offline.sending = true;
        self.offline.error = None;
        self.request(
            Purpose::Offline,
            (Method::Post, "offlinemessages".into()),
            Vec::new(),
            Some(body),
        );
    }

    pub(super) fn offline_replied(&mut self, reply: HttpReply) {
        self.offline.sending = false;
        match send_error(&reply) {
            None => self.offline.sent = true,
            Some(e) => {
                self.log(
                    Level::Warn,
                    format!(
                        "webchat: the offline message was not accepted ({})",
                        reply_status(&reply)
                    ),
                );
                self.offline.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Option<SendError> {
        send_error(&HttpReply::Response {
            status,
            body: String::new(),
        })
    }

    #[test]
    fn every_field_is_required() {
        use webchat_protocol::forms::Field;
        assert_eq!(
            field_errors("Ana", "ana@example.com", "Line\nline"),
            [None, None, None]
        );
        assert_eq!(
            field_errors(" ", "ana@", "\n"),
            [
                Some(FormError::Required(Field::Name)),
                Some(FormError::InvalidEmail),
                Some(FormError::Required(Field::Message)),
            ]
        );
    }

    #[test]
    fn replies_map_to_what_the_visitor_can_do() {
        assert_eq!(status(201), None);
        assert_eq!(status(202), None);
        assert_eq!(status(400), Some(SendError::Invalid));
        assert_eq!(status(409), Some(SendError::Refused));
        assert_eq!(status(429), Some(SendError::Refused));
        assert_eq!(status(404), Some(SendError::Unsupported));
        assert_eq!(status(503), Some(SendError::Network));
        assert_eq!(status(408), Some(SendError::Network));
        assert_eq!(
            send_error(&HttpReply::Failed("offline".into())),
            Some(SendError::Network)
        );
    }
}
