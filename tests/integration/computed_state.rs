//! Computed traits kept from per-profile state: values follow new events, merges, unmerges
//! and the calendar without reading anyone's event history.
use crate::support::TestApp;
use chrono::{Duration, Utc};
use enrich::server::{computed, db::profiles::ProfileDoc};
use mongodb::bson::{Bson, doc};
use serde_json::{Value, json};

async fn send(app: &TestApp, key: &str, call: &str, body: Value) {
    let reply = app.track(&format!("/v1/{call}"), key, &body).await;
    assert_eq!(reply.status, 200, "{call} {body}: {}", reply.body);
}

async fn define(app: &TestApp, form: &[(&str, &str)]) {
    let created = app.call("/api/computed/create", form).await;
    assert_eq!(created.status, 200, "{}", created.body);
}

/// An order `days_ago` days before now.
fn order(who: (&str, &str), days_ago: i64, total: f64, color: &str) -> Value {
    let at = Utc::now() - Duration::days(days_ago);
    json!({ who.0: who.1, "event": "Order Completed", "timestamp": at.to_rfc3339(),
            "properties": {"total": total, "color": color}})
}

/// `(spend_7d, orders, favorite)` of the live profile holding `identifier`.
fn values(profiles: &[ProfileDoc], identifier: &str) -> (Bson, Bson, Bson) {
    let profile = profiles
        .iter()
        .find(|p| p.identities.iter().any(|i| i.key == identifier))
        .unwrap_or_else(|| panic!("no live profile holds {identifier}"));
    let get = |name: &str| profile.computed.get(name).cloned().unwrap_or(Bson::Null);
    (get("spend_7d"), get("orders"), get("favorite"))
}

#[tokio::test]
async fn kept_values_follow_events_merges_unmerges_and_the_calendar() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    let event = ("event", "Order Completed");
    define(
        &app,
        &[
            ("name", "spend_7d"),
            event,
            ("aggregate", "sum"),
            ("property", "total"),
            ("within_days", "7"),
        ],
    )
    .await;
    define(&app, &[("name", "orders"), event, ("aggregate", "count")]).await;
    define(
        &app,
        &[
            ("name", "favorite"),
            event,
            ("aggregate", "most_frequent"),
            ("property", "color"),
        ],
    )
    .await;

    let ann = ("userId", "ann");
    let guest = ("anonymousId", "guest-9");
    for body in [
        order(ann, 0, 10.0, "red"),
        order(ann, 3, 5.0, "blue"),
        order(ann, 20, 100.0, "red"),
        order(guest, 0, 7.0, "blue"),
        order(guest, 2, 1.5, "blue"),
    ] {
        send(&app, &key, "track", body).await;
    }
    let profiles = app.live_profiles().await;
    let (ann_key, guest_key) = ("user_id:ann", "anonymous_id:guest-9");
    assert_eq!(
        values(&profiles, ann_key),
        (Bson::Int64(15), Bson::Int64(3), Bson::String("red".into())),
        "the 20-day-old order counts all-time, not in the 7-day window"
    );
    assert_eq!(
        values(&profiles, guest_key),
        (
            Bson::Double(8.5),
            Bson::Int64(2),
            Bson::String("blue".into())
        )
    );

    // One event names both: the two people merge and their states add up.
    send(
        &app,
        &key,
        "track",
        json!({"userId": "ann", "anonymousId": "guest-9", "event": "Cart Viewed"}),
    )
    .await;
    let merged = app.live_profiles().await;
    assert_eq!(merged.len(), 1);
    assert_eq!(
        values(&merged, ann_key),
        (
            Bson::Double(23.5),
            Bson::Int64(5),
            Bson::String("blue".into())
        )
    );

    let merge = app
        .db
        .collection::<mongodb::bson::Document>("merges")
        .find_one(doc! {})
        .await
        .unwrap()
        .unwrap();
    let merge_id = merge.get_object_id("_id").unwrap().to_hex();
    let undone = app
        .call("/api/profiles/unmerge", &[("merge_id", &merge_id)])
        .await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    let apart = app.live_profiles().await;
    assert_eq!(
        values(&apart, ann_key),
        (Bson::Int64(15), Bson::Int64(3), Bson::String("red".into()))
    );
    assert_eq!(
        values(&apart, guest_key),
        (
            Bson::Double(8.5),
            Bson::Int64(2),
            Bson::String("blue".into())
        )
    );

    // Five days on, without a new event: ann's order of 3 days ago and the guest's of 2 days
    // ago have left the 7-day window; counts of all time stay.
    let graph = &app.state.ingest.graph;
    let later = Utc::now() + Duration::days(5);
    assert_eq!(computed::age_all(graph, later).await.unwrap(), 2);
    let aged = app.live_profiles().await;
    assert_eq!(
        values(&aged, ann_key),
        (Bson::Int64(10), Bson::Int64(3), Bson::String("red".into()))
    );
    assert_eq!(values(&aged, guest_key).0, Bson::Int64(7));
    assert_eq!(
        computed::age_all(graph, later).await.unwrap(),
        0,
        "aged once"
    );
}

#[tokio::test]
async fn a_definition_whose_states_were_never_built_is_back_filled_at_start() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    for body in [
        order(("userId", "bo"), 1, 4.0, "red"),
        order(("userId", "bo"), 0, 6.0, "red"),
    ] {
        send(&app, &key, "track", body).await;
    }
    // As a database from before kept states holds it: a value, no state, not built.
    let definition = json!({"name": "spend_7d", "event": "Order Completed", "aggregate": "sum",
                            "property": "total", "within_days": 7});
    app.db
        .collection::<mongodb::bson::Document>("computed_traits")
        .insert_one(doc! {
            "_id": "spend_7d",
            "definition": mongodb::bson::to_bson(&definition).unwrap(),
            "created_at": mongodb::bson::DateTime::now(),
            "finished": true,
        })
        .await
        .unwrap();
    let graph = &app.state.ingest.graph;
    computed::backfill_unbuilt(graph).await.unwrap();
    let profiles = app.live_profiles().await;
    assert_eq!(values(&profiles, "user_id:bo").0, Bson::Int64(10));
    assert!(profiles[0].computed_state.contains_key("spend_7d"));
    let built = app
        .count("computed_traits", doc! { "_id": "spend_7d", "built": true })
        .await;
    assert_eq!(built, 1);

    // From now on ingestion keeps it.
    send(&app, &key, "track", order(("userId", "bo"), 0, 1.0, "blue")).await;
    assert_eq!(
        values(&app.live_profiles().await, "user_id:bo").0,
        Bson::Int64(11)
    );
}
