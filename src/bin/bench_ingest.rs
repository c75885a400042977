//! Ingestion benchmark: generated events sent over HTTP to `/v1/batch` (identity resolution,
//! enrichment, exactly-once bookkeeping, events stored) in several shapes, each next to a raw
//! `insert_many` of the same documents into the same server, in one run. Prints events/s, the
//! ratio, and the database commands per request by type (driver command monitoring, counting
//! only commands sent while a request is answered).
//!
//! `make bench` starts an in-memory database and runs this in release mode; or set MONGODB_URI.
#[path = "bench_support/commands.rs"]
mod commands;
#[path = "bench_support/ingest_shapes.rs"]
mod shapes;

use enrich::server::{AppState, config::Settings, db};
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use mongodb::bson::{self, Document, oid::ObjectId};
use serde_json::{Value, json};
use shapes::BATCH;
use std::time::Instant;

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

/// One shape's run: events/s through the pipeline and raw, and commands per request.
async fn shape(name: &str, run: &Bench, messages: &[Value], concurrency: usize) {
    let before = run.counts.snapshot();
    let pipeline_s = send_all(&run.base, &run.key, messages, concurrency).await;
    let commands = run
        .counts
        .per_request_since(&before, messages.len().div_ceil(BATCH));
    let raw_s = raw_insert(&run.db, messages).await;
    let rate = |s: f64| messages.len() as f64 / s;
    println!(
        "{name:<44} {:>8.0} events/s | raw insert_many {:>8.0}/s | raw ÷ pipeline {:>5.2}x | commands per request {commands}",
        rate(pipeline_s),
        rate(raw_s),
        rate(raw_s) / rate(pipeline_s),
    );
}

/// The server under test and how to reach it.
struct Bench {
    db: mongodb::Database,
    counts: commands::CommandCounts,
    base: String,
    key: String,
}

/// A catalog of `shapes::PRODUCTS` products with one SKU each, for the e-commerce shape.
async fn catalog(db: &mongodb::Database) {
    use enrich::model::product::{Product, Variant};
    let products = db::products::Products::new(db);
    for n in 0..shapes::PRODUCTS {
        let variant = Variant {
            id: format!("SKU-{n}"),
            name: format!("Variant {n}"),
            stock: 100,
            price: 1999,
            currency: "USD".into(),
            ..Variant::default()
        };
        let mut attributes = serde_json::Map::new();
        attributes.insert("category".into(), json!(format!("c{}", n % 12)));
        let product = Product {
            id: format!("P-{n}"),
            name: format!("Product {n}"),
            text: String::new(),
            locale: String::new(),
            variants: vec![variant],
            attributes,
        };
        products.save(&product).await.expect("product saved");
    }
}

#[tokio::main]
async fn main() {
    let uri = std::env::var("MONGODB_URI").expect("set MONGODB_URI (make bench does)");
    let count: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let name = format!("bench_{}", ObjectId::new().to_hex());
    let (db, counts) = commands::counted_db(&uri, &name).await;
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
    let app = commands::on_request_path(enrich::server::router(state));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let run = Bench {
        db: db.clone(),
        counts,
        base,
        key,
    };

    send_all(&run.base, &run.key, &shapes::many_people(1_000, 200, 1), 1).await; // warm-up
    println!(
        "{count} events per shape, {BATCH} per /v1/batch request; raw = insert_many of the same documents"
    );
    // BENCH_SHAPES=main,sdk runs only those (main, parallel, few, sdk, merges, shop).
    let chosen = std::env::var("BENCH_SHAPES").unwrap_or_default();
    let wanted = |key: &str| chosen.is_empty() || chosen.split(',').any(|c| c.trim() == key);
    let people = count / 10;
    if wanted("main") {
        let name = format!("main: {people} people (~235 per request), 1 conn");
        shape(&name, &run, &shapes::many_people(count, people, 2), 1).await;
    }
    if wanted("parallel") {
        let name = format!("main: {people} people, 4 connections");
        shape(&name, &run, &shapes::many_people(count, people, 3), 4).await;
    }
    if wanted("few") {
        let messages = shapes::few_people(count, 25, 4);
        shape("25 people per request", &run, &messages, 1).await;
    }
    if wanted("sdk") {
        let sdk = shapes::one_person_per_batch(count, 5);
        shape("one person per request (SDK-style)", &run, &sdk, 1).await;
    }
    if wanted("merges") {
        let messages = shapes::merging(count, 6);
        shape("1 message in 20 merges two profiles", &run, &messages, 1).await;
    }
    if wanted("shop") {
        catalog(&db).await;
        let shop = shapes::shopping(count, 100, 7);
        shape("e-commerce: 100 shoppers, 200 products", &run, &shop, 1).await;
    }
    println!(
        "peak RSS of this process (server + client): {:.0} MiB",
        peak_rss_mib()
    );
    db.drop().await.unwrap();
}
