//! Visit counting for the `visitNumber` rule, as a pure function over what storage holds.
//!
//! A visit is a run of page views without a break: a new one starts when the browser session is
//! new (nothing in `sessionStorage` marks this tab's session yet) or when the visitor's last page
//! view was more than 30 minutes ago (Google Analytics' definition). The count lives in the
//! widget's chosen storage under `webchat:visits` as `"<count>,<last seen ms>"`: with persistent
//! visitor ids (`localStorage`) visits add up across browser sessions; with session ids
//! (`sessionStorage`, the default) a new browser session is a new visitor, so the count starts
//! again at 1 and only 30-minute breaks make a second visit. The browser side reads and writes
//! the keys; this module only computes.

/// The storage key (under `webchat:`) of the count and the last time the visitor was seen.
pub const VISITS_KEY: &str = "visits";
/// The `sessionStorage` key (under `webchat:`) marking that this browser session was counted.
pub const SESSION_MARK_KEY: &str = "visit_session";
/// Inactivity that ends a visit.
pub const VISIT_GAP_MS: i64 = 30 * 60 * 1000;

/// The stored visit state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitRecord {
    /// Visits so far, this one included.
    pub count: u32,
    /// When the visitor was last seen (ms since the Unix epoch).
    pub last_seen_ms: i64,
}

impl VisitRecord {
    /// Reads the stored form; anything unreadable counts as no record (a fresh start).
    pub fn decode(text: &str) -> Option<VisitRecord> {
        let (count, last) = text.split_once(',')?;
        Some(VisitRecord {
            count: count.trim().parse().ok().filter(|&c| c > 0)?,
            last_seen_ms: last.trim().parse().ok()?,
        })
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        [
            &crate::text::digits(self.count.into(), 0),
            ",",
            &crate::text::signed(self.last_seen_ms),
        ]
        .concat()
    }

    /// The record after a page view at `now_ms`; `new_session` when this browser session has
    /// not been counted yet.
    pub fn page_view(prev: Option<VisitRecord>, new_session: bool, now_ms: i64) -> VisitRecord {
        let count = match prev {
            None => 1,
            Some(p) if new_session || now_ms.saturating_sub(p.last_seen_ms) > VISIT_GAP_MS => {
                p.count.saturating_add(1)
            }
            Some(p) => p.count,
        };
        VisitRecord {
            count,
            last_seen_ms: now_ms,
        }
    }

    /// The record after the visitor was seen at `now_ms` within the visit (keeps it alive).
    pub fn seen(self, now_ms: i64) -> VisitRecord {
        VisitRecord {
            last_seen_ms: now_ms.max(self.last_seen_ms),
            ..self
        }
    }
}
