//! The conversation: a `role="log"` live region with the welcome or offline text, messages,
//! notices, the typing indicator, the co-browsing prompt and the survey. Keeps itself scrolled to
//! the newest row.

use leptos::html;
use leptos::prelude::*;

use super::{CobrowsePrompt, MessageBubble, OfflineState, Survey, SystemNotice, TypingIndicator};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, EntryKind, Phase};

/// The scrolling conversation.
#[component]
pub fn MessageList() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let phase = store.phase();
    let entries = store.entries();
    let list_ref = NodeRef::<html::Div>::new();

    // Follow the conversation: any new row, typing change or prompt scrolls to the bottom.
    Effect::new(move || {
        entries.track();
        store.agent_typing().track();
        store.survey().track();
        store.cobrowse().track();
        if let Some(list) = list_ref.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });

    let show_welcome = move || phase.get() == Phase::Idle && entries.with(Vec::is_empty);

    view! {
        <div class="wc-log" role="log" aria-live="polite" aria-relevant="additions text" node_ref=list_ref>
            <Show when=move || phase.get() == Phase::Offline>
                <OfflineState />
            </Show>
            <Show when=show_welcome>
                <p class="wc-welcome">{tr(lang, Key::Welcome)}</p>
            </Show>
            <For
                each=move || entries.get()
                key=|entry| entry.seq
                children=move |entry| match entry.kind {
                    EntryKind::Message(message) => view! { <MessageBubble message=message /> }.into_any(),
                    EntryKind::Notice(notice) => view! { <SystemNotice notice=notice /> }.into_any(),
                }
            />
            <TypingIndicator />
            <CobrowsePrompt />
            <Survey />
        </div>
    }
}
