//! XEP-0198 stream management: the nonzas (`enable`, `enabled`, `resume`, `resumed`,
//! `failed`, `r`, `a`) and [`SmState`], the counting engine (after strophe's stream
//! management engine: it never touches a socket).
//!
//! The engine counts handled inbound stanzas (`h_in`), keeps every outbound stanza until the
//! server acknowledges it, and exports a serialisable [`ResumeState`] so a new transport (or a
//! reloaded page) can resume the session. What it does not do: decide when to send `<r/>`
//! (the connection does), or survive a server that forgot the session (`<failed/>`).

use crate::error::ParseError;
use crate::ns;
use crate::xml::Element;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// An SM nonza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Nonza {
    /// Server: SM enabled; `id` is present when resumable.
    Enabled {
        /// Resumption id.
        id: Option<String>,
        /// Whether the server will keep the session for resumption.
        resume: bool,
        /// Seconds the server keeps it.
        max: Option<u32>,
    },
    /// Server: resumed; `h` = stanzas it handled from us.
    Resumed {
        /// The old session id.
        previd: String,
        /// Server's inbound count.
        h: u32,
    },
    /// Server: enable or resume failed; `h` may tell what it had handled.
    Failed {
        /// Server's inbound count, when given.
        h: Option<u32>,
        /// The stanza error condition, if any.
        condition: Option<String>,
    },
    /// Ack request.
    R,
    /// Ack with the peer's inbound count.
    A {
        /// Count of handled stanzas.
        h: u32,
    },
}

fn parse_h(el: &Element) -> Result<u32, ParseError> {
    el.attr("h")
        .ok_or(ParseError::MissingAttribute("sm h"))?
        .parse()
        .map_err(|_| ParseError::BadAttribute("sm h"))
}

fn parse_bool(v: Option<&str>) -> bool {
    matches!(v, Some("true") | Some("1"))
}

impl Nonza {
    /// Reads an SM nonza.
    pub fn from_element(el: &Element) -> Result<Nonza, ParseError> {
        if el.ns != ns::SM {
            return Err(ParseError::WrongElement("expected an sm element"));
        }
        Ok(match el.name.as_str() {
            "enabled" => Nonza::Enabled {
                id: el.attr("id").map(str::to_owned),
                resume: parse_bool(el.attr("resume")),
                max: el.attr("max").and_then(|m| m.parse().ok()),
            },
            "resumed" => Nonza::Resumed {
                previd: el
                    .attr("previd")
                    .ok_or(ParseError::MissingAttribute("resumed previd"))?
                    .to_owned(),
                h: parse_h(el)?,
            },
            "failed" => Nonza::Failed {
                h: el.attr("h").and_then(|h| h.parse().ok()),
                condition: el.child_in(ns::STANZA_ERRORS).map(|c| c.name.clone()),
            },
            "r" => Nonza::R,
            "a" => Nonza::A { h: parse_h(el)? },
            _ => return Err(ParseError::WrongElement("unknown sm element")),
        })
    }
}

/// `<enable resume="true"/>`.
pub fn enable() -> Element {
    Element::new("enable", ns::SM).with_attr("resume", "true")
}

/// `<resume previd="…" h="…"/>`.
pub fn resume(previd: &str, h: u32) -> Element {
    Element::new("resume", ns::SM)
        .with_attr("previd", previd)
        .with_attr("h", &h.to_string())
}

/// `<r/>` as a frame.
pub const R_FRAME: &str = "<r xmlns=\"urn:xmpp:sm:3\"/>";

/// `<a h="…"/>`.
pub fn ack(h: u32) -> Element {
    Element::new("a", ns::SM).with_attr("h", &h.to_string())
}

/// What a new transport needs to resume a session; store it as JSON between page loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeState {
    /// Server's resumption id.
    pub id: String,
    /// Stanzas we handled from the server.
    pub h_in: u32,
    /// Our stanzas the server acknowledged.
    pub h_out: u32,
    /// Our stanzas not yet acknowledged, oldest first, as sent.
    pub unacked: Vec<String>,
    /// The full JID of the session (resuming restores it without a bind).
    pub jid: String,
}

impl ResumeState {
    /// The `id`s of the unacknowledged stanzas, oldest first (a reloaded page uses them to
    /// tell which of its outbox messages the resumed session will re-send by itself).
    pub fn unacked_ids(&self) -> Vec<String> {
        self.unacked.iter().filter_map(|f| frame_id(f)).collect()
    }
}

/// An outbound stanza waiting for its ack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unacked {
    /// The frame as sent.
    pub frame: String,
    /// Its `id` attribute, reported when acknowledged.
    pub id: Option<String>,
}

/// The counting engine.
#[derive(Clone, Debug, Default)]
pub struct SmState {
    /// Resumption id, when the server allows resumption.
    pub id: Option<String>,
    /// Inbound stanzas handled.
    pub h_in: u32,
    /// Outbound stanzas acknowledged by the server.
    pub h_out: u32,
    /// Outbound stanzas not yet acknowledged.
    pub queue: VecDeque<Unacked>,
}

impl SmState {
    /// Restores from a saved state.
    pub fn from_resume(s: &ResumeState) -> SmState {
        let queue = s
            .unacked
            .iter()
            .map(|f| Unacked {
                frame: f.clone(),
                id: frame_id(f),
            })
            .collect();
        SmState {
            id: Some(s.id.clone()),
            h_in: s.h_in,
            h_out: s.h_out,
            queue,
        }
    }

    /// Records an outbound stanza.
    pub fn sent(&mut self, frame: &str, id: Option<&str>) {
        self.queue.push_back(Unacked {
            frame: frame.to_owned(),
            id: id.map(str::to_owned),
        });
    }

    /// Records a handled inbound stanza.
    pub fn received(&mut self) {
        self.h_in = self.h_in.wrapping_add(1);
    }

    /// Applies the server's `h`: drops acknowledged stanzas and returns them oldest first.
    /// A count that acknowledges more than we sent is a protocol error (`Err`).
    pub fn acked(&mut self, h: u32) -> Result<Vec<Unacked>, &'static str> {
        let n = h.wrapping_sub(self.h_out);
        if n as usize > self.queue.len() {
            return Err("server acknowledged stanzas that were never sent");
        }
        self.h_out = h;
        Ok(self.queue.drain(..n as usize).collect())
    }

    /// The state to save for resumption (None unless the server allows resumption).
    pub fn resume_state(&self, jid: &str) -> Option<ResumeState> {
        Some(ResumeState {
            id: self.id.clone()?,
            h_in: self.h_in,
            h_out: self.h_out,
            unacked: self.queue.iter().map(|u| u.frame.clone()).collect(),
            jid: jid.to_owned(),
        })
    }
}

/// The `id` attribute of a stanza frame we serialised ourselves.
pub(crate) fn frame_id(frame: &str) -> Option<String> {
    crate::xml::parse(frame, ns::CLIENT)
        .ok()
        .and_then(|e| e.attr("id").map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn test_simple() {
        let e = parse(
            "<enabled xmlns='urn:xmpp:sm:3' id='g2gCbQ' resume='true' max='300'/>",
            "",
        )
        .unwrap();
        assert_eq!(
            Nonza::from_element(&e),
            Ok(Nonza::Enabled {
                id: Some("g2gCbQ".into()),
                resume: true,
                max: Some(300)
            })
        );
        let e = parse("<failed xmlns='urn:xmpp:sm:3' h='3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>", "").unwrap();
        assert_eq!(
            Nonza::from_element(&e),
            Ok(Nonza::Failed {
                h: Some(3),
                condition: Some("item-not-found".into())
            })
        );
        assert_eq!(
            Nonza::from_element(&parse("<a xmlns='urn:xmpp:sm:3' h='7'/>", "").unwrap()),
            Ok(Nonza::A { h: 7 })
        );
        assert_eq!(
            Nonza::from_element(&parse("<r xmlns='urn:xmpp:sm:3'/>", "").unwrap()),
            Ok(Nonza::R)
        );
    }

    #[test]
    fn test_serialise() {
        assert_eq!(
            enable().to_xml(),
            "<enable xmlns=\"urn:xmpp:sm:3\" resume=\"true\"/>"
        );
        assert_eq!(
            resume("x", 4).to_xml(),
            "<resume xmlns=\"urn:xmpp:sm:3\" previd=\"x\" h=\"4\"/>"
        );
        assert_eq!(ack(2).to_xml(), "<a xmlns=\"urn:xmpp:sm:3\" h=\"2\"/>");
    }

    #[test]
    fn test_invalid() {
        assert!(Nonza::from_element(&parse("<a xmlns='urn:xmpp:sm:3'/>", "").unwrap()).is_err());
        assert!(
            Nonza::from_element(&parse("<a xmlns='urn:xmpp:sm:3' h='-1'/>", "").unwrap()).is_err()
        );
        assert!(
            Nonza::from_element(&parse("<resumed xmlns='urn:xmpp:sm:3' h='1'/>", "").unwrap())
                .is_err()
        );
        assert!(Nonza::from_element(&parse("<x xmlns='urn:xmpp:sm:3'/>", "").unwrap()).is_err());
    }

    #[test]
    fn engine_counts_acks_and_wraps() {
        let mut s = SmState {
            h_out: u32::MAX - 1,
            ..SmState::default()
        };
        s.sent("<message xmlns='jabber:client' id='a'/>", Some("a"));
        s.sent("<message xmlns='jabber:client' id='b'/>", Some("b"));
        s.sent("<presence xmlns='jabber:client'/>", None);
        let acked = s.acked(0).unwrap(); // wraps past u32::MAX
        assert_eq!(
            acked.iter().map(|u| u.id.as_deref()).collect::<Vec<_>>(),
            vec![Some("a"), Some("b")]
        );
        assert_eq!(s.queue.len(), 1);
        assert!(s.acked(5).is_err());
        s.id = Some("sid".into());
        let r = s.resume_state("v@d/r").unwrap();
        assert_eq!(
            r.unacked,
            vec!["<presence xmlns='jabber:client'/>".to_string()]
        );
        assert!(r.unacked_ids().is_empty(), "the presence has no id");
        let back = SmState::from_resume(&r);
        assert_eq!((back.h_out, back.queue.len()), (0, 1));
    }
}
