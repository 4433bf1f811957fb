//! A visitor [`Chat`] and an agent [`Connection`] that have done the presence handshake, pumped
//! together: the agent always on a WebSocket [`Driver`], the visitor on whichever driver a test
//! gives it ([`Driver`] or [`BoshDriver`](super::bosh::BoshDriver)). Test-only; how the
//! visitor's transport is made (URL, BOSH config) stays with the test.

use super::{entropy, env, fresh_name, login, new_account, now, Driver, Pump};
use std::time::Duration;
use webchat_protocol::stanza::{Message, Presence, PresenceType};
use webchat_protocol::{
    Chat, ChatConfig, ChatEvent, ChatState, Config, Connection, Element, Event, Instant, Jid,
};

/// A visitor chat on `V` and an agent connection that have done the presence handshake.
pub struct Pair<V> {
    pub v: V,
    pub a: Driver<Connection>,
    pub visitor: Jid,
    pub agent: Jid,
    pub origin: std::time::Instant,
    /// The WebSocket URL of the server (the agent's transport).
    pub url: String,
    pub domain: String,
    /// How long each wait may take.
    pub timeout: Duration,
}

impl<V: Pump<M = Chat>> Pair<V> {
    /// Registers an agent (available) and a visitor whose chat `connect` puts on its transport,
    /// then does the backend's side of the handshake. Every wait takes up to `timeout`.
    pub async fn connect(
        timeout: Duration,
        connect: impl AsyncFnOnce(Chat, std::time::Instant) -> V,
    ) -> Pair<V> {
        let env = env();
        let origin = std::time::Instant::now();
        let agent_local = fresh_name("agent");
        let acfg = new_account(&agent_local, "agentpw", &env.agent_domain, "console");
        let mut a = login("agent", &env.url, acfg, origin, timeout).await;
        a.m.send_stanza(Presence::default().to_element()).unwrap();
        let agent = Jid::parse(&format!("{agent_local}@{}", env.agent_domain)).unwrap();

        let vlocal = fresh_name("visitor");
        let vcfg = new_account(
            &format!("{vlocal}@{}", env.domain),
            "visitorpw",
            &env.domain,
            "web",
        );
        let chat = Chat::new(
            ChatConfig {
                connection: vcfg,
                agent: agent.clone(),
                agent_nick: "agent3".into(),
            },
            now(origin),
        );
        let v = connect(chat, origin).await;
        let visitor = Jid::parse(&format!("{vlocal}@{}", env.domain)).unwrap();
        let mut p = Pair {
            v,
            a,
            visitor,
            agent,
            origin,
            url: env.url,
            domain: env.domain,
            timeout,
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

    pub fn a_send(&mut self, el: Element) {
        self.a.m.send_stanza(el).unwrap();
    }

    /// An empty chat message from the agent to the visitor, for the test to fill in.
    pub fn agent_message(&self) -> Message {
        Message::chat(self.visitor.clone())
    }

    /// The agent's message reading `text`, with its nick.
    pub fn agent_line(&self, text: &str) -> Message {
        let mut m = self.agent_message();
        m.body = Some(text.into());
        m.nick = Some("agent3".into());
        m
    }

    /// The agent writes `text` (with its nick).
    pub fn agent_says(&mut self, text: &str) {
        let m = self.agent_line(text);
        self.a_send(m.to_element());
    }

    /// The agent starts typing and the visitor is told; the visitor starts typing and the agent
    /// is told.
    pub async fn both_start_typing(&mut self) {
        let mut m = self.agent_message();
        m.chat_state = Some(ChatState::Composing);
        self.a_send(m.to_element());
        self.v_wait(|e| *e == ChatEvent::AgentTyping(true)).await;
        let t = self.t();
        self.v.m().set_chat_state(ChatState::Composing, t);
        self.a_wait(
            |e| matches!(e, Event::Message(m) if m.chat_state == Some(ChatState::Composing)),
        )
        .await;
    }

    /// The conversation the archive tests read back: two agent messages (`agent` makes each from
    /// its text) and one from the visitor, each waited for on the other side. What was said, as
    /// (from the agent, body), oldest first.
    pub async fn converse(
        &mut self,
        agent: impl Fn(&Self, &str) -> Message,
    ) -> [(bool, &'static str); 3] {
        for text in ["first from agent", "second from agent"] {
            let m = agent(self, text);
            self.a_send(m.to_element());
            self.v_wait(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == text))
                .await;
        }
        let t = self.t();
        self.v.m().send_message("from visitor", t).unwrap();
        self.a_wait(
            |e| matches!(e, Event::Message(m) if m.body.as_deref() == Some("from visitor")),
        )
        .await;
        [
            (true, "first from agent"),
            (true, "second from agent"),
            (false, "from visitor"),
        ]
    }

    /// One round of both drivers.
    async fn step_both(&mut self) {
        self.v.step(Duration::from_millis(20)).await;
        self.a.step(Duration::from_millis(20)).await;
    }

    /// Pumps both until the visitor reports a matching event.
    pub async fn v_wait(&mut self, mut f: impl FnMut(&ChatEvent) -> bool) -> ChatEvent {
        let end = std::time::Instant::now() + self.timeout;
        loop {
            if let Some(i) = self.v.events().iter().position(&mut f) {
                return self.v.events().remove(i).unwrap();
            }
            assert!(
                std::time::Instant::now() < end,
                "visitor: timed out; {}",
                self.v.report()
            );
            self.step_both().await;
        }
    }

    /// Pumps both until the agent reports a matching event.
    pub async fn a_wait(&mut self, mut f: impl FnMut(&Event) -> bool) -> Event {
        let end = std::time::Instant::now() + self.timeout;
        loop {
            if let Some(i) = self.a.events.iter().position(&mut f) {
                return self.a.events.remove(i).unwrap();
            }
            assert!(
                std::time::Instant::now() < end,
                "agent: timed out; {}",
                self.a.report()
            );
            self.step_both().await;
        }
    }

    /// Pumps both for `d`, keeping events.
    pub async fn both_for(&mut self, d: Duration) {
        let end = std::time::Instant::now() + d;
        while std::time::Instant::now() < end {
            self.step_both().await;
        }
    }

    pub fn t(&self) -> Instant {
        now(self.origin)
    }

    /// The visitor's account again (logging in, not registering), as `resource`.
    pub fn visitor_again(&self, resource: &str) -> Config {
        let vlocal = self.visitor.local().unwrap().to_owned();
        Config::new(&vlocal, "visitorpw", &self.domain, resource, entropy())
    }

    /// A second chat of the same visitor with the same agent, as `resource` (a page reload
    /// without resumption); the test puts it on a transport.
    pub fn another_chat(&self, resource: &str) -> Chat {
        Chat::new(
            ChatConfig {
                connection: self.visitor_again(resource),
                agent: self.agent.clone(),
                agent_nick: "agent3".into(),
            },
            self.t(),
        )
    }

    /// How many times the visitor was shown an agent message reading `text` (and not yet taken).
    pub fn shown(&mut self, text: &str) -> usize {
        self.v
            .events()
            .iter()
            .filter(|e| matches!(e, ChatEvent::AgentMessage { body, .. } if body == text))
            .count()
    }
}

/// Waits until `v` is connected, asks the archive for the conversation so far and asserts that
/// each of `want` (from the agent, body) is in it; returns it all, oldest first.
pub async fn history_has<V: Pump<M = Chat>>(
    v: &mut V,
    timeout: Duration,
    want: &[(bool, &str)],
) -> Vec<(bool, String)> {
    v.wait_for(timeout, |e| matches!(e, ChatEvent::Connected { .. }))
        .await;
    let t = v.now();
    assert!(v.m().fetch_history(50, t));
    let ev = v
        .wait_for(timeout, |e| matches!(e, ChatEvent::History { .. }))
        .await;
    let ChatEvent::History { messages, .. } = ev else {
        unreachable!()
    };
    let bodies: Vec<(bool, String)> = messages
        .iter()
        .map(|m| (m.from_agent, m.body.clone()))
        .collect();
    for want in want {
        assert!(
            bodies.iter().any(|(a, b)| (*a, b.as_str()) == *want),
            "{want:?} missing from {bodies:?}"
        );
    }
    bodies
}
