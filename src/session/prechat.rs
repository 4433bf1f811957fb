//! The form before the chat: the campaign's pre-chat form (name, email, "How can we help?") and
//! its choice of department, and what they add to the chat's start.
//!
//! What it does: decides whether the form is shown and with which fields
//! ([`Session::prechat_state`], computed from the state after every input like the phase), takes
//! the visitor's answers (checked with the protocol's form rules), keeps them for the chat's
//! start and across reloads (`webchat:prechat`, with an accepted greeting's trigger), sends the
//! "How can we help?" text as the first message, and builds `POST chatsessions`'s body with
//! `department`, `prechat` and `greeting_trigger`. With `allowSwitchingDepartments` the visitor
//! may choose again until the first message.
//!
//! What it does not: render the form or check it as the visitor types (the component does,
//! with the same rules), or decide availability.

use webchat_protocol::api::{self, ChatSessionRequest};
use webchat_protocol::forms::{self, ChatStart, Field, FormError, PreChat};

use super::io::{Level, Save};
use super::lifecycle::Stage;
use super::view::{Phase, PrechatFields, PrechatState, PrechatValues};
use super::Session;

/// Where the answers are kept between page loads.
pub const PRECHAT_KEY: &str = webchat_launcher::keys::PRECHAT;

/// The form's part of the state.
#[derive(Debug, Default)]
pub(crate) struct Prechat {
    /// What the visitor gave (for the next chat's start).
    pub given: Option<PrechatValues>,
    /// The visitor asked to choose another department.
    pub reopened: bool,
    /// The greeting the visitor opened the chat from (`greeting_trigger`).
    pub greeting: Option<String>,
}

/// Each field's error, as the form shows it under the field (`None`: fine or not asked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub name: Option<FormError>,
    pub email: Option<FormError>,
    pub message: Option<FormError>,
    pub department: Option<FormError>,
}

impl FieldErrors {
    /// Whether every field is fine.
    pub fn is_empty(&self) -> bool {
        *self == FieldErrors::default()
    }
}

/// Checks each field asked for with the form rules: name and email required, the message
/// optional (at most [`forms::MAX_MESSAGE_CHARS`]), a department of the campaign's required.
pub fn field_errors(
    fields: PrechatFields,
    departments: &[String],
    values: &PrechatValues,
) -> FieldErrors {
    let message = (fields.message && !values.message.trim().is_empty()).then(|| PreChat {
        message: Some(values.message.clone()),
        ..PreChat::default()
    });
    FieldErrors {
        name: fields
            .name
            .then(|| forms::check_name(&values.name).err())
            .flatten(),
        email: fields
            .email
            .then(|| forms::check_email(&values.email).err())
            .flatten(),
        message: message.and_then(|m| m.check().err()),
        department: (fields.department
            && !values
                .department
                .as_ref()
                .is_some_and(|d| departments.contains(d)))
        .then_some(FormError::Required(Field::Department)),
    }
}

/// Checks `values` against `fields` and the campaign's departments; returns them trimmed, with
/// only the fields asked for.
pub fn check(
    fields: PrechatFields,
    departments: &[String],
    values: &PrechatValues,
) -> Result<PrechatValues, FieldErrors> {
    let errors = field_errors(fields, departments, values);
    if !errors.is_empty() {
        return Err(errors);
    }
    let keep = |on: bool, v: &str| {
        if on {
            v.trim().to_owned()
        } else {
            String::new()
        }
    };
    Ok(PrechatValues {
        name: keep(fields.name, &values.name),
        email: keep(fields.email, &values.email),
        message: keep(fields.message, &values.message),
        department: values.department.clone().filter(|_| fields.department),
    })
}

/// `POST chatsessions`'s body: the Public API's fields and the livechat start fields.
pub fn chat_session_body(request: &ChatSessionRequest, start: &ChatStart) -> String {
    let base = api::to_json(request);
    if start.is_empty() {
        return base;
    }
    // The request and the start fields are two serde types of the protocol crate: one object
    // of both. Both go through their text form, the one way the wasm serialises them.
    let mut body: serde_json::Map<String, serde_json::Value> =
        api::from_json(&base).unwrap_or_default();
    if let Ok(serde_json::Value::Object(extra)) = api::from_json(&api::to_json(start)) {
        body.extend(extra);
    }
    serde_json::Value::Object(body).to_string()
}

/// The stored form of the answers and the greeting's trigger (the message is the
/// conversation's, not kept here); `None` when there is neither.
fn to_stored(values: Option<&PrechatValues>, greeting: Option<&str>) -> Option<String> {
    if values.is_none() && greeting.is_none() {
        return None;
    }
    let start = ChatStart {
        department: values.and_then(|v| v.department.clone()),
        // Present (if empty) whenever answers were given: that is how they read back.
        prechat: values.map(|v| PreChat {
            message: None,
            ..prechat_of(v)
        }),
        greeting_trigger: greeting.map(str::to_owned),
    };
    Some(api::to_json(&start))
}

/// Reads [`to_stored`]'s text: the answers (when given) and the greeting's trigger. Nothing
/// for unreadable text.
fn from_stored(text: &str) -> (Option<PrechatValues>, Option<String>) {
    let Ok(start) = api::from_json::<ChatStart>(text) else {
        return (None, None);
    };
    let values = start.prechat.map(|p| PrechatValues {
        name: p.name.unwrap_or_default(),
        email: p.email.unwrap_or_default(),
        message: String::new(),
        department: start.department,
    });
    (values, start.greeting_trigger)
}

fn prechat_of(values: &PrechatValues) -> PreChat {
    let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    PreChat {
        name: some(&values.name),
        email: some(&values.email),
        message: some(&values.message),
    }
}

impl Session {
    /// The fields the form asks for: the pre-chat form's while the page tagged no user, the
    /// department whenever the campaign has departments.
    pub(super) fn prechat_fields(&self) -> PrechatFields {
        let Some(c) = self.livechat() else {
            return PrechatFields::default();
        };
        let form = c.registration_form && self.who.user.is_none();
        PrechatFields {
            name: form && c.name_field_registration_form,
            email: form && c.email_field_registration_form,
            message: form && c.message_field_registration_form,
            department: !c.departments.is_empty(),
        }
    }

    /// What the form shows now: only while a chat could start with the next message.
    pub(super) fn prechat_state(&self) -> PrechatState {
        if let Some((prechat, _)) = self.followed_forms() {
            return prechat.clone();
        }
        let fields = self.prechat_fields();
        let wanted = fields.name || fields.email || fields.message || fields.department;
        if !wanted || self.life.stage != Stage::Ready || self.phase() != Phase::Idle {
            return PrechatState::Hidden;
        }
        match &self.prechat.given {
            Some(values) if !self.prechat.reopened => PrechatState::Done {
                department: values.department.clone(),
                can_switch: fields.department
                    && self
                        .livechat()
                        .is_some_and(|c| c.allow_switching_departments),
            },
            given => PrechatState::Open {
                fields,
                values: given.clone().unwrap_or_default(),
            },
        }
    }

    /// The visitor sent the form: kept for the chat's start; its "How can we help?" text is
    /// the first message.
    pub(super) fn submit_prechat(&mut self, values: PrechatValues) {
        if !matches!(self.prechat_state(), PrechatState::Open { .. }) {
            return;
        }
        let departments: Vec<String> = self
            .livechat()
            .map(|c| c.departments.iter().map(|d| d.id.clone()).collect())
            .unwrap_or_default();
        let values = match check(self.prechat_fields(), &departments, &values) {
            Ok(v) => v,
            Err(e) => {
                let why = [e.name, e.email, e.message, e.department]
                    .into_iter()
                    .flatten()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return self.log(
                    Level::Warn,
                    format!("webchat: pre-chat form refused: {why}"),
                );
            }
        };
        // Fields not asked for this time (a department chosen again) keep what was given.
        let mut kept = self.prechat.given.take().unwrap_or_default();
        let fields = self.prechat_fields();
        if fields.name {
            kept.name = values.name;
        }
        if fields.email {
            kept.email = values.email;
        }
        if fields.department {
            kept.department = values.department;
        }
        kept.message = values.message.clone();
        self.prechat.given = Some(kept);
        self.store_prechat();
        self.prechat.reopened = false;
        if !values.message.is_empty() {
            self.send_text(values.message);
        }
    }

    /// The visitor wants another department (only before the first message, when allowed).
    pub(super) fn change_department(&mut self) {
        if let PrechatState::Done {
            can_switch: true, ..
        } = self.prechat_state()
        {
            self.prechat.reopened = true;
        }
    }

    /// What the stored answers say (a reload before the first message, or a later chat).
    pub(super) fn prechat_loaded(&mut self, stored: Option<&str>) {
        (self.prechat.given, self.prechat.greeting) = stored.map(from_stored).unwrap_or_default();
    }

    /// Keeps the answers and the greeting's trigger for the next page view.
    pub(super) fn store_prechat(&mut self) {
        let value = to_stored(
            self.prechat.given.as_ref(),
            self.prechat.greeting.as_deref(),
        );
        self.write(match value {
            Some(value) => Save::Set {
                key: PRECHAT_KEY,
                value,
            },
            None => Save::Remove(PRECHAT_KEY),
        });
    }

    /// The livechat fields of `POST chatsessions`.
    pub(super) fn chat_start(&self) -> ChatStart {
        let given = self.prechat.given.as_ref();
        let prechat = given.map(prechat_of).filter(|p| *p != PreChat::default());
        ChatStart {
            department: given.and_then(|g| g.department.clone()),
            prechat,
            greeting_trigger: self.prechat.greeting.clone(),
        }
    }

    /// The chat started: its first message was the form's, and the greeting was its start,
    /// so a later chat starts without either.
    pub(super) fn prechat_used(&mut self) {
        if let Some(g) = self.prechat.given.as_mut() {
            g.message.clear();
        }
        self.forget_greeting();
    }

    /// The greeting's trigger is no longer the next chat's (it started, or ended before it
    /// reached an agent).
    pub(super) fn forget_greeting(&mut self) {
        if self.prechat.greeting.take().is_some() {
            self.store_prechat();
        }
    }

    /// A new visitor: nothing of the old one's answers is kept.
    pub(super) fn prechat_reset(&mut self) {
        self.prechat = Prechat::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webchat_protocol::forms::MAX_MESSAGE_CHARS;

    fn all() -> PrechatFields {
        PrechatFields {
            name: true,
            email: true,
            message: true,
            department: true,
        }
    }

    fn values(name: &str, email: &str, message: &str, department: Option<&str>) -> PrechatValues {
        PrechatValues {
            name: name.into(),
            email: email.into(),
            message: message.into(),
            department: department.map(str::to_owned),
        }
    }

    #[test]
    fn answers_are_checked_trimmed_and_limited_to_the_fields_asked() {
        let deps = vec!["sales".to_owned()];
        let ok = check(
            all(),
            &deps,
            &values(" Ana ", " ana@example.com ", "  ", Some("sales")),
        )
        .unwrap();
        assert_eq!(ok, values("Ana", "ana@example.com", "", Some("sales")));
        let only_department = PrechatFields {
            department: true,
            ..Default::default()
        };
        assert_eq!(
            check(
                only_department,
                &deps,
                &values("x", "bad", "m", Some("sales"))
            )
            .unwrap(),
            values("", "", "", Some("sales"))
        );
        let errors = |v: PrechatValues| check(all(), &deps, &v).unwrap_err();
        assert_eq!(
            errors(values("", "ana", "", Some("other"))),
            FieldErrors {
                name: Some(FormError::Required(Field::Name)),
                email: Some(FormError::InvalidEmail),
                message: None,
                department: Some(FormError::Required(Field::Department)),
            }
        );
        assert_eq!(
            errors(values("Ana", "", "", None)).email,
            Some(FormError::Required(Field::Email))
        );
        let long = "ش".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            errors(values("Ana", "a@b.c", &long, Some("sales"))).message,
            Some(FormError::TooLong {
                field: Field::Message,
                max: MAX_MESSAGE_CHARS
            })
        );
        // A message keeps its lines; a name must be one.
        assert!(check(all(), &deps, &values("Ana", "a@b.c", "a\nb", Some("sales"))).is_ok());
        assert_eq!(
            errors(values("A\nna", "a@b.c", "", Some("sales"))).name,
            Some(FormError::ControlCharacter(Field::Name))
        );
    }

    #[test]
    fn the_body_carries_the_start_fields_only_when_given() {
        let request = ChatSessionRequest {
            campaign_id: "c".into(),
            tracker_id: Some("t".into()),
            ..Default::default()
        };
        assert_eq!(
            chat_session_body(&request, &ChatStart::default()),
            r#"{"campaign_id":"c","tracker_id":"t"}"#
        );
        let start = ChatStart {
            department: Some("sales".into()),
            prechat: Some(PreChat {
                name: Some("Ana".into()),
                email: None,
                message: Some("<b>hi</b>".into()),
            }),
            greeting_trigger: Some("welcome".into()),
        };
        let body: serde_json::Value =
            serde_json::from_str(&chat_session_body(&request, &start)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"campaign_id": "c", "tracker_id": "t", "department": "sales",
                "prechat": {"name": "Ana", "message": "<b>hi</b>"}, "greeting_trigger": "welcome"})
        );
    }

    #[test]
    fn stored_answers_round_trip_without_the_message() {
        let v = values("Ana", "ana@example.com", "first", Some("sales"));
        fn read(
            v: Option<&PrechatValues>,
            g: Option<&str>,
        ) -> (Option<PrechatValues>, Option<String>) {
            from_stored(&to_stored(v, g).unwrap())
        }
        assert_eq!(
            read(Some(&v), None),
            (
                Some(values("Ana", "ana@example.com", "", Some("sales"))),
                None
            )
        );
        assert_eq!(
            read(Some(&PrechatValues::default()), Some("welcome")),
            (Some(PrechatValues::default()), Some("welcome".into())),
            "answers given empty still read as given"
        );
        assert_eq!(
            read(None, Some("welcome")),
            (None, Some("welcome".into())),
            "a greeting alone gives no answers"
        );
        assert_eq!(to_stored(None, None), None);
        assert_eq!(from_stored("nonsense"), (None, None));
        // What was stored before greetings were kept reads as it did.
        assert_eq!(
            from_stored(r#"{"department":"sales","prechat":{"name":"Ana"}}"#),
            (Some(values("Ana", "", "", Some("sales"))), None)
        );
    }
}
