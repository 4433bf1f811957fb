//! Puts the chat window into the launcher's shell ([`mount_window`]), through the handoff's
//! bridge ([`ShellLink`]): the window goes into the shell's root before the launcher, the chat's
//! stylesheet is adopted by the shell's shadow root after the launcher's, and the store's open
//! state, unread count and "a chat is going on" go back to the shell.
//!
//! [`mount_widget`] pairs a shell and a window in one wasm (the demo page and the browser
//! tests): the launcher crate's shell, its bridge object, the window, and the shell following
//! the store's look and visibility, exactly as the launcher stage drives it on a real page.
//! This module does no networking and knows nothing of the protocol.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};
use webchat_launcher::handoff::{self, bridge, Functions};
use webchat_launcher::shell::{self, Shell, ShellError};

use crate::actions::{ActionSink, Actions, UiAction};
use crate::adapters::js_get;
use crate::components::WindowHost;
use crate::model::{ChatStore, Phase};
use crate::viewport::ViewportSync;

/// The chat's stylesheet, compiled in so nothing is fetched and no `<style>` is injected
/// (minified by `build.rs`; the launcher's sheet comes first).
pub const CHAT_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/chat.css"));

/// Why mounting failed.
#[derive(Debug)]
pub enum MountError {
    /// The bridge lacks a member, or the shell could not be drawn.
    Shell(String),
    /// The browser has no constructable stylesheets (too old) or rejected the CSS.
    Stylesheet(String),
    /// Creating or inserting the window failed.
    Dom(String),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::Shell(e) => write!(f, "webchat: {e}"),
            MountError::Stylesheet(e) => {
                write!(f, "webchat: constructable stylesheets unavailable: {e}")
            }
            MountError::Dom(e) => write!(f, "webchat: cannot create the chat window: {e}"),
        }
    }
}

impl std::error::Error for MountError {}

impl From<ShellError> for MountError {
    fn from(e: ShellError) -> MountError {
        // The shell's own messages start with "webchat: " already.
        MountError::Shell(e.to_string().trim_start_matches("webchat: ").to_owned())
    }
}

/// The launcher's shell as the chat sees it: the bridge's DOM and setters.
pub struct ShellLink {
    bridge: JsValue,
    host: HtmlElement,
    shadow: ShadowRoot,
    root: HtmlElement,
    launcher: HtmlElement,
}

impl ShellLink {
    /// Reads the shell's part of a bridge (see `webchat_launcher::handoff`).
    pub fn from_bridge(bridge: &JsValue) -> Result<ShellLink, MountError> {
        let get = |key: &str| {
            js_get(bridge, key)
                .ok_or_else(|| MountError::Shell(format!("the bridge has no `{key}`")))
        };
        Ok(ShellLink {
            bridge: bridge.clone(),
            host: get(bridge::HOST)?.unchecked_into(),
            shadow: get(bridge::SHADOW)?.unchecked_into(),
            root: get(bridge::ROOT)?.unchecked_into(),
            launcher: get(bridge::LAUNCHER)?.unchecked_into(),
        })
    }

    fn tell(&self, name: &str, value: JsValue) {
        // A launcher that refuses is gone (destroyed first): nothing left to tell.
        _ = handoff::call(&self.bridge, name, &[value]);
    }

    /// The window opened or closed.
    pub fn set_open(&self, open: bool) {
        self.tell(bridge::SET_OPEN, JsValue::from_bool(open));
    }

    /// Agent messages not yet read.
    pub fn set_unread(&self, n: u32) {
        self.tell(bridge::SET_UNREAD, JsValue::from(n));
    }

    /// Nobody is available (the phase `offline`): launcher and header take the offline colour.
    pub fn set_offline(&self, offline: bool) {
        self.tell(bridge::SET_OFFLINE, JsValue::from_bool(offline));
    }

    /// A chat is under way (the visibility rules never hide it).
    pub fn set_chatting(&self, chatting: bool) {
        self.tell(bridge::SET_CHATTING, JsValue::from_bool(chatting));
    }

    /// The host element (host events go here).
    pub fn host(&self) -> &HtmlElement {
        &self.host
    }

    /// The shadow root.
    pub fn shadow(&self) -> &ShadowRoot {
        &self.shadow
    }

    /// The `.wc-root` element the window goes into.
    pub fn root(&self) -> &HtmlElement {
        &self.root
    }

    /// The launcher button: the window goes before it.
    pub fn launcher(&self) -> &HtmlElement {
        &self.launcher
    }

    /// The whole bridge (the handoff reads its other members).
    pub fn bridge(&self) -> &JsValue {
        &self.bridge
    }
}

thread_local! {
    /// The parsed chat stylesheet, shared by every mount (never modified).
    static CHAT_SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

fn chat_sheet() -> Result<CssStyleSheet, MountError> {
    if let Some(sheet) = CHAT_SHEET.with_borrow(|s| s.clone()) {
        return Ok(sheet);
    }
    let sheet = shell::sheet(CHAT_CSS).map_err(|e| MountError::Stylesheet(e.to_string()))?;
    CHAT_SHEET.with_borrow_mut(|s| *s = Some(sheet.clone()));
    Ok(sheet)
}

/// How the window starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowStart {
    /// Build it now (hidden while closed), not on the first open: the chat was asked for, so
    /// the click that opens it finds it ready.
    pub build_now: bool,
    /// It takes the place of the launcher's open frame: no opening animation.
    pub still: bool,
}

/// The mounted window. Dropping it unmounts the view, disposes its reactive owner and takes
/// the chat's stylesheet out of the shadow root.
pub struct MountedWindow {
    // Dropped first (field order): unmounting runs while the root is still attached.
    host: Option<WindowHost>,
    owner: Owner,
    link: Rc<ShellLink>,
    sheet: CssStyleSheet,
    _viewport: Rc<RefCell<Option<ViewportSync>>>,
}

impl MountedWindow {
    /// The shell's shadow root.
    pub fn shadow_root(&self) -> &ShadowRoot {
        self.link.shadow()
    }
}

impl Drop for MountedWindow {
    fn drop(&mut self) {
        drop(self.host.take());
        self.owner.cleanup();
        let sheets: js_sys::Array = self.link.shadow().adopted_style_sheets().unchecked_into();
        let kept: js_sys::Array = sheets
            .iter()
            .filter(|s| *s != JsValue::from(self.sheet.clone()))
            .collect();
        self.link.shadow().set_adopted_style_sheets(&kept);
    }
}

/// Puts the chat window for `store` into the shell behind `link`; what the visitor does goes to
/// `sink`.
pub fn mount_window(
    link: Rc<ShellLink>,
    store: ChatStore,
    sink: Rc<dyn ActionSink>,
    start: WindowStart,
) -> Result<MountedWindow, MountError> {
    let sheet = chat_sheet()?;
    shell::adopt(link.shadow(), &sheet);
    // Only the open window (full-screen on phones) needs the visual viewport, and reading it
    // forces a layout of the host page: start following it on the first open, not at mount.
    let viewport: Rc<RefCell<Option<ViewportSync>>> = Rc::default();
    // Leptos's executor runs the effects; the entry sets it up too, tests may not.
    crate::entry::init_executor();
    let owner = Owner::current().unwrap_or_default().child();
    let open = store.is_open();
    let host = owner.with(|| {
        Effect::new({
            let (viewport, root) = (viewport.clone(), link.root().clone());
            move |_| {
                if open.get() && viewport.borrow().is_none() {
                    *viewport.borrow_mut() = ViewportSync::start(&root);
                }
            }
        });
        WindowHost::new(link.clone(), store, Actions::new(sink), start)
    });
    let host = host.map_err(|e| {
        owner.cleanup();
        MountError::Dom(e)
    })?;
    Ok(MountedWindow {
        host: Some(host),
        owner,
        link,
        sheet,
        _viewport: viewport,
    })
}

/// A shell and a window in one wasm (the demo page and the browser tests). Dropping it removes
/// both.
pub struct MountedWidget {
    // Dropped first (field order): the window goes before the shell it lives in.
    window: Option<MountedWindow>,
    _effects: Vec<RenderEffect<()>>,
    _functions: Functions,
    owner: Owner,
    shell: Rc<Shell>,
}

impl MountedWidget {
    /// The shadow root the widget lives in (tests and the demo query it).
    pub fn shadow_root(&self) -> &ShadowRoot {
        self.shell.shadow()
    }
}

impl Drop for MountedWidget {
    fn drop(&mut self) {
        drop(self.window.take());
        self.owner.cleanup();
        // The effects' closures hold the shell too and the reactive runtime may free them
        // later: its DOM and sheets leave the shadow root now (a remount reuses the root).
        self.shell.remove();
        self.shell
            .shadow()
            .set_adopted_style_sheets(&js_sys::Array::new());
    }
}

/// Attaches (or reuses) an open shadow root on `host`, draws the launcher's shell and mounts
/// the chat window for `store` in it (built on the first open, or now when the store is open).
/// The shell follows the store's look and visibility; the launcher's clicks open and minimise
/// the window in the store and tell `sink`.
pub fn mount_widget(
    host: &HtmlElement,
    store: ChatStore,
    sink: Rc<dyn ActionSink>,
) -> Result<MountedWidget, MountError> {
    crate::entry::init_executor();
    let shell = Rc::new(Shell::mount(host)?);
    let owner = Owner::current().unwrap_or_default().child();
    let effects = owner.with(|| {
        let (config, lang, configured, visible, phase) = (
            store.config(),
            store.lang(),
            store.configured(),
            store.visible(),
            store.phase(),
        );
        let look = shell.clone();
        let show = shell.clone();
        vec![
            RenderEffect::new(move |_| {
                // While nobody is available launcher and header take the offline colour.
                let offline = phase.try_get() == Some(Phase::Offline);
                let (Some(true), Some(color), Some(l)) = (
                    configured.try_get(),
                    config.try_with(|c| c.accent(offline).map(str::to_owned)),
                    lang.try_get(),
                ) else {
                    return;
                };
                look.set_look(color.as_deref(), l);
            }),
            RenderEffect::new(move |_| {
                if let Some(v) = visible.try_get() {
                    show.set_visible(v);
                }
            }),
        ]
    });
    let (bridge, functions) = handoff::shell_object(&shell, host, |_| {}, |_| {});
    let link = Rc::new(ShellLink::from_bridge(&bridge)?);
    let toggle = sink.clone();
    shell.on_toggle(move || {
        if store.is_open().try_get_untracked().unwrap_or(false) {
            store.minimise_window();
            toggle.dispatch(UiAction::Minimise);
        } else {
            store.open_window();
            toggle.dispatch(UiAction::Open);
        }
    });
    let start = WindowStart {
        build_now: store.is_open().get_untracked(),
        still: false,
    };
    let window = owner
        .with(|| mount_window(link, store, sink, start))
        .inspect_err(|_| owner.cleanup())?;
    Ok(MountedWidget {
        window: Some(window),
        _effects: effects,
        _functions: functions,
        owner,
        shell,
    })
}
