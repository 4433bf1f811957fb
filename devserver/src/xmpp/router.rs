//! The embedded server's stanza switch: who is connected, and where a stanza goes.
//!
//! What it does: keeps the bound client streams by full JID, routes client stanzas — to the
//! [`Desk`] when addressed to the agents' domain, to other local clients (all available
//! resources of a bare JID for messages), or back as an error — stamps a XEP-0359
//! `<stanza-id by="{visitor}"/>` on chat messages it delivers, keeps messages for an offline
//! visitor until its next initial presence (like `mod_offline`), echoes a client's broadcast
//! presence to itself (like ejabberd), tells agents a visitor went `unavailable` when its
//! session ends, and implements [`AgentOutlet`] so the desk's stanzas leave from the agent's
//! full JID. It also remembers stream-managed sessions by resumption id, and keeps each
//! visitor's message archive (chat messages with a body, both directions) for XEP-0313 queries.
//! What it does not: rosters or subscriptions between visitors, s2s, or archive persistence.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use webchat_protocol::stanza::ErrorType;
use webchat_protocol::{ns, Element, Jid};

use crate::desk::{AgentOutlet, Desk};

/// What a client stream's task receives.
#[derive(Debug)]
pub enum ToClient {
    Stanza(Element),
    /// Another stream bound the same full JID.
    Replaced,
}

/// A new transport (WebSocket or BOSH) taking over a detached stream-managed session.
pub struct Handover {
    pub link: super::link::Link,
    /// The local part the new stream authenticated as.
    pub user: String,
    /// Stanzas the client handled.
    pub h: u32,
}

struct Client {
    conn: u64,
    tx: mpsc::UnboundedSender<ToClient>,
    available: bool,
    /// The last broadcast available presence (sent to new subscribers).
    last_presence: Option<Element>,
    /// Agents (bare, lowercase) that got a directed presence or a `subscribed` from it.
    agents: HashSet<String>,
}

/// One archived message (XEP-0313).
struct Archived {
    id: String,
    stamp: String,
    /// The other party's bare JID (lowercase).
    with: String,
    message: Element,
}

#[derive(Default)]
struct Inner {
    /// Full JID (lowercase) → stream.
    clients: HashMap<String, Client>,
    /// Bare JID (lowercase) → the full JIDs (lowercase) bound under it. An index, so that
    /// routing to a bare JID does not scan every stream (it did, and under load that scan was
    /// the router's main cost).
    resources: HashMap<String, HashSet<String>>,
    /// Publisher bare JID → bare JIDs that may see its presence (they got its `subscribed`).
    subscribers: HashMap<String, HashSet<String>>,
    /// Visitor bare JID (lowercase) → archive, oldest first.
    archive: HashMap<String, Vec<Archived>>,
    offline: HashMap<String, Vec<Element>>,
    resumable: HashMap<String, mpsc::UnboundedSender<Handover>>,
    next_conn: u64,
    next_sid: u64,
}

/// Cheap to clone.
#[derive(Clone)]
pub struct Router {
    shared: Arc<Shared>,
}

struct Shared {
    domain: String,
    agent_domain: String,
    desk: Desk,
    inner: Mutex<Inner>,
}

/// Most messages kept per offline visitor.
const MAX_OFFLINE: usize = 200;

/// Most messages archived per visitor.
const MAX_ARCHIVE: usize = 2000;

/// A message archive query (XEP-0313 with XEP-0059 paging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MamQuery {
    pub queryid: Option<String>,
    pub with: Option<String>,
    pub max: usize,
    /// `Some("")`: the last page.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl MamQuery {
    /// Reads `<query xmlns="urn:xmpp:mam:2">`.
    pub fn from_element(q: &Element) -> Option<MamQuery> {
        if !q.is("query", ns::MAM) {
            return None;
        }
        let with = q.get_child("x", ns::DATA_FORMS).and_then(|x| {
            x.elements()
                .find(|f| f.is("field", ns::DATA_FORMS) && f.attr("var") == Some("with"))
                .and_then(|f| f.child_text("value", ns::DATA_FORMS))
                .map(|v| v.trim().to_owned())
        });
        let set = q.get_child("set", ns::RSM);
        let max = set
            .and_then(|s| s.child_text("max", ns::RSM))
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or(50usize)
            .min(500);
        Some(MamQuery {
            queryid: q.attr("queryid").map(str::to_owned),
            with,
            max,
            before: set.and_then(|s| s.child_text("before", ns::RSM)),
            after: set.and_then(|s| s.child_text("after", ns::RSM)),
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (XEP-0082) for milliseconds since the epoch.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// The resource agents' stanzas come from.
pub const AGENT_RESOURCE: &str = "webchat";

fn key(jid: &str) -> String {
    jid.to_ascii_lowercase()
}

impl Router {
    pub fn new(domain: &str, agent_domain: &str, desk: Desk) -> Router {
        Router {
            shared: Arc::new(Shared {
                domain: domain.to_owned(),
                agent_domain: agent_domain.to_owned(),
                desk,
                inner: Mutex::new(Inner::default()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a bound stream; a stream already bound to the JID is told it was replaced.
    /// Returns the connection number to unbind with.
    pub fn bind(&self, jid: &Jid, tx: mpsc::UnboundedSender<ToClient>) -> u64 {
        let mut inner = self.lock();
        inner.next_conn += 1;
        let conn = inner.next_conn;
        inner
            .resources
            .entry(key(jid.bare()))
            .or_default()
            .insert(key(jid.as_str()));
        let old = inner.clients.insert(
            key(jid.as_str()),
            Client {
                conn,
                tx,
                available: false,
                last_presence: None,
                agents: HashSet::new(),
            },
        );
        drop(inner);
        if let Some(old) = old {
            let _ = old.tx.send(ToClient::Replaced);
        }
        conn
    }

    /// The stream `conn` of `jid` ended: agents it talked to see it go `unavailable`.
    pub fn unbind(&self, jid: &Jid, conn: u64) {
        let mut inner = self.lock();
        let k = key(jid.as_str());
        if inner.clients.get(&k).is_none_or(|c| c.conn != conn) {
            return;
        }
        let Some(client) = inner.clients.remove(&k) else {
            return;
        };
        let bare = key(jid.bare());
        if let Some(set) = inner.resources.get_mut(&bare) {
            set.remove(&k);
            if set.is_empty() {
                inner.resources.remove(&bare);
            }
        }
        let mut targets: HashSet<String> = client.agents;
        if client.available {
            targets.extend(
                inner
                    .subscribers
                    .get(&key(jid.bare()))
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        drop(inner);
        let p = Element::new("presence", ns::CLIENT)
            .with_attr("type", "unavailable")
            .with_attr("from", jid.as_str());
        self.presence_to(targets, &p);
    }

    /// Sends a presence (its `from` set) to each bare JID: the desk for agents without a
    /// client, local streams otherwise.
    fn presence_to(&self, targets: HashSet<String>, p: &Element) {
        for t in targets {
            let Ok(to) = Jid::parse(&t) else { continue };
            let mut p = p.clone();
            p.set_attr("to", to.as_str());
            if to.domain().eq_ignore_ascii_case(&self.shared.agent_domain) && !self.has_client(&to)
            {
                self.shared.desk.incoming(&to, p);
            } else {
                self.deliver_local(&to, p, None);
            }
        }
    }

    /// A stream-managed session can be resumed through `tx` under `id`.
    pub fn set_resumable(&self, id: &str, tx: mpsc::UnboundedSender<Handover>) {
        self.lock().resumable.insert(id.to_owned(), tx);
    }

    pub fn remove_resumable(&self, id: &str) {
        self.lock().resumable.remove(id);
    }

    /// Where to hand a socket that resumes `id`.
    pub fn resumable(&self, id: &str) -> Option<mpsc::UnboundedSender<Handover>> {
        self.lock().resumable.get(id).cloned()
    }

    fn send_to(&self, full: &str, el: Element) -> bool {
        let inner = self.lock();
        match inner.clients.get(&key(full)) {
            Some(c) => c.tx.send(ToClient::Stanza(el)).is_ok(),
            None => false,
        }
    }

    /// Bounces a stanza that could not be delivered (messages and iq requests only).
    fn bounce(&self, el: &Element, condition: &str) {
        let Some(from) = el.attr("from").map(str::to_owned) else {
            return;
        };
        let kind = el.attr("type").unwrap_or_default();
        if kind == "error" || kind == "result" || el.name == "presence" {
            return;
        }
        if el.name == "iq" && !matches!(kind, "get" | "set") {
            return;
        }
        let mut reply = Element::new(&el.name, ns::CLIENT)
            .with_attr("type", "error")
            .with_attr("to", &from);
        if let Some(to) = el.attr("to") {
            reply.set_attr("from", to);
        }
        if let Some(id) = el.attr("id") {
            reply.set_attr("id", id);
        }
        let e = webchat_protocol::stanza::StanzaError::new(ErrorType::Cancel, condition);
        reply.push(e.to_element());
        self.send_to(&from, reply);
    }

    /// A stanza from the client bound as `from` (its `from` attribute already stamped).
    pub fn route(&self, from: &Jid, el: Element) {
        let to = match el.attr("to").map(Jid::parse) {
            None => return self.broadcast_presence(from, el),
            Some(Err(_)) => return self.bounce(&el, "jid-malformed"),
            Some(Ok(to)) => to,
        };
        if el.name == "presence" && el.attr("type") == Some("subscribed") {
            // The approval first, then the approver's current presence.
            self.route_to(from, &to, el);
            return self.approve(from, &to);
        }
        self.route_to(from, &to, el);
    }

    fn route_to(&self, from: &Jid, to: &Jid, el: Element) {
        let to = to.clone();
        if el.name == "message" && el.get_child("body", ns::CLIENT).is_some() {
            // The sender's own archive (XEP-0313 keeps both directions).
            let id = self.next_id();
            self.archive(from.bare(), to.bare(), &id, &el);
        }
        let agent_domain = to.domain().eq_ignore_ascii_case(&self.shared.agent_domain);
        if agent_domain && to.local().is_some() && !self.has_client(&to) {
            if el.name == "presence" {
                let mut inner = self.lock();
                if let Some(c) = inner.clients.get_mut(&key(from.as_str())) {
                    c.agents.insert(key(to.bare()));
                }
            }
            if el.name == "iq" {
                // Agents are the desk, not XMPP clients: no iq reaches them (a server
                // answers for an account without a resource that can).
                return self.bounce(&el, "service-unavailable");
            }
            return self.shared.desk.incoming(&to, el);
        }
        if (agent_domain || to.domain().eq_ignore_ascii_case(&self.shared.domain))
            && to.local().is_some()
        {
            return self.deliver_local(&to, el, Some(from));
        }
        self.bounce(&el, "remote-server-not-found");
    }

    /// `publisher` approved `subscriber` (RFC 6121 §3.1.5): its presence broadcasts go there
    /// from now on, starting with its current presence (§3.1.6).
    fn approve(&self, publisher: &Jid, subscriber: &Jid) {
        let current: Vec<Element> = {
            let mut inner = self.lock();
            inner
                .subscribers
                .entry(key(publisher.bare()))
                .or_default()
                .insert(key(subscriber.bare()));
            inner
                .resources
                .get(&key(publisher.bare()))
                .into_iter()
                .flatten()
                .filter_map(|full| inner.clients.get(full))
                .filter(|c| c.available)
                .filter_map(|c| c.last_presence.clone())
                .collect()
        };
        for p in current {
            self.presence_to(HashSet::from([key(subscriber.bare())]), &p);
        }
    }

    /// `<presence/>` without `to`: availability of the client itself.
    fn broadcast_presence(&self, from: &Jid, el: Element) {
        if el.name != "presence" {
            // A message or iq to nobody: RFC 6120 treats it as to the account; drop it.
            return;
        }
        let available = el.attr("type").is_none();
        if !available && el.attr("type") != Some("unavailable") {
            return;
        }
        let (first, targets) = {
            let mut inner = self.lock();
            let subscribers = inner
                .subscribers
                .get(&key(from.bare()))
                .cloned()
                .unwrap_or_default();
            let Some(c) = inner.clients.get_mut(&key(from.as_str())) else {
                return;
            };
            let first = available && !c.available;
            c.available = available;
            c.last_presence = available.then(|| el.clone());
            let mut targets = subscribers;
            targets.extend(c.agents.iter().cloned());
            (first, targets)
        };
        // ejabberd echoes the client's own presence to it.
        self.send_to(from.as_str(), el.clone());
        self.presence_to(targets, &el);
        if first {
            let stored = self.lock().offline.remove(&key(from.bare()));
            for m in stored.unwrap_or_default() {
                self.send_to(from.as_str(), m);
            }
        }
    }

    /// Delivers to a local client: a full JID to that stream, a bare JID to every available
    /// stream (messages), or kept offline when nobody is there.
    fn deliver_local(&self, to: &Jid, mut el: Element, sender: Option<&Jid>) {
        if el.name == "message" && el.get_child("body", ns::CLIENT).is_some() {
            // XEP-0359: our id, replacing any a sender forged in our name.
            let by = to.bare().to_owned();
            el.children.retain(|c| match c {
                webchat_protocol::xml::Node::Element(e) => {
                    !(e.is("stanza-id", ns::SID) && e.attr("by") == Some(by.as_str()))
                }
                _ => true,
            });
            let id = self.next_id();
            el.push(
                Element::new("stanza-id", ns::SID)
                    .with_attr("by", &by)
                    .with_attr("id", &id),
            );
            if let Some(from) = el.attr("from").and_then(|f| Jid::parse(f).ok()) {
                self.archive(to.bare(), from.bare(), &id, &el);
            }
        }
        let targets: Vec<String> = {
            let inner = self.lock();
            if to.resource().is_some() {
                inner
                    .clients
                    .get(&key(to.as_str()))
                    .map(|_| vec![key(to.as_str())])
                    .unwrap_or_default()
            } else {
                inner
                    .resources
                    .get(&key(to.bare()))
                    .into_iter()
                    .flatten()
                    .filter(|full| {
                        inner
                            .clients
                            .get(*full)
                            .is_some_and(|c| c.available || el.name != "message")
                    })
                    .cloned()
                    .collect()
            }
        };
        if targets.is_empty() {
            if el.name == "message" && el.get_child("body", ns::CLIENT).is_some() {
                let mut inner = self.lock();
                let q = inner.offline.entry(key(to.bare())).or_default();
                if q.len() < MAX_OFFLINE {
                    q.push(el);
                }
            } else if sender.is_some() {
                self.bounce(&el, "service-unavailable");
            }
            return;
        }
        for t in targets {
            self.send_to(&t, el.clone());
        }
    }

    /// Whether an ordinary client is connected for this JID (its bare JID, or exactly this
    /// full JID).
    fn has_client(&self, to: &Jid) -> bool {
        let inner = self.lock();
        if to.resource().is_some() {
            return inner.clients.contains_key(&key(to.as_str()));
        }
        inner.resources.contains_key(&key(to.bare()))
    }

    /// A fresh archive / stanza id: unique and increasing.
    fn next_id(&self) -> String {
        let mut inner = self.lock();
        inner.next_sid += 1;
        format!("{}{:06}", crate::ids::now_ms(), inner.next_sid % 1_000_000)
    }

    fn archive(&self, owner: &str, with: &str, id: &str, el: &Element) {
        let mut message = el.clone();
        message
            .children
            .retain(|c| !matches!(c, webchat_protocol::xml::Node::Element(e) if e.ns == ns::SID));
        let mut inner = self.lock();
        let a = inner.archive.entry(key(owner)).or_default();
        if a.len() == MAX_ARCHIVE {
            a.remove(0);
        }
        a.push(Archived {
            id: id.to_owned(),
            stamp: iso8601(crate::ids::now_ms()),
            with: key(with),
            message,
        });
    }

    /// Answers a XEP-0313 query of the visitor `owner` (bare): the result messages, then the
    /// `<fin/>` payload for the iq result.
    pub fn mam_query(&self, owner: &Jid, q: &MamQuery) -> (Vec<Element>, Element) {
        let inner = self.lock();
        let empty = Vec::new();
        let all = inner.archive.get(&key(owner.bare())).unwrap_or(&empty);
        let with = q.with.as_deref().and_then(|w| Jid::parse(w).ok());
        let matching: Vec<&Archived> = all
            .iter()
            .filter(|a| with.as_ref().is_none_or(|w| a.with == key(w.bare())))
            .collect();
        let pos = |id: &str| matching.iter().position(|a| a.id == id);
        let (page, complete): (&[&Archived], bool) = match (&q.before, &q.after) {
            (Some(b), _) => {
                let end = if b.is_empty() {
                    matching.len()
                } else {
                    pos(b).unwrap_or(0)
                };
                let start = end.saturating_sub(q.max);
                (&matching[start..end], start == 0)
            }
            (None, Some(a)) => {
                let start = pos(a).map_or(matching.len(), |i| i + 1);
                let end = (start + q.max).min(matching.len());
                (&matching[start..end], end == matching.len())
            }
            (None, None) => {
                let end = q.max.min(matching.len());
                (&matching[..end], end == matching.len())
            }
        };
        let results = page
            .iter()
            .map(|a| {
                let mut fwd = Element::new("forwarded", ns::FORWARD)
                    .with_child(Element::new("delay", ns::DELAY).with_attr("stamp", &a.stamp));
                fwd.push(a.message.clone());
                let result = Element::new("result", ns::MAM)
                    .with_opt_attr("queryid", q.queryid.as_deref())
                    .with_attr("id", &a.id)
                    .with_child(fwd);
                Element::new("message", ns::CLIENT)
                    .with_attr("to", owner.as_str())
                    .with_attr("from", owner.bare())
                    .with_child(result)
            })
            .collect();
        let mut set = Element::new("set", ns::RSM);
        if let (Some(first), Some(last)) = (page.first(), page.last()) {
            set.push(
                Element::new("first", ns::RSM)
                    .with_attr("index", "0")
                    .with_text(&first.id),
            );
            set.push(Element::new("last", ns::RSM).with_text(&last.id));
        }
        set.push(Element::new("count", ns::RSM).with_text(&matching.len().to_string()));
        let fin = Element::new("fin", ns::MAM)
            .with_attr("complete", if complete { "true" } else { "false" })
            .with_child(set);
        (results, fin)
    }

    /// Whether a full JID is bound (tests).
    pub fn is_bound(&self, jid: &str) -> bool {
        self.lock().clients.contains_key(&key(jid))
    }
}

impl AgentOutlet for Router {
    fn send(&self, agent: &Jid, mut stanza: Element) -> Result<(), String> {
        let from = Jid::from_parts(agent.local(), agent.domain(), Some(AGENT_RESOURCE))
            .map_err(|e| e.to_string())?;
        stanza.set_attr("from", from.as_str());
        let to = stanza
            .attr("to")
            .and_then(|t| Jid::parse(t).ok())
            .ok_or("the stanza has no valid recipient")?;
        self.deliver_local(&to, stanza, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns;
    use crate::hub::Hub;
    use webchat_protocol::api::AgentInfo;

    #[test]
    fn timestamps_are_xep_0082() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_412_345_678), "2026-11-23T05:39:05.678Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn archive_pages_backwards_and_forwards() {
        let hub = Hub::new(
            campaigns::defaults(),
            AgentInfo {
                firstname: "J".into(),
                nickname: "agent1".into(),
                jid: "agent1@internal.webchat.test".into(),
            },
        );
        let router = Router::new("webchat.test", "internal.webchat.test", Desk::new(hub));
        let v = Jid::parse("v@webchat.test/r").unwrap();
        let agent = Jid::parse("agent1@internal.webchat.test").unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        router.bind(&v, tx);
        for i in 0..5 {
            let m = Element::new("message", ns::CLIENT)
                .with_attr("type", "chat")
                .with_attr("to", "v@webchat.test")
                .with_child(Element::new("body", ns::CLIENT).with_text(&format!("m{i}")));
            router.send(&agent, m).unwrap();
        }
        let q = |before: Option<&str>, after: Option<&str>| MamQuery {
            queryid: Some("q".into()),
            with: Some("agent1@internal.webchat.test".into()),
            max: 2,
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        };
        let body = |e: &Element| {
            let r = e.get_child("result", ns::MAM).unwrap();
            let f = r.get_child("forwarded", ns::FORWARD).unwrap();
            f.get_child("message", ns::CLIENT)
                .unwrap()
                .child_text("body", ns::CLIENT)
                .unwrap()
        };
        let first = |fin: &Element| {
            fin.get_child("set", ns::RSM)
                .unwrap()
                .child_text("first", ns::RSM)
                .unwrap()
        };
        let (last_page, fin) = router.mam_query(&v, &q(Some(""), None));
        assert_eq!(last_page.iter().map(body).collect::<Vec<_>>(), ["m3", "m4"]);
        assert_eq!(fin.attr("complete"), Some("false"));
        let (older, fin2) = router.mam_query(&v, &q(Some(&first(&fin)), None));
        assert_eq!(older.iter().map(body).collect::<Vec<_>>(), ["m1", "m2"]);
        let (oldest, fin3) = router.mam_query(&v, &q(Some(&first(&fin2)), None));
        assert_eq!(oldest.iter().map(body).collect::<Vec<_>>(), ["m0"]);
        assert_eq!(fin3.attr("complete"), Some("true"));
        let (forward, _) = router.mam_query(&v, &q(None, Some(&first(&fin2))));
        assert_eq!(forward.iter().map(body).collect::<Vec<_>>(), ["m2", "m3"]);
        // Somebody else's archive is empty.
        let other = Jid::parse("w@webchat.test/r").unwrap();
        assert!(router.mam_query(&other, &q(Some(""), None)).0.is_empty());
    }
}
