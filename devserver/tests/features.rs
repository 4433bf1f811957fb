//! The livechat configuration end to end over HTTP: the campaign's `webchat` object, chats
//! started with a department, pre-chat data and a greeting, routing (departments and
//! `assignedUser` by login email, nickname or JID), offline messages, mailed transcripts and
//! what the agent console sees of them. Each test starts its own server in-process on
//! 127.0.0.1:0 and speaks raw HTTP/1.1, so exactly what a browser would see is asserted.

use devserver::campaigns::{ALL_FEATURES, ENGLISH, GERMAN, INACTIVE};
use devserver::identity::{self, UserKey};
use devserver::public_api::MAX_FORM_BODY;
use devserver::{Config, Server};
use serde_json::{json, Value};
use webchat_protocol::api::{Sender, TranscriptMessage};

mod support;
use support::console::{self, command, event_of, next_event};
use support::{http, Reply, TestServer as T, API};

const SECRET: &str = "site-identity-secret";

impl T {
    async fn post(&self, path: &str, body: Value) -> Reply {
        self.api_with(&[], "POST", path, Some(&body.to_string()))
            .await
    }

    async fn get(&self, path: &str) -> Reply {
        self.api_with(&[], "GET", path, None).await
    }

    /// A call to the test control surface with a JSON body.
    async fn control_json(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.control(method, path, body.as_deref()).await
    }

    /// Signs an agent in through the control surface; its id.
    async fn agent(&self, body: Value) -> u64 {
        let r = self.control_json("POST", "agents", Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_u64().unwrap()
    }

    /// `POST chatsessions` that must succeed; the reply.
    async fn chat(&self, body: Value) -> Value {
        let r = self.post("chatsessions", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()
    }

    /// The nickname of the agent a session was given.
    async fn agent_of(&self, session: &Value) -> String {
        let id = session["id"].as_str().unwrap();
        let r = self
            .control_json("GET", &format!("chatsessions/{id}"), None)
            .await;
        r.json()["agent"]["nickname"].as_str().unwrap().to_owned()
    }
}

fn signature(key: UserKey) -> String {
    identity::sign(SECRET, &key)
}

#[tokio::test]
async fn the_campaign_serves_the_configuration_with_live_departments() {
    let t = T::with_identity_secret(SECRET).await;
    let all = t.get(&format!("campaigns/{ALL_FEATURES}")).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let w = &all.json()["webchat"];
    assert_eq!(w["visibilityOverrides"], true);
    assert_eq!(w["registrationForm"], true);
    assert_eq!(w["messageFieldRegistrationForm"], true);
    assert_eq!(w["allowSwitchingDepartments"], true);
    assert_eq!(w["displayOfflineForm"], true);
    assert_eq!(w["transcript"], true);
    assert_eq!(w["sound"], true);
    assert_eq!(w["offlineColor"], "#6b7280");
    assert_eq!(w["triggers"][0]["id"], "welcome");
    assert_eq!(w["triggers"][0]["rules"]["secondsOnPage"], 8);
    assert_eq!(w["triggers"][0]["agentName"], "Maria");
    let departments = |r: &Reply| -> Vec<(String, bool)> {
        r.json()["webchat"]["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["id"].as_str().unwrap().to_owned(), d["available"] == true))
            .collect()
    };
    assert_eq!(
        departments(&all),
        [
            ("orders".into(), false),
            ("brewing".into(), false),
            ("wholesale".into(), false)
        ]
    );
    t.agent(json!({"nickname": "barista", "departments": ["brewing"]}))
        .await;
    let now = t.get(&format!("campaigns/{ALL_FEATURES}")).await;
    assert_eq!(now.json()["availability"], true);
    assert_eq!(
        departments(&now),
        [
            ("orders".into(), false),
            ("brewing".into(), true),
            ("wholesale".into(), false)
        ]
    );
    // The protocol's reader gets the same.
    let c: webchat_protocol::api::Campaign = serde_json::from_str(&now.body).unwrap();
    assert_eq!(
        c.webchat.config.department("brewing").unwrap().available,
        Some(true)
    );

    // The demo campaign: what does not change how a chat starts.
    let en = t.get(&format!("campaigns/{ENGLISH}")).await.json();
    assert_eq!(en["webchat"]["displayOfflineForm"], true);
    assert_eq!(en["webchat"]["transcript"], true);
    assert!(en["webchat"].get("registrationForm").is_none());
    assert!(en["webchat"].get("departments").is_none());
    // A campaign without features keeps the seed's shape.
    let de = t.get(&format!("campaigns/{GERMAN}")).await.json();
    assert!(de.get("webchat").is_none(), "{de}");
}

#[tokio::test]
async fn a_department_chat_goes_only_to_agents_of_that_department() {
    let t = T::with_identity_secret(SECRET).await;
    t.agent(json!({"nickname": "generalist", "campaigns": [ALL_FEATURES]}))
        .await;
    t.agent(json!({"nickname": "seller", "departments": ["orders", "wholesale"]}))
        .await;
    t.agent(json!({"nickname": "barista", "departments": ["brewing"]}))
        .await;
    for (department, agent) in [
        ("orders", "seller"),
        ("brewing", "barista"),
        ("wholesale", "seller"),
    ] {
        let s = t
            .chat(json!({"campaign_id": ALL_FEATURES, "department": department}))
            .await;
        assert_eq!(s["department"], department);
        assert_eq!(t.agent_of(&s).await, agent, "{department}");
    }
    // Without a department: the least busy agent of the campaign, whatever its departments.
    let s = t.chat(json!({"campaign_id": ALL_FEATURES})).await;
    assert_eq!(t.agent_of(&s).await, "generalist");
    assert!(s.get("department").is_none());

    let unknown = t
        .post(
            "chatsessions",
            json!({"campaign_id": ALL_FEATURES, "department": "hats"}),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.error_message(),
        "the campaign has no department \"hats\""
    );
    let elsewhere = t
        .post(
            "chatsessions",
            json!({"campaign_id": ENGLISH, "department": "orders"}),
        )
        .await;
    assert_eq!(
        elsewhere.status, 400,
        "the English campaign has no departments"
    );

    // Nobody of the department available: the seed's 409, though the campaign is available.
    let r = t.control_json("GET", "agents", None).await;
    let barista = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["info"]["nickname"] == "barista")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let away = t
        .control_json(
            "PUT",
            &format!("agents/{barista}/availability"),
            Some(json!({"available": false})),
        )
        .await;
    assert_eq!(away.status, 200);
    let busy = t
        .post(
            "chatsessions",
            json!({"campaign_id": ALL_FEATURES, "department": "brewing"}),
        )
        .await;
    assert_eq!(busy.status, 409);
    assert_eq!(busy.error_message(), "No Availability");
    assert_eq!(
        t.get(&format!("campaigns/{ALL_FEATURES}")).await.json()["availability"],
        true
    );

    // Forced availability holds for every department (the placeholder agent takes it).
    let forced = t
        .control_json(
            "PUT",
            &format!("campaigns/{ALL_FEATURES}/availability"),
            Some(json!({"forced": true})),
        )
        .await;
    assert_eq!(forced.status, 204);
    let s = t
        .chat(json!({"campaign_id": ALL_FEATURES, "department": "brewing"}))
        .await;
    assert_eq!(t.agent_of(&s).await, "agent1");
}

/// The integration guide's `CV.user.tag` snippet routes to the agent it names by email
/// (`assignedUser: "agent1@chatvisor.com"`), when the site's server signed the user.
#[tokio::test]
async fn assigned_user_by_login_email_as_the_integration_guide_writes_it() {
    let t = T::with_identity_secret(SECRET).await;
    t.agent(json!({"nickname": "anna", "email": "anna@chatvisor.com"}))
        .await;
    t.agent(json!({"nickname": "agent1", "firstname": "James", "email": "Agent1@ChatVisor.com"}))
        .await;
    // Equally busy, the first signed in gets a chat: only the assignment brings one to agent1.
    let anyone = t
        .chat(json!({"campaign_id": ENGLISH, "tracker_id": "someone"}))
        .await;
    assert_eq!(t.agent_of(&anyone).await, "anna");
    t.chat(json!({"campaign_id": ENGLISH, "tracker_id": "someone"}))
        .await;

    // The snippet's object, as a page passes it to CV.user.tag, plus the site's signature.
    let tag = json!({
        "email": "john.doe@chatvisor.com",
        "firstname": "John",
        "lastname": "Doe",
        "assignedUser": "agent1@chatvisor.com",
        "labels": []
    });
    let mut signed = tag.clone();
    signed["signature"] = json!(signature(UserKey::Email("john.doe@chatvisor.com".into())));
    let s = t
        .chat(json!({"campaign_id": ENGLISH, "tracker_id": "user:email:john.doe@chatvisor.com", "user": signed}))
        .await;
    assert_eq!(t.agent_of(&s).await, "agent1");
    assert_eq!(s["user"]["assigned_user"], "agent1@chatvisor.com");
    assert_eq!(s["user"]["verified"], true);

    // Unsigned, or signed wrongly: anyone can type an agent's address, so it routes nowhere.
    let mut wrong = tag.clone();
    wrong["signature"] = json!("00".repeat(32));
    for user in [tag.clone(), wrong] {
        let s = t.chat(json!({"campaign_id": ENGLISH, "user": user})).await;
        assert_eq!(t.agent_of(&s).await, "anna", "the least busy agent");
        assert_eq!(s["user"]["verified"], false);
    }
    // The nickname and the JID name the same agent, in any case.
    for name in ["AGENT1", "agent1@internal.webchat.test"] {
        let mut user = signed.clone();
        user["assignedUser"] = json!(name);
        let s = t.chat(json!({"campaign_id": ENGLISH, "user": user})).await;
        assert_eq!(t.agent_of(&s).await, "agent1", "{name}");
    }
    // A login is one agent's at a time.
    let taken = t
        .control_json(
            "POST",
            "agents",
            Some(json!({"nickname": "other", "email": "agent1@CHATVISOR.com"})),
        )
        .await;
    assert_eq!(taken.status, 409);
    assert!(taken.error_message().contains("login"));
}

#[tokio::test]
async fn prechat_data_and_greetings_are_kept_with_the_chat() {
    let t = T::with_identity_secret(SECRET).await;
    t.agent(json!({"nickname": "barista", "departments": ["brewing"]}))
        .await;
    let s = t
        .chat(json!({
            "campaign_id": ALL_FEATURES,
            "tracker_id": "v-1",
            "department": "brewing",
            "prechat": {"name": " Ana Silva ", "email": "ana@example.com", "message": "Which grind for a moka pot?"},
            "greeting_trigger": "welcome"
        }))
        .await;
    assert_eq!(s["prechat"]["name"], "Ana Silva");
    assert_eq!(s["greeting_trigger"], "welcome");
    // The form's values are the chat's user, unverified, and identify the visitor to the agent.
    assert_eq!(s["user"]["firstname"], "Ana Silva");
    assert_eq!(s["user"]["email"], "ana@example.com");
    assert_eq!(s["user"]["verified"], false);
    assert_eq!(s["visitor_identifier"], "ana@example.com");
    let id = s["id"].as_str().unwrap();
    let secret = s["visitor_secret"].as_str().unwrap();
    let read = t
        .api_with(
            &[("X-Chat-Secret", secret)],
            "GET",
            &format!("chatsessions/{id}"),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    let read = read.json();
    assert_eq!(read["department"], "brewing");
    assert_eq!(read["prechat"]["message"], "Which grind for a moka pot?");
    assert_eq!(read["greeting_trigger"], "welcome");
    assert!(read.get("visitor_secret").is_none());
    // What the console shows of it.
    let view = t
        .control_json("GET", &format!("chatsessions/{id}"), None)
        .await
        .json();
    assert_eq!(view["department_name"], "Brewing advice");
    assert_eq!(view["greeting"]["agent_name"], "Maria");
    assert!(view["greeting"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Hi!"));

    // A tagged user wins over the form; the form is kept next to it.
    let tagged = t
        .chat(
            json!({"campaign_id": ALL_FEATURES, "user": {"email": "bob@example.com"},
                     "prechat": {"name": "Robert"}}),
        )
        .await;
    assert_eq!(tagged["user"]["email"], "bob@example.com");
    assert_eq!(tagged["prechat"]["name"], "Robert");

    for (body, message) in [
        (
            json!({"prechat": {"email": "ana(at)example.com"}}),
            "email is not an email address",
        ),
        (
            json!({"prechat": {"name": "x".repeat(101)}}),
            "name is longer than 100 characters",
        ),
        (
            json!({"prechat": {"name": "Ana\u{7}"}}),
            "name contains a control character",
        ),
        (
            json!({"prechat": {"message": "m".repeat(4001)}}),
            "message is longer than 4000 characters",
        ),
        (
            json!({"greeting_trigger": "g".repeat(65)}),
            "greeting_trigger is longer than 64 characters",
        ),
        (json!({"prechat": "Ana"}), ""),
    ] {
        let mut body = body;
        body["campaign_id"] = json!(ALL_FEATURES);
        let r = t.post("chatsessions", body.clone()).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.error_message().contains(message), "{}", r.body);
    }
    let huge = json!({"campaign_id": ALL_FEATURES, "request_url": "x".repeat(MAX_FORM_BODY)});
    let r = t.post("chatsessions", huge).await;
    assert_eq!(r.status, 413);
    assert!(r.error_message().contains("length limit"), "{}", r.body);
}

#[tokio::test]
async fn offline_messages_take_the_public_token_and_are_checked() {
    let t = T::with_identity_secret(SECRET).await;
    let body = json!({"campaign_id": ALL_FEATURES, "name": "Ana", "email": "ana@example.com",
                      "message": "Do you ship to Norway?\nThanks!", "department": "orders",
                      "tracker_id": "v-9", "request_url": "https://shop.example/beans"});
    // Visitors are anonymous: the public token is the only proof, and it is required.
    let url = format!("{API}/offlinemessages");
    let text = body.to_string();
    let none = http(
        t.addr(),
        "POST",
        &url,
        &[("Content-Type", "application/json")],
        Some(&text),
    )
    .await;
    assert_eq!(none.status, 401);
    let wrong = http(
        t.addr(),
        "POST",
        &url,
        &[
            ("X-API-TOKEN", "nope"),
            ("Content-Type", "application/json"),
        ],
        Some(&text),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let ok = t.post("offlinemessages", body.clone()).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let kept = ok.json();
    assert_eq!(kept["message"], "Do you ship to Norway?\nThanks!");
    assert_eq!(kept["department"], "orders");
    assert!(kept["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(kept["created_ms"].as_u64().unwrap() > 0);
    let listed = t.control_json("GET", "offlinemessages", None).await.json();
    assert_eq!(listed[0]["id"], kept["id"]);
    assert_eq!(listed[0]["tracker_id"], "v-9");

    let with = |patch: Value| {
        let mut b = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (patch, status, message) in [
        (
            json!({"email": "ana"}),
            400,
            "email is not an email address",
        ),
        (json!({"name": "  "}), 400, "name is required"),
        (
            json!({"message": "m".repeat(4001)}),
            400,
            "message is longer than 4000 characters",
        ),
        (
            json!({"department": "hats"}),
            400,
            "the campaign has no department \"hats\"",
        ),
        (json!({"campaign_id": "nope"}), 404, "Not found"),
        (
            json!({"campaign_id": INACTIVE}),
            409,
            "CHAT_CAMPAIGN_INACTIVE",
        ),
        (
            json!({"campaign_id": GERMAN}),
            409,
            "displayOfflineForm is off",
        ),
        (json!({"message": 5}), 400, "not valid JSON for this call"),
    ] {
        let r = t.post("offlinemessages", with(patch.clone())).await;
        assert_eq!(r.status, status, "{patch}: {}", r.body);
        assert!(r.error_message().contains(message), "{patch}: {}", r.body);
    }
    let missing = t
        .post("offlinemessages", json!({"campaign_id": ALL_FEATURES}))
        .await;
    assert_eq!(missing.status, 400);
    let huge = t
        .post(
            "offlinemessages",
            with(json!({"request_url": "u".repeat(MAX_FORM_BODY)})),
        )
        .await;
    assert_eq!(huge.status, 413);
    assert_eq!(
        t.control_json("GET", "offlinemessages", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn only_the_chats_visitor_mails_its_transcript() {
    let t = T::with_identity_secret(SECRET).await;
    t.agent(json!({"nickname": "barista", "departments": ["brewing"]}))
        .await;
    let user = json!({"email": "ana@example.com", "firstname": "Ana",
                      "signature": signature(UserKey::Email("ana@example.com".into()))});
    let s = t
        .chat(json!({"campaign_id": ALL_FEATURES, "department": "brewing", "user": user}))
        .await;
    let id = s["id"].as_str().unwrap().to_owned();
    let secret = s["visitor_secret"].as_str().unwrap().to_owned();
    let hub = t.server.hub();
    for (n, (from, body)) in [
        (Sender::Visitor, "Which grind?"),
        (Sender::Agent, "Fine, like table salt."),
    ]
    .into_iter()
    .enumerate()
    {
        let m = TranscriptMessage {
            id: format!("m{n}"),
            from,
            nick: matches!(from, Sender::Agent).then(|| "barista".to_owned()),
            body: body.into(),
            timestamp: 1_767_225_600_000 + 60_000 * n as u64,
        };
        hub.record_message(&id, m).unwrap();
    }
    let path = format!("chatsessions/{id}/transcript/email");
    let sig = signature(UserKey::Email("ana@example.com".into()));
    // No proof, a wrong secret, and the user's signature (which reads, but does not act as
    // the visitor) are refused; nothing is mailed.
    for (headers, message) in [
        (vec![], "send its X-Chat-Secret"),
        (vec![("X-Chat-Secret", "wrong")], "not this chat's"),
        (
            vec![("X-User-Signature", sig.as_str())],
            "send its X-Chat-Secret",
        ),
    ] {
        let r = t.api_with(&headers, "POST", &path, Some("{}")).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.error_message().contains(message), "{}", r.body);
    }
    assert_eq!(
        t.control_json("GET", "outbox", None).await.json(),
        json!([])
    );
    let visitor = [("X-Chat-Secret", secret.as_str())];
    // No body: the address the chat has (here the tagged user's).
    let sent = t.api_with(&visitor, "POST", &path, None).await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    assert_eq!(sent.json()["to"], "ana@example.com");
    assert_eq!(sent.json()["chatsession_id"], id.as_str());
    let outbox = t.control_json("GET", "outbox", None).await.json();
    assert_eq!(outbox[0]["to"], "ana@example.com");
    assert_eq!(
        outbox[0]["subject"],
        "Your chat with Northwind Coffee, every feature"
    );
    assert_eq!(
        outbox[0]["body"],
        "Your chat with Northwind Coffee, every feature\n2026-01-01 (times in UTC)\n\n\
         [00:00] Ana: Which grind?\n[00:01] barista: Fine, like table salt.\n"
    );
    let other = t
        .api_with(
            &visitor,
            "POST",
            &path,
            Some(r#"{"email":" ana.work@example.com "}"#),
        )
        .await;
    assert_eq!(other.json()["to"], "ana.work@example.com");
    let bad = t
        .api_with(&visitor, "POST", &path, Some(r#"{"email":"ana"}"#))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error_message(), "email is not an email address");
    assert_eq!(
        t.api_with(&visitor, "POST", &path, Some("{}")).await.status,
        202
    );
    let fourth = t.api_with(&visitor, "POST", &path, Some("{}")).await;
    assert_eq!(fourth.status, 429);
    assert!(fourth.error_message().contains("3 times"));
    assert_eq!(
        t.control_json("GET", "outbox", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        t.api_with(
            &visitor,
            "POST",
            "chatsessions/nope/transcript/email",
            Some("{}")
        )
        .await
        .status,
        404
    );

    // An anonymous chat has no address of its own; a campaign without transcripts mails none.
    let anon = t
        .chat(json!({"campaign_id": ALL_FEATURES, "department": "brewing"}))
        .await;
    let anon_path = format!(
        "chatsessions/{}/transcript/email",
        anon["id"].as_str().unwrap()
    );
    let anon_secret = [("X-Chat-Secret", anon["visitor_secret"].as_str().unwrap())];
    let r = t
        .api_with(&anon_secret, "POST", &anon_path, Some("{}"))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("no email address"));
    t.control_json(
        "PUT",
        &format!("campaigns/{GERMAN}/availability"),
        Some(json!({"forced": true})),
    )
    .await;
    let de = t.chat(json!({"campaign_id": GERMAN})).await;
    let de_path = format!(
        "chatsessions/{}/transcript/email",
        de["id"].as_str().unwrap()
    );
    let de_secret = [("X-Chat-Secret", de["visitor_secret"].as_str().unwrap())];
    let r = t
        .api_with(&de_secret, "POST", &de_path, Some(r#"{"email":"a@b.c"}"#))
        .await;
    assert_eq!(r.status, 409);
    assert!(r.error_message().contains("webchat.transcript is off"));
}

#[tokio::test]
async fn the_console_signs_in_with_login_and_departments_and_sees_the_inbox() {
    let t = T::with_identity_secret(SECRET).await;
    t.post(
        "offlinemessages",
        json!({"campaign_id": ENGLISH, "name": "Ana", "email": "ana@example.com", "message": "Early"}),
    )
    .await;
    let mut ws = console::open(t.addr()).await;
    let hello = next_event(&mut ws).await;
    let all = hello["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ALL_FEATURES)
        .unwrap();
    assert_eq!(
        all["departments"][1],
        json!({"id": "brewing", "name": "Brewing advice"})
    );

    command(
        &mut ws,
        json!({"type": "sign_in", "nickname": "maria", "email": "not-an-address", "departments": ["brewing"]}),
    )
    .await;
    assert_eq!(
        event_of(&mut ws, "error").await["message"],
        "the login is not an email address"
    );
    command(
        &mut ws,
        json!({"type": "sign_in", "nickname": "maria", "firstname": "Maria",
               "email": "maria@northwind.example", "departments": ["brewing"],
               "campaigns": [ENGLISH, ALL_FEATURES]}),
    )
    .await;
    let signed = event_of(&mut ws, "signed_in").await;
    assert_eq!(signed["agent"]["email"], "maria@northwind.example");
    assert_eq!(signed["agent"]["departments"], json!(["brewing"]));
    let offline = event_of(&mut ws, "offline_messages").await;
    assert_eq!(offline["messages"][0]["message"], "Early");
    assert_eq!(event_of(&mut ws, "outbox").await["mails"], json!([]));

    // A chat routed to its department shows with the department, the form and the greeting.
    let s = t
        .chat(json!({"campaign_id": ALL_FEATURES, "department": "brewing",
                     "prechat": {"name": "Ana", "email": "ana@example.com"},
                     "greeting_trigger": "welcome"}))
        .await;
    let chats = event_of(&mut ws, "chats").await;
    let chat = &chats["chats"][0];
    assert_eq!(chat["id"], s["id"]);
    assert_eq!(chat["department"], "brewing");
    assert_eq!(chat["department_name"], "Brewing advice");
    assert_eq!(chat["prechat"]["name"], "Ana");
    assert_eq!(chat["greeting"]["trigger"], "welcome");

    // New offline messages and mails arrive as they are stored.
    t.post(
        "offlinemessages",
        json!({"campaign_id": ALL_FEATURES, "name": "Bo", "email": "bo@example.com", "message": "Later"}),
    )
    .await;
    let offline = event_of(&mut ws, "offline_messages").await;
    assert_eq!(offline["messages"][0]["message"], "Later");
    assert_eq!(offline["messages"][1]["message"], "Early");
    let secret = [("X-Chat-Secret", s["visitor_secret"].as_str().unwrap())];
    let path = format!(
        "chatsessions/{}/transcript/email",
        s["id"].as_str().unwrap()
    );
    assert_eq!(
        t.api_with(&secret, "POST", &path, Some("{}")).await.status,
        202
    );
    // The offline message's change sent an (empty) outbox too: wait for the mail.
    let mut outbox = event_of(&mut ws, "outbox").await;
    while outbox["mails"] == json!([]) {
        outbox = event_of(&mut ws, "outbox").await;
    }
    assert_eq!(outbox["mails"][0]["to"], "ana@example.com");
    assert!(outbox["mails"][0]["body"]
        .as_str()
        .unwrap()
        .contains("(no messages)"));
}

#[tokio::test]
async fn the_bot_serves_every_department() {
    let args = ["--listen", "127.0.0.1:0", "--test-control", "--bot"];
    let config = Config::from_args(args.into_iter().map(str::to_owned)).unwrap();
    let t = T {
        server: Server::start(config).await.unwrap(),
    };
    let c = t.get(&format!("campaigns/{ALL_FEATURES}")).await.json();
    let departments = c["webchat"]["departments"].as_array().unwrap();
    assert!(departments.iter().all(|d| d["available"] == true), "{c}");
    let s = t
        .chat(json!({"campaign_id": ALL_FEATURES, "department": "wholesale"}))
        .await;
    assert_eq!(t.agent_of(&s).await, "bot");
}
