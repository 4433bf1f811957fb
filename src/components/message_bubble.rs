//! One message bubble: visitor on the end side in the campaign color, agent on the start side
//! with the agent's name, the time it was written, and the delivery state under the visitor's
//! own messages. Inside a group (same sender, a few minutes apart) the name and time are seen
//! once, on the group's first bubble; screen readers hear sender and time on every one.
//!
//! Built for one language (the list rebuilds its rows when it changes), so the only reactive
//! parts are a visitor message's delivery state: a row of a long history costs its DOM nodes and
//! two time formats, not a set of subscriptions.

use leptos::prelude::*;

use super::{when, MessageText};
use crate::actions::{Actions, UiAction};
use crate::i18n::{Key, Lang};
use crate::model::{Message, MessageStatus, Sender};

/// The `data-status` value (styling and tests).
fn status_name(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Sending => "sending",
        MessageStatus::Sent => "sent",
        MessageStatus::Failed => "failed",
    }
}

/// A chat message.
#[component]
pub fn MessageBubble(
    /// The message to show.
    message: Message,
    /// The language of its texts (sender for screen readers, time, delivery state).
    lang: Lang,
) -> impl IntoView {
    let status = message.status;
    let (side, nick) = match &message.sender {
        Sender::Visitor => ("visitor", None),
        Sender::Agent { nick } => ("agent", Some(nick.clone())),
        Sender::System => ("system", None),
    };
    let is_visitor = message.sender == Sender::Visitor;
    let grouped = message.continues_group;
    // Seen once per group; the others keep it for screen readers.
    let meta_class = move |base: &'static str| {
        if grouped {
            format!("{base} wc-sr")
        } else {
            base.to_owned()
        }
    };
    let class = format!(
        "wc-msg wc-msg--{side}{}{}",
        if grouped { " wc-msg--cont" } else { "" },
        if message.earlier {
            " wc-msg--earlier"
        } else {
            ""
        },
    );
    let time = message.at_ms.map(|at| {
        view! {
            <time
                class=meta_class("wc-msg-time")
                datetime=when::iso(at)
                title=when::day_and_time(at, lang)
            >
                {when::bubble_time(at, lang)}
            </time>
        }
    });
    // Inside a group the name is only for screen readers, so every message keeps a sender.
    let meta = view! {
        <div class="wc-msg-meta">
            {nick.map(|nick| view! { <span class=meta_class("wc-msg-nick")>{nick}</span> })}
            {is_visitor.then(|| view! { <span class="wc-sr">{format!("{}: ", lang.text(Key::You))}</span> })}
            {time}
        </div>
        <div class="wc-bubble" dir="auto">
            <MessageText text=message.text />
        </div>
    };
    let id = message.id;
    if !is_visitor {
        // Only the visitor's own messages change state.
        return view! {
            <div class=class data-status=status_name(status.get_untracked()) data-id=id.0>
                {meta}
            </div>
        }
        .into_any();
    }

    let actions = expect_context::<Actions>();
    let data_id = id.0.clone();
    // Only while there is something to say (sending, failed): a delivered message, nearly every
    // row of a long conversation, carries no empty element for it.
    let status_line = move || {
        (status.get() != MessageStatus::Sent).then(|| {
            let id = id.clone();
            view! {
                <span class="wc-msg-status">
                    {move || match status.get() {
                        MessageStatus::Sending => lang.text(Key::Sending),
                        MessageStatus::Failed => lang.text(Key::Failed),
                        MessageStatus::Sent => "",
                    }}
                    <Show when=move || status.get() == MessageStatus::Failed>
                        <button
                            type="button"
                            class="wc-retry"
                            on:click={
                                let id = id.clone();
                                move |_| actions.dispatch(UiAction::Retry(id.clone()))
                            }
                        >
                            {lang.text(Key::Retry)}
                        </button>
                    </Show>
                </span>
            }
        })
    };
    view! {
        <div class=class data-status=move || status_name(status.get()) data-id=data_id>
            {meta}
            {status_line}
        </div>
    }
    .into_any()
}
