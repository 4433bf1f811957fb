//! The embedding stylesheet: host-level rules that `position`, `zIndex`, `container` and
//! `chat.hide()` need, adopted into the widget's shadow root next to the widget's own sheets.
//!
//! It is a constructable stylesheet, never a `<style>` element or a `style` attribute, so it
//! works under `style-src 'self'`. Its rules are `!important` where the host page could fight
//! them: in the cascade, an important declaration from inside a shadow tree beats the page's
//! (even `* { all: unset }` or the page's own `!important`). [`css`] is pure and unit-tested;
//! [`adopt`] is the DOM side. It does not theme the widget (that is the shell's theme sheet).

use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, ShadowRoot};

use crate::options::{EmbedOptions, Position, MAX_Z_INDEX};

/// The host element attribute carrying the corner ([`Position::as_str`]).
pub const POSITION_ATTR: &str = "data-wc-position";
/// The host element attribute marking an inline (in-container) widget.
pub const INLINE_ATTR: &str = "data-wc-inline";

/// The stylesheet text for these options.
pub fn css(options: &EmbedOptions) -> String {
    // The default sits at the very top: host pages put cookie banners and sticky headers at
    // "huge" z-indexes, and an equal z-index later in the document (the widget's host is appended
    // last) wins the tie.
    let z = options.z_index.unwrap_or(MAX_Z_INDEX);
    // Anything on the host that would make it the containing block of the fixed launcher and
    // window (transform, filter, perspective, contain, will-change …), clip them or fade them is
    // forced back. The floating host's box itself is empty; the page's container keeps its size.
    let mut css = [
        ":host{--wc-z:",
        &crate::text::signed(z),
        ";display:block!important;position:static!important;\
visibility:visible!important;opacity:1!important;transform:none!important;\
filter:none!important;backdrop-filter:none!important;perspective:none!important;\
contain:none!important;will-change:auto!important;clip-path:none!important;\
mask:none!important;mix-blend-mode:normal!important;zoom:1!important}\
:host(:not([",
        INLINE_ATTR,
        "])){overflow:visible!important;width:auto!important;\
height:auto!important;margin:0!important;padding:0!important;border:0!important}\
:host([hidden]){display:none!important}",
    ]
    .concat();
    if options.position == Position::BottomLeft {
        css.push_str(
            &[
                ":host([",
                POSITION_ATTR,
                "=bottom-left]) .wc-launcher{right:auto;left:20px}\
:host([",
                POSITION_ATTR,
                "=bottom-left]) .wc-greeting{right:auto;left:20px}\
@media (min-width:480px){:host([",
                POSITION_ATTR,
                "=bottom-left]) .wc-window{right:auto;left:20px;transform-origin:bottom left}}",
            ]
            .concat(),
        );
    }
    // Every selector below is for the inline host; `[I]` stands for its attribute selector.
    css.push_str(
        &":host([I]){position:relative!important;height:100%}\
:host([I]) .wc-mount,:host([I]) .wc-root{height:100%}\
:host([I]) .wc-launcher{position:static;margin:12px}\
:host([I]) .wc-root--open .wc-launcher{display:none}\
:host([I]) .wc-window{position:relative;inset:auto;width:100%;\
height:100%;min-height:360px;box-shadow:none;animation:none}"
            .replace("[I]", &["[", INLINE_ATTR, "]"].concat()),
    );
    css
}

/// Adopts the sheet for `options` into `shadow`, after the sheets already there (so it wins
/// ties). Returns the sheet, or `None` when the browser refused it (the widget still works, with
/// the default corner and stacking).
pub fn adopt(shadow: &ShadowRoot, options: &EmbedOptions) -> Option<CssStyleSheet> {
    let sheet = CssStyleSheet::new().ok()?;
    sheet.replace_sync(&css(options)).ok()?;
    let sheets: js_sys::Array = shadow.adopted_style_sheets().unchecked_into();
    sheets.push(&sheet);
    shadow.set_adopted_style_sheets(&sheets);
    Some(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_stacks_on_top_and_honours_hidden() {
        let css = css(&EmbedOptions::default());
        assert!(css.contains("--wc-z:2147483647;"));
        assert!(css.contains(":host([hidden]){display:none!important}"));
        assert!(
            !css.contains("left:20px"),
            "bottom-right is the widget's own layout"
        );
    }

    #[test]
    fn options_change_the_sheet() {
        let css = css(&EmbedOptions {
            position: Position::BottomLeft,
            z_index: Some(42),
            visibility: None,
        });
        assert!(css.contains("--wc-z:42;"));
        assert!(css
            .contains(":host([data-wc-position=bottom-left]) .wc-launcher{right:auto;left:20px}"));
        // Small screens keep the full-screen window.
        assert!(css.contains("@media (min-width:480px)"));
    }
}
