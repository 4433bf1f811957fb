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
//! The decision lands in the [`Surface`] (the launcher's shell hides the widget's root) and
//! every change is announced with `HostEvent::Visibility`. What wins is
//! [`operator::combine`]'s table: the page's `show()` / `hide()` (until `auto()`), then an
//! ongoing chat (while a chat is under way, its window is open or agent messages are unread,
//! the widget stays), then the operator, then the rules. Everything is released on drop. This
//! module makes no decision itself; the rules are [`Rules::evaluate`]'s.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::engine::{AgentStatus, Decision, Inputs, Reason};
use super::history_hook::HistoryHook;
use super::intl_zone::{IntlZone, NoZone};
use super::operator::{self, combine, Identity, Remembered, Verdict};
use super::poll::Poll;
use super::rules::{RuleError, Rules};
use super::visits::{VisitRecord, SESSION_MARK_KEY, VISITS_KEY};
use super::zone::ZoneOffsets;
use crate::adapters::api::ApiRead;
use crate::adapters::storage::{Storage, StorageKind};
use crate::adapters::timer::Timer;
use crate::campaign::{self, CampaignInfo};
use crate::events::{self, HostEvent};
use crate::json;

// ---------------------------------------------------------------------------------------------
// The handle

/// One DOM listener: where, which event, and the callback to remove again.
type Listener = (
    web_sys::EventTarget,
    &'static str,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// What the rules show and hide, and what they must never hide.
pub trait Surface {
    /// Whether the widget's look is known (read now, or remembered from an earlier page view):
    /// on a first view the launcher also waits for the operator's first verdict.
    fn configured(&self) -> bool;
    /// A chat under way, its window open, or agent messages not yet read: never hidden by a
    /// rule or the operator. Call [`Visibility::refresh`] when it changes.
    fn ongoing(&self) -> bool;
    /// Shows or hides the whole widget.
    fn set_visible(&self, visible: bool);
}

/// What a [`Visibility`] works with.
pub struct Deps {
    /// The widget's host element: receives `webchat:visibility`.
    pub host: HtmlElement,
    /// What is shown or hidden.
    pub surface: Rc<dyn Surface>,
    /// For `GET campaigns/{id}` (once at start, then for the agent rules) and the operator's
    /// per-visitor verdict (`GET visibility?…`, conditional).
    pub api: Rc<dyn ApiRead>,
    /// Who the visitor is now (`tag()` and `reset()` change it).
    pub identity: Rc<dyn Fn() -> Identity>,
    /// The campaign id.
    pub campaign: String,
    /// The widget's chosen storage (visit counting, the operator's last verdict).
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
        Rc::new(crate::adapters::now_ms)
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
                web_sys::console::error_1(&e.message().into());
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
        let held = remembered.is_none() && !deps.surface.configured();
        let inner = Rc::new_cyclic(|me: &Weak<RefCell<Inner>>| {
            let check_me = me.clone();
            let poll_timer = |which: fn(&mut Inner) -> &mut Poll| {
                let me = me.clone();
                Timer::new(move || {
                    if let Some(i) = me.upgrade() {
                        which(&mut i.borrow_mut()).fired();
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
        Inner::update(&inner);
        Visibility {
            inner,
            listeners,
            history,
        }
    }

    /// Evaluates again: what the [`Surface`] calls ongoing changed (a chat started or ended,
    /// the window opened or closed, messages were read).
    pub fn refresh(&self) {
        Inner::update(&self.inner);
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
            i.campaign_poll.stop();
            i.overrides.poll.stop();
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
pub(crate) fn count_visit(storage: &Storage, now: i64) -> VisitRecord {
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

/// The verdict of a `GET visibility` reply, or what was wrong with it.
fn verdict_of(status: u16, body: &str) -> Result<Verdict, String> {
    if !(200..=299).contains(&status) {
        return Err(["HTTP ", &crate::text::digits(u64::from(status), 0)].concat());
    }
    json::parse(body)
        .as_ref()
        .and_then(Verdict::from_reply)
        .ok_or_else(|| "unreadable reply".to_owned())
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

            // A chat under way, a window the visitor is looking at, or agent messages not yet
            // read (a chat that ended while minimised): never hidden by a rule or the operator.
            let ongoing = i.deps.surface.ongoing();
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
                i.deps.surface.set_visible(false);
                None
            } else {
                let changed = i.shown != Some(visible);
                i.shown = Some(visible);
                i.deps.surface.set_visible(visible);
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
        let fut = i.deps.api.get(&campaign::path(&i.deps.campaign), None);
        let me = i.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = fut.await;
            let Some(this) = me.upgrade() else { return };
            {
                let mut i = this.borrow_mut();
                if i.stopped {
                    return;
                }
                let campaign: Result<CampaignInfo, String> = reply
                    .map_err(|e| e.message())
                    .and_then(|r| match campaign::Reply::read(r.status, &r.body) {
                        campaign::Reply::Usable(c) => Ok(c),
                        campaign::Reply::Unusable(why) => Err(why.message()),
                        campaign::Reply::Retry(why) => Err(why),
                    });
                match campaign {
                    Ok(c) => {
                        i.campaign_poll.done(true);
                        let status = AgentStatus::from_campaign(&c);
                        i.agents = Some(status);
                        let on = c.visibility_overrides;
                        i.overrides_on = Some(on);
                        if !on {
                            // Switched off: nothing of the operator's counts any more.
                            i.forget_verdict();
                        }
                        let report = i.deps.availability.clone();
                        let available = status.available && c.active;
                        // After this borrow: the session may change what the store shows.
                        wasm_bindgen_futures::spawn_local(async move { report(available) });
                    }
                    Err(e) => {
                        if i.campaign_poll.healthy() && i.rules.needs_agents() {
                            web_sys::console::warn_1(
                                &[
                                    "webchat: visibility: reading the campaign failed (",
                                    &e,
                                    "); trying again later",
                                ]
                                .concat()
                                .into(),
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
        let fut = i.deps.api.get(
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
                    Ok(r) => match verdict_of(r.status, &r.body) {
                        Ok(verdict) => {
                            let remembered = Remembered {
                                identity,
                                verdict,
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
                            i.warn_verdict_failed(&e);
                            false
                        }
                    },
                    Err(e) => {
                        i.warn_verdict_failed(&e.message());
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
        if self.overrides.poll.healthy() {
            web_sys::console::warn_1(
                &[
                    "webchat: visibility: reading the operator's verdict failed (",
                    e,
                    "); trying again later",
                ]
                .concat()
                .into(),
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
