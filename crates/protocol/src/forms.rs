//! What the visitor's forms send (extensions of the Public API, see `devserver/API.md`) and
//! the checks both sides apply to what a visitor typed.
//!
//! What it does: serde types for the pre-chat data, chosen department and accepted greeting on
//! `POST chatsessions` ([`ChatStart`], [`PreChat`]), an offline message (`POST offlinemessages`:
//! [`OfflineMessageRequest`], [`OfflineMessage`]) and "email me a copy" of a transcript
//! (`POST chatsessions/{id}/transcript/email`: [`TranscriptEmailRequest`], [`TranscriptEmail`]);
//! the size limits and the email syntax ([`valid_email`]) the widget checks inline and the
//! backend checks again, with typed errors ([`FormError`]) that name the field.
//!
//! What it does not: know which fields a campaign shows (that is `WidgetConfig`), whether a
//! department exists (the backend's campaign), or send anything.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest email address accepted, in characters (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest message accepted, in characters (as a survey comment).
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest department or trigger id accepted, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// Extension fields of `POST chatsessions` (snake_case, like the call's other fields), kept
/// with the chat and returned by `GET chatsessions/{id}`. A backend without them ignores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatStart {
    /// The department (`webchat.departments[].id`) the chat is routed to: only agents of that
    /// department get it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// What the visitor typed into the pre-chat form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat: Option<PreChat>,
    /// The trigger (`webchat.triggers[].id`) whose greeting the visitor opened the chat from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting_trigger: Option<String>,
}

impl ChatStart {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == ChatStart::default()
    }

    /// Checks what is given; whether the department exists is the backend's to check.
    pub fn check(&self) -> Result<(), FormError> {
        if let Some(d) = &self.department {
            check_id(Field::Department, d)?;
        }
        if let Some(t) = &self.greeting_trigger {
            check_id(Field::Greeting, t)?;
        }
        self.prechat.as_ref().map_or(Ok(()), PreChat::check)
    }
}

/// The pre-chat form's values. Which fields the form shows is the campaign's choice; a value
/// that is given must be valid. Unverified: anyone can type any name and email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreChat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// "How can we help?": also sent by the widget as the chat's first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl PreChat {
    /// Checks every value given (`None` is fine: the campaign may not ask for it).
    pub fn check(&self) -> Result<(), FormError> {
        if let Some(n) = &self.name {
            check_name(n)?;
        }
        if let Some(e) = &self.email {
            check_email(e)?;
        }
        if let Some(m) = &self.message {
            check_text(Field::Message, m, MAX_MESSAGE_CHARS, false)?;
        }
        Ok(())
    }
}

/// `POST offlinemessages`: a message left while no agent was available.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineMessageRequest {
    pub campaign_id: String,
    pub name: String,
    pub email: String,
    pub message: String,
    /// A department of the campaign, when the visitor chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The visitor's id (`CV.visitorId`), so agents can relate it to chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_id: Option<String>,
    /// The page the message was written on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_url: Option<String>,
}

impl OfflineMessageRequest {
    /// Name, email and message are required; whether the campaign and department exist is the
    /// backend's to check.
    pub fn check(&self) -> Result<(), FormError> {
        check_name(&self.name)?;
        check_email(&self.email)?;
        check_text(Field::Message, &self.message, MAX_MESSAGE_CHARS, false)?;
        if let Some(d) = &self.department {
            check_id(Field::Department, d)?;
        }
        if let Some(u) = &self.request_url {
            check_text(Field::RequestUrl, u, MAX_URL_CHARS, true)?;
        }
        if let Some(t) = &self.tracker_id {
            check_text(Field::TrackerId, t, MAX_URL_CHARS, true)?;
        }
        Ok(())
    }
}

/// Longest page address or visitor id accepted with an offline message, in characters.
pub const MAX_URL_CHARS: usize = 2048;

/// `POST offlinemessages`'s reply (201): the message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineMessage {
    pub id: String,
    #[serde(flatten)]
    pub request: OfflineMessageRequest,
    /// When it was stored, ms since the Unix epoch.
    pub created_ms: u64,
}

/// `POST chatsessions/{id}/transcript/email`: send a copy of the chat to the visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEmailRequest {
    /// Where to. Absent: the address the chat already has (the pre-chat form's, or the
    /// tagged user's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `POST chatsessions/{id}/transcript/email`'s reply (202): the copy is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEmail {
    pub id: String,
    pub chatsession_id: String,
    pub to: String,
    pub created_ms: u64,
}

/// A field of a form, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Message,
    Department,
    Greeting,
    RequestUrl,
    TrackerId,
}

impl Field {
    /// The wire name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Message => "message",
            Field::Department => "department",
            Field::Greeting => "greeting_trigger",
            Field::RequestUrl => "request_url",
            Field::TrackerId => "tracker_id",
        }
    }
}

/// Why a form value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// Empty or blank.
    Required(Field),
    /// Longer than `max` characters.
    TooLong { field: Field, max: usize },
    /// Not an email address (see [`valid_email`]).
    InvalidEmail,
    /// A control character where only a line of text belongs (a name, an address, an id).
    ControlCharacter(Field),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::Required(field) => write!(f, "{} is required", field.as_str()),
            FormError::TooLong { field, max } => {
                write!(f, "{} is longer than {max} characters", field.as_str())
            }
            FormError::InvalidEmail => f.write_str("email is not an email address"),
            FormError::ControlCharacter(field) => {
                write!(f, "{} contains a control character", field.as_str())
            }
        }
    }
}

impl std::error::Error for FormError {}

fn check_text(field: Field, value: &str, max: usize, one_line: bool) -> Result<(), FormError> {
    if value.trim().is_empty() {
        return Err(FormError::Required(field));
    }
    if value.chars().count() > max {
        return Err(FormError::TooLong { field, max });
    }
    // A message keeps its line breaks and tabs; nothing else needs control characters.
    let allowed = |c: char| !one_line && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(FormError::ControlCharacter(field));
    }
    Ok(())
}

fn check_id(field: Field, id: &str) -> Result<(), FormError> {
    check_text(field, id, MAX_ID_CHARS, true)
}

/// A name: required, one line, at most [`MAX_NAME_CHARS`].
pub fn check_name(name: &str) -> Result<(), FormError> {
    check_text(Field::Name, name, MAX_NAME_CHARS, true)
}

/// An email address: required, at most [`MAX_EMAIL_CHARS`], and [`valid_email`] once trimmed.
pub fn check_email(email: &str) -> Result<(), FormError> {
    check_text(Field::Email, email, MAX_EMAIL_CHARS, true)?;
    if valid_email(email.trim()) {
        Ok(())
    } else {
        Err(FormError::InvalidEmail)
    }
}

/// The HTML standard's "valid e-mail address", what a browser's `<input type="email">` accepts:
/// `1*( atext / "." ) "@" label *( "." label )`, atext being letters, digits and
/// ``!#$%&'*+/=?^_`{|}~-``, a label 1 to 63 letters, digits and hyphens, not starting or ending
/// with a hyphen. Deliberately no more than that: the visitor can only be told "this is not an
/// address", never proven to own it.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-.".contains(&b);
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !local.is_empty() && local.bytes().all(atext) && domain.split('.').all(label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_simple() {
        let s: ChatStart = serde_json::from_value(json!({
            "campaign_id": "ignored here",
            "department": "sales",
            "prechat": {"name": "Ana", "email": "ana@example.com", "message": "Grind size?"},
            "greeting_trigger": "welcome"
        }))
        .unwrap();
        assert_eq!(s.department.as_deref(), Some("sales"));
        assert_eq!(s.prechat.as_ref().unwrap().name.as_deref(), Some("Ana"));
        assert_eq!(s.greeting_trigger.as_deref(), Some("welcome"));
        assert_eq!(s.check(), Ok(()));
        let none: ChatStart = serde_json::from_value(json!({"campaign_id": "c"})).unwrap();
        assert!(none.is_empty());
        let m: OfflineMessageRequest = serde_json::from_value(json!({
            "campaign_id": "c", "name": "Ana", "email": "ana@example.com",
            "message": "Line one\nline two", "department": "sales"
        }))
        .unwrap();
        assert_eq!(m.check(), Ok(()));
        let e: TranscriptEmailRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(e.email, None);
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            serde_json::to_value(ChatStart::default()).unwrap(),
            json!({})
        );
        let stored = OfflineMessage {
            id: "m1".into(),
            request: OfflineMessageRequest {
                campaign_id: "c".into(),
                name: "Ana".into(),
                email: "ana@example.com".into(),
                message: "Hi".into(),
                ..Default::default()
            },
            created_ms: 5,
        };
        assert_eq!(
            serde_json::to_value(&stored).unwrap(),
            json!({"id": "m1", "campaign_id": "c", "name": "Ana", "email": "ana@example.com",
                   "message": "Hi", "created_ms": 5})
        );
        let back: OfflineMessage =
            serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        assert_eq!(back, stored);
    }

    #[test]
    fn test_invalid() {
        let missing: Result<OfflineMessageRequest, _> =
            serde_json::from_value(json!({"campaign_id": "c", "name": "Ana"}));
        assert!(missing.is_err());
        let offline = |name: &str, email: &str, message: &str| OfflineMessageRequest {
            campaign_id: "c".into(),
            name: name.into(),
            email: email.into(),
            message: message.into(),
            ..Default::default()
        };
        assert_eq!(
            offline(" ", "a@b.c", "m").check(),
            Err(FormError::Required(Field::Name))
        );
        assert_eq!(
            offline("Ana", "", "m").check(),
            Err(FormError::Required(Field::Email))
        );
        assert_eq!(
            offline("Ana", "ana", "m").check(),
            Err(FormError::InvalidEmail)
        );
        assert_eq!(
            offline("Ana", "a@b.c", "\n").check(),
            Err(FormError::Required(Field::Message))
        );
        assert_eq!(
            offline("Ana\u{0}", "a@b.c", "m").check(),
            Err(FormError::ControlCharacter(Field::Name))
        );
        assert_eq!(
            offline(&"x".repeat(MAX_NAME_CHARS + 1), "a@b.c", "m").check(),
            Err(FormError::TooLong {
                field: Field::Name,
                max: MAX_NAME_CHARS
            })
        );
        // Characters, not bytes: 4000 Persian letters are fine.
        assert_eq!(
            offline("Ana", "a@b.c", &"ش".repeat(MAX_MESSAGE_CHARS)).check(),
            Ok(())
        );
        assert!(offline("Ana", "a@b.c", &"ش".repeat(MAX_MESSAGE_CHARS + 1))
            .check()
            .is_err());
        let long_email = format!("{}@example.com", "a".repeat(250));
        assert!(matches!(
            offline("Ana", &long_email, "m").check(),
            Err(FormError::TooLong { .. })
        ));
        let start = ChatStart {
            department: Some("x".repeat(MAX_ID_CHARS + 1)),
            ..Default::default()
        };
        assert!(matches!(
            start.check(),
            Err(FormError::TooLong {
                field: Field::Department,
                ..
            })
        ));
        let start = ChatStart {
            prechat: Some(PreChat {
                email: Some("not an address".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(start.check(), Err(FormError::InvalidEmail));
        assert_eq!(
            FormError::TooLong {
                field: Field::Message,
                max: 4000
            }
            .to_string(),
            "message is longer than 4000 characters"
        );
    }

    #[test]
    fn test_valid_email_is_the_html_standards() {
        for ok in [
            "ana@example.com",
            "Ana.Silva+shop@mail.example.co.uk",
            "a@b",
            "x!#$%&'*+/=?^_`{|}~-@a-b.c1",
            "agent1@chatvisor.com",
        ] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@@example.com",
            "ana@exa mple.com",
            "an a@example.com",
            "ana@-example.com",
            "ana@example-.com",
            "ana@example..com",
            "ana@.example.com",
            "ana@example.com.",
            "\"ana\"@example.com",
            "ana@exämple.com",
            "<ana@example.com>",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        let label = "a".repeat(63);
        assert!(valid_email(&format!("x@{label}.com")));
        assert!(!valid_email(&format!("x@{label}a.com")));
    }
}
