//! Starting the chat: [`Widget`], a controller with its view, removed again when dropped. On a
//! page the launcher stage hands over ([`handoff`](crate::handoff)) and the view is the window
//! alone, in the launcher's shell ([`Widget::mount_window`]); the demo page and the browser
//! tests mount a whole widget in one wasm ([`Widget::start`], [`start`]). The JS API object
//! (`init`, `CV.*`) and the options' reading are the launcher's (`webchat_launcher::embed`,
//! `webchat_launcher::options`). This module does not talk to the page beyond mounting.

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::adapters::storage::Storage;
use crate::controller::time::{BrowserTime, Time};
use crate::controller::transport::{BrowserTransport, Transport};
use crate::controller::{Controller, ControllerOptions};
use crate::model::ChatStore;
use crate::mount::{
    mount_widget, mount_window, MountedWidget, MountedWindow, ShellLink, WindowStart,
};
pub use webchat_launcher::options::{Container, InitError, InitOptions};

/// What is mounted: a whole widget (shell and window), or the window in the launcher's shell.
enum View {
    Whole(MountedWidget),
    Window(MountedWindow),
}

impl View {
    fn shadow_root(&self) -> &web_sys::ShadowRoot {
        match self {
            View::Whole(w) => w.shadow_root(),
            View::Window(w) => w.shadow_root(),
        }
    }
}

/// Whose host element the widget lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostOwner {
    /// Created for a floating widget: removed on destroy.
    Created,
    /// The page's container: given back (unhidden) on destroy.
    Page,
    /// The launcher's: the launcher removes it.
    Launcher,
}

/// A running widget: the controller, the mounted view and its reactive owner.
pub struct Widget {
    controller: Controller,
    mounted: Rc<std::cell::RefCell<Option<View>>>,
    host: HtmlElement,
    host_owner: HostOwner,
    owner: Owner,
}

impl Widget {
    /// Mounts a widget on `host` driven by `transport` and `time` (tests pass scripted ones).
    pub fn start(
        host: HtmlElement,
        created_host: bool,
        transport: Rc<dyn Transport>,
        time: Rc<dyn Time>,
        storage: &Storage,
        options: ControllerOptions,
    ) -> Result<Widget, InitError> {
        let (owner, store) = Widget::new_store();
        let widget = Widget::start_controller(
            owner,
            store,
            (host, owned(created_host)),
            (transport, time),
            storage,
            options,
            None,
        );
        widget.mount()?;
        Ok(widget)
    }

    /// The first half of [`start`](Widget::start): starts the controller (which restores a
    /// stored chat into the store and starts loading the campaign) without mounting the view.
    /// `init` yields to the page between the halves, so neither is one long task.
    pub fn prepare(
        host: HtmlElement,
        created_host: bool,
        transport: Rc<dyn Transport>,
        storage: &Storage,
        options: ControllerOptions,
    ) -> Widget {
        let (owner, store) = Widget::new_store();
        Widget::start_controller(
            owner,
            store,
            (host, owned(created_host)),
            (transport, Rc::new(BrowserTime)),
            storage,
            options,
            None,
        )
    }

    /// The chat stage after the handoff: a controller on the launcher's host, the window to be
    /// mounted into its shell ([`Widget::mount_window`]). `on_hide` runs if the campaign turns
    /// out unusable (the launcher hides the widget).
    pub fn attach(
        host: HtmlElement,
        transport: Rc<dyn Transport>,
        storage: &Storage,
        options: ControllerOptions,
        on_hide: Box<dyn FnOnce()>,
    ) -> Widget {
        let (owner, store) = Widget::new_store();
        Widget::start_controller(
            owner,
            store,
            (host, HostOwner::Launcher),
            (transport, Rc::new(BrowserTime)),
            storage,
            options,
            Some(on_hide),
        )
    }

    fn new_store() -> (Owner, ChatStore) {
        init_executor();
        let owner = Owner::new();
        let store = owner.with(ChatStore::awaiting_campaign);
        (owner, store)
    }

    fn start_controller(
        owner: Owner,
        store: ChatStore,
        (host, host_owner): (HtmlElement, HostOwner),
        (transport, time): (Rc<dyn Transport>, Rc<dyn Time>),
        storage: &Storage,
        options: ControllerOptions,
        on_hide: Option<Box<dyn FnOnce()>>,
    ) -> Widget {
        let mounted: Rc<std::cell::RefCell<Option<View>>> = Rc::default();
        let on_hide = {
            let (mounted, host) = (Rc::downgrade(&mounted), host.clone());
            Box::new(move || {
                match on_hide {
                    Some(hide) => hide(),
                    None => host.set_hidden(true),
                }
                if let Some(m) = mounted.upgrade() {
                    // Later: the unmount runs outside this borrow of the controller.
                    let m = m.borrow_mut().take();
                    leptos::task::spawn_local(async move { drop(m) });
                }
            })
        };
        let controller = owner.with(|| {
            Controller::start(
                store,
                transport,
                time,
                storage,
                host.clone(),
                options,
                on_hide,
            )
        });
        Widget {
            controller,
            mounted,
            host,
            host_owner,
            owner,
        }
    }

    /// The second half of [`start`](Widget::start): mounts the view (only the launcher, or the
    /// window too when the restored chat was open). Does nothing once the campaign hid the
    /// widget for good, or when already mounted.
    pub fn mount(&self) -> Result<(), InitError> {
        if self.host.hidden() || self.mounted.borrow().is_some() {
            return Ok(());
        }
        let store = self.controller.store();
        let sink = self.controller.sink();
        let view = self
            .owner
            .with(|| mount_widget(&self.host, store, sink))
            .map_err(|e| InitError::Mount(e.to_string()))?;
        *self.mounted.borrow_mut() = Some(View::Whole(view));
        Ok(())
    }

    /// Mounts the window into the launcher's shell behind `link` (see [`Widget::attach`]).
    pub fn mount_window(&self, link: Rc<ShellLink>, start: WindowStart) -> Result<(), InitError> {
        if self.mounted.borrow().is_some() {
            return Ok(());
        }
        let store = self.controller.store();
        let sink = self.controller.sink();
        let view = self
            .owner
            .with(|| mount_window(link, store, sink, start))
            .map_err(|e| InitError::Mount(e.to_string()))?;
        *self.mounted.borrow_mut() = Some(View::Window(view));
        Ok(())
    }

    /// The controller (tests and the JS API).
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The host element (the widget's own floating `<div>`, or the page's container).
    pub fn host(&self) -> &HtmlElement {
        &self.host
    }

    /// Runs `f` under the widget's reactive owner: effects created there stop on destroy.
    pub fn with_owner<T>(&self, f: impl FnOnce() -> T) -> T {
        self.owner.with(f)
    }

    /// The shadow root, while mounted.
    pub fn shadow_root(&self) -> Option<web_sys::ShadowRoot> {
        self.mounted
            .borrow()
            .as_ref()
            .map(|m| m.shadow_root().clone())
    }

    /// Stops the chat (sending `closed` if one is live), unmounts and removes what init added.
    pub fn destroy(self) {
        drop(self);
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.controller.shutdown();
        drop(self.mounted.borrow_mut().take());
        self.owner.cleanup();
        match self.host_owner {
            HostOwner::Created => self.host.remove(),
            HostOwner::Page => self.host.set_hidden(false),
            HostOwner::Launcher => {}
        }
    }
}

/// Sets up Leptos's task executor (idempotent). Mounting does it too, but the controller may
/// need it earlier: a campaign reply arriving before the mount (an unusable campaign hides the
/// widget through `leptos::task::spawn_local`) would otherwise find no executor and abort the
/// wasm.
pub fn init_executor() {
    _ = any_spawner::Executor::init_wasm_bindgen();
}

/// Starts a whole widget (shell and window) from checked options, in one go: what the demo
/// page calls.
pub fn start(options: InitOptions) -> Result<Widget, InitError> {
    let widget = prepare(options)?;
    widget.mount()?;
    Ok(widget)
}

/// Creates the host element (for a floating widget) and starts the controller, without mounting
/// the view (see [`Widget::prepare`]).
pub fn prepare(options: InitOptions) -> Result<Widget, InitError> {
    let (host, created, transport, storage, options) = host_and_parts(options, None)?;
    Ok(Widget::prepare(host, created, transport, &storage, options))
}

type Parts = (
    HtmlElement,
    bool,
    Rc<dyn Transport>,
    Storage,
    ControllerOptions,
);

/// The host element (created for a floating widget), storage, transport (`transport`, else a
/// browser one for the options' API) and controller options.
fn host_and_parts(
    options: InitOptions,
    transport: Option<Rc<dyn Transport>>,
) -> Result<Parts, InitError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| InitError::Mount("no browser document".into()))?;
    let (host, created) = match options.container {
        Container::Element(el) => (el, false),
        Container::Floating => {
            let el: HtmlElement = document
                .create_element("div")
                .map_err(|_| InitError::Mount("cannot create the host element".into()))?
                .unchecked_into();
            el.set_id("webchat-widget");
            let body = document
                .body()
                .ok_or_else(|| InitError::Mount("the page has no <body>".into()))?;
            body.append_child(&el)
                .map_err(|_| InitError::Mount("cannot insert the host element".into()))?;
            (el, true)
        }
    };
    let storage = Storage::open(options.visitor_ids);
    let transport = transport
        .unwrap_or_else(|| Rc::new(BrowserTransport::new(&options.api_url, &options.api_token)));
    Ok((
        host,
        created,
        transport,
        storage,
        ControllerOptions {
            campaign: options.campaign,
            websocket_url: options.websocket_url,
            bosh_url: options.bosh_url,
            language: options.language,
            request_url: None,
            ready_announced: false,
            livechat: options.livechat,
        },
    ))
}

fn owned(created_host: bool) -> HostOwner {
    if created_host {
        HostOwner::Created
    } else {
        HostOwner::Page
    }
}
