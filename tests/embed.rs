#![cfg(target_arch = "wasm32")]
//! Browser tests of what keeps the widget's start-up light (Chromium and Firefox through
//! wasm-bindgen-test-runner): only the launcher is built at mount, the chat window on the first
//! open (or at once when the store says it is open, as after a reload mid-chat) and then kept,
//! with focus following it; and host events held until the page can listen. Every test
//! mounts into a fresh host and removes it again (all tests share one page). The JS API's
//! start-up itself is covered end to end (e2e/tests/embed-*).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use webchat::actions::UiAction;
use webchat::model::{ChatStore, Phase, WidgetConfig};
use webchat::mount::{mount_widget, MountedWidget};
use webchat_launcher::pace::yield_to_page;

mod support;
use support::shadow::mounted_fixture;
use support::{fresh_host, settle};

wasm_bindgen_test_configure!(run_in_browser);

struct Fixture {
    host: HtmlElement,
    store: ChatStore,
    widget: Option<MountedWidget>,
}

impl Fixture {
    fn q(&self, selector: &str) -> Option<HtmlElement> {
        self.widget
            .as_ref()
            .unwrap()
            .shadow_root()
            .query_selector(selector)
            .unwrap()
            .map(|e| e.unchecked_into())
    }

    fn active_tag(&self) -> String {
        self.widget
            .as_ref()
            .unwrap()
            .shadow_root()
            .active_element()
            .map(|e| e.tag_name())
            .unwrap_or_default()
    }
}

mounted_fixture!(Fixture);
/// Mounts a widget; `before` runs on the store first (as the controller's restore does).
async fn mount(before: impl FnOnce(ChatStore)) -> Fixture {
    let host = fresh_host("webchat-embed-host");
    let store = ChatStore::new(WidgetConfig::default(), true);
    before(store);
    let widget = mount_widget(&host, store, Rc::new(|_: UiAction| {})).unwrap();
    settle().await;
    Fixture {
        host,
        store,
        widget: Some(widget),
    }
}

#[wasm_bindgen_test]
async fn only_the_launcher_is_built_at_start() {
    let f = mount(|_| {}).await;
    assert!(f.q(".wc-launcher").is_some());
    assert!(
        f.q(".wc-window").is_none(),
        "no window before the first open"
    );
    assert!(f.q(".wc-composer").is_none());
    assert_eq!(f.active_tag(), "", "mounting steals no focus");
}

#[wasm_bindgen_test]
async fn the_first_open_builds_the_window_and_focuses_it() {
    let f = mount(|store| store.set_phase(Phase::Idle)).await;
    f.q(".wc-launcher").unwrap().click();
    settle().await;
    let window = f.q(".wc-window").expect("built by the first open");
    assert!(!window.hidden());
    assert!(
        ["TEXTAREA", "SECTION"].contains(&f.active_tag().as_str()),
        "focus moved into the new window, not {:?}",
        f.active_tag()
    );
}

#[wasm_bindgen_test]
async fn the_window_is_kept_with_its_draft_once_built() {
    let f = mount(|store| store.set_phase(Phase::Idle)).await;
    f.store.open_window();
    settle().await;
    let area: HtmlTextAreaElement = f.q(".wc-composer textarea").unwrap().unchecked_into();
    area.set_value("half a thought");
    f.store.minimise_window();
    settle().await;
    let window = f.q(".wc-window").expect("kept while minimised");
    assert!(window.hidden());
    assert_eq!(f.active_tag(), "BUTTON", "focus back on the launcher");
    f.store.open_window();
    settle().await;
    let again: HtmlTextAreaElement = f.q(".wc-composer textarea").unwrap().unchecked_into();
    assert_eq!(again.value(), "half a thought");
}

#[wasm_bindgen_test]
async fn a_stored_open_window_is_built_at_mount_without_taking_focus() {
    // After a reload mid-chat the controller restores the open window before mounting: the
    // window must be there in the first paint (no flash of the launcher alone).
    let f = mount(|store| {
        store.set_phase(Phase::Chatting);
        store.open_window();
    })
    .await;
    let window = f.q(".wc-window").expect("built at mount");
    assert!(!window.hidden());
    assert_eq!(
        f.active_tag(),
        "",
        "a restored window does not steal the page's focus"
    );
}

/// Events a widget sends before the page holds its API object (a quick `ready`) are kept back
/// and delivered, in order, once released; after that they go out at once.
#[wasm_bindgen_test]
async fn held_events_reach_a_late_listener_in_order() {
    use std::cell::RefCell;
    use wasm_bindgen::closure::Closure;
    use webchat::events::{self, HostEvent};

    let document = web_sys::window().unwrap().document().unwrap();
    let target: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    events::hold(&target);
    events::emit(&target, &HostEvent::Ready);
    events::emit(&target, &HostEvent::Open);
    yield_to_page().await;

    // Subscribed only now, as a page does after `await init()`.
    let mut closures = Vec::new();
    for name in ["webchat:ready", "webchat:open", "webchat:close"] {
        let seen = seen.clone();
        let c = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            seen.borrow_mut().push(e.type_())
        });
        target
            .add_event_listener_with_callback(name, c.as_ref().unchecked_ref())
            .unwrap();
        closures.push(c);
    }
    assert!(seen.borrow().is_empty(), "nothing before release");
    events::release(&target);
    assert_eq!(*seen.borrow(), ["webchat:ready", "webchat:open"]);
    events::emit(&target, &HostEvent::Close);
    yield_to_page().await;
    assert_eq!(
        *seen.borrow(),
        ["webchat:ready", "webchat:open", "webchat:close"]
    );

    // Discarded events never arrive.
    events::hold(&target);
    events::emit(&target, &HostEvent::Open);
    yield_to_page().await;
    events::discard(&target);
    events::release(&target);
    yield_to_page().await;
    assert_eq!(seen.borrow().len(), 3);
}
