//! `/metrics`: Prometheus text whose numbers move with the work done — requests per route
//! group, ingest outcomes and database commands per batch, imports, segment computations,
//! campaign sends, websocket clients, change-stream lag and queue depths.
//!
//! The recorder is one per process and tests run side by side, so each check compares a
//! number before and after this test's own work and asks for at least that much change.
use crate::{
    campaign_support::{self as cs, email_form, launch, person, tag},
    imports::{CRM_UPLOAD, finished, upload},
    live::{change_stream_settings, serve, subscribed},
    segments::create,
    support::{TestApp, basic_auth, fresh_db, keyring_state},
};
use axum::{body::Body, http::Request};
use enrich::{
    model::access::Role,
    server::{AppState, metrics::scrape},
};
use http_body_util::BodyExt as _;
use mongodb::bson::oid::ObjectId;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt as _;

/// Scrapes `/metrics` from the metrics listener's router, as Prometheus would.
async fn scrape(app: &TestApp) -> String {
    scrape_state(app.state.clone()).await
}

async fn scrape_state(state: AppState) -> String {
    let router = scrape::routes(state);
    let reply = router
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(
        reply.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let body = reply.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

/// The sum of every series of `name` carrying all of `labels` (0 when there is none).
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, number) = line.rsplit_once(' ')?;
            let (metric, set) = match series.split_once('{') {
                Some((metric, set)) => (metric, set.trim_end_matches('}')),
                None => (series, ""),
            };
            let wanted = metric == name
                && labels
                    .iter()
                    .all(|(k, v)| set.split(',').any(|pair| pair == format!("{k}=\"{v}\"")));
            wanted.then(|| number.parse::<f64>().ok()).flatten()
        })
        .sum()
}

#[tokio::test]
async fn ingest_requests_and_database_commands_move_the_numbers() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let before = scrape(&app).await;
    let batch = json!({ "batch": [
        { "type": "identify", "userId": "m-1", "messageId": "metrics-1", "traits": { "plan": "gold" } },
        { "type": "track", "userId": "m-1", "messageId": "metrics-2", "event": "Order Completed" },
    ]});
    assert_eq!(app.track("/v1/batch", &key, &batch).await.status, 200);
    // The same two again: acknowledged as duplicates.
    assert_eq!(app.track("/v1/batch", &key, &batch).await.status, 200);
    let refused = app
        .send(
            Request::post("/v1/track")
                .header("authorization", basic_auth("wk_not_a_key"))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"userId":"x","event":"E"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, 401);
    let after = scrape(&app).await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(moved("enrich_ingest_batches_total", &[("outcome", "accepted")]) >= 2.0);
    assert!(moved("enrich_ingest_batches_total", &[("outcome", "refused")]) >= 1.0);
    assert!(moved("enrich_ingest_messages_total", &[("result", "accepted")]) >= 2.0);
    assert!(moved("enrich_ingest_messages_total", &[("result", "duplicate")]) >= 2.0);
    let tracking = [("group", "tracking"), ("method", "POST")];
    assert!(
        moved(
            "enrich_http_requests_total",
            &[tracking[0], tracking[1], ("status", "2xx")]
        ) >= 2.0
    );
    assert!(
        moved(
            "enrich_http_requests_total",
            &[tracking[0], tracking[1], ("status", "4xx")]
        ) >= 1.0
    );
    assert!(
        moved(
            "enrich_http_request_duration_seconds_count",
            &[("group", "tracking")]
        ) >= 3.0
    );
    // Each accepted batch is one observation of its commands, and a batch takes at least
    // one command (reading which of its messages are already stored).
    assert!(moved("enrich_ingest_batch_db_commands_count", &[]) >= 2.0);
    assert!(moved("enrich_ingest_batch_db_commands_sum", &[]) >= 2.0);
    assert!(moved("enrich_db_commands_total", &[("command", "find")]) >= 1.0);
    assert!(after.contains("# HELP enrich_ingest_batch_db_commands"));
}

#[tokio::test]
async fn imports_segments_campaign_sends_and_queues_move_the_numbers() {
    let app = cs::app(&[]).await;
    let before = scrape(&app).await;

    let reply = upload(&app, &CRM_UPLOAD, "application/json").await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    finished(&app, reply.json()["id"].as_str().unwrap()).await;

    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..3 {
        let traits = json!({ "email": format!("m{i}-{t}@mail.test"), "plan": "metrics" });
        person(&app, &key, &format!("m{i}-{t}"), traits, true).await;
    }
    let rule = json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "metrics" } });
    let segment = create(&app, "Metrics", &rule).await;
    let campaign = launch(&app, &email_form("Metrics", &segment)).await;
    cs::wait_status(&app, &campaign, "completed").await;
    cs::wait_mail(&t, 3).await;

    let after = scrape(&app).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(moved("enrich_import_rows_total", &[("result", "imported")]) >= 2.0);
    assert!(moved("enrich_import_rows_total", &[("result", "rejected")]) >= 1.0);
    assert!(moved("enrich_segment_recompute_seconds_count", &[]) >= 1.0);
    assert!(
        moved(
            "enrich_campaign_sends_total",
            &[("channel", "email"), ("outcome", "sent")]
        ) >= 3.0
    );
}

#[tokio::test]
async fn queue_depths_are_read_from_the_database_when_scraped() {
    // An instance whose workers are not started: what is queued stays queued.
    let db = fresh_db().await;
    let state = keyring_state(&db, &Default::default());
    let profiles: Vec<_> = (0..3).map(|_| ObjectId::new()).collect();
    state
        .ingest
        .graph
        .match_queue
        .push(&profiles)
        .await
        .unwrap();
    let text = scrape_state(state.clone()).await;
    assert_eq!(
        value(&text, "enrich_queue_depth", &[("queue", "matching")]),
        3.0,
        "{text}"
    );
    assert_eq!(
        value(&text, "enrich_queue_depth", &[("queue", "campaign_outbox")]),
        0.0
    );
}

#[tokio::test]
async fn websocket_clients_and_change_stream_lag_are_reported() {
    let db = fresh_db().await;
    let app = TestApp::from_state(keyring_state(&db, &change_stream_settings("metrics")));
    app.sign_in_as(Role::Admin).await;
    let address = serve(&app).await;
    let socket = subscribed(&app, address, &["events"]).await;
    let connected = scrape(&app).await;
    assert!(value(&connected, "enrich_websocket_clients", &[]) >= 1.0);

    // The follower opens its stream in the background; an event read from it sets the lag.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let key = app.write_key("web").await;
    let body = json!({ "userId": "lag-1", "event": "Viewed" });
    assert_eq!(app.track("/v1/track", &key, &body).await.status, 200);
    let mut lag_seen = false;
    for _ in 0..40 {
        let text = scrape(&app).await;
        if text.contains("enrich_change_stream_lag_seconds{collection=\"events\"}") {
            let lag = value(
                &text,
                "enrich_change_stream_lag_seconds",
                &[("collection", "events")],
            );
            assert!((0.0..60.0).contains(&lag), "{lag}");
            lag_seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        lag_seen,
        "the change-stream lag is reported once an event is read"
    );
    drop(socket);
}
