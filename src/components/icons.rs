//! Every icon of the chat window, drawn for it (`currentColor`, `aria-hidden`) as Leptos views.
//! The launcher's and the frame's (bubble, chevron, send arrow) are drawn by the launcher stage
//! from the same path data (`webchat_launcher::icons`), so each drawing exists once.

use leptos::prelude::*;
pub use webchat_launcher::icons::{CHEVRON_DOWN, SEND};

use crate::model::SurveyStyle;

/// A downward chevron: minimise.
#[component]
pub fn ChevronDownIcon() -> impl IntoView {
    view! {
        <svg class="wc-svg" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" d=CHEVRON_DOWN/>
        </svg>
    }
}

/// A power-off style symbol: end chat.
#[component]
pub fn EndIcon() -> impl IntoView {
    view! {
        <svg class="wc-svg" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M7.8 6.6a7.5 7.5 0 1 0 8.4 0M12 3.5v8"/>
        </svg>
    }
}

/// A paper plane: send. Mirrored in right-to-left layouts by CSS.
#[component]
pub fn SendIcon() -> impl IntoView {
    view! {
        <svg class="wc-svg wc-svg--flip" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="currentColor" d=SEND/>
        </svg>
    }
}

/// A crescent moon: offline.
#[component]
pub fn MoonIcon() -> impl IntoView {
    view! {
        <svg class="wc-svg" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M20.5 14.6A8.5 8.5 0 0 1 9.4 3.5a8.5 8.5 0 1 0 11.1 11.1z"/>
        </svg>
    }
}

/// The icon for a survey option: a face for smileys, a thumb for thumbs; unknown values get none.
#[component]
pub fn SurveyIcon(
    /// Smileys or thumbs.
    style: SurveyStyle,
    /// `good`, `moderate` or `bad`.
    value: String,
) -> impl IntoView {
    match (style, value.as_str()) {
        (SurveyStyle::Smileys, "good" | "moderate" | "bad") => {
            let mouth = match value.as_str() {
                "good" => "M8 14.2c1 1.6 2.4 2.4 4 2.4s3-.8 4-2.4",
                "moderate" => "M8.5 15.2h7",
                _ => "M8 16.4c1-1.6 2.4-2.4 4-2.4s3 .8 4 2.4",
            };
            view! {
                <svg class="wc-svg wc-face" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
                    <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="1.6"/>
                    <circle cx="9" cy="10" r="1.2" fill="currentColor"/>
                    <circle cx="15" cy="10" r="1.2" fill="currentColor"/>
                    <path d=mouth fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>
                </svg>
            }
            .into_any()
        }
        (SurveyStyle::Thumbs, "good" | "bad") => {
            let class = if value == "bad" {
                "wc-svg wc-thumb wc-thumb--down"
            } else {
                "wc-svg wc-thumb"
            };
            view! {
                <svg class=class viewBox="0 0 24 24" width="30" height="30" aria-hidden="true" focusable="false">
                    <path fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"
                        d="M3.5 10.5h3.5v9.5H3.5zM7 10.5l3.6-6.6c1.4 0 2.4 1 2.2 2.4l-.5 3.2h5.6a2 2 0 0 1 2 2.3l-1.1 6.4a2 2 0 0 1-2 1.8H7"/>
                </svg>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}
