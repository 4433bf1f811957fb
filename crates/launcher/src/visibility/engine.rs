//! The decision: given the [`Rules`] and what is known now ([`Inputs`]), is the chat visible,
//! why, and when can the answer change next by itself?
//!
//! Pure and synchronous: time, the page address, the visit number and the campaign's agent
//! status come in as arguments, the time zone behind [`ZoneOffsets`]. The browser side
//! re-evaluates on every input change (campaign poll, route change) and arms one timer at
//! [`Decision::next_check_ms`] for the time-based rules, so nothing polls every second. The
//! operator's overrides, the page's `show()`/`hide()` and "never hide an ongoing chat" sit on
//! top of this ([`operator::combine`](super::operator::combine)).

use crate::campaign::CampaignInfo;

use super::rules::Rules;
use super::zone::ZoneOffsets;

/// What the campaign says about agents (from `GET campaigns/{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentStatus {
    /// At least one agent is signed in and available (`available_agents > 0`), even when all
    /// their chat slots are taken.
    pub online: bool,
    /// A chat can start now: `availability` and slots left (`available_slots > 0` or `"∞"`).
    pub available: bool,
}

impl AgentStatus {
    /// The agent status of a campaign reply.
    pub fn from_campaign(c: &CampaignInfo) -> AgentStatus {
        AgentStatus {
            online: c.agent_online(),
            available: c.availability && c.slots.has_room(),
        }
    }
}

/// Everything the rules look at, at one moment.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// Wall-clock now, ms since the Unix epoch (`Date.now()`).
    pub now_ms: i64,
    /// When this page view started, same clock.
    pub page_started_ms: i64,
    /// The visitor's visit number (1 = first visit).
    pub visit_number: u32,
    /// The page address (`location.href`).
    pub url: &'a str,
    /// The campaign's agents; `None` until the first campaign reply.
    pub agents: Option<AgentStatus>,
}

/// Why the widget is shown or hidden (the `reason` of the `visibility` host event): a rule
/// (spelt `rule:<name>`), the defaults, the operator's override, the page's API or a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// No rules: visible by default.
    Default,
    /// Every rule holds.
    Rules,
    /// The rules could not be read; visible by default.
    Invalid,
    Pages,
    VisitNumber,
    OpeningHours,
    SecondsOnPage,
    AgentOnline,
    AgentAvailable,
    /// `show()`/`hide()` from the page's code.
    Api,
    /// A chat is under way: never hidden.
    Chat,
    /// The operator's override (the customer's server, read with `GET visibility`).
    Rest,
}

impl Reason {
    /// The spelling in the host event's `reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Default => "default",
            Reason::Rules => "rules",
            Reason::Invalid => "invalid",
            Reason::Pages => "rule:pages",
            Reason::VisitNumber => "rule:visitNumber",
            Reason::OpeningHours => "rule:openingHours",
            Reason::SecondsOnPage => "rule:secondsOnPage",
            Reason::AgentOnline => "rule:agentOnline",
            Reason::AgentAvailable => "rule:agentAvailable",
            Reason::Api => "api",
            Reason::Chat => "chat",
            Reason::Rest => "rest",
        }
    }
}

/// The engine's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the chat is shown.
    pub visible: bool,
    /// The first rule that fails, or [`Reason::Rules`] / [`Reason::Default`] when visible.
    pub reason: Reason,
    /// When a time-based rule (opening hours, seconds on page) changes next: evaluate again
    /// then. `None`: nothing changes by the passing of time alone.
    pub next_check_ms: Option<i64>,
    /// Whether the campaign's agent status can change the answer now: the agent rules are set and
    /// every other rule holds. The browser polls the campaign only then (hidden means no
    /// network besides what the rules need).
    pub needs_agents: bool,
}

impl Rules {
    /// Evaluates every rule at `inputs`. `zone` is the zone of `openingHours` (unused without it).
    pub fn evaluate(&self, inputs: &Inputs<'_>, zone: &dyn ZoneOffsets) -> Decision {
        let mut next: Option<i64> = None;
        let mut soonest = |t: i64| next = Some(next.map_or(t, |n: i64| n.min(t)));
        let mut failed: Option<Reason> = None;
        if let Some(pages) = &self.pages {
            fail(&mut failed, Reason::Pages, pages.allows(inputs.url));
        }
        if let Some(n) = self.visit_number {
            fail(&mut failed, Reason::VisitNumber, inputs.visit_number >= n);
        }
        if let Some(hours) = &self.opening_hours {
            fail(
                &mut failed,
                Reason::OpeningHours,
                hours.is_open(inputs.now_ms, zone),
            );
            if let Some(t) = hours.next_change(inputs.now_ms, zone) {
                soonest(t);
            }
        }
        if let Some(secs) = self.seconds_on_page {
            let due = inputs
                .page_started_ms
                .saturating_add(i64::from(secs) * 1000);
            fail(&mut failed, Reason::SecondsOnPage, inputs.now_ms >= due);
            if inputs.now_ms < due {
                soonest(due);
            }
        }
        // Everything but the agents holds: only now does the campaign's answer matter.
        let needs_agents = self.needs_agents() && failed.is_none();
        if self.agent_online {
            fail(
                &mut failed,
                Reason::AgentOnline,
                inputs.agents.is_some_and(|a| a.online),
            );
        }
        if self.agent_available {
            fail(
                &mut failed,
                Reason::AgentAvailable,
                inputs.agents.is_some_and(|a| a.available),
            );
        }
        let reason = match failed {
            Some(r) => r,
            None if self.is_empty() => Reason::Default,
            None => Reason::Rules,
        };
        Decision {
            visible: failed.is_none(),
            reason,
            next_check_ms: next,
            needs_agents,
        }
    }
}

/// Records `reason` as the deciding rule when `ok` is false and no earlier rule failed.
fn fail(failed: &mut Option<Reason>, reason: Reason, ok: bool) {
    if !ok && failed.is_none() {
        *failed = Some(reason);
    }
}
