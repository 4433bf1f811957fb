//! One labelled field of the widget's forms (pre-chat, offline, the transcript's address), with
//! its inline error, and the texts of the form rules' errors.
//!
//! A field is a `<label>` tied to its control by `for`/`id`, `aria-required` when required,
//! and, while its value breaks a rule, `aria-invalid="true"` and `aria-describedby` naming the
//! error's text right under it. The checks themselves are the protocol's form rules
//! (`webchat_protocol::forms`), the same the session and the backend apply; this module only
//! shows them. Values are plain text in `value` properties, never HTML.

use leptos::prelude::*;
use webchat_protocol::forms::{Field, FormError};

use crate::i18n::{tr, Key, Lang};
use crate::model::SendError;

/// What kind of control a field is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// One line of text.
    Text,
    /// An email address (`type="email"`, the email keyboard on phones).
    Email,
    /// Several lines.
    Area,
}

/// The text of a form rule's error, in `lang`.
pub fn error_text(lang: Lang, error: &FormError) -> String {
    match error {
        FormError::Required(Field::Name) => lang.text(Key::ErrorNameRequired).to_owned(),
        FormError::Required(Field::Email) => lang.text(Key::ErrorEmailRequired).to_owned(),
        FormError::Required(Field::Department) => {
            lang.text(Key::ErrorDepartmentRequired).to_owned()
        }
        FormError::Required(_) => lang.text(Key::ErrorMessageRequired).to_owned(),
        FormError::InvalidEmail => lang.text(Key::ErrorEmailInvalid).to_owned(),
        FormError::TooLong { max, .. } => {
            lang.format(Key::ErrorTooLong, &[("max", &max.to_string())])
        }
        FormError::ControlCharacter(_) => lang.text(Key::ErrorOneLine).to_owned(),
    }
}

/// Why a form could not be sent, in `lang`.
pub fn send_error_text(lang: Lang, error: SendError) -> &'static str {
    lang.text(match error {
        SendError::Network => Key::SendFailedNetwork,
        SendError::Invalid => Key::SendFailedInvalid,
        SendError::Refused => Key::SendFailedRefused,
        SendError::Unsupported => Key::SendFailedUnsupported,
    })
}

/// A labelled control with its inline error.
#[component]
pub fn FormField(
    /// The control's `id` (its error's is `{id}-error`).
    id: &'static str,
    /// The label's text.
    label: Key,
    /// The kind of control.
    control: Control,
    /// The value, kept by the form.
    value: RwSignal<String>,
    /// The error to show under it, if any.
    #[prop(into)]
    error: Signal<Option<FormError>>,
    /// Whether it must be filled in (else the label says it is optional).
    required: bool,
    /// The `autocomplete` token.
    autocomplete: &'static str,
    /// The form waits (sending): the control is read-only meanwhile.
    #[prop(into)]
    busy: Signal<bool>,
    /// The language.
    lang: Memo<Lang>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = move || error.with(Option::is_some);
    let described = {
        let error_id = error_id.clone();
        move || invalid().then(|| error_id.clone())
    };
    let on_input = move |ev| value.set(event_target_value(&ev));
    let input = match control {
        Control::Area => view! {
            <textarea
                class="wc-field-input wc-field-area"
                id=id
                rows="3"
                autocomplete=autocomplete
                aria-required=required.then_some("true")
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described.clone()
                readonly=move || busy.get()
                prop:value=move || value.get()
                on:input=on_input
            ></textarea>
        }
        .into_any(),
        Control::Text | Control::Email => view! {
            <input
                class="wc-field-input"
                id=id
                type=if control == Control::Email { "email" } else { "text" }
                autocomplete=autocomplete
                aria-required=required.then_some("true")
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described.clone()
                readonly=move || busy.get()
                prop:value=move || value.get()
                on:input=on_input
            />
        }
        .into_any(),
    };
    view! {
        <div class="wc-field" class:wc-field--invalid=invalid>
            <label class="wc-field-label" for=id>
                {tr(lang, label)}
                {(!required).then(|| view! { " " <span class="wc-field-optional">{tr(lang, Key::Optional)}</span> })}
            </label>
            {input}
            <p class="wc-field-error" id=error_id hidden=move || !invalid()>
                {move || error.get().map(|e| error_text(lang.get(), &e)).unwrap_or_default()}
            </p>
        </div>
    }
}

/// Focuses the control with `id` inside `form` (the first one refused by a submit).
pub fn focus_control(form: &web_sys::HtmlFormElement, id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = form
        .query_selector(&format!("#{id}"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
