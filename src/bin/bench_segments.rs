//! Segment benchmark, in one run over BENCH_PROFILES profiles (default 100,000):
//! 1. preview latency of five representative rules (validation, compilation, count, total and a
//!    sample) next to a raw `count_documents` of the same compiled query: p50 of each, and the ratio;
//! 2. in-memory evaluation throughput: profiles × segments per second;
//! 3. freshness: from `POST /v1/identify` (through the whole router) to the transition arriving on
//!    the live hub, and to it being visible through the memberships API, p50 / p99 over
//!    BENCH_EVENTS identify calls (default 1,000) that flip one person in and out of a segment.
//!
//! `make benchsegments` starts an in-memory database and runs this optimised; or set MONGODB_URI.
#[path = "bench_support/numbers.rs"]
mod numbers;

use axum::{body::Body, http::Request};
use enrich::{
    model::segment::SegmentLabel,
    segment::{Rule, eval::matches, filter::lower},
    server::{
        AppState,
        config::Settings,
        db::{self, profile_derived::refresh_derived, profile_doc::*, sources::Sources},
        segments::{sets::ProfileSets, store::SegmentSave, subject::subject_of},
    },
};
use mongodb::bson::{self, Document, doc, oid::ObjectId};
use numbers::{env_number, millis, percentile};
use serde_json::json;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const PLANS: [&str; 4] = ["free", "basic", "gold", "vip"];
const CITIES: [&str; 5] = ["Seoul", "Busan", "Lisbon", "Austin", "Osaka"];
/// Preview and count repetitions per rule.
const REPEATS: usize = 10;

/// Profile `n`: plan, age, city, birthday, order counters, consent and identities.
fn profile(n: usize, now: chrono::DateTime<chrono::Utc>) -> ProfileDoc {
    let at = bson::DateTime::from_chrono(now);
    let mut p = ProfileDoc::new(ObjectId::new(), at);
    let birthday = now - chrono::Duration::days(365 * 30 + (n % 365) as i64);
    p.traits = doc! {
        "plan": PLANS[n % PLANS.len()], "age": (18 + n % 60) as i64,
        "city": CITIES[n % CITIES.len()], "birthday": birthday.format("%Y-%m-%d").to_string(),
    };
    let days: Vec<DayCount> = (0..(n % 4))
        .map(|k| DayCount {
            day: (now - chrono::Duration::days((k * 9) as i64))
                .format("%Y-%m-%d")
                .to_string(),
            count: 1,
        })
        .rev()
        .collect();
    p.counters = vec![EventCounter {
        event: "Order Completed".into(),
        total: days.len() as i64,
        daily: days,
    }];
    p.consent = vec![ConsentEntry {
        purpose: "email_marketing".into(),
        granted: !n.is_multiple_of(3),
        source: "bench".into(),
        at,
    }];
    p.identities = vec![IdentityEntry {
        key: format!("email:p{n}@example.com"),
        kind: "email".into(),
        value: format!("p{n}@example.com"),
        source: "bench".into(),
        at,
    }];
    refresh_derived(&mut p);
    p
}

fn rules() -> Vec<(&'static str, Rule)> {
    let parse = |v: serde_json::Value| serde_json::from_value::<Rule>(v).unwrap();
    vec![
        (
            "plan = gold",
            parse(
                json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } }),
            ),
        ),
        (
            "age 30–40 in two cities",
            parse(json!({ "type": "group", "kind": "all", "rules": [
            { "type": "trait", "path": "traits.age", "test": { "op": "between", "min": 30, "max": 40 } },
            { "type": "trait", "path": "traits.city", "test": { "op": "in_list", "values": ["Seoul", "Lisbon"] } } ] })),
        ),
        (
            "2+ orders in 30 days",
            parse(
                json!({ "type": "event", "event": "Order Completed", "count": "at_least", "times": 2, "within_days": 30 }),
            ),
        ),
        (
            "birthday in 7 days",
            parse(
                json!({ "type": "trait", "path": "traits.birthday", "test": { "op": "anniversary_within", "days": 7 } }),
            ),
        ),
        (
            "consented, not vip, 10% sample",
            parse(json!({ "type": "group", "kind": "all", "rules": [
            { "type": "consent", "purpose": "email_marketing" },
            { "type": "group", "kind": "none", "rules": [{ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "vip" } }] },
            { "type": "bucket", "from": 0, "to": 10 } ] })),
        ),
    ]
}

async fn seed(db: &mongodb::Database, count: usize) {
    let now = chrono::Utc::now();
    let collection = db.collection::<ProfileDoc>(db::profiles::COLLECTION);
    for start in (0..count).step_by(5_000) {
        let batch: Vec<ProfileDoc> = (start..(start + 5_000).min(count))
            .map(|n| profile(n, now))
            .collect();
        collection.insert_many(&batch).await.expect("seed insert");
    }
}

/// Sends `body` to `/v1/{call}` through the router with `key`.
async fn track(state: &AppState, key: &str, call: &str, body: serde_json::Value) {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    let request = Request::post(format!("/v1/{call}"))
        .header("authorization", format!("Basic {auth}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = enrich::server::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{call}: {}",
        response.status()
    );
}

async fn bench_previews(state: &AppState) {
    println!(
        "\n# Preview at {} profiles: p50 of {REPEATS} runs each",
        state.ingest.graph.profiles.count().await.unwrap()
    );
    println!(
        "{:<34} {:>8} {:>12} {:>12} {:>7}",
        "rule", "members", "preview ms", "count ms", "ratio"
    );
    let engine = &state.segments;
    for (name, rule) in rules() {
        let (mut preview, mut raw, mut members) = (Vec::new(), Vec::new(), 0);
        for _ in 0..REPEATS {
            let started = Instant::now();
            members = engine.preview(&rule, None, true, 90).await.unwrap().count;
            preview.push(millis(started.elapsed()));
            let query = engine.compiled(&rule, chrono::Utc::now()).await.unwrap();
            let started = Instant::now();
            state
                .db
                .collection::<Document>("profiles")
                .count_documents(query)
                .await
                .unwrap();
            raw.push(millis(started.elapsed()));
        }
        preview.sort_by(f64::total_cmp);
        raw.sort_by(f64::total_cmp);
        let (p, r) = (percentile(&preview, 0.5), percentile(&raw, 0.5));
        println!("{name:<34} {members:>8} {p:>12.1} {r:>12.1} {:>7.2}", p / r);
    }
}

async fn bench_evaluation(state: &AppState) {
    let docs: Vec<ProfileDoc> = {
        use futures::TryStreamExt;
        let cursor = state
            .db
            .collection::<ProfileDoc>("profiles")
            .find(doc! {})
            .limit(20_000)
            .await
            .unwrap();
        cursor.try_collect().await.unwrap()
    };
    let subjects: Vec<_> = docs.iter().map(subject_of).collect();
    let filters: Vec<_> = rules()
        .iter()
        .map(|(_, r)| lower(r, chrono::Utc::now()))
        .collect();
    let sets = ProfileSets::default();
    let started = Instant::now();
    let mut matched = 0usize;
    for subject in &subjects {
        for filter in &filters {
            matched += usize::from(matches(filter, subject, &sets));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let evaluations = subjects.len() * filters.len();
    println!(
        "\n# In-memory evaluation: {evaluations} profile×segment evaluations ({matched} matches) in {:.1} ms = {:.0} per second",
        seconds * 1_000.0,
        evaluations as f64 / seconds
    );
}

async fn bench_freshness(state: &AppState, events: usize) {
    let sources = Sources::new(&state.db);
    let source = sources
        .get_or_create("bench", enrich::model::source::SourceKind::Api)
        .await
        .unwrap();
    let key = sources.issue_key(&source).await.unwrap().key;
    track(
        state,
        &key,
        "identify",
        json!({ "userId": "fresh", "traits": { "plan": "basic" } }),
    )
    .await;
    let vip = serde_json::from_value(json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "vip" } })).unwrap();
    let save = SegmentSave {
        id: None,
        base_version: None,
        label: SegmentLabel::parse("VIP", "").unwrap(),
        rule: vip,
    };
    let segment = state.segments.save(save, "bench", 90).await.unwrap();
    while state
        .segments
        .segments
        .get(segment.id)
        .await
        .unwrap()
        .unwrap()
        .compute
        .is_none_or(|c| c.state != "done")
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut hub = state.hub.subscribe();
    let (mut to_hub, mut to_api) = (Vec::new(), Vec::new());
    let identity = state
        .db
        .collection::<Document>("identities")
        .find_one(doc! { "_id": "user_id:fresh" })
        .await
        .unwrap();
    let profile = identity
        .and_then(|d| d.get_object_id("profile_id").ok())
        .expect("the person exists");
    for i in 0..events {
        let entering = i % 2 == 0;
        let plan = if entering { "vip" } else { "basic" };
        let started = Instant::now();
        track(
            state,
            &key,
            "identify",
            json!({ "userId": "fresh", "traits": { "plan": plan } }),
        )
        .await;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), hub.recv())
                .await
                .expect("a transition")
                .unwrap();
            if let enrich::model::live::LiveMessage::SegmentTransition { kind, .. } =
                &message.message
                && (kind == "entered") == entering
            {
                break;
            }
        }
        to_hub.push(millis(started.elapsed()));
        loop {
            let (memberships, _) = state.segments.of_profile(profile).await.unwrap();
            if memberships.is_empty() != entering {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        to_api.push(millis(started.elapsed()));
    }
    for (name, mut samples) in [
        ("live hub (what /ws/live will carry)", to_hub),
        ("memberships API", to_api),
    ] {
        samples.sort_by(f64::total_cmp);
        println!(
            "  POST /v1/identify → {name}: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&samples, 0.5),
            percentile(&samples, 0.99)
        );
    }
}

#[tokio::main]
async fn main() {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let profiles = env_number("BENCH_PROFILES", 100_000);
    let events = env_number("BENCH_EVENTS", 1_000);
    let db = db::connect(&uri, &format!("bench_segments_{}", ObjectId::new()))
        .await
        .expect("database");
    db::indexes::ensure_indexes(&db).await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .unwrap()
        .leptos_options;
    let state = AppState::new(
        options,
        db.clone(),
        &Settings::default(),
        enrich::server::privacy::keyring::generate(),
    );
    state.segments.start();
    // A few calls through the API so the field catalog knows the traits and the event.
    let sources = Sources::new(&db);
    let source = sources
        .get_or_create("catalog", enrich::model::source::SourceKind::Api)
        .await
        .unwrap();
    let key = sources.issue_key(&source).await.unwrap().key;
    track(&state, &key, "identify", json!({ "userId": "c", "traits": { "plan": "free", "age": 1, "city": "x", "birthday": "1990-01-01" } })).await;
    track(
        &state,
        &key,
        "track",
        json!({ "userId": "c", "event": "Order Completed", "properties": { "total": 1 } }),
    )
    .await;
    let started = Instant::now();
    seed(&db, profiles).await;
    println!(
        "seeded {profiles} profiles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    bench_previews(&state).await;
    bench_evaluation(&state).await;
    println!(
        "\n# Freshness over {events} identify calls (in-process router, one person flipping in and out)"
    );
    bench_freshness(&state, events).await;
    db.drop().await.ok();
}
