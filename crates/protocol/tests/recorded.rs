//! Table tests over frames recorded verbatim from Debian's ejabberd 23.01 and Prosody 0.12
//! (`WEBCHAT_XMPP_TRACE=1 cargo test --test interop -- --ignored --nocapture`; only the random
//! account names were replaced by `visitor`/`agent`). Every frame must parse into what it is,
//! and the real-server differences `docs/protocol.md` §6 lists must show up as the core expects.

use webchat_protocol::features::Features;
use webchat_protocol::framing::{Close, Open};
use webchat_protocol::sasl;
use webchat_protocol::sm::Nonza;
use webchat_protocol::stanza::{Message, PresenceType, Stanza};
use webchat_protocol::{ns, xml};

const EJABBERD: &str = include_str!("fixtures/ejabberd.frames");
const PROSODY: &str = include_str!("fixtures/prosody.frames");

#[derive(Default, Debug)]
struct Counts {
    open: usize,
    close: usize,
    features: usize,
    sasl: usize,
    sm: usize,
    message: usize,
    presence: usize,
    iq: usize,
}

fn classify(frames: &str) -> Counts {
    let mut c = Counts::default();
    for (i, f) in frames.lines().enumerate() {
        let el = xml::parse(f, ns::CLIENT).unwrap_or_else(|e| panic!("line {}: {e}: {f}", i + 1));
        match (el.ns.as_str(), el.name.as_str()) {
            (ns::FRAMING, "open") => {
                Open::from_element(&el).unwrap();
                c.open += 1
            }
            (ns::FRAMING, "close") => {
                Close::from_element(&el).unwrap();
                c.close += 1
            }
            (ns::STREAMS, "features") => {
                Features::from_element(&el).unwrap();
                c.features += 1
            }
            (ns::SASL, _) => {
                sasl::parse_server(&el).unwrap().unwrap();
                c.sasl += 1
            }
            (ns::SM, _) => {
                Nonza::from_element(&el).unwrap_or_else(|e| panic!("line {}: {e}: {f}", i + 1));
                c.sm += 1
            }
            (ns::CLIENT, _) => {
                match Stanza::parse(el).unwrap_or_else(|e| panic!("line {}: {e}: {f}", i + 1)) {
                    Stanza::Message(_) => c.message += 1,
                    Stanza::Presence(_) => c.presence += 1,
                    Stanza::Iq(_) => c.iq += 1,
                }
            }
            _ => panic!("line {}: unexpected frame {f}", i + 1),
        }
    }
    c
}

#[test]
fn every_recorded_frame_parses() {
    for (name, frames) in [("ejabberd", EJABBERD), ("prosody", PROSODY)] {
        let c = classify(frames);
        assert!(
            c.open > 0
                && c.features > 0
                && c.sasl > 0
                && c.sm > 0
                && c.message > 5
                && c.presence > 2
                && c.iq > 5,
            "{name}: {c:?}"
        );
    }
}

fn messages(frames: &str) -> impl Iterator<Item = Message> + '_ {
    frames
        .lines()
        .filter_map(|f| xml::parse(f, ns::CLIENT).ok())
        .filter(|e| e.is("message", ns::CLIENT))
        .map(|e| Message::from_element(&e).unwrap())
}

#[test]
fn ejabberd_strips_uid_and_reorders_prosody_keeps_them() {
    let ej: Vec<Message> = messages(EJABBERD).collect();
    let pr: Vec<Message> = messages(PROSODY).collect();
    let hello = |ms: &[Message]| {
        ms.iter()
            .find(|m| m.body.as_deref().is_some_and(|b| b.starts_with("Hello")))
            .cloned()
            .unwrap()
    };
    assert_eq!(
        hello(&ej).uid,
        None,
        "ejabberd drops the seed's uid attribute"
    );
    assert_eq!(
        hello(&pr).uid.as_deref(),
        Some("abab238a-67cc"),
        "Prosody keeps it"
    );
    assert!(
        !hello(&ej).stanza_ids.is_empty() && !hello(&pr).stanza_ids.is_empty(),
        "both add a stanza-id"
    );
    // ejabberd moves the body after the internal payload; the transfer still parses.
    for ms in [&ej, &pr] {
        let t = ms.iter().find_map(|m| m.transfer.clone()).unwrap();
        assert_eq!(
            (t.nickname.as_str(), t.firstname.as_str()),
            ("pedro7", "Pedro")
        );
    }
    assert!(EJABBERD.contains("</internal><body>visitor_forward_message</body>"));
}

#[test]
fn prosody_sends_unavailable_before_the_agents_presence() {
    let kinds: Vec<(PresenceType, bool)> = PROSODY
        .lines()
        .filter_map(|f| xml::parse(f, ns::CLIENT).ok())
        .filter(|e| e.is("presence", ns::CLIENT))
        .filter_map(|e| webchat_protocol::stanza::Presence::from_element(&e).ok())
        .filter(|p| {
            p.from
                .as_ref()
                .is_some_and(|f| f.bare() == "agent@internal.webchat.test")
        })
        .filter(|p| {
            p.to.as_ref()
                .is_some_and(|t| t.bare() == "visitor@webchat.test")
        })
        .map(|p| (p.kind, p.from.unwrap().resource().is_some()))
        .collect();
    let unavailable = kinds
        .iter()
        .position(|k| *k == (PresenceType::Unavailable, false))
        .unwrap();
    let available = kinds
        .iter()
        .position(|k| k.0 == PresenceType::Available)
        .unwrap();
    assert!(unavailable < available, "{kinds:?}");
}

#[test]
fn recorded_frames_survive_every_truncation() {
    for f in EJABBERD.lines().chain(PROSODY.lines()) {
        for i in (0..f.len()).filter(|i| f.is_char_boundary(*i)) {
            if let Ok(el) = xml::parse(&f[..i], ns::CLIENT) {
                let _ = Stanza::parse(el);
            }
        }
    }
}
