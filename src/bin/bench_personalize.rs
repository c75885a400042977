//! Personalization benchmark, two figures from one run with BENCH_PROFILES profiles (default
//! 100,000) in the database:
//! 1. `GET /v1/personalize` (a visitor by anonymous id, with the write key) p50/p95/p99 next to
//!    `GET /healthz` and a static file (`/favicon.svg`, run from the repository root) on the
//!    same server, alternating over one keep-alive connection, with the
//!    database commands each personalization request cost (counted by the driver's command
//!    monitor, so the figure holds on any server);
//! 2. track → new segment on the stream: a visitor's stream is open, their `Product Viewed`
//!    track call makes them a member of an exposed segment, and the time until the stream pushes the segment key is
//!    measured (BENCH_STREAM_TRIALS visitors, default 200).
//!
//! `make benchpersonalize` starts an in-memory database and runs this in an optimised build; or
//! set MONGODB_URI.
#[path = "bench_support/numbers.rs"]
mod numbers;

use bytes::Bytes;
use enrich::{
    model::segment::SegmentLabel,
    server::{
        AppState,
        config::Settings,
        db::{
            self, identities::IdentityDoc, profile_doc::IdentityEntry, profile_doc::ProfileDoc,
            sources::Sources,
        },
        segments::store::SegmentSave,
    },
};
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use mongodb::{
    Client as MongoClient, Database,
    bson::{self, doc, oid::ObjectId},
    event::{EventHandler, command::CommandEvent},
    options::ClientOptions,
};
use numbers::{env_number, millis, percentile};
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const CHUNK: usize = 5_000;
const SOURCE: &str = "bench";
const PLANS: [&str; 2] = ["free", "pro"];

/// The database with every command counted in `counter`.
async fn counted_db(uri: &str, name: &str, counter: Arc<AtomicU64>) -> Database {
    let mut options = ClientOptions::parse(uri).await.expect("a MongoDB URI");
    options.command_event_handler = Some(EventHandler::callback(move |event| {
        if let CommandEvent::Started(_) = event {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }));
    let client = MongoClient::with_options(options).expect("client");
    let db = client.database(name);
    db.run_command(doc! { "ping": 1 })
        .await
        .expect("database reachable");
    db
}

fn identity(kind: &str, value: &str, at: bson::DateTime) -> IdentityEntry {
    IdentityEntry {
        key: format!("{kind}:{value}"),
        kind: kind.to_owned(),
        value: value.to_owned(),
        source: SOURCE.to_owned(),
        at,
    }
}

/// Visitor `n`: an anonymous profile with a plan (exposed) and an email (never exposed).
fn visitor(n: usize, now: bson::DateTime) -> ProfileDoc {
    let mut p = ProfileDoc::new(ObjectId::new(), now);
    p.first_seen = Some(now);
    p.last_seen = Some(now);
    p.sources = vec![SOURCE.to_owned()];
    p.identities = vec![identity("anonymous_id", &format!("a{n}"), now)];
    p.traits = doc! { "plan": PLANS[n % 2], "email": format!("v{n}@example.com") };
    p
}

async fn seed(db: &Database, count: usize) {
    let now = bson::DateTime::now();
    for start in (0..count).step_by(CHUNK) {
        let profiles: Vec<ProfileDoc> = (start..count.min(start + CHUNK))
            .map(|n| visitor(n, now))
            .collect();
        let identities: Vec<IdentityDoc> = profiles
            .iter()
            .flat_map(|p| {
                p.identities.iter().map(|i| IdentityDoc {
                    key: i.key.clone(),
                    profile_id: p.id,
                    source: SOURCE.to_owned(),
                    at: i.at,
                })
            })
            .collect();
        db.collection::<ProfileDoc>(db::profiles::COLLECTION)
            .insert_many(&profiles)
            .await
            .expect("profiles");
        db.collection::<IdentityDoc>(db::identities::COLLECTION)
            .insert_many(&identities)
            .await
            .expect("identities");
    }
}

/// A rule segment "Viewers" (viewed a product today) exposed as `viewer`, once its first
/// computation is done.
async fn viewer_segment(state: &AppState) {
    let rule = serde_json::from_value(
        serde_json::json!({ "type": "event", "event": "Product Viewed",
        "count": "at_least", "times": 1, "within_days": 1, "filters": [] }),
    )
    .unwrap();
    let save = SegmentSave {
        id: None,
        base_version: None,
        label: SegmentLabel::parse("Viewers", "").unwrap(),
        rule,
    };
    let segment = state
        .segments
        .save(save, "bench", 90)
        .await
        .expect("segment saved");
    let store = db::segments::Segments::new(&state.db);
    store
        .set_exposed_key(segment.id, Some("viewer"))
        .await
        .unwrap();
    state.personalize.forget_exposure();
    let started = Instant::now();
    loop {
        let stored = store.get(segment.id).await.unwrap();
        if stored
            .and_then(|s| s.compute)
            .is_some_and(|c| c.state == "done")
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "segment not computed in 10 min"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = enrich::server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    host
}

type Http = Client<HttpConnector, Full<Bytes>>;

fn get(host: &str, path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("http://{host}{path}"))
        .header("host", host)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// GETs `path`; the latency in ms (whole body read). Panics unless 200.
async fn timed(client: &Http, host: &str, path: &str) -> f64 {
    let started = Instant::now();
    let response = client.request(get(host, path)).await.expect("an answer");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    assert_eq!(
        status,
        200,
        "GET {path}: {}",
        String::from_utf8_lossy(&body)
    );
    millis(started.elapsed())
}

async fn post(client: &Http, host: &str, path: &str, key: &str, body: serde_json::Value) {
    let request = Request::post(format!("http://{host}{path}"))
        .header("host", host)
        .header("content-type", "application/json")
        .header("x-write-key", key)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.expect("an answer");
    assert_eq!(response.status(), 200, "POST {path}");
    response.into_body().collect().await.unwrap();
}

fn report(label: &str, mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let [p50, p95, p99] = [0.50, 0.95, 0.99].map(|p| percentile(&samples, p));
    println!(
        "{label:<28} p50 {p50:.2} ms  p95 {p95:.2} ms  p99 {p99:.2} ms  ({} samples)",
        samples.len()
    );
    p95
}

/// Opens visitor `anonymous`'s stream and waits for its first document.
async fn open_stream(
    client: &Http,
    host: &str,
    key: &str,
    anonymous: &str,
) -> http_body_util::BodyDataStream<hyper::body::Incoming> {
    let path = format!("/v1/personalize/stream?anonymousId={anonymous}&writeKey={key}");
    let response = client.request(get(host, &path)).await.expect("a stream");
    assert_eq!(response.status(), 200);
    let mut stream = response.into_body().into_data_stream();
    wait_for(&mut stream, |_| true).await;
    stream
}

/// Reads the stream until a `personalization` event whose data satisfies `want`.
async fn wait_for(
    stream: &mut http_body_util::BodyDataStream<hyper::body::Incoming>,
    want: impl Fn(&str) -> bool,
) {
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: "))
                && want(data)
            {
                return;
            }
        }
        let next = tokio::time::timeout_at(deadline, stream.next()).await;
        let chunk = next
            .expect("no push within 10 s")
            .expect("stream open")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::main]
async fn main() {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let count = env_number("BENCH_PROFILES", 100_000);
    let requests = env_number("BENCH_REQUESTS", 1_000);
    let trials = env_number("BENCH_STREAM_TRIALS", 200);
    let name = format!("bench_personalize_{}", ObjectId::new().to_hex());
    let commands = Arc::new(AtomicU64::new(0));
    let db = counted_db(&uri, &name, commands.clone()).await;
    db::indexes::ensure_indexes(&db).await.unwrap();
    let started = Instant::now();
    seed(&db, count).await;
    println!(
        "profiles: {count} (seeded in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .unwrap()
        .leptos_options;
    let keys = enrich::server::privacy::keyring::generate();
    let state = AppState::new(options, db.clone(), &Settings::default(), keys);
    state.start();
    let sources = Sources::new(&db);
    let source = sources
        .get_or_create("web", enrich::model::source::SourceKind::Api)
        .await
        .unwrap();
    let key = sources.issue_key(&source).await.unwrap().key;
    state
        .ingest
        .graph
        .gate
        .classes
        .set_exposed("plan", true)
        .await
        .unwrap();
    let host = serve(state.clone()).await;
    // No Nagle on the client either, or small requests wait for the server's delayed ACK.
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Http = Client::builder(TokioExecutor::new()).build(connector);
    // The event must be known before a rule may name it.
    let first = serde_json::json!({"anonymousId": "warm-up", "event": "Product Viewed"});
    post(&client, &host, "/v1/track", &key, first).await;
    viewer_segment(&state).await;

    // 1. Personalization next to the health check.
    for n in 0..20 {
        timed(
            &client,
            &host,
            &format!("/v1/personalize?anonymousId=a{n}&writeKey={key}"),
        )
        .await;
        timed(&client, &host, "/healthz").await;
    }
    let (mut reads, mut health, mut files) = (Vec::new(), Vec::new(), Vec::new());
    let mut read_commands = 0;
    for i in 0..requests {
        let n = (i * 7_919) % count;
        let before = commands.load(Ordering::Relaxed);
        reads.push(
            timed(
                &client,
                &host,
                &format!("/v1/personalize?anonymousId=a{n}&writeKey={key}"),
            )
            .await,
        );
        read_commands += commands.load(Ordering::Relaxed) - before;
        health.push(timed(&client, &host, "/healthz").await);
        files.push(timed(&client, &host, "/favicon.svg").await);
    }
    let read_p95 = report("GET /v1/personalize", reads);
    let health_p95 = report("GET /healthz", health);
    let file_p95 = report("GET /favicon.svg (static)", files);
    println!(
        "ratio p95 personalize/healthz: {:.2}",
        read_p95 / health_p95
    );
    // /healthz opens a change stream to report whether they work: a slow baseline. A static
    // file is the stricter one (no database at all).
    println!(
        "ratio p95 personalize/static file: {:.2}",
        read_p95 / file_p95
    );
    println!(
        "database commands per personalize request: {:.2} (includes background work in the same window)",
        read_commands as f64 / requests as f64
    );

    // 2. Track → the exposed segment on the visitor's open stream.
    let mut latencies = Vec::new();
    for i in 0..trials {
        let who = format!("fresh-{i}");
        let page = serde_json::json!({"anonymousId": who, "name": "Home", "traits": {}});
        post(&client, &host, "/v1/page", &key, page).await;
        let mut stream = open_stream(&client, &host, &key, &who).await;
        let started = Instant::now();
        let track = serde_json::json!({"anonymousId": who, "event": "Product Viewed"});
        post(&client, &host, "/v1/track", &key, track).await;
        wait_for(&mut stream, |data| {
            data.contains("\"segments\":[\"viewer\"]")
        })
        .await;
        latencies.push(millis(started.elapsed()));
    }
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    report("track → segment on stream", latencies);
    println!(
        "stream push p99 {:.1} ms (target ≤ 100 ms, limit ≤ 1,000 ms)",
        percentile(&sorted, 0.99)
    );
    db.drop().await.unwrap();
}
