//! Builds a small static DOM tree from a table ([`Spec`]): the launcher's shell and the frame
//! are a few dozen elements whose shape never changes. One loop over a table is far less code in
//! the first download than a function call per element and attribute, which matters there.
//! Texts and the few attributes that depend on the language are set by the callers afterwards.
//! It creates elements; it never parses markup.

use web_sys::{Document, Element};

/// The SVG namespace (icons).
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// One element: its tag (`svg:` for the SVG namespace), its class, its parent's index in the
/// table (`None`: the tree's root) and its attributes.
pub struct Spec {
    pub tag: &'static str,
    pub class: &'static str,
    pub parent: Option<usize>,
    pub attrs: &'static [(&'static str, &'static str)],
}

/// The elements of `specs`, in table order, each appended to its parent. `None` when the
/// document refuses one (no supported browser does).
pub fn build(document: &Document, specs: &[Spec]) -> Option<Vec<Element>> {
    let mut out: Vec<Element> = Vec::with_capacity(specs.len());
    for spec in specs {
        let el = match spec.tag.strip_prefix("svg:") {
            Some(tag) => document.create_element_ns(Some(SVG_NS), tag),
            None => document.create_element(spec.tag),
        }
        .ok()?;
        if !spec.class.is_empty() {
            el.set_attribute("class", spec.class).ok()?;
        }
        for (name, value) in spec.attrs {
            el.set_attribute(name, value).ok()?;
        }
        if let Some(parent) = spec.parent {
            out.get(parent)?.append_child(&el).ok()?;
        }
        out.push(el);
    }
    Some(out)
}
