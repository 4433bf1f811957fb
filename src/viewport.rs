//! Keeps the full-screen (mobile) window above the on-screen keyboard.
//!
//! Mobile browsers shrink the *visual* viewport when the keyboard opens but leave the layout
//! viewport (what `100%` and `position: fixed` use) alone, so a full-screen window would hide its
//! composer under the keyboard. This module mirrors `window.visualViewport`'s height and offset
//! into two CSS custom properties on the shell's root, which holds the window
//! (`--wc-viewport-height`, `--wc-viewport-top`); the stylesheet uses them below 480 px only, so
//! they are only kept up to date there: on a wider screen reading the visual viewport would
//! force a layout of the page, and writing an inherited property on the root a style recalc of
//! the whole widget, inside the click that opens the window, for properties nothing reads.
//! Setting properties through the CSSOM is allowed by a strict CSP. Listeners are removed on
//! drop. It does nothing where `visualViewport` is missing.

use std::cell::Cell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, VisualViewport};

/// Where the stylesheet makes the window full-screen: the only place the properties are read.
/// The same width as `style/launcher.css`'s small-screen `@media` and the launcher crate's
/// `host_css` (`min-width:480px`, its complement): change them together.
pub const SMALL_SCREEN: &str = "(max-width: 479.98px)";

/// Follows the visual viewport while alive.
pub struct ViewportSync {
    viewport: VisualViewport,
    listener: Closure<dyn FnMut()>,
}

impl ViewportSync {
    /// Starts mirroring the visual viewport into `target`'s custom properties.
    pub fn start(target: &HtmlElement) -> Option<ViewportSync> {
        let window = web_sys::window()?;
        let viewport = window.visual_viewport()?;
        // Without `matchMedia` every screen counts as small: the properties are then always kept.
        let small = window.match_media(SMALL_SCREEN).ok().flatten();
        let apply = {
            let viewport = viewport.clone();
            let target = target.clone();
            let written = Cell::new(None);
            move || {
                if small.as_ref().is_some_and(|q| !q.matches()) {
                    return;
                }
                // Both read before either is written: a write between them would make the second
                // read lay the page out again.
                // Whole pixels: integer formatting keeps float-printing code out of the wasm.
                let now = (
                    viewport.height().round() as i64,
                    viewport.offset_top().round() as i64,
                );
                // The keyboard's scroll events repeat the same values; an unchanged write would
                // still restyle the widget.
                if written.replace(Some(now)) == Some(now) {
                    return;
                }
                let style = target.style();
                // Failures only mean an unusual host; the 100% fallback in the CSS still applies.
                _ = style.set_property("--wc-viewport-height", &format!("{}px", now.0));
                _ = style.set_property("--wc-viewport-top", &format!("{}px", now.1));
            }
        };
        apply();
        // A resize that makes the screen small (a rotated tablet, a narrowed window) fires the
        // visual viewport's `resize` too, so the properties catch up then.
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
