//! Visibility rules: when the chat's launcher is shown at all.
//!
//! Without rules the chat is visible (`docs/protocol.md` §5). A page may set rules —
//! agents online / available, opening hours, seconds on the page, visit number, pages — combined
//! with AND; the customer's server may show or hide the chat per visitor, tagged user or
//! campaign over REST (the operator's overrides); and the page's own code overrides both
//! (`show()`/`hide()` until `auto()`).
//!
//! - Pure part, compiled and tested natively: [`rules`] (schema, [`Rules::parse`] with the
//!   launcher's JSON reader, [`RuleError`]), [`hours`] (opening hours and their next
//!   change), [`zone`] (calendar maths, the [`ZoneOffsets`] seam and a simulated DST zone),
//!   [`visits`] (what a visit is), [`engine`] (the [`Decision`]: visible, reason, next
//!   re-evaluation), [`operator`] (the operator's verdict, its expiry and stored form, and
//!   [`combine`]: the table of what wins).
//! - Browser part: [`browser`] — the [`Visibility`] handle that feeds the engine from the page
//!   (`Intl` time zones, a timer at the next boundary, visit counting in storage, campaign
//!   polling, the operator's verdict read with `ETag`/`304`, History API route changes), sets
//!   the [`Surface`] and emits `HostEvent::Visibility`. It never hides an ongoing
//!   chat.

pub mod browser;
pub mod engine;
pub mod history_hook;
pub mod hours;
pub mod intl_zone;
pub mod operator;
mod poll;
pub mod rules;
pub mod visits;
pub mod zone;

pub use browser::{Deps, Surface, Visibility};
pub use engine::{AgentStatus, Decision, Inputs, Reason};
pub use intl_zone::IntlZone;
pub use operator::{combine, Identity, Verdict};
pub use rules::{Pages, RuleError, Rules};
pub use zone::{SimulatedZone, ZoneOffsets};

#[cfg(test)]
mod tests;
