//! Message text with safe links: text segments become text nodes, links become `<a>` elements
//! created through the DOM (never HTML strings).

use leptos::prelude::*;

use crate::linkify::{linkify, Segment};

/// Text that may contain http/https/mailto links.
#[component]
pub fn MessageText(
    /// The raw message text (agent or visitor), always treated as text.
    text: String,
) -> impl IntoView {
    linkify(&text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(t) => t.to_owned().into_any(),
            Segment::Link(href) => view! {
                <a href=href.to_owned() target="_blank" rel="noopener noreferrer">{href.to_owned()}</a>
            }
            .into_any(),
        })
        .collect_view()
}
