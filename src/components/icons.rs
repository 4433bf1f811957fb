//! Every icon of the widget, drawn for it (`currentColor`, `aria-hidden`): as Leptos views for
//! the chat window, and as plain DOM ([`dom_icon`]) for the launcher, which is built without
//! Leptos (see [`Launcher`](super::Launcher)). Each drawing exists once.

use leptos::prelude::*;
use web_sys::{Document, Element};

use crate::model::SurveyStyle;

/// A speech bubble (the launcher).
pub const CHAT: &str = "M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.3 21l4-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.8a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z";
/// A downward chevron (minimise).
pub const CHEVRON_DOWN: &str = "M6 9.5l6 6 6-6";

const SVG_NS: Option<&str> = Some("http://www.w3.org/2000/svg");

/// How a plain-DOM icon's path is painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    /// Filled with the text colour.
    Fill,
    /// A rounded stroke in the text colour.
    Stroke,
}

/// `<span class=… aria-hidden><svg class="wc-svg" …><path d=…/></svg></span>`, built on the DOM.
pub fn dom_icon(
    document: &Document,
    class: &str,
    size: u32,
    paint: Paint,
    d: &str,
) -> Result<Element, wasm_bindgen::JsValue> {
    let span = document.create_element("span")?;
    span.set_class_name(class);
    span.set_attribute("aria-hidden", "true")?;
    let svg = document.create_element_ns(SVG_NS, "svg")?;
    let size = size.to_string();
    for (name, value) in [
        ("class", "wc-svg"),
        ("viewBox", "0 0 24 24"),
        ("width", size.as_str()),
        ("height", size.as_str()),
        ("aria-hidden", "true"),
        ("focusable", "false"),
    ] {
        svg.set_attribute(name, value)?;
    }
    let path = document.create_element_ns(SVG_NS, "path")?;
    let attrs: &[(&str, &str)] = match paint {
        Paint::Fill => &[("fill", "currentColor")],
        Paint::Stroke => &[
            ("fill", "none"),
            ("stroke", "currentColor"),
            ("stroke-width", "2.2"),
            ("stroke-linecap", "round"),
            ("stroke-linejoin", "round"),
        ],
    };
    for (name, value) in attrs {
        path.set_attribute(name, value)?;
    }
    path.set_attribute("d", d)?;
    svg.append_child(&path)?;
    span.append_child(&svg)?;
    Ok(span)
}

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
            <path fill="currentColor" d="M3.4 20.4l17.4-7.5a1 1 0 0 0 0-1.8L3.4 3.6a.9.9 0 0 0-1.3 1l1.8 6.1 9.1 1.3-9.1 1.3-1.8 6.1a.9.9 0 0 0 1.3 1z"/>
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
