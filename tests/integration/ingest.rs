//! The tracking API: auth, limits, all-or-nothing batches, exactly-once, real SDK payloads.
use crate::support::{TestApp, basic_auth};
use axum::{body::Body, http::Request};
use mongodb::bson::doc;
use serde_json::{Value, json};
use std::io::Write;

fn track(user: &str, event: &str, message_id: &str) -> Value {
    json!({"userId": user, "event": event, "messageId": message_id,
           "properties": {"plan": "pro"}, "timestamp": "2026-11-20T10:00:00Z"})
}

#[tokio::test]
async fn missing_wrong_and_revoked_keys_are_401_json() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let body = track("u1", "Signed Up", "m1");
    let none = app
        .send(
            Request::post("/v1/track")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["error"], "unauthorized");
    assert_eq!(app.track("/v1/track", "wk_wrong", &body).await.status, 401);
    let header = app
        .send(
            Request::post("/v1/track")
                .header("x-write-key", &key)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(header.status, 200, "{}", header.body);

    use enrich::server::db::sources::Sources;
    let sources = Sources::new(&app.db);
    let listed = sources.list().await.unwrap();
    sources
        .revoke_key(listed[0].keys[0].id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(app.track("/v1/track", &key, &body).await.status, 401);
    assert_eq!(
        app.count("events", doc! {}).await,
        1,
        "only the authorised call was stored"
    );
}

#[tokio::test]
async fn every_call_type_is_accepted_and_stored_with_unknown_fields() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let calls = [
        (
            "identify",
            json!({"userId": "u1", "traits": {"email": "u1@x.io", "tier": {"level": 2}}}),
        ),
        ("track", track("u1", "Order Completed", "t1")),
        (
            "page",
            json!({"userId": "u1", "name": "Home", "properties": {"path": "/"}}),
        ),
        ("screen", json!({"userId": "u1", "name": "Cart"})),
        (
            "group",
            json!({"userId": "u1", "groupId": "acme", "traits": {"plan": "b2b"}}),
        ),
        ("alias", json!({"userId": "u1", "previousId": "anon-9"})),
    ];
    for (call, mut body) in calls {
        body["x-vendor-field"] = json!({"kept": true});
        let reply = app.track(&format!("/v1/{call}"), &key, &body).await;
        assert_eq!(reply.status, 200, "{call}: {}", reply.body);
        assert_eq!(reply.json()["success"], true);
        assert_eq!(reply.json()["accepted"], 1);
    }
    let kept = app
        .count("events", doc! { "message.raw.x-vendor-field.kept": true })
        .await;
    assert_eq!(kept, 6);
    let profiles = app.live_profiles().await;
    assert_eq!(profiles.len(), 1, "all six calls describe one person");
    let profile = &profiles[0];
    assert_eq!(profile.email.as_deref(), Some("u1@x.io"));
    assert_eq!(profile.traits.get_str("groupId").unwrap(), "acme");
    assert!(
        profile
            .identities
            .iter()
            .any(|i| i.key == "anonymous_id:anon-9")
    );
    let names: Vec<&str> = profile.counters.iter().map(|c| c.event.as_str()).collect();
    assert_eq!(names, ["Order Completed", "Page Viewed", "Screen Viewed"]);
    assert_eq!(
        app.track("/v1/fly", &key, &json!({})).await.status,
        404,
        "unknown call"
    );
}

#[tokio::test]
async fn a_segment_sdk_batch_gzip_and_basic_auth_is_applied() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    // What analytics-node / analytics-python send: a gzip batch, batch-level sentAt and
    // context.library, ISO timestamps with offsets, charset in the content type.
    let body = json!({
        "batch": [
            {"type": "identify", "messageId": "sdk-1", "anonymousId": "a-77",
             "userId": "user-77", "traits": {"email": "Kim@Example.com", "name": "Kim"},
             "timestamp": "2026-11-20T19:00:00.123+09:00",
             "context": {"library": {"name": "analytics-python", "version": "2.3.2"}}},
            {"type": "track", "messageId": "sdk-2", "userId": "user-77",
             "event": "Product Viewed", "properties": {"sku": "SKU-1", "price": 19.99},
             "timestamp": "2026-11-20T19:00:05.000+09:00"},
            {"type": "page", "messageId": "sdk-3", "anonymousId": "a-77",
             "properties": {"url": "https://shop.example/p/1", "path": "/p/1", "title": "Shoes"},
             "timestamp": "2026-11-20T19:00:06+09:00"}
        ],
        "sentAt": "2026-11-20T10:00:07Z",
        "context": {"library": {"name": "analytics-node", "version": "6.0.0"}, "ip": "203.0.113.9"}
    });
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body.to_string().as_bytes()).unwrap();
    let reply = app
        .send(
            Request::post("/v1/batch")
                .header("authorization", basic_auth(&key))
                .header("content-type", "application/json; charset=utf-8")
                .header("content-encoding", "gzip")
                .header("user-agent", "analytics-python/2.3.2")
                .body(Body::from(encoder.finish().unwrap()))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["accepted"], 3);
    let profiles = app.live_profiles().await;
    assert_eq!(profiles.len(), 1);
    let profile = &profiles[0];
    assert_eq!(profile.name, "Kim");
    assert_eq!(profile.email.as_deref(), Some("kim@example.com"));
    assert_eq!(
        profile.last_page.as_ref().unwrap().title.as_deref(),
        Some("Shoes")
    );
    let library = app
        .count(
            "events",
            doc! { "message.raw.context.library.name": "analytics-python" },
        )
        .await;
    assert_eq!(library, 1, "a message's own context wins over the batch's");
}

#[tokio::test]
async fn one_invalid_message_rejects_the_batch_and_names_its_index() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let body = json!({"batch": [
        {"type": "track", "userId": "u", "event": "A", "messageId": "ok"},
        {"type": "track", "userId": "u", "messageId": "bad"},
    ]});
    let reply = app.track("/v1/batch", &key, &body).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["field"], "batch[1].event");
    assert_eq!(app.count("events", doc! {}).await, 0, "nothing applied");
    assert_eq!(app.count("profiles", doc! {}).await, 0);
}

#[tokio::test]
async fn limits_answer_413_naming_the_limit_and_the_index() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let huge = "x".repeat(33 * 1024);
    let single = app
        .track(
            "/v1/track",
            &key,
            &json!({"userId": "u", "event": "E", "properties": {"b": huge}}),
        )
        .await;
    assert_eq!(single.status, 413);
    assert_eq!(single.json()["limit"], "message_size");
    let small = json!({"type": "track", "userId": "u", "event": "E"});
    let mut items = vec![small.clone(); 3];
    items.push(json!({"type": "track", "userId": "u", "event": "E", "properties": {"b": huge}}));
    let batch = app
        .track("/v1/batch", &key, &json!({ "batch": items }))
        .await;
    assert_eq!(batch.status, 413);
    assert_eq!(batch.json()["index"], 3);
    let many = app
        .track(
            "/v1/batch",
            &key,
            &json!({ "batch": vec![small.clone(); 2_501] }),
        )
        .await;
    assert_eq!(many.json()["limit"], "batch_length");
    let chunk = "y".repeat(30 * 1024);
    let request = app
        .track("/v1/batch", &key, &json!({ "batch": vec![json!({"type": "track", "userId": "u", "event": "E", "properties": {"c": chunk}}); 20] }))
        .await;
    assert_eq!(request.status, 413);
    assert_eq!(request.json()["limit"], "request_size");
    let garbage = app
        .send(
            Request::post("/v1/track")
                .header("authorization", basic_auth(&key))
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.json()["error"], "bad_request");
    assert_eq!(app.count("events", doc! {}).await, 0);
}

#[tokio::test]
async fn a_retried_message_is_acknowledged_and_applied_once() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let body = json!({"batch": [track("u1", "Order Completed", "m-1"), track("u1", "Order Completed", "m-2")]});
    let body = json!({"batch": body["batch"].as_array().unwrap().iter().map(|m| {
        let mut m = m.clone(); m["type"] = json!("track"); m }).collect::<Vec<_>>()});
    for attempt in 0..3 {
        let reply = app.track("/v1/batch", &key, &body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let expected = if attempt == 0 { (2, 0) } else { (0, 2) };
        assert_eq!(
            (
                reply.json()["accepted"].as_u64().unwrap(),
                reply.json()["duplicates"].as_u64().unwrap()
            ),
            expected
        );
    }
    let again = app
        .track("/v1/track", &key, &track("u1", "Order Completed", "m-1"))
        .await;
    assert_eq!(again.json()["duplicates"], 1);
    assert_eq!(app.count("events", doc! {}).await, 2);
    let profile = &app.live_profiles().await[0];
    assert_eq!(profile.counters[0].total, 2, "no counter incremented twice");
    assert_eq!(profile.event_count, 2);
    // The same message id from another source is a different message.
    let other = app.write_key("mobile").await;
    let reply = app
        .track("/v1/track", &other, &track("u1", "Order Completed", "m-1"))
        .await;
    assert_eq!(reply.json()["accepted"], 1);
}

#[tokio::test]
async fn a_crash_between_profile_update_and_event_write_is_not_double_counted() {
    use enrich::server::{
        db::sources::Sources,
        ingest::{limits::read_single, message::MessageType},
    };
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let source = Sources::new(&app.db)
        .authenticate(&key)
        .await
        .unwrap()
        .unwrap();
    let body = track("u1", "Order Completed", "m-crash").to_string();
    let message = read_single(body.as_bytes(), MessageType::Track, chrono::Utc::now()).unwrap();
    // Simulate the crash: apply the profile update, then lose the event write.
    let state = enrich::server::AppState::new(
        crate::support::leptos_options(),
        app.db.clone(),
        &Default::default(),
        enrich::server::privacy::keyring::generate(),
    );
    enrich::server::ingest::pipeline::ingest(&state.ingest.graph, &source, &[message])
        .await
        .unwrap();
    app.db
        .collection::<mongodb::bson::Document>("events")
        .delete_many(doc! {})
        .await
        .unwrap();
    let retry = app
        .track(
            "/v1/track",
            &key,
            &track("u1", "Order Completed", "m-crash"),
        )
        .await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        app.count("events", doc! {}).await,
        1,
        "the event is stored on retry"
    );
    assert_eq!(
        app.live_profiles().await[0].counters[0].total,
        1,
        "but counted once"
    );
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_get_429_with_retry_after() {
    use enrich::server::{AppState, config::Settings};
    let db = crate::support::fresh_db().await;
    let settings = Settings {
        max_ingest_in_flight: 1,
        ..Settings::default()
    };
    let state = AppState::new(
        crate::support::leptos_options(),
        db.clone(),
        &settings,
        enrich::server::privacy::keyring::generate(),
    );
    let permit = state
        .ingest
        .in_flight
        .0
        .clone()
        .try_acquire_owned()
        .unwrap();
    let app = TestApp::from_state(state);
    let key = app.write_key("web").await;
    let busy = app.track("/v1/track", &key, &track("u", "E", "m")).await;
    assert_eq!(busy.status, 429);
    assert_eq!(busy.headers["retry-after"], "1");
    assert_eq!(busy.json()["error"], "too_many_requests");
    drop(permit);
    assert_eq!(
        app.track("/v1/track", &key, &track("u", "E", "m"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_call() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let document = reply.json();
    for call in [
        "identify", "track", "page", "screen", "group", "alias", "batch",
    ] {
        let path = &document["paths"][format!("/v1/{call}")]["post"];
        assert!(path.is_object(), "{call} missing");
        assert!(path["responses"]["413"].is_object());
    }
    assert_eq!(
        document["components"]["securitySchemes"]["writeKey"]["scheme"],
        "basic"
    );
    assert!(document["components"]["schemas"]["Message"]["properties"]["userId"].is_object());
}

#[tokio::test]
async fn other_methods_on_tracking_paths_are_405_json() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/track").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
    assert_eq!(reply.json()["error"], "method_not_allowed");
}

#[tokio::test]
async fn concurrent_batches_for_one_person_lose_no_update() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let batch = |tag: &str| {
        let messages: Vec<Value> = (0..40)
            .map(|n| json!({"type": "track", "userId": "u1", "event": "Clicked", "messageId": format!("{tag}-{n}")}))
            .collect();
        json!({ "batch": messages })
    };
    let (a, b) = (batch("a"), batch("b"));
    let (first, second) = tokio::join!(
        app.track("/v1/batch", &key, &a),
        app.track("/v1/batch", &key, &b)
    );
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (200, 200));
    let profile = &app.live_profiles().await[0];
    assert_eq!(profile.counters[0].total, 80, "every message counted once");
    assert_eq!(profile.event_count, 80);
    assert_eq!(app.count("events", doc! {}).await, 80);
}
