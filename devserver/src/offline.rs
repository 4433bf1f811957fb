//! Offline messages: what visitors leave while no agent is available (`POST offlinemessages`,
//! the campaign's `webchat.displayOfflineForm`).
//!
//! What it does: checks a message against its campaign (known, active, taking offline
//! messages, the department one of its own) and the forms' limits, keeps it (the newest
//! [`MAX_STORED`]; older ones are dropped first) and lists them for the agent console, newest
//! first.
//! What it does not: HTTP, notify anyone by mail, or limit how often one caller leaves
//! messages (anyone with the public token may call it: visitors are anonymous).

use std::collections::VecDeque;
use std::fmt;

use webchat_protocol::forms::{FormError, OfflineMessage, OfflineMessageRequest};

use crate::hub::{Hub, HubEvent};
use crate::ids;

/// Most offline messages kept (all campaigns together).
pub const MAX_STORED: usize = 10_000;

/// The stored offline messages, oldest first.
#[derive(Debug, Default)]
pub struct OfflineStore {
    messages: VecDeque<OfflineMessage>,
}

/// Why an offline message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineError {
    /// 404.
    UnknownCampaign,
    /// 409 `CHAT_CAMPAIGN_INACTIVE`: an inactive campaign takes nothing.
    Inactive,
    /// 409: the campaign's `webchat.displayOfflineForm` is off.
    NotOffered,
    /// 400: the campaign has no department with this id.
    UnknownDepartment(String),
    /// 400: a value breaks the forms' rules.
    Invalid(FormError),
}

impl fmt::Display for OfflineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OfflineError::UnknownCampaign => f.write_str("Not found"),
            OfflineError::Inactive => f.write_str("CHAT_CAMPAIGN_INACTIVE"),
            OfflineError::NotOffered => f.write_str(
                "this campaign takes no offline messages (webchat.displayOfflineForm is off)",
            ),
            OfflineError::UnknownDepartment(d) => {
                write!(f, "the campaign has no department {d:?}")
            }
            OfflineError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OfflineError {}

impl Hub {
    /// `POST offlinemessages`: checks and keeps a visitor's message; the message as kept
    /// (name and email trimmed, the message without surrounding blank lines).
    pub fn leave_offline_message(
        &self,
        mut req: OfflineMessageRequest,
        now_ms: u64,
    ) -> Result<OfflineMessage, OfflineError> {
        let def = self
            .campaign_def(&req.campaign_id)
            .ok_or(OfflineError::UnknownCampaign)?;
        if !def.active {
            return Err(OfflineError::Inactive);
        }
        let config = &def.webchat.config;
        if !config.display_offline_form {
            return Err(OfflineError::NotOffered);
        }
        req.check().map_err(OfflineError::Invalid)?;
        if let Some(d) = &req.department {
            if config.department(d).is_none() {
                return Err(OfflineError::UnknownDepartment(d.clone()));
            }
        }
        req.name = req.name.trim().to_owned();
        req.email = req.email.trim().to_owned();
        req.message = req.message.trim().to_owned();
        let message = OfflineMessage {
            id: ids::random_id(16),
            request: req,
            created_ms: now_ms,
        };
        {
            let mut inner = self.lock();
            let store = &mut inner.offline.messages;
            if store.len() == MAX_STORED {
                store.pop_front();
            }
            store.push_back(message.clone());
        }
        self.emit(HubEvent::Inbox);
        Ok(message)
    }

    /// The offline messages of these campaigns (`[]`: every campaign), newest first.
    pub fn offline_messages(&self, campaigns: &[String]) -> Vec<OfflineMessage> {
        self.lock()
            .offline
            .messages
            .iter()
            .rev()
            .filter(|m| campaigns.is_empty() || campaigns.contains(&m.request.campaign_id))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{defaults, ALL_FEATURES, ENGLISH, GERMAN, INACTIVE};
    use webchat_protocol::api::AgentInfo;

    fn hub() -> Hub {
        Hub::new(
            defaults(),
            AgentInfo {
                firstname: "James".into(),
                nickname: "agent1".into(),
                jid: "agent1@internal.webchat.test".into(),
            },
        )
    }

    fn message(campaign: &str) -> OfflineMessageRequest {
        OfflineMessageRequest {
            campaign_id: campaign.into(),
            name: " Ana ".into(),
            email: "ana@example.com ".into(),
            message: "\nDo you ship to Norway?\n".into(),
            ..Default::default()
        }
    }

    #[test]
    fn keeps_valid_messages_newest_first() {
        let hub = hub();
        let mut events = hub.subscribe();
        let kept = hub.leave_offline_message(message(ENGLISH), 7).unwrap();
        assert_eq!(events.try_recv().unwrap(), HubEvent::Inbox);
        assert_eq!(kept.request.name, "Ana");
        assert_eq!(kept.request.email, "ana@example.com");
        assert_eq!(kept.request.message, "Do you ship to Norway?");
        assert_eq!(kept.created_ms, 7);
        let with_department = OfflineMessageRequest {
            department: Some("wholesale".into()),
            ..message(ALL_FEATURES)
        };
        let second = hub.leave_offline_message(with_department, 8).unwrap();
        let ids: Vec<_> = hub
            .offline_messages(&[])
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, [second.id.clone(), kept.id]);
        assert_eq!(hub.offline_messages(&[ALL_FEATURES.into()]).len(), 1);
        assert!(hub.offline_messages(&["other".into()]).is_empty());
    }

    #[test]
    fn refuses_what_the_campaign_does_not_take() {
        let hub = hub();
        assert_eq!(
            hub.leave_offline_message(message("nope"), 0),
            Err(OfflineError::UnknownCampaign)
        );
        assert_eq!(
            hub.leave_offline_message(message(INACTIVE), 0),
            Err(OfflineError::Inactive)
        );
        assert_eq!(
            hub.leave_offline_message(message(GERMAN), 0),
            Err(OfflineError::NotOffered)
        );
        let department = OfflineMessageRequest {
            department: Some("hats".into()),
            ..message(ALL_FEATURES)
        };
        assert_eq!(
            hub.leave_offline_message(department, 0),
            Err(OfflineError::UnknownDepartment("hats".into()))
        );
        let bad = OfflineMessageRequest {
            email: "ana".into(),
            ..message(ENGLISH)
        };
        assert_eq!(
            hub.leave_offline_message(bad, 0),
            Err(OfflineError::Invalid(FormError::InvalidEmail))
        );
        assert!(hub.offline_messages(&[]).is_empty());
    }

    #[test]
    fn the_oldest_go_first_when_full() {
        let hub = hub();
        let first = hub.leave_offline_message(message(ENGLISH), 0).unwrap();
        for _ in 1..MAX_STORED {
            hub.leave_offline_message(message(ENGLISH), 0).unwrap();
        }
        assert_eq!(hub.offline_messages(&[]).last().unwrap().id, first.id);
        hub.leave_offline_message(message(ENGLISH), 0).unwrap();
        let all = hub.offline_messages(&[]);
        assert_eq!(all.len(), MAX_STORED);
        assert!(all.iter().all(|m| m.id != first.id));
    }
}
