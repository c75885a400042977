//! Identity resolution through the API: merges, limits, blocked values, unmerge, races.
use crate::support::TestApp;
use enrich::server::db::merges::MergeDoc;
use futures::TryStreamExt;
use mongodb::bson::doc;
use serde_json::{Value, json};

async fn send(app: &TestApp, key: &str, call: &str, body: Value) -> Value {
    let reply = app.track(&format!("/v1/{call}"), key, &body).await;
    assert_eq!(reply.status, 200, "{call} {body}: {}", reply.body);
    reply.json()
}

async fn merges(app: &TestApp) -> Vec<MergeDoc> {
    app.db
        .collection::<MergeDoc>("merges")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

async fn owner(app: &TestApp, key: &str) -> Option<mongodb::bson::oid::ObjectId> {
    app.db
        .collection::<mongodb::bson::Document>("identities")
        .find_one(doc! { "_id": key })
        .await
        .unwrap()
        .map(|d| d.get_object_id("profile_id").unwrap())
}

#[tokio::test]
async fn identify_after_anonymous_keeps_the_anonymous_history_on_one_profile() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    send(
        &app,
        &key,
        "page",
        json!({"anonymousId": "a1", "properties": {"path": "/shoes"}}),
    )
    .await;
    send(
        &app,
        &key,
        "track",
        json!({"anonymousId": "a1", "event": "Product Viewed"}),
    )
    .await;
    send(
        &app,
        &key,
        "identify",
        json!({"anonymousId": "a1", "userId": "u1",
        "traits": {"email": "U1@Shop.io"}}),
    )
    .await;
    send(
        &app,
        &key,
        "track",
        json!({"userId": "u1", "event": "Order Completed"}),
    )
    .await;
    let profiles = app.live_profiles().await;
    assert_eq!(profiles.len(), 1);
    let profile = &profiles[0];
    assert_eq!(profile.event_count, 4);
    assert_eq!(
        profile.last_page.as_ref().unwrap().path.as_deref(),
        Some("/shoes")
    );
    let mut keys: Vec<&str> = profile.identities.iter().map(|i| i.key.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["anonymous_id:a1", "email:u1@shop.io", "user_id:u1"]);
    assert!(merges(&app).await.is_empty(), "no merge was needed");
}

#[tokio::test]
async fn a_linking_event_merges_two_profiles_into_the_older_and_unmerge_restores_them() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    send(
        &app,
        &key,
        "identify",
        json!({"userId": "u1", "traits": {"plan": "pro", "name": "Ann"},
        "timestamp": "2026-11-01T00:00:00Z"}),
    )
    .await;
    send(
        &app,
        &key,
        "track",
        json!({"userId": "u1", "event": "Order Completed"}),
    )
    .await;
    send(
        &app,
        &key,
        "identify",
        json!({"anonymousId": "a9", "traits": {"plan": "free",
        "email": "ann@x.io"}, "timestamp": "2026-11-02T00:00:00Z"}),
    )
    .await;
    send(
        &app,
        &key,
        "track",
        json!({"anonymousId": "a9", "event": "Order Completed"}),
    )
    .await;
    let before = app.live_profiles().await;
    assert_eq!(before.len(), 2);
    let (older, newer) = (before[0].clone(), before[1].clone());

    send(
        &app,
        &key,
        "track",
        json!({"userId": "u1", "anonymousId": "a9", "event": "Cart Viewed"}),
    )
    .await;
    let merged = app.live_profiles().await;
    assert_eq!(merged.len(), 1);
    let survivor = &merged[0];
    assert_eq!(survivor.id, older.id, "the older profile survives");
    assert_eq!(
        survivor.traits.get_str("plan").unwrap(),
        "free",
        "newest value wins"
    );
    let plan = survivor
        .provenance
        .iter()
        .find(|p| p.key == "plan")
        .unwrap();
    assert_eq!(
        plan.history[0].value,
        mongodb::bson::Bson::String("pro".into())
    );
    assert_eq!(
        survivor
            .counters
            .iter()
            .find(|c| c.event == "Order Completed")
            .unwrap()
            .total,
        2
    );
    assert_eq!(owner(&app, "anonymous_id:a9").await, Some(older.id));
    assert_eq!(
        app.count("events", doc! { "profile_id": newer.id }).await,
        0,
        "events re-pointed"
    );
    let records = merges(&app).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].absorbed_before.traits, newer.traits,
        "the record keeps each side"
    );

    let reply = app
        .call(
            "/api/profiles/unmerge",
            &[("merge_id", &records[0].id.to_hex())],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let audited = mongodb::bson::doc! {
        "action": "customer.unmerge",
        "target": records[0].survivor.to_hex(),
        "detail": format!("restored {}", records[0].absorbed.to_hex()),
    };
    assert_eq!(
        app.count("audit", audited).await,
        1,
        "the unmerge is audited"
    );
    let restored = app.live_profiles().await;
    assert_eq!(restored.len(), 2);
    let (first, second) = (&restored[0], &restored[1]);
    assert_eq!(
        second.traits, newer.traits,
        "the absorbed profile is back as it was"
    );
    assert_eq!(second.counters, newer.counters);
    assert_eq!(
        first.traits, older.traits,
        "the survivor loses what the other side brought"
    );
    assert_eq!(
        first.counters.iter().map(|c| c.total).sum::<i64>(),
        2,
        "its own order + the cart view"
    );
    assert_eq!(owner(&app, "anonymous_id:a9").await, Some(newer.id));
    assert_eq!(owner(&app, "email:ann@x.io").await, Some(newer.id));
    assert_eq!(
        app.count("events", doc! { "profile_id": newer.id }).await,
        2
    );

    // The same link again does not re-merge what an admin separated.
    send(
        &app,
        &key,
        "track",
        json!({"userId": "u1", "anonymousId": "a9", "event": "Cart Viewed"}),
    )
    .await;
    assert_eq!(app.live_profiles().await.len(), 2);
    let again = app
        .call(
            "/api/profiles/unmerge",
            &[("merge_id", &records[0].id.to_hex())],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[tokio::test]
async fn blocked_values_never_merge_anyone() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    for (user, anon) in [("u1", "null"), ("u2", "null"), ("u3", "undefined")] {
        send(
            &app,
            &key,
            "identify",
            json!({"userId": user, "anonymousId": anon,
            "traits": {"email": "test@test.com"}}),
        )
        .await;
    }
    assert_eq!(app.live_profiles().await.len(), 3);
    assert_eq!(owner(&app, "anonymous_id:null").await, None);
    assert_eq!(owner(&app, "email:test@test.com").await, None);
    let nobody = send(&app, &key, "track", json!({"userId": "null", "event": "E"})).await;
    assert_eq!(nobody["accepted"], 1, "stored, attached to nobody");
    assert_eq!(
        app.count("events", doc! { "profile_id": { "$exists": false } })
            .await,
        1
    );
}

#[tokio::test]
async fn a_shared_device_does_not_merge_two_known_users_and_is_reported() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    send(
        &app,
        &key,
        "identify",
        json!({"userId": "ann", "anonymousId": "kiosk"}),
    )
    .await;
    let reply = send(
        &app,
        &key,
        "identify",
        json!({"userId": "bob", "anonymousId": "kiosk"}),
    )
    .await;
    assert_eq!(reply["refused_identifiers"], 1);
    let profiles = app.live_profiles().await;
    assert_eq!(profiles.len(), 2);
    assert_ne!(
        owner(&app, "user_id:ann").await,
        owner(&app, "user_id:bob").await
    );
    // An explicit alias does link them.
    send(
        &app,
        &key,
        "alias",
        json!({"userId": "bob", "previousId": "ann"}),
    )
    .await;
    assert_eq!(app.live_profiles().await.len(), 1);
}

#[tokio::test]
async fn concurrent_first_sightings_of_one_identifier_create_one_profile() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let requests = (0..16).map(|i| {
        let body = json!({"anonymousId": format!("device-{i}"), "event": "Opened",
                          "context": {"traits": {"email": "same@x.io"}}});
        let app = &app;
        let key = &key;
        async move { app.track("/v1/track", key, &body).await.status }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let owners: Vec<_> = app
        .live_profiles()
        .await
        .into_iter()
        .filter(|p| p.identities.iter().any(|i| i.key == "email:same@x.io"))
        .collect();
    assert_eq!(owners.len(), 1, "one live profile holds the email");
    assert_eq!(owner(&app, "email:same@x.io").await, Some(owners[0].id));
    assert_eq!(owners[0].event_count, 16);
}

#[tokio::test]
async fn events_of_a_batch_follow_a_merge_made_later_in_the_same_batch() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    send(&app, &key, "identify", json!({"userId": "u1"})).await;
    let batch = json!({"batch": [
        {"type": "track", "anonymousId": "a1", "event": "Product Viewed"},
        {"type": "identify", "userId": "u1", "anonymousId": "a1"},
    ]});
    send(&app, &key, "batch", batch).await;
    let live = app.live_profiles().await;
    assert_eq!(live.len(), 1);
    assert_eq!(
        app.count("events", doc! { "profile_id": { "$ne": live[0].id } })
            .await,
        0
    );
    assert_eq!(
        app.count("events", doc! { "profile_id": live[0].id }).await,
        3
    );
    assert_eq!(live[0].event_count, 3);
}
