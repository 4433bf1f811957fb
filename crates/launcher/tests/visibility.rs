#![cfg(target_arch = "wasm32")]
//! Browser tests of the visibility rules' browser side: the `Intl` time zone against the real
//! DST rules, each rule through a [`Visibility`] handle with fake inputs (a fake clock, a scripted
//! campaign reply, History API route changes, stored visits), the manual override, the promise
//! never to hide an ongoing chat, and the operator's overrides (a scripted `GET visibility`
//! with ETags: the campaign's switch, the combination, expiry, the remembered verdict, identity
//! changes, a backend without the extension).
//!
//! Each test uses its own host element and removes it, clears the storage keys it touches, and
//! puts the page's address back; the page itself (`document.body`) is never cleared.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use webchat_launcher::adapters::api::{ApiRead, LocalFuture, NetError, Reply};
use webchat_launcher::adapters::storage::Storage;
use webchat_launcher::visibility::operator::REMEMBERED_KEY;
use webchat_launcher::visibility::visits::{VisitRecord, SESSION_MARK_KEY, VISITS_KEY};
use webchat_launcher::visibility::zone::{utc_ms, SimulatedZone};
use webchat_launcher::visibility::{
    Deps, Identity, IntlZone, Reason, RuleError, Rules, Surface, Visibility, ZoneOffsets,
};

mod support;
use support::sleep;

wasm_bindgen_test_configure!(run_in_browser);

// ---------- fakes and helpers ----------

/// Answers `GET campaigns/c1` with the campaign JSON the test sets; counts requests.
#[derive(Clone, Default)]
struct FakeCampaign {
    body: Rc<RefCell<String>>,
    requests: Rc<Cell<u32>>,
}

impl FakeCampaign {
    fn set(&self, availability: bool, agents: u32, slots: &str) {
        *self.body.borrow_mut() = format!(
            r#"{{"id":"c1","name":"n","active":true,"availability":{availability},"available_agents":{agents},"available_slots":{slots}}}"#
        );
    }

    /// An available campaign whose widgets read the operator's overrides (or not).
    fn with_overrides(&self, on: bool) {
        *self.body.borrow_mut() = format!(
            r#"{{"id":"c1","name":"n","active":true,"availability":true,"available_agents":1,"available_slots":1,"webchat":{{"visibilityOverrides":{on}}}}}"#
        );
    }

    fn reply(&self) -> Reply {
        self.requests.set(self.requests.get() + 1);
        Reply {
            status: 200,
            etag: None,
            body: self.body.borrow().clone(),
        }
    }
}

/// A scripted verdict: `(visibility, until)`.
type Scripted = Option<(String, Option<i64>)>;
/// A recorded read: `(path, If-None-Match)`.
type Read = (String, Option<String>);

/// Answers `GET visibility?…` as devserver does: the verdict the test sets, with a strong ETag
/// derived from it, and `304` when `If-None-Match` names that tag. Records every request.
#[derive(Clone, Default)]
struct FakeOperator {
    /// `None`: answer 404 (a backend without the extension).
    verdict: Rc<RefCell<Scripted>>,
    requests: Rc<RefCell<Vec<Read>>>,
}

impl FakeOperator {
    fn set(&self, visibility: &str, until: Option<i64>) {
        *self.verdict.borrow_mut() = Some((visibility.to_owned(), until));
    }

    fn missing(&self) {
        *self.verdict.borrow_mut() = None;
    }

    /// The requests so far, `(path, If-None-Match)`, oldest first.
    fn requests(&self) -> Vec<Read> {
        self.requests.borrow().clone()
    }

    fn reply(&self, path: &str, etag: Option<&str>) -> Reply {
        self.requests
            .borrow_mut()
            .push((path.to_owned(), etag.map(str::to_owned)));
        match self.verdict.borrow().clone() {
            None => Reply {
                status: 404,
                etag: None,
                body: r#"{"Status":404,"StatusText":"Not Found","Message":"Not found"}"#.into(),
            },
            Some((visibility, until)) => {
                let until_json = until.map_or("null".to_owned(), |t| t.to_string());
                let tag = format!("\"{visibility}-{until_json}\"");
                if etag == Some(tag.as_str()) {
                    Reply {
                        status: 304,
                        etag: Some(tag),
                        body: String::new(),
                    }
                } else {
                    Reply {
                        status: 200,
                        etag: Some(tag),
                        body: format!(r#"{{"visibility":"{visibility}","until":{until_json}}}"#),
                    }
                }
            }
        }
    }
}

/// The API as the rules see it: the campaign and the operator's verdicts.
struct FakeApi {
    campaign: FakeCampaign,
    operator: FakeOperator,
}

impl ApiRead for FakeApi {
    fn get(&self, path: &str, etag: Option<&str>) -> LocalFuture<Result<Reply, NetError>> {
        let reply = if path.starts_with("visibility?") {
            self.operator.reply(path, etag)
        } else {
            assert_eq!((path, etag), ("campaigns/c1", None));
            self.campaign.reply()
        };
        Box::pin(async move { Ok(reply) })
    }
}

/// The widget as the rules see it: what is going on, and whether it is shown.
#[derive(Default)]
struct FakeSurface {
    configured: Cell<bool>,
    open: Cell<bool>,
    chatting: Cell<bool>,
    unread: Cell<u32>,
    visible: Cell<bool>,
}

impl FakeSurface {
    fn new(configured: bool) -> Rc<FakeSurface> {
        let s = FakeSurface {
            visible: Cell::new(true),
            ..FakeSurface::default()
        };
        s.configured.set(configured);
        Rc::new(s)
    }
}

impl Surface for FakeSurface {
    fn configured(&self) -> bool {
        self.configured.get()
    }

    fn ongoing(&self) -> bool {
        self.open.get() || self.chatting.get() || self.unread.get() > 0
    }

    fn set_visible(&self, visible: bool) {
        self.visible.set(visible);
    }
}

/// A test's widget-less setup: host element, surface, the events it received.
struct Setup {
    host: HtmlElement,
    surface: Rc<FakeSurface>,
    campaign: FakeCampaign,
    operator: FakeOperator,
    identity: Rc<RefCell<Identity>>,
    storage: Storage,
    events: Rc<RefCell<Vec<(bool, String)>>>,
    /// What the rules reported about availability, in order.
    available: Rc<RefCell<Vec<bool>>>,
    _listener: Closure<dyn FnMut(web_sys::CustomEvent)>,
}

impl Setup {
    fn new() -> Setup {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let events: Rc<RefCell<Vec<(bool, String)>>> = Rc::default();
        let sink = events.clone();
        let listener =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                let d = e.detail();
                let visible = js_sys::Reflect::get(&d, &"visible".into())
                    .unwrap()
                    .as_bool()
                    .unwrap();
                let reason = js_sys::Reflect::get(&d, &"reason".into())
                    .unwrap()
                    .as_string()
                    .unwrap();
                sink.borrow_mut().push((visible, reason));
            });
        host.add_event_listener_with_callback(
            "webchat:visibility",
            listener.as_ref().unchecked_ref(),
        )
        .unwrap();
        clear_visit_keys();
        let campaign = FakeCampaign::default();
        campaign.with_overrides(false);
        Setup {
            host,
            surface: FakeSurface::new(true),
            campaign,
            operator: FakeOperator::default(),
            identity: Rc::new(RefCell::new(Identity {
                tracker_id: "visitor-1".into(),
                user: None,
            })),
            storage: Storage::memory(),
            events,
            available: Rc::default(),
            _listener: listener,
        }
    }

    fn deps(&self, now: Rc<dyn Fn() -> i64>) -> Deps {
        Deps {
            host: self.host.clone(),
            surface: self.surface.clone(),
            api: Rc::new(FakeApi {
                campaign: self.campaign.clone(),
                operator: self.operator.clone(),
            }),
            identity: {
                let identity = self.identity.clone();
                Rc::new(move || identity.borrow().clone())
            },
            campaign: "c1".into(),
            storage: self.storage.clone(),
            now,
            availability: {
                let seen = self.available.clone();
                Rc::new(move |available| seen.borrow_mut().push(available))
            },
        }
    }

    fn start(&self, rules: &str, now: Rc<dyn Fn() -> i64>) -> Visibility {
        Visibility::start(Some(rules), self.deps(now))
    }

    /// The events received so far (`emit` dispatches in a microtask: await [`sleep`] first).
    fn events(&self) -> Vec<(bool, String)> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    fn visible(&self) -> bool {
        self.surface.visible.get()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.host.remove();
        clear_visit_keys();
    }
}

fn clear_visit_keys() {
    let w = web_sys::window().unwrap();
    for s in [w.session_storage().unwrap(), w.local_storage().unwrap()]
        .into_iter()
        .flatten()
    {
        let _ = s.remove_item(&format!("webchat:{SESSION_MARK_KEY}"));
        let _ = s.remove_item(&format!("webchat:{VISITS_KEY}"));
    }
}

fn fixed(t: i64) -> Rc<dyn Fn() -> i64> {
    Rc::new(move || t)
}

/// A clock the test moves.
fn movable(t: i64) -> (Rc<Cell<i64>>, Rc<dyn Fn() -> i64>) {
    let cell = Rc::new(Cell::new(t));
    let c = cell.clone();
    (cell, Rc::new(move || c.get()))
}
/// `window.history` (through `Reflect`: the tests need no extra web-sys feature).
fn history() -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(&web_sys::window().unwrap(), &"history".into()).unwrap()
}

/// Calls `history[method](...args)` as a page would.
fn call_history(method: &str, args: &[wasm_bindgen::JsValue]) {
    let h = history();
    let f: js_sys::Function = js_sys::Reflect::get(&h, &method.into())
        .unwrap()
        .unchecked_into();
    let args: js_sys::Array = args.iter().collect();
    js_sys::Reflect::apply(&f, &h, &args).unwrap();
}

fn push(url: &str) {
    call_history(
        "pushState",
        &[wasm_bindgen::JsValue::NULL, "".into(), url.into()],
    );
}

fn replace(url: &str) {
    call_history(
        "replaceState",
        &[wasm_bindgen::JsValue::NULL, "".into(), url.into()],
    );
}

fn path() -> String {
    let l = web_sys::window().unwrap().location();
    format!("{}{}", l.pathname().unwrap(), l.search().unwrap())
}

/// Puts the page's address back after a route test.
struct RestoreUrl(String);

impl Drop for RestoreUrl {
    fn drop(&mut self) {
        replace(&self.0);
    }
}

// ---------- Intl time zones ----------

#[wasm_bindgen_test]
fn intl_zone_agrees_with_the_real_dst_rules() {
    for (name, sim, instants) in [
        (
            "Europe/Vienna",
            SimulatedZone::VIENNA,
            [
                utc_ms(2026, 3, 29, 1, 0, 0),
                utc_ms(2026, 10, 25, 1, 0, 0),
                utc_ms(2027, 3, 28, 1, 0, 0),
            ],
        ),
        (
            "America/New_York",
            SimulatedZone::NEW_YORK,
            [
                utc_ms(2026, 3, 8, 7, 0, 0),
                utc_ms(2026, 11, 1, 6, 0, 0),
                utc_ms(2027, 3, 14, 7, 0, 0),
            ],
        ),
    ] {
        let zone = IntlZone::new(name).expect(name);
        for t in instants {
            for probe in [t - 3_600_000, t - 1000, t, t + 1000, t + 3_600_000] {
                assert_eq!(
                    zone.offset_minutes(probe),
                    sim.offset_minutes(probe),
                    "{name} at {probe}"
                );
            }
        }
    }
    assert_eq!(IntlZone::new("UTC").expect("UTC").offset_minutes(0), 0);
    assert_eq!(
        IntlZone::new("Asia/Kolkata")
            .expect("Kolkata")
            .offset_minutes(utc_ms(2026, 7, 1, 0, 0, 0)),
        330
    );
    assert!(matches!(
        IntlZone::new("Mars/Olympus_Mons"),
        Err(RuleError::UnknownTimeZone(_))
    ));
}

#[wasm_bindgen_test]
fn opening_hours_across_the_spring_change_with_intl() {
    let rules = Rules::parse(
        r#"{"openingHours": {"timeZone": "Europe/Vienna", "weekly": {"sun": ["02:30-05:00", "09:00-17:00"]}}}"#,
    )
    .unwrap();
    let hours = rules.opening_hours.unwrap();
    let zone = IntlZone::new("Europe/Vienna").unwrap();
    // 01:50 CET: 02:30 is skipped, so it opens when the clock jumps (01:00 UTC).
    let before = utc_ms(2026, 3, 29, 0, 50, 0);
    assert_eq!(
        hours.next_change(before, &zone),
        Some(utc_ms(2026, 3, 29, 1, 0, 0))
    );
    assert_eq!(
        hours.next_change(utc_ms(2026, 3, 29, 3, 0, 0), &zone),
        Some(utc_ms(2026, 3, 29, 7, 0, 0))
    );
}

// ---------- defaults, bad rules, override ----------

#[wasm_bindgen_test]
async fn no_rules_are_visible_by_default_and_say_so() {
    let s = Setup::new();
    let v = Visibility::start(None, s.deps(fixed(0)));
    assert!(v.is_visible() && s.visible());
    sleep(0).await;
    assert_eq!(s.events(), [(true, "default".to_owned())]);
    assert_eq!(
        s.campaign.requests.get(),
        1,
        "no rules: the campaign once for its switches (the widget's own read), no polling"
    );
    assert_eq!(
        s.operator.requests(),
        [],
        "overrides off: no per-visitor read"
    );
}

#[wasm_bindgen_test]
async fn bad_rules_keep_the_widget_visible() {
    for bad in [
        r#"{"agentonline": true}"#,
        r#"{"secondsOnPage": "ten"}"#,
        "{not json",
        r#"{"openingHours": {"timeZone": "Mars/Olympus_Mons", "weekly": {"mon": ["09:00-17:00"]}}}"#,
    ] {
        let s = Setup::new();
        let v = s.start(bad, fixed(0));
        assert_eq!(v.state(), (true, Reason::Invalid), "{bad}");
        assert!(s.visible());
        sleep(0).await;
        assert_eq!(s.events(), [(true, "invalid".to_owned())]);
    }
}

#[wasm_bindgen_test]
async fn show_hide_and_auto_override_the_rules() {
    let s = Setup::new();
    let (clock, now) = movable(1_000_000);
    let v = s.start(r#"{"secondsOnPage": 60}"#, now);
    assert_eq!(v.state(), (false, Reason::SecondsOnPage));
    v.show();
    assert_eq!(v.state(), (true, Reason::Api));
    assert!(s.visible());
    // The rule turning true changes nothing while overridden…
    clock.set(1_000_000 + 60_000);
    v.recheck();
    assert_eq!(v.state(), (true, Reason::Api));
    v.hide();
    assert_eq!(v.state(), (false, Reason::Api));
    assert!(!s.visible());
    // …and auto() hands back to it.
    v.auto();
    assert_eq!(v.state(), (true, Reason::Rules));
    sleep(0).await;
    assert_eq!(
        s.events(),
        [
            (false, "rule:secondsOnPage".to_owned()),
            (true, "api".to_owned()),
            (false, "api".to_owned()),
            (true, "rules".to_owned()),
        ]
    );
}

// ---------- time-based rules ----------

#[wasm_bindgen_test]
async fn seconds_on_page_shows_the_widget_by_its_own_timer() {
    let s = Setup::new();
    let v = s.start(r#"{"secondsOnPage": 1}"#, Deps::date_now());
    assert!(!s.visible());
    sleep(500).await;
    assert!(!s.visible(), "not before the second is over");
    sleep(800).await;
    assert!(s.visible(), "the boundary timer fired");
    assert_eq!(v.state(), (true, Reason::Rules));
    sleep(0).await;
    assert_eq!(
        s.events(),
        [
            (false, "rule:secondsOnPage".to_owned()),
            (true, "rules".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn opening_hours_follow_the_clock_and_close_at_the_boundary() {
    let s = Setup::new();
    let rules = r#"{"openingHours": {"timeZone": "Europe/Vienna", "weekly": {"mon": ["09:00-17:00"]},
                    "holidays": ["2026-12-07"]}}"#;
    // Monday 30 Nov 2026, 10:00 in Vienna (UTC+1).
    let (clock, now) = movable(utc_ms(2026, 11, 30, 10, 0, 60));
    let v = s.start(rules, now);
    assert_eq!(v.state(), (true, Reason::Rules));
    clock.set(utc_ms(2026, 11, 30, 17, 0, 60));
    v.recheck();
    assert_eq!(v.state(), (false, Reason::OpeningHours));
    // The next Monday is a holiday.
    clock.set(utc_ms(2026, 12, 7, 10, 0, 60));
    v.recheck();
    assert_eq!(v.state(), (false, Reason::OpeningHours));
    drop(v);

    // A clock 300 ms before closing time: the widget hides by itself, no recheck.
    let s = Setup::new();
    let close = utc_ms(2026, 11, 30, 17, 0, 60);
    let offset = close - 300 - js_sys::Date::now() as i64;
    let v = s.start(rules, Rc::new(move || js_sys::Date::now() as i64 + offset));
    assert!(s.visible());
    sleep(700).await;
    assert!(!s.visible(), "closed at 17:00 Vienna time");
    assert_eq!(v.state(), (false, Reason::OpeningHours));
}

// ---------- visits ----------

#[wasm_bindgen_test]
async fn visit_number_counts_visits_in_the_chosen_storage() {
    let now = 10_000_000_000i64;
    // First ever page view: visit 1, hidden for "from the second visit on".
    let s = Setup::new();
    let v = s.start(r#"{"visitNumber": 2}"#, fixed(now));
    assert_eq!(v.visit_number(), Some(1));
    assert_eq!(v.state(), (false, Reason::VisitNumber));
    let stored = VisitRecord::decode(&s.storage.get(VISITS_KEY).unwrap()).unwrap();
    assert_eq!(
        stored,
        VisitRecord {
            count: 1,
            last_seen_ms: now
        }
    );
    drop(v);

    // Another page view 10 minutes later in the same browser session: still visit 1.
    let v = s.start(r#"{"visitNumber": 2}"#, fixed(now + 600_000));
    assert_eq!(v.visit_number(), Some(1));
    drop(v);

    // 31 minutes later: the second visit.
    let v = s.start(r#"{"visitNumber": 2}"#, fixed(now + 600_000 + 31 * 60_000));
    assert_eq!(v.visit_number(), Some(2));
    assert_eq!(v.state(), (true, Reason::Rules));
    drop(v);

    // A new browser session (no session mark) a minute later: the third.
    clear_session_mark();
    let v = s.start(r#"{"visitNumber": 2}"#, fixed(now + 600_000 + 32 * 60_000));
    assert_eq!(v.visit_number(), Some(3));
    drop(v);

    // Without the rule nothing is counted or stored.
    let s = Setup::new();
    let v = s.start(r#"{"secondsOnPage": 0}"#, fixed(now));
    assert_eq!(v.visit_number(), None);
    assert_eq!(s.storage.get(VISITS_KEY), None);
}

fn clear_session_mark() {
    let s = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    s.remove_item(&format!("webchat:{SESSION_MARK_KEY}"))
        .unwrap();
}

// ---------- agents ----------

#[wasm_bindgen_test]
async fn agent_rules_follow_the_campaign() {
    let s = Setup::new();
    s.campaign.set(false, 0, "0");
    let v = s.start(r#"{"agentOnline": true, "agentAvailable": true}"#, fixed(0));
    // Hidden until the campaign answers, then still hidden: nobody online.
    assert_eq!(v.state(), (false, Reason::AgentOnline));
    sleep(0).await;
    assert_eq!(s.campaign.requests.get(), 1);
    assert_eq!(v.state(), (false, Reason::AgentOnline));

    // An agent signs in, all slots taken: online but not available.
    s.campaign.set(true, 1, "0");
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::AgentAvailable));

    // A slot frees up: visible, and the session hears a chat can start.
    s.campaign.set(true, 1, "\"∞\"");
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Rules));
    assert!(s.visible());
    assert_eq!(s.available.borrow().last(), Some(&true));
    assert_eq!(s.campaign.requests.get(), 3);

    // Everyone leaves: hidden again, offline.
    s.campaign.set(false, 0, "0");
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::AgentOnline));
    assert_eq!(*s.available.borrow(), [false, false, true, false]);
    assert_eq!(
        s.events(),
        [
            (false, "rule:agentOnline".to_owned()),
            (true, "rules".to_owned()),
            (false, "rule:agentOnline".to_owned()),
        ]
    );
}

#[wasm_bindgen_test]
async fn hidden_by_a_local_rule_means_no_campaign_polling() {
    let s = Setup::new();
    s.campaign.set(true, 1, "1");
    let v = s.start(
        r#"{"agentAvailable": true, "pages": ["/nowhere-near/*"]}"#,
        fixed(0),
    );
    sleep(20).await;
    assert_eq!(v.state(), (false, Reason::Pages));
    assert_eq!(
        s.campaign.requests.get(),
        1,
        "no network for a widget the page rule hides beyond the read at start (the widget's own)"
    );
}

// ---------- pages and SPA routes ----------

#[wasm_bindgen_test]
async fn pages_follow_spa_route_changes_and_the_hook_is_removed() {
    let _restore = RestoreUrl(path());
    let h = history();
    let push_before = js_sys::Reflect::get(&h, &"pushState".into()).unwrap();
    let s = Setup::new();
    let v = s.start(r#"{"pages": {"exclude": ["/wc-vis-private/*"]}}"#, fixed(0));
    assert!(s.visible());
    assert_ne!(
        js_sys::Reflect::get(&h, &"pushState".into()).unwrap(),
        push_before
    );

    push("/wc-vis-private/account");
    assert_eq!(
        path(),
        "/wc-vis-private/account",
        "the page's own call still works"
    );
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Pages));

    replace("/wc-vis-shop/item?id=1");
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Rules));

    // Back button: popstate.
    push("/wc-vis-private/x");
    sleep(0).await;
    assert!(!s.visible());
    call_history("back", &[]);
    for _ in 0..50 {
        if s.visible() {
            break;
        }
        sleep(10).await;
    }
    assert!(s.visible(), "popstate re-evaluated");
    assert_eq!(
        s.events(),
        [
            (true, "rules".to_owned()),
            (false, "rule:pages".to_owned()),
            (true, "rules".to_owned()),
            (false, "rule:pages".to_owned()),
            (true, "rules".to_owned()),
        ]
    );
    drop(v);
    assert_eq!(
        js_sys::Reflect::get(&h, &"pushState".into()).unwrap(),
        push_before
    );
}

// ---------- never hide an ongoing chat ----------

#[wasm_bindgen_test]
async fn an_ongoing_chat_survives_its_rule_turning_false() {
    let s = Setup::new();
    let (clock, now) = movable(1_000_000);
    let v = s.start(
        r#"{"openingHours": {"timeZone": "UTC", "weekly": {"mon": ["00:00-24:00"], "tue": ["00:00-24:00"], "wed": ["00:00-24:00"], "thu": ["00:00-24:00"], "fri": ["00:00-24:00"]}}}"#,
        now,
    );
    // Thursday 1 Jan 1970: open.
    assert!(s.visible());
    s.surface.open.set(true);
    s.surface.chatting.set(true);
    v.refresh();
    // Sunday 4 Jan: closed, but the chat goes on in sight.
    clock.set(3 * 86_400_000);
    v.recheck();
    assert_eq!(v.state(), (true, Reason::Chat));
    assert!(s.visible());
    // The chat ends and the visitor reads the end, window still open: still there.
    s.surface.chatting.set(false);
    v.refresh();
    assert!(s.visible());
    // Minimised while the agent's last words arrive: unread, so still there.
    s.surface.open.set(false);
    s.surface.unread.set(1);
    v.refresh();
    assert!(s.visible(), "unread agent messages keep the widget");
    // The visitor reads them and closes the window: now the rule applies.
    s.surface.unread.set(0);
    v.refresh();
    assert!(!s.visible());
    assert_eq!(v.state(), (false, Reason::OpeningHours));
    sleep(0).await;
    assert_eq!(
        s.events(),
        [
            (true, "rules".to_owned()),
            (false, "rule:openingHours".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn a_page_that_wraps_history_after_us_keeps_working_after_destroy() {
    let _restore = RestoreUrl(path());
    let h = history();
    let native = js_sys::Reflect::get(&h, &"pushState".into()).unwrap();
    let s = Setup::new();
    let v = s.start(r#"{"pages": ["/wc-vis-ok/*"]}"#, fixed(0));
    // Another script (an analytics tag) wraps our wrapper and counts calls.
    let wrap = js_sys::Function::new_with_args(
        "",
        "const inner = history.pushState; window.__wcPushes = 0; \
         history.pushState = function (...a) { window.__wcPushes++; return inner.apply(this, a); };",
    );
    wrap.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    push("/wc-vis-ok/a");
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Rules));
    drop(v);
    // Their wrapper is left alone; ours inside it is now a silent pass-through.
    push("/wc-vis-elsewhere");
    assert_eq!(path(), "/wc-vis-elsewhere");
    let window = web_sys::window().unwrap();
    let pushes = js_sys::Reflect::get(&window, &"__wcPushes".into()).unwrap();
    assert_eq!(pushes.as_f64(), Some(2.0));
    sleep(0).await;
    assert!(s.visible(), "no evaluation after drop");
    js_sys::Reflect::set(&h, &"pushState".into(), &native).unwrap();
}

/// Pretends the tab went to the background (`hidden`) or came back, as the browser reports it.
fn set_tab_hidden(hidden: bool) {
    let document = web_sys::window().unwrap().document().unwrap();
    if hidden {
        let desc = js_sys::Object::new();
        js_sys::Reflect::set(&desc, &"value".into(), &true.into()).unwrap();
        js_sys::Reflect::set(&desc, &"configurable".into(), &true.into()).unwrap();
        js_sys::Reflect::define_property(&document, &"hidden".into(), &desc).unwrap();
    } else {
        js_sys::Reflect::delete_property(&document, &"hidden".into()).unwrap();
    }
    let event = web_sys::Event::new("visibilitychange").unwrap();
    document.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn campaign_polling_stops_while_the_tab_is_hidden() {
    let s = Setup::new();
    s.campaign.set(true, 1, "2");
    let v = s.start(r#"{"agentAvailable": true, "pollSeconds": 5}"#, fixed(0));
    sleep(0).await;
    assert_eq!(s.campaign.requests.get(), 1);
    assert_eq!(v.state(), (true, Reason::Rules));

    set_tab_hidden(true);
    v.recheck();
    sleep(20).await;
    assert_eq!(
        s.campaign.requests.get(),
        1,
        "no polling in a background tab"
    );

    // Back in view: the overdue read happens at once.
    set_tab_hidden(false);
    sleep(20).await;
    assert_eq!(s.campaign.requests.get(), 2);
    assert!(s.visible());
}

// ---------- the operator's overrides ----------

/// The read the widget sends for `tracker` (and `user`) of campaign c1.
fn read_path(tracker: &str, user: Option<&str>) -> String {
    Identity {
        tracker_id: tracker.into(),
        user: user.map(str::to_owned),
    }
    .read_path("c1")
}

#[wasm_bindgen_test]
async fn the_operator_hides_and_shows_over_the_rules() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("hidden", None);
    let (clock, now) = movable(1_000_000);
    // A rule that hides for an hour: only the operator's "shown" can show the widget now.
    let v = s.start(r#"{"secondsOnPage": 3600, "pollSeconds": 5}"#, now);
    assert_eq!(v.state(), (false, Reason::SecondsOnPage));
    sleep(0).await;
    // Campaign read (switch on), then this visitor's verdict: hidden by the operator.
    assert_eq!(
        s.operator.requests(),
        [(read_path("visitor-1", None), None)]
    );
    assert_eq!(v.state(), (false, Reason::Rest));
    // The rule turns true: the operator's hidden still wins.
    clock.set(1_000_000 + 3_600_000);
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    assert!(!s.visible());

    // Shown by the operator while a rule hides: shown.
    clock.set(1_000_000);
    s.operator.set("shown", None);
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Rest));
    assert!(s.visible());
    // The revalidation carried the last tag; the answer changed, so it came back whole.
    let reqs = s.operator.requests();
    assert_eq!(reqs.last().unwrap().1.as_deref(), Some("\"hidden-null\""));

    // The page's hide() sits above the operator's shown; auto() hands back to it.
    v.hide();
    assert_eq!(v.state(), (false, Reason::Api));
    v.auto();
    assert_eq!(v.state(), (true, Reason::Rest));

    // Back to automatic: the rules again, with their reason.
    s.operator.set("auto", None);
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::SecondsOnPage));
    assert_eq!(
        s.events(),
        [
            (false, "rule:secondsOnPage".to_owned()),
            (true, "rest".to_owned()),
            (false, "api".to_owned()),
            (true, "rest".to_owned()),
            (false, "rule:secondsOnPage".to_owned()),
        ]
    );
}

#[wasm_bindgen_test]
async fn an_unchanged_verdict_is_a_304_and_changes_nothing() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("hidden", None);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    s.events();
    v.recheck();
    sleep(0).await;
    v.recheck();
    sleep(0).await;
    let reqs = s.operator.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].1, None, "the first read has no tag to send");
    for (_, tag) in &reqs[1..] {
        assert_eq!(tag.as_deref(), Some("\"hidden-null\""));
    }
    assert_eq!(v.state(), (false, Reason::Rest));
    assert_eq!(s.events(), [], "a 304 is no change");
}

#[wasm_bindgen_test]
async fn the_campaign_switch_off_means_no_read_at_all() {
    let s = Setup::new();
    s.campaign.with_overrides(false);
    s.operator.set("hidden", None);
    let v = s.start(r#"{"pollSeconds": 5}"#, fixed(0));
    sleep(20).await;
    v.recheck();
    sleep(20).await;
    assert_eq!(s.operator.requests(), []);
    assert_eq!(v.state(), (true, Reason::Default));
}

#[wasm_bindgen_test]
async fn a_backend_without_the_extension_means_automatic() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.missing();
    let v = s.start(r#"{"pollSeconds": 5}"#, fixed(0));
    sleep(0).await;
    assert_eq!(s.operator.requests().len(), 1);
    assert_eq!(v.state(), (true, Reason::Default));
    // No more reads after the 404.
    v.recheck();
    sleep(20).await;
    assert_eq!(s.operator.requests().len(), 1);
    assert_eq!(s.storage.get(REMEMBERED_KEY), None);
}

#[wasm_bindgen_test]
async fn a_running_chat_is_never_hidden_by_the_operator() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("auto", None);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    s.surface.open.set(true);
    s.surface.chatting.set(true);
    v.refresh();
    s.operator.set("hidden", None);
    v.recheck();
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Chat));
    assert!(s.visible());
    // The chat ends and the visitor closes the window: now the operator's hidden applies.
    s.surface.chatting.set(false);
    s.surface.open.set(false);
    v.refresh();
    assert_eq!(v.state(), (false, Reason::Rest));
    assert!(!s.visible());
}

#[wasm_bindgen_test]
async fn an_override_ends_at_its_expiry_by_the_widgets_own_timer() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    let until = js_sys::Date::now() as i64 + 400;
    s.operator.set("hidden", Some(until));
    let v = s.start("{}", Deps::date_now());
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    sleep(800).await;
    assert_eq!(v.state(), (true, Reason::Default), "expired without a read");
    assert_eq!(s.operator.requests().len(), 1);
    assert_eq!(
        s.events(),
        [
            (true, "default".to_owned()),
            (false, "rest".to_owned()),
            (true, "default".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn the_last_verdict_applies_at_once_on_the_next_page_view() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("hidden", None);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    assert!(s.storage.get(REMEMBERED_KEY).is_some());
    drop(v);

    // The next page view: hidden before any reply, then revalidated with the kept tag (304).
    let v = s.start("{}", fixed(0));
    assert_eq!(v.state(), (false, Reason::Rest), "no flash of the launcher");
    sleep(0).await;
    assert_eq!(
        s.operator.requests().last().unwrap().1.as_deref(),
        Some("\"hidden-null\"")
    );
    assert_eq!(v.state(), (false, Reason::Rest));
    drop(v);

    // Another visitor on the same storage does not inherit it; automatic is not kept.
    *s.identity.borrow_mut() = Identity {
        tracker_id: "visitor-2".into(),
        user: None,
    };
    s.operator.set("auto", None);
    let v = s.start("{}", fixed(0));
    assert_eq!(v.state(), (true, Reason::Default));
    sleep(0).await;
    assert_eq!(s.storage.get(REMEMBERED_KEY), None);
    drop(v);

    // The campaign switched the overrides off: the remembered verdict is dropped.
    *s.identity.borrow_mut() = Identity {
        tracker_id: "visitor-1".into(),
        user: None,
    };
    s.operator.set("hidden", None);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    drop(v);
    s.campaign.with_overrides(false);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Default));
    assert_eq!(s.storage.get(REMEMBERED_KEY), None);
}

#[wasm_bindgen_test]
async fn a_tagged_user_is_asked_for_at_once() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("auto", None);
    let v = s.start("{}", fixed(0));
    sleep(0).await;
    assert_eq!(v.state(), (true, Reason::Default));
    // The page tags a user the operator hides.
    let key = "user:email:vip@example.com";
    *s.identity.borrow_mut() = Identity {
        tracker_id: key.into(),
        user: Some(key.into()),
    };
    s.operator.set("hidden", None);
    v.identity_changed();
    sleep(0).await;
    let reqs = s.operator.requests();
    assert_eq!(reqs.last().unwrap(), &(read_path(key, Some(key)), None));
    assert_eq!(v.state(), (false, Reason::Rest));
    assert!(s.storage.get(REMEMBERED_KEY).unwrap().contains(key));

    // Reset while a read for the user is out: its answer is dropped, not stored, and the new
    // visitor is asked for at once.
    v.recheck();
    *s.identity.borrow_mut() = Identity {
        tracker_id: "visitor-new".into(),
        user: None,
    };
    s.storage.remove(REMEMBERED_KEY);
    s.operator.set("auto", None);
    sleep(0).await;
    sleep(0).await;
    assert_eq!(
        s.operator.requests().last().unwrap().0,
        read_path("visitor-new", None)
    );
    assert_eq!(
        s.storage.get(REMEMBERED_KEY),
        None,
        "nothing of the user kept"
    );
    assert_eq!(v.state(), (true, Reason::Default));
}

#[wasm_bindgen_test]
async fn a_first_view_waits_for_the_verdict_before_showing_the_launcher() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("hidden", None);
    // The campaign is not read yet (no remembered look): nothing shown so far.
    s.surface.configured.set(false);
    let v = Visibility::start(None, s.deps(fixed(0)));
    assert!(!s.visible(), "held until the verdict");
    assert!(!v.is_visible());
    sleep(0).await;
    assert_eq!(v.state(), (false, Reason::Rest));
    assert!(!s.visible());
    // The page heard only what it could see: hidden, never a "visible" first.
    assert_eq!(s.events(), [(false, "rest".to_owned())]);
    drop(v);

    // With the overrides off, the hold ends with the campaign's answer.
    let s = Setup::new();
    s.surface.configured.set(false);
    let v = Visibility::start(None, s.deps(fixed(0)));
    assert!(!s.visible());
    sleep(0).await;
    assert!(s.visible());
    assert_eq!(v.state(), (true, Reason::Default));
}

#[wasm_bindgen_test]
async fn operator_reads_pause_while_the_tab_is_hidden() {
    let s = Setup::new();
    s.campaign.with_overrides(true);
    s.operator.set("auto", None);
    let v = s.start(r#"{"pollSeconds": 5}"#, fixed(0));
    sleep(0).await;
    assert_eq!(s.operator.requests().len(), 1);
    set_tab_hidden(true);
    v.recheck();
    sleep(20).await;
    assert_eq!(
        s.operator.requests().len(),
        1,
        "no reads in a background tab"
    );
    set_tab_hidden(false);
    sleep(20).await;
    assert_eq!(s.operator.requests().len(), 2, "the overdue read at once");
}
