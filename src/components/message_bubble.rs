//! One message bubble: visitor on the end side in the campaign color, agent on the start side
//! with the agent's name, the time it was written, and the delivery state under the visitor's
//! own messages. Inside a group (same sender, a few minutes apart) the name and time are seen
//! once, on the group's first bubble; screen readers hear sender and time on every one.

use leptos::prelude::*;

use super::{when, MessageText};
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, Message, MessageStatus, Sender};

/// A chat message.
#[component]
pub fn MessageBubble(
    /// The message to show.
    message: Message,
) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let status = message.status;
    let (side, nick) = match &message.sender {
        Sender::Visitor => ("visitor", None),
        Sender::Agent { nick } => ("agent", Some(nick.clone())),
        Sender::System => ("system", None),
    };
    let is_visitor = message.sender == Sender::Visitor;
    let grouped = message.continues_group;
    let earlier = message.earlier;
    // Seen once per group; the others keep it for screen readers.
    let meta_class = move |base: &'static str| {
        if grouped {
            format!("{base} wc-sr")
        } else {
            base.to_owned()
        }
    };
    let time = message.at_ms.map(|at| {
        view! {
            <time
                class=meta_class("wc-msg-time")
                datetime=when::iso(at)
                title=move || when::day_and_time(at, lang.get())
            >
                {move || when::bubble_time(at, lang.get())}
            </time>
        }
    });
    let status_text = move || match status.get() {
        MessageStatus::Sending => lang.get().text(Key::Sending),
        MessageStatus::Failed => lang.get().text(Key::Failed),
        MessageStatus::Sent => "",
    };
    let status_name = move || match status.get() {
        MessageStatus::Sending => "sending",
        MessageStatus::Sent => "sent",
        MessageStatus::Failed => "failed",
    };

    view! {
        <div
            class=format!(
                "wc-msg wc-msg--{side}{}{}",
                if grouped { " wc-msg--cont" } else { "" },
                if earlier { " wc-msg--earlier" } else { "" },
            )
            data-status=status_name
            data-id=message.id.0.clone()
        >
            // Inside a group the name is only for screen readers, so every message keeps a sender.
            <div class="wc-msg-meta">
                {nick.map(|nick| view! { <span class=meta_class("wc-msg-nick")>{nick}</span> })}
                {is_visitor.then(|| view! { <span class="wc-sr">{move || format!("{}: ", lang.get().text(Key::You))}</span> })}
                {time}
            </div>
            <div class="wc-bubble" dir="auto">
                <MessageText text=message.text />
            </div>
            // Only while there is something to say (sending, failed): a delivered message,
            // nearly every row of a long conversation, carries no empty element for it.
            {is_visitor.then(|| {
                let id = message.id.clone();
                move || (status.get() != MessageStatus::Sent).then(|| {
                    let id = id.clone();
                    view! {
                        <span class="wc-msg-status">
                            {status_text}
                            <Show when=move || status.get() == MessageStatus::Failed>
                                <button
                                    type="button"
                                    class="wc-retry"
                                    on:click={
                                        let id = id.clone();
                                        move |_| actions.dispatch(UiAction::Retry(id.clone()))
                                    }
                                >
                                    {tr(lang, Key::Retry)}
                                </button>
                            </Show>
                        </span>
                    }
                })
            })}
        </div>
    }
}
