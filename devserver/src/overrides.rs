//! Operator visibility overrides: what a contact centre's own server set through the operator
//! API — the chat shown or hidden for one visitor, one tagged user or a whole campaign,
//! optionally until a time — and the one-visitor answer the widget reads.
//!
//! What it does: keeps the overrides in memory behind a read-write lock (reads are every
//! visitor's polls, writes are rare), ignores and prunes expired ones, resolves one visitor's
//! answer (the most specific override wins: visitor, then user, then campaign) and names each
//! answer with a strong ETag derived from the answer alone, so an unchanged answer is a `304`.
//! What it does not: HTTP, tokens or campaign ids (`operator_api.rs` and `public_api.rs` check
//! those), or remember anything across restarts.
//!
//! The answer carries only `shown|hidden|auto` and the expiry: never which scope decided, who
//! set it or why, so a visitor asking about a user key learns nothing more than whether the
//! widget should show.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Serialize;
use webchat_protocol::api::{OverrideVisibility, UserId, VisibilityVerdict};

/// What an override applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every visitor of the campaign.
    Campaign,
    /// One visitor, by the `tracker_id` the widget sends (`CV.visitorId`).
    Visitor(String),
    /// One tagged user, by the widget's user key (`user:id:…` or `user:email:…`), in every
    /// browser.
    User(String),
}

impl Scope {
    /// The user key the widget uses for a user tagged with this id (`CV.user.tag({id})`).
    pub fn user_by_id(id: &UserId) -> Scope {
        match id {
            UserId::Text(s) => Scope::User(format!("user:id:{}", s.trim())),
            UserId::Number(n) => Scope::User(format!("user:id:{n}")),
        }
    }

    /// The user key the widget uses for a user tagged by email only: ASCII letters lower-cased
    /// (the widget folds only ASCII case).
    pub fn user_by_email(email: &str) -> Scope {
        Scope::User(format!("user:email:{}", email.trim().to_ascii_lowercase()))
    }

    fn name(&self) -> &'static str {
        match self {
            Scope::Campaign => "campaign",
            Scope::Visitor(_) => "visitor",
            Scope::User(_) => "user",
        }
    }

    fn key(&self) -> Option<&str> {
        match self {
            Scope::Campaign => None,
            Scope::Visitor(k) | Scope::User(k) => Some(k),
        }
    }
}

/// One override in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Shown or hidden (`auto` is the absence of an override).
    pub visible: bool,
    /// When it ends (ms since the Unix epoch); `None`: until changed.
    pub until_ms: Option<u64>,
    /// When it was set (ms since the Unix epoch).
    pub set_ms: u64,
}

impl Setting {
    fn live(&self, now_ms: u64) -> bool {
        self.until_ms.is_none_or(|t| now_ms < t)
    }

    fn verdict(&self) -> VisibilityVerdict {
        VisibilityVerdict {
            visibility: if self.visible {
                OverrideVisibility::Shown
            } else {
                OverrideVisibility::Hidden
            },
            until: self.until_ms,
        }
    }
}

/// An override as the operator API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// `campaign`, `visitor` or `user`.
    pub scope: &'static str,
    /// The visitor's tracker id or the user key; `null` for the campaign.
    pub key: Option<String>,
    pub visibility: OverrideVisibility,
    /// ms since the Unix epoch, or `null`.
    pub until: Option<u64>,
    /// ms since the Unix epoch.
    pub set_at: u64,
}

/// The overrides of every campaign.
#[derive(Debug, Default)]
pub struct Overrides {
    inner: RwLock<HashMap<String, HashMap<Scope, Setting>>>,
}

impl Overrides {
    pub fn new() -> Overrides {
        Overrides::default()
    }

    // A panic while holding the lock cannot leave the maps half-written (every write is one
    // insert or remove): go on with them.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, HashMap<Scope, Setting>>> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, HashMap<Scope, Setting>>> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets (`Some`) or removes (`None`: back to automatic) the override of `scope` in
    /// `campaign`. Expired overrides of the campaign are pruned on the way.
    pub fn set(&self, campaign: &str, scope: Scope, setting: Option<Setting>, now_ms: u64) {
        let mut all = self.write();
        let of = all.entry(campaign.to_owned()).or_default();
        of.retain(|_, s| s.live(now_ms));
        match setting {
            Some(s) => {
                of.insert(scope, s);
            }
            None => {
                of.remove(&scope);
            }
        }
        if of.is_empty() {
            all.remove(campaign);
        }
    }

    /// Removes every override of `campaign`.
    pub fn clear(&self, campaign: &str) {
        self.write().remove(campaign);
    }

    /// The overrides of `campaign` in force at `now_ms`: the campaign's first, then visitors and
    /// users by key.
    pub fn list(&self, campaign: &str, now_ms: u64) -> Vec<Listed> {
        let all = self.read();
        let mut out: Vec<Listed> = all
            .get(campaign)
            .into_iter()
            .flatten()
            .filter(|(_, s)| s.live(now_ms))
            .map(|(scope, s)| Listed {
                scope: scope.name(),
                key: scope.key().map(str::to_owned),
                visibility: s.verdict().visibility,
                until: s.until_ms,
                set_at: s.set_ms,
            })
            .collect();
        let rank = |l: &Listed| match l.scope {
            "campaign" => 0,
            "visitor" => 1,
            _ => 2,
        };
        out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.key.cmp(&b.key)));
        out
    }

    /// What the widget of visitor `tracker_id` (tagged as `user`, a user key, when given)
    /// should do at `now_ms`: the visitor's override, else the user's, else the campaign's,
    /// else `auto`.
    pub fn answer(
        &self,
        campaign: &str,
        tracker_id: &str,
        user: Option<&str>,
        now_ms: u64,
    ) -> VisibilityVerdict {
        let all = self.read();
        let Some(of) = all.get(campaign) else {
            return VisibilityVerdict::AUTO;
        };
        // Lookups by borrowed key need an owned `Scope`; the strings are short.
        let visitor = Scope::Visitor(tracker_id.to_owned());
        let user = user.map(|u| Scope::User(u.to_owned()));
        [Some(visitor), user, Some(Scope::Campaign)]
            .into_iter()
            .flatten()
            .find_map(|scope| of.get(&scope).filter(|s| s.live(now_ms)))
            .map_or(VisibilityVerdict::AUTO, Setting::verdict)
    }
}

/// A strong ETag for `verdict`: the same answer always has the same tag, a different answer a
/// different one, whichever visitor asks.
pub fn etag(verdict: &VisibilityVerdict) -> String {
    let state = match verdict.visibility {
        OverrideVisibility::Shown => "shown",
        OverrideVisibility::Hidden => "hidden",
        OverrideVisibility::Auto => "auto",
    };
    match verdict.until {
        Some(t) => format!("\"{state}-{t}\""),
        None => format!("\"{state}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(until_ms: Option<u64>) -> Option<Setting> {
        Some(Setting {
            visible: false,
            until_ms,
            set_ms: 0,
        })
    }

    fn shown() -> Option<Setting> {
        Some(Setting {
            visible: true,
            until_ms: None,
            set_ms: 0,
        })
    }

    fn state(o: &Overrides, tracker: &str, user: Option<&str>, now: u64) -> OverrideVisibility {
        o.answer("c", tracker, user, now).visibility
    }

    #[test]
    fn the_most_specific_override_wins() {
        let o = Overrides::new();
        assert_eq!(o.answer("c", "v1", None, 0), VisibilityVerdict::AUTO);
        o.set("c", Scope::Campaign, hidden(None), 0);
        o.set("c", Scope::user_by_email(" VIP@Example.com"), shown(), 0);
        o.set("c", Scope::Visitor("v1".into()), shown(), 0);
        assert_eq!(state(&o, "v2", None, 1), OverrideVisibility::Hidden);
        assert_eq!(state(&o, "v1", None, 1), OverrideVisibility::Shown);
        let vip = Some("user:email:vip@example.com");
        assert_eq!(state(&o, "v2", vip, 1), OverrideVisibility::Shown);
        // Another campaign is untouched.
        assert_eq!(o.answer("d", "v2", vip, 1), VisibilityVerdict::AUTO);
        // Back to automatic, one scope at a time.
        o.set("c", Scope::Campaign, None, 2);
        assert_eq!(state(&o, "v2", None, 2), OverrideVisibility::Auto);
        assert_eq!(o.list("c", 2).len(), 2);
        o.clear("c");
        assert!(o.list("c", 2).is_empty());
    }

    #[test]
    fn expired_overrides_no_longer_count_and_are_pruned() {
        let o = Overrides::new();
        o.set("c", Scope::Visitor("v".into()), hidden(Some(1_000)), 0);
        o.set("c", Scope::Campaign, shown(), 0);
        assert_eq!(state(&o, "v", None, 999), OverrideVisibility::Hidden);
        assert_eq!(
            o.answer("c", "v", None, 999).until,
            Some(1_000),
            "the expiry goes with the answer"
        );
        // At the expiry the next scope answers.
        assert_eq!(state(&o, "v", None, 1_000), OverrideVisibility::Shown);
        assert_eq!(o.list("c", 1_000).len(), 1);
        o.set("c", Scope::Campaign, None, 1_000);
        assert!(o.read().get("c").is_none(), "pruned with the last write");
    }

    #[test]
    fn user_keys_are_the_widgets() {
        assert_eq!(
            Scope::user_by_id(&UserId::Number(42)),
            Scope::User("user:id:42".into())
        );
        assert_eq!(
            Scope::user_by_id(&UserId::Text(" 42 ".into())),
            Scope::User("user:id:42".into())
        );
        assert_eq!(
            Scope::user_by_email("Ana.Silva@Example.COM "),
            Scope::User("user:email:ana.silva@example.com".into())
        );
    }

    #[test]
    fn the_listing_is_ordered_campaign_visitors_users() {
        let o = Overrides::new();
        o.set("c", Scope::User("user:id:1".into()), shown(), 5);
        o.set("c", Scope::Visitor("b".into()), hidden(Some(9)), 5);
        o.set("c", Scope::Visitor("a".into()), hidden(None), 5);
        let at_five = Setting {
            visible: true,
            until_ms: None,
            set_ms: 5,
        };
        o.set("c", Scope::Campaign, Some(at_five), 5);
        let l = o.list("c", 6);
        let keys: Vec<_> = l.iter().map(|l| (l.scope, l.key.as_deref())).collect();
        assert_eq!(
            keys,
            [
                ("campaign", None),
                ("visitor", Some("a")),
                ("visitor", Some("b")),
                ("user", Some("user:id:1"))
            ]
        );
        assert_eq!(l[2].until, Some(9));
        assert_eq!(l[0].set_at, 5);
    }

    #[test]
    fn etags_follow_the_answer_only() {
        let auto = etag(&VisibilityVerdict::AUTO);
        assert_eq!(auto, "\"auto\"");
        let h = VisibilityVerdict {
            visibility: OverrideVisibility::Hidden,
            until: Some(7),
        };
        assert_eq!(etag(&h), "\"hidden-7\"");
        assert_ne!(
            etag(&h),
            etag(&VisibilityVerdict {
                until: Some(8),
                ..h
            })
        );
    }
}
