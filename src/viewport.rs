//! Keeps the full-screen (mobile) window above the on-screen keyboard.
//!
//! Mobile browsers shrink the *visual* viewport when the keyboard opens but leave the layout
//! viewport (what `100%` and `position: fixed` use) alone, so a full-screen window would hide its
//! composer under the keyboard. This module mirrors `window.visualViewport`'s height and offset
//! into two CSS custom properties on the shell's root, which holds the window
//! (`--wc-viewport-height`, `--wc-viewport-top`); the stylesheet uses them below 480 px only. Setting properties through the CSSOM is allowed by
//! a strict CSP. Listeners are removed on drop. It does nothing where `visualViewport` is missing.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, VisualViewport};

/// Follows the visual viewport while alive.
pub struct ViewportSync {
    viewport: VisualViewport,
    listener: Closure<dyn FnMut()>,
}

impl ViewportSync {
    /// Starts mirroring the visual viewport into `target`'s custom properties.
    pub fn start(target: &HtmlElement) -> Option<ViewportSync> {
        let viewport = web_sys::window()?.visual_viewport()?;
        let apply = {
            let viewport = viewport.clone();
            let target = target.clone();
            move || {
                let style = target.style();
                // Failures only mean an unusual host; the 100% fallback in the CSS still applies.
                // Whole pixels: integer formatting keeps float-printing code out of the wasm.
                let px = |v: f64| format!("{}px", v.round() as i64);
                _ = style.set_property("--wc-viewport-height", &px(viewport.height()));
                _ = style.set_property("--wc-viewport-top", &px(viewport.offset_top()));
            }
        };
        apply();
        let listener = Closure::<dyn FnMut()>::new(apply);
        for event in ["resize", "scroll"] {
            _ = viewport.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        Some(ViewportSync { viewport, listener })
    }
}

impl Drop for ViewportSync {
    fn drop(&mut self) {
        for event in ["resize", "scroll"] {
            _ = self
                .viewport
                .remove_event_listener_with_callback(event, self.listener.as_ref().unchecked_ref());
        }
    }
}
