//! Ingestion benchmark: generated events sent over HTTP to `/v1/batch` (identity resolution,
//! enrichment, exactly-once bookkeeping, events stored), next to a raw `insert_many` of the same
//! documents into the same server, in one run. Prints events/s and the ratio.
//!
//! `make bench` starts an in-memory database and runs this in release mode; or set MONGODB_URI.
use enrich::server::{AppState, config::Settings, db};
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use mongodb::bson::{self, Document, oid::ObjectId};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use std::time::Instant;

const PLANS: [&str; 2] = ["free", "pro"];
const EVENTS: [&str; 3] = ["Product Viewed", "Product Added", "Order Completed"];

/// Messages per `/v1/batch` request (Segment SDKs default to 100–500).
const BATCH: usize = 250;

fn events(count: usize, users: usize, seed: u64) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|n| {
            let user = rng.random_range(0..users);
            let at = chrono::Utc::now() - chrono::Duration::minutes(rng.random_range(0..129_600));
            let mut m = json!({"messageId": format!("bench-{seed}-{n}"), "anonymousId": format!("anon-{user}"),
                               "timestamp": at.to_rfc3339(), "context": {"ip": "203.0.113.7", "locale": "en-US"}});
            match rng.random_range(0..10) {
                0 => { m["type"] = json!("identify"); m["userId"] = json!(format!("u{user}"));
                       m["traits"] = json!({"email": format!("u{user}@example.com"), "plan": PLANS[n % 2]}); }
                1..=4 => { m["type"] = json!("page"); m["properties"] = json!({"path": format!("/p/{}", n % 50), "title": "Product"}); }
                _ => { m["type"] = json!("track"); m["event"] = json!(EVENTS[n % 3]);
                       m["properties"] = json!({"sku": format!("SKU-{}", n % 200), "price": (n % 90) as f64 + 0.99}); }
            }
            m
        })
        .collect()
}

/// What one device's SDK sends: every message of a batch from the same person.
fn device_batches(count: usize, seed: u64) -> Vec<Value> {
    let mut messages = events(count, count, seed);
    for (n, message) in messages.iter_mut().enumerate() {
        let person = n / BATCH;
        message["anonymousId"] = json!(format!("device-{seed}-{person}"));
        if message.get("userId").is_some() {
            message["userId"] = json!(format!("d{seed}-{person}"));
            message["traits"]["email"] = json!(format!("d{seed}-{person}@example.com"));
        }
    }
    messages
}

async fn send_all(base: &str, key: &str, messages: &[Value], concurrency: usize) -> f64 {
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{key}:")
        )
    );
    let batches: Vec<String> = messages
        .chunks(BATCH)
        .map(|c| json!({ "batch": c }).to_string())
        .collect();
    let started = Instant::now();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(batches.into_iter()));
    let workers = (0..concurrency).map(|_| {
        let (client, queue, auth, url) = (
            client.clone(),
            queue.clone(),
            auth.clone(),
            format!("{base}/v1/batch"),
        );
        tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().unwrap().next() else {
                    break;
                };
                let request = hyper::Request::post(&url)
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(Full::from(body))
                    .unwrap();
                let response = client.request(request).await.expect("the server answers");
                let status = response.status();
                let text = response.into_body().collect().await.unwrap().to_bytes();
                assert!(
                    status.is_success(),
                    "{status}: {}",
                    String::from_utf8_lossy(&text)
                );
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

async fn raw_insert(db: &mongodb::Database, messages: &[Value]) -> f64 {
    let docs: Vec<Document> = messages
        .iter()
        .map(|m| bson::to_document(m).unwrap())
        .collect();
    let collection = db.collection::<Document>("raw_events");
    let started = Instant::now();
    for chunk in docs.chunks(BATCH) {
        collection.insert_many(chunk).await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let uri = std::env::var("MONGODB_URI").expect("set MONGODB_URI (make bench does)");
    let count: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let name = format!("bench_{}", ObjectId::new().to_hex());
    let db = db::connect(&uri, &name).await.expect("database reachable");
    db::indexes::ensure_indexes(&db).await.unwrap();
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("enrich")
        .build();
    let state = AppState::new(
        options,
        db.clone(),
        &Settings::default(),
        enrich::server::privacy::keyring::generate(),
    );
    let sources = state.ingest.sources.clone();
    let source = sources
        .create("bench", enrich::model::source::SourceKind::Api)
        .await
        .unwrap();
    let key = sources.issue_key(&source).await.unwrap().key;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, enrich::server::router(state))
            .await
            .unwrap()
    });

    send_all(&base, &key, &events(1_000, 200, 1), 1).await; // warm-up, not counted
    let sequential = events(count, count / 10, 2);
    let parallel = events(count, count / 10, 3);
    let seq_s = send_all(&base, &key, &sequential, 1).await;
    let par_s = send_all(&base, &key, &parallel, 4).await;
    let devices = device_batches(count, 4);
    let device_s = send_all(&base, &key, &devices, 1).await;
    let raw_s = raw_insert(&db, &sequential).await;
    let rate = |s: f64| count as f64 / s;
    println!(
        "events per run: {count} ({BATCH} per /v1/batch request, {} distinct people)",
        count / 10
    );
    println!(
        "pipeline, 1 connection : {:>9.0} events/s ({seq_s:.2} s)",
        rate(seq_s)
    );
    println!(
        "pipeline, 4 connections: {:>9.0} events/s ({par_s:.2} s)",
        rate(par_s)
    );
    println!(
        "pipeline, 1 connection, one person per batch (SDK-style): {:>9.0} events/s ({device_s:.2} s)",
        rate(device_s)
    );
    println!(
        "raw insert_many        : {:>9.0} events/s ({raw_s:.2} s)",
        rate(raw_s)
    );
    println!(
        "ratio raw / pipeline   : {:>9.1}x (1 connection), {:.1}x (4 connections), {:.1}x (SDK-style)",
        rate(raw_s) / rate(seq_s),
        rate(raw_s) / rate(par_s),
        rate(raw_s) / rate(device_s)
    );
    println!(
        "peak RSS of this process (server + client): {:.0} MiB",
        peak_rss_mib()
    );
    db.drop().await.unwrap();
}
