//! Mounts the widget into an open Shadow DOM root on a host element and styles it from inside.
//!
//! The stylesheet is a constructable `CSSStyleSheet` adopted by the shadow root, so a strict CSP
//! (`style-src 'self'`, no `unsafe-inline`) works, host-page CSS cannot leak in and ours cannot leak
//! out. A second adopted sheet carries the theme's custom properties and follows the campaign
//! color. This module does no networking and knows nothing of the protocol.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::actions::{ActionSink, Actions};
use crate::adapters::describe;
use crate::components::Root;
use crate::model::{ChatStore, Phase};
use crate::theme::Theme;
use crate::viewport::ViewportSync;

/// The widget's stylesheet, compiled in so nothing is fetched and no `<style>` is injected.
pub const WIDGET_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css")); // minified by build.rs

/// Why mounting failed.
#[derive(Debug)]
pub enum MountError {
    /// Not running in a browser window with a document.
    NoDocument,
    /// The host element cannot carry a shadow root (e.g. `<input>`), or already has a closed one.
    AttachShadow(String),
    /// The browser has no constructable stylesheets (too old) or rejected the CSS.
    Stylesheet(String),
    /// Creating or inserting the mount point failed.
    Dom(String),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::NoDocument => f.write_str("webchat: no browser document to mount into"),
            MountError::AttachShadow(e) => write!(
                f,
                "webchat: cannot attach a shadow root to the host element: {e}"
            ),
            MountError::Stylesheet(e) => {
                write!(f, "webchat: constructable stylesheets unavailable: {e}")
            }
            MountError::Dom(e) => write!(f, "webchat: cannot create the mount point: {e}"),
        }
    }
}

impl std::error::Error for MountError {}

/// A mounted widget. Dropping it unmounts the view, disposes its reactive owner and removes
/// everything it put into the shadow root.
pub struct MountedWidget {
    shadow: ShadowRoot,
    container: web_sys::Element,
    // Dropped first (field order): unmounting runs while the container is still attached.
    root: Option<Root>,
    owner: Owner,
    _viewport: Rc<RefCell<Option<ViewportSync>>>,
}

impl MountedWidget {
    /// The shadow root the widget lives in (tests and the embedding API query it).
    pub fn shadow_root(&self) -> &ShadowRoot {
        &self.shadow
    }
}

impl Drop for MountedWidget {
    fn drop(&mut self) {
        drop(self.root.take());
        self.owner.cleanup();
        self.container.remove();
        self.shadow.set_adopted_style_sheets(&js_sys::Array::new());
    }
}

thread_local! {
    /// The parsed widget stylesheet, shared by every mount: a constructable sheet can be adopted
    /// by several shadow roots, and it is never modified (the theme is a sheet of its own).
    static BASE_SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// The widget's stylesheet, parsed on first use. `init` calls this in a task of its own ahead
/// of the mount, so parsing the CSS and drawing the launcher are two short tasks on the host
/// page instead of one long one.
pub fn base_sheet() -> Result<CssStyleSheet, MountError> {
    if let Some(sheet) = BASE_SHEET.with_borrow(|s| s.clone()) {
        return Ok(sheet);
    }
    let sheet = CssStyleSheet::new().map_err(|e| MountError::Stylesheet(describe(&e)))?;
    sheet
        .replace_sync(WIDGET_CSS)
        .map_err(|e| MountError::Stylesheet(describe(&e)))?;
    BASE_SHEET.with_borrow_mut(|s| *s = Some(sheet.clone()));
    Ok(sheet)
}

/// Attaches (or reuses) an open shadow root on `host` and mounts the widget into it.
pub fn mount_widget(
    host: &HtmlElement,
    store: ChatStore,
    sink: Rc<dyn ActionSink>,
) -> Result<MountedWidget, MountError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(MountError::NoDocument)?;
    let shadow = match host.shadow_root() {
        Some(existing) => existing,
        None => host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|e| MountError::AttachShadow(describe(&e)))?,
    };

    let base = base_sheet()?;
    let theme = CssStyleSheet::new().map_err(|e| MountError::Stylesheet(describe(&e)))?;
    let config = store.config();
    // Themed before the first paint: the effect below only follows later changes.
    let phase = store.phase();
    let offline = move || phase.get_untracked() == Phase::Offline;
    let accent = config.with_untracked(|c| c.accent(offline()).map(str::to_owned));
    let initial = Theme::from_color(accent.as_deref()).css();
    theme
        .replace_sync(&initial)
        .map_err(|e| MountError::Stylesheet(describe(&e)))?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of2(&base, &theme));

    let container = document
        .create_element("div")
        .map_err(|e| MountError::Dom(describe(&e)))?;
    container.set_class_name("wc-mount");
    shadow
        .append_child(&container)
        .map_err(|e| MountError::Dom(describe(&e)))?;
    let mount_point: HtmlElement = container.clone().unchecked_into();
    // Only the open window (full-screen on phones) needs the visual viewport, and reading it
    // forces a layout of the host page: start following it on the first open, not at mount.
    let viewport: Rc<RefCell<Option<ViewportSync>>> = Rc::default();
    let open = store.is_open();

    // Leptos's executor runs the effects; `entry::prepare` sets it up too, tests may not.
    crate::entry::init_executor();
    let owner = Owner::current().unwrap_or_default().child();
    let root = owner.with(|| {
        Effect::new(move |prev: Option<String>| {
            // While nobody is available launcher and header take the campaign's offline colour.
            let offline = phase.get() == Phase::Offline;
            let accent = config.with(|c| c.accent(offline).map(str::to_owned));
            let css = Theme::from_color(accent.as_deref()).css();
            if prev.as_deref() != Some(css.as_str()) {
                // A rejected sheet keeps the previous theme; the color was validated already.
                _ = theme.replace_sync(&css);
            }
            css
        });
        Effect::new({
            let (viewport, mount_point) = (viewport.clone(), mount_point.clone());
            move |_| {
                if open.get() && viewport.borrow().is_none() {
                    *viewport.borrow_mut() = ViewportSync::start(&mount_point);
                }
            }
        });
        Root::new(&document, store, Actions::new(sink))
    });
    let root = root.map_err(|e| {
        owner.cleanup();
        container.remove();
        MountError::Dom(e)
    })?;
    mount_point
        .append_child(root.element())
        .map_err(|e| MountError::Dom(describe(&e)))?;

    Ok(MountedWidget {
        shadow,
        container,
        root: Some(root),
        owner,
        _viewport: viewport,
    })
}
