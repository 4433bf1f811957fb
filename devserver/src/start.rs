//! How a chat was started: the department it is routed to, what the visitor typed into the
//! pre-chat form and the greeting it was opened from (`POST chatsessions`'s extension fields,
//! `webchat_protocol::forms::ChatStart`).
//!
//! What it does: checks those fields against the campaign and the forms' limits and tidies
//! them (trimmed name and email), turns pre-chat data into the chat's (unverified) user when the
//! page tagged none, and resolves ids into what the agent console shows (the department's name,
//! the greeting's text).
//! What it does not: route (the agent registry does, with the department) or store anything.

use std::fmt;

use serde::Serialize;
use webchat_protocol::api::TaggedUser;
use webchat_protocol::forms::{ChatStart, FormError, PreChat};

use crate::campaigns::CampaignDef;

/// Why the start fields were refused (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// A value breaks the forms' rules.
    Invalid(FormError),
    /// The campaign has no department with this id.
    UnknownDepartment(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Invalid(e) => e.fmt(f),
            StartError::UnknownDepartment(d) => {
                write!(f, "the campaign has no department {d:?}")
            }
        }
    }
}

impl std::error::Error for StartError {}

/// The start fields as they are kept: checked, the department one of the campaign's, name and
/// email trimmed, blank values dropped. A greeting id the campaign no longer has is kept (the
/// visitor's page may have read an older configuration; it only labels the chat).
pub fn check(campaign: &CampaignDef, mut start: ChatStart) -> Result<ChatStart, StartError> {
    let blank = |v: &Option<String>| v.as_deref().is_some_and(|t| t.trim().is_empty());
    if let Some(p) = &mut start.prechat {
        for field in [&mut p.name, &mut p.email, &mut p.message] {
            if blank(field) {
                *field = None;
            }
        }
        for v in [&mut p.name, &mut p.email].into_iter().flatten() {
            *v = v.trim().to_owned();
        }
    }
    if start.prechat == Some(PreChat::default()) {
        start.prechat = None;
    }
    start.check().map_err(StartError::Invalid)?;
    if let Some(d) = &start.department {
        if campaign.webchat.config.department(d).is_none() {
            return Err(StartError::UnknownDepartment(d.clone()));
        }
    }
    Ok(start)
}

/// The chat's user when the page tagged none but the visitor filled in the pre-chat form: the
/// name and email as typed, never verified (anyone can type them).
pub fn prechat_user(start: &ChatStart) -> Option<TaggedUser> {
    let p = start.prechat.as_ref()?;
    if p.name.is_none() && p.email.is_none() {
        return None;
    }
    Some(TaggedUser {
        email: p.email.clone().unwrap_or_default(),
        firstname: p.name.clone().unwrap_or_default(),
        verified: Some(false),
        ..TaggedUser::default()
    })
}

/// The greeting a chat was opened from, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GreetingView {
    pub trigger: String,
    /// The trigger's text and name, when the campaign still has it.
    pub message: Option<String>,
    pub agent_name: Option<String>,
}

/// What the console shows of how a chat started, beyond the ids in [`ChatStart`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StartView {
    /// The department's name (its id when the campaign names it not).
    pub department_name: Option<String>,
    pub greeting: Option<GreetingView>,
}

impl StartView {
    pub fn of(campaign: Option<&CampaignDef>, start: &ChatStart) -> StartView {
        let config = campaign.map(|c| &c.webchat.config);
        let department_name = start.department.as_ref().map(|id| {
            config
                .and_then(|c| c.department(id))
                .map(|d| d.name.trim())
                .filter(|n| !n.is_empty())
                .unwrap_or(id)
                .to_owned()
        });
        let greeting = start.greeting_trigger.as_ref().map(|id| {
            let trigger = config.and_then(|c| c.trigger(id));
            GreetingView {
                trigger: id.clone(),
                message: trigger.map(|t| t.message.clone()),
                agent_name: trigger.and_then(|t| t.agent_name.clone()),
            }
        });
        StartView {
            department_name,
            greeting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{defaults, ALL_FEATURES, ENGLISH};

    fn campaign(id: &str) -> CampaignDef {
        defaults().into_iter().find(|c| c.id == id).unwrap()
    }

    fn prechat(name: Option<&str>, email: Option<&str>) -> ChatStart {
        ChatStart {
            prechat: Some(PreChat {
                name: name.map(str::to_owned),
                email: email.map(str::to_owned),
                message: None,
            }),
            ..ChatStart::default()
        }
    }

    #[test]
    fn checks_and_tidies_the_start_fields() {
        let all = campaign(ALL_FEATURES);
        let start = ChatStart {
            department: Some("orders".into()),
            greeting_trigger: Some("welcome".into()),
            ..prechat(Some("  Ana "), Some(" ana@example.com"))
        };
        let kept = check(&all, start).unwrap();
        let p = kept.prechat.as_ref().unwrap();
        assert_eq!(p.name.as_deref(), Some("Ana"));
        assert_eq!(p.email.as_deref(), Some("ana@example.com"));
        // A form left empty is no form.
        assert_eq!(
            check(&all, prechat(Some(" "), Some(""))).unwrap(),
            ChatStart::default()
        );
        assert_eq!(
            check(
                &all,
                ChatStart {
                    department: Some("hats".into()),
                    ..ChatStart::default()
                }
            ),
            Err(StartError::UnknownDepartment("hats".into()))
        );
        // The English campaign has no departments at all.
        assert!(check(
            &campaign(ENGLISH),
            ChatStart {
                department: Some("orders".into()),
                ..ChatStart::default()
            }
        )
        .is_err());
        assert_eq!(
            check(&all, prechat(None, Some("ana(at)example.com"))),
            Err(StartError::Invalid(FormError::InvalidEmail))
        );
    }

    #[test]
    fn prechat_data_becomes_an_unverified_user() {
        let u = prechat_user(&prechat(Some("Ana"), Some("ana@example.com"))).unwrap();
        assert_eq!(
            (u.firstname.as_str(), u.email.as_str(), u.verified),
            ("Ana", "ana@example.com", Some(false))
        );
        assert_eq!(prechat_user(&prechat(Some("Ana"), None)).unwrap().email, "");
        assert_eq!(prechat_user(&prechat(None, None)), None);
        assert_eq!(prechat_user(&ChatStart::default()), None);
    }

    #[test]
    fn the_console_sees_names_and_texts() {
        let all = campaign(ALL_FEATURES);
        let start = ChatStart {
            department: Some("brewing".into()),
            greeting_trigger: Some("welcome".into()),
            ..ChatStart::default()
        };
        let v = StartView::of(Some(&all), &start);
        assert_eq!(v.department_name.as_deref(), Some("Brewing advice"));
        let g = v.greeting.unwrap();
        assert_eq!(g.agent_name.as_deref(), Some("Maria"));
        assert!(g.message.unwrap().starts_with("Hi!"));
        let gone = ChatStart {
            greeting_trigger: Some("retired".into()),
            ..ChatStart::default()
        };
        let v = StartView::of(Some(&all), &gone);
        assert_eq!(v.greeting.unwrap().message, None);
        assert_eq!(
            StartView::of(None, &ChatStart::default()),
            StartView::default()
        );
    }
}
