//! Interop: this core against a real ejabberd or Prosody, or devserver's embedded server
//! (`cargo xtask test` starts the server and sets WEBCHAT_XMPP_SERVER / WEBCHAT_XMPP_WS_URL /
//! WEBCHAT_XMPP_DOMAIN / WEBCHAT_XMPP_AGENT_DOMAIN; for `embedded` the URL is a devserver's
//! `/xmpp-websocket`). Every test makes fresh accounts by in-band registration (XEP-0077, which
//! the embedded server offers on both domains too). The agent is a plain [`Connection`] on the
//! agent domain that sends the seed's stanzas.

mod support;

use std::time::Duration;
use support::{entropy, env, fresh_name, Driver, SansIo};
use webchat_protocol::stanza::{Message, Presence, PresenceType};
use webchat_protocol::{
    Chat, ChatConfig, ChatEvent, ChatState, CloseReason, Config, Connection, Event, Instant, Jid,
    Mechanism,
};

const T: Duration = Duration::from_secs(15);

fn now(origin: std::time::Instant) -> Instant {
    Instant::from_millis(origin.elapsed().as_millis() as u64)
}

async fn login(
    name: &'static str,
    url: &str,
    cfg: Config,
    origin: std::time::Instant,
) -> Driver<Connection> {
    let c = Connection::new(cfg, now(origin));
    let mut d = Driver::connect(name, url, c, origin).await;
    d.wait_for(T, |e| matches!(e, Event::Ready { .. })).await;
    d
}

/// Registers and logs in with exactly `mech`, then closes cleanly.
async fn register_and_login(mech: Mechanism) {
    let env = env();
    let origin = std::time::Instant::now();
    let user = fresh_name("v");
    // The user arrives as local@domain, like credentials.user; SASL must use the local part.
    let mut cfg = Config::new(
        &format!("{user}@{}", env.domain),
        "s3cret,=pw",
        &env.domain,
        "web",
        entropy(),
    );
    cfg.register = true;
    cfg.mechanisms = vec![mech];
    let c = Connection::new(cfg, now(origin));
    let mut d = Driver::connect("visitor", &env.url, c, origin).await;
    d.wait_for(T, |e| *e == Event::Registered).await;
    d.wait_for(T, |e| *e == Event::Authenticated(mech)).await;
    let Event::Ready { jid, resumed } = d.wait_for(T, |e| matches!(e, Event::Ready { .. })).await
    else {
        unreachable!()
    };
    assert!(!resumed);
    assert_eq!(jid.bare(), format!("{user}@{}", env.domain));
    assert_eq!(jid.resource(), Some("web"));
    let t = d.now();
    d.m.close(t);
    d.wait_for(T, |e| *e == Event::Closed(CloseReason::Requested))
        .await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_register_and_login_scram_sha1() {
    register_and_login(Mechanism::ScramSha1).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_register_and_login_plain() {
    register_and_login(Mechanism::Plain).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_wrong_password_is_auth_failed() {
    let env = env();
    let origin = std::time::Instant::now();
    let user = fresh_name("v");
    let mut cfg = Config::new(&user, "right", &env.domain, "web", entropy());
    cfg.register = true;
    let mut d = login("visitor", &env.url, cfg, origin).await;
    let t = d.now();
    d.m.close(t);
    d.wait_for(T, |e| matches!(e, Event::Closed(_))).await;
    let c = Connection::new(
        Config::new(&user, "wrong", &env.domain, "web", entropy()),
        now(origin),
    );
    let mut d = Driver::connect("visitor", &env.url, c, origin).await;
    let ev = d.wait_for(T, |e| matches!(e, Event::Closed(_))).await;
    assert!(
        matches!(ev, Event::Closed(CloseReason::AuthFailed { .. })),
        "{ev:?}"
    );
}

/// A visitor chat and an agent connection that have done the presence handshake.
struct Pair {
    v: Driver<Chat>,
    a: Driver<Connection>,
    visitor: Jid,
    agent: Jid,
    origin: std::time::Instant,
    url: String,
    domain: String,
}

impl Pair {
    async fn new() -> Pair {
        let env = env();
        let origin = std::time::Instant::now();
        let agent_local = fresh_name("agent");
        let mut acfg = Config::new(
            &agent_local,
            "agentpw",
            &env.agent_domain,
            "console",
            entropy(),
        );
        acfg.register = true;
        let mut a = login("agent", &env.url, acfg, origin).await;
        a.m.send_stanza(Presence::default().to_element()).unwrap();
        let agent = Jid::parse(&format!("{agent_local}@{}", env.agent_domain)).unwrap();

        let vlocal = fresh_name("visitor");
        let mut vcfg = Config::new(
            &format!("{vlocal}@{}", env.domain),
            "visitorpw",
            &env.domain,
            "web",
            entropy(),
        );
        vcfg.register = true;
        let chat = Chat::new(
            ChatConfig {
                connection: vcfg,
                agent: agent.clone(),
                agent_nick: "agent3".into(),
            },
            now(origin),
        );
        let v = Driver::connect("visitor", &env.url, chat, origin).await;
        let visitor = Jid::parse(&format!("{vlocal}@{}", env.domain)).unwrap();
        let mut p = Pair {
            v,
            a,
            visitor,
            agent,
            origin,
            url: env.url,
            domain: env.domain,
        };
        p.v_wait(|e| matches!(e, ChatEvent::Connected { resumed: false, .. }))
            .await;
        // The backend's side of the handshake: approve the visitor and subscribe back.
        let vis = p.visitor.clone();
        p.a_wait(|e| matches!(e, Event::Presence(pr) if pr.kind == PresenceType::Subscribe && pr.from.as_ref().is_some_and(|f| f.bare_eq(&vis))))
            .await;
        p.a_send(Presence::new(PresenceType::Subscribed, Some(p.visitor.clone())).to_element());
        p.a_send(Presence::new(PresenceType::Subscribe, Some(p.visitor.clone())).to_element());
        // The visitor answers our subscribe with `subscribed` and an `active` chat state.
        p.a_wait(|e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Active) && m.body.is_none()))
            .await;
        p
    }

    fn a_send(&mut self, el: webchat_protocol::Element) {
        self.a.m.send_stanza(el).unwrap();
    }

    fn agent_message(&self) -> Message {
        Message::chat(self.visitor.clone())
    }

    /// Pumps both until the visitor reports a matching event.
    async fn v_wait(&mut self, mut f: impl FnMut(&ChatEvent) -> bool) -> ChatEvent {
        let end = std::time::Instant::now() + T;
        loop {
            if let Some(i) = self.v.events.iter().position(&mut f) {
                return self.v.events.remove(i).unwrap();
            }
            assert!(
                std::time::Instant::now() < end,
                "visitor: timed out; events {:?}\nframes {:#?}",
                self.v.events,
                &self.v.received[self.v.received.len().saturating_sub(8)..]
            );
            self.v.step(Duration::from_millis(20)).await;
            self.a.step(Duration::from_millis(20)).await;
        }
    }

    /// Pumps both until the agent reports a matching event.
    async fn a_wait(&mut self, mut f: impl FnMut(&Event) -> bool) -> Event {
        let end = std::time::Instant::now() + T;
        loop {
            if let Some(i) = self.a.events.iter().position(&mut f) {
                return self.a.events.remove(i).unwrap();
            }
            assert!(
                std::time::Instant::now() < end,
                "agent: timed out; events {:?}\nframes {:#?}",
                self.a.events,
                &self.a.received[self.a.received.len().saturating_sub(8)..]
            );
            self.v.step(Duration::from_millis(20)).await;
            self.a.step(Duration::from_millis(20)).await;
        }
    }

    fn t(&self) -> Instant {
        now(self.origin)
    }
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_visitor_chat_with_agent() {
    let mut p = Pair::new().await;
    // Agent → visitor, seed shape (ejabberd strips uid/agent_id; Prosody keeps them).
    let mut m = p.agent_message();
    m.uid = Some("abab238a-67cc".into());
    m.body = Some("Hello, how can I help? <b>not html</b>".into());
    m.nick = Some("agent3".into());
    m.chat_state = Some(ChatState::Active);
    p.a_send(m.to_element());
    let ev = p
        .v_wait(|e| matches!(e, ChatEvent::AgentMessage { .. }))
        .await;
    let ChatEvent::AgentMessage {
        id,
        nick,
        body,
        stamp,
    } = ev
    else {
        unreachable!()
    };
    assert_eq!(
        (nick.as_str(), body.as_str()),
        ("agent3", "Hello, how can I help? <b>not html</b>")
    );
    assert_eq!(stamp, None, "delivered as sent: no delay stamp");
    assert!(!id.is_empty());

    // Visitor → agent, acknowledged by the server.
    let t = p.t();
    let local = p.v.m.send_message("I need help & more", t).unwrap();
    let ev = p
        .a_wait(|e| matches!(e, Event::Message(m) if m.body.is_some()))
        .await;
    let Event::Message(got) = ev else {
        unreachable!()
    };
    assert_eq!(got.body.as_deref(), Some("I need help & more"));
    assert!(got.from.as_ref().unwrap().bare_eq(&p.visitor));
    p.v_wait(|e| *e == ChatEvent::Delivered(local.clone()))
        .await;

    // Typing both ways.
    let mut m = p.agent_message();
    m.chat_state = Some(ChatState::Composing);
    p.a_send(m.to_element());
    p.v_wait(|e| *e == ChatEvent::AgentTyping(true)).await;
    let t = p.t();
    p.v.m.set_chat_state(ChatState::Composing, t);
    p.a_wait(|e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Composing)))
        .await;
    let mut m = p.agent_message();
    m.chat_state = Some(ChatState::Paused);
    p.a_send(m.to_element());
    p.v_wait(|e| *e == ChatEvent::AgentTyping(false)).await;

    // Transfer (seed stanza): typed event, raw body never surfaced.
    let mut m = p.agent_message();
    m.body = Some("visitor_forward_message".into());
    m.nick = Some("agent3".into());
    m.transfer = Some(webchat_protocol::forward::Transfer {
        nickname: "pedro7".into(),
        firstname: "Pedro".into(),
    });
    p.a_send(m.to_element());
    p.v_wait(|e| {
        *e == ChatEvent::Transferred {
            nickname: "pedro7".into(),
            firstname: "Pedro".into(),
        }
    })
    .await;
    let mut m = p.agent_message();
    m.body = Some("Pedro here".into());
    p.a_send(m.to_element());
    let ev = p
        .v_wait(|e| matches!(e, ChatEvent::AgentMessage { .. }))
        .await;
    assert!(
        matches!(ev, ChatEvent::AgentMessage { ref nick, ref body, .. } if nick == "pedro7" && body == "Pedro here"),
        "{ev:?}"
    );

    // Co-browsing request and consent.
    let mut m = p.agent_message();
    m.cobrowsing = Some(webchat_protocol::cobrowsing::Cobrowsing::Request);
    p.a_send(m.to_element());
    p.v_wait(|e| *e == ChatEvent::CobrowsingRequested).await;
    let t = p.t();
    p.v.m.answer_cobrowsing(true, t).unwrap();
    p.a_wait(|e| matches!(e, Event::Message(m) if m.cobrowsing == Some(webchat_protocol::cobrowsing::Cobrowsing::Accepted)))
        .await;

    // Agent offline and back.
    p.a_send(Presence::new(PresenceType::Unavailable, None).to_element());
    p.v_wait(|e| *e == ChatEvent::AgentUnavailable).await;
    let back = Presence {
        status: Some("available".into()),
        ..Presence::default()
    };
    p.a_send(back.to_element());
    p.v_wait(|e| *e == ChatEvent::AgentAvailable).await;

    // The agent closes: the visitor answers `closed` and disconnects.
    let mut m = p.agent_message();
    m.chat_state = Some(ChatState::Closed);
    m.nick = Some("agent3".into());
    p.a_send(m.to_element());
    p.v_wait(|e| *e == ChatEvent::AgentClosed).await;
    p.a_wait(|e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Closed)))
        .await;
    p.v_wait(|e| *e == ChatEvent::Closed).await;
    assert!(!p.v.events.iter().any(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body.contains("visitor_forward_message"))));
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_agent_blocks_visitor() {
    let mut p = Pair::new().await;
    let mut m = p.agent_message();
    m.chat_state = Some(ChatState::Blocked);
    m.nick = Some("agent1".into());
    p.a_send(m.to_element());
    p.v_wait(|e| *e == ChatEvent::Blocked).await;
    p.a_wait(|e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Closed)))
        .await;
    p.v_wait(|e| *e == ChatEvent::Closed).await;
    let t = p.t();
    assert!(p.v.m.send_message("after block", t).is_err());
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_visitor_closes() {
    let mut p = Pair::new().await;
    let t = p.t();
    p.v.m.close(t);
    p.a_wait(|e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Closed)))
        .await;
    p.v_wait(|e| *e == ChatEvent::Closed).await;
}

/// Idle past two server ping intervals (10 s each): pings are answered and we stay connected.
#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_server_pings_are_answered() {
    let env = env();
    let origin = std::time::Instant::now();
    let user = fresh_name("v");
    let mut cfg = Config::new(&user, "pw", &env.domain, "web", entropy());
    cfg.register = true;
    // Our own keepalive must not be what keeps the connection alive here.
    cfg.keepalive = Duration::from_secs(300);
    let mut d = login("visitor", &env.url, cfg, origin).await;
    d.run_for(Duration::from_secs(26)).await;
    let pings = d
        .received
        .iter()
        .filter(|f| f.contains("urn:xmpp:ping"))
        .count();
    assert!(
        pings >= 2,
        "expected at least 2 server pings in 26 s, got {pings}: {:#?}",
        d.received
    );
    assert!(
        !d.events.iter().any(|e| matches!(e, Event::Closed(_))),
        "{:?}",
        d.events
    );
    assert!(d.m.is_ready());
    // Still usable: an iq round trip works.
    let to = Jid::parse(&env.domain).ok();
    let id =
        d.m.send_iq(
            webchat_protocol::stanza::IqType::Get,
            to,
            webchat_protocol::ping::Ping.to_element(),
        )
        .unwrap();
    d.wait_for(T, |e| matches!(e, Event::IqResponse(iq) if iq.id == id))
        .await;
}

/// A dropped socket, messages both ways while away, then XEP-0198 resumption: nothing lost.
#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_stream_resumption_loses_nothing() {
    let mut p = Pair::new().await;
    let mut m = p.agent_message();
    m.body = Some("before the drop".into());
    p.a_send(m.to_element());
    p.v_wait(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "before the drop"))
        .await;
    // Let acks settle so the resume state is current, then drop the socket without a close.
    for _ in 0..10 {
        p.v.step(Duration::from_millis(20)).await;
    }
    p.v.drop_transport();
    p.v_wait(|e| matches!(e, ChatEvent::Disconnected(CloseReason::TransportClosed)))
        .await;
    let saved = p.v.m.resume_state().expect("server allowed resumption");
    // Both sides talk while the visitor is away.
    let t = p.t();
    let away_id = p.v.m.send_message("written while offline", t).unwrap();
    let mut m = p.agent_message();
    m.body = Some("sent while you were away".into());
    p.a_send(m.to_element());
    p.a.run_for(Duration::from_millis(500)).await;

    let vlocal = p.visitor.local().unwrap().to_owned();
    let cfg = Config::new(&vlocal, "visitorpw", &p.domain, "web", entropy());
    let t = p.t();
    p.v.m.reconnect(cfg, t).unwrap();
    let url = p.url.clone();
    p.v.new_transport(&url).await;
    p.v_wait(|e| matches!(e, ChatEvent::Connected { resumed: true, .. }))
        .await;
    p.v_wait(
        |e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "sent while you were away"),
    )
    .await;
    p.a_wait(
        |e| matches!(e, Event::Message(m) if m.body.as_deref() == Some("written while offline")),
    )
    .await;
    p.v_wait(|e| *e == ChatEvent::Delivered(away_id.clone()))
        .await;
    assert!(saved.h_in > 0);
    // Nothing was shown twice.
    assert!(!p
        .v
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == "before the drop")));
}

/// The archive (XEP-0313) gives a new session the conversation so far.
#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_history_from_archive() {
    let mut p = Pair::new().await;
    for text in ["first from agent", "second from agent"] {
        let mut m = p.agent_message();
        m.body = Some(text.into());
        p.a_send(m.to_element());
        p.v_wait(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == text))
            .await;
    }
    let t = p.t();
    p.v.m.send_message("from visitor", t).unwrap();
    p.a_wait(|e| matches!(e, Event::Message(m) if m.body.as_deref() == Some("from visitor")))
        .await;
    // Same visitor, a second chat (as after a page reload without resumption).
    let vlocal = p.visitor.local().unwrap().to_owned();
    let cfg = Config::new(&vlocal, "visitorpw", &p.domain, "web2", entropy());
    let chat = Chat::new(
        ChatConfig {
            connection: cfg,
            agent: p.agent.clone(),
            agent_nick: "agent3".into(),
        },
        p.t(),
    );
    let mut v2 = Driver::connect("visitor2", &p.url, chat, p.origin).await;
    v2.wait_for(T, |e| matches!(e, ChatEvent::Connected { .. }))
        .await;
    let t = v2.now();
    assert!(v2.m.fetch_history(50, t));
    let ev = v2
        .wait_for(T, |e| matches!(e, ChatEvent::History { .. }))
        .await;
    let ChatEvent::History { messages, .. } = ev else {
        unreachable!()
    };
    let bodies: Vec<(bool, &str)> = messages
        .iter()
        .map(|m| (m.from_agent, m.body.as_str()))
        .collect();
    for want in [
        (true, "first from agent"),
        (true, "second from agent"),
        (false, "from visitor"),
    ] {
        assert!(bodies.contains(&want), "{want:?} missing from {bodies:?}");
    }
    let pos = |b: &str| bodies.iter().position(|x| x.1 == b).unwrap();
    assert!(
        pos("first from agent") < pos("second from agent"),
        "oldest first: {bodies:?}"
    );
}

// Keep the trait import used even when only some tests are compiled.
#[allow(dead_code)]
fn _uses_trait<M: SansIo>(_: &M) {}

/// The agent's client goes away cleanly and the visitor writes meanwhile. Neither server here
/// bounces the message (both would without an archive or offline storage: the chat then holds
/// it for the agent, see the session tests): with MAM on, each keeps it in the agent's archive,
/// where the agent finds it after logging in again. The visitor's side counts it delivered.
#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_a_message_to_an_absent_agent_is_kept_in_its_archive() {
    let mut p = Pair::new().await;
    let t = p.t();
    p.a.m.close(t);
    p.a.run_for(Duration::from_millis(300)).await;
    p.v_wait(|e| *e == ChatEvent::AgentUnavailable).await;

    let t = p.t();
    let id =
        p.v.m
            .send_message("written while you were gone", t)
            .unwrap();
    p.v.wait_for(T, |e| *e == ChatEvent::Delivered(id.clone()))
        .await;

    let env = env();
    let local = p
        .agent
        .local()
        .expect("the agent has a local part")
        .to_owned();
    let cfg = Config::new(&local, "agentpw", &env.agent_domain, "console", entropy());
    p.a = login("agent", &env.url, cfg, p.origin).await;
    let query = webchat_protocol::mam::Query {
        queryid: "absent".into(),
        with: Some(p.visitor.to_bare()),
        max: 10,
        before: Some(String::new()),
        after: None,
    };
    p.a.m
        .send_iq(
            webchat_protocol::stanza::IqType::Set,
            None,
            query.to_element(),
        )
        .unwrap();
    p.a.wait_for(T, |e| {
        matches!(e, Event::Message(m) if m.archived.as_ref().is_some_and(|a| a.message.body.as_deref() == Some("written while you were gone")))
    })
    .await;
    p.v.run_for(Duration::from_millis(300)).await;
    assert!(
        !p.v.events
            .iter()
            .any(|e| matches!(e, ChatEvent::AwaitingAgent(_))),
        "no bounce: {:?}",
        p.v.events
    );
}
