//! After the chat: the transcript offer (the campaign's `transcript`) and "email me a copy"
//! (`POST chatsessions/{id}/transcript/email`, as the chat's visitor). The campaign's closing
//! text is added where the chat ends ([`finished_text`](Session::finished_text)).
//!
//! What it does: decides whether the offer is shown ([`Session::transcript_offer`], computed
//! after every input), suggests the address the chat already has (the tagged user's, else the
//! pre-chat form's), sends the request and tells how it went; a backend without the endpoint
//! (404) leaves the download alone on offer.
//!
//! What it does not: make the downloadable file (the view renders what it shows, in the
//! browser) or check the address as it is typed (the component does, with the same rule).

use webchat_protocol::api;
use webchat_protocol::forms::{check_email, TranscriptEmailRequest};

use super::identity::visitor_proof;
use super::io::{encode_path, HttpReply, Level, Method};
use super::lifecycle::Stage;
use super::offline::{reply_status, send_error};
use super::view::{EmailState, SendError, TranscriptOffer};
use super::{Purpose, Session};

impl Session {
    /// Hands the view what the forms around the chat show now (after every input).
    pub(super) fn show_forms(&mut self) {
        let prechat = self.prechat_state();
        self.view.set_prechat(prechat);
        let offline = self.offline_state();
        self.view.set_offline(offline);
        let transcript = self.transcript_offer();
        self.view.set_transcript(transcript);
    }

    /// What the end of the chat offers now.
    pub(super) fn transcript_offer(&self) -> TranscriptOffer {
        if let Some((_, offer)) = self.followed_forms() {
            return offer.clone();
        }
        let on = self.livechat().is_some_and(|c| c.transcript);
        let over = self.life.stage == (Stage::Over { blocked: false });
        if !on || !over || self.link.session.is_none() {
            return TranscriptOffer::Hidden;
        }
        TranscriptOffer::Shown {
            email: self.known_email(),
            mail: self.mail.clone(),
        }
    }

    /// The address the chat has: the tagged user's, else the pre-chat form's.
    fn known_email(&self) -> Option<String> {
        self.who
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .or_else(|| self.prechat.given.as_ref().map(|g| g.email.clone()))
            .filter(|e| !e.is_empty())
    }

    /// The visitor asked for a copy by email (`to`: `None` for the address the chat has).
    pub(super) fn email_transcript(&mut self, to: Option<String>) {
        let TranscriptOffer::Shown { mail, .. } = self.transcript_offer() else {
            return;
        };
        if matches!(mail, EmailState::Sending | EmailState::Sent { .. }) {
            return;
        }
        let to = to.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(address) = &to {
            if let Err(e) = check_email(address) {
                self.log(
                    Level::Warn,
                    format!("webchat: transcript copy refused: {e}"),
                );
                self.mail = EmailState::Failed(SendError::Invalid);
                return;
            }
        }
        let Some(session) = self.link.session.as_ref() else {
            return;
        };
        let path = format!("chatsessions/{}/transcript/email", encode_path(&session.id));
        let proof = visitor_proof(Some(session));
        let body = serde_json::to_string(&TranscriptEmailRequest { email: to.clone() })
            .unwrap_or_else(|_| "{}".to_owned());
        self.mail = EmailState::Sending;
        self.mail_to = to.or_else(|| self.known_email());
        self.request(
            Purpose::TranscriptEmail,
            (Method::Post, path),
            proof,
            Some(body),
        );
    }

    pub(super) fn transcript_emailed(&mut self, reply: HttpReply) {
        if self.mail != EmailState::Sending {
            return;
        }
        // The other tabs show it too (the leader's view goes out with the save).
        self.save_next();
        self.mail = match send_error(&reply) {
            None => {
                // The backend says where it went; else where it was asked to go.
                let to = match &reply {
                    HttpReply::Response { body, .. } => {
                        api::from_json::<webchat_protocol::forms::TranscriptEmail>(body)
                            .ok()
                            .map(|m| m.to)
                    }
                    HttpReply::Failed(_) => None,
                };
                EmailState::Sent {
                    to: to.or_else(|| self.mail_to.clone()).unwrap_or_default(),
                }
            }
            Some(e) => {
                self.log(
                    Level::Warn,
                    format!(
                        "webchat: the transcript copy was not accepted ({})",
                        reply_status(&reply)
                    ),
                );
                EmailState::Failed(e)
            }
        };
    }

    /// A new chat: nothing of the last one's copy is left.
    pub(super) fn mail_reset(&mut self) {
        self.mail = EmailState::Idle;
        self.mail_to = None;
    }
}
