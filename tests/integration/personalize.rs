//! Issue 17: browser collection (CORS per source, Segment's and RudderStack's browser
//! protocols) and the personalization API with its access rules and live stream.
use crate::support::{Reply, TestApp, basic_auth};
use axum::{body::Body, http::Request};
use enrich::{
    model::source::SourceKind,
    server::{
        db::{
            memberships::{MembershipDoc, Memberships, membership_key},
            segments::Segments,
            sources::Sources,
        },
        ingest::auth::user_token,
    },
};
use futures::StreamExt;
use mongodb::bson::{self, doc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const SHOP: &str = "https://shop.example";

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.anonymous()
        .send_raw(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

/// `GET /v1/personalize` for anonymous visitor `id`, with write key `key`.
async fn read_visitor(app: &TestApp, key: &str, id: &str) -> Reply {
    let path = format!("/v1/personalize?anonymousId={id}");
    send(app, "GET", &path, &[("x-write-key", key)], "").await
}

/// An API source `web` allowing `SHOP`, with a write key.
async fn web_source(app: &TestApp) -> (String, Sources) {
    let key = app.write_key("web").await;
    let sources = Sources::new(&app.db);
    let source = sources.by_name("web").await.unwrap().unwrap();
    sources
        .save_origins(source.id, &[SHOP.to_owned()])
        .await
        .unwrap();
    (key, sources)
}

#[tokio::test]
async fn allowed_origins_are_checked_typed_and_saved_through_settings() {
    let admin = TestApp::new().await;
    admin.write_key("web").await;
    let list = admin.call("/api/sources/list", &[]).await.json();
    let id = list["sources"][0]["id"].as_str().unwrap().to_owned();
    let bad = admin
        .call(
            "/api/sources/origins",
            &[
                ("source_id", &id),
                ("origins", "https://ok.example\nshop.example/path"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.json()["field"], format!("origins.{id}"));
    assert!(bad.body.contains("shop.example/path"), "{}", bad.body);
    let stored = admin.call("/api/sources/list", &[]).await.json();
    assert_eq!(
        stored["sources"][0]["allowed_origins"],
        json!([]),
        "nothing saved on error"
    );
    let ok = admin
        .call(
            "/api/sources/origins",
            &[
                ("source_id", &id),
                ("origins", "https://Shop.Example/\nhttp://localhost:8080"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let stored = admin.call("/api/sources/list", &[]).await.json();
    assert_eq!(
        stored["sources"][0]["allowed_origins"],
        json!([SHOP, "http://localhost:8080"])
    );
    let marketer = admin.as_role(enrich::model::access::Role::Marketer).await;
    let refused = marketer
        .call(
            "/api/sources/origins",
            &[("source_id", &id), ("origins", "")],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn cors_answers_exactly_the_allowed_origin_and_refuses_others() {
    let app = TestApp::new().await;
    let (key, _) = web_source(&app).await;
    let preflight = |origin: &'static str| {
        vec![
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ]
    };
    let allowed = send(&app, "OPTIONS", "/v1/t", &preflight(SHOP), "").await;
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.headers["access-control-allow-origin"], SHOP);
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    let other = send(
        &app,
        "OPTIONS",
        "/v1/t",
        &preflight("https://evil.example"),
        "",
    )
    .await;
    assert_eq!(other.status, 403);
    assert!(other.headers.get("access-control-allow-origin").is_none());
    assert_eq!(other.json()["field"], "Origin");

    let event =
        json!({"type": "track", "event": "Product Viewed", "anonymousId": "a-1"}).to_string();
    let auth = basic_auth(&key);
    let sent = send(
        &app,
        "POST",
        "/v1/track",
        &[("origin", SHOP), ("authorization", &auth)],
        &event,
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.headers["access-control-allow-origin"], SHOP);
    let evil = [
        ("origin", "https://evil.example"),
        ("authorization", auth.as_str()),
    ];
    let refused = send(&app, "POST", "/v1/track", &evil, &event).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("https://evil.example") && refused.body.contains("Settings"));
    assert_eq!(
        app.count("events", doc! {}).await,
        1,
        "the refused event is not stored"
    );
    // A backend sends no Origin: no CORS applies.
    let backend = send(
        &app,
        "POST",
        "/v1/track",
        &[("authorization", &auth)],
        &event,
    )
    .await;
    assert_eq!(backend.status, 200);
    assert!(backend.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn segment_browser_posts_text_plain_to_short_paths_with_the_key_in_the_body() {
    let app = TestApp::new().await;
    let (key, _) = web_source(&app).await;
    let page = json!({"type": "page", "name": "Home", "anonymousId": "anon-s", "writeKey": key,
        "properties": {"path": "/", "url": "https://shop.example/"}, "sentAt": "2026-12-03T10:00:00Z",
        "_metadata": {"bundled": ["Segment.io"], "unbundled": []}, "integrations": {}});
    let reply = send(
        &app,
        "POST",
        "/v1/p",
        &[("origin", SHOP), ("content-type", "text/plain")],
        &page.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["access-control-allow-origin"], SHOP);
    let batch = json!({"writeKey": key, "sentAt": "2026-12-03T10:00:01Z", "batch": [
        {"type": "track", "event": "Product Viewed", "anonymousId": "anon-s", "properties": {"category": "shoes"}},
        {"type": "identify", "userId": "u-s", "anonymousId": "anon-s", "traits": {"plan": "pro"}}]});
    let reply = send(
        &app,
        "POST",
        "/v1/b",
        &[("origin", SHOP), ("content-type", "text/plain")],
        &batch.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(app.count("events", doc! {}).await, 3);
    let profiles = app.live_profiles().await;
    assert_eq!(
        profiles.len(),
        1,
        "anonymous views and the identify are one person"
    );
    assert!(
        profiles[0].last_page.is_some(),
        "the page call set the last web visit"
    );
    let wrong = json!({"type": "track", "event": "x", "anonymousId": "a", "writeKey": "wk_nope"});
    let refused = send(
        &app,
        "POST",
        "/v1/t",
        &[("content-type", "text/plain")],
        &wrong.to_string(),
    )
    .await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn sdk_settings_point_segment_and_rudderstack_at_this_host() {
    let app = TestApp::new().await;
    let (key, _) = web_source(&app).await;
    let path = format!("/v1/projects/{key}/settings");
    let settings = send(
        &app,
        "GET",
        &path,
        &[("origin", SHOP), ("host", "cdp.example:8080")],
        "",
    )
    .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert_eq!(settings.headers["access-control-allow-origin"], SHOP);
    let io = &settings.json()["integrations"]["Segment.io"];
    assert_eq!(io["apiHost"], "cdp.example:8080/v1");
    assert_eq!(io["protocol"], "http");
    let unknown = send(&app, "GET", "/v1/projects/wk_unknown/settings", &[], "").await;
    assert_eq!(unknown.status, 401);
    let config = send(
        &app,
        "GET",
        &format!("/sourceConfig/?p=npm&v=3&writeKey={key}"),
        &[("origin", SHOP)],
        "",
    )
    .await;
    assert_eq!(config.status, 200, "{}", config.body);
    let body = config.json();
    assert_eq!(body["source"]["writeKey"], key.as_str());
    assert_eq!(body["source"]["enabled"], true);
    assert_eq!(body["source"]["destinations"], json!([]));
    let probe = send(
        &app,
        "HEAD",
        &format!("/sourceConfig/?view=ad&writeKey={key}"),
        &[],
        "",
    )
    .await;
    assert_eq!(probe.status, 200);
}

/// Exposes segment `name` (with one member `profile`) as `key`, and the `plan` trait.
async fn expose(app: &TestApp, profile: bson::oid::ObjectId, key: &str) {
    let segments = Segments::new(&app.db);
    let id = bson::oid::ObjectId::new();
    let label = enrich::model::segment::SegmentLabel {
        name: key.into(),
        description: String::new(),
    };
    let segment = enrich::server::db::segments::SegmentDoc {
        id,
        exposed_key: Some(key.into()),
        ..enrich::server::db::segments::SegmentDoc::new(label, None, "test", bson::DateTime::now())
    };
    app.db
        .collection::<enrich::server::db::segments::SegmentDoc>("segments")
        .insert_one(&segment)
        .await
        .unwrap();
    Memberships::new(&app.db)
        .enter(&[MembershipDoc {
            id: membership_key(id, profile),
            segment_id: id,
            profile_id: profile,
            entered_at: bson::DateTime::now(),
        }])
        .await
        .unwrap();
    assert!(
        segments
            .exposed()
            .await
            .unwrap()
            .iter()
            .any(|(s, _)| *s == id)
    );
    app.state.personalize.forget_exposure();
}

#[tokio::test]
async fn personalization_shows_exposed_data_only_to_who_may_read_it() {
    let app = TestApp::new().await;
    let (key, sources) = web_source(&app).await;
    let auth = basic_auth(&key);
    let visit = json!({"anonymousId": "anon-v", "properties": {"path": "/shoes"},
        "context": {"traits": {}}});
    assert_eq!(app.track("/v1/page", &key, &visit).await.status, 200);
    let traits = json!({"anonymousId": "anon-v", "traits": {"plan": "gold", "city": "Oslo"}});
    assert_eq!(app.track("/v1/identify", &key, &traits).await.status, 200);
    let visitor = app.live_profiles().await[0].id;
    expose(&app, visitor, "browsing_shoes").await;
    let admin_expose = app
        .call(
            "/api/fields/expose",
            &[("key", "plan"), ("exposed", "true")],
        )
        .await;
    assert_eq!(admin_expose.status, 200, "{}", admin_expose.body);
    let pii = app
        .call(
            "/api/fields/expose",
            &[("key", "email"), ("exposed", "true")],
        )
        .await;
    assert_eq!(pii.status, 400, "PII is never exposed: {}", pii.body);
    assert_eq!(pii.json()["field"], "exposed");

    let read = read_visitor(&app, &key, "anon-v").await;
    assert_eq!(read.status, 200, "{}", read.body);
    let doc = read.json();
    assert_eq!(
        doc["traits"],
        json!({"plan": "gold"}),
        "only exposed, never PII"
    );
    assert_eq!(doc["segments"], json!(["browsing_shoes"]));
    assert!(doc["recommendations"].is_array() && doc["messages"] == json!([]));
    assert!(!read.body.contains("Oslo"), "a trait nobody exposed");
    // The same through the query string, as EventSource sends it, and through Basic auth.
    let query = send(
        &app,
        "GET",
        &format!("/v1/personalize?anonymousId=anon-v&writeKey={key}"),
        &[],
        "",
    )
    .await;
    assert_eq!(query.json()["segments"], doc["segments"]);
    let basic = send(
        &app,
        "GET",
        "/v1/personalize?anonymousId=anon-v",
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(basic.json()["traits"], doc["traits"]);

    // A visitor who gave an email is a known person: the write key learns nothing about them.
    let other =
        json!({"anonymousId": "anon-e", "traits": {"plan": "gold", "email": "e@mail.test"}});
    assert_eq!(app.track("/v1/identify", &key, &other).await.status, 200);
    let emailed = read_visitor(&app, &key, "anon-e").await;
    assert_eq!(emailed.json()["traits"], json!({}), "{}", emailed.body);
    assert!(!emailed.body.contains("e@mail.test"));
    // Once the visitor signs in, the write key learns nothing more: answered like a stranger.
    let login = json!({"userId": "user-v", "anonymousId": "anon-v"});
    assert_eq!(app.track("/v1/identify", &key, &login).await.status, 200);
    let known = read_visitor(&app, &key, "anon-v").await;
    let stranger = read_visitor(&app, &key, "never-seen").await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("updatedAt");
        v.as_object_mut().unwrap().remove("anonymousId");
        v
    };
    assert_eq!(
        strip(known.json()),
        strip(stranger.json()),
        "a known user looks like no one"
    );
    for path in ["/v1/personalize?userId=user-v", "/v1/personalize"] {
        let refused = send(&app, "GET", path, &[("x-write-key", &key)], "").await;
        assert!(
            refused.status == 401 || refused.status == 400,
            "{path}: {}",
            refused.status
        );
    }
    assert_eq!(
        send(
            &app,
            "GET",
            "/v1/personalize?userId=user-v",
            &[("x-write-key", &key)],
            ""
        )
        .await
        .status,
        401
    );

    // A user token reads its own user, and only them; a server key reads anyone.
    let source = sources.by_name("web").await.unwrap().unwrap();
    let server = sources.server_keys().issue(&source).await.unwrap();
    let digest = Sha256::digest(server.key.as_bytes()).to_vec();
    let expires = chrono::Utc::now().timestamp() + 600;
    let token = user_token::mint(&digest, &server.key_id, expires, "user-v");
    let mine = send(
        &app,
        "GET",
        "/v1/personalize?userId=user-v",
        &[("x-user-token", &token)],
        "",
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()["segments"], json!(["browsing_shoes"]));
    assert_eq!(mine.json()["traits"], json!({"plan": "gold"}));
    let other = send(
        &app,
        "GET",
        "/v1/personalize?userId=someone-else",
        &[("x-user-token", &token)],
        "",
    )
    .await;
    assert_eq!(other.status, 401);
    let by_token_query = send(
        &app,
        "GET",
        &format!("/v1/personalize?userId=user-v&token={token}"),
        &[],
        "",
    )
    .await;
    assert_eq!(by_token_query.status, 200);
    let backend = send(
        &app,
        "GET",
        "/v1/personalize?anonymousId=anon-v",
        &[("authorization", &format!("Bearer {}", server.key))],
        "",
    )
    .await;
    assert_eq!(
        backend.json()["segments"],
        json!(["browsing_shoes"]),
        "a backend reads known users"
    );
    // Classified personal later: no longer exposed.
    let classify = app
        .call("/api/fields/classify", &[("key", "plan"), ("class", "pii")])
        .await;
    assert_eq!(classify.status, 200, "{}", classify.body);
    let after = send(
        &app,
        "GET",
        "/v1/personalize?userId=user-v",
        &[("x-user-token", &token)],
        "",
    )
    .await;
    assert_eq!(after.json()["traits"], json!({}));
}

/// Reads SSE `personalization` events from a streaming response until `want` holds.
async fn wait_for_event(
    frames: &mut (impl futures::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    buffer: &mut String,
    want: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block
                .lines()
                .find_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                && let Ok(value) = serde_json::from_str::<Value>(data)
                && want(&value)
            {
                return value;
            }
        }
        let next = tokio::time::timeout_at(deadline, frames.next())
            .await
            .expect("no such event within 10 s");
        let data = next.expect("stream ended").unwrap();
        buffer.push_str(&String::from_utf8_lossy(&data));
    }
}

#[tokio::test]
async fn the_stream_pushes_a_new_segment_when_the_visitor_enters_it() {
    let app = TestApp::new().await;
    let (key, _) = web_source(&app).await;
    // A rule segment on events, exposed: three shoe views today.
    let rule = json!({"type": "event", "event": "Product Viewed", "count": "at_least", "times": 2,
        "within_days": 1, "filters": []});
    assert_eq!(
        app.track(
            "/v1/track",
            &key,
            &json!({"anonymousId": "seed", "event": "Product Viewed"})
        )
        .await
        .status,
        200
    );
    let saved = app
        .call(
            "/api/segments/save",
            &[
                ("name", "Browsing"),
                ("description", ""),
                ("rule", &rule.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let id = saved.json().as_str().unwrap().to_owned();
    let exposed = app
        .call("/api/segments/expose", &[("id", &id), ("key", "browsing")])
        .await;
    assert_eq!(exposed.status, 200, "{}", exposed.body);
    let clash = Segments::new(&app.db);
    assert_eq!(clash.exposed().await.unwrap().len(), 1);
    let bad = app
        .call(
            "/api/segments/expose",
            &[("id", &id), ("key", "Browsing Shoes")],
        )
        .await;
    assert_eq!(bad.json()["field"], "key");

    assert_eq!(
        app.track(
            "/v1/track",
            &key,
            &json!({"anonymousId": "anon-live", "event": "Product Viewed"})
        )
        .await
        .status,
        200
    );
    let request = Request::get(format!(
        "/v1/personalize/stream?anonymousId=anon-live&writeKey={key}"
    ))
    .header("host", crate::support::HOST)
    .body(Body::empty())
    .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut frames = response.into_body().into_data_stream();
    let mut buffer = String::new();
    let first = wait_for_event(&mut frames, &mut buffer, |_| true).await;
    assert_eq!(first["segments"], json!([]));
    assert_eq!(
        app.track(
            "/v1/track",
            &key,
            &json!({"anonymousId": "anon-live", "event": "Product Viewed"})
        )
        .await
        .status,
        200
    );
    let pushed = wait_for_event(&mut frames, &mut buffer, |v| {
        v["segments"] == json!(["browsing"])
    })
    .await;
    assert_eq!(pushed["anonymousId"], "anon-live");
    let refused = send(
        &app,
        "GET",
        "/v1/personalize/stream?userId=u&writeKey=wk_x",
        &[],
        "",
    )
    .await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn the_demo_shop_is_off_unless_configured() {
    let app = TestApp::new().await;
    assert_eq!(send(&app, "GET", "/demo/shop", &[], "").await.status, 404);
    let settings = enrich::server::config::Settings {
        demo_shop: true,
        ..Default::default()
    };
    let shop = TestApp::with_settings(settings).await;
    let page = send(&shop, "GET", "/demo/shop", &[], "").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let catalog = send(&shop, "GET", "/demo/shop/catalog.json", &[], "")
        .await
        .json();
    let key = catalog["writeKey"].as_str().unwrap().to_owned();
    assert!(key.starts_with("wk_"));
    let again = send(&shop, "GET", "/demo/shop/catalog.json", &[], "")
        .await
        .json();
    assert_eq!(again["writeKey"], key.as_str(), "one key, kept");
    let source = Sources::new(&shop.db)
        .authenticate(&key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (source.name.as_str(), source.kind),
        ("demo-shop", SourceKind::Api)
    );
}
