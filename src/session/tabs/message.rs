//! What the tabs of one visitor tell each other, typed: a follower's request to the leader
//! ([`ToLeader`]) or the leader's view for the followers ([`LeaderView`]), one JSON object per
//! message on the `BroadcastChannel` (serde's form of [`TabMessage`]).
//!
//! ```text
//! {"leader":{"send":{"id":"v…","text":"hi","at":1764900000000}}}
//! {"leader":"hello"}
//! {"followers":{"phase":"chatting","typing":false,"agent":"Ana","transcript":[…],
//!  "visitor_id":"…","user":null,"survey":"hidden","cobrowse":"idle","prechat":"hidden",
//!  "offer":"hidden"}}
//! ```
//!
//! Anything that does not read as one of these is dropped (a tab of another version, say).

use serde::{Deserialize, Deserializer, Serialize};

use crate::session::forms;
use crate::session::greeting::Greeting;
use crate::session::identity::{as_tagged_user, option_as_tagged_user, UserInfo};
use crate::session::saved::SavedEntry;
use crate::session::view::{
    ChatState, CobrowseState, MessageId, Phase, PrechatState, PrechatValues, SurveyState,
    TranscriptOffer,
};

/// One message between the tabs. (serde's external tagging throughout: the readers need no
/// buffering code.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TabMessage {
    /// From a follower to the leader.
    #[serde(rename = "leader")]
    ToLeader(ToLeader),
    /// From the leader to every follower (boxed: a whole conversation).
    #[serde(rename = "followers")]
    ToFollowers(Box<LeaderView>),
}

/// What a follower's visitor did, for the leader to carry out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToLeader {
    /// A new follower asks for the view.
    Hello,
    /// Send this message (shown in the follower since `at`; `None` for a retry).
    Send {
        /// Its id (also its stanza id).
        #[serde(deserialize_with = "message_id")]
        id: MessageId,
        /// The text.
        text: String,
        /// When it was written.
        at: Option<u64>,
    },
    /// The visitor's chat state.
    ChatState(ChatState),
    /// End the chat.
    End,
    /// Start a new chat after the end.
    NewChat,
    /// The survey answer.
    Survey {
        /// The option.
        value: String,
        /// The comment.
        comment: Option<String>,
    },
    /// The co-browsing answer.
    Cobrowse {
        /// Allowed.
        accepted: bool,
    },
    /// `CV.user.reset()` in the follower's page.
    Reset,
    /// `CV.user.tag(user)` in the follower's page (validated there).
    Tag(#[serde(with = "as_tagged_user")] UserInfo),
    /// The form before the chat was sent (checked there).
    Prechat(PrechatValues),
    /// Another department, please.
    ChangeDepartment,
    /// A copy of the chat by email (`None`: the address the chat has).
    EmailTranscript(Option<String>),
    /// The visitor accepted a proactive greeting in the follower's page.
    Greeting(Greeting),
}

/// What the leader shows, for the followers to show the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderView {
    /// The phase.
    pub phase: Phase,
    /// The agent is typing.
    pub typing: bool,
    /// The agent's name.
    pub agent: Option<String>,
    /// The conversation as last saved (carried here: another tab may see the storage write
    /// later than this message).
    pub transcript: Vec<SavedEntry>,
    /// The visitor id (the leader may have reset).
    pub visitor_id: String,
    /// The tagged user (the leader may have tagged).
    #[serde(with = "option_as_tagged_user")]
    pub user: Option<UserInfo>,
    /// The survey.
    pub survey: SurveyState,
    /// The co-browsing prompt.
    pub cobrowse: CobrowseState,
    /// The form before the chat (a leader of a version without the forms: none shown).
    #[serde(default)]
    pub prechat: PrechatState,
    /// The transcript offer after the chat.
    #[serde(default)]
    pub offer: TranscriptOffer,
}

impl TabMessage {
    /// The message as JSON text.
    pub fn encode(&self) -> String {
        webchat_protocol::api::to_json(self)
    }

    /// Reads what [`TabMessage::encode`] wrote; `None` for anything else.
    pub fn decode(text: &str) -> Option<TabMessage> {
        webchat_protocol::api::from_json(text).ok()
    }
}

/// A message id that is not empty.
fn message_id<'de, D: Deserializer<'de>>(d: D) -> Result<MessageId, D::Error> {
    forms::non_empty(d).map(MessageId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::view::{EmailState, MessageStatus, PrechatFields, SendError, Sender};

    fn user() -> UserInfo {
        UserInfo::from_json(&serde_json::json!({
            "email": "ana@x.example", "firstname": "Ana", "id": 7, "labels": ["vip"]
        }))
        .unwrap()
    }

    #[test]
    fn every_message_round_trips() {
        let requests = [
            ToLeader::Hello,
            ToLeader::Send {
                id: "v1".into(),
                text: "hi \"there\"".into(),
                at: Some(5),
            },
            ToLeader::Send {
                id: "v1".into(),
                text: "again".into(),
                at: None,
            },
            ToLeader::ChatState(ChatState::Composing),
            ToLeader::End,
            ToLeader::NewChat,
            ToLeader::Survey {
                value: "good".into(),
                comment: None,
            },
            ToLeader::Cobrowse { accepted: true },
            ToLeader::Reset,
            ToLeader::Tag(user()),
            ToLeader::Prechat(PrechatValues {
                name: "Ana".into(),
                email: "ana@x.example".into(),
                message: "<b>beans?</b>".into(),
                department: Some("orders".into()),
            }),
            ToLeader::ChangeDepartment,
            ToLeader::EmailTranscript(None),
            ToLeader::EmailTranscript(Some("ana@x.example".into())),
            ToLeader::Greeting(Greeting {
                id: "welcome".into(),
                message: "<b>Hi</b>".into(),
                agent_name: None,
            }),
        ];
        for r in requests {
            let m = TabMessage::ToLeader(r);
            assert_eq!(TabMessage::decode(&m.encode()), Some(m.clone()), "{m:?}");
        }
        let forms = [
            (PrechatState::Hidden, TranscriptOffer::Hidden),
            (
                PrechatState::Open {
                    fields: PrechatFields {
                        name: true,
                        email: false,
                        message: true,
                        department: true,
                    },
                    values: PrechatValues::default(),
                },
                TranscriptOffer::Shown {
                    email: None,
                    mail: EmailState::Failed(SendError::Refused),
                },
            ),
            (
                PrechatState::Done {
                    department: Some("orders".into()),
                    can_switch: true,
                },
                TranscriptOffer::Shown {
                    email: Some("a@b.c".into()),
                    mail: EmailState::Sent { to: "a@b.c".into() },
                },
            ),
        ];
        for (survey, (prechat, offer)) in [
            SurveyState::Hidden,
            SurveyState::Open,
            SurveyState::Submitted {
                value: "bad".into(),
                comment: Some("slow \"answers\"".into()),
            },
        ]
        .into_iter()
        .zip(forms)
        {
            let view = TabMessage::ToFollowers(Box::new(LeaderView {
                phase: Phase::Chatting,
                typing: true,
                agent: Some("Ana".into()),
                transcript: vec![SavedEntry::Message {
                    id: "v1".into(),
                    sender: Sender::Visitor,
                    text: "hi".into(),
                    status: MessageStatus::Sending,
                    at_ms: Some(1),
                    earlier: false,
                }],
                visitor_id: "abc".into(),
                user: Some(user()),
                survey,
                cobrowse: CobrowseState::Requested,
                prechat,
                offer,
            }));
            assert_eq!(TabMessage::decode(&view.encode()), Some(view.clone()));
        }
    }

    #[test]
    fn the_wire_form_is_the_documented_one() {
        let send = TabMessage::ToLeader(ToLeader::Send {
            id: "v1".into(),
            text: "hi".into(),
            at: Some(5),
        });
        assert_eq!(
            send.encode(),
            r#"{"leader":{"send":{"id":"v1","text":"hi","at":5}}}"#
        );
        assert_eq!(
            TabMessage::ToLeader(ToLeader::ChatState(ChatState::Paused)).encode(),
            r#"{"leader":{"chat_state":"paused"}}"#
        );
        assert_eq!(
            TabMessage::ToLeader(ToLeader::Hello).encode(),
            r#"{"leader":"hello"}"#
        );
    }

    #[test]
    fn anything_else_is_dropped() {
        for bad in [
            "",
            "nope",
            "{}",
            r#"{"leader":{}}"#,
            r#"{"leader":"dance"}"#,
            r#"{"leader":{"send":{"id":"","text":"x"}}}"#,
            r#"{"leader":{"chat_state":"sleeping"}}"#,
            r#"{"leader":{"tag":{"email":"not an email"}}}"#,
            r#"{"followers":"{}"}"#,
            r#"{"followers":{"phase":"dancing"}}"#,
            r#"{"everyone":"hello"}"#,
        ] {
            assert_eq!(TabMessage::decode(bad), None, "{bad}");
        }
    }
}
