//! Reading a mounted widget's shadow root the way the browser tests do: elements by selector
//! (one that must be there, or all of them), their trimmed text and attributes. Only reads;
//! acting on the elements stays with the tests.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};

/// A test fixture with a mounted widget; it names the shadow root, the rest reads it.
pub trait Shadowed {
    /// The mounted widget's shadow root.
    fn root(&self) -> &ShadowRoot;

    /// The first element matching `selector`, if any.
    fn q(&self, selector: &str) -> Option<Element> {
        self.root().query_selector(selector).unwrap()
    }

    /// The first element matching `selector`; panics naming the selector when none does.
    fn el(&self, selector: &str) -> HtmlElement {
        self.q(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
            .unchecked_into()
    }

    /// Every element matching `selector`, in document order.
    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root().query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect()
    }

    /// The trimmed text of the element matching `selector` (which must be there).
    fn text(&self, selector: &str) -> String {
        self.el(selector)
            .text_content()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// An attribute of the element matching `selector` (which must be there).
    fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.el(selector).get_attribute(name)
    }
}

/// For a fixture struct with `host: HtmlElement` and `widget: Option<MountedWidget>`:
/// [`Shadowed`] on the widget's shadow root, and a `Drop` that unmounts the widget and then
/// removes its host (all tests share one page).
// Not every test file has such a fixture.
#[allow(unused_macros)]
macro_rules! mounted_fixture {
    ($fixture:ty) => {
        impl $crate::support::shadow::Shadowed for $fixture {
            fn root(&self) -> &web_sys::ShadowRoot {
                self.widget.as_ref().unwrap().shadow_root()
            }
        }

        impl Drop for $fixture {
            fn drop(&mut self) {
                drop(self.widget.take());
                self.host.remove();
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use mounted_fixture;
