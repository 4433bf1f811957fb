//! The composer: a textarea where Enter sends and Shift+Enter starts a new line, a Send button,
//! and the visitor's debounced chat state. After the end it offers a new chat instead.
//!
//! The textarea grows with its text up to the stylesheet's `max-height`: by CSS
//! (`field-sizing: content`) where the browser has it, by hand (from `scrollHeight`) where it
//! does not (Firefox before 150-ish, Safari before 26).

use std::time::Duration;

use leptos::ev::{Event, KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

use super::icons::SendIcon;
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, Phase, TypingTracker, PAUSE_AFTER_MS};

/// Whether the browser sizes a textarea to its content in CSS (`field-sizing: content`).
fn css_sizes_fields() -> bool {
    use wasm_bindgen::JsCast;
    let get = |target: &wasm_bindgen::JsValue, key: &str| js_sys::Reflect::get(target, &key.into());
    let Ok(css) = get(&js_sys::global(), "CSS") else {
        return false;
    };
    let Some(supports) = get(&css, "supports")
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    supports
        .call2(&css, &"field-sizing".into(), &"content".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Without CSS support: height from the text's `scrollHeight` plus borders (the box is
/// border-box), capped by `max-height` in CSS; empty text goes back to the stylesheet's height.
/// Inline styles set through the CSSOM are allowed by a strict CSP.
fn fit_to_text(area: &web_sys::HtmlTextAreaElement) {
    let style = web_sys::HtmlElement::style(area);
    let _ = style.remove_property("height");
    if area.value().is_empty() {
        return;
    }
    let borders = area.offset_height() - area.client_height();
    let _ = style.set_property("height", &format!("{}px", area.scroll_height() + borders));
}

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
    let text = RwSignal::new(store.take_draft());
    let tracker = StoredValue::new(TypingTracker::default());
    let pause_timer = StoredValue::new_local(None::<TimeoutHandle>);
    let area_ref = NodeRef::<leptos::html::Textarea>::new();
    let grow_by_hand = !css_sizes_fields();
    let fit = move || {
        if grow_by_hand {
            if let Some(area) = area_ref.get_untracked() {
                fit_to_text(&area);
            }
        }
    };

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
        store.set_composer_draft(String::new());
        // `prop:value` empties the box without an input event: fit it here.
        if let Some(area) = area_ref.get_untracked() {
            area.set_value("");
        }
        fit();
        cancel_timer();
        report(tracker.try_update_value(TypingTracker::on_send).flatten());
        actions.dispatch(UiAction::SendText(body));
    };
    let on_input = move |ev: Event| {
        let value = event_target_value(&ev);
        let empty = value.trim().is_empty();
        store.set_composer_draft(value.clone());
        text.set(value);
        fit();
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
                        on:click=move |_| actions.dispatch(UiAction::StartNewChat)
                    >
                        {tr(lang, Key::NewChat)}
                    </button>
                </div>
            }
        >
            <form class="wc-composer" on:submit=on_submit>
                <textarea
                    class="wc-input"
                    node_ref=area_ref
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
