#![cfg(target_arch = "wasm32")]
//! Browser tests of the chat stage's entry, `startChat(bridge)`, with a bridge as the launcher
//! builds it: its shell and setters from `webchat_launcher::handoff::shell_object` (the real
//! launcher button and badge), the rest (options, campaign reply, what the frame left) here.
//! What they keep: the unread count the launcher kept starts the chat's (with the page title
//! and the count kept for the next page view), another tab's count reaches the badge, and an
//! accepted greeting is the window's first message, as text. The
//! launcher's side is tested with the launcher, both stages together end to end
//! (e2e/tests/embed-stages).

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;
use webchat::handoff::{start_chat, ChatHandle};
use webchat_launcher::handoff::{self, bridge, Functions};
use webchat_launcher::shell::Shell;

mod support;
use support::{campaign, clear_storage, document, settle, CAMPAIGN_ID};

wasm_bindgen_test_configure!(run_in_browser);

/// What the launcher's frame hands over (`take()`).
#[derive(Default)]
struct Left {
    open: bool,
    queued: Vec<&'static str>,
    greeting: Option<JsValue>,
}

/// A launcher on its own host, and the chat it started.
struct Stages {
    host: HtmlElement,
    shell: Rc<Shell>,
    chat: Option<ChatHandle>,
    _functions: Functions,
}

impl Stages {
    /// Mounts a launcher's shell and starts the chat stage with `options.unread` = `unread`.
    async fn start(unread: JsValue, left: Left) -> Stages {
        clear_storage();
        let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&host).unwrap();
        let shell = Rc::new(Shell::mount(&host).unwrap());
        let (obj, mut functions) = handoff::shell_object(&shell, &host, |_| {}, |_| {});
        let options = js_sys::Object::new();
        for (key, value) in [
            // Nothing listens there: a chat that starts fails to reach it, and that is all.
            ("apiUrl", "http://127.0.0.1:9/"),
            ("apiToken", "t"),
            ("campaign", CAMPAIGN_ID),
            ("websocketUrl", "ws://127.0.0.1:9/xmpp-websocket"),
            ("visitorIds", "session"),
        ] {
            handoff::set(&options, key, &JsValue::from_str(value));
        }
        handoff::set(&options, "unread", &unread);
        handoff::set(&obj, bridge::OPTIONS, &options);
        handoff::set(&obj, bridge::TABLE, &JsValue::NULL);
        functions.add(&obj, bridge::CAMPAIGN, |_| {
            let reply = js_sys::Object::new();
            handoff::set(&reply, "status", &JsValue::from(200));
            handoff::set(&reply, "body", &JsValue::from_str(&campaign(true, true)));
            js_sys::Promise::resolve(&reply).into()
        });
        let mut left = Some(left);
        functions.add(&obj, bridge::TAKE, move |_| {
            let Some(left) = left.take() else {
                return JsValue::NULL;
            };
            let taken = js_sys::Object::new();
            handoff::set(&taken, "open", &JsValue::from_bool(left.open));
            handoff::set(&taken, "draft", &JsValue::from_str(""));
            let queued: js_sys::Array = left.queued.iter().map(|q| JsValue::from_str(q)).collect();
            handoff::set(&taken, "queued", &queued);
            handoff::set(&taken, "focused", &JsValue::FALSE);
            handoff::set(&taken, "greeting", &left.greeting.unwrap_or(JsValue::NULL));
            taken.into()
        });
        for name in [bridge::SET_OFFLINE, bridge::UNAVAILABLE, bridge::MOUNTED] {
            functions.add(&obj, name, |_| JsValue::UNDEFINED);
        }
        let chat = start_chat(obj.into()).await.expect("the chat starts");
        settle().await;
        Stages {
            host,
            shell,
            chat: Some(chat),
            _functions: functions,
        }
    }

    fn chat(&self) -> &ChatHandle {
        self.chat.as_ref().unwrap()
    }

    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.shell.shadow().query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(JsCast::unchecked_into)
            .collect()
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    /// The launcher's badge as the visitor sees it (`None`: no badge).
    fn badge(&self) -> Option<String> {
        self.texts(".wc-launcher .wc-badge").pop()
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        if let Some(chat) = self.chat.take() {
            chat.destroy();
        }
        self.shell.remove();
        self.host.remove();
    }
}

fn greeting(id: &str, message: &str, agent: Option<&str>) -> JsValue {
    let g = js_sys::Object::new();
    handoff::set(&g, "id", &JsValue::from_str(id));
    handoff::set(&g, "message", &JsValue::from_str(message));
    handoff::set(
        &g,
        "agentName",
        &agent.map_or(JsValue::NULL, JsValue::from_str),
    );
    g.into()
}

/// Another tab wrote `n` as the unread count: the browser's `storage` event in this one.
fn other_tab_wrote(n: &str) {
    let e = web_sys::Event::new("storage").unwrap();
    js_sys::Reflect::set(&e, &"key".into(), &"webchat:unread".into()).unwrap();
    js_sys::Reflect::set(&e, &"newValue".into(), &n.into()).unwrap();
    web_sys::window().unwrap().dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
async fn the_kept_unread_count_starts_the_chats_and_another_tabs_reaches_the_badge() {
    document().set_title("Shop");
    let s = Stages::start(JsValue::from(3), Left::default()).await;
    assert_eq!(s.shell.unread(), 3);
    assert_eq!(s.badge().as_deref(), Some("3"));
    // The chat keeps the count and flashes the title (the campaign speaks German).
    let stored = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.get_item("webchat:unread").unwrap().as_deref(),
        Some("3")
    );
    assert_eq!(document().title(), "(3) Neue Nachrichten");

    other_tab_wrote("5");
    settle().await;
    assert_eq!(s.badge().as_deref(), Some("5"));
    other_tab_wrote("many");
    settle().await;
    assert_eq!(s.badge(), None, "an unreadable count is none");

    // An open window has read everything, whatever another tab counted.
    s.chat().open();
    settle().await;
    assert_eq!(s.badge(), None);
    assert_eq!(document().title(), "Shop", "the title given back");
    other_tab_wrote("7");
    settle().await;
    assert_eq!(s.shell.unread(), 0);
    s.chat().close();
    other_tab_wrote("2");
    settle().await;
    assert_eq!(s.badge().as_deref(), Some("2"));
    s.chat().destroy();
    settle().await;
    assert_eq!(document().title(), "Shop", "given back when the chat goes");
}

#[wasm_bindgen_test]
async fn a_missing_or_invalid_kept_count_is_none_and_an_open_window_starts_at_none() {
    for unread in [
        JsValue::UNDEFINED,
        JsValue::from(-4),
        JsValue::from_str("3"),
    ] {
        let s = Stages::start(unread, Left::default()).await;
        assert_eq!(s.shell.unread(), 0);
        assert_eq!(s.badge(), None);
    }
    let open = Left {
        open: true,
        ..Left::default()
    };
    let s = Stages::start(JsValue::from(4), open).await;
    assert_eq!(s.shell.unread(), 0);
}

#[wasm_bindgen_test]
async fn an_accepted_greeting_is_the_windows_first_message_as_text() {
    let hostile = "<img src=x onerror=\"window.__pwned=1\"> <b>Hi!</b>";
    let s = Stages::start(JsValue::from(0), Left::default()).await;
    s.chat().greeting(greeting("welcome", hostile, Some("Ana")));
    settle().await;
    assert_eq!(s.badge(), None, "read in its bubble: nothing unread");
    s.chat().open();
    settle().await;
    assert_eq!(s.texts(".wc-msg--agent .wc-bubble"), [hostile]);
    assert_eq!(s.texts(".wc-msg--agent .wc-msg-nick"), ["Ana"]);
    assert!(
        s.all(".wc-bubble img, .wc-bubble b").is_empty(),
        "text, never HTML"
    );
    assert_eq!(s.chat().state(), "idle", "no chat until the visitor writes");

    // One greeting per chat: a second one is ignored.
    s.chat().greeting(greeting("other", "Hello again", None));
    settle().await;
    assert_eq!(s.texts(".wc-bubble"), [hostile]);
}

#[wasm_bindgen_test]
async fn a_greeting_left_in_the_frame_comes_before_the_queued_message() {
    let left = Left {
        open: true,
        queued: vec!["yes please"],
        greeting: Some(greeting("welcome", "Need a hand?", None)),
    };
    let s = Stages::start(JsValue::from(0), left).await;
    assert_eq!(s.texts(".wc-bubble"), ["Need a hand?", "yes please"]);
    assert_eq!(
        s.all(".wc-msg--system").len(),
        1,
        "without a name it speaks for the campaign"
    );
    assert!(s.texts(".wc-msg-nick").is_empty());
}
