//! The window header: title, agent name and state, End chat (with confirmation) and Minimise.

use leptos::prelude::*;

use super::icons::{ChevronDownIcon, EndIcon};
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key, Lang};
use crate::model::{ChatStore, Phase};

/// The localised state line for a phase.
fn status_text(lang: Lang, phase: Phase) -> &'static str {
    lang.text(match phase {
        Phase::Offline => Key::StatusOffline,
        Phase::Idle => Key::StatusOnline,
        Phase::Connecting => Key::StatusConnecting,
        Phase::Chatting => Key::StatusChatting,
        Phase::Reconnecting => Key::StatusReconnecting,
        Phase::Ended => Key::StatusEnded,
        Phase::Blocked => Key::StatusBlocked,
    })
}

/// A short name for the CSS state dot.
fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Offline => "offline",
        Phase::Idle => "idle",
        Phase::Connecting => "connecting",
        Phase::Chatting => "chatting",
        Phase::Reconnecting => "reconnecting",
        Phase::Ended => "ended",
        Phase::Blocked => "blocked",
    }
}

/// Title bar in the campaign color.
#[component]
pub fn Header() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let phase = store.phase();
    let agent = store.agent_name();
    let confirming = RwSignal::new(false);

    let title = move || {
        let (lang, offline) = (lang.get(), phase.get() == Phase::Offline);
        store.config().with(|c| c.title_text(offline, lang))
    };
    let initial = move || {
        agent
            .get()
            .and_then(|name| name.chars().next())
            // Upper-cased by the stylesheet (`.wc-avatar`): `char::to_uppercase` would ship
            // Unicode's case table (about 3 KB brotli) for this one letter.
            .map(String::from)
            .unwrap_or_default()
    };
    let status = move || {
        let state = status_text(lang.get(), phase.get());
        match agent.get() {
            Some(name) if phase.get().in_chat() => format!("{name} · {state}"),
            _ => state.to_owned(),
        }
    };
    // A confirmation left open when the chat ends by other means would end nothing.
    Effect::new(move || {
        if !phase.get().in_chat() {
            confirming.set(false);
        }
    });

    view! {
        <div class="wc-header">
            <div class="wc-avatar" aria-hidden="true" class:wc-avatar--empty=move || agent.get().is_none()>
                {initial}
            </div>
            <div class="wc-heading">
                <h2 class="wc-title" id="wc-title">{title}</h2>
                <p class="wc-status" data-phase=move || phase_name(phase.get())>
                    <span class="wc-dot" aria-hidden="true"></span>
                    <span class="wc-status-text">{status}</span>
                </p>
            </div>
            <Show when=move || phase.get().in_chat()>
                <button
                    type="button"
                    class="wc-icon-btn wc-end"
                    aria-label=tr(lang, Key::EndChat)
                    title=tr(lang, Key::EndChat)
                    aria-expanded=move || if confirming.get() { "true" } else { "false" }
                    on:click=move |_| confirming.set(true)
                >
                    <EndIcon />
                </button>
            </Show>
            <button
                type="button"
                class="wc-icon-btn wc-minimise"
                aria-label=tr(lang, Key::MinimiseChat)
                title=tr(lang, Key::MinimiseChat)
                on:click=move |_| {
                    store.minimise_window();
                    actions.dispatch(UiAction::Minimise);
                }
            >
                <ChevronDownIcon />
            </button>
        </div>
        <Show when=move || confirming.get()>
            <div class="wc-confirm" role="alertdialog" aria-label=tr(lang, Key::EndChatConfirm)>
                <p class="wc-confirm-text">{tr(lang, Key::EndChatConfirm)}</p>
                <div class="wc-confirm-actions">
                    <button
                        type="button"
                        class="wc-btn wc-btn--danger wc-confirm-end"
                        on:click=move |_| {
                            confirming.set(false);
                            actions.dispatch(UiAction::EndChat);
                        }
                    >
                        {tr(lang, Key::EndChat)}
                    </button>
                    <button
                        type="button"
                        class="wc-btn wc-btn--ghost wc-confirm-cancel"
                        on:click=move |_| confirming.set(false)
                    >
                        {tr(lang, Key::Cancel)}
                    </button>
                </div>
            </div>
        </Show>
    }
}
