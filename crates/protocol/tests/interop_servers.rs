//! Interop against the servers `cargo xtask test` starts (ejabberd 23.01, Prosody 0.12, and
//! devserver's embedded server): proves their configs do what every later test relies on. Raw XML strings over
//! tokio-tungstenite, on purpose independent of the protocol core (its own suite is `interop.rs`):
//! RFC 7395 framing with subprotocol `xmpp`, SASL mechanisms offered, open in-band registration
//! (XEP-0077) on both virtual hosts, SASL PLAIN success and failure, and a message routed from
//! the visitors' domain to the agents' domain.
//!
//! Every test is `#[ignore]`d: xtask runs them with `--ignored interop_` and the env vars
//! WEBCHAT_XMPP_SERVER, WEBCHAT_XMPP_WS_URL, WEBCHAT_XMPP_DOMAIN, WEBCHAT_XMPP_AGENT_DOMAIN.
//! Without those they fail loudly instead of passing.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for any one server reply; replies on loopback take milliseconds.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// The server under test, from the `WEBCHAT_XMPP_*` variables xtask sets (README, "Test servers").
struct Target {
    server: String,
    ws_url: String,
    domain: String,
    agent_domain: String,
}

fn target() -> Target {
    let vars = [
        "WEBCHAT_XMPP_SERVER",
        "WEBCHAT_XMPP_WS_URL",
        "WEBCHAT_XMPP_DOMAIN",
        "WEBCHAT_XMPP_AGENT_DOMAIN",
    ];
    let values: Vec<Option<String>> = vars.iter().map(|v| std::env::var(v).ok()).collect();
    let missing: Vec<&str> = vars
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.as_deref().is_none_or(str::is_empty))
        .map(|(name, _)| *name)
        .collect();
    assert!(
        missing.is_empty(),
        "missing env vars {missing:?}: these tests need a real XMPP server; run `cargo xtask test` \
         (or `cargo xtask servers` and export the variables it prints)"
    );
    let mut values = values.into_iter().flatten();
    let mut next = || values.next().unwrap_or_default();
    Target {
        server: next(),
        ws_url: next(),
        domain: next(),
        agent_domain: next(),
    }
}

/// A username no earlier run has used: the servers keep accounts for the whole test run.
fn fresh_username(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{prefix}-{:016x}", h.finish())
}

/// Standard base64 with padding (RFC 4648), enough for SASL PLAIN.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// XML-escape text for element content and attribute values.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Open an RFC 7395 WebSocket with subprotocol `xmpp`; assert the server selected it.
async fn connect(t: &Target) -> Ws {
    let mut request = t
        .ws_url
        .as_str()
        .into_client_request()
        .unwrap_or_else(|e| panic!("WEBCHAT_XMPP_WS_URL {:?} is not a URL: {e}", t.ws_url));
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("xmpp"));
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| panic!("{}: WebSocket to {} failed: {e}", t.server, t.ws_url));
    let protocol = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(
        protocol.trim(),
        "xmpp",
        "{}: subprotocol not selected",
        t.server
    );
    ws
}

async fn send(ws: &mut Ws, xml: &str) {
    ws.send(Message::text(xml.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("send {xml}: {e}"));
}

/// Next text frame (RFC 7395: one complete element per frame).
async fn recv(ws: &mut Ws, waiting_for: &str) -> String {
    recv_within(ws, waiting_for, REPLY_TIMEOUT).await
}

async fn recv_within(ws: &mut Ws, waiting_for: &str, limit: Duration) -> String {
    loop {
        let frame = tokio::time::timeout(limit, ws.next())
            .await
            .unwrap_or_else(|_| {
                panic!("no frame within {limit:?} while waiting for {waiting_for}")
            });
        match frame {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("while waiting for {waiting_for}: unexpected {other:?}"),
        }
    }
}

/// Read frames until one satisfies `pred`; answer server pings and roster pushes on the way so
/// the server keeps us (real clients must do the same).
async fn recv_until(ws: &mut Ws, waiting_for: &str, pred: impl Fn(&str) -> bool) -> String {
    for _ in 0..50 {
        let frame = recv(ws, waiting_for).await;
        if pred(&frame) {
            return frame;
        }
        let kind = attr(&frame, "type");
        if frame.starts_with("<iq") && matches!(kind.as_deref(), Some("get" | "set")) {
            if let Some(id) = attr(&frame, "id") {
                let to = attr(&frame, "from")
                    .map(|from| format!(" to=\"{}\"", escape(&from)))
                    .unwrap_or_default();
                send(
                    ws,
                    &format!(
                        "<iq xmlns=\"jabber:client\" type=\"result\" id=\"{}\"{to}/>",
                        escape(&id)
                    ),
                )
                .await;
            }
        }
    }
    panic!("50 frames and none was {waiting_for}");
}

/// Value of attribute `name` in the first tag of `xml` (either quote style).
fn attr(xml: &str, name: &str) -> Option<String> {
    let tag_end = xml.find('>')?;
    let tag = &xml[..tag_end];
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(start) = tag.find(&key) {
            let rest = &tag[start + key.len()..];
            return rest.find(quote).map(|end| rest[..end].to_owned());
        }
    }
    None
}

/// Texts of every `<mechanism>` element.
fn mechanisms(features: &str) -> Vec<String> {
    features
        .split("<mechanism>")
        .skip(1)
        .filter_map(|s| {
            s.split_once("</mechanism>")
                .map(|(m, _)| m.trim().to_owned())
        })
        .collect()
}

/// Send `<open/>` for `domain`; return the `<stream:features>` frame.
async fn open_stream(ws: &mut Ws, domain: &str) -> String {
    send(
        ws,
        &format!(
            "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"{}\" version=\"1.0\"/>",
            escape(domain)
        ),
    )
    .await;
    let open = recv(ws, "<open/>").await;
    assert!(
        open.starts_with("<open") && open.contains("urn:ietf:params:xml:ns:xmpp-framing"),
        "expected an RFC 7395 <open/>, got {open}"
    );
    assert_eq!(
        attr(&open, "from").as_deref(),
        Some(domain),
        "open from: {open}"
    );
    let features = recv(ws, "<stream:features>").await;
    assert!(
        features.contains("features"),
        "expected stream features, got {features}"
    );
    features
}

/// Register `user`/`password` in-band (XEP-0077) on `domain`; panics unless the server says yes.
async fn register(t: &Target, domain: &str, user: &str, password: &str) {
    let mut ws = connect(t).await;
    let features = open_stream(&mut ws, domain).await;
    assert!(
        features.contains("http://jabber.org/features/iq-register"),
        "{}: {domain} does not advertise in-band registration: {features}",
        t.server
    );
    send(
        &mut ws,
        &format!(
            "<iq xmlns=\"jabber:client\" type=\"set\" id=\"reg1\"><query xmlns=\"jabber:iq:register\">\
             <username>{}</username><password>{}</password></query></iq>",
            escape(user),
            escape(password)
        ),
    )
    .await;
    let reply = recv_until(&mut ws, "the registration result", |f| {
        attr(f, "id").as_deref() == Some("reg1")
    })
    .await;
    assert_eq!(
        attr(&reply, "type").as_deref(),
        Some("result"),
        "{}: registering {user}@{domain} failed: {reply}",
        t.server
    );
    close(&mut ws).await;
}

/// SASL PLAIN with the local part as authcid; returns the server's verdict frame and the socket.
async fn auth_plain(t: &Target, domain: &str, user: &str, password: &str) -> (String, Ws) {
    let mut ws = connect(t).await;
    let features = open_stream(&mut ws, domain).await;
    assert!(
        mechanisms(&features).iter().any(|m| m == "PLAIN"),
        "no PLAIN: {features}"
    );
    let token = base64(format!("\0{user}\0{password}").as_bytes());
    send(
        &mut ws,
        &format!(
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">{token}</auth>"
        ),
    )
    .await;
    let verdict = recv_until(&mut ws, "<success/> or <failure/>", |f| {
        f.starts_with("<success") || f.starts_with("<failure")
    })
    .await;
    (verdict, ws)
}

/// After `<success/>`: restart the stream and bind a resource; returns the full JID.
async fn bind(ws: &mut Ws, domain: &str, resource: &str) -> String {
    let features = open_stream(ws, domain).await;
    assert!(
        features.contains("urn:ietf:params:xml:ns:xmpp-bind"),
        "no bind: {features}"
    );
    send(
        ws,
        &format!(
            "<iq xmlns=\"jabber:client\" type=\"set\" id=\"bind1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\">\
             <resource>{}</resource></bind></iq>",
            escape(resource)
        ),
    )
    .await;
    let reply = recv_until(ws, "the bind result", |f| {
        attr(f, "id").as_deref() == Some("bind1")
    })
    .await;
    assert_eq!(
        attr(&reply, "type").as_deref(),
        Some("result"),
        "bind failed: {reply}"
    );
    let jid = reply
        .split_once("<jid>")
        .and_then(|(_, r)| r.split_once("</jid>"))
        .map(|(j, _)| j.to_owned())
        .unwrap_or_else(|| panic!("bind result without <jid>: {reply}"));
    // Session establishment is optional in RFC 6120 but old servers still list it.
    if features.contains("urn:ietf:params:xml:ns:xmpp-session") && !features.contains("<optional") {
        send(
            ws,
            "<iq xmlns=\"jabber:client\" type=\"set\" id=\"sess1\"><session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/></iq>",
        )
        .await;
        recv_until(ws, "the session result", |f| {
            attr(f, "id").as_deref() == Some("sess1")
        })
        .await;
    }
    jid
}

async fn close(ws: &mut Ws) {
    // Best effort: the assertions are done; a server that already hung up is fine.
    let _ = ws
        .send(Message::text(
            "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>".to_owned(),
        ))
        .await;
    let _ = ws.close(None).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_stream_features_offer_scram_plain_and_registration_on_both_domains() {
    let t = target();
    for domain in [t.domain.clone(), t.agent_domain.clone()] {
        let mut ws = connect(&t).await;
        let features = open_stream(&mut ws, &domain).await;
        let mechs = mechanisms(&features);
        for wanted in ["SCRAM-SHA-1", "PLAIN"] {
            assert!(
                mechs.iter().any(|m| m == wanted),
                "{} on {domain}: {wanted} not offered, got {mechs:?}",
                t.server
            );
        }
        assert!(
            features.contains("http://jabber.org/features/iq-register"),
            "{} on {domain}: no in-band registration feature: {features}",
            t.server
        );
        close(&mut ws).await;
    }
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_fresh_account_authenticates_with_plain_on_both_domains() {
    let t = target();
    for domain in [t.domain.clone(), t.agent_domain.clone()] {
        let user = fresh_username("visitor");
        let password = "s3cret pässword";
        register(&t, &domain, &user, password).await;
        let (verdict, mut ws) = auth_plain(&t, &domain, &user, password).await;
        assert!(
            verdict.starts_with("<success"),
            "{}: PLAIN login of fresh {user}@{domain} failed: {verdict}",
            t.server
        );
        let jid = bind(&mut ws, &domain, "interop").await;
        assert_eq!(
            jid,
            format!("{user}@{domain}/interop"),
            "{}: bound JID",
            t.server
        );
        close(&mut ws).await;
    }
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_wrong_password_is_rejected_with_failure() {
    let t = target();
    let user = fresh_username("visitor");
    register(&t, &t.domain, &user, "right-password").await;
    let (verdict, mut ws) = auth_plain(&t, &t.domain, &user, "wrong-password").await;
    assert!(
        verdict.starts_with("<failure") && verdict.contains("not-authorized"),
        "{}: wrong password must give <failure><not-authorized/>, got {verdict}",
        t.server
    );
    close(&mut ws).await;
    // The failure must not lock the account or the IP (mod_fail2ban is off): right password works.
    let (verdict, mut ws) = auth_plain(&t, &t.domain, &user, "right-password").await;
    assert!(verdict.starts_with("<success"), "{}: {verdict}", t.server);
    close(&mut ws).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_message_routes_from_visitor_domain_to_agent_domain() {
    let t = target();
    let (visitor, agent) = (fresh_username("visitor"), fresh_username("agent"));
    register(&t, &t.domain, &visitor, "pw-visitor").await;
    register(&t, &t.agent_domain, &agent, "pw-agent").await;

    let (verdict, mut agent_ws) = auth_plain(&t, &t.agent_domain, &agent, "pw-agent").await;
    assert!(verdict.starts_with("<success"), "agent login: {verdict}");
    bind(&mut agent_ws, &t.agent_domain, "console").await;
    send(&mut agent_ws, "<presence xmlns=\"jabber:client\"/>").await;

    let (verdict, mut visitor_ws) = auth_plain(&t, &t.domain, &visitor, "pw-visitor").await;
    assert!(verdict.starts_with("<success"), "visitor login: {verdict}");
    bind(&mut visitor_ws, &t.domain, "widget").await;
    send(&mut visitor_ws, "<presence xmlns=\"jabber:client\"/>").await;

    let agent_jid = format!("{agent}@{}", t.agent_domain);
    let body = "hello from the widget <&>";
    send(
        &mut visitor_ws,
        &format!(
            "<message xmlns=\"jabber:client\" type=\"chat\" to=\"{}\" id=\"m1\"><body>{}</body></message>",
            escape(&agent_jid),
            escape(body)
        ),
    )
    .await;
    let message = recv_until(&mut agent_ws, "the visitor's message", |f| {
        f.starts_with("<message") && f.contains("<body>")
    })
    .await;
    assert!(
        message.contains(&escape(body)) || message.contains("hello from the widget &lt;&amp;&gt;"),
        "{}: body changed in transit: {message}",
        t.server
    );
    let from = attr(&message, "from").unwrap_or_default();
    assert!(
        from.starts_with(&format!("{visitor}@{}/", t.domain)),
        "{}: message from {from:?}, expected the visitor's full JID",
        t.server
    );
    close(&mut visitor_ws).await;
    close(&mut agent_ws).await;
}

#[tokio::test]
#[ignore = "needs a real XMPP server: run `cargo xtask test`"]
async fn interop_server_pings_an_idle_client() {
    // Both servers ping after 10 s of client silence (ejabberd mod_ping, Prosody mod_webchat_ping):
    // the widget's keep-alive handling is tested against this.
    let t = target();
    let user = fresh_username("idle");
    register(&t, &t.domain, &user, "pw").await;
    let (verdict, mut ws) = auth_plain(&t, &t.domain, &user, "pw").await;
    assert!(verdict.starts_with("<success"), "login: {verdict}");
    bind(&mut ws, &t.domain, "idle").await;
    let started = std::time::Instant::now();
    let ping = loop {
        let left = Duration::from_secs(25).saturating_sub(started.elapsed());
        let frame = recv_within(&mut ws, "a server ping within 25 s of silence", left).await;
        if frame.starts_with("<iq") && frame.contains("urn:xmpp:ping") {
            break frame;
        }
    };
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5),
        "{}: pinged after {waited:?}, expected about 10 s of idleness first",
        t.server
    );
    assert_eq!(attr(&ping, "type").as_deref(), Some("get"), "{ping}");
    let id = attr(&ping, "id").unwrap_or_else(|| panic!("ping without id: {ping}"));
    let from = attr(&ping, "from").unwrap_or_else(|| t.domain.clone());
    send(
        &mut ws,
        &format!(
            "<iq xmlns=\"jabber:client\" type=\"result\" id=\"{}\" to=\"{}\"/>",
            escape(&id),
            escape(&from)
        ),
    )
    .await;
    close(&mut ws).await;
}

#[test]
fn base64_matches_rfc4648_vectors() {
    let cases = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in cases {
        assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
    }
    assert_eq!(base64(b"\0user\0pw"), "AHVzZXIAcHc=");
}

#[test]
fn attr_and_mechanisms_read_both_quote_styles() {
    let xml = "<iq type='result' id=\"a1\"><x/></iq>";
    assert_eq!(attr(xml, "type").as_deref(), Some("result"));
    assert_eq!(attr(xml, "id").as_deref(), Some("a1"));
    assert_eq!(attr(xml, "to"), None);
    let features = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
                    <mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    assert_eq!(mechanisms(features), vec!["SCRAM-SHA-1", "PLAIN"]);
}
