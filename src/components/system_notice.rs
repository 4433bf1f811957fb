//! A centred, localised system notice (agent unavailable, transferred, ended, blocked, the
//! campaign's closing text …), and the labelled separator above each of a tagged user's earlier
//! chats.

use leptos::prelude::*;

use super::when;
use crate::i18n::{Key, Lang};
use crate::model::{ChatStore, EndedBy, Notice};

/// The notice's text in a language.
pub fn notice_text(lang: Lang, notice: &Notice) -> String {
    match notice {
        Notice::AgentUnavailable => lang.text(Key::NoticeAgentUnavailable).to_owned(),
        Notice::AgentAvailable => lang.text(Key::NoticeAgentAvailable).to_owned(),
        Notice::Transferred { firstname } => {
            lang.format(Key::NoticeTransferred, &[("firstname", firstname)])
        }
        Notice::Ended(EndedBy::Agent) => lang.text(Key::NoticeEndedByAgent).to_owned(),
        Notice::Ended(EndedBy::Visitor) => lang.text(Key::NoticeEndedByVisitor).to_owned(),
        Notice::Blocked => lang.text(Key::NoticeBlocked).to_owned(),
        Notice::EarlierChat { at_ms: Some(at) } => {
            lang.format(Key::EarlierChat, &[("date", &when::day(*at, lang))])
        }
        Notice::EarlierChat { at_ms: None } => lang.text(Key::EarlierChatUndated).to_owned(),
        Notice::Finished { text } => text.clone(),
    }
}

/// A stable name for styling and tests.
fn notice_kind(notice: &Notice) -> &'static str {
    match notice {
        Notice::AgentUnavailable => "agent-unavailable",
        Notice::AgentAvailable => "agent-available",
        Notice::Transferred { .. } => "transferred",
        Notice::Ended(EndedBy::Agent) => "ended-by-agent",
        Notice::Ended(EndedBy::Visitor) => "ended-by-visitor",
        Notice::Blocked => "blocked",
        Notice::EarlierChat { .. } => "earlier-chat",
        Notice::Finished { .. } => "finished",
    }
}

/// One system notice.
#[component]
pub fn SystemNotice(
    /// What happened.
    notice: Notice,
) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let kind = notice_kind(&notice);
    if let Notice::EarlierChat { at_ms } = notice {
        // Where one earlier chat begins: a labelled separator, not a turn of the conversation.
        let label = move || notice_text(lang.get(), &Notice::EarlierChat { at_ms });
        return view! {
            <div class="wc-notice wc-history-sep" data-notice=kind role="separator" aria-label=label>
                <span aria-hidden="true">{label}</span>
            </div>
        }
        .into_any();
    }
    view! {
        <p class="wc-notice" data-notice=kind>
            <span>{move || notice_text(lang.get(), &notice)}</span>
        </p>
    }
    .into_any()
}
