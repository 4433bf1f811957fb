//! The operator's visibility overrides over HTTP: the operator API under `/operator/v1/` with
//! no, the public and the right token; every scope and its precedence; expiry; the widget's
//! `GET visibility` read with its ETag and `304`; CORS for that read; the campaign's `webchat`
//! switch; and the agent console's route to the same overrides. Each test starts its own
//! server in-process on 127.0.0.1:0.

use std::time::Duration;

use devserver::campaigns::{ENGLISH, GERMAN};
use devserver::config::{DEFAULT_OPERATOR_TOKEN, DEFAULT_TOKEN};
use devserver::Config;
use serde_json::{json, Value};
use webchat_protocol::api::{Campaign, OverrideVisibility, VisibilityVerdict};

mod support;
use support::console::{self, command, next_event};
use support::{http, Reply, TestServer as T, API};

const OPERATOR: &str = "/operator/v1";

impl T {
    /// An operator call with `Authorization: Bearer <token>` (`None`: no header).
    async fn operator_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let body = body.map(|b| b.to_string());
        http(
            self.server.addr(),
            method,
            &format!("{OPERATOR}/{path}"),
            &headers,
            body.as_deref(),
        )
        .await
    }

    async fn operator(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.operator_as(Some(DEFAULT_OPERATOR_TOKEN), method, path, body)
            .await
    }

    /// Sets an override of the English campaign; asserts 200.
    async fn set(&self, change: Value) -> Value {
        let r = self
            .operator(
                "PUT",
                &format!("campaigns/{ENGLISH}/visibility"),
                Some(change),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// The widget's read, with the public token and an optional `If-None-Match`.
    async fn read(&self, query: &str, if_none_match: Option<&str>) -> Reply {
        let mut headers = vec![("X-API-TOKEN", DEFAULT_TOKEN)];
        if let Some(tag) = if_none_match {
            headers.push(("If-None-Match", tag));
        }
        http(
            self.server.addr(),
            "GET",
            &format!("{API}/visibility?{query}"),
            &headers,
            None,
        )
        .await
    }

    /// The verdict for a visitor of the English campaign (`user`: a user key).
    async fn verdict(&self, tracker: &str, user: Option<&str>) -> VisibilityVerdict {
        let mut q = format!("campaign_id={ENGLISH}&tracker_id={tracker}");
        if let Some(u) = user {
            q.push_str(&format!(
                "&user={}",
                u.replace(':', "%3A").replace('@', "%40")
            ));
        }
        let r = self.read(&q, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.parse().expect("a verdict")
    }
}

fn hidden(until: Option<u64>) -> VisibilityVerdict {
    VisibilityVerdict {
        visibility: OverrideVisibility::Hidden,
        until,
    }
}

fn shown() -> VisibilityVerdict {
    VisibilityVerdict {
        visibility: OverrideVisibility::Shown,
        until: None,
    }
}

#[tokio::test]
async fn the_operator_api_needs_the_operator_token_not_the_public_one() {
    let t = T::start().await;
    let path = format!("campaigns/{ENGLISH}/visibility");
    let body = || Some(json!({"visibility": "hidden"}));
    for (token, method) in [(None, "GET"), (None, "PUT"), (None, "DELETE")] {
        let r = t.operator_as(token, method, &path, body()).await;
        assert_eq!(r.status, 401, "{method} without a token");
        assert!(r.error_message().contains("Authorization: Bearer"));
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"webchat-operator\"")
        );
    }
    // The public widget token, as a bearer token or in its own header: refused.
    let r = t
        .operator_as(Some(DEFAULT_TOKEN), "PUT", &path, body())
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_message(), "the operator token is not valid");
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
    let r = http(
        t.server.addr(),
        "GET",
        &format!("{OPERATOR}/{path}"),
        &[("X-API-TOKEN", DEFAULT_TOKEN)],
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    // The refused calls changed nothing.
    assert_eq!(t.verdict("v1", None).await, VisibilityVerdict::AUTO);

    // The right token.
    let r = t.operator("PUT", &path, body()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"scope": "campaign", "key": null, "visibility": "hidden", "until": null})
    );
    assert_eq!(t.verdict("v1", None).await, hidden(None));

    // A server with its own operator token accepts only that one.
    let own = T::with(Config {
        operator_token: "s3cret-operator".into(),
        ..Config::for_tests()
    })
    .await;
    let r = own.operator("GET", &path, None).await;
    assert_eq!(r.status, 401, "the default token is not this server's");
    let r = own
        .operator_as(Some("s3cret-operator"), "GET", &path, None)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn scopes_visitor_user_and_campaign_most_specific_first() {
    let t = T::start().await;
    let vip = "user:email:vip@example.com";
    let staff = "user:id:42";
    t.set(json!({"visibility": "hidden", "visitor": "browser-a"}))
        .await;
    t.set(json!({"visibility": "hidden", "user": {"email": "VIP@Example.com"}}))
        .await;
    let r = t
        .set(json!({"visibility": "shown", "user": {"id": 42}}))
        .await;
    assert_eq!(r["key"], staff);

    assert_eq!(t.verdict("browser-a", None).await, hidden(None));
    assert_eq!(
        t.verdict("browser-b", None).await,
        VisibilityVerdict::AUTO,
        "the other visitor keeps the launcher"
    );
    // A tagged user in any browser: their `tracker_id` is the user key, `user` too.
    assert_eq!(t.verdict(vip, Some(vip)).await, hidden(None));
    assert_eq!(t.verdict("browser-c", Some(vip)).await, hidden(None));
    assert_eq!(t.verdict(staff, Some(staff)).await, shown());

    // The whole campaign hidden: everyone without a more specific override.
    t.set(json!({"visibility": "hidden"})).await;
    assert_eq!(t.verdict("browser-b", None).await, hidden(None));
    assert_eq!(
        t.verdict(staff, Some(staff)).await,
        shown(),
        "the user's own override wins"
    );
    // A visitor shown during the campaign-wide hide.
    t.set(json!({"visibility": "shown", "visitor": "browser-b"}))
        .await;
    assert_eq!(t.verdict("browser-b", None).await, shown());
    // Another campaign is untouched.
    let r = t
        .read(&format!("campaign_id={GERMAN}&tracker_id=browser-b"), None)
        .await;
    assert_eq!(
        r.parse::<VisibilityVerdict>().unwrap(),
        VisibilityVerdict::AUTO
    );

    // The listing: campaign first, then visitors, then users, each by key.
    let list = t
        .operator("GET", &format!("campaigns/{ENGLISH}/visibility"), None)
        .await
        .json();
    assert_eq!(list["campaign_id"], ENGLISH);
    let rows: Vec<(String, Value, String)> = list["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            assert!(o["set_at"].as_u64().unwrap() > 0);
            (
                o["scope"].as_str().unwrap().to_owned(),
                o["key"].clone(),
                o["visibility"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("campaign".into(), Value::Null, "hidden".into()),
            ("visitor".into(), json!("browser-a"), "hidden".into()),
            ("visitor".into(), json!("browser-b"), "shown".into()),
            ("user".into(), json!(vip), "hidden".into()),
            ("user".into(), json!(staff), "shown".into()),
        ]
    );

    // Back to automatic, one scope, then everything.
    t.set(json!({"visibility": "auto"})).await;
    assert_eq!(t.verdict("browser-x", None).await, VisibilityVerdict::AUTO);
    let r = t
        .operator("DELETE", &format!("campaigns/{ENGLISH}/visibility"), None)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(t.verdict("browser-a", None).await, VisibilityVerdict::AUTO);
    assert_eq!(t.verdict(vip, Some(vip)).await, VisibilityVerdict::AUTO);
}

#[tokio::test]
async fn overrides_expire() {
    let t = T::start().await;
    let now = devserver::ids::now_ms();
    let r = t
        .set(json!({"visibility": "hidden", "visitor": "v", "until": now + 300}))
        .await;
    assert_eq!(r["until"], now + 300);
    let r = t
        .set(json!({"visibility": "shown", "visitor": "w", "seconds": 600}))
        .await;
    let until = r["until"].as_u64().unwrap();
    assert!((now + 600_000..now + 602_000).contains(&until), "{until}");
    assert_eq!(t.verdict("v", None).await, hidden(Some(now + 300)));
    // Wait for the expiry as the widget would: by asking again.
    let mut after = t.verdict("v", None).await;
    for _ in 0..100 {
        if after == VisibilityVerdict::AUTO {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        after = t.verdict("v", None).await;
    }
    assert_eq!(after, VisibilityVerdict::AUTO, "expired after 300 ms");
    assert!(devserver::ids::now_ms() >= now + 300);
    let list = t
        .operator("GET", &format!("campaigns/{ENGLISH}/visibility"), None)
        .await
        .json();
    assert_eq!(
        list["overrides"].as_array().unwrap().len(),
        1,
        "the expired one is not listed: {list}"
    );
}

#[tokio::test]
async fn bad_changes_and_unknown_campaigns() {
    let t = T::start().await;
    for (body, needle) in [
        (
            json!({"visibility": "hidden", "until": 5}),
            "not in the future",
        ),
        (
            json!({"visibility": "hidden", "visitor": "a", "user": {"id": 1}}),
            "not both",
        ),
        (
            json!({"visibility": "auto", "seconds": 60}),
            "removes the override",
        ),
        (
            json!({"visibility": "sometimes"}),
            "not valid JSON for this call",
        ),
        (
            json!({"visibility": "hidden", "everyone": true}),
            "unknown field",
        ),
    ] {
        let r = t
            .operator(
                "PUT",
                &format!("campaigns/{ENGLISH}/visibility"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 400, "{body}");
        let m = r.error_message();
        assert!(m.contains(needle), "{body}: {m:?} lacks {needle:?}");
    }
    let r = t
        .operator("GET", "campaigns/no-such-campaign/visibility", None)
        .await;
    assert_eq!(r.status, 404);
    let r = t.operator("GET", "nothing/here", None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_widget_read_has_an_etag_and_answers_304_when_unchanged() {
    let t = T::start().await;
    let q = format!("campaign_id={ENGLISH}&tracker_id=v1");
    let first = t.read(&q, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json(), json!({"visibility": "auto", "until": null}));
    assert_eq!(first.header("cache-control"), Some("no-cache"));
    let tag = first.header("etag").expect("ETag").to_owned();
    assert!(
        tag.starts_with('"') && tag.ends_with('"'),
        "a strong tag: {tag}"
    );

    let again = t.read(&q, Some(&tag)).await;
    assert_eq!(again.status, 304);
    assert_eq!(again.body, "");
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    // A list of tags, and the weak form, match too.
    let listed = format!("\"other\", W/{tag}");
    assert_eq!(t.read(&q, Some(&listed)).await.status, 304);

    // The operator acts: the next revalidation gets the new answer and tag.
    t.set(json!({"visibility": "hidden", "visitor": "v1"}))
        .await;
    let changed = t.read(&q, Some(&tag)).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.parse::<VisibilityVerdict>().unwrap(), hidden(None));
    let new_tag = changed.header("etag").unwrap();
    assert_ne!(new_tag, tag);
    // Another visitor with no override still matches the first tag: the tag is the answer's.
    let other = t
        .read(&format!("campaign_id={ENGLISH}&tracker_id=v2"), Some(&tag))
        .await;
    assert_eq!(other.status, 304);
}

#[tokio::test]
async fn the_widget_read_needs_the_public_token_and_its_parameters() {
    let t = T::start().await;
    let r = http(
        t.server.addr(),
        "GET",
        &format!("{API}/visibility?campaign_id={ENGLISH}&tracker_id=v"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    let r = t.read("tracker_id=v", None).await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("campaign_id"));
    let r = t
        .read(&format!("campaign_id={ENGLISH}&tracker_id="), None)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("tracker_id"));
    let r = t.read("campaign_id=nope&tracker_id=v", None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn cors_lets_pages_revalidate_and_read_the_etag() {
    let t = T::start().await;
    let pre = http(
        t.server.addr(),
        "OPTIONS",
        &format!("{API}/visibility?campaign_id={ENGLISH}&tracker_id=v"),
        &[
            ("Origin", "https://shop.example"),
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "x-api-token, if-none-match",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(pre.status, 200);
    let allowed = pre
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-none-match"), "{allowed}");
    let r = http(
        t.server.addr(),
        "GET",
        &format!("{API}/visibility?campaign_id={ENGLISH}&tracker_id=v"),
        &[
            ("Origin", "https://shop.example"),
            ("X-API-TOKEN", DEFAULT_TOKEN),
        ],
        None,
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase()
        .contains("etag"));
    // Browsers on other origins cannot change overrides: no PUT, no Authorization.
    let pre = http(
        t.server.addr(),
        "OPTIONS",
        &format!("{OPERATOR}/campaigns/{ENGLISH}/visibility"),
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
        None,
    )
    .await;
    let methods = pre
        .header("access-control-allow-methods")
        .unwrap_or_default();
    assert!(!methods.contains("PUT"), "{methods}");
    assert!(!pre
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .contains("authorization"));
}

#[tokio::test]
async fn the_campaign_says_whether_widgets_read_overrides() {
    let t = T::start().await;
    let get = |id: &'static str| {
        let addr = t.server.addr();
        async move {
            http(
                addr,
                "GET",
                &format!("{API}/campaigns/{id}"),
                &[("X-API-TOKEN", DEFAULT_TOKEN)],
                None,
            )
            .await
        }
    };
    let en = get(ENGLISH).await;
    assert_eq!(en.json()["webchat"]["visibilityOverrides"], true);
    assert!(en.parse::<Campaign>().unwrap().webchat.visibility_overrides);
    let de = get(GERMAN).await;
    assert!(
        de.json().get("webchat").is_none(),
        "no features: the seed's shape"
    );
    assert!(!de.parse::<Campaign>().unwrap().webchat.visibility_overrides);
}

#[tokio::test]
async fn a_signed_in_agent_flips_visibility_from_the_console() {
    let t = T::start().await;
    let mut ws = console::open(t.server.addr()).await;
    let hello = next_event(&mut ws).await;
    let offered: Vec<_> = hello["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["visibility_overrides"] == true)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(offered, [ENGLISH, "campaign-all-features"]);

    let hide = json!({"type": "set_visibility", "campaign_id": ENGLISH,
                      "change": {"visibility": "hidden", "visitor": "v9"}});
    command(&mut ws, hide.clone()).await;
    assert_eq!(next_event(&mut ws).await["message"], "sign in first");
    assert_eq!(t.verdict("v9", None).await, VisibilityVerdict::AUTO);

    command(&mut ws, json!({"type": "sign_in", "nickname": "op1"})).await;
    assert_eq!(next_event(&mut ws).await["type"], "signed_in");
    assert_eq!(next_event(&mut ws).await["type"], "chats");
    assert_eq!(next_event(&mut ws).await["type"], "offline_messages");
    assert_eq!(next_event(&mut ws).await["type"], "outbox");
    command(&mut ws, hide).await;
    let ev = next_event(&mut ws).await;
    assert_eq!(ev["type"], "visibility");
    assert_eq!(ev["overrides"][0]["key"], "v9");
    assert_eq!(t.verdict("v9", None).await, hidden(None));

    command(
        &mut ws,
        json!({"type": "set_visibility", "campaign_id": ENGLISH,
               "change": {"visibility": "auto", "seconds": 5}}),
    )
    .await;
    assert!(next_event(&mut ws).await["message"]
        .as_str()
        .unwrap()
        .contains("removes the override"));
    command(
        &mut ws,
        json!({"type": "set_visibility", "campaign_id": "nope",
               "change": {"visibility": "hidden"}}),
    )
    .await;
    assert_eq!(next_event(&mut ws).await["message"], "no such campaign");
    command(
        &mut ws,
        json!({"type": "list_visibility", "campaign_id": ENGLISH}),
    )
    .await;
    let ev = next_event(&mut ws).await;
    assert_eq!(ev["overrides"].as_array().unwrap().len(), 1);
}
