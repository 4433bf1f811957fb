//! The form before the chat: the campaign's pre-chat fields (name, email, "How can we help?")
//! and its departments, in place of the composer; and, once given, the chosen department above
//! the composer with "Change department" while the campaign allows it.
//!
//! Checked on submit with the form rules the session applies again
//! ([`field_errors`]): each error under its field, the first invalid field focused; after a
//! refused submit every change is checked again, so an error goes as soon as it is fixed. The
//! answers go to the session as one action; which fields show and when is the session's to say.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;

use super::form_field::{focus_control, Control, FormField};
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, PrechatFields, PrechatState, PrechatValues};
use crate::session::prechat::{field_errors, FieldErrors};

/// The form, while the session shows it.
#[component]
pub fn PrechatForm() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    move || match store.prechat().get() {
        PrechatState::Open { fields, values } => {
            view! { <PrechatFormOpen fields=fields values=values /> }.into_any()
        }
        _ => ().into_any(),
    }
}

#[component]
fn PrechatFormOpen(fields: PrechatFields, values: PrechatValues) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let config = store.config();
    let name = RwSignal::new(values.name);
    let email = RwSignal::new(values.email);
    let message = RwSignal::new(values.message);
    let department = RwSignal::new(values.department.unwrap_or_default());
    let tried = RwSignal::new(false);
    let form_ref = NodeRef::<html::Form>::new();
    let departments = move || {
        config.with(|c| {
            c.livechat
                .departments
                .iter()
                .map(|d| d.id.clone())
                .collect::<Vec<_>>()
        })
    };
    let current = move || PrechatValues {
        name: name.get(),
        email: email.get(),
        message: message.get(),
        department: Some(department.get()).filter(|d| !d.is_empty()),
    };
    // Errors show once the visitor tried to send, and follow every change after that.
    let errors = Memo::new(move |_| {
        if tried.get() {
            field_errors(fields, &departments(), &current())
        } else {
            FieldErrors::default()
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let values = current();
        let found = field_errors(fields, &departments(), &values);
        if found.is_empty() {
            actions.dispatch(UiAction::SubmitPrechat(values));
            return;
        }
        let first = [
            (found.name.is_some(), "wc-pc-name"),
            (found.email.is_some(), "wc-pc-email"),
            (found.department.is_some(), "wc-pc-department"),
            (found.message.is_some(), "wc-pc-message"),
        ]
        .into_iter()
        .find_map(|(bad, id)| bad.then_some(id));
        if let (Some(form), Some(id)) = (form_ref.get_untracked(), first) {
            focus_control(&form, id);
        }
    };
    let not_busy = Signal::derive(|| false);
    let department_error = move || errors.with(|e| e.department.clone());
    let department_invalid = move || department_error().is_some();
    let options = move || {
        let lang = lang.get();
        config.with(|c| {
            c.livechat
                .departments
                .iter()
                .map(|d| {
                    let name = c.department_name(&d.id);
                    let label = if d.available == Some(false) {
                        lang.format(Key::DepartmentUnavailable, &[("name", &name)])
                    } else {
                        name
                    };
                    view! { <option value=d.id.clone()>{label}</option> }
                })
                .collect_view()
        })
    };

    view! {
        <form
            class="wc-form wc-prechat"
            novalidate
            aria-labelledby="wc-prechat-intro"
            node_ref=form_ref
            on:submit=on_submit
        >
            <p class="wc-form-intro" id="wc-prechat-intro">
                {move || {
                    if fields.name || fields.email {
                        lang.get().text(Key::PrechatIntro)
                    } else {
                        lang.get().text(Key::ChooseDepartment)
                    }
                }}
            </p>
            {fields.name.then(|| view! {
                <FormField id="wc-pc-name" label=Key::FieldName control=Control::Text value=name
                    error=Signal::derive(move || errors.with(|e| e.name.clone()))
                    required=true autocomplete="name" busy=not_busy lang=lang />
            })}
            {fields.email.then(|| view! {
                <FormField id="wc-pc-email" label=Key::FieldEmail control=Control::Email value=email
                    error=Signal::derive(move || errors.with(|e| e.email.clone()))
                    required=true autocomplete="email" busy=not_busy lang=lang />
            })}
            {fields.department.then(|| view! {
                <div class="wc-field" class:wc-field--invalid=department_invalid>
                    <label class="wc-field-label" for="wc-pc-department">{tr(lang, Key::FieldDepartment)}</label>
                    <select
                        class="wc-field-input wc-field-select"
                        id="wc-pc-department"
                        aria-required="true"
                        aria-invalid=move || department_invalid().then_some("true")
                        aria-describedby=move || department_invalid().then_some("wc-pc-department-error")
                        prop:value=move || department.get()
                        on:change=move |ev| department.set(event_target_value(&ev))
                    >
                        <option value="" disabled selected=move || department.with(String::is_empty)>
                            {tr(lang, Key::ChooseDepartment)}
                        </option>
                        {options}
                    </select>
                    <p class="wc-field-error" id="wc-pc-department-error" hidden=move || !department_invalid()>
                        {tr(lang, Key::ErrorDepartmentRequired)}
                    </p>
                </div>
            })}
            {fields.message.then(|| view! {
                <FormField id="wc-pc-message" label=Key::FieldHowCanWeHelp control=Control::Area value=message
                    error=Signal::derive(move || errors.with(|e| e.message.clone()))
                    required=false autocomplete="off" busy=not_busy lang=lang />
            })}
            <button type="submit" class="wc-btn wc-btn--primary wc-form-submit">
                {tr(lang, Key::StartChat)}
            </button>
        </form>
    }
}

/// Focuses the element with `id` under `root` (the widget's shadow root).
fn focus_in(root: &web_sys::Node, id: &str) {
    use wasm_bindgen::JsCast;
    let found = root
        .dyn_ref::<web_sys::DocumentFragment>()
        .and_then(|r| r.query_selector(&format!("#{id}")).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = found {
        let _ = el.focus();
    }
}

/// The department chosen, above the composer until the first message; "Change department"
/// when the campaign allows switching.
#[component]
pub fn DepartmentLine() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    move || match store.prechat().get() {
        PrechatState::Done {
            department: Some(id),
            can_switch,
        } => {
            let name = store.config().with(|c| c.department_name(&id));
            view! {
                <div class="wc-department">
                    <span class="wc-department-name">
                        {move || lang.get().format(Key::DepartmentChosen, &[("name", &name)])}
                    </span>
                    {can_switch.then(|| view! {
                        <button
                            type="button"
                            class="wc-link-btn wc-department-change"
                            on:click=move |ev| {
                                let root = event_target::<web_sys::Element>(&ev).get_root_node();
                                actions.dispatch(UiAction::ChangeDepartment);
                                // The button goes with the line: focus moves to the choice.
                                request_animation_frame(move || focus_in(&root, "wc-pc-department"));
                            }
                        >
                            {tr(lang, Key::ChangeDepartment)}
                        </button>
                    })}
                </div>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}
