//! The widget's shell, drawn by the launcher stage on every page view: an open shadow root on
//! the host element with the launcher's stylesheet and the theme, the `.wc-root` element
//! (`lang`/`dir`, open state, visibility) and the round launcher button with its unread badge.
//! The window goes inside the root: the launcher stage's frame while the chat loads
//! ([`crate::frame`]), then the chat stage's window.
//!
//! Plain DOM, no framework: it is all a page view shows until the visitor shows interest. The
//! stylesheet is a constructable `CSSStyleSheet` adopted by the shadow root, so a strict CSP
//! (`style-src 'self'`) works and the page's CSS and ours stay apart; a second sheet carries the
//! theme's custom properties. It decides nothing: its owner says what to show ([`Shell::set_look`],
//! [`Shell::set_open`] …) and hears the launcher's clicks and the first signs of interest.

use std::cell::{Cell, RefCell};
use std::fmt;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{
    CssStyleSheet, Element, Event, EventTarget, HtmlButtonElement, HtmlElement, ShadowRoot,
    ShadowRootInit, ShadowRootMode,
};

use crate::adapters::describe;
use crate::dom::Spec;
use crate::i18n::{Key, Lang};
use crate::icons::CHAT;
use crate::theme::Theme;

/// The launcher stage's stylesheet, compiled in so nothing is fetched and no `<style>` is
/// injected (minified by `crates/launcher/build.rs`).
pub const LAUNCHER_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/launcher.css"));

/// Why the shell could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellError {
    /// Not running in a browser window with a document.
    NoDocument,
    /// The host element cannot carry a shadow root (e.g. `<input>`), or already has a closed one.
    AttachShadow(String),
    /// The browser has no constructable stylesheets (too old) or rejected the CSS.
    Stylesheet(String),
    /// Creating or inserting an element failed.
    Dom(String),
}

impl ShellError {
    /// The message, joined from pieces: no `core::fmt` in the launcher's wasm for it.
    pub fn message(&self) -> String {
        let (what, e) = match self {
            ShellError::NoDocument => ("no browser document to mount into", ""),
            ShellError::AttachShadow(e) => {
                ("cannot attach a shadow root to the host element: ", &**e)
            }
            ShellError::Stylesheet(e) => ("constructable stylesheets unavailable: ", &**e),
            ShellError::Dom(e) => ("cannot create the mount point: ", &**e),
        };
        ["webchat: ", what, e].concat()
    }
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ShellError {}

fn dom(e: wasm_bindgen::JsValue) -> ShellError {
    ShellError::Dom(describe(&e))
}

thread_local! {
    /// The parsed launcher stylesheet, shared by every shell: a constructable sheet can be
    /// adopted by several shadow roots, and it is never modified (the theme is a sheet of its own).
    static BASE_SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Parses `css` into a new constructable stylesheet.
pub fn sheet(css: &str) -> Result<CssStyleSheet, ShellError> {
    let sheet = CssStyleSheet::new().map_err(|e| ShellError::Stylesheet(describe(&e)))?;
    sheet
        .replace_sync(css)
        .map_err(|e| ShellError::Stylesheet(describe(&e)))?;
    Ok(sheet)
}

/// The launcher stylesheet, parsed on first use. The launcher stage calls this in a task of its
/// own ahead of drawing, so parsing the CSS and drawing are two short tasks on the host page.
pub fn base_sheet() -> Result<CssStyleSheet, ShellError> {
    if let Some(sheet) = BASE_SHEET.with_borrow(|s| s.clone()) {
        return Ok(sheet);
    }
    let parsed = sheet(LAUNCHER_CSS)?;
    BASE_SHEET.with_borrow_mut(|s| *s = Some(parsed.clone()));
    Ok(parsed)
}

/// Adds `sheet` after the sheets `shadow` already has (it wins ties).
pub fn adopt(shadow: &ShadowRoot, sheet: &CssStyleSheet) {
    let sheets: js_sys::Array = shadow.adopted_style_sheets().unchecked_into();
    sheets.push(sheet);
    shadow.set_adopted_style_sheets(&sheets);
}

/// The shell's elements: the mount point, the root, the launcher and its two icons (the bubble;
/// the chevron while the window is open), and a polite live region that announces unread
/// messages.
const TREE: [Spec; 10] = [
    Spec {
        tag: "div",
        class: "wc-mount",
        parent: None,
        attrs: &[],
    },
    Spec {
        tag: "div",
        class: "wc-root",
        parent: Some(0),
        attrs: &[],
    },
    Spec {
        tag: "button",
        class: "wc-launcher",
        parent: Some(1),
        attrs: &[
            ("type", "button"),
            ("aria-controls", "wc-window"),
            ("aria-haspopup", "dialog"),
        ],
    },
    Spec {
        tag: "span",
        class: "wc-launcher-icon wc-launcher-icon--chat",
        parent: Some(2),
        attrs: &[("aria-hidden", "true")],
    },
    Spec {
        tag: "svg:svg",
        class: "wc-svg",
        parent: Some(3),
        attrs: &[
            ("viewBox", "0 0 24 24"),
            ("width", "28"),
            ("height", "28"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    },
    Spec {
        tag: "svg:path",
        class: "",
        parent: Some(4),
        attrs: &[("fill", "currentColor"), ("d", CHAT)],
    },
    Spec {
        tag: "span",
        class: "wc-launcher-icon wc-launcher-icon--close",
        parent: Some(2),
        attrs: &[("aria-hidden", "true")],
    },
    Spec {
        tag: "svg:svg",
        class: "wc-svg",
        parent: Some(6),
        attrs: &[
            ("viewBox", "0 0 24 24"),
            ("width", "22"),
            ("height", "22"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    },
    Spec {
        tag: "svg:path",
        class: "",
        parent: Some(7),
        attrs: crate::icons::STROKE_CHEVRON,
    },
    Spec {
        tag: "span",
        class: "wc-sr",
        parent: Some(1),
        attrs: &[("aria-live", "polite")],
    },
];

/// The unread badge (in the launcher only while something is unread).
const BADGE: [Spec; 1] = [Spec {
    tag: "span",
    class: "wc-badge",
    parent: None,
    attrs: &[("aria-hidden", "true")],
}];

/// What the shell shows, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    lang: Lang,
    /// The campaign's look is known: nothing is shown before (never the default colour first).
    configured: bool,
    /// The visibility rules (or the page) allow the widget.
    visible: bool,
    open: bool,
    unread: u32,
}

type Listener = (EventTarget, &'static str, Closure<dyn FnMut(Event)>);

/// The drawn shell. Dropping it removes everything it put into the shadow root, its listeners
/// and its sheets.
pub struct Shell {
    shadow: ShadowRoot,
    container: Element,
    root: Element,
    launcher: HtmlButtonElement,
    badge: Element,
    /// Says "(2) New messages" to screen readers as the count rises.
    announcer: Element,
    theme: CssStyleSheet,
    state: Cell<State>,
    listeners: RefCell<Vec<Listener>>,
}

impl Shell {
    /// Attaches (or reuses) an open shadow root on `host` and draws the root and the launcher,
    /// hidden until [`set_look`](Shell::set_look) says how the campaign looks.
    pub fn mount(host: &HtmlElement) -> Result<Shell, ShellError> {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or(ShellError::NoDocument)?;
        let shadow = match host.shadow_root() {
            Some(existing) => existing,
            None => host
                .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
                .map_err(|e| ShellError::AttachShadow(describe(&e)))?,
        };
        let base = base_sheet()?;
        let theme = sheet(&Theme::from_color(None).css())?;
        shadow.set_adopted_style_sheets(&js_sys::Array::of2(&base, &theme));

        let els = crate::dom::build(&document, &TREE)
            .ok_or(ShellError::Dom("the document refused an element".into()))?;
        let badge = crate::dom::build(&document, &BADGE)
            .and_then(|mut b| b.pop())
            .ok_or(ShellError::Dom("the document refused an element".into()))?;
        let (container, root) = (els[0].clone(), els[1].clone());
        let launcher: HtmlButtonElement = els[2].clone().unchecked_into();
        shadow.append_child(&container).map_err(dom)?;

        let shell = Shell {
            shadow,
            container,
            root,
            launcher,
            badge,
            announcer: els[9].clone(),
            theme,
            state: Cell::new(State {
                lang: Lang::default(),
                configured: false,
                visible: true,
                open: false,
                unread: 0,
            }),
            listeners: RefCell::default(),
        };
        shell.render();
        Ok(shell)
    }

    /// Calls `f` for each click on the launcher (the owner opens or minimises the window).
    pub fn on_toggle(&self, f: impl FnMut() + 'static) {
        let mut f = f;
        self.listen(self.launcher.clone().into(), "click", move |_| f());
    }

    /// Calls `f` on the first signs of interest in the launcher: the pointer entering it, a
    /// touch starting on it, the keyboard focusing it.
    pub fn on_intent(&self, f: impl Fn() + 'static) {
        let f = std::rc::Rc::new(f);
        for kind in ["pointerenter", "focus", "touchstart"] {
            let f = f.clone();
            self.listen(self.launcher.clone().into(), kind, move |_| f());
        }
    }

    fn listen(&self, target: EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        if target
            .add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref())
            .is_ok()
        {
            self.listeners.borrow_mut().push((target, kind, closure));
        }
    }

    /// The campaign's look: its colour (themed with a readable text colour) and the language
    /// every text is in. Until the first call nothing is shown.
    pub fn set_look(&self, color: Option<&str>, lang: Lang) {
        // A rejected sheet keeps the previous theme; the colour was validated already.
        _ = self.theme.replace_sync(&Theme::from_color(color).css());
        self.update(|s| {
            s.lang = lang;
            s.configured = true;
        });
    }

    /// Shows or hides the whole widget (the visibility rules and the page decide).
    pub fn set_visible(&self, visible: bool) {
        self.update(|s| s.visible = visible);
    }

    /// Marks the window open or closed. Closing it moves the focus back to the launcher.
    pub fn set_open(&self, open: bool) {
        let was = self.state.get().open;
        self.update(|s| s.open = open);
        if was && !open {
            _ = self.launcher.focus();
        }
    }

    /// Agent messages not yet read: the badge and the launcher's name say how many.
    pub fn set_unread(&self, n: u32) {
        self.update(|s| s.unread = n);
    }

    /// Takes everything out of the shadow root (the campaign turned out unusable: nothing of
    /// the widget stays on the page). Dropping the shell does the rest.
    pub fn remove(&self) {
        self.container.remove();
    }

    /// Whether the window is open.
    pub fn is_open(&self) -> bool {
        self.state.get().open
    }

    /// Agent messages not yet read.
    pub fn unread(&self) -> u32 {
        self.state.get().unread
    }

    /// Whether the campaign's look is known.
    pub fn is_configured(&self) -> bool {
        self.state.get().configured
    }

    /// Whether the widget may be seen (the visibility rules' last word).
    pub fn is_visible(&self) -> bool {
        self.state.get().visible
    }

    /// The language texts are shown in.
    pub fn lang(&self) -> Lang {
        self.state.get().lang
    }

    /// The shadow root (the chat stage adopts its sheet here).
    pub fn shadow(&self) -> &ShadowRoot {
        &self.shadow
    }

    /// The `.wc-root` element: the window goes in here, before the launcher.
    pub fn root(&self) -> &Element {
        &self.root
    }

    /// The launcher button (focus returns here when the window closes).
    pub fn launcher(&self) -> &HtmlButtonElement {
        &self.launcher
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut state = self.state.get();
        f(&mut state);
        if state != self.state.get() {
            self.state.set(state);
            self.render();
        }
    }

    fn render(&self) {
        let State {
            lang,
            configured,
            visible,
            open,
            unread,
        } = self.state.get();
        self.root.set_class_name(if open {
            "wc-root wc-root--open"
        } else {
            "wc-root"
        });
        // Hidden until the campaign said how it looks, and whenever visibility says so: no
        // launcher and no window at all.
        _ = self
            .root
            .toggle_attribute_with_force("hidden", !(visible && configured));
        _ = self.root.set_attribute("dir", lang.dir());
        _ = self.root.set_attribute("lang", lang.code());
        let label = match (open, unread) {
            (true, _) => lang.text(Key::MinimiseChat).to_owned(),
            (false, 0) => lang.text(Key::OpenChat).to_owned(),
            (false, n) => lang.count(Key::OpenChatUnread, n),
        };
        _ = self.launcher.set_attribute("aria-label", &label);
        _ = self
            .launcher
            .set_attribute("aria-expanded", if open { "true" } else { "false" });
        let announcement = if !open && unread > 0 {
            lang.count(Key::UnreadTitle, unread)
        } else {
            String::new()
        };
        if self.announcer.text_content().unwrap_or_default() != announcement {
            self.announcer.set_text_content(Some(&announcement));
        }
        // Only in the DOM while there is something unread and the window is closed.
        if !open && unread > 0 {
            self.badge.set_text_content(Some(&badge_text(unread)));
            if self.badge.parent_node().is_none() {
                _ = self.launcher.append_child(&self.badge);
            }
        } else {
            self.badge.remove();
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let listeners = std::mem::take(&mut *self.listeners.borrow_mut());
        for (target, kind, closure) in &listeners {
            _ = target.remove_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        }
        // A listener may be what is running now (a click that destroys the widget): its closure
        // goes after this turn, never while it runs.
        wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
        self.container.remove();
        self.shadow.set_adopted_style_sheets(&js_sys::Array::new());
    }
}

/// The badge's text: the count, capped so it fits the circle.
pub fn badge_text(n: u32) -> String {
    if n > 99 {
        "99+".to_owned()
    } else {
        crate::text::digits(n.into(), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::badge_text;

    #[test]
    fn the_badge_fits_the_circle() {
        assert_eq!(badge_text(1), "1");
        assert_eq!(badge_text(99), "99");
        assert_eq!(badge_text(100), "99+");
    }
}
