//! What the tabs of one visitor tell each other, typed: a follower's request to the leader
//! ([`ToLeader`]) or the leader's view for the followers ([`LeaderView`]), one JSON object per
//! message on the `BroadcastChannel`.
//!
//! ```text
//! {"to":"leader","a":"send","id":"v…","text":"hi","at":1764900000000}
//! {"to":"followers","view":{"phase":"chatting","typing":false,"agent":"Ana","transcript":[…],
//!   "visitor_id":"…","user":null,"survey":null,"cobrowse":"idle","prechat":null,"offer":null}}
//! ```
//!
//! Anything that does not read as one of these is dropped (a tab of another version, say).

use webchat_protocol::api::TaggedUser;
// The `json` module and the `json!` macro.
use webchat_protocol::json;
use webchat_protocol::json::{FromJson, ToJson, Value};

use crate::session::identity::UserInfo;
use crate::session::saved::{self, SavedEntry};
use crate::session::view::{
    ChatState, CobrowseState, EmailState, MessageId, Phase, PrechatFields, PrechatState,
    PrechatValues, SendError, SurveyState, TranscriptOffer,
};

/// One message between the tabs.
#[derive(Clone, Debug, PartialEq)]
pub enum TabMessage {
    /// From a follower to the leader.
    ToLeader(ToLeader),
    /// From the leader to every follower (boxed: a whole conversation).
    ToFollowers(Box<LeaderView>),
}

/// What a follower's visitor did, for the leader to carry out.
#[derive(Clone, Debug, PartialEq)]
pub enum ToLeader {
    /// A new follower asks for the view.
    Hello,
    /// Send this message (shown in the follower since `at`; `None` for a retry).
    Send {
        /// Its id (also its stanza id).
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
    Tag(UserInfo),
    /// The form before the chat was sent (checked there).
    Prechat(PrechatValues),
    /// Another department, please.
    ChangeDepartment,
    /// A copy of the chat by email (`None`: the address the chat has).
    EmailTranscript(Option<String>),
}

/// What the leader shows, for the followers to show the same.
#[derive(Clone, Debug, PartialEq)]
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
    pub user: Option<UserInfo>,
    /// The survey.
    pub survey: SurveyState,
    /// The co-browsing prompt.
    pub cobrowse: CobrowseState,
    /// The form before the chat.
    pub prechat: PrechatState,
    /// The transcript offer after the chat.
    pub offer: TranscriptOffer,
}

impl TabMessage {
    /// The message as JSON text.
    pub fn encode(&self) -> String {
        match self {
            TabMessage::ToLeader(m) => m.to_json().to_string(),
            TabMessage::ToFollowers(view) => {
                json!({"to": "followers", "view": view.to_json()}).to_string()
            }
        }
    }

    /// Reads what [`TabMessage::encode`] wrote; `None` for anything else.
    pub fn decode(text: &str) -> Option<TabMessage> {
        let v = json::parse(text).ok()?;
        match v.get("to")?.as_str()? {
            "leader" => ToLeader::from_json(&v).map(TabMessage::ToLeader),
            "followers" => LeaderView::from_json(v.get("view")?)
                .map(|view| TabMessage::ToFollowers(Box::new(view))),
            _ => None,
        }
    }
}

fn user_to_json(user: &UserInfo) -> Value {
    user.to_api().to_json()
}

fn user_from_json(v: &Value) -> Option<UserInfo> {
    UserInfo::from_api(TaggedUser::from_json(v).ok()?)
}

impl ToLeader {
    fn to_json(&self) -> Value {
        let with = |a: &str, mut fields: Value| {
            if let Value::Object(m) = &mut fields {
                m.insert("to".into(), "leader".into());
                m.insert("a".into(), a.into());
            }
            fields
        };
        match self {
            ToLeader::Hello => with("hello", json!({})),
            ToLeader::Send { id, text, at } => {
                with("send", json!({"id": id.0, "text": text, "at": at}))
            }
            ToLeader::ChatState(s) => with("chat_state", json!({"s": s.name()})),
            ToLeader::End => with("end", json!({})),
            ToLeader::NewChat => with("new_chat", json!({})),
            ToLeader::Survey { value, comment } => {
                with("survey", json!({"value": value, "comment": comment}))
            }
            ToLeader::Cobrowse { accepted } => with("cobrowse", json!({"accepted": accepted})),
            ToLeader::Reset => with("reset", json!({})),
            ToLeader::Tag(user) => {
                let mut v = json!({});
                if let Value::Object(m) = &mut v {
                    m.insert("user".into(), user_to_json(user));
                }
                with("tag", v)
            }
            ToLeader::Prechat(values) => with("prechat", values_to_json(values)),
            ToLeader::ChangeDepartment => with("department", json!({})),
            ToLeader::EmailTranscript(to) => with("email", json!({ "address": to })),
        }
    }

    fn from_json(v: &Value) -> Option<ToLeader> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(match v.get("a")?.as_str()? {
            "hello" => ToLeader::Hello,
            "send" => ToLeader::Send {
                id: MessageId(text("id").filter(|i| !i.is_empty())?),
                text: text("text")?,
                at: v.get("at").and_then(Value::as_u64),
            },
            "chat_state" => ToLeader::ChatState(match v.get("s")?.as_str()? {
                "active" => ChatState::Active,
                "composing" => ChatState::Composing,
                "paused" => ChatState::Paused,
                _ => return None,
            }),
            "end" => ToLeader::End,
            "new_chat" => ToLeader::NewChat,
            "survey" => ToLeader::Survey {
                value: text("value")?,
                comment: text("comment"),
            },
            "cobrowse" => ToLeader::Cobrowse {
                accepted: v.get("accepted")?.as_bool()?,
            },
            "reset" => ToLeader::Reset,
            "tag" => ToLeader::Tag(user_from_json(v.get("user")?)?),
            "prechat" => ToLeader::Prechat(values_from_json(v)?),
            "department" => ToLeader::ChangeDepartment,
            "email" => ToLeader::EmailTranscript(text("address")),
            _ => return None,
        })
    }
}

/// The survey as the tabs tell it each other: `null`, `"open"` or `{value, comment}`.
fn survey_to_json(survey: &SurveyState) -> Value {
    match survey {
        SurveyState::Hidden => Value::Null,
        SurveyState::Open => "open".into(),
        SurveyState::Submitted { value, comment } => {
            json!({"value": value, "comment": comment})
        }
    }
}

fn survey_from_json(v: &Value) -> Option<SurveyState> {
    match (v, v.as_str(), v.get("value").and_then(Value::as_str)) {
        (Value::Null, _, _) => Some(SurveyState::Hidden),
        (_, Some("open"), _) => Some(SurveyState::Open),
        (_, _, Some(value)) => Some(SurveyState::Submitted {
            value: value.to_owned(),
            comment: v.get("comment").and_then(Value::as_str).map(str::to_owned),
        }),
        _ => None,
    }
}

fn values_to_json(v: &PrechatValues) -> Value {
    json!({"name": &v.name, "email": &v.email, "message": &v.message, "department": &v.department})
}

fn values_from_json(v: &Value) -> Option<PrechatValues> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(PrechatValues {
        name: text("name")?,
        email: text("email")?,
        message: text("message")?,
        department: text("department"),
    })
}

/// The form before the chat: `null`, `{"open": {fields…, values…}}` or `{"done": {…}}`.
fn prechat_to_json(p: &PrechatState) -> Value {
    match p {
        PrechatState::Hidden => Value::Null,
        PrechatState::Open { fields, values } => {
            let mut v = values_to_json(values);
            if let Value::Object(m) = &mut v {
                let f = [fields.name, fields.email, fields.message, fields.department];
                m.insert("fields".into(), f.to_vec().into());
            }
            json!({ "open": v })
        }
        PrechatState::Done {
            department,
            can_switch,
        } => json!({"done": {"department": department, "switch": can_switch}}),
    }
}

fn prechat_from_json(v: &Value) -> Option<PrechatState> {
    if v.is_null() {
        return Some(PrechatState::Hidden);
    }
    if let Some(open) = v.get("open") {
        let f: Vec<bool> = match open.get("fields")? {
            Value::Array(a) => a.iter().map(Value::as_bool).collect::<Option<_>>()?,
            _ => return None,
        };
        let [name, email, message, department] = f.as_slice() else {
            return None;
        };
        return Some(PrechatState::Open {
            fields: PrechatFields {
                name: *name,
                email: *email,
                message: *message,
                department: *department,
            },
            values: values_from_json(open)?,
        });
    }
    let done = v.get("done")?;
    Some(PrechatState::Done {
        department: done
            .get("department")
            .and_then(Value::as_str)
            .map(str::to_owned),
        can_switch: done.get("switch")?.as_bool()?,
    })
}

fn send_error_name(e: SendError) -> &'static str {
    match e {
        SendError::Network => "network",
        SendError::Invalid => "invalid",
        SendError::Refused => "refused",
        SendError::Unsupported => "unsupported",
    }
}

/// The transcript offer: `null` or `{"email", "mail": "idle"|"sending"|{"sent"}|{"failed"}}`.
fn offer_to_json(o: &TranscriptOffer) -> Value {
    let TranscriptOffer::Shown { email, mail } = o else {
        return Value::Null;
    };
    let mail = match mail {
        EmailState::Idle => "idle".into(),
        EmailState::Sending => "sending".into(),
        EmailState::Sent { to } => json!({ "sent": to }),
        EmailState::Failed(e) => json!({"failed": send_error_name(*e)}),
    };
    json!({"email": email, "mail": mail})
}

fn offer_from_json(v: &Value) -> Option<TranscriptOffer> {
    if v.is_null() {
        return Some(TranscriptOffer::Hidden);
    }
    let mail = v.get("mail")?;
    let mail = match (mail.as_str(), mail.get("sent"), mail.get("failed")) {
        (Some("idle"), _, _) => EmailState::Idle,
        (Some("sending"), _, _) => EmailState::Sending,
        (_, Some(to), _) => EmailState::Sent {
            to: to.as_str()?.to_owned(),
        },
        (_, _, Some(e)) => EmailState::Failed(
            [
                SendError::Network,
                SendError::Invalid,
                SendError::Refused,
                SendError::Unsupported,
            ]
            .into_iter()
            .find(|s| Some(send_error_name(*s)) == e.as_str())?,
        ),
        _ => return None,
    };
    Some(TranscriptOffer::Shown {
        email: v.get("email").and_then(Value::as_str).map(str::to_owned),
        mail,
    })
}

impl LeaderView {
    fn to_json(&self) -> Value {
        json!({
            "phase": self.phase.name(),
            "typing": self.typing,
            "agent": self.agent,
            "transcript": saved::to_json(&self.transcript),
            "visitor_id": self.visitor_id,
            "user": self.user.as_ref().map(user_to_json),
            "survey": survey_to_json(&self.survey),
            "cobrowse": self.cobrowse.name(),
            "prechat": prechat_to_json(&self.prechat),
            "offer": offer_to_json(&self.offer),
        })
    }

    fn from_json(v: &Value) -> Option<LeaderView> {
        let user = match v.get("user")? {
            Value::Null => None,
            u => Some(user_from_json(u)?),
        };
        Some(LeaderView {
            phase: Phase::from_name(v.get("phase")?.as_str()?)?,
            typing: v.get("typing")?.as_bool()?,
            agent: v.get("agent").and_then(Value::as_str).map(str::to_owned),
            transcript: saved::from_json(v.get("transcript")?),
            visitor_id: v.get("visitor_id")?.as_str()?.to_owned(),
            user,
            survey: survey_from_json(v.get("survey")?)?,
            cobrowse: CobrowseState::from_name(v.get("cobrowse")?.as_str()?)?,
            // A leader of a version without the forms: none shown.
            prechat: v
                .get("prechat")
                .map_or(Some(PrechatState::Hidden), prechat_from_json)?,
            offer: v
                .get("offer")
                .map_or(Some(TranscriptOffer::Hidden), offer_from_json)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::view::{MessageStatus, Sender};

    fn user() -> UserInfo {
        UserInfo::from_json(&json!({
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
                    values: PrechatValues {
                        department: None,
                        ..Default::default()
                    },
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
    fn anything_else_is_dropped() {
        for bad in [
            "",
            "nope",
            "{}",
            r#"{"to":"leader"}"#,
            r#"{"to":"leader","a":"dance"}"#,
            r#"{"to":"leader","a":"send","id":"","text":"x"}"#,
            r#"{"to":"leader","a":"chat_state","s":"sleeping"}"#,
            r#"{"to":"leader","a":"tag","user":{"email":"not an email"}}"#,
            r#"{"to":"followers","view":"{}"}"#,
            r#"{"to":"followers","view":{"phase":"dancing"}}"#,
            r#"{"to":"everyone","a":"hello"}"#,
        ] {
            assert_eq!(TabMessage::decode(bad), None, "{bad}");
        }
    }
}
