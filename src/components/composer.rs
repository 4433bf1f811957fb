//! The composer: a textarea where Enter sends and Shift+Enter starts a new line, a Send button,
//! and the visitor's debounced chat state. After the end it offers a new chat instead.

use std::time::Duration;

use leptos::ev::{Event, KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

use super::icons::SendIcon;
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, Phase, TypingTracker, PAUSE_AFTER_MS};

/// Milliseconds since the epoch (the tracker only needs differences).
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Message input and Send.
#[component]
pub fn Composer() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let phase = store.phase();
    let text = RwSignal::new(String::new());
    let tracker = StoredValue::new(TypingTracker::default());
    let pause_timer = StoredValue::new_local(None::<TimeoutHandle>);

    let report = move |change: Option<crate::model::ChatState>| {
        if let Some(state) = change {
            actions.dispatch(UiAction::ChatState(state));
        }
    };
    let cancel_timer = move || {
        if let Some(handle) = pause_timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(cancel_timer);

    let send = move || {
        if !phase.get_untracked().can_write() {
            return;
        }
        let body = text.get_untracked().trim().to_owned();
        if body.is_empty() {
            return;
        }
        text.set(String::new());
        cancel_timer();
        report(tracker.try_update_value(TypingTracker::on_send).flatten());
        actions.dispatch(UiAction::SendText(body));
    };
    let on_input = move |ev: Event| {
        let value = event_target_value(&ev);
        let empty = value.trim().is_empty();
        text.set(value);
        report(
            tracker
                .try_update_value(|t| t.on_input(now_ms(), empty))
                .flatten(),
        );
        cancel_timer();
        if !empty {
            let handle = set_timeout_with_handle(
                move || report(tracker.try_update_value(|t| t.on_timer(now_ms())).flatten()),
                Duration::from_millis(PAUSE_AFTER_MS as u64),
            );
            pause_timer.set_value(handle.ok());
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        // `is_composing`: Enter that confirms an IME composition (Japanese, Chinese …) must not send.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let disabled = move || !phase.get().can_write();
    let placeholder = move || {
        lang.get().text(if disabled() {
            Key::ComposerDisabled
        } else {
            Key::TypeYourMessage
        })
    };

    view! {
        <Show
            when=move || phase.get() != Phase::Ended
            fallback=move || view! {
                <div class="wc-composer wc-composer--ended">
                    <button
                        type="button"
                        class="wc-btn wc-btn--primary wc-new-chat"
                        on:click=move |_| {
                            if store.start_new_chat() {
                                actions.dispatch(UiAction::StartNewChat);
                            }
                        }
                    >
                        {tr(lang, Key::NewChat)}
                    </button>
                </div>
            }
        >
            <form class="wc-composer" on:submit=on_submit>
                <textarea
                    class="wc-input"
                    rows="1"
                    aria-label=tr(lang, Key::TypeYourMessage)
                    placeholder=placeholder
                    disabled=disabled
                    prop:value=move || text.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <button
                    type="submit"
                    class="wc-send"
                    aria-label=tr(lang, Key::Send)
                    title=tr(lang, Key::Send)
                    disabled=move || disabled() || text.with(|t| t.trim().is_empty())
                >
                    <SendIcon />
                </button>
            </form>
        </Show>
    }
}
