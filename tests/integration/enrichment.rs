//! Enrichment beyond the basics: the field catalog and computed traits.
use crate::support::TestApp;
use serde_json::{Value, json};
use std::time::Duration;

async fn send(app: &TestApp, key: &str, call: &str, body: Value) {
    let reply = app.track(&format!("/v1/{call}"), key, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn field<'a>(fields: &'a Value, path: &str, event: Option<&str>) -> &'a Value {
    fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path && f["event"].as_str() == event)
        .unwrap_or_else(|| panic!("{path} not catalogued in {fields}"))
}

#[tokio::test]
async fn the_field_catalog_tracks_paths_types_profiles_and_samples() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    for (user, age) in [("u1", json!(31)), ("u2", json!("unknown"))] {
        send(&app, &key, "identify", json!({"userId": user, "anonymousId": format!("a-{user}"),
            "traits": {"age": age, "address": {"city": "Lyon"}, "birthday": "1990-05-01T00:00:00Z"}})).await;
    }
    send(
        &app,
        &key,
        "track",
        json!({"userId": "u1", "event": "Order Completed",
        "properties": {"total": 19.5, "products": [{"sku": "A"}]}}),
    )
    .await;
    let fields = app.call("/api/fields/list", &[]).await.json();
    let age = field(&fields, "traits.age", None);
    assert_eq!(age["profiles"], 2);
    assert_eq!(age["types"], json!(["number", "string"]));
    assert_eq!(age["samples"], json!(["31", "\"unknown\""]));
    assert_eq!(field(&fields, "traits.address.city", None)["profiles"], 2);
    assert_eq!(
        field(&fields, "traits.birthday", None)["types"],
        json!(["date"])
    );
    let total = field(&fields, "properties.total", Some("Order Completed"));
    assert_eq!(total["types"], json!(["number"]));
    assert_eq!(total["occurrences"], 1);
    assert_eq!(
        field(&fields, "properties.products", Some("Order Completed"))["types"],
        json!(["array"])
    );

    // The two people turn out to be one: the catalog counts one profile now.
    send(
        &app,
        &key,
        "alias",
        json!({"userId": "u1", "previousId": "u2"}),
    )
    .await;
    let fields = app.call("/api/fields/list", &[]).await.json();
    assert_eq!(field(&fields, "traits.age", None)["profiles"], 1);
}

#[tokio::test]
async fn computed_traits_backfill_then_follow_new_events() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    for (user, total) in [("u1", 10), ("u1", 25), ("u2", 5)] {
        send(
            &app,
            &key,
            "track",
            json!({"userId": user, "event": "Order Completed",
            "properties": {"total": total, "currency": "EUR"}}),
        )
        .await;
    }
    send(
        &app,
        &key,
        "track",
        json!({"userId": "u3", "event": "Signed Up"}),
    )
    .await;
    let created = app
        .call(
            "/api/computed/create",
            &[
                ("name", "lifetime_value"),
                ("event", "Order Completed"),
                ("aggregate", "sum"),
                ("property", "total"),
                ("within_days", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let mut progress = Value::Null;
    for _ in 0..100 {
        progress = app.call("/api/computed/list", &[]).await.json()[0].clone();
        if progress["finished"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(progress["finished"], true, "{progress}");
    assert_eq!(
        (progress["done"].as_u64(), progress["total"].as_u64()),
        (Some(2), Some(2))
    );
    let value_of = |profiles: &[enrich::server::db::profiles::ProfileDoc], user: &str| {
        profiles
            .iter()
            .find(|p| {
                p.identities
                    .iter()
                    .any(|i| i.key == format!("user_id:{user}"))
            })
            .and_then(|p| p.computed.get("lifetime_value").cloned())
    };
    let profiles = app.live_profiles().await;
    assert_eq!(
        value_of(&profiles, "u1"),
        Some(mongodb::bson::Bson::Int64(35))
    );
    assert_eq!(
        value_of(&profiles, "u2"),
        Some(mongodb::bson::Bson::Int64(5))
    );
    assert_eq!(
        value_of(&profiles, "u3"),
        None,
        "no orders, not back-filled"
    );

    send(
        &app,
        &key,
        "track",
        json!({"userId": "u2", "event": "Order Completed",
        "properties": {"total": 2.5}}),
    )
    .await;
    let profiles = app.live_profiles().await;
    assert_eq!(
        value_of(&profiles, "u2"),
        Some(mongodb::bson::Bson::Double(7.5)),
        "updated on ingest"
    );

    let duplicate = app
        .call(
            "/api/computed/create",
            &[
                ("name", "lifetime_value"),
                ("event", "E"),
                ("aggregate", "count"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, 409);
    let invalid = app
        .call(
            "/api/computed/create",
            &[("name", "x"), ("event", "E"), ("aggregate", "sum")],
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.json()["field"], "property");
}
