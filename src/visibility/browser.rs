//! The browser side of the visibility rules: [`Visibility`] feeds the pure engine from the page
//! and applies its decision.
//!
//! - Time: `Date.now()` and, for `openingHours`, an [`IntlZone`] (`Intl.DateTimeFormat` with the
//!   rule's `timeZone`; no tz database in the wasm). One timer is armed at the engine's next
//!   boundary (opening, closing, "seconds on page" reached), so nothing ticks every second.
//! - `visitNumber`: counted at start in the widget's storage ([`visits`](super::visits) says
//!   what a visit is), only when the rule is set; a page coming back into view after more than
//!   30 minutes is a new visit.
//! - `agentOnline` / `agentAvailable`: `GET campaigns/{id}` every `pollSeconds` (backoff ×2 up
//!   to ×16 on failures), only while the answer matters (the other rules hold, no manual
//!   override, no chat under way) and never while the tab is hidden (`document.hidden`).
//! - `pages`: re-evaluated on `popstate` and on `history.pushState`/`replaceState`, which are
//!   wrapped while a `pages` rule exists and restored on drop.
//!
//! The decision lands in the store's `visible` flag (the Widget component hides its root) and
//! every change is announced with `HostEvent::Visibility`. An ongoing chat is never hidden by
//! the rules: while a chat is under way, its window is open or agent messages are unread, the
//! widget stays. `show()` /
//! `hide()` override the rules until `auto()`. Everything is released on drop. This module makes
//! no decision itself; the rules are [`Rules::evaluate`]'s.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use leptos::prelude::{Dispose, Effect, Get, GetUntracked};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;
use webchat_protocol::api::{self, Campaign};

use super::engine::{AgentStatus, Decision, Inputs, Reason};
use super::rules::{RuleError, Rules};
use super::visits::{VisitRecord, SESSION_MARK_KEY, VISITS_KEY};
use super::zone::{days_from_civil, ZoneOffsets, DAY_MS};
use crate::adapters::fetch::Method;
use crate::adapters::storage::{Storage, StorageKind};
use crate::adapters::timer::Timer;
use crate::controller::transport::Transport;
use crate::events::{self, HostEvent};
use crate::model::ChatStore;
use crate::session::io::encode_path;

/// Largest factor the poll interval grows to after failures.
const MAX_BACKOFF_FACTOR: u32 = 16;

// ---------------------------------------------------------------------------------------------
// Time zones through Intl

/// A time zone answered by the browser's `Intl.DateTimeFormat` (`formatToParts` in the zone,
/// read back as a wall time).
pub struct IntlZone {
    format: js_sys::Intl::DateTimeFormat,
}

impl IntlZone {
    /// The zone `name` (IANA, e.g. `Europe/Vienna`), or [`RuleError::UnknownTimeZone`] when the
    /// browser does not know it.
    pub fn new(name: &str) -> Result<IntlZone, RuleError> {
        let unknown = || RuleError::UnknownTimeZone(name.to_owned());
        let intl =
            js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).map_err(|_| unknown())?;
        let ctor: js_sys::Function = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
            .ok()
            .and_then(|c| c.dyn_into().ok())
            .ok_or_else(unknown)?;
        let options = js_sys::Object::new();
        for (k, v) in [
            ("timeZone", name),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        let args = js_sys::Array::of2(&"en-US".into(), &options);
        // The constructor throws a RangeError for a zone it does not know: caught here.
        let format = js_sys::Reflect::construct(&ctor, &args).map_err(|_| unknown())?;
        Ok(IntlZone {
            format: format.unchecked_into(),
        })
    }

    /// The wall time at `utc_ms` as ms since 1970-01-01 00:00 local, or `None` if the browser's
    /// answer cannot be read.
    fn wall_ms(&self, utc_ms: i64) -> Option<i64> {
        let date = js_sys::Date::new(&JsValue::from_f64(utc_ms as f64));
        let parts = self.format.format_to_parts(&date);
        let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (None, None, None, None, None, None);
        for part in parts.iter() {
            let get = |k: &str| {
                js_sys::Reflect::get(&part, &k.into())
                    .ok()
                    .and_then(|v| v.as_string())
            };
            let (Some(kind), Some(value)) = (get("type"), get("value")) else {
                continue;
            };
            let n = value.trim().parse::<i64>().ok();
            match kind.as_str() {
                "year" => y = n,
                "month" => mo = n,
                "day" => d = n,
                "hour" => h = n,
                "minute" => mi = n,
                "second" => s = n,
                _ => {}
            }
        }
        let days = days_from_civil(
            i32::try_from(y?).ok()?,
            u8::try_from(mo?).ok()?,
            u8::try_from(d?).ok()?,
        );
        // Some engines still say "24" for midnight despite h23.
        let h = h? % 24;
        Some(days * DAY_MS + ((h * 60 + mi?) * 60 + s?) * 1000)
    }
}

impl ZoneOffsets for IntlZone {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        // Whole seconds: Intl drops the milliseconds.
        let utc_s = utc_ms.div_euclid(1000) * 1000;
        match self.wall_ms(utc_s) {
            Some(wall) => (wall - utc_s + 30_000).div_euclid(60_000) as i32,
            None => 0,
        }
    }
}

/// A zone for rules without `openingHours` (never asked).
struct NoZone;

impl ZoneOffsets for NoZone {
    fn offset_minutes(&self, _utc_ms: i64) -> i32 {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// The handle

/// One DOM listener: where, which event, and the callback to remove again.
type Listener = (
    web_sys::EventTarget,
    &'static str,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// A `history` method replacement: `(state, unused, url)` → the original's result.
type HistoryFn = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

/// What a [`Visibility`] works with.
pub struct Deps {
    /// The widget's host element: receives `webchat:visibility`.
    pub host: HtmlElement,
    /// The view model: its `visible` flag is set; its phase and open state tell whether a chat
    /// is under way.
    pub store: ChatStore,
    /// For `GET campaigns/{id}` (agent rules only).
    pub transport: Rc<dyn Transport>,
    /// The campaign id.
    pub campaign: String,
    /// The widget's chosen storage (visit counting).
    pub storage: Storage,
    /// The wall clock in ms since the Unix epoch (`Date.now()`; tests pass a fake one).
    pub now: Rc<dyn Fn() -> i64>,
    /// Told whether a chat could start now, after every campaign poll (the chat's phase is
    /// the session's to decide).
    pub availability: Rc<dyn Fn(bool)>,
}

impl Deps {
    /// The real clock.
    pub fn date_now() -> Rc<dyn Fn() -> i64> {
        Rc::new(|| js_sys::Date::now() as i64)
    }
}

struct Inner {
    me: Weak<RefCell<Inner>>,
    rules: Rules,
    /// The rules could not be used: visible by default, reason `invalid`.
    invalid: bool,
    zone: Box<dyn ZoneOffsets>,
    deps: Deps,
    page_started_ms: i64,
    visits: Option<VisitRecord>,
    agents: Option<AgentStatus>,
    forced: Option<bool>,
    shown: Option<bool>,
    last: Option<(bool, Reason)>,
    check_timer: Option<Timer>,
    poll_timer: Option<Timer>,
    poll_armed: bool,
    poll_in_flight: bool,
    last_poll_ms: Option<i64>,
    poll_failures: u32,
    /// Dropped: ignore late timers and replies.
    stopped: bool,
}

/// The visibility of one widget. Dropping it stops every timer, listener and hook.
pub struct Visibility {
    inner: Rc<RefCell<Inner>>,
    listeners: Vec<Listener>,
    history: Option<HistoryHook>,
    effect: Option<Effect<leptos::prelude::LocalStorage>>,
}

impl Visibility {
    /// Starts applying `rules` (JSON text, `None` = no rules). A bad rule is logged once with
    /// `console.error` and the widget stays visible (visible by default, `docs/protocol.md` §5).
    pub fn start(rules: Option<&str>, deps: Deps) -> Visibility {
        let parsed = match rules.map(str::trim) {
            None | Some("") => Ok(Rules::default()),
            Some(text) => Rules::parse(text),
        };
        Visibility::with_rules(parsed, deps)
    }

    /// Starts applying already parsed rules (or the error they produced).
    pub fn with_rules(rules: Result<Rules, RuleError>, deps: Deps) -> Visibility {
        let rules_and_zone = rules.and_then(|r| {
            let zone: Box<dyn ZoneOffsets> = match &r.opening_hours {
                Some(h) => Box::new(IntlZone::new(&h.time_zone)?),
                None => Box::new(NoZone),
            };
            Ok((r, zone))
        });
        let (rules, zone, invalid) = match rules_and_zone {
            Ok((r, z)) => (r, z, false),
            Err(e) => {
                web_sys::console::error_1(&e.to_string().into());
                (
                    Rules::default(),
                    Box::new(NoZone) as Box<dyn ZoneOffsets>,
                    true,
                )
            }
        };
        let now = (deps.now)();
        let visits = rules.visit_number.map(|_| count_visit(&deps.storage, now));
        let needs_routes = rules.pages.is_some();
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Inner>>| {
            let check_me = me.clone();
            let poll_me = me.clone();
            RefCell::new(Inner {
                me: me.clone(),
                rules,
                invalid,
                zone,
                deps,
                page_started_ms: now,
                visits,
                agents: None,
                forced: None,
                shown: None,
                last: None,
                check_timer: Some(Timer::new(move || {
                    if let Some(i) = check_me.upgrade() {
                        Inner::update(&i);
                    }
                })),
                poll_timer: Some(Timer::new(move || {
                    if let Some(i) = poll_me.upgrade() {
                        i.borrow_mut().poll_armed = false;
                        Inner::update(&i);
                    }
                })),
                poll_armed: false,
                poll_in_flight: false,
                last_poll_ms: None,
                poll_failures: 0,
                stopped: false,
            })
        });

        let mut listeners = Vec::new();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let me = Rc::downgrade(&inner);
            listeners.push(listen(&document, "visibilitychange", move |_| {
                if let Some(i) = me.upgrade() {
                    Inner::page_visibility_changed(&i);
                }
            }));
        }
        let mut history = None;
        if needs_routes {
            if let Some(window) = web_sys::window() {
                let me = Rc::downgrade(&inner);
                listeners.push(listen(&window, "popstate", move |_| {
                    Inner::route_changed(&me)
                }));
            }
            let me = Rc::downgrade(&inner);
            history = HistoryHook::install(Rc::new(move || Inner::route_changed(&me)));
        }
        // A chat starting, ending or its window closing can change what the rules may hide.
        let store = inner.borrow().deps.store;
        let effect_me = Rc::downgrade(&inner);
        let effect = Effect::new(move |_| {
            let _ = (
                store.phase().get(),
                store.is_open().get(),
                store.unread().get(),
            );
            if let Some(i) = effect_me.upgrade() {
                Inner::update(&i);
            }
        });
        Inner::update(&inner);
        Visibility {
            inner,
            listeners,
            history,
            effect: Some(effect),
        }
    }

    /// Shows the widget whatever the rules say, until [`auto`](Self::auto).
    pub fn show(&self) {
        self.inner.borrow_mut().forced = Some(true);
        Inner::update(&self.inner);
    }

    /// Hides the widget whatever the rules say (even during a chat, which goes on unseen), until
    /// [`auto`](Self::auto).
    pub fn hide(&self) {
        self.inner.borrow_mut().forced = Some(false);
        Inner::update(&self.inner);
    }

    /// Hands control back to the rules.
    pub fn auto(&self) {
        self.inner.borrow_mut().forced = None;
        Inner::update(&self.inner);
    }

    /// Re-reads the campaign now (when the agent rules need it) and re-evaluates everything.
    pub fn recheck(&self) {
        {
            let mut i = self.inner.borrow_mut();
            i.last_poll_ms = None;
            i.poll_failures = 0;
            if let Some(t) = &i.poll_timer {
                t.cancel();
            }
            i.poll_armed = false;
        }
        Inner::update(&self.inner);
    }

    /// Whether the widget is visible now.
    pub fn is_visible(&self) -> bool {
        self.inner.borrow().shown.unwrap_or(true)
    }

    /// The last decision: visible, and why.
    pub fn state(&self) -> (bool, Reason) {
        self.inner.borrow().last.unwrap_or((true, Reason::Default))
    }

    /// The visit number counted for this page view (`None` without a `visitNumber` rule).
    pub fn visit_number(&self) -> Option<u32> {
        self.inner.borrow().visits.map(|v| v.count)
    }
}

impl Drop for Visibility {
    fn drop(&mut self) {
        {
            let mut i = self.inner.borrow_mut();
            i.stopped = true;
            i.check_timer = None;
            i.poll_timer = None;
        }
        if let Some(e) = self.effect.take() {
            e.dispose();
        }
        for (target, name, closure) in self.listeners.drain(..) {
            let _ =
                target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
        self.history = None;
    }
}

fn listen(
    target: &web_sys::EventTarget,
    name: &'static str,
    f: impl FnMut(web_sys::Event) + 'static,
) -> Listener {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    (target.clone(), name, closure)
}

/// Counts this page view as part of a visit and stores the record.
fn count_visit(storage: &Storage, now: i64) -> VisitRecord {
    let session = Storage::open(StorageKind::Session);
    let new_session = session.get(SESSION_MARK_KEY).is_none();
    session.set(SESSION_MARK_KEY, "1");
    let prev = storage
        .get(VISITS_KEY)
        .and_then(|t| VisitRecord::decode(&t));
    let record = VisitRecord::page_view(prev, new_session, now);
    storage.set(VISITS_KEY, &record.encode());
    record
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

fn current_href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

impl Inner {
    /// Evaluates the rules and applies the result; arms the boundary timer and the poll.
    fn update(this: &Rc<RefCell<Inner>>) {
        let event = {
            let Ok(mut i) = this.try_borrow_mut() else {
                // Re-entered (a page handler reacting synchronously): evaluate after this turn.
                let me = Rc::downgrade(this);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(i) = me.upgrade() {
                        Inner::update(&i);
                    }
                });
                return;
            };
            if i.stopped {
                return;
            }
            let now = (i.deps.now)();
            let href = current_href();
            let decision = if i.invalid {
                Decision {
                    visible: true,
                    reason: Reason::Invalid,
                    next_check_ms: None,
                    needs_agents: false,
                }
            } else {
                let inputs = Inputs {
                    now_ms: now,
                    page_started_ms: i.page_started_ms,
                    visit_number: i.visits.map_or(1, |v| v.count),
                    url: &href,
                    agents: i.agents,
                };
                i.rules.evaluate(&inputs, i.zone.as_ref())
            };
            if let (Some(t), Some(timer)) = (decision.next_check_ms, &i.check_timer) {
                // A few ms late rather than early: the boundary must have passed when we look.
                timer.arm(u64::try_from(t.saturating_sub(now)).unwrap_or(0) + 5);
            } else if let Some(timer) = &i.check_timer {
                timer.cancel();
            }

            let store = i.deps.store;
            // The widget's reactive owner is gone (destroyed before us): nothing to show.
            let (Some(phase), Some(open), Some(unread)) = (
                store.phase().try_get_untracked(),
                store.is_open().try_get_untracked(),
                store.unread().try_get_untracked(),
            ) else {
                return;
            };
            // A chat under way, a window the visitor is looking at, or agent messages not yet
            // read (a chat that ended while minimised): never hidden by a rule.
            let ongoing = phase.in_chat() || open || unread > 0;
            let (visible, reason) = match i.forced {
                Some(v) => (v, Reason::Api),
                None if !decision.visible && ongoing => (true, Reason::Chat),
                None => (decision.visible, decision.reason),
            };
            let should_poll = i.rules.needs_agents()
                && !i.invalid
                && decision.needs_agents
                && i.forced.is_none()
                && !ongoing
                && !document_hidden();
            Inner::schedule_poll(&mut i, should_poll);
            i.last = Some((visible, reason));
            let changed = i.shown != Some(visible);
            i.shown = Some(visible);
            if changed {
                store.set_visible(visible);
                Some((i.deps.host.clone(), visible, reason))
            } else {
                None
            }
        };
        // Emitted outside the borrow: the page's handler may call back into the widget.
        if let Some((host, visible, reason)) = event {
            events::emit(
                &host,
                &HostEvent::Visibility {
                    visible,
                    reason: reason.as_str().to_owned(),
                },
            );
        }
    }

    /// Starts a campaign read now, or arms the poll timer for when one is due.
    fn schedule_poll(i: &mut Inner, wanted: bool) {
        if !wanted {
            if i.poll_armed {
                if let Some(t) = &i.poll_timer {
                    t.cancel();
                }
                i.poll_armed = false;
            }
            return;
        }
        if i.poll_in_flight || i.poll_armed {
            return;
        }
        let now = js_sys::Date::now() as i64;
        let factor = 1u32 << i.poll_failures.min(MAX_BACKOFF_FACTOR.trailing_zeros());
        let interval = i64::from(i.rules.poll_seconds) * 1000 * i64::from(factor);
        let due = i.last_poll_ms.map_or(now, |t| t + interval);
        if due > now {
            if let Some(t) = &i.poll_timer {
                i.poll_armed = t.arm(u64::try_from(due - now).unwrap_or(0));
            }
            return;
        }
        i.poll_in_flight = true;
        i.last_poll_ms = Some(now);
        let fut = i.deps.transport.request(
            Method::Get,
            &format!("campaigns/{}", encode_path(&i.deps.campaign)),
            Vec::new(),
            None,
        );
        let me = i.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            {
                let mut i = this.borrow_mut();
                i.poll_in_flight = false;
                if i.stopped {
                    return;
                }
                let campaign = reply.map_err(|e| e.to_string()).and_then(|(s, b)| {
                    api::parse_response::<Campaign>(s, &b).map_err(|e| e.to_string())
                });
                match campaign {
                    Ok(c) => {
                        i.poll_failures = 0;
                        let status = AgentStatus::from_campaign(&c);
                        i.agents = Some(status);
                        let report = i.deps.availability.clone();
                        let available = status.available && c.active;
                        // After this borrow: the session may change what the store shows.
                        wasm_bindgen_futures::spawn_local(async move { report(available) });
                    }
                    Err(e) => {
                        if i.poll_failures == 0 {
                            web_sys::console::warn_1(
                                &format!("webchat: visibility: reading the campaign failed ({e}); trying again later").into(),
                            );
                        }
                        i.poll_failures = i.poll_failures.saturating_add(1);
                    }
                }
            }
            Inner::update(&this);
        });
    }

    fn page_visibility_changed(this: &Rc<RefCell<Inner>>) {
        {
            let mut i = this.borrow_mut();
            let now = (i.deps.now)();
            if let Some(v) = i.visits {
                // Coming back after more than 30 minutes away starts a new visit.
                let record = if document_hidden() {
                    v.seen(now)
                } else {
                    VisitRecord::page_view(Some(v), false, now)
                };
                i.deps.storage.set(VISITS_KEY, &record.encode());
                i.visits = Some(record);
            }
        }
        Inner::update(this);
    }

    fn route_changed(me: &Weak<RefCell<Inner>>) {
        // After this turn: `pushState` has updated `location` by then, and the page's own code
        // finishes before we touch the DOM.
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(i) = me.upgrade() {
                Inner::update(&i);
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// History API hook

/// `history.pushState`/`replaceState` wrapped to report route changes; restored on drop.
struct HistoryHook {
    history: JsValue,
    originals: Vec<(&'static str, JsValue, JsValue)>,
    active: Rc<Cell<bool>>,
    closures: Vec<HistoryFn>,
}

impl HistoryHook {
    fn install(notify: Rc<dyn Fn()>) -> Option<HistoryHook> {
        let window = web_sys::window()?;
        let history = js_sys::Reflect::get(&window, &"history".into()).ok()?;
        let active = Rc::new(Cell::new(true));
        let mut hook = HistoryHook {
            history: history.clone(),
            originals: Vec::new(),
            active: active.clone(),
            closures: Vec::new(),
        };
        for name in ["pushState", "replaceState"] {
            let original: js_sys::Function = js_sys::Reflect::get(&history, &name.into())
                .ok()?
                .dyn_into()
                .ok()?;
            let (history_this, notify, active) = (history.clone(), notify.clone(), active.clone());
            let orig = original.clone();
            let closure = HistoryFn::new(move |state: JsValue, unused: JsValue, url: JsValue| {
                // `url` left out by the page arrives as undefined, which the browser treats
                // as missing: the call is the page's own, unchanged.
                let result = js_sys::Reflect::apply(
                    &orig,
                    &history_this,
                    &js_sys::Array::of3(&state, &unused, &url),
                )?;
                if active.get() {
                    notify();
                }
                Ok(result)
            });
            let wrapper: &JsValue = closure.as_ref();
            if js_sys::Reflect::set(&history, &name.into(), wrapper).is_err() {
                continue;
            }
            hook.originals
                .push((name, original.into(), wrapper.clone()));
            hook.closures.push(closure);
        }
        Some(hook)
    }
}

impl Drop for HistoryHook {
    fn drop(&mut self) {
        self.active.set(false);
        let mut still_referenced = false;
        for (name, original, wrapper) in &self.originals {
            let current =
                js_sys::Reflect::get(&self.history, &(*name).into()).unwrap_or(JsValue::UNDEFINED);
            if current == *wrapper {
                let _ = js_sys::Reflect::set(&self.history, &(*name).into(), original);
            } else {
                // Someone wrapped our wrapper: removing it would break their chain. It stays as
                // a silent pass-through (inactive), so its closure must outlive us.
                still_referenced = true;
            }
        }
        if still_referenced {
            for c in self.closures.drain(..) {
                c.forget();
            }
        }
    }
}
