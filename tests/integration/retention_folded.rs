//! Retention of the kinds folded into summaries before they go: events (into each home
//! profile's baseline, which an unmerge starts from) and campaign messages (into a tally per
//! campaign, after their conversions are settled). Numbers users see do not move; rules that
//! would make them move are refused.
use crate::{
    campaign_support::{self as cs, email_form, launch, person, results, set, tag},
    identity_props::all,
    retention::{app_archiving_to, save},
    segments::create,
    support::TestApp,
};
use chrono::{Duration, Utc};
use enrich::server::{
    campaigns::links::{self, LinkKind},
    db::profiles::ProfileDoc,
};
use mongodb::bson::{self, Bson, Document, doc};
use serde_json::{Value, json};

async fn send(app: &TestApp, key: &str, call: &str, body: Value) {
    let reply = app.track(&format!("/v1/{call}"), key, &body).await;
    assert_eq!(reply.status, 200, "{call} {body}: {}", reply.body);
}

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn order(who: (&str, &str), days_ago: i64, color: &str) -> Value {
    json!({ who.0: who.1, "event": "Order Completed", "timestamp": ago(days_ago),
            "properties": { "color": color } })
}

/// `(orders counter total, computed orders, computed favorite, plan trait)` of the live
/// profile holding `identifier`.
fn summary(profiles: &[ProfileDoc], identifier: &str) -> (i64, Bson, Bson, Bson) {
    let profile = profiles
        .iter()
        .find(|p| p.identities.iter().any(|i| i.key == identifier))
        .unwrap_or_else(|| panic!("no live profile holds {identifier}"));
    let orders = profile
        .counters
        .iter()
        .find(|c| c.event == "Order Completed")
        .map_or(0, |c| c.total);
    let computed = |name: &str| profile.computed.get(name).cloned().unwrap_or(Bson::Null);
    let plan = profile.traits.get("plan").cloned().unwrap_or(Bson::Null);
    (orders, computed("orders"), computed("favorite"), plan)
}

async fn sweep(app: &TestApp) -> Value {
    let swept = app.call("/api/retention/sweep", &[]).await;
    assert_eq!(swept.status, 200, "{}", swept.body);
    let summary = swept.json();
    assert_eq!(summary["error"], Value::Null, "{summary}");
    summary
}

#[tokio::test]
async fn expired_events_live_on_in_profiles_and_an_unmerge_rebuilds_from_their_baselines() {
    let (app, dir) = app_archiving_to().await;
    let key = app.write_key("shop").await;
    let event = ("event", "Order Completed");
    for form in [
        vec![("name", "orders"), event, ("aggregate", "count")],
        vec![
            ("name", "favorite"),
            event,
            ("aggregate", "most_frequent"),
            ("property", "color"),
        ],
    ] {
        let created = app.call("/api/computed/create", &form).await;
        assert_eq!(created.status, 200, "{}", created.body);
    }
    let (ann, guest) = (("userId", "ann"), ("anonymousId", "guest-7"));
    send(
        &app,
        &key,
        "identify",
        json!({ "userId": "ann", "traits": { "plan": "gold" }, "timestamp": ago(300) }),
    )
    .await;
    for body in [
        order(ann, 200, "red"),
        order(ann, 150, "red"),
        order(ann, 5, "blue"),
        order(guest, 180, "green"),
        order(guest, 170, "green"),
        order(guest, 3, "blue"),
    ] {
        send(&app, &key, "track", body).await;
    }
    // One call names both: they merge.
    send(
        &app,
        &key,
        "track",
        json!({ "userId": "ann", "anonymousId": "guest-7", "event": "Cart Viewed" }),
    )
    .await;
    let (ann_key, guest_key) = ("user_id:ann", "anonymous_id:guest-7");
    let merged = app.live_profiles().await;
    assert_eq!(merged.len(), 1);
    let before = summary(&merged, ann_key);
    assert_eq!(before.0, 6);

    let cutoff = bson::DateTime::from_chrono(Utc::now() - Duration::days(100));
    let old_events: Vec<Document> =
        all(&app, "events", doc! { "timestamp": { "$lt": cutoff } }).await;
    let saved = save(&app, &[("events_days", "100"), ("events_archive", "on")]).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let swept = sweep(&app).await;
    assert!(
        swept["deleted"].to_string().contains("[\"events\",5]"),
        "five events are older than 100 days: {swept}"
    );
    assert_eq!(
        app.count("events", doc! { "timestamp": { "$lt": cutoff } })
            .await,
        0
    );
    assert_eq!(
        app.count("events", doc! {}).await,
        3,
        "the recent ones stay"
    );
    assert_eq!(
        app.count("event_baselines", doc! {}).await,
        2,
        "one per home"
    );
    assert_eq!(
        summary(&app.live_profiles().await, ann_key),
        before,
        "the profile does not change when its old events go"
    );
    let archived = crate::retention::archived_lines(&dir, "events");
    assert_eq!(archived.len(), 5, "archived before they went");

    // A sweep that folded its batch and stopped before deleting it: the events are in the
    // baselines and still stored. Neither an unmerge nor the next sweep counts them twice.
    app.db
        .collection::<Document>("events")
        .insert_many(old_events)
        .await
        .unwrap();
    let folded = |baselines: &[Document]| -> Vec<i64> {
        baselines
            .iter()
            .map(|b| b.get_i64("events").unwrap())
            .collect()
    };
    let baselines: Vec<Document> = all(&app, "event_baselines", doc! {}).await;
    assert_eq!(folded(&baselines).iter().sum::<i64>(), 5);

    let merge: Document = app
        .db
        .collection("merges")
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
    assert_eq!(apart.len(), 2);
    let gold = Bson::String("gold".into());
    assert_eq!(
        summary(&apart, ann_key),
        (3, Bson::Int64(3), Bson::String("red".into()), gold),
        "ann keeps her deleted orders and the plan her deleted identify set"
    );
    assert_eq!(
        summary(&apart, guest_key),
        (3, Bson::Int64(3), Bson::String("green".into()), Bson::Null)
    );
    sweep(&app).await;
    assert_eq!(
        app.count("events", doc! { "timestamp": { "$lt": cutoff } })
            .await,
        0,
        "the interrupted batch goes"
    );
    let again: Vec<Document> = all(&app, "event_baselines", doc! {}).await;
    assert_eq!(folded(&again), folded(&baselines), "folded once");

    // Forgetting ann takes her baseline with her.
    let ann_id = apart
        .iter()
        .find(|p| p.identities.iter().any(|i| i.key == ann_key))
        .unwrap()
        .id;
    let forgotten = app
        .call(
            "/api/profiles/delete",
            &[("id", &ann_id.to_hex()), ("confirm", "DELETE")],
        )
        .await;
    assert_eq!(forgotten.status, 200, "{}", forgotten.body);
    assert_eq!(app.count("event_baselines", doc! {}).await, 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn rules_that_would_change_what_users_see_are_refused() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    let too_short = save(
        &app,
        &[("events_days", "30"), ("campaign_messages_days", "100")],
    )
    .await;
    assert_eq!(too_short.status, 400, "{}", too_short.body);
    let text = too_short.body.clone();
    assert!(
        text.contains("events_days") && text.contains("at least 92 days"),
        "{text}"
    );
    assert!(
        text.contains("campaign_messages_days") && text.contains("at least 366 days"),
        "{text}"
    );

    // A segment counting filtered events over all time holds events retention back.
    send(&app, &key, "track", order(("userId", "bo"), 1, "red")).await;
    let all_time = json!({ "type": "event", "event": "Order Completed", "count": "at_least", "times": 1,
        "filters": [{ "path": "properties.color", "test": { "op": "equals", "value": "red" } }] });
    let segment = create(&app, "Red buyers", &all_time).await;
    let rules = [("events_days", "120")];
    let refused = save(&app, &rules).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("Red buyers") && refused.body.contains("all time"),
        "{}",
        refused.body
    );
    let mut windowed = all_time.clone();
    windowed["within_days"] = json!(60);
    let resaved = crate::segments::save(&app, &segment, "Red buyers", &windowed).await;
    assert_eq!(resaved.status, 200, "{}", resaved.body);
    let saved = save(&app, &rules).await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    // And once events are kept 120 days, no segment may look further back.
    windowed["within_days"] = json!(200);
    let longer = crate::segments::save(&app, &segment, "Red buyers", &windowed).await;
    assert_eq!(longer.status, 400, "{}", longer.body);
    assert!(
        longer.body.contains("within_days") && longer.body.contains("kept 120 days"),
        "{}",
        longer.body
    );

    // The tracking API refuses counted events older than that, naming the message; calls that
    // only set traits are applied whatever their age.
    let old = app
        .track("/v1/track", &key, &order(("userId", "bo"), 150, "red"))
        .await;
    assert_eq!(old.status, 400, "{}", old.body);
    assert!(
        old.body.contains("timestamp") && old.body.contains("120 days"),
        "{}",
        old.body
    );
    let batch = json!({ "batch": [
        { "type": "track", "userId": "bo", "event": "Order Completed", "timestamp": ago(1) },
        { "type": "track", "userId": "bo", "event": "Order Completed", "timestamp": ago(130) },
    ] });
    let refused = app.track("/v1/batch", &key, &batch).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("batch[1].timestamp"),
        "{}",
        refused.body
    );
    send(
        &app,
        &key,
        "identify",
        json!({ "userId": "bo", "traits": { "plan": "silver" }, "timestamp": ago(400) }),
    )
    .await;
}

/// Moves every date of the documents of `collection` matching `filter` `days` into the past.
async fn age(app: &TestApp, collection: &str, filter: Document, fields: &[&str], days: i64) {
    let docs: Vec<Document> = all(app, collection, filter).await;
    for doc in docs {
        let mut set = Document::new();
        for field in fields {
            if let Ok(at) = doc.get_datetime(field) {
                let moved = at.to_chrono() - Duration::days(days);
                set.insert(*field, bson::DateTime::from_chrono(moved));
            }
        }
        app.db
            .collection::<Document>(collection)
            .update_one(
                doc! { "_id": doc.get("_id").unwrap() },
                doc! { "$set": set },
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn campaign_messages_go_tallied_and_results_totals_and_unsubscribe_links_stay() {
    let app = cs::app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..6 {
        person(
            &app,
            &key,
            &format!("r{i}-{t}"),
            json!({ "email": format!("r{i}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    let gold = create(
        &app,
        "Gold",
        &json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } }),
    )
    .await;
    let mut form = email_form("Old news", &gold);
    set(&mut form, "holdout", "30");
    set(&mut form, "goal_event", "Order Completed");
    set(&mut form, "goal_days", "7");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let messages: Vec<Document> = all(&app, "outbox", doc! {}).await;
    assert_eq!(messages.len(), 6);
    // Two people order within the window.
    let profiles = app.live_profiles().await;
    for message in messages.iter().take(2) {
        let pid = message.get_object_id("profile_id").unwrap();
        let user = profiles
            .iter()
            .find(|p| p.id == pid)
            .unwrap()
            .identities
            .iter()
            .find(|i| i.kind == "user_id")
            .unwrap()
            .value
            .clone();
        send(
            &app,
            &key,
            "track",
            json!({ "userId": user, "event": "Order Completed" }),
        )
        .await;
    }
    let before = results(&app, &id).await;
    let converted: u64 = before["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["converted"].as_u64().unwrap())
        .sum();
    assert_eq!(converted, 2, "{before}");
    // A year and more passes; one message was queued then and still waits.
    let dates = ["created_at", "sent_at", "next_at"];
    age(&app, "outbox", doc! {}, &dates, 400).await;
    age(&app, "events", doc! {}, &["timestamp", "received_at"], 400).await;
    let mut waiting = messages[0].clone();
    waiting.insert("_id", format!("{id}:9:{}", bson::oid::ObjectId::new()));
    waiting.insert("status", "pending");
    waiting.insert(
        "created_at",
        bson::DateTime::from_chrono(Utc::now() - Duration::days(400)),
    );
    waiting.insert(
        "next_at",
        bson::DateTime::from_chrono(Utc::now() + Duration::days(1)),
    );
    waiting.remove("sent_at");
    waiting.remove("settled");
    app.db
        .collection::<Document>("outbox")
        .insert_one(waiting)
        .await
        .unwrap();
    let aged = results(&app, &id).await;
    let detail_before = cs::detail(&app, &id).await;

    let saved = save(
        &app,
        &[("events_days", "100"), ("campaign_messages_days", "366")],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let swept = sweep(&app).await;
    assert!(
        swept["deleted"]
            .to_string()
            .contains("[\"campaign_messages\",6]"),
        "{swept}"
    );
    assert_eq!(
        app.count("outbox", doc! { "status": "pending" }).await,
        1,
        "a queued message is never deleted"
    );
    assert_eq!(app.count("campaign_tallies", doc! {}).await, 1);
    let after = results(&app, &id).await;
    assert_eq!(after, aged, "results do not change when messages go");
    assert_eq!(
        cs::variant(&after, "A")["converted"].as_u64().unwrap()
            + cs::variant(&after, "holdout")["converted"]
                .as_u64()
                .unwrap(),
        2,
        "conversions were settled before their events went: {after}"
    );
    let detail_after = cs::detail(&app, &id).await;
    assert_eq!(
        detail_after["totals"], detail_before["totals"],
        "{detail_after}"
    );

    // A sweep that tallied its batch and stopped before deleting it: readers leave the
    // messages out (they are in the tally), and the next sweep deletes them without counting
    // them again.
    let leftover: Vec<Document> = messages
        .iter()
        .take(2)
        .map(|m| {
            let mut m = m.clone();
            m.insert("retiring", true);
            // Settled before the tally: both who converted.
            m.insert("settled", doc! { "converted_at": bson::DateTime::now() });
            m
        })
        .collect();
    let leftover_ids: Vec<&str> = leftover.iter().map(|m| m.get_str("_id").unwrap()).collect();
    app.db
        .collection::<Document>("outbox")
        .insert_many(leftover.clone())
        .await
        .unwrap();
    age(
        &app,
        "outbox",
        doc! { "_id": { "$in": &leftover_ids } },
        &dates,
        400,
    )
    .await;
    app.db
        .collection::<Document>("campaign_tallies")
        .update_one(
            doc! {},
            doc! { "$set": { "last_tallied": &leftover_ids }, "$inc": { "version": 1 } },
        )
        .await
        .unwrap();
    assert_eq!(results(&app, &id).await, aged, "left out: in the tally");
    assert_eq!(
        cs::detail(&app, &id).await["totals"],
        detail_before["totals"]
    );
    sweep(&app).await;
    assert_eq!(app.count("outbox", doc! { "retiring": true }).await, 0);
    assert_eq!(results(&app, &id).await, aged, "not tallied twice");

    // An unsubscribe link in a year-old email still works.
    let gone = messages
        .iter()
        .find(|m| m.get_str("status").unwrap() == "sent")
        .unwrap();
    let outbox_id = gone.get_str("_id").unwrap();
    assert_eq!(app.count("outbox", doc! { "_id": outbox_id }).await, 0);
    let secret = app
        .state
        .campaigns
        .settings
        .secrets()
        .await
        .unwrap()
        .link_secret;
    let token = links::token(&secret, LinkKind::Unsubscribe, outbox_id, "");
    let request = axum::http::Request::post(format!("/v1/links/unsubscribe/{token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let page = app.send_raw(request).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("You are unsubscribed"), "{}", page.body);
    let recipient = gone.get_object_id("profile_id").unwrap();
    let profile = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.id == recipient)
        .unwrap();
    assert!(
        !profile.consents_to("email_marketing"),
        "the recipient withdrew"
    );
}

#[tokio::test]
async fn events_retention_from_the_environment_deletes_nothing_a_segment_still_reads() {
    use enrich::{
        model::access::Role,
        server::{AppState, config::Settings, privacy::keyring, retention::config::RetentionEnv},
    };
    // A segment saved while events were kept forever...
    let before = TestApp::new().await;
    let key = before.write_key("shop").await;
    send(&before, &key, "track", order(("userId", "cy"), 1, "red")).await;
    let all_time = json!({ "type": "event", "event": "Order Completed", "count": "at_least", "times": 1,
        "filters": [{ "path": "properties.color", "test": { "op": "equals", "value": "red" } }] });
    create(&before, "Red ever", &all_time).await;
    let old = doc! { "_id": "x:old", "timestamp": bson::DateTime::from_chrono(Utc::now() - Duration::days(300)) };
    before
        .db
        .collection::<Document>("events")
        .insert_one(old)
        .await
        .unwrap();
    // ...then a server started with ENRICH_RETENTION_EVENTS_DAYS=100 on the same database.
    let settings = Settings {
        retention: RetentionEnv::from_lookup(&|k| {
            (k == "ENRICH_RETENTION_EVENTS_DAYS").then(|| "100".to_owned())
        }),
        ..Settings::default()
    };
    let app = TestApp::from_state(AppState::new(
        crate::support::leptos_options(),
        before.db.clone(),
        &settings,
        keyring::generate(),
    ));
    app.sign_in_as(Role::Admin).await;
    let swept = app.call("/api/retention/sweep", &[]).await.json();
    let error = swept["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("nothing deleted") && error.contains("Red ever"),
        "{swept}"
    );
    assert_eq!(app.count("events", doc! { "_id": "x:old" }).await, 1);
}
