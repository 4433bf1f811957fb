//! The widget's proactive greetings: the triggers read with the campaign, evaluated with the
//! page's inputs (time on the page, visit number, address, the agents) whenever one of them can
//! have changed, and the bubble shown for the first trigger due — once per visitor, never while
//! the window is open, a chat runs or messages are unread. Accepting one opens the chat with
//! the greeting as the agent's first message ([`crate::handoff::chat::GREETING`]; handed over
//! with `take()` when the chat is not loaded yet). What is due is [`crate::greeting`]'s.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::{warn, CampaignState, Widget};
use crate::adapters::now_ms;
use crate::adapters::timer::Timer;
use crate::events::{self, GreetingAction, HostEvent};
use crate::greeting::bubble::Bubble;
use crate::greeting::{self, Seen, Trigger};
use crate::handoff::{self, chat};
use crate::keys;
use crate::visibility::intl_zone::NoZone;
use crate::visibility::{AgentStatus, Inputs, IntlZone, ZoneOffsets};

/// The greetings of one page view.
#[derive(Default)]
pub(super) struct Greeter {
    /// The triggers, each with its opening-hours zone.
    triggers: Vec<(Trigger, Box<dyn ZoneOffsets>)>,
    /// When this page view started (`Date.now()`).
    started_ms: i64,
    /// The visitor's visit number, counted once the triggers need it.
    visit: Option<u32>,
    /// The bubble on screen and its trigger.
    shown: Option<(Trigger, Bubble)>,
    /// Armed at the next time a waiting trigger's rules can change.
    timer: Option<Timer>,
    /// Accepted before the chat stage was there: the chat takes it with `take()`.
    pending: Option<Trigger>,
}

impl Greeter {
    /// A page view that started at `started_ms`.
    pub(super) fn new(started_ms: i64) -> Greeter {
        Greeter {
            started_ms,
            ..Greeter::default()
        }
    }

    /// The accepted greeting as the chat takes it (`{ id, message, agentName }`), once.
    pub(super) fn take_pending(&mut self) -> JsValue {
        self.pending.take().map_or(JsValue::NULL, |t| object(&t))
    }

    /// Takes the bubble away without a word to the page (the window opened).
    pub(super) fn hide(&mut self) {
        self.shown = None;
    }
}

/// `{ id, message, agentName }` for the chat stage.
fn object(t: &Trigger) -> JsValue {
    let obj = handoff::object();
    handoff::set(&obj, "id", &JsValue::from_str(&t.id));
    handoff::set(&obj, "message", &JsValue::from_str(&t.message));
    let name = t
        .agent_name
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    handoff::set(&obj, "agentName", &name);
    obj.into()
}

impl Widget {
    /// Reads the triggers from the campaign's configuration and the page's `livechat` option,
    /// then looks whether one is due.
    pub(super) fn load_greetings(&self) {
        let needs_visits = {
            let mut i = self.0.inner.borrow_mut();
            let webchat = i.look.as_ref().and_then(|c| c.webchat.clone());
            let (triggers, problems) =
                greeting::read(webchat.as_ref(), i.options.livechat.as_ref());
            for p in &problems {
                warn(p);
            }
            let mut kept = Vec::new();
            for t in triggers {
                let zone: Box<dyn ZoneOffsets> = match &t.rules.opening_hours {
                    None => Box::new(NoZone),
                    Some(h) => match IntlZone::new(&h.time_zone) {
                        Ok(z) => Box::new(z),
                        Err(e) => {
                            warn(&[greeting::IGNORED, "`", &t.id, "`: ", &e.message()].concat());
                            continue;
                        }
                    },
                };
                kept.push((t, zone));
            }
            i.greeter.triggers = kept;
            i.greeter.visit.is_none()
                && i.greeter
                    .triggers
                    .iter()
                    .any(|(t, _)| t.rules.visit_number.is_some())
        };
        if needs_visits {
            // The visibility rules counted this page view when they need it; else it is counted
            // here (once per page view either way).
            let counted = self
                .0
                .rules
                .borrow()
                .as_ref()
                .and_then(|v| v.visit_number());
            let mut i = self.0.inner.borrow_mut();
            let visit = counted.unwrap_or_else(|| {
                crate::visibility::browser::count_visit(&i.storage, now_ms()).count
            });
            i.greeter.visit = Some(visit);
        }
        self.greet();
    }

    /// Shows the greeting that is due, if the widget may: visible, window closed, no chat,
    /// nothing unread. Arms the timer for the next time-based change.
    pub(super) fn greet(&self) {
        let Ok(mut i) = self.0.inner.try_borrow_mut() else {
            // Called back while the widget is busy: look again after this turn.
            let me = Rc::downgrade(&self.0);
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(w) = me.upgrade() {
                    Widget(w).greet();
                }
            });
            return;
        };
        let busy = i.shell.is_open() || i.chatting || i.held || i.shell.unread() > 0;
        if busy {
            i.greeter.shown = None;
        }
        if i.destroyed
            || i.inline
            || busy
            || !i.rules_visible
            || !matches!(i.campaign, CampaignState::Usable)
            || i.greeter.shown.is_some()
            || i.greeter.triggers.is_empty()
        {
            return;
        }
        let mut seen = Seen::decode(&i.storage.get(keys::GREETINGS).unwrap_or_default());
        let href = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let now = now_ms();
        let agents = i.look.as_ref().map(|c| AgentStatus {
            online: c.agent_online() || i.available,
            available: i.available,
        });
        let inputs = Inputs {
            now_ms: now,
            page_started_ms: i.greeter.started_ms,
            visit_number: i.greeter.visit.unwrap_or(1),
            url: &href,
            agents,
        };
        let triggers = i.greeter.triggers.iter().map(|(t, z)| (t, &**z));
        let due = greeting::due(triggers, &seen, &inputs);
        let (show, next) = (due.show.cloned(), due.next_check_ms);
        i.greeter.timer = next.map(|at| {
            let me = Rc::downgrade(&self.0);
            let timer = Timer::new(move || {
                if let Some(w) = me.upgrade() {
                    Widget(w).greet();
                }
            });
            timer.arm(u64::try_from(at.saturating_sub(now)).unwrap_or(0));
            timer
        });
        let Some(trigger) = show else { return };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let (open, dismiss) = (Rc::downgrade(&self.0), Rc::downgrade(&self.0));
        let bubble = Bubble::show(
            &document,
            i.shell.root(),
            i.shell.launcher(),
            i.shell.lang(),
            (trigger.agent_name.as_deref(), &trigger.message),
            move |_| {
                if let Some(w) = open.upgrade() {
                    Widget(w).accept_greeting();
                }
            },
            move |_| {
                if let Some(w) = dismiss.upgrade() {
                    Widget(w).dismiss_greeting();
                }
            },
        );
        let Some(bubble) = bubble else { return };
        seen.add(&trigger.id);
        i.storage.set(keys::GREETINGS, &seen.encode());
        let event = HostEvent::Greeting {
            id: trigger.id.clone(),
            action: GreetingAction::Shown,
        };
        i.greeter.shown = Some((trigger, bubble));
        events::emit(&i.host, &event);
        drop(i);
        // A greeting shown is a sign of interest: the chat comes now, so a click finds it.
        self.want_chat();
    }

    /// The visitor closed the bubble.
    fn dismiss_greeting(&self) {
        let mut i = self.0.inner.borrow_mut();
        if let Some((t, bubble)) = i.greeter.shown.take() {
            events::emit(
                &i.host,
                &HostEvent::Greeting {
                    id: t.id,
                    action: GreetingAction::Dismissed,
                },
            );
            // A keyboard user's focus was on the bubble, which goes: the launcher is next to it.
            // A pointer's focus stays where the page had it.
            if bubble.keyboard_on_dismiss() {
                _ = i.shell.launcher().focus();
            }
        }
    }

    /// The visitor clicked the greeting: the chat opens with it.
    fn accept_greeting(&self) {
        let handle = {
            let mut i = self.0.inner.borrow_mut();
            let Some((t, _bubble)) = i.greeter.shown.take() else {
                return;
            };
            events::emit(
                &i.host,
                &HostEvent::Greeting {
                    id: t.id.clone(),
                    action: GreetingAction::Accepted,
                },
            );
            match i.handle() {
                Some(handle) => Some((handle, t)),
                None => {
                    i.greeter.pending = Some(t);
                    None
                }
            }
        };
        if let Some((handle, t)) = handle {
            _ = handoff::call(&handle, chat::GREETING, &[object(&t)]);
        }
        self.set_window(true);
    }
}
