#![cfg(target_arch = "wasm32")]
//! Browser tests of the controller (the session core's driver) against a scripted transport
//! and a clock the test moves: REST replies and XMPP frames are written by the test, every
//! request and frame the widget sends is recorded. No network, no waiting for real time.
//!
//! The chat flow itself is tested natively (`tests/session`); these keep what only a browser
//! shows: the DOM, DOM events on the host, the real `sessionStorage`/`localStorage`, `pagehide`,
//! Web Locks and `BroadcastChannel` between two widgets, the JS options object.
//!
//! Each test mounts a fresh widget on its own host element (the page is shared with the other
//! tests and the runner's `#output`), clears the widget's storage keys, and removes its host.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::GetUntracked;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use webchat::actions::UiAction;
use webchat::adapters::fetch::{FetchError, Method, RequestHeaders};
use webchat::adapters::next_task::NextTask;
use webchat::adapters::storage::{Storage, StorageKind};
use webchat::adapters::websocket::{SocketError, SocketEvent};
use webchat::controller::time::{Time, Wakeup};
use webchat::controller::transport::{Link, LocalFuture, Transport};
use webchat::controller::ControllerOptions;
use webchat::entry::Widget;
use webchat::i18n::Lang;
use webchat::model::{
    ChatStore, CobrowseState, EntryKind, MessageStatus, Notice, Phase, Sender, SurveyState,
};
use webchat::session::Now;
use webchat_protocol::Instant;

mod support;
use support::{campaign, clear_storage, fresh_host, settle, sleep, CAMPAIGN_ID};

wasm_bindgen_test_configure!(run_in_browser);

// ---------- the test's clock ----------

type Callback = Rc<RefCell<Box<dyn FnMut()>>>;

/// A clock that moves only when the test says so. "In the next task" still happens in the next
/// task (as in the browser); a later deadline waits for [`FakeTime::advance`].
#[derive(Clone, Default)]
struct FakeTime(Rc<Clock>);

#[derive(Default)]
struct Clock {
    now: Cell<u64>,
    timers: RefCell<Vec<Rc<FakeWake>>>,
}

struct FakeWake {
    at: Cell<Option<u64>>,
    f: Callback,
    soon: Option<NextTask>,
    clock: std::rc::Weak<Clock>,
}

struct Handle(Rc<FakeWake>);

impl Time for FakeTime {
    fn now(&self) -> Now {
        Now {
            at: Instant::from_millis(self.0.now.get()),
            wall_ms: js_sys::Date::now() as u64,
        }
    }

    fn timer(&self, on_fire: Box<dyn FnMut()>) -> Box<dyn Wakeup> {
        let f: Callback = Rc::new(RefCell::new(on_fire));
        let soon_f = f.clone();
        let wake = Rc::new(FakeWake {
            at: Cell::new(None),
            f,
            soon: NextTask::new(move || (soon_f.borrow_mut())()),
            clock: Rc::downgrade(&self.0),
        });
        self.0.timers.borrow_mut().push(wake.clone());
        Box::new(Handle(wake))
    }
}

impl Wakeup for Handle {
    fn arm(&self, at: Instant) {
        let now = self.0.clock.upgrade().map_or(0, |c| c.now.get());
        if at.as_millis() <= now {
            self.0.at.set(None);
            assert!(self.0.soon.as_ref().is_some_and(NextTask::post));
        } else {
            self.0.at.set(Some(at.as_millis()));
        }
    }
    fn cancel(&self) {
        self.0.at.set(None);
    }
}

impl FakeTime {
    /// Moves the clock by `ms`, firing every deadline on the way (in order).
    async fn advance(&self, ms: u64) {
        let end = self.0.now.get() + ms;
        loop {
            let next = self
                .0
                .timers
                .borrow()
                .iter()
                .filter_map(|t| t.at.get().map(|at| (at, t.clone())))
                .filter(|(at, _)| *at <= end)
                .min_by_key(|(at, _)| *at);
            let Some((at, timer)) = next else { break };
            self.0.now.set(self.0.now.get().max(at));
            timer.at.set(None);
            (timer.f.borrow_mut())();
            settle().await;
        }
        self.0.now.set(end);
        settle().await;
    }
}

// ---------- the scripted transport ----------

#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    headers: RequestHeaders,
    body: Option<String>,
}

impl Request {
    /// The value of one of the extra headers (the proofs), if sent.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type SocketCallback = Rc<RefCell<Box<dyn FnMut(SocketEvent)>>>;

#[derive(Default)]
struct Script {
    /// (method, path, status, body), matched in order by method and path.
    replies: VecDeque<(Method, String, u16, String)>,
    requests: Vec<Request>,
    /// The socket's event callback and what the widget sent on it.
    on_event: Option<SocketCallback>,
    sent: Rc<RefCell<Vec<String>>>,
    connects: Vec<String>,
}

#[derive(Clone, Default)]
struct Fake(Rc<RefCell<Script>>);

impl Fake {
    fn reply(&self, method: Method, path: &str, status: u16, body: &str) {
        self.0
            .borrow_mut()
            .replies
            .push_back((method, path.into(), status, body.into()));
    }
    fn requests(&self) -> Vec<Request> {
        self.0.borrow().requests.clone()
    }
    fn sent(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow().sent.borrow_mut())
    }
    /// The connection drops under the widget.
    fn drop_socket(&self) {
        let cb = self.0.borrow().on_event.clone().expect("no socket open");
        (cb.borrow_mut())(SocketEvent::Closed { code: 1006 });
    }
    /// The server sends one frame.
    fn frame(&self, text: &str) {
        let cb = self.0.borrow().on_event.clone().expect("no socket open");
        (cb.borrow_mut())(SocketEvent::Frame(text.into()));
    }
}

struct FakeLink(Rc<RefCell<Vec<String>>>);

impl Link for FakeLink {
    fn send(&self, frame: &str) -> Result<(), SocketError> {
        self.0.borrow_mut().push(frame.into());
        Ok(())
    }
}

impl Transport for Fake {
    fn request(
        &self,
        method: Method,
        path: &str,
        headers: RequestHeaders,
        body: Option<String>,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        let mut s = self.0.borrow_mut();
        let path = path.to_owned();
        s.requests.push(Request {
            method,
            path: path.clone(),
            headers,
            body,
        });
        let pos = s
            .replies
            .iter()
            .position(|(m, p, _, _)| *m == method && *p == path);
        match pos.and_then(|i| s.replies.remove(i)) {
            Some((_, _, 0, _)) => {
                Box::pin(async { Err(FetchError::Network("scripted failure".into())) })
            }
            Some((_, _, status, body)) => Box::pin(async move { Ok((status, body)) }),
            // Unscripted: a server that never answers.
            None => Box::pin(std::future::pending()),
        }
    }

    fn post_xml(
        &self,
        _url: &str,
        _body: String,
        _timeout_ms: u64,
    ) -> LocalFuture<Result<(u16, String), FetchError>> {
        panic!("no BOSH in these tests")
    }

    fn connect(
        &self,
        url: &str,
        on_event: Box<dyn FnMut(SocketEvent)>,
    ) -> Result<Box<dyn Link>, SocketError> {
        let mut s = self.0.borrow_mut();
        s.connects.push(url.into());
        s.on_event = Some(Rc::new(RefCell::new(on_event)));
        Ok(Box::new(FakeLink(s.sent.clone())))
    }
}

// ---------- fixtures ----------

const SESSION: &str = r#"{"id":"cs-1","campaign_id":"camp1","tracker_id":"t","visitor_identifier":null,"request_url":"http://x/","status":"created","visitor_secret":"k3y"}"#;
const CREDS: &str = r#"{"id":"cr-1","agent":{"firstname":"Ana","nickname":"ana","jid":"ana@internal.webchat.test"},"credentials":{"user":"v1@webchat.test","password":"pw","domain":"webchat.test","resource":"web"}}"#;

const AGENT: &str = "ana@internal.webchat.test/console";
const OPEN_S: &str =
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='s1' version='1.0' from='webchat.test'/>";
const FEATURES_SASL: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";

struct Harness {
    fake: Fake,
    time: FakeTime,
    widget: Option<Widget>,
    host: HtmlElement,
    /// A reload keeps the storage for the next page.
    keep_storage: bool,
}

impl Drop for Harness {
    fn drop(&mut self) {
        drop(self.widget.take());
        self.host.remove();
        if !self.keep_storage {
            clear_storage();
        }
    }
}

/// The widget's stored keys (without the prefix), sorted.
fn stored_keys(kind: StorageKind) -> Vec<String> {
    let w = web_sys::window().unwrap();
    let s = match kind {
        StorageKind::Session => w.session_storage(),
        StorageKind::Local => w.local_storage(),
    }
    .unwrap()
    .unwrap();
    let mut keys: Vec<String> = (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter_map(|k| k.strip_prefix("webchat:").map(str::to_owned))
        .collect();
    keys.sort();
    keys
}
impl Harness {
    /// A widget whose campaign reply is `campaign_reply` (status, body).
    async fn start(status: u16, campaign_reply: &str) -> Harness {
        clear_storage();
        let h = Harness::boot(
            status,
            campaign_reply,
            Storage::open(StorageKind::Session),
            &[],
        );
        settle().await;
        h
    }

    /// A widget on `storage` (not cleared: a reload), with extra scripted replies; returns
    /// before anything asynchronous ran, so a test can look at the very first state.
    fn boot(
        status: u16,
        campaign_reply: &str,
        storage: Storage,
        replies: &[(Method, &str, u16, &str)],
    ) -> Harness {
        let host = fresh_host("webchat-ctl-host");
        let fake = Fake::default();
        fake.reply(
            Method::Get,
            &format!("campaigns/{CAMPAIGN_ID}"),
            status,
            campaign_reply,
        );
        for (m, p, st, b) in replies {
            fake.reply(*m, p, *st, b);
        }
        let time = FakeTime::default();
        let widget = Widget::start(
            host.clone(),
            false,
            Rc::new(fake.clone()),
            Rc::new(time.clone()),
            &storage,
            ControllerOptions {
                campaign: CAMPAIGN_ID.into(),
                websocket_url: "ws://127.0.0.1:9/xmpp-websocket".into(),
                bosh_url: None,
                language: None,
                request_url: Some("http://shop.test/cart".into()),
                ready_announced: false,
                livechat: None,
            },
        )
        .expect("widget starts");
        Harness {
            fake,
            time,
            widget: Some(widget),
            host,
            keep_storage: false,
        }
    }

    /// Leaves the page the way a reload does: the chat is not ended, the storage stays.
    fn unload(mut self) {
        self.widget.as_ref().unwrap().controller().suspend();
        self.keep_storage = true;
    }

    fn controller(&self) -> &webchat::controller::Controller {
        self.widget.as_ref().unwrap().controller()
    }

    fn store(&self) -> ChatStore {
        self.widget.as_ref().unwrap().controller().store()
    }

    fn act(&self, action: webchat::actions::UiAction) {
        self.widget
            .as_ref()
            .unwrap()
            .controller()
            .handle_action(action);
    }

    fn shadow_text(&self) -> String {
        self.widget
            .as_ref()
            .unwrap()
            .shadow_root()
            .expect("mounted")
            .text_content()
            .unwrap_or_default()
    }

    /// Plays the server side of open → PLAIN → bind; returns what the widget sent after bind.
    async fn log_in(&self) -> Vec<String> {
        let opened = self.fake.sent();
        assert!(opened[0].starts_with("<open "), "{opened:?}");
        self.fake.frame(OPEN_S);
        self.fake.frame(FEATURES_SASL);
        let auth = self.fake.sent();
        assert!(
            auth.iter().any(|f| f.contains("mechanism=\"PLAIN\"")),
            "{auth:?}"
        );
        self.fake
            .frame("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        self.fake.frame(OPEN_S);
        self.fake.frame(FEATURES_BIND);
        let bind = self.fake.sent();
        let bind = bind
            .iter()
            .find(|f| f.contains("xmpp-bind"))
            .expect("bind request");
        let id = bind
            .split("id=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("bind id");
        self.fake.frame(&format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"
        ));
        settle().await;
        self.fake.sent()
    }

    fn agent(&self, inner: &str, id: &str) {
        self.fake.frame(&format!(
            "<message xmlns='jabber:client' type='chat' id='{id}' from='{AGENT}' to='v1@webchat.test/web'>{inner}</message>"
        ));
    }
}

fn visitor_messages(store: &ChatStore) -> Vec<(String, MessageStatus)> {
    store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) if m.sender == Sender::Visitor => {
                Some((m.text, m.status.get_untracked()))
            }
            _ => None,
        })
        .collect()
}

fn notices(store: &ChatStore) -> Vec<Notice> {
    store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Notice(n) => Some(n),
            _ => None,
        })
        .collect()
}

// ---------- tests ----------

#[wasm_bindgen_test]
async fn campaign_is_applied() {
    let h = Harness::start(200, &campaign(true, true)).await;
    let store = h.store();
    let config = store.config().get_untracked();
    assert_eq!(config.color.as_deref(), Some("#ffd400"));
    assert_eq!(config.lang(), Lang::De);
    assert_eq!(
        config.survey.as_ref().unwrap().question.as_deref(),
        Some("Wie war es?")
    );
    assert_eq!(
        config.cobrowse.as_ref().unwrap().accept.as_deref(),
        Some("Ja")
    );
    assert_eq!(store.phase().get_untracked(), Phase::Idle);
    assert!(!h.host.hidden());
    let reqs = h.fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, Method::Get);
    // The visitor got an id, kept under the documented prefix.
    let stored = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("webchat:visitor_id")
        .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(
            h.widget
                .as_ref()
                .unwrap()
                .controller()
                .visitor_id()
                .as_str()
        )
    );
}

#[wasm_bindgen_test]
async fn inactive_campaign_hides_the_widget() {
    let h = Harness::start(200, &campaign(false, true)).await;
    settle().await;
    assert!(h.host.hidden());
    assert!(h.widget.as_ref().unwrap().shadow_root().is_none());
}

#[wasm_bindgen_test]
async fn unknown_campaign_and_bad_token_hide_the_widget() {
    for status in [404, 401] {
        let h = Harness::start(status, r#"{"Message":"nope"}"#).await;
        settle().await;
        assert!(h.host.hidden(), "status {status}");
    }
}

#[wasm_bindgen_test]
async fn a_whole_chat_with_survey() {
    let h = Harness::start(200, &campaign(true, true)).await;
    // The window is built on the first open; the visitor has it open.
    h.store().open_window();
    h.fake.reply(Method::Post, "chatsessions", 201, SESSION);
    h.fake.reply(Method::Post, "xmppcredentials", 201, CREDS);
    h.fake
        .reply(Method::Patch, "chatsessions/cs-1", 200, SESSION);
    let store = h.store();

    h.act(UiAction::SendText("Hello there".into()));
    settle().await;
    assert_eq!(
        h.fake.0.borrow().connects,
        vec!["ws://127.0.0.1:9/xmpp-websocket"]
    );
    let credentials = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "xmppcredentials")
        .expect("POST xmppcredentials");
    assert_eq!(
        credentials.body.as_deref(),
        Some(r#"{"chatsession_id":"cs-1"}"#)
    );
    // The chat's own secret proves this browser is its visitor.
    assert_eq!(credentials.header("X-Chat-Secret"), Some("k3y"));
    let create = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "chatsessions");
    assert!(
        create.is_some_and(|r| r.headers.is_empty()),
        "nothing to prove yet"
    );
    assert_eq!(store.phase().get_untracked(), Phase::Connecting);

    let after_bind = h.log_in().await;
    // The three presences, then the queued message.
    let presences = after_bind
        .iter()
        .filter(|f| f.starts_with("<presence"))
        .count();
    assert_eq!(presences, 3, "{after_bind:?}");
    assert!(
        after_bind
            .iter()
            .any(|f| f.contains("<body>Hello there</body>")),
        "{after_bind:?}"
    );
    assert_eq!(store.phase().get_untracked(), Phase::Chatting);
    // No stream management on this server: what went out on the live stream counts as sent.
    assert_eq!(
        visitor_messages(&store),
        vec![("Hello there".into(), MessageStatus::Sent)]
    );
    assert_eq!(store.agent_name().get_untracked().as_deref(), Some("Ana"));

    // Typing, a message, chat states from the composer.
    h.agent(
        "<composing xmlns='http://jabber.org/protocol/chatstates'/>",
        "t1",
    );
    assert!(store.agent_typing().get_untracked());
    h.agent(
        "<body>Hi! How can I help?</body><nick xmlns='http://jabber.org/protocol/nick'>ana</nick>",
        "m1",
    );
    assert!(!store.agent_typing().get_untracked());
    h.act(UiAction::ChatState(webchat::model::ChatState::Composing));
    assert!(h.fake.sent().iter().any(|f| f.contains("<composing")));

    // Transfer: notice with the first name, the raw body never shown.
    h.agent(
        "<body>visitor_forward_message</body><internal xmlns='http://cobrowser.io/protocol/chatsession#forward'><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>bo</nickname><firstname>Bo</firstname></agent></internal>",
        "f1",
    );
    settle().await;
    assert!(notices(&store).contains(&Notice::Transferred {
        firstname: "Bo".into()
    }));
    assert!(!h.shadow_text().contains("visitor_forward_message"));
    assert!(h.shadow_text().contains("Hi! How can I help?"));

    // Co-browsing request, answered: the agent hears it, the page gets a DOM event.
    h.agent(
        "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>",
        "c1",
    );
    assert_eq!(store.cobrowse().get_untracked(), CobrowseState::Requested);
    let seen: Rc<RefCell<Vec<bool>>> = Rc::default();
    let listener = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
            move |e: web_sys::CustomEvent| {
                let accepted = js_sys::Reflect::get(&e.detail(), &"accepted".into())
                    .unwrap()
                    .as_bool()
                    .unwrap();
                seen.borrow_mut().push(accepted);
            },
        )
    };
    h.host
        .add_event_listener_with_callback(
            "webchat:cobrowsing:accepted",
            listener.as_ref().unchecked_ref(),
        )
        .unwrap();
    // Answered through the prompt's button.
    settle().await;
    let root = h.widget.as_ref().unwrap().shadow_root().unwrap();
    root.query_selector(".wc-cobrowse-accept")
        .unwrap()
        .expect("the prompt shows")
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert_eq!(store.cobrowse().get_untracked(), CobrowseState::Accepted);
    assert_eq!(*seen.borrow(), vec![true]);
    assert!(h
        .fake
        .sent()
        .iter()
        .any(|f| f.contains("cobrowsing_accepted")));

    // The agent ends the chat: the core answers `closed` and closes; the survey opens.
    h.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    settle().await;
    let out = h.fake.sent();
    assert!(out.iter().any(|f| f.contains("<closed")), "{out:?}");
    assert_eq!(store.phase().get_untracked(), Phase::Ended);
    assert_eq!(store.survey().get_untracked(), SurveyState::Open);

    h.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: Some("Quick and kind".into()),
    });
    settle().await;
    let patch = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == Method::Patch)
        .expect("PATCH sent");
    assert_eq!(patch.path, "chatsessions/cs-1");
    assert_eq!(patch.header("X-Chat-Secret"), Some("k3y"));
    assert_eq!(
        patch.body.as_deref(),
        Some(r#"{"survey":{"result":"good","message":"Quick and kind"}}"#)
    );

    // A new chat can be started after the end (the composer's button).
    settle().await;
    root.query_selector(".wc-new-chat")
        .unwrap()
        .expect("offered after the end")
        .unchecked_into::<HtmlElement>()
        .click();
    assert_eq!(store.phase().get_untracked(), Phase::Idle);
    assert!(store.entries().get_untracked().is_empty());
}

#[wasm_bindgen_test]
async fn hostile_agent_text_stays_text() {
    let h = Harness::start(200, &campaign(true, true)).await;
    h.fake.reply(Method::Post, "chatsessions", 201, SESSION);
    h.fake.reply(Method::Post, "xmppcredentials", 201, CREDS);
    h.act(UiAction::SendText("hi".into()));
    settle().await;
    h.log_in().await;
    h.store().open_window();
    h.agent(
        "<body>&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</body>",
        "x1",
    );
    settle().await;
    let root = h.widget.as_ref().unwrap().shadow_root().unwrap();
    assert!(root.query_selector("img").unwrap().is_none());
    assert!(root.query_selector(".wc-bubble script").unwrap().is_none());
    assert!(h.shadow_text().contains("<img src=x onerror="));
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn network_errors_retry_calmly() {
    // Status 0 in the script is a network error (no reply at all).
    let h = Harness::start(0, "").await;
    assert_eq!(h.store().phase().get_untracked(), Phase::Connecting);
    assert!(!h.host.hidden());
    // The visitor may already write: the text waits as "sending".
    h.act(UiAction::SendText("anyone?".into()));
    assert_eq!(
        visitor_messages(&h.store()),
        vec![("anyone?".into(), MessageStatus::Sending)]
    );
    // The retry (about a second later) finds the campaign; the chat then starts with the text.
    h.fake.reply(
        Method::Get,
        &format!("campaigns/{CAMPAIGN_ID}"),
        200,
        &campaign(true, true),
    );
    // The first backoff is 0.5–1 s.
    h.time.advance(499).await;
    assert_eq!(h.fake.requests().len(), 1, "not before the backoff");
    h.time.advance(501).await;
    settle().await;
    let gets = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == Method::Get)
        .count();
    assert_eq!(gets, 2);
    assert!(h.fake.requests().iter().any(|r| r.path == "chatsessions"));
    assert_eq!(h.store().phase().get_untracked(), Phase::Connecting);
}
#[wasm_bindgen_test]
async fn init_options_are_checked() {
    use webchat::entry::{InitError, InitOptions};
    let opts = |json: &str| js_sys::JSON::parse(json).unwrap();
    let full =
        r#"{"apiUrl":"/api/","apiToken":"t","campaign":"c","websocketUrl":"ws://127.0.0.1:1/x"}"#;
    let ok = InitOptions::from_js(&opts(full)).expect("valid options");
    assert_eq!(ok.visitor_ids, StorageKind::Session);
    assert_eq!(ok.campaign, "c");

    assert_eq!(
        InitOptions::from_js(&"apiUrl".into()).unwrap_err(),
        InitError::NotAnObject
    );
    assert_eq!(
        InitOptions::from_js(&opts(
            r#"{"apiToken":"t","campaign":"c","websocketUrl":"ws://h/x"}"#
        ))
        .unwrap_err(),
        InitError::Missing("apiUrl")
    );
    assert_eq!(
        InitOptions::from_js(&opts(
            r#"{"apiUrl":"/a/","apiToken":5,"campaign":"c","websocketUrl":"ws://h/x"}"#
        ))
        .unwrap_err(),
        InitError::WrongType {
            key: "apiToken",
            expected: "a string"
        }
    );
    let bad_ids = InitOptions::from_js(&opts(
        r#"{"apiUrl":"/a/","apiToken":"t","campaign":"c","websocketUrl":"ws://h/x","visitorIds":"forever"}"#,
    ))
    .unwrap_err();
    assert!(bad_ids.to_string().contains("visitorIds"), "{bad_ids}");
    let bad_ws = InitOptions::from_js(&opts(
        r#"{"apiUrl":"/a/","apiToken":"t","campaign":"c","websocketUrl":"http://h/x"}"#,
    ))
    .unwrap_err();
    assert!(matches!(
        bad_ws,
        InitError::BadValue {
            key: "websocketUrl",
            ..
        }
    ));
    let no_container = InitOptions::from_js(&opts(
        r##"{"apiUrl":"/a/","apiToken":"t","campaign":"c","websocketUrl":"ws://h/x","container":"#nowhere-xyz"}"##,
    ))
    .unwrap_err();
    assert_eq!(no_container, InitError::NoContainer("#nowhere-xyz".into()));
    // Through the exported entry point: a JS Error with the same message.
    let err = webchat_launcher::embed::init(
        opts(r#"{"apiUrl":"/a/"}"#),
        wasm_bindgen::JsValue::UNDEFINED,
    )
    .await
    .expect_err("rejected");
    let message = err.unchecked_into::<js_sys::Error>().message();
    assert_eq!(
        String::from(message),
        "webchat.init: option `websocketUrl` is required"
    );
}

#[wasm_bindgen_test]
async fn a_dropped_connection_reconnects() {
    let h = Harness::start(200, &campaign(true, true)).await;
    h.fake.reply(Method::Post, "chatsessions", 201, SESSION);
    h.fake.reply(Method::Post, "xmppcredentials", 201, CREDS);
    h.act(UiAction::SendText("hi".into()));
    settle().await;
    h.log_in().await;
    assert_eq!(h.store().phase().get_untracked(), Phase::Chatting);
    h.fake.drop_socket();
    settle().await;
    assert_eq!(h.store().phase().get_untracked(), Phase::Reconnecting);
    // Typed while reconnecting: shown at once, waiting.
    h.act(UiAction::SendText("still there?".into()));
    assert_eq!(
        visitor_messages(&h.store())[1],
        ("still there?".into(), MessageStatus::Sending)
    );
    h.time.advance(1_000).await;
    assert_eq!(h.fake.0.borrow().connects.len(), 2);
    // A new stream with the same credentials (no new REST calls).
    let after = h.log_in().await;
    assert!(
        after
            .iter()
            .any(|f| f.contains("<body>still there?</body>")),
        "{after:?}"
    );
    assert_eq!(h.store().phase().get_untracked(), Phase::Chatting);
    assert_eq!(
        h.fake
            .requests()
            .iter()
            .filter(|r| r.path == "xmppcredentials")
            .count(),
        1
    );
}

// ---------- identity and continuity ----------

const FEATURES_BIND_SM: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";

/// The value of attribute `name` in a frame the widget wrote (double quotes).
fn attr_of(frame: &str, name: &str) -> String {
    frame
        .split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {frame}"))
        .to_owned()
}

fn texts(store: &ChatStore) -> Vec<String> {
    store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => Some(m.text),
            EntryKind::Notice(_) => None,
        })
        .collect()
}

fn visitor_ids(store: &ChatStore) -> Vec<String> {
    store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) if m.sender == Sender::Visitor => Some(m.id.0),
            _ => None,
        })
        .collect()
}

/// Records `detail.<field>` of every `webchat:<name>` event on `host`.
fn listen(host: &HtmlElement, name: &str, field: &'static str) -> Rc<RefCell<Vec<String>>> {
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let cb = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
            move |e: web_sys::CustomEvent| {
                let v = js_sys::Reflect::get(&e.detail(), &field.into()).unwrap();
                seen.borrow_mut()
                    .push(v.as_string().unwrap_or_else(|| format!("{v:?}")));
            },
        )
    };
    host.add_event_listener_with_callback(&format!("webchat:{name}"), cb.as_ref().unchecked_ref())
        .unwrap();
    cb.forget(); // the host element goes away with the test
    seen
}

impl Harness {
    /// open → PLAIN → restart; returns what the widget sent after the post-auth `features`.
    async fn auth(&self, features: &str) -> Vec<String> {
        let opened = self.fake.sent();
        assert!(opened.iter().any(|f| f.starts_with("<open ")), "{opened:?}");
        self.fake.frame(OPEN_S);
        self.fake.frame(FEATURES_SASL);
        self.fake.sent();
        self.fake
            .frame("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        self.fake.frame(OPEN_S);
        self.fake.frame(features);
        settle().await;
        let mut sent = self.fake.sent();
        sent.retain(|f| !f.starts_with("<open "));
        sent
    }

    /// A fresh login with stream management; returns what the widget sent after `<enabled/>`.
    async fn log_in_sm(&self) -> Vec<String> {
        let bind = self.auth(FEATURES_BIND_SM).await;
        let id = attr_of(
            bind.iter().find(|f| f.contains("xmpp-bind")).expect("bind"),
            "id",
        );
        self.fake.frame(&format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>v1@webchat.test/web</jid></bind></iq>"
        ));
        let enable = self.fake.sent();
        assert!(enable.iter().any(|f| f.contains("<enable ")), "{enable:?}");
        self.fake
            .frame("<enabled xmlns='urn:xmpp:sm:3' id='sm1' resume='true' max='300'/>");
        settle().await;
        self.fake.sent()
    }

    /// Starts a chat with "hi" and logs in (with or without stream management).
    async fn chatting(&self, sm: bool) -> Vec<String> {
        self.fake.reply(Method::Post, "chatsessions", 201, SESSION);
        self.fake.reply(Method::Post, "xmppcredentials", 201, CREDS);
        self.act(UiAction::SendText("hi".into()));
        settle().await;
        let out = if sm {
            self.log_in_sm().await
        } else {
            self.log_in().await
        };
        assert_eq!(self.store().phase().get_untracked(), Phase::Chatting);
        out
    }
}

#[wasm_bindgen_test]
async fn a_reload_mid_chat_shows_the_chat_at_once_and_resumes_the_stream() {
    let h = Harness::start(200, &campaign(true, true)).await;
    h.act(UiAction::Open);
    h.store().open_window();
    let after = h.chatting(true).await;
    assert!(
        after.iter().any(|f| f.contains("<body>hi</body>")),
        "{after:?}"
    );
    h.fake.frame("<a xmlns='urn:xmpp:sm:3' h='4'/>"); // three presences and "hi"
    h.agent("<body>hello</body>", "m1");
    h.act(UiAction::SendText("are you there?".into()));
    settle().await;
    let unacked = h
        .fake
        .sent()
        .into_iter()
        .find(|f| f.contains("are you there?"))
        .expect("sent");
    assert_eq!(
        visitor_messages(&h.store()),
        vec![
            ("hi".into(), MessageStatus::Sent),
            ("are you there?".into(), MessageStatus::Sending)
        ]
    );
    let ids_before = visitor_ids(&h.store());
    h.unload();

    // The next page: the window is back as it was before any reply arrived.
    let h = Harness::boot(
        200,
        &campaign(true, true),
        Storage::open(StorageKind::Session),
        &[(Method::Get, "xmppcredentials/cr-1", 200, CREDS)],
    );
    assert_eq!(
        texts(&h.store()),
        vec!["hi", "hello", "are you there?"],
        "no empty flash"
    );
    assert!(h.store().is_open().get_untracked());
    assert_eq!(visitor_ids(&h.store()), ids_before);
    let agent_messages = listen(&h.host, "message", "id");
    settle().await;
    let resume = h.auth(FEATURES_BIND_SM).await;
    assert_eq!(
        resume,
        vec!["<resume xmlns=\"urn:xmpp:sm:3\" previd=\"sm1\" h=\"1\"/>"]
    );
    let paths: Vec<String> = h.fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["campaigns/camp1", "xmppcredentials/cr-1"]);
    // The saved chat kept its secret: the credentials are asked for as its visitor.
    assert_eq!(h.fake.requests()[1].header("X-Chat-Secret"), Some("k3y"));
    h.fake
        .frame("<resumed xmlns='urn:xmpp:sm:3' previd='sm1' h='4'/>");
    settle().await;
    let out = h.fake.sent();
    assert_eq!(out[0], unacked, "the same stanza, same id, re-sent once");
    assert_eq!(
        out.iter().filter(|f| f.contains("are you there?")).count(),
        1
    );
    // The server re-delivers what it could not know we had, plus what came during the reload.
    h.agent("<body>hello</body>", "m1");
    h.agent("<body>written during the reload</body>", "m2");
    h.fake.frame("<a xmlns='urn:xmpp:sm:3' h='5'/>");
    settle().await;
    assert_eq!(
        texts(&h.store()),
        vec!["hi", "hello", "are you there?", "written during the reload"]
    );
    assert_eq!(
        visitor_messages(&h.store())[1],
        ("are you there?".into(), MessageStatus::Sent)
    );
    assert_eq!(h.store().phase().get_untracked(), Phase::Chatting);
    assert_eq!(*agent_messages.borrow(), vec!["m2".to_string()]);
    let saved = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("webchat:chat")
        .unwrap()
        .expect("chat saved");
    assert!(
        saved.contains("\"sm1\"") && saved.contains("cr-1"),
        "{saved}"
    );
    assert!(
        !saved.contains("\"pw\""),
        "the password is never stored: {saved}"
    );
}

#[wasm_bindgen_test]
async fn reset_ends_the_chat_forgets_everything_and_makes_a_new_visitor() {
    let h = Harness::start(200, &campaign(true, true)).await;
    let ended = listen(&h.host, "chat:ended", "by");
    h.chatting(false).await;
    h.agent("<body>secret answer</body>", "m1");
    let old_id = h.controller().visitor_id();
    assert!(stored_keys(StorageKind::Session).contains(&"transcript".to_string()));
    h.controller().reset();
    let out = h.fake.sent();
    let closed = out.iter().position(|f| f.contains("<closed"));
    let close = out.iter().position(|f| f.starts_with("<close "));
    assert!(
        matches!((closed, close), (Some(a), Some(b)) if a < b),
        "{out:?}"
    );
    assert_eq!(stored_keys(StorageKind::Session), vec!["visitor_id"]);
    let new_id = h.controller().visitor_id();
    assert_ne!(new_id, old_id);
    assert!(texts(&h.store()).is_empty());
    assert_eq!(h.store().phase().get_untracked(), Phase::Idle);
    settle().await;
    assert!(!h.shadow_text().contains("secret answer"));
    // Twice is harmless (another new id, no second "ended").
    h.controller().reset();
    settle().await;
    assert_eq!(*ended.borrow(), vec!["visitor".to_string()]);
    let newest = h.controller().visitor_id();
    // The next chat is a new visitor's.
    h.fake.reply(Method::Post, "chatsessions", 201, SESSION);
    h.act(UiAction::SendText("new me".into()));
    settle().await;
    let body = h
        .fake
        .requests()
        .into_iter()
        .rfind(|r| r.path == "chatsessions")
        .and_then(|r| r.body)
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["tracker_id"], newest.as_str());
    assert!(body.get("user").is_none());
}

const HISTORY_PATH: &str =
    "chatsessions?tracker_id=user%3Aemail%3Ajohn%40x.example&campaign_id=camp1";

/// What John's site's server signed for him (any 64 hex digits: the backend checks it).
const JOHN_SIGNATURE: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

fn john() -> webchat::controller::UserInfo {
    webchat::controller::UserInfo::from_json(&serde_json::json!({
        "email": "John@x.example", "firstname": "John", "lastname": "Doe",
        "labels": ["vip"], "assignedUser": "ana", "signature": JOHN_SIGNATURE
    }))
    .unwrap()
}

#[wasm_bindgen_test]
async fn tag_sends_the_user_and_brings_the_history_back() {
    let h = Harness::start(200, &campaign(true, true)).await;
    // The window is built on the first open; the visitor has it open.
    h.store().open_window();
    let list = r#"[{"id":"cs-new","campaign_id":"camp1","tracker_id":"user:email:john@x.example","visitor_identifier":"John@x.example","request_url":null,"status":"closed"},
                   {"id":"cs-0","campaign_id":"camp1","tracker_id":"user:email:john@x.example","visitor_identifier":"John@x.example","request_url":null,"status":"closed"}]"#;
    h.fake.reply(Method::Get, HISTORY_PATH, 200, list);
    h.fake.reply(
        Method::Get,
        "chatsessions/cs-0/transcript",
        200,
        r#"{"chatsession_id":"cs-0","messages":[{"id":"v0@webchat.test:s1","from":"visitor","body":"old question","timestamp":1},{"id":"u1","from":"agent","nick":"Ana","body":"old answer","timestamp":2}]}"#,
    );
    h.fake.reply(
        Method::Get,
        "chatsessions/cs-new/transcript",
        200,
        r#"{"chatsession_id":"cs-new","messages":[{"id":"u2","from":"agent","nick":"Ana","body":"<b>newer</b>","timestamp":3}]}"#,
    );
    h.controller().tag(john()).expect("valid user");
    settle().await;
    assert_eq!(
        texts(&h.store()),
        vec!["old question", "old answer", "<b>newer</b>"]
    );
    assert!(h.shadow_text().contains("<b>newer</b>"), "text, never HTML");
    // The list and every transcript carry John's signature, and nothing else proves anything.
    let reads: Vec<Request> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("chatsessions"))
        .collect();
    assert_eq!(reads.len(), 3, "{reads:?}");
    for r in &reads {
        assert_eq!(
            r.header("X-User-Signature"),
            Some(JOHN_SIGNATURE),
            "{}",
            r.path
        );
        assert_eq!(r.header("X-Chat-Secret"), None);
    }
    // Each earlier chat under its own dated separator; its messages marked as earlier, with
    // the transcript's times.
    assert_eq!(
        notices(&h.store()),
        vec![
            Notice::EarlierChat { at_ms: Some(1) },
            Notice::EarlierChat { at_ms: Some(3) }
        ]
    );
    let marks: Vec<(bool, Option<u64>)> = h
        .store()
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => Some((m.earlier, m.at_ms)),
            EntryKind::Notice(_) => None,
        })
        .collect();
    assert_eq!(
        marks,
        vec![(true, Some(1)), (true, Some(2)), (true, Some(3))]
    );
    let root = h.widget.as_ref().unwrap().shadow_root().unwrap();
    assert_eq!(
        root.query_selector_all("[role=separator].wc-history-sep")
            .unwrap()
            .length(),
        2
    );
    assert_eq!(h.controller().visitor_id(), "user:email:john@x.example");
    assert!(stored_keys(StorageKind::Session).contains(&"user".to_string()));
    // The same user again (the page tags on every load): nothing happens.
    let before = h.fake.requests().len();
    let mut again = john();
    again.email = "JOHN@X.EXAMPLE".into();
    h.controller().tag(again).unwrap();
    settle().await;
    assert_eq!(h.fake.requests().len(), before);
    assert_eq!(texts(&h.store()).len(), 3);
    // The next chat carries the user.
    h.fake.reply(Method::Post, "chatsessions", 201, SESSION);
    h.act(UiAction::SendText("me again".into()));
    settle().await;
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "chatsessions")
        .and_then(|r| r.body)
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["visitor_identifier"], "John@x.example");
    assert_eq!(body["tracker_id"], "user:email:john@x.example");
    assert_eq!(body["user"]["email"], "John@x.example");
    assert_eq!(body["user"]["assigned_user"], "ana");
    assert_eq!(body["user"]["labels"][0], "vip");
    assert_eq!(body["user"]["signature"], JOHN_SIGNATURE);
    // Another user: a reset first — nothing of John stays.
    let jane = webchat::controller::UserInfo::from_json(
        &serde_json::json!({"email": "jane@x.example", "signature": "ab".repeat(32)}),
    )
    .unwrap();
    h.controller().tag(jane).unwrap();
    settle().await;
    assert!(texts(&h.store()).is_empty(), "{:?}", texts(&h.store()));
    let user = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("webchat:user")
        .unwrap()
        .unwrap();
    assert!(
        user.contains("jane@x.example") && !user.contains("John"),
        "{user}"
    );
    assert_eq!(
        h.fake.requests().last().map(|r| r.path.clone()).as_deref(),
        Some("chatsessions?tracker_id=user%3Aemail%3Ajane%40x.example&campaign_id=camp1")
    );
}

#[wasm_bindgen_test]
async fn visitor_ids_live_in_the_chosen_storage_or_in_memory() {
    clear_storage();
    let h = Harness::boot(
        200,
        &campaign(true, true),
        Storage::open(StorageKind::Local),
        &[],
    );
    settle().await;
    let id = h.controller().visitor_id();
    assert_eq!(
        stored_keys(StorageKind::Local),
        vec!["campaign", "visitor_id"]
    );
    assert!(stored_keys(StorageKind::Session).is_empty());
    h.unload();
    let h = Harness::boot(
        200,
        &campaign(true, true),
        Storage::open(StorageKind::Local),
        &[],
    );
    assert_eq!(h.controller().visitor_id(), id, "persistent ids survive");
    drop(h);
    clear_storage();

    // No usable storage: memory only, and the chat still works.
    let h = Harness::boot(200, &campaign(true, true), Storage::memory(), &[]);
    settle().await;
    h.chatting(false).await;
    assert!(stored_keys(StorageKind::Session).is_empty());
    assert!(stored_keys(StorageKind::Local).is_empty());
    assert!(!h.controller().visitor_id().is_empty());
}

/// Polls `cond` (with the page's tasks running in between) until it holds; panics after 3 s.
/// For what crosses tabs (BroadcastChannel, Web Locks), which takes an unknown number of tasks.
async fn eventually(cond: impl Fn() -> bool, what: &str) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        sleep(10).await;
    }
    panic!("never happened: {what}");
}

/// Waits until the only tab of the test campaign asking for the leader lock holds it (the
/// browser grants Web Locks asynchronously, after an unknown number of tasks). Call it with
/// one tab started.
async fn leader_elected() {
    let name = format!("webchat:{CAMPAIGN_ID}:leader");
    for _ in 0..100 {
        let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
        let locks = js_sys::Reflect::get(&navigator, &"locks".into()).unwrap();
        let query: js_sys::Function = js_sys::Reflect::get(&locks, &"query".into())
            .unwrap()
            .unchecked_into();
        let snapshot = wasm_bindgen_futures::JsFuture::from(
            query
                .call0(&locks)
                .unwrap()
                .unchecked_into::<js_sys::Promise>(),
        )
        .await
        .unwrap();
        let has = |list: &str| {
            js_sys::Reflect::get(&snapshot, &list.into())
                .unwrap()
                .unchecked_into::<js_sys::Array>()
                .iter()
                .any(|l| {
                    js_sys::Reflect::get(&l, &"name".into())
                        .ok()
                        .and_then(|n| n.as_string())
                        .as_deref()
                        == Some(name.as_str())
                })
        };
        // Held, and nobody waiting for it: the tab just started holds it (not a tab of an
        // earlier test still letting go, with the new one queued behind it).
        if has("held") && !has("pending") {
            settle().await;
            return;
        }
        sleep(10).await;
    }
    panic!("no tab became the leader");
}

/// Two tabs of one persistent visitor: the first (the leader) in a chat, the second once it
/// shows that chat too.
async fn two_tabs_chatting() -> (Harness, Harness) {
    clear_storage();
    let tab = || {
        Harness::boot(
            200,
            &campaign(true, true),
            Storage::open(StorageKind::Local),
            &[],
        )
    };
    let a = tab();
    leader_elected().await;
    a.chatting(false).await;
    let b = tab();
    eventually(
        || b.store().phase().get_untracked() == Phase::Chatting,
        "the second tab shows the chat",
    )
    .await;
    (a, b)
}

#[wasm_bindgen_test]
async fn tabs_with_a_persistent_visitor_share_one_connection_and_take_over() {
    // A second tab shows the same chat, without a connection of its own.
    let (a, b) = two_tabs_chatting().await;
    assert_eq!(texts(&b.store()), vec!["hi"]);
    assert_eq!(b.store().phase().get_untracked(), Phase::Chatting);
    assert!(
        b.fake.0.borrow().connects.is_empty(),
        "only the leader connects"
    );
    assert_eq!(b.controller().visitor_id(), a.controller().visitor_id());

    // What the visitor does in the second tab goes out through the first.
    b.act(UiAction::SendText("from the other tab".into()));
    b.act(UiAction::ChatState(webchat::model::ChatState::Composing));
    for _ in 0..3 {
        settle().await;
    }
    let out = a.fake.sent();
    assert_eq!(
        out.iter()
            .filter(|f| f.contains("<body>from the other tab</body>"))
            .count(),
        1,
        "{out:?}"
    );
    assert!(out.iter().any(|f| f.contains("<composing")), "{out:?}");
    assert_eq!(texts(&a.store()), vec!["hi", "from the other tab"]);
    // The agent's answer shows in both.
    a.agent("<body>seen in both tabs</body>", "m9");
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(
        texts(&b.store()),
        vec!["hi", "from the other tab", "seen in both tabs"]
    );

    // The leader tab closes: the other takes over the chat (same session, its credentials).
    b.fake
        .reply(Method::Get, "xmppcredentials/cr-1", 200, CREDS);
    a.unload();
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(
        b.fake.0.borrow().connects.len(),
        1,
        "the new leader connects"
    );
    let after = b.log_in().await;
    assert!(
        !after.iter().any(|f| f.contains("<body>")),
        "nothing is sent twice: {after:?}"
    );
    assert_eq!(b.store().phase().get_untracked(), Phase::Chatting);
    b.act(UiAction::SendText("after the takeover".into()));
    settle().await;
    assert!(b
        .fake
        .sent()
        .iter()
        .any(|f| f.contains("<body>after the takeover</body>")));
    let paths: Vec<String> = b.fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["campaigns/camp1", "xmppcredentials/cr-1"]);
}

fn agent_rows(store: &ChatStore) -> Vec<(String, String, Option<u64>)> {
    store
        .entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => match m.sender {
                Sender::Agent { nick } => Some((nick, m.text, m.at_ms)),
                _ => None,
            },
            EntryKind::Notice(_) => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn agents_are_shown_by_first_name_and_messages_carry_their_time() {
    let h = Harness::start(200, &campaign(true, true)).await;
    h.store().open_window();
    let before = js_sys::Date::now() as u64;
    h.chatting(false).await;
    let nick = |n: &str| format!("<nick xmlns='http://jabber.org/protocol/nick'>{n}</nick>");
    h.agent(&format!("<body>hello</body>{}", nick("ana")), "m1");
    // Transferred to agent "bo", whose first name is Bo; the transfer notice says so.
    h.agent(
        "<body>visitor_forward_message</body><internal xmlns='http://cobrowser.io/protocol/chatsession#forward'><chat_forwarding>visitor_forward_message</chat_forwarding><agent><nickname>bo</nickname><firstname>Bo</firstname></agent></internal>",
        "f1",
    );
    h.agent(&format!("<body>Bo here</body>{}", nick("bo")), "m2");
    // An agent whose first name nobody told us: the nick.
    h.agent(&format!("<body>a third</body>{}", nick("cy")), "m3");
    settle().await;
    let after = js_sys::Date::now() as u64;
    let rows = agent_rows(&h.store());
    let names: Vec<&str> = rows.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, vec!["Ana", "Bo", "cy"]);
    assert_eq!(
        h.store().agent_name().get_untracked().as_deref(),
        Some("Bo")
    );
    for (_, text, at) in &rows {
        let at = at.unwrap_or_else(|| panic!("{text} has no time"));
        assert!(
            (before..=after).contains(&at),
            "{text}: {at} not in {before}..{after}"
        );
    }
    let mine = h
        .store()
        .entries()
        .get_untracked()
        .into_iter()
        .find_map(|e| match e.kind {
            EntryKind::Message(m) if m.sender == Sender::Visitor => m.at_ms,
            _ => None,
        })
        .expect("the visitor's message has a time");
    assert!((before..=after).contains(&mine));
    // In the DOM: the first name on the bubble, a <time> on each.
    let root = h.widget.as_ref().unwrap().shadow_root().unwrap();
    let nicks = root
        .query_selector_all(".wc-msg--agent .wc-msg-nick")
        .unwrap();
    assert_eq!(nicks.item(1).unwrap().text_content().as_deref(), Some("Bo"));
    assert_eq!(
        root.query_selector_all(".wc-msg time[datetime]")
            .unwrap()
            .length(),
        4
    );
    // Kept across a reload: the names and the times.
    h.time.advance(100).await; // saved in batches
    let saved = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("webchat:chat")
        .unwrap()
        .unwrap();
    assert!(saved.contains(r#""bo":"Bo""#), "{saved}");
    let transcript = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("webchat:transcript")
        .unwrap()
        .unwrap();
    assert!(
        transcript.contains(&format!("\"at\":{}", rows[0].2.unwrap())),
        "{transcript}"
    );
}

#[wasm_bindgen_test]
async fn a_follower_tab_mirrors_the_cobrowsing_prompt_and_the_survey() {
    let (a, b) = two_tabs_chatting().await;
    assert_eq!(b.store().phase().get_untracked(), Phase::Chatting);
    a.store().open_window();
    b.store().open_window();
    settle().await;
    let denied_a = listen(&a.host, "cobrowsing:denied", "accepted");
    let denied_b = listen(&b.host, "cobrowsing:denied", "accepted");

    // The agent asks to co-browse: the prompt shows in both tabs.
    a.agent(
        "<internal xmlns='http://cobrowser.io/protocol/chatsession#cobrowsing'><cobrowsing_request/></internal>",
        "c1",
    );
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(
        a.store().cobrowse().get_untracked(),
        CobrowseState::Requested
    );
    assert_eq!(
        b.store().cobrowse().get_untracked(),
        CobrowseState::Requested
    );
    let b_root = b.widget.as_ref().unwrap().shadow_root().unwrap();
    assert!(b_root
        .query_selector(".wc-cobrowse-deny")
        .unwrap()
        .is_some());

    // Declined in the second tab (through its button): gone in both, one answer to the agent,
    // one event (on the page where the visitor answered).
    b_root
        .query_selector(".wc-cobrowse-deny")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(a.store().cobrowse().get_untracked(), CobrowseState::Denied);
    assert_eq!(b.store().cobrowse().get_untracked(), CobrowseState::Denied);
    let a_root = a.widget.as_ref().unwrap().shadow_root().unwrap();
    assert!(a_root
        .query_selector(".wc-cobrowse-deny")
        .unwrap()
        .is_none());
    assert!(b_root
        .query_selector(".wc-cobrowse-deny")
        .unwrap()
        .is_none());
    let answers = a
        .fake
        .sent()
        .into_iter()
        .filter(|f| f.contains("cobrowsing_denied"))
        .count();
    assert_eq!(answers, 1);
    assert_eq!(denied_a.borrow().len() + denied_b.borrow().len(), 1);
    assert_eq!(denied_b.borrow().len(), 1);
    // A second click cannot happen: the prompt is gone; a stale press changes nothing either.
    b.act(UiAction::CobrowseAnswer { accepted: false });
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(
        a.fake
            .sent()
            .iter()
            .filter(|f| f.contains("cobrowsing"))
            .count(),
        0
    );

    // The agent ends the chat: the survey opens in both tabs.
    a.fake
        .reply(Method::Patch, "chatsessions/cs-1", 200, SESSION);
    a.agent(
        "<closed xmlns='http://jabber.org/protocol/chatstates'/>",
        "e1",
    );
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(a.store().survey().get_untracked(), SurveyState::Open);
    assert_eq!(b.store().survey().get_untracked(), SurveyState::Open);
    assert!(b_root.query_selector(".wc-survey").unwrap().is_some());

    // Answered in the second tab: answered in the first, sent once.
    b.act(UiAction::SurveyAnswer {
        value: "good".into(),
        comment: None,
    });
    for _ in 0..3 {
        settle().await;
    }
    let answered = SurveyState::Submitted {
        value: "good".into(),
        comment: None,
    };
    assert_eq!(a.store().survey().get_untracked(), answered);
    assert_eq!(b.store().survey().get_untracked(), answered);
    let patches = a
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::Patch)
        .count();
    assert_eq!(patches, 1);
    assert!(b.fake.requests().iter().all(|r| r.method != Method::Patch));

    // Changed in the first tab: the second follows.
    a.act(UiAction::SurveyAnswer {
        value: "bad".into(),
        comment: Some("slow".into()),
    });
    for _ in 0..3 {
        settle().await;
    }
    assert_eq!(
        b.store().survey().get_untracked(),
        SurveyState::Submitted {
            value: "bad".into(),
            comment: Some("slow".into())
        }
    );
}

#[wasm_bindgen_test]
async fn leaving_the_page_saves_what_was_still_batched() {
    let h = Harness::start(200, &campaign(true, true)).await;
    h.chatting(false).await;
    h.time.advance(100).await;
    let stored = || {
        web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .get_item("webchat:transcript")
            .unwrap()
            .unwrap_or_default()
    };
    // A frame's changes are saved a moment later, in a batch…
    h.agent("<body>just before the navigation</body>", "m1");
    assert!(!stored().contains("just before the navigation"));
    // …unless the page goes away first.
    web_sys::window()
        .unwrap()
        .dispatch_event(&web_sys::Event::new("pagehide").unwrap())
        .unwrap();
    assert!(stored().contains("just before the navigation"));
}
