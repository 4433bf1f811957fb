//! The icons the launcher stage draws (the launcher's bubble and chevron, the frame's send
//! arrow), as SVG path data and as plain DOM ([`dom_icon`]: `currentColor`, `aria-hidden`). The
//! chat stage draws the same paths in its Leptos views, so each drawing exists once.

use web_sys::{Document, Element};

/// A speech bubble (the launcher).
pub const CHAT: &str = "M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.3 21l4-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.8a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z";
/// A downward chevron (minimise).
pub const CHEVRON_DOWN: &str = "M6 9.5l6 6 6-6";
/// A paper plane (send). Mirrored in right-to-left layouts by CSS (`wc-svg--flip`).
pub const SEND: &str = "M3.4 20.4l17.4-7.5a1 1 0 0 0 0-1.8L3.4 3.6a.9.9 0 0 0-1.3 1l1.8 6.1 9.1 1.3-9.1 1.3-1.8 6.1a.9.9 0 0 0 1.3 1z";

const SVG_NS: Option<&str> = Some("http://www.w3.org/2000/svg");

/// How a plain-DOM icon's path is painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    /// Filled with the text colour.
    Fill,
    /// A rounded stroke in the text colour.
    Stroke,
}

/// `<span class=… aria-hidden><svg class=svg_class …><path d=…/></svg></span>`, built on the DOM.
pub fn dom_icon(
    document: &Document,
    (class, svg_class): (&str, &str),
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
        ("class", svg_class),
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
