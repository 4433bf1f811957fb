//! The offline form: name, email address and message while nobody is available and the
//! campaign has `displayOfflineForm`, in place of the composer.
//!
//! Its message starts with what the visitor had written for a chat that turned out impossible
//! (the session's draft: messages marked failed) and what was still in the composer, so nothing
//! typed is lost. Checked on submit with the form rules ([`field_errors`]); a failed send keeps
//! everything typed and says why in an alert. The success message replaces it in the
//! conversation ([`OfflineState`](super::OfflineState)).

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;

use super::form_field::{focus_control, send_error_text, Control, FormField};
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key};
use crate::model::{ChatStore, OfflineState};
use crate::session::offline::field_errors;

/// The form, while the session shows it.
#[component]
pub fn OfflineForm() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let shown = Memo::new(move |_| matches!(store.offline().get(), OfflineState::Form { .. }));
    move || shown.get().then(|| view! { <OfflineFormOpen /> })
}

#[component]
fn OfflineFormOpen() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let state = store.offline();
    let draft = move || match state.get() {
        OfflineState::Form { draft, .. } => draft,
        _ => String::new(),
    };
    let offered = |session: String, composer: String| {
        [session, composer]
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let message = RwSignal::new(offered(
        untrack(draft),
        store.composer_draft().get_untracked(),
    ));
    // A draft that arrives later (the refusal came after the form showed) fills an empty field.
    Effect::new(move |_| {
        let d = draft();
        if !d.is_empty() && message.with_untracked(|m| m.trim().is_empty()) {
            message.set(d);
        }
    });
    let busy =
        Signal::derive(move || matches!(state.get(), OfflineState::Form { sending: true, .. }));
    let failed = move || match state.get() {
        OfflineState::Form { error, .. } => error,
        _ => None,
    };
    let tried = RwSignal::new(false);
    let errors = Memo::new(move |_| {
        if tried.get() {
            field_errors(&name.get(), &email.get(), &message.get())
        } else {
            [None, None, None]
        }
    });
    let form_ref = NodeRef::<html::Form>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        tried.set(true);
        let (n, e, m) = (
            name.get_untracked(),
            email.get_untracked(),
            message.get_untracked(),
        );
        let found = field_errors(&n, &e, &m);
        let ids = ["wc-off-name", "wc-off-email", "wc-off-message"];
        if let Some(id) = found
            .iter()
            .zip(ids)
            .find_map(|(err, id)| err.is_some().then_some(id))
        {
            if let Some(form) = form_ref.get_untracked() {
                focus_control(&form, id);
            }
            return;
        }
        actions.dispatch(UiAction::SendOffline {
            name: n,
            email: e,
            message: m,
        });
    };
    let error_of = move |i: usize| Signal::derive(move || errors.with(|e| e[i].clone()));

    view! {
        <form
            class="wc-form wc-offline-form"
            novalidate
            aria-label=tr(lang, Key::OfflineTitle)
            aria-busy=move || busy.get().then_some("true")
            node_ref=form_ref
            on:submit=on_submit
        >
            <FormField id="wc-off-name" label=Key::FieldName control=Control::Text value=name
                error=error_of(0) required=true autocomplete="name" busy=busy lang=lang />
            <FormField id="wc-off-email" label=Key::FieldEmail control=Control::Email value=email
                error=error_of(1) required=true autocomplete="email" busy=busy lang=lang />
            <FormField id="wc-off-message" label=Key::FieldMessage control=Control::Area value=message
                error=error_of(2) required=true autocomplete="off" busy=busy lang=lang />
            {move || failed().map(|e| view! {
                <p class="wc-form-alert" role="alert">{send_error_text(lang.get(), e)}</p>
            })}
            <button type="submit" class="wc-btn wc-btn--primary wc-form-submit" aria-disabled=move || busy.get().then_some("true")>
                {move || lang.get().text(if busy.get() { Key::Sending } else { Key::SendMessage })}
            </button>
        </form>
    }
}
