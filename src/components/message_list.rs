//! The conversation: a `role="log"` live region with the welcome or offline text, messages,
//! notices, the typing indicator, the co-browsing prompt and the survey. Keeps itself scrolled to
//! the newest row.
//!
//! The co-browsing prompt sits where the request arrived (after the row that was newest then),
//! like any other turn of the conversation: messages that come later go below it, and the
//! visitor's answer stays in place as a notice. Where that is is worked out here from the order
//! of rows when the view first sees the request (each stanza arrives in its own WebSocket
//! event, so before any later message); the store only knows the prompt's state.

use leptos::html;
use leptos::prelude::*;

use super::{CobrowsePrompt, MessageBubble, OfflineState, Survey, SystemNotice, TypingIndicator};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, CobrowseState, EntryKind, Phase};

/// Where the co-browsing prompt is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PromptAt {
    /// No request.
    Nowhere,
    /// Before every row (the request came before any).
    Top,
    /// After the row with this `seq`.
    After(u64),
    /// At the end (its row is gone, e.g. the conversation was replaced).
    End,
}

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
            // After layout: rows rendered in this same update (the survey card, the composer
            // giving way to "New chat") must count in the height.
            request_animation_frame(move || list.set_scroll_top(list.scroll_height()));
        }
    });

    let show_welcome = move || phase.get() == Phase::Idle && entries.with(Vec::is_empty);

    // The newest row when the current request arrived: kept while it is answered, taken again
    // for the next request.
    let cobrowse = store.cobrowse();
    let anchor = Memo::new(move |prev: Option<&(CobrowseState, Option<u64>)>| {
        let state = cobrowse.get();
        let anchor = match prev {
            Some((was, anchor)) if *was == state || state != CobrowseState::Requested => *anchor,
            _ => entries.with_untracked(|rows| rows.last().map(|row| row.seq)),
        };
        (state, anchor)
    });
    let prompt_at = Memo::new(move |_| match anchor.get() {
        (CobrowseState::Idle, _) => PromptAt::Nowhere,
        (_, None) => PromptAt::Top,
        (_, Some(seq)) if entries.with(|rows| rows.iter().any(|row| row.seq == seq)) => {
            PromptAt::After(seq)
        }
        (_, Some(_)) => PromptAt::End,
    });

    view! {
        // Focusable so keyboard users can scroll a long conversation (axe: scrollable-region-focusable).
        <div
            class="wc-log"
            role="log"
            aria-live="polite"
            aria-relevant="additions text"
            aria-labelledby="wc-title"
            tabindex="0"
            node_ref=list_ref
        >
            <Show when=move || phase.get() == Phase::Offline>
                <OfflineState />
            </Show>
            <Show when=show_welcome>
                <p class="wc-welcome">{tr(lang, Key::Welcome)}</p>
            </Show>
            <Show when=move || prompt_at.get() == PromptAt::Top>
                <CobrowsePrompt />
            </Show>
            <For
                each=move || entries.get()
                key=|entry| entry.seq
                children=move |entry| {
                    let seq = entry.seq;
                    let row = match entry.kind {
                        EntryKind::Message(message) => view! { <MessageBubble message=message /> }.into_any(),
                        EntryKind::Notice(notice) => view! { <SystemNotice notice=notice /> }.into_any(),
                    };
                    view! {
                        {row}
                        <Show when=move || prompt_at.get() == PromptAt::After(seq)>
                            <CobrowsePrompt />
                        </Show>
                    }
                }
            />
            <Show when=move || prompt_at.get() == PromptAt::End>
                <CobrowsePrompt />
            </Show>
            <TypingIndicator />
            <Survey />
        </div>
    }
}
