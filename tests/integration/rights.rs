//! Consent from events and from the page, export of everything held, and the right to be
//! forgotten with suppression of later events.
use crate::support::TestApp;
use enrich::model::access::Role;
use mongodb::bson::{Document, doc};
use serde_json::json;

async fn profile_of(app: &TestApp, id: &str) -> serde_json::Value {
    app.call("/api/profiles/get", &[("id", id)]).await.json()
}

fn consent<'a>(profile: &'a serde_json::Value, purpose: &str) -> &'a serde_json::Value {
    profile["consent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == purpose)
        .unwrap()
}

#[tokio::test]
async fn consent_comes_from_context_from_the_consent_event_and_from_the_page() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    let batch = json!({"batch": [
        {"type": "identify", "userId": "c1", "messageId": "a", "timestamp": "2026-01-01T00:00:00Z",
         "context": {"consent": {"categoryPreferences": {"Email Marketing": true, "Analytics": true}}}},
        {"type": "track", "userId": "c1", "messageId": "b", "timestamp": "2026-02-01T00:00:00Z",
         "event": "Consent Updated", "properties": {"analytics": false, "sms_marketing": true}},
        {"type": "track", "userId": "c1", "messageId": "c", "timestamp": "2025-12-01T00:00:00Z",
         "event": "Consent Updated", "properties": {"analytics": true}},
    ]});
    assert_eq!(admin.track("/v1/batch", &key, &batch).await.status, 200);
    let id = admin.live_profiles().await[0].id.to_hex();
    let profile = profile_of(&admin, &id).await;
    assert_eq!(consent(&profile, "email_marketing")["granted"], true);
    assert_eq!(
        consent(&profile, "analytics")["granted"],
        false,
        "the latest statement wins"
    );
    assert_eq!(consent(&profile, "sms_marketing")["source"], "web");
    assert_eq!(
        consent(&profile, "personalization")["granted"],
        serde_json::Value::Null
    );
    let support = admin.as_role(Role::Support).await;
    let changed = support
        .call(
            "/api/profiles/consent",
            &[
                ("id", &id),
                ("purpose", "email_marketing"),
                ("granted", "false"),
                ("reason", "Customer asked on the phone, ticket 12"),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let bad = support
        .call(
            "/api/profiles/consent",
            &[
                ("id", &id),
                ("purpose", "advertising"),
                ("granted", "true"),
                ("reason", "Customer asked on the phone, ticket 12"),
            ],
        )
        .await;
    assert_eq!(bad.json()["field"], "purpose");
    let profile = profile_of(&admin, &id).await;
    assert_eq!(consent(&profile, "email_marketing")["granted"], false);
    assert_eq!(consent(&profile, "email_marketing")["source"], "manual");
    assert_eq!(
        admin
            .count("events", doc! { "event": "Consent Updated" })
            .await,
        3,
        "stored as an event"
    );
    assert_eq!(
        admin
            .count("audit", doc! { "action": "consent.update", "target": &id })
            .await,
        1
    );
    let analyst = admin.as_role(Role::Analyst).await;
    let refused = analyst
        .call(
            "/api/profiles/consent",
            &[("id", &id), ("purpose", "analytics"), ("granted", "true")],
        )
        .await;
    assert_eq!(refused.status, 403);
}

/// Two devices of one person, merged by a later identify; returns the live profile id.
async fn merged_person(app: &TestApp, key: &str) -> String {
    let calls = [
        (
            "/v1/page",
            json!({"anonymousId": "dev-1", "messageId": "p1", "properties": {"path": "/a"}}),
        ),
        (
            "/v1/identify",
            json!({"anonymousId": "dev-2", "messageId": "i1",
            "traits": {"email": "forget.me@example.com", "name": "Forget Me", "national_id": "FM-1"}}),
        ),
        (
            "/v1/identify",
            json!({"anonymousId": "dev-1", "messageId": "i2", "traits": {"email": "forget.me@example.com"}}),
        ),
        (
            "/v1/track",
            json!({"userId": "fm-1", "anonymousId": "dev-1", "messageId": "t1", "event": "Order Completed"}),
        ),
    ];
    for (path, body) in calls {
        assert_eq!(app.track(path, key, &body).await.status, 200);
    }
    app.live_profiles()
        .await
        .into_iter()
        .find(|p| p.name == "Forget Me")
        .unwrap()
        .id
        .to_hex()
}

#[tokio::test]
async fn an_export_holds_everything_on_the_person_decrypted_and_is_audited() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    let id = merged_person(&admin, &key).await;
    let reply = admin.get(&format!("/customers/{id}/export")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let export = reply.json();
    assert_eq!(export["profile"]["_id"]["$oid"], id.as_str());
    assert_eq!(
        export["profile"]["traits"]["national_id"], "FM-1",
        "restricted values decrypted"
    );
    assert_eq!(export["events"].as_array().unwrap().len(), 4);
    assert_eq!(export["merged_profiles"].as_array().unwrap().len(), 1);
    assert!(export["identities"].as_array().unwrap().len() >= 4);
    let entry = admin
        .db
        .collection::<Document>("audit")
        .find_one(doc! { "action": "customer.export" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.get_str("target").unwrap(), id);
    let missing = admin
        .get("/customers/000000000000000000000000/export")
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn deleting_forgets_the_person_and_later_events_about_them_are_dropped() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    let id = merged_person(&admin, &key).await;
    let bystander =
        json!({"userId": "other", "messageId": "o1", "traits": {"email": "stay@example.com"}});
    admin.track("/v1/identify", &key, &bystander).await;
    let wrong = admin
        .call("/api/profiles/delete", &[("id", &id), ("confirm", "yes")])
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["field"], "confirm");
    assert_eq!(
        admin.count("profiles", doc! {}).await,
        3,
        "nothing deleted on a refused request"
    );
    let live = || async { admin.state.ingest.graph.profiles.count().await.unwrap() };
    assert_eq!(live().await, 2, "the person and the bystander are live");
    let done = admin
        .call(
            "/api/profiles/delete",
            &[("id", &id), ("confirm", "DELETE")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        admin.count("profiles", doc! {}).await,
        1,
        "only the bystander is left"
    );
    assert_eq!(live().await, 1, "counted from metadata after the erasure");
    assert_eq!(
        admin
            .count("events", doc! { "profile_id": { "$ne": null } })
            .await,
        1
    );
    assert_eq!(
        admin.count("identities", doc! {}).await,
        2,
        "the bystander's user id and email"
    );
    assert_eq!(admin.count("merges", doc! {}).await, 0);
    let fields = format!("{:?}", admin.call("/api/fields/list", &[]).await.body);
    assert!(
        !fields.contains("forget.me@example.com"),
        "no samples of the person remain"
    );
    let audit = admin
        .db
        .collection::<Document>("audit")
        .find_one(doc! { "action": "customer.delete" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.get_str("target").unwrap(), id);
    assert!(
        !format!("{audit:?}").contains("forget.me"),
        "the audit keeps no PII"
    );
    let suppressions: Vec<Document> = futures::TryStreamExt::try_collect(
        admin
            .db
            .collection::<Document>("suppressions")
            .find(doc! {})
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(suppressions.len() >= 4, "one hash per identifier");
    let suppressions = format!("{suppressions:?}");
    assert!(
        !suppressions.contains("forget.me") && !suppressions.contains("dev-1"),
        "hashes only"
    );
    for (path, body) in [
        (
            "/v1/track",
            json!({"anonymousId": "dev-1", "messageId": "late-1", "event": "Came Back"}),
        ),
        (
            "/v1/identify",
            json!({"userId": "new-id", "messageId": "late-2", "traits": {"email": "Forget.Me@example.com"}}),
        ),
    ] {
        let reply = admin.track(path, &key, &body).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["suppressed"], 1, "{path}");
    }
    assert_eq!(
        admin.count("profiles", doc! {}).await,
        1,
        "the person was not re-created"
    );
    let dropped = enrich::server::db::suppressions::Suppressions::new(&admin.db)
        .dropped_total()
        .await
        .unwrap();
    assert!(dropped >= 2, "drops are counted: {dropped}");
    let page = admin.get(&format!("/customers/{id}")).await;
    assert_eq!(page.status, 404);
}
