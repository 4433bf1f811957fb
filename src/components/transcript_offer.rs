//! After the chat, when the campaign has `transcript`: its text offering a copy
//! (`transcriptMessage`, else the catalogue's), "Download transcript" — a plain-text file made
//! here in the browser from what the conversation shows, with times and names in the visitor's
//! language — and "Email me a copy" to an address (the one the chat has, filled in), unless the
//! backend turned out not to offer it.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use webchat_protocol::forms::check_email;

use super::form_field::{focus_control, send_error_text, Control, FormField};
use super::{system_notice::notice_text, when};
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key, Lang};
use crate::model::transcript::{file_name, render, Names};
use crate::model::{ChatStore, EmailState, SendError, TranscriptOffer};

/// The transcript as the visitor reads it, in `lang`.
fn transcript_text(store: ChatStore, lang: Lang) -> String {
    let title = store
        .config()
        .with_untracked(|c| c.title.clone())
        .unwrap_or_else(|| lang.text(Key::Title).to_owned());
    let names = Names {
        title: &lang.format(Key::TranscriptFileTitle, &[("title", &title)]),
        visitor: lang.text(Key::You),
        agent: lang.text(Key::Agent),
    };
    render(
        &store.snapshot(),
        &names,
        &|ms| when::day_and_time(ms, lang),
        &|n| notice_text(lang, n),
    )
}

/// Hands `text` to the browser as a download named `name` (a Blob URL on a short-lived link
/// inside `near`, which must be in the document). A byte order mark first, so every editor
/// reads it as UTF-8.
fn download(near: &web_sys::Element, text: &str, name: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(&format!("\u{feff}{text}")));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = near
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    near.append_child(&link)?;
    link.click();
    link.remove();
    // The browser has taken the file once the click was handled; the URL can go a little later.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// Today's local date, for the file's name.
fn today() -> (i64, u32, u32) {
    let d = js_sys::Date::new_0();
    (
        i64::from(d.get_full_year()),
        d.get_month() + 1,
        d.get_date(),
    )
}

/// The offer, while the session shows it.
#[component]
pub fn TranscriptCard() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let shown = Memo::new(move |_| match store.transcript().get() {
        TranscriptOffer::Shown { email, .. } => Some(email),
        TranscriptOffer::Hidden => None,
    });
    move || {
        shown
            .get()
            .map(|email| view! { <TranscriptCardShown email=email /> })
    }
}

#[component]
fn TranscriptCardShown(email: Option<String>) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let known = StoredValue::new(email.clone());
    let address = RwSignal::new(email.unwrap_or_default());
    let mail = move || match store.transcript().get() {
        TranscriptOffer::Shown { mail, .. } => mail,
        TranscriptOffer::Hidden => EmailState::Idle,
    };
    let busy = Signal::derive(move || mail() == EmailState::Sending);
    let tried = RwSignal::new(false);
    let error = Signal::derive(move || {
        if !tried.get() {
            return None;
        }
        check_email(&address.get()).err()
    });
    let card_ref = NodeRef::<html::Section>::new();
    let form_ref = NodeRef::<html::Form>::new();
    let on_download = move |_| {
        let text = transcript_text(store, lang.get_untracked());
        let (y, m, d) = today();
        if let Some(card) = card_ref.get_untracked() {
            if download(&card, &text, &file_name(y, m, d)).is_err() {
                web_sys::console::warn_1(&"webchat: the transcript could not be downloaded".into());
            }
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        tried.set(true);
        let to = address.get_untracked().trim().to_owned();
        if check_email(&to).is_err() {
            if let Some(form) = form_ref.get_untracked() {
                focus_control(&form, "wc-tr-email");
            }
            return;
        }
        // The address the chat has needs no repeating: the backend knows it.
        let to = known
            .with_value(|k| k.as_deref() != Some(to.as_str()))
            .then_some(to);
        actions.dispatch(UiAction::EmailTranscript(to));
    };
    let text = move || {
        store
            .config()
            .with(|c| c.livechat.transcript_message.clone())
            .unwrap_or_else(|| lang.get().text(Key::TranscriptOffer).to_owned())
    };
    let offered = move || mail() != EmailState::Failed(SendError::Unsupported);

    view! {
        <section class="wc-transcript" aria-labelledby="wc-transcript-q" node_ref=card_ref>
            <p class="wc-transcript-q" id="wc-transcript-q">{text}</p>
            <button type="button" class="wc-btn wc-btn--ghost wc-transcript-download" on:click=on_download>
                {tr(lang, Key::TranscriptDownload)}
            </button>
            <Show when=offered>
                <form class="wc-transcript-mail" novalidate node_ref=form_ref on:submit=on_submit>
                    <FormField id="wc-tr-email" label=Key::FieldEmail control=Control::Email value=address
                        error=error required=true autocomplete="email" busy=busy lang=lang />
                    <button type="submit" class="wc-btn wc-btn--primary wc-transcript-send"
                        aria-disabled=move || busy.get().then_some("true")>
                        {move || lang.get().text(if busy.get() { Key::Sending } else { Key::TranscriptEmailSend })}
                    </button>
                </form>
            </Show>
            {move || match mail() {
                EmailState::Sent { to } => Some(view! {
                    <p class="wc-form-note" role="status">
                        {lang.get().format(Key::TranscriptEmailSent, &[("email", &to)])}
                    </p>
                }.into_any()),
                EmailState::Failed(e) => Some(view! {
                    <p class="wc-form-alert" role="alert">{send_error_text(lang.get(), e)}</p>
                }.into_any()),
                _ => None,
            }}
        </section>
    }
}
