//! The post-chat survey: the campaign's question and options (smileys or thumbs), an optional
//! comment, the thank-you text, and the rating can be changed after submitting.

use leptos::prelude::*;

use super::icons::SurveyIcon;
use crate::actions::{Actions, UiAction};
use crate::i18n::{tr, Key, Lang};
use crate::model::{ChatStore, SurveyConfig, SurveyState, SurveyStyle};

/// The catalogue label for an option value the campaign left unlabelled.
fn default_label(lang: Lang, value: &str) -> String {
    match value {
        "good" => lang.text(Key::SurveyGood).to_owned(),
        "moderate" => lang.text(Key::SurveyModerate).to_owned(),
        "bad" => lang.text(Key::SurveyBad).to_owned(),
        other => other.to_owned(),
    }
}

/// Campaign text unless it is missing or blank.
fn or_default(text: Option<String>, lang: Lang, key: Key) -> String {
    text.filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| lang.text(key).to_owned())
}

/// Shown after the chat ends when the campaign has an active survey.
#[component]
pub fn Survey() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    view! {
        <Show when=move || store.survey().get() != SurveyState::Hidden>
            {move || store.config().get().survey.map(|config| view! { <SurveyCard config=config /> })}
        </Show>
    }
}

/// The survey card for one configuration.
#[component]
fn SurveyCard(
    /// The campaign's survey settings.
    config: SurveyConfig,
) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = expect_context::<Actions>();
    let lang = store.lang();
    let state = store.survey();
    let style = config.style();
    let comment_enabled = config.comment_enabled;
    let thanks_enabled = config.thanks_enabled;
    let (question, comment_prompt, thanks) = (
        config.question.clone(),
        config.comment_prompt.clone(),
        config.thanks.clone(),
    );

    let submitted = move || match state.get() {
        SurveyState::Submitted { value, comment } => Some((value, comment)),
        _ => None,
    };
    let selected = RwSignal::new(match state.get_untracked() {
        SurveyState::Submitted { value, .. } => Some(value),
        _ => None,
    });
    let comment = RwSignal::new(String::new());
    // An answer given elsewhere (another tab of this visitor) shows here as chosen.
    Effect::new(move |_| {
        if let SurveyState::Submitted {
            value,
            comment: note,
        } = state.get()
        {
            if selected.get_untracked().as_deref() != Some(value.as_str()) {
                selected.set(Some(value));
            }
            let note = note.unwrap_or_default();
            if comment.get_untracked().trim() != note {
                comment.set(note);
            }
        }
    });

    let submit = move |value: String| {
        let note = if comment_enabled {
            Some(comment.get_untracked().trim().to_owned()).filter(|c| !c.is_empty())
        } else {
            None
        };
        actions.dispatch(UiAction::SurveyAnswer {
            value,
            comment: note,
        });
    };
    let choose = move |value: String| {
        selected.set(Some(value.clone()));
        // Without a comment field a tap is the whole answer; with one, Submit sends both.
        if !comment_enabled {
            submit(value);
        }
    };
    let unchanged = move || {
        let current = (
            selected.get(),
            Some(comment.get().trim().to_owned()).filter(|c| !c.is_empty()),
        );
        submitted().map(|(v, c)| (Some(v), c)) == Some(current)
    };
    let style_name = match style {
        SurveyStyle::Smileys => "smileys",
        SurveyStyle::Thumbs => "thumbs",
    };

    let options = config
        .display_options()
        .into_iter()
        .map(|option| {
            let value = option.value.clone();
            let label_value = option.value.clone();
            let label = option.label.clone();
            let is_selected = {
                let value = value.clone();
                move || selected.get().as_deref() == Some(value.as_str())
            };
            let icon_value = value.clone();
            view! {
                <button
                    type="button"
                    class="wc-survey-option"
                    data-value=value.clone()
                    aria-pressed=move || if is_selected() { "true" } else { "false" }
                    on:click=move |_| choose(value.clone())
                >
                    <SurveyIcon style=style value=icon_value />
                    <span class="wc-survey-label">
                        {move || {
                            label
                                .clone()
                                .filter(|l| !l.trim().is_empty())
                                .unwrap_or_else(|| default_label(lang.get(), &label_value))
                        }}
                    </span>
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="wc-survey" data-style=style_name aria-labelledby="wc-survey-q">
            <p class="wc-survey-q" id="wc-survey-q">
                {move || or_default(question.clone(), lang.get(), Key::SurveyQuestion)}
            </p>
            <div class="wc-survey-options" role="group" aria-labelledby="wc-survey-q">{options}</div>
            {comment_enabled.then(|| {
                let prompt = comment_prompt.clone();
                view! {
                    <label class="wc-survey-comment">
                        <span class="wc-survey-comment-label">
                            {move || or_default(prompt.clone(), lang.get(), Key::SurveyComment)}
                        </span>
                        <textarea
                            class="wc-input wc-survey-input"
                            rows="2"
                            prop:value=move || comment.get()
                            on:input=move |ev| comment.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <button
                        type="button"
                        class="wc-btn wc-btn--primary wc-survey-submit"
                        disabled=move || selected.with(Option::is_none) || unchanged()
                        on:click=move |_| {
                            if let Some(value) = selected.get_untracked() {
                                submit(value);
                            }
                        }
                    >
                        {tr(lang, Key::SurveySubmit)}
                    </button>
                }
            })}
            <Show when=move || submitted().is_some()>
                {thanks_enabled.then(|| {
                    let thanks = thanks.clone();
                    view! {
                        <p class="wc-survey-thanks" role="status">
                            {move || or_default(thanks.clone(), lang.get(), Key::SurveyThanks)}
                        </p>
                    }
                })}
                <p class="wc-survey-change">{tr(lang, Key::SurveyChange)}</p>
            </Show>
        </section>
    }
}
