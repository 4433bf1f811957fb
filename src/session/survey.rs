//! The survey after the chat and the co-browsing prompt during it.
//!
//! The survey answer is shown at once and sent with `PATCH chatsessions/{id}`; it may be changed
//! and sent again (the backend keeps the last). A failure is one console warning: the chat is
//! over, nothing else depends on it. The co-browsing prompt shows when the agent asks (campaign
//! with co-browsing, chat under way); the first answer counts and goes to the agent once.

use webchat_protocol::api::{self, SurveyAnswer, SurveyPatch};

use super::identity::visitor_proof;
use super::io::{encode_path, HttpReply, Level, Method};
use super::view::CobrowseState;
use super::view::SurveyState;
use super::{Purpose, Session};
use crate::events::HostEvent;

impl Session {
    /// The visitor answered (or changed) the survey.
    pub(super) fn send_survey(&mut self, value: String, comment: Option<String>) {
        self.view.set_survey(SurveyState::Submitted {
            value: value.clone(),
            comment: comment.clone(),
        });
        let Some(session) = self.link.session.as_ref() else {
            self.log(
                Level::Warn,
                "webchat: no chat session; the survey was not sent",
            );
            return;
        };
        let path = format!("chatsessions/{}", encode_path(&session.id));
        let proof = visitor_proof(Some(session));
        let patch = SurveyPatch {
            survey: SurveyAnswer {
                result: value,
                message: comment.filter(|c| !c.trim().is_empty()),
            },
        };
        let body = api::to_json(&patch);
        self.emit(HostEvent::SurveySubmitted {
            result: patch.survey.result,
            comment: patch.survey.message,
        });
        self.request(Purpose::Survey, (Method::Patch, path), proof, Some(body));
    }

    pub(super) fn survey_saved(&mut self, reply: HttpReply) {
        let outcome = match reply {
            HttpReply::Response { status, body } => {
                api::check_status(status, &body).map_err(|e| e.to_string())
            }
            HttpReply::Failed(why) => Err(why),
        };
        if let Err(why) = outcome {
            self.log(
                Level::Warn,
                format!("webchat: the survey was not saved: {why}"),
            );
        }
    }

    /// The agent asks to co-browse: the prompt shows when the campaign has co-browsing and a
    /// chat is under way.
    pub(super) fn cobrowsing_requested(&mut self) {
        if self.has_cobrowsing() && self.phase().in_chat() {
            self.view.set_cobrowse(CobrowseState::Requested);
            self.emit(HostEvent::CobrowsingRequested);
        }
    }

    /// The visitor (here or in another tab) answered the prompt; false when no answer is
    /// wanted (none asked, or answered already).
    pub(super) fn answer_cobrowsing(&mut self, accepted: bool) -> bool {
        if self.view.cobrowse() != CobrowseState::Requested {
            return false;
        }
        self.view.cobrowse_answered(accepted);
        let now = self.now.at;
        if let Some(chat) = self.link.chat.as_mut() {
            if chat.answer_cobrowsing(accepted, now).is_err() {
                self.log(
                    Level::Warn,
                    "webchat: the chat has ended; the co-browsing answer was not sent",
                );
            }
            self.pump();
        }
        self.save();
        true
    }
}

/// The host event for a co-browsing answer.
pub(super) fn cobrowsing_answered(accepted: bool) -> HostEvent {
    if accepted {
        HostEvent::CobrowsingAccepted
    } else {
        HostEvent::CobrowsingDenied
    }
}
