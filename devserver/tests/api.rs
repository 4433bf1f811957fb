//! End-to-end tests of devserver's HTTP surfaces: the Public API (every endpoint and error of
//! `docs/protocol.md` §1), our extensions, CORS, the token check, the test control surface, static files
//! and the agent console channel. Each test starts its own server in-process on 127.0.0.1:0
//! and speaks raw HTTP/1.1 over TCP, so exactly what a browser would see is asserted.

use std::time::Duration;

use devserver::campaigns::{ENGLISH, GERMAN, INACTIVE, NO_AVAILABILITY, NO_SURVEY};
use devserver::config::DEFAULT_TOKEN;
use devserver::Config;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use webchat_protocol::api::{
    ApiError, AvailableSlots, Campaign, CampaignSummary, ChatSession, ChatSessionStatus, Sender,
    Transcript, TranscriptMessage, XmppCredentials,
};

mod support;
use support::console::{self, command, next_event};
use support::{http, Reply, TestServer as T, API};

impl T {
    async fn api(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.api_with(&[], method, path, body).await
    }

    /// As the chat's own visitor: with its `X-Chat-Secret`.
    async fn visitor(
        &self,
        s: &ChatSession,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Reply {
        let secret = s.visitor_secret.as_deref().expect("a visitor secret");
        self.api_with(&[("X-Chat-Secret", secret)], method, path, body)
            .await
    }

    async fn force(&self, campaign: &str, forced: Option<bool>) {
        let r = self
            .control(
                "PUT",
                &format!("campaigns/{campaign}/availability"),
                Some(&json!({ "forced": forced }).to_string()),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }

    async fn agent(&self, nickname: &str, max_slots: Option<u32>) -> u64 {
        let r = self
            .control(
                "POST",
                "agents",
                Some(
                    &json!({"nickname": nickname, "firstname": "Ann", "max_slots": max_slots})
                        .to_string(),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_u64().unwrap()
    }

    async fn campaign(&self, id: &str) -> Campaign {
        let r = self.api("GET", &format!("campaigns/{id}"), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.parse().unwrap()
    }

    async fn new_session(&self, body: Value) -> Reply {
        self.api("POST", "chatsessions", Some(&body.to_string()))
            .await
    }

    async fn session(&self, campaign: &str) -> ChatSession {
        let r = self
            .new_session(json!({"campaign_id": campaign, "tracker_id": "t-1"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.parse().unwrap()
    }

    async fn patch(&self, s: &ChatSession, body: &str) -> Reply {
        self.visitor(s, "PATCH", &format!("chatsessions/{}", s.id), Some(body))
            .await
    }
}

#[tokio::test]
async fn campaign_list_has_the_seed_shape() {
    let t = T::start().await;
    let r = t.api("GET", "campaigns", None).await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let list: Vec<CampaignSummary> = r.parse().unwrap();
    let en = list.iter().find(|c| c.id == ENGLISH).unwrap();
    assert!(en.active);
    assert!(!list.iter().find(|c| c.id == INACTIVE).unwrap().active);
    // Exactly the three keys of the seed.
    let raw = r.json();
    let keys: Vec<_> = raw[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
}

#[tokio::test]
async fn every_endpoint_requires_the_token() {
    let t = T::start().await;
    let calls = [
        ("GET", "campaigns".to_owned()),
        ("GET", format!("campaigns/{ENGLISH}")),
        ("POST", "chatsessions".to_owned()),
        ("GET", "chatsessions?tracker_id=x".to_owned()),
        ("GET", "chatsessions/abc".to_owned()),
        ("PATCH", "chatsessions/abc".to_owned()),
        ("GET", "chatsessions/abc/transcript".to_owned()),
        ("POST", "xmppcredentials".to_owned()),
        ("GET", "xmppcredentials/abc".to_owned()),
        ("POST", "xmppconnection".to_owned()),
        ("GET", "xmppconnection/abc".to_owned()),
        ("GET", "no-such-endpoint".to_owned()),
    ];
    for (method, path) in calls {
        let url = format!("{API}/{path}");
        let missing = http(t.addr(), method, &url, &[], Some("{}")).await;
        assert_eq!(missing.status, 401, "{method} {path} without token");
        assert!(missing.error_message().contains("missing"));
        assert_eq!(
            missing.parse::<serde_json::Value>(),
            Err(ApiError::Unauthorized)
        );
        let wrong = http(
            t.addr(),
            method,
            &url,
            &[("X-API-TOKEN", "nope")],
            Some("{}"),
        )
        .await;
        assert_eq!(wrong.status, 401, "{method} {path} with a wrong token");
        assert!(wrong.error_message().contains("not valid"));
    }
}

#[tokio::test]
async fn campaign_details_and_404() {
    let t = T::start().await;
    let en = t.campaign(ENGLISH).await;
    assert_eq!(en.color.as_deref(), Some("#0a6018"));
    assert_eq!(en.language.as_deref(), Some("en"));
    assert_eq!(en.survey.survey_options.len(), 3);
    assert!(en.survey.survey_comment_enable && en.survey.survey_thanks_enable);
    assert!(en.cobrowsing.active);
    // Nobody signed in: the seed's "no availability" is zeros.
    assert!(!en.availability);
    assert_eq!(en.available_agents, 0);
    assert_eq!(en.available_slots, AvailableSlots::Number(0));

    t.agent("ann", None).await;
    let raw = t.api("GET", &format!("campaigns/{GERMAN}"), None).await;
    let v = raw.json();
    assert_eq!(v["available_slots"], "∞");
    assert_eq!(v["language"], "de");
    assert_eq!(v["cobrowsing"]["active"], false);
    assert!(v["cobrowsing"]["cbr_text"].is_null());
    assert!(v["cobrowsing"]["cobrowsingButtonAcceptText"].is_null());
    assert_eq!(
        v["survey"]["survey_options"],
        json!([{"value":"good","label":"Gut"},{"value":"bad","label":"Schlecht"}])
    );
    assert_eq!(v["survey"]["survey_comment_enable"], false);
    let de: Campaign = raw.parse().unwrap();
    assert_eq!(de.available_slots, AvailableSlots::Unlimited);

    let none = t.api("GET", &format!("campaigns/{NO_SURVEY}"), None).await;
    let v = none.json();
    assert_eq!(v["survey"]["survey_options"], json!([]));
    assert!(v["survey"]["survey_question"].is_null());
    assert_eq!(v["survey"]["active"], false);

    let missing = t.api("GET", "campaigns/does-not-exist", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_message(), "Not found");
    assert_eq!(missing.parse::<Campaign>(), Err(ApiError::NotFound));
    let unknown = t.api("GET", "nothing/here", None).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.error_message().starts_with("Not found"));
}

#[tokio::test]
async fn availability_follows_the_agents() {
    let t = T::start().await;
    let ann = t.agent("ann", Some(2)).await;
    let c = t.campaign(ENGLISH).await;
    assert!(c.availability);
    assert_eq!(c.available_agents, 1);
    assert_eq!(c.available_slots, AvailableSlots::Number(2));
    t.session(ENGLISH).await;
    assert_eq!(
        t.campaign(ENGLISH).await.available_slots,
        AvailableSlots::Number(1)
    );
    t.session(ENGLISH).await;
    // Both slots taken.
    assert!(!t.campaign(ENGLISH).await.availability);
    let full = t.new_session(json!({"campaign_id": ENGLISH})).await;
    assert_eq!(full.status, 409);
    assert_eq!(full.parse::<ChatSession>(), Err(ApiError::NoAvailability));

    let r = t
        .control(
            "PUT",
            &format!("agents/{ann}/availability"),
            Some(r#"{"available":false}"#),
        )
        .await;
    assert_eq!(r.status, 200);
    t.agent("bob", None).await;
    let c = t.campaign(ENGLISH).await;
    assert_eq!(
        (c.available_agents, c.available_slots),
        (1, AvailableSlots::Unlimited)
    );
    let bob = t.agent("bob2", Some(1)).await;
    assert_eq!(t.campaign(ENGLISH).await.available_agents, 2);
    assert_eq!(
        t.control("DELETE", &format!("agents/{bob}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        t.control("DELETE", &format!("agents/{bob}"), None)
            .await
            .status,
        404
    );
    assert_eq!(t.campaign(ENGLISH).await.available_agents, 1);
}

#[tokio::test]
async fn create_session_shape_and_errors() {
    let t = T::start().await;
    t.agent("ann", None).await;
    let r = t
        .new_session(json!({
            "campaign_id": ENGLISH,
            "tracker_id": "9082734890274",
            "visitor_identifier": "customer_id@customers-portal.com",
            "request_url": "https://www.customers-portal.com",
            "unknown_field": 1
        }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "created");
    assert_eq!(v["campaign_id"], ENGLISH);
    assert_eq!(v["tracker_id"], "9082734890274");
    assert_eq!(v["visitor_identifier"], "customer_id@customers-portal.com");
    assert_eq!(v["request_url"], "https://www.customers-portal.com");
    assert_eq!(v["id"].as_str().unwrap().len(), 32);
    // Without the optional fields the server makes up ids, as the seed says.
    let minimal: ChatSession = t
        .new_session(json!({"campaign_id": ENGLISH}))
        .await
        .parse()
        .unwrap();
    assert!(minimal.tracker_id.is_some() && minimal.visitor_identifier.is_some());
    assert_eq!(minimal.request_url, None);

    let inactive = t.new_session(json!({"campaign_id": INACTIVE})).await;
    assert_eq!(inactive.status, 409);
    assert_eq!(inactive.error_message(), "CHAT_CAMPAIGN_INACTIVE");
    assert_eq!(inactive.json()["StatusText"], "Conflict");
    assert_eq!(
        inactive.parse::<ChatSession>(),
        Err(ApiError::CampaignInactive)
    );
    // Inactive wins over forced availability.
    t.force(INACTIVE, Some(true)).await;
    assert_eq!(
        t.new_session(json!({"campaign_id": INACTIVE}))
            .await
            .parse::<ChatSession>(),
        Err(ApiError::CampaignInactive)
    );

    let busy = t.new_session(json!({"campaign_id": NO_AVAILABILITY})).await;
    assert_eq!(busy.status, 409);
    assert_eq!(busy.error_message(), "No Availability");
    assert_eq!(busy.parse::<ChatSession>(), Err(ApiError::NoAvailability));
    assert!(!t.campaign(NO_AVAILABILITY).await.availability);

    let unknown = t.new_session(json!({"campaign_id": "nope"})).await;
    assert_eq!(unknown.status, 404);

    for (body, needle) in [
        ("{\"campaign_id\": ", "not valid JSON"),
        ("[1,2]", "not valid JSON"),
        ("{\"tracker_id\":\"x\"}", "campaign_id"),
        ("", "empty"),
        ("{\"campaign_id\": 7}", "not valid JSON"),
    ] {
        let r = t.api("POST", "chatsessions", Some(body)).await;
        assert_eq!(r.status, 400, "body {body:?}");
        let m = r.error_message();
        assert!(m.contains(needle), "{m:?} should mention {needle:?}");
    }
}

#[tokio::test]
async fn session_status_follows_the_transition_api() {
    let t = T::start().await;
    t.force(ENGLISH, Some(true)).await;
    let s = t.session(ENGLISH).await;
    let get = |id: String| {
        let (t, s) = (&t, &s);
        async move {
            let r = t
                .visitor(s, "GET", &format!("chatsessions/{id}"), None)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.parse::<ChatSession>().unwrap()
        }
    };
    assert_eq!(get(s.id.clone()).await.status, ChatSessionStatus::Created);
    // The XMPP side drives the hub directly.
    t.server
        .hub()
        .set_status(&s.id, ChatSessionStatus::Active)
        .unwrap();
    assert_eq!(get(s.id.clone()).await.status, ChatSessionStatus::Active);
    // Tests drive it through the control surface.
    let r = t
        .control(
            "POST",
            &format!("chatsessions/{}/status", s.id),
            Some(r#"{"status":"closed"}"#),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get(s.id.clone()).await.status, ChatSessionStatus::Closed);
    assert_eq!(get(s.id.clone()).await.json_status(), "closed");
    let back = t
        .control(
            "POST",
            &format!("chatsessions/{}/status", s.id),
            Some(r#"{"status":"active"}"#),
        )
        .await;
    assert_eq!(back.status, 409);
    assert!(back
        .error_message()
        .contains("cannot go from closed to active"));
    let missing = t.visitor(&s, "GET", "chatsessions/nope", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_message(), "Not found");
    // The control surface lists states.
    let all = t.control("GET", "chatsessions", None).await.json();
    assert_eq!(all[0]["id"], s.id.as_str());
    assert_eq!(all[0]["status"], "closed");
    assert_eq!(all[0]["agent"]["nickname"], "agent1");
}

trait JsonStatus {
    fn json_status(&self) -> String;
}

impl JsonStatus for ChatSession {
    fn json_status(&self) -> String {
        serde_json::to_value(self).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test]
async fn survey_patch_follows_the_campaign() {
    let t = T::start().await;
    for c in [ENGLISH, GERMAN, NO_SURVEY] {
        t.force(c, Some(true)).await;
    }
    // Smileys with comments: every option, during the chat and again after it.
    let en = t.session(ENGLISH).await;
    t.server
        .hub()
        .set_status(&en.id, ChatSessionStatus::Active)
        .unwrap();
    let r = t
        .patch(
            &en,
            r#"{ "survey" : { "result": "moderate", "message": "description of the survey" } }"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["survey"]["result"], "moderate");
    t.server
        .hub()
        .set_status(&en.id, ChatSessionStatus::Closed)
        .unwrap();
    let changed = t.patch(&en, r#"{"survey":{"result":"good"}}"#).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let s: ChatSession = t
        .visitor(&en, "GET", &format!("chatsessions/{}", en.id), None)
        .await
        .parse()
        .unwrap();
    assert_eq!(s.survey.unwrap().result, "good");
    let bad_value = t.patch(&en, r#"{"survey":{"result":"excellent"}}"#).await;
    assert_eq!(bad_value.status, 400);
    assert!(bad_value.error_message().contains("good, moderate, bad"));

    // Thumbs without comments.
    let de = t.session(GERMAN).await;
    let moderate = t.patch(&de, r#"{"survey":{"result":"moderate"}}"#).await;
    assert_eq!(moderate.status, 400);
    let m = moderate.error_message();
    assert!(m.contains("\"moderate\"") && m.contains("good, bad"), "{m}");
    match moderate.parse::<ChatSession>() {
        Err(ApiError::SurveyRejected(msg)) => assert_eq!(msg, m),
        other => panic!("{other:?}"),
    }
    let comment = t
        .patch(&de, r#"{"survey":{"result":"bad","message":"too slow"}}"#)
        .await;
    assert_eq!(comment.status, 400);
    assert!(comment.error_message().contains("comments are not enabled"));
    let ok = t
        .patch(&de, r#"{"survey":{"result":"bad","message":""}}"#)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    // No survey at all.
    let none = t.session(NO_SURVEY).await;
    let r = t.patch(&none, r#"{"survey":{"result":"good"}}"#).await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("no survey"));

    // Unknown session, malformed bodies.
    let unknown = t
        .visitor(
            &en,
            "PATCH",
            "chatsessions/nope",
            Some(r#"{"survey":{"result":"good"}}"#),
        )
        .await;
    assert_eq!(unknown.status, 404);
    for body in ["{", r#"{"result":"good"}"#, r#"{"survey":{"message":"x"}}"#] {
        let r = t.patch(&en, body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.error_message().contains("not valid JSON"));
    }
}

#[tokio::test]
async fn xmpp_credentials_for_a_session() {
    let t = T::start().await;
    t.agent("ann", None).await;
    let s = t.session(ENGLISH).await;
    let body = json!({ "chatsession_id": s.id }).to_string();
    let r = t.visitor(&s, "POST", "xmppcredentials", Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c: XmppCredentials = r.parse().unwrap();
    assert_eq!(c.agent.nickname, "ann");
    assert_eq!(c.agent.firstname, "Ann");
    assert_eq!(c.agent.jid, "ann@internal.webchat.test");
    assert_eq!(c.credentials.domain, "webchat.test");
    assert!(c.credentials.user.ends_with("@webchat.test"));
    assert!(!c.credentials.password.is_empty() && !c.credentials.resource.is_empty());
    let v = r.json();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["agent", "credentials", "id"]
    );

    let again = t
        .visitor(&s, "GET", &format!("xmppcredentials/{}", c.id), None)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.parse::<XmppCredentials>().unwrap(), c);

    let other = t.visitor(&s, "POST", "xmppcredentials", Some(&body)).await;
    let other: XmppCredentials = other.parse().unwrap();
    assert_ne!(other.id, c.id);
    assert_ne!(other.credentials.user, c.credentials.user);
    assert_eq!(other.agent, c.agent);

    assert_eq!(t.api("GET", "xmppcredentials/nope", None).await.status, 404);
    let unknown = t
        .api(
            "POST",
            "xmppcredentials",
            Some(r#"{"chatsession_id":"nope"}"#),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let malformed = t.api("POST", "xmppcredentials", Some("{}")).await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.error_message().contains("chatsession_id"));

    t.server
        .hub()
        .set_status(&s.id, ChatSessionStatus::Closed)
        .unwrap();
    let closed = t.visitor(&s, "POST", "xmppcredentials", Some(&body)).await;
    assert_eq!(closed.status, 409);
    assert_eq!(closed.error_message(), "CHAT_SESSION_CLOSED");
}

#[tokio::test]
async fn xmppconnection_is_501() {
    let t = T::start().await;
    for (method, path, body) in [
        ("POST", "xmppconnection", Some(r#"{"chatsession_id":"x"}"#)),
        (
            "GET",
            "xmppconnection/FcdgNNgbimrThmDysBsjgr_k5FElYJQC",
            None,
        ),
    ] {
        let r = t.api(method, path, body).await;
        assert_eq!(r.status, 501);
        let m = r.error_message();
        assert!(m.contains("BOSH") && m.contains("xmppcredentials"), "{m}");
        assert_eq!(
            r.parse::<serde_json::Value>(),
            Err(ApiError::OtherStatus(501))
        );
    }
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let t = T::start().await;
    let pre = http(
        t.addr(),
        "OPTIONS",
        &format!("{API}/chatsessions/abc"),
        &[
            ("Origin", "http://127.0.0.1:9999"),
            ("Access-Control-Request-Method", "PATCH"),
            (
                "Access-Control-Request-Headers",
                "x-api-token, content-type, x-chat-secret, x-user-signature",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(pre.status, 200);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    let methods = pre.header("access-control-allow-methods").unwrap();
    for m in ["GET", "POST", "PATCH"] {
        assert!(methods.contains(m), "{methods}");
    }
    let allowed = pre
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "x-api-token",
        "content-type",
        "x-chat-secret",
        "x-user-signature",
    ] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert!(pre.header("access-control-max-age").is_some());

    // Real replies carry the header too, errors included, so the widget can read them.
    for (token, status) in [(DEFAULT_TOKEN, 200), ("wrong", 401)] {
        let r = http(
            t.addr(),
            "GET",
            &format!("{API}/campaigns"),
            &[("Origin", "https://shop.example"), ("X-API-TOKEN", token)],
            None,
        )
        .await;
        assert_eq!(r.status, status);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
}

const SECRET: &str = "site-identity-secret";

/// What the site's server computes: hex(HMAC-SHA256(secret, id or lower-cased email)).
fn signature(signed: &str) -> String {
    devserver::identity::sign(SECRET, &devserver::identity::UserKey::Id(signed.to_owned()))
}

#[tokio::test]
async fn history_extension_lists_and_transcripts_for_the_signed_user() {
    let t = T::with_identity_secret(SECRET).await;
    t.force(ENGLISH, Some(true)).await;
    let user = json!({"email":"ada@example.org","firstname":"Ada","lastname":"Lovelace",
                      "id": 42, "labels": ["vip"], "assigned_user": "nobody",
                      "signature": signature("42")});
    let tracker = "user:id:42";
    let first: ChatSession = t
        .new_session(json!({"campaign_id": ENGLISH, "tracker_id": tracker, "user": user}))
        .await
        .parse()
        .unwrap();
    let second: ChatSession = t
        .new_session(json!({"campaign_id": ENGLISH, "tracker_id": tracker, "user": user}))
        .await
        .parse()
        .unwrap();
    // The same user without a signature (anyone can type an id): not their history.
    let mut unsigned = user.clone();
    unsigned["signature"] = Value::Null;
    let forged: ChatSession = t
        .new_session(json!({"campaign_id": ENGLISH, "tracker_id": tracker, "user": unsigned}))
        .await
        .parse()
        .unwrap();
    t.new_session(json!({"campaign_id": ENGLISH, "tracker_id": "v2"}))
        .await;

    // The user object is stored (without the signature) and identifies the visitor.
    let stored = t
        .visitor(&first, "GET", &format!("chatsessions/{}", first.id), None)
        .await
        .json();
    assert_eq!(stored["user"]["email"], "ada@example.org");
    assert_eq!(stored["user"]["id"], 42);
    assert_eq!(stored["user"]["labels"], json!(["vip"]));
    assert_eq!(stored["user"]["verified"], true);
    assert!(stored["user"].get("signature").is_none());
    assert!(
        stored.get("visitor_secret").is_none(),
        "returned once, on creation"
    );
    assert_eq!(stored["visitor_identifier"], "ada@example.org");

    let sig = signature("42");
    let signed = [("X-User-Signature", sig.as_str())];
    let path = format!("chatsessions?tracker_id={tracker}&campaign_id={ENGLISH}");
    let list = t.api_with(&signed, "GET", &path, None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list: Vec<ChatSession> = list.parse().unwrap();
    let ids: Vec<_> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
    assert!(!ids.contains(&forged.id.as_str()));
    assert!(list.iter().all(|s| s.visitor_secret.is_none()));
    let other_user = t
        .api_with(
            &[("X-User-Signature", &signature("43"))],
            "GET",
            &format!("chatsessions?tracker_id=user:id:43&campaign_id={ENGLISH}"),
            None,
        )
        .await;
    assert!(other_user.parse::<Vec<ChatSession>>().unwrap().is_empty());
    let no_param = t.api_with(&signed, "GET", "chatsessions", None).await;
    assert_eq!(no_param.status, 400);
    assert!(no_param.error_message().contains("tracker_id"));
    let no_campaign = t
        .api_with(
            &signed,
            "GET",
            &format!("chatsessions?tracker_id={tracker}"),
            None,
        )
        .await;
    assert_eq!(no_campaign.status, 400);
    assert!(no_campaign.error_message().contains("campaign_id"));

    // Transcripts are recorded by the XMPP side (here: the hub and the control surface).
    let hub = t.server.hub();
    let msg = |id: &str, from, body: &str| TranscriptMessage {
        id: id.into(),
        from,
        nick: matches!(from, Sender::Agent).then(|| "agent1".to_owned()),
        body: body.into(),
        timestamp: 1,
    };
    assert!(hub
        .record_message(&first.id, msg("m1", Sender::Visitor, "hello"))
        .unwrap());
    assert!(!hub
        .record_message(&first.id, msg("m1", Sender::Visitor, "hello"))
        .unwrap());
    let r = t
        .control(
            "POST",
            &format!("chatsessions/{}/messages", first.id),
            Some(r#"{"id":"m2","from":"agent","nick":"agent1","body":"<b>hi</b>"}"#),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The signed user reads it from anywhere; its visitor with the chat's secret.
    let transcript_path = format!("chatsessions/{}/transcript", first.id);
    for tr in [
        t.api_with(&signed, "GET", &transcript_path, None).await,
        t.visitor(&first, "GET", &transcript_path, None).await,
    ] {
        assert_eq!(tr.status, 200, "{}", tr.body);
        let tr: Transcript = tr.parse().unwrap();
        assert_eq!(tr.chatsession_id, first.id);
        let bodies: Vec<_> = tr.messages.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["hello", "<b>hi</b>"]);
        assert_eq!(tr.messages[1].from, Sender::Agent);
    }
    let empty: Transcript = t
        .api_with(
            &signed,
            "GET",
            &format!("chatsessions/{}/transcript", second.id),
            None,
        )
        .await
        .parse()
        .unwrap();
    assert!(empty.messages.is_empty());
    // The user's signature opens none of the forged chat (it is the forger's).
    let forged_read = t
        .api_with(
            &signed,
            "GET",
            &format!("chatsessions/{}/transcript", forged.id),
            None,
        )
        .await;
    assert_eq!(forged_read.status, 403);
    assert_eq!(
        t.api_with(&signed, "GET", "chatsessions/nope/transcript", None)
            .await
            .status,
        404
    );
}

/// Every extension endpoint, and every seed endpoint that serves one chat, with no proof, a
/// wrong one and the right one.
#[tokio::test]
async fn every_endpoint_checks_who_may_read_or_change_a_chat() {
    let t = T::with_identity_secret(SECRET).await;
    t.force(ENGLISH, Some(true)).await;
    let ana = json!({"email": "Ana@Example.com", "signature": signature("ana@example.com")});
    let mine: ChatSession = t
        .new_session(
            json!({"campaign_id": ENGLISH, "tracker_id": "user:email:ana@example.com",
                            "user": ana}),
        )
        .await
        .parse()
        .unwrap();
    let theirs: ChatSession = t
        .new_session(json!({"campaign_id": ENGLISH, "tracker_id": "someone-else"}))
        .await
        .parse()
        .unwrap();
    let creds: XmppCredentials = t
        .visitor(
            &mine,
            "POST",
            "xmppcredentials",
            Some(&json!({"chatsession_id": mine.id}).to_string()),
        )
        .await
        .parse()
        .unwrap();
    let their_secret = theirs.visitor_secret.clone().unwrap();
    let ana_sig = signature("ana@example.com");
    let bob_sig = signature("bob@example.com");
    let survey = r#"{"survey":{"result":"good"}}"#;
    let credentials_body = json!({"chatsession_id": mine.id}).to_string();
    // (method, path, body, which proofs open it)
    let calls: Vec<(&str, String, Option<&str>, bool)> = vec![
        ("GET", format!("chatsessions/{}", mine.id), None, true),
        (
            "GET",
            format!("chatsessions/{}/transcript", mine.id),
            None,
            true,
        ),
        (
            "PATCH",
            format!("chatsessions/{}", mine.id),
            Some(survey),
            false,
        ),
        (
            "POST",
            "xmppcredentials".into(),
            Some(&credentials_body),
            false,
        ),
        ("GET", format!("xmppcredentials/{}", creds.id), None, false),
    ];
    for (method, path, body, user_may_read) in &calls {
        let none = t.api(method, path, *body).await;
        assert_eq!(
            none.status, 403,
            "{method} {path} without proof: {}",
            none.body
        );
        assert!(
            none.error_message().contains("X-Chat-Secret"),
            "{}",
            none.body
        );
        let wrong = t
            .api_with(&[("X-Chat-Secret", &their_secret)], method, path, *body)
            .await;
        assert_eq!(
            wrong.status, 403,
            "{method} {path} with another chat's secret"
        );
        let wrong_user = t
            .api_with(&[("X-User-Signature", &bob_sig)], method, path, *body)
            .await;
        assert_eq!(
            wrong_user.status, 403,
            "{method} {path} signed as another user"
        );
        let right = t.visitor(&mine, method, path, *body).await;
        assert!(
            right.status == 200 || right.status == 201,
            "{method} {path} as its visitor: {} {}",
            right.status,
            right.body
        );
        let as_user = t
            .api_with(&[("X-User-Signature", &ana_sig)], method, path, *body)
            .await;
        let expected = if *user_may_read { 200 } else { 403 };
        assert_eq!(
            as_user.status, expected,
            "{method} {path} as its signed user"
        );
    }

    // A user's history: no signature, a wrong one, a campaign without a secret, a visitor id.
    let history = |tracker: &str, campaign: &str| {
        format!("chatsessions?tracker_id={tracker}&campaign_id={campaign}")
    };
    let ana_history = history("user:email:ana@example.com", ENGLISH);
    type Case<'a> = (&'a [(&'a str, &'a str)], String, &'a str);
    let cases: [Case; 4] = [
        (&[], ana_history.clone(), "X-User-Signature"),
        (
            &[("X-User-Signature", &bob_sig)],
            ana_history.clone(),
            "does not match",
        ),
        (
            &[("X-User-Signature", &ana_sig)],
            history("user:email:ana@example.com", "campaign-without-secret"),
            "no identity secret",
        ),
        (
            &[("X-User-Signature", &ana_sig)],
            history("someone-else", ENGLISH),
            "signed users",
        ),
    ];
    for (proofs, path, says) in cases {
        let r = t.api_with(proofs, "GET", &path, None).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.error_message().contains(says), "{path}: {}", r.body);
        assert!(!r.body.contains(&mine.id), "no chat id leaks in a refusal");
    }
    let ok = t
        .api_with(
            &[("X-User-Signature", &ana_sig.to_uppercase())],
            "GET",
            &ana_history,
            None,
        )
        .await;
    let listed: Vec<ChatSession> = ok.parse().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, mine.id);
}

#[tokio::test]
async fn a_campaign_without_identity_secret_serves_no_history() {
    let t = T::start().await;
    t.force(ENGLISH, Some(true)).await;
    // Even a "signature" computed with some secret: the campaign has none to check it with.
    let user = json!({"email": "ada@example.org", "signature": signature("ada@example.org")});
    let s: ChatSession = t
        .new_session(
            json!({"campaign_id": ENGLISH, "tracker_id": "user:email:ada@example.org",
                            "user": user}),
        )
        .await
        .parse()
        .unwrap();
    assert_eq!(s.user.as_ref().and_then(|u| u.verified), Some(false));
    let r = t
        .api_with(
            &[("X-User-Signature", &signature("ada@example.org"))],
            "GET",
            &format!("chatsessions?tracker_id=user:email:ada@example.org&campaign_id={ENGLISH}"),
            None,
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.error_message().contains("no identity secret"));
}

#[tokio::test]
async fn request_log_records_calls() {
    let t = T::start().await;
    t.api("GET", "campaigns", None).await;
    http(
        t.addr(),
        "GET",
        &format!("{API}/campaigns"),
        &[("Origin", "http://a.test")],
        None,
    )
    .await;
    let log = t.control("GET", "requests", None).await.json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["path"], format!("{API}/campaigns"));
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["has_token"], true);
    assert_eq!(log[1]["status"], 401);
    assert_eq!(log[1]["origin"], "http://a.test");
    assert_eq!(t.control("DELETE", "requests", None).await.status, 204);
    assert_eq!(t.control("GET", "requests", None).await.json(), json!([]));
}

#[tokio::test]
async fn control_surface_needs_the_flag() {
    let t = T::with(Config {
        test_control: false,
        ..Config::for_tests()
    })
    .await;
    assert_eq!(t.control("GET", "requests", None).await.status, 404);
    assert_eq!(t.control("GET", "chatsessions", None).await.status, 404);
}

#[tokio::test]
async fn static_files_and_console_page() {
    let dir = std::env::temp_dir().join(format!("devserver-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>shop</h1>").unwrap();
    let t = T::with(Config {
        static_dir: dir.clone(),
        ..Config::for_tests()
    })
    .await;
    let index = http(t.addr(), "GET", "/", &[], None).await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "<h1>shop</h1>");
    assert_eq!(
        http(t.addr(), "GET", "/missing.js", &[], None).await.status,
        404
    );
    let console = http(t.addr(), "GET", "/agent", &[], None).await;
    assert_eq!(console.status, 200);
    assert!(console.body.contains("agent console"));
    let js = http(t.addr(), "GET", "/agent/agent.js", &[], None).await;
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert!(js.body.contains("/agent/ws"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn console_sign_in_drives_availability() {
    let t = T::start().await;
    let mut ws = console::open(t.addr()).await;
    let hello = next_event(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["agent_domain"], "internal.webchat.test");

    command(&mut ws, json!({"type": "set_available", "available": true})).await;
    assert_eq!(next_event(&mut ws).await["message"], "sign in first");
    command(&mut ws, json!({"type": "sign_in", "nickname": "bad name"})).await;
    assert_eq!(next_event(&mut ws).await["type"], "error");
    command(&mut ws, json!({"nonsense": true})).await;
    assert!(next_event(&mut ws).await["message"]
        .as_str()
        .unwrap()
        .contains("unreadable command"));

    command(
        &mut ws,
        json!({"type": "sign_in", "nickname": "agent7", "firstname": "Jo", "max_slots": 3}),
    )
    .await;
    let signed = next_event(&mut ws).await;
    assert_eq!(signed["type"], "signed_in");
    assert_eq!(
        signed["agent"]["info"]["jid"],
        "agent7@internal.webchat.test"
    );
    assert_eq!(next_event(&mut ws).await["type"], "chats");
    assert_eq!(next_event(&mut ws).await["type"], "offline_messages");
    assert_eq!(next_event(&mut ws).await["type"], "outbox");
    let c = t.campaign(ENGLISH).await;
    assert_eq!(
        (c.availability, c.available_slots),
        (true, AvailableSlots::Number(3))
    );

    // A new chat shows up in the console with the visitor's details.
    let r = t
        .new_session(
            json!({"campaign_id": ENGLISH, "visitor_identifier": "v@x.test",
                             "request_url": "https://shop.example/cart"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let chats = next_event(&mut ws).await;
    assert_eq!(chats["type"], "chats");
    assert_eq!(chats["chats"][0]["visitor_identifier"], "v@x.test");
    assert_eq!(
        chats["chats"][0]["request_url"],
        "https://shop.example/cart"
    );
    assert_eq!(chats["chats"][0]["status"], "created");

    command(
        &mut ws,
        json!({"type": "set_available", "available": false}),
    )
    .await;
    assert_eq!(next_event(&mut ws).await["agent"]["available"], false);
    assert!(!t.campaign(ENGLISH).await.availability);
    command(&mut ws, json!({"type": "set_available", "available": true})).await;
    next_event(&mut ws).await;
    assert!(t.campaign(ENGLISH).await.availability);

    // Closing the tab signs the agent out.
    ws.close(None).await.unwrap();
    drop(ws);
    let mut available = true;
    for _ in 0..50 {
        available = t.campaign(ENGLISH).await.availability;
        if !available {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!available, "agent still available after the console closed");
}

#[tokio::test]
async fn bot_flag_signs_in_an_unlimited_agent() {
    let t = T::with(Config {
        bot: true,
        ..Config::for_tests()
    })
    .await;
    let c = t.campaign(GERMAN).await;
    assert!(c.availability);
    assert_eq!(c.available_slots, AvailableSlots::Unlimited);
    let s = t.session(GERMAN).await;
    let creds: XmppCredentials = t
        .visitor(
            &s,
            "POST",
            "xmppcredentials",
            Some(&json!({"chatsession_id": s.id}).to_string()),
        )
        .await
        .parse()
        .unwrap();
    assert_eq!(creds.agent.nickname, "bot");
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let t = T::start().await;
    let addr = t.addr();
    t.server.shutdown().await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn campaigns_come_from_the_config_file() {
    let path =
        std::env::temp_dir().join(format!("devserver-campaigns-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r##"{"campaigns":[{"id":"only","name":"Only one","color":"#ff0000","language":"fr",
             "availability_mode":"always",
             "survey":{"active":true,"survey_options":[{"value":"good","label":"Bien"}]}}]}"##,
    )
    .unwrap();
    let args = ["--listen", "127.0.0.1:0", "--test-control", "--campaigns"]
        .into_iter()
        .map(str::to_owned)
        .chain([path.display().to_string()]);
    let t = T::with(Config::from_args(args).unwrap()).await;
    std::fs::remove_file(&path).unwrap();
    let list: Vec<CampaignSummary> = t.api("GET", "campaigns", None).await.parse().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id.as_str(), list[0].active), ("only", true));
    let c = t.campaign("only").await;
    assert_eq!(c.language.as_deref(), Some("fr"));
    assert!(c.availability, "availability_mode always");
    assert!(!c.cobrowsing.active);
    assert_eq!(c.survey.survey_question, None);
    let s = t.session("only").await;
    assert_eq!(
        t.patch(&s, r#"{"survey":{"result":"good"}}"#).await.status,
        200
    );
    assert_eq!(
        t.api("GET", &format!("campaigns/{ENGLISH}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_demo_signer_is_served_only_with_its_flag() {
    let plain = T::with_identity_secret(SECRET).await;
    let r = http(
        plain.addr(),
        "POST",
        "/demo/identity-signature",
        &[("Content-Type", "application/json")],
        Some(r#"{"campaign_id":"x","email":"a@b.c"}"#),
    )
    .await;
    // The static files answer instead: no signature without --demo-identity-signer.
    assert!(matches!(r.status, 404 | 405), "{} {}", r.status, r.body);
    assert!(!r.body.contains("signature"));

    let args = [
        "--listen",
        "127.0.0.1:0",
        "--identity-secret",
        SECRET,
        "--demo-identity-signer",
    ];
    let t = T::with(Config::from_args(args.into_iter().map(str::to_owned)).unwrap()).await;
    let sign = |body: &'static str| {
        let addr = t.addr();
        async move {
            http(
                addr,
                "POST",
                "/demo/identity-signature",
                &[("Content-Type", "application/json")],
                Some(body),
            )
            .await
        }
    };
    let by_email =
        sign(r#"{"campaign_id":"Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX","email":" Ana@Example.com "}"#)
            .await;
    assert_eq!(by_email.status, 200, "{}", by_email.body);
    assert_eq!(by_email.json()["signature"], signature("ana@example.com"));
    let by_id =
        sign(r#"{"campaign_id":"Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX","email":"a@b.c","id":42}"#).await;
    assert_eq!(by_id.json()["signature"], signature("42"));
    let unknown = sign(r#"{"campaign_id":"nope","email":"a@b.c"}"#).await;
    assert_eq!(unknown.status, 404);
    let bad = sign(r#"{"email":5}"#).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .contains("campaign_id"));
}
