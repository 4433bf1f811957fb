//! The browser side of the visibility rules: [`Visibility`] feeds the pure engine from the page
//! and applies its decision.
//!
//! - Time: `Date.now()` and, for `openingHours`, an [`IntlZone`] (`Intl.DateTimeFormat` with the
//!   rule's `timeZone`; no tz database in the wasm). One timer is armed at the engine's next
//!   boundary (opening, closing, "seconds on page" reached), so nothing ticks every second.
//! - `visitNumber`: counted at start in the widget's storage ([`visits`](super::visits) says
//!   what a visit is), only when the rule is set; a page coming back into view after more than
//!   30 minutes is a new visit.
//! - The campaign (`GET campaigns/{id}`) is read once at start — the same moment as the
//!   widget's own read, so the two are one request — for its `webchat.visibilityOverrides`.
//! - `agentOnline` / `agentAvailable`: the campaign again every `pollSeconds` (backoff ×2 up
//!   to ×16 on failures), only while the answer matters (the other rules hold, no manual
//!   override, no chat under way) and never while the tab is hidden (`document.hidden`).
//! - The operator's overrides, only when the campaign switches them on: this visitor's verdict
//!   (`GET visibility?…`, [`OverrideSource`]) at start and every `pollSeconds` with the same
//!   backoff and hidden-tab pause, revalidated with `If-None-Match` (an unchanged answer is a
//!   bodiless `304`); a shown or hidden verdict is remembered between page views (applied at
//!   once, then revalidated); asked again at once when the visitor's identity changes. A `404` (a backend without the
//!   extension) means automatic and ends the reads. On a first page view the launcher waits
//!   for the first verdict, as it waits for the campaign, so a hidden visitor never sees it.
//! - `pages`: re-evaluated on `popstate` and on `history.pushState`/`replaceState`, which are
//!   wrapped while a `pages` rule exists and restored on drop.
//!
//! The decision lands in the store's `visible` flag (the Widget component hides its root) and
//! every change is announced with `HostEvent::Visibility`. What wins is
//! [`operator::combine`]'s table: the page's `show()` / `hide()` (until `auto()`), then an
//! ongoing chat (while a chat is under way, its window is open or agent messages are unread,
//! the widget stays), then the operator, then the rules. Everything is released on drop. This
//! module makes no decision itself; the rules are [`Rules::evaluate`]'s.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use leptos::prelude::{Dispose, Effect, Get, GetUntracked};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;
use webchat_protocol::api::{self, Campaign, VisibilityVerdict};

use super::engine::{AgentStatus, Decision, Inputs, Reason};
use super::operator::{self, combine, poll_interval_ms, Identity, Remembered, Verdict};
use super::rules::{RuleError, Rules};
use super::visits::{VisitRecord, SESSION_MARK_KEY, VISITS_KEY};
use super::zone::{days_from_civil, ZoneOffsets, DAY_MS};
use crate::adapters::fetch::{Fetch, FetchError, Method, Revalidated};
use crate::adapters::storage::{Storage, StorageKind};
use crate::adapters::timer::Timer;
use crate::controller::transport::{LocalFuture, Transport};
use crate::events::{self, HostEvent};
use crate::model::{ChatStore, Phase};

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

/// Where the operator's per-visitor verdict is read: a conditional `GET` (browser tests script
/// it).
pub trait OverrideSource {
    /// `GET {api base}{path}` with `If-None-Match: etag` when given.
    fn revalidate(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> LocalFuture<Result<Revalidated, FetchError>>;
}

impl OverrideSource for Fetch {
    fn revalidate(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> LocalFuture<Result<Revalidated, FetchError>> {
        let (fetch, path, etag) = (self.clone(), path.to_owned(), etag.map(str::to_owned));
        Box::pin(async move { fetch.revalidate(&path, etag.as_deref()).await })
    }
}

/// What a [`Visibility`] works with.
pub struct Deps {
    /// The widget's host element: receives `webchat:visibility`.
    pub host: HtmlElement,
    /// The view model: its `visible` flag is set; its phase and open state tell whether a chat
    /// is under way.
    pub store: ChatStore,
    /// For `GET campaigns/{id}` (once at start, then for the agent rules).
    pub transport: Rc<dyn Transport>,
    /// For the operator's per-visitor verdict (`GET visibility?…`).
    pub overrides: Rc<dyn OverrideSource>,
    /// Who the visitor is now (`tag()` and `reset()` change it).
    pub identity: Rc<dyn Fn() -> Identity>,
    /// The campaign id.
    pub campaign: String,
    /// The widget's chosen storage (visit counting, the operator's last verdict).
    pub storage: Storage,
    /// The wall clock in ms since the Unix epoch (`Date.now()`; tests pass a fake one).
    pub now: Rc<dyn Fn() -> i64>,
}

impl Deps {
    /// The real clock.
    pub fn date_now() -> Rc<dyn Fn() -> i64> {
        Rc::new(|| js_sys::Date::now() as i64)
    }
}

/// One periodic read: its timer, when it last went out and how the last ones went.
struct Poll {
    timer: Option<Timer>,
    armed: bool,
    in_flight: bool,
    last_ms: Option<i64>,
    failures: u32,
}

impl Poll {
    fn new(timer: Timer) -> Poll {
        Poll {
            timer: Some(timer),
            armed: false,
            in_flight: false,
            last_ms: None,
            failures: 0,
        }
    }

    /// Whether a read should go out now (then it counts as sent). Otherwise arms the timer for
    /// when one is due, or disarms it when no read is `wanted`.
    fn due(&mut self, wanted: bool, poll_seconds: u32) -> bool {
        if !wanted {
            if self.armed {
                if let Some(t) = &self.timer {
                    t.cancel();
                }
                self.armed = false;
            }
            return false;
        }
        if self.in_flight || self.armed {
            return false;
        }
        let now = js_sys::Date::now() as i64;
        let due = self
            .last_ms
            .map_or(now, |t| t + poll_interval_ms(poll_seconds, self.failures));
        if due > now {
            if let Some(t) = &self.timer {
                self.armed = t.arm(u64::try_from(due - now).unwrap_or(0));
            }
            return false;
        }
        self.in_flight = true;
        self.last_ms = Some(now);
        true
    }

    /// Forgets the schedule: the next [`due`](Self::due) reads at once.
    fn restart(&mut self) {
        self.last_ms = None;
        self.failures = 0;
        if let Some(t) = &self.timer {
            t.cancel();
        }
        self.armed = false;
    }

    /// The reply to the read in flight arrived.
    fn done(&mut self, ok: bool) {
        self.in_flight = false;
        self.failures = if ok {
            0
        } else {
            self.failures.saturating_add(1)
        };
    }
}

/// What the widget knows of the operator's overrides.
struct Overrides {
    /// The last verdict read (or remembered from the last page view).
    verdict: Verdict,
    /// Its `ETag`, sent back as `If-None-Match`.
    etag: Option<String>,
    /// Whom `verdict` and `etag` are for.
    identity: Option<Identity>,
    /// The verdict came from storage: the campaign had the overrides on last time, so read at
    /// once without waiting for the campaign.
    remembered: bool,
    /// The backend answered 404 (no such extension): automatic, no more reads.
    missing: bool,
    poll: Poll,
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
    /// The campaign's `webchat.visibilityOverrides`; `None` until the campaign answered.
    overrides_on: Option<bool>,
    overrides: Overrides,
    /// The launcher waits for the first verdict (first page view, the widget not yet seen).
    held: bool,
    forced: Option<bool>,
    shown: Option<bool>,
    last: Option<(bool, Reason)>,
    check_timer: Option<Timer>,
    campaign_poll: Poll,
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
    /// `console.error` and the widget stays visible (seed 000: visible by default).
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
        // The last page view's verdict, if it was for this visitor: applied at once.
        let identity = (deps.identity)();
        let remembered = deps
            .storage
            .get(operator::REMEMBERED_KEY)
            .and_then(|t| Remembered::decode(&t))
            .filter(|r| r.identity == identity);
        // A first view (no campaign remembered, nothing shown yet) waits for the verdict too.
        let held =
            remembered.is_none() && deps.store.configured().try_get_untracked() == Some(false);
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Inner>>| {
            let check_me = me.clone();
            let poll_timer = |which: fn(&mut Inner) -> &mut Poll| {
                let me = me.clone();
                Timer::new(move || {
                    if let Some(i) = me.upgrade() {
                        which(&mut i.borrow_mut()).armed = false;
                        Inner::update(&i);
                    }
                })
            };
            let campaign_poll = Poll::new(poll_timer(|i| &mut i.campaign_poll));
            let overrides = Overrides {
                verdict: remembered.as_ref().map_or(Verdict::AUTO, |r| r.verdict),
                etag: remembered
                    .as_ref()
                    .map(|r| r.etag.clone())
                    .filter(|e| !e.is_empty()),
                remembered: remembered.is_some(),
                identity: remembered.map(|r| r.identity),
                missing: false,
                poll: Poll::new(poll_timer(|i| &mut i.overrides.poll)),
            };
            RefCell::new(Inner {
                me: me.clone(),
                rules,
                invalid,
                zone,
                deps,
                page_started_ms: now,
                visits,
                agents: None,
                overrides_on: None,
                overrides,
                held,
                forced: None,
                shown: None,
                last: None,
                check_timer: Some(Timer::new(move || {
                    if let Some(i) = check_me.upgrade() {
                        Inner::update(&i);
                    }
                })),
                campaign_poll,
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

    /// Re-reads the campaign now (when the agent rules need it) and the operator's verdict
    /// (when the campaign has them on), and re-evaluates everything.
    pub fn recheck(&self) {
        {
            let mut i = self.inner.borrow_mut();
            i.campaign_poll.restart();
            i.overrides.poll.restart();
        }
        Inner::update(&self.inner);
    }

    /// The visitor's identity changed (`CV.user.tag()`, `CV.user.reset()`): asks for the
    /// operator's verdict for the new one at once.
    pub fn identity_changed(&self) {
        self.inner.borrow_mut().overrides.poll.restart();
        Inner::update(&self.inner);
    }

    /// Whether the widget is visible now.
    pub fn is_visible(&self) -> bool {
        let i = self.inner.borrow();
        !i.held && i.shown.unwrap_or(true)
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
            i.campaign_poll.timer = None;
            i.overrides.poll.timer = None;
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
            let operator = i.overrides.verdict.at(now);
            let next_check = match (decision.next_check_ms, i.overrides.verdict.next_change(now)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let (Some(t), Some(timer)) = (next_check, &i.check_timer) {
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
            // read (a chat that ended while minimised): never hidden by a rule or the operator.
            let ongoing = phase.in_chat() || open || unread > 0;
            let (visible, reason) = combine(
                (decision.visible, decision.reason),
                operator,
                i.forced,
                ongoing,
            );
            if i.forced.is_some() {
                i.held = false;
            }
            let background = document_hidden();
            // Once for the campaign's switches, then only while the agent rules need it.
            let campaign_wanted = !background
                && (i.overrides_on.is_none()
                    || (i.rules.needs_agents()
                        && !i.invalid
                        && decision.needs_agents
                        && i.forced.is_none()
                        && !ongoing));
            let overrides_wanted = !background
                && !i.overrides.missing
                && i.forced.is_none()
                && i.overrides_on.unwrap_or(i.overrides.remembered);
            let poll_seconds = i.rules.poll_seconds;
            if i.campaign_poll.due(campaign_wanted, poll_seconds) {
                Inner::read_campaign(&i);
            }
            if i.overrides.poll.due(overrides_wanted, poll_seconds) {
                Inner::read_verdict(&mut i);
            }
            i.last = Some((visible, reason));
            if i.held {
                // Not shown and not announced until the verdict is in: the page hears the
                // first state it can see.
                store.set_visible(false);
                None
            } else {
                let changed = i.shown != Some(visible);
                i.shown = Some(visible);
                store.set_visible(visible);
                changed.then(|| (i.deps.host.clone(), visible, reason))
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

    /// Reads the campaign: its switches, and the agents for the agent rules.
    fn read_campaign(i: &Inner) {
        let fut = i.deps.transport.request(
            Method::Get,
            &format!("campaigns/{}", encode_segment(&i.deps.campaign)),
            Vec::new(),
            None,
        );
        let me = i.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            {
                let mut i = this.borrow_mut();
                if i.stopped {
                    return;
                }
                let campaign = reply.map_err(|e| e.to_string()).and_then(|(s, b)| {
                    api::parse_response::<Campaign>(s, &b).map_err(|e| e.to_string())
                });
                match campaign {
                    Ok(c) => {
                        i.campaign_poll.done(true);
                        let status = AgentStatus::from_campaign(&c);
                        i.agents = Some(status);
                        if i.rules.needs_agents() {
                            follow_availability(i.deps.store, status.available && c.active);
                        }
                        let on = c.webchat.visibility_overrides;
                        i.overrides_on = Some(on);
                        if !on {
                            // Switched off: nothing of the operator's counts any more.
                            i.forget_verdict();
                        }
                    }
                    Err(e) => {
                        if i.campaign_poll.failures == 0 && i.rules.needs_agents() {
                            web_sys::console::warn_1(
                                &format!("webchat: visibility: reading the campaign failed ({e}); trying again later").into(),
                            );
                        }
                        i.campaign_poll.done(false);
                        // The first view must not wait for a campaign that does not come.
                        i.held = false;
                    }
                }
            }
            Inner::update(&this);
        });
    }

    /// Asks for this visitor's verdict, revalidating the one known for them.
    fn read_verdict(i: &mut Inner) {
        let identity = (i.deps.identity)();
        if i.overrides.identity.as_ref() != Some(&identity) {
            // The known tag is someone else's answer.
            i.overrides.etag = None;
        }
        let fut = i.deps.overrides.revalidate(
            &identity.read_path(&i.deps.campaign),
            i.overrides.etag.as_deref(),
        );
        let me = i.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            {
                let mut i = this.borrow_mut();
                if i.stopped {
                    return;
                }
                if (i.deps.identity)() != identity {
                    // Tagged or reset while the read was out: that answer was for someone else
                    // (and must not be stored: a reset leaves nothing of the previous user).
                    i.overrides.poll.done(true);
                    i.overrides.poll.restart();
                    drop(i);
                    Inner::update(&this);
                    return;
                }
                let revalidated = i.overrides.etag.is_some();
                let ok = match reply {
                    Ok(r) if r.status == 304 && revalidated => true,
                    Ok(r) if r.status == 404 => {
                        // A backend without the extension: automatic, and nothing more to ask.
                        i.overrides.missing = true;
                        i.forget_verdict();
                        true
                    }
                    Ok(r) => match api::parse_response::<VisibilityVerdict>(r.status, &r.body) {
                        Ok(v) => {
                            let remembered = Remembered {
                                identity,
                                verdict: Verdict::from_api(&v),
                                etag: r.etag.unwrap_or_default(),
                            };
                            // Only an override is worth keeping for the next page view
                            // (applied before any reply); automatic is what it does anyway.
                            if remembered.verdict.visible.is_some() {
                                i.deps
                                    .storage
                                    .set(operator::REMEMBERED_KEY, &remembered.encode());
                            } else {
                                i.deps.storage.remove(operator::REMEMBERED_KEY);
                            }
                            i.overrides.verdict = remembered.verdict;
                            i.overrides.etag = Some(remembered.etag).filter(|e| !e.is_empty());
                            i.overrides.identity = Some(remembered.identity);
                            true
                        }
                        Err(e) => {
                            i.warn_verdict_failed(&e.to_string());
                            false
                        }
                    },
                    Err(e) => {
                        i.warn_verdict_failed(&e.to_string());
                        false
                    }
                };
                i.overrides.poll.done(ok);
                i.held = false;
            }
            Inner::update(&this);
        });
    }

    /// Drops the operator's verdict and its stored copy.
    fn forget_verdict(&mut self) {
        self.overrides.verdict = Verdict::AUTO;
        self.overrides.etag = None;
        self.overrides.identity = None;
        self.overrides.remembered = false;
        self.held = false;
        self.deps.storage.remove(operator::REMEMBERED_KEY);
    }

    fn warn_verdict_failed(&self, e: &str) {
        if self.overrides.poll.failures == 0 {
            web_sys::console::warn_1(
                &format!("webchat: visibility: reading the operator's verdict failed ({e}); trying again later").into(),
            );
        }
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

/// Keeps the composer's state in line with live availability: the controller decides
/// `Offline`/`Idle` from the campaign it read at start; when the poll shows agents came (or
/// went) while no chat is under way, the launcher that appears must be usable.
fn follow_availability(store: ChatStore, available: bool) {
    match store.phase().try_get_untracked() {
        Some(Phase::Offline) if available => store.set_phase(Phase::Idle),
        Some(Phase::Idle) if !available => store.set_phase(Phase::Offline),
        _ => {}
    }
}

/// Percent-encodes a path segment (the campaign id is the page's input).
fn encode_segment(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
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
