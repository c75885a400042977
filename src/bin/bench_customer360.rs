//! Customer 360 benchmark: the p95 latency of the server-rendered customer page
//! (`GET /customers/{id}`: session check, profile, recent events and merges loaded, the whole
//! page rendered) with BENCH_PROFILES profiles in the database (default 100,000), next to the
//! p95 of a static file (`GET /favicon.svg`) from the same server, in one run. Prints p50, p95
//! and p99 of both and the p95 ratio.
//!
//! Profiles, identities and events are inserted directly (`insert_many`, shaped as enrichment
//! stores them); one profile in 100 gets 10 events and only those pages are requested. Requests
//! are sequential over one keep-alive client signed in as an admin, alternating page and file,
//! so both see the same server, connection and load; BENCH_REQUESTS (default 500) per endpoint.
//!
//! `make bench360` starts an in-memory database and runs this in release mode; or set
//! MONGODB_URI (default `mongodb://127.0.0.1:27017`). Run from the repository root: the static
//! file is served from `target/site`.
use bytes::Bytes;
use enrich::{
    model::access::Role,
    server::{
        AppState, auth,
        config::Settings,
        db::{
            self,
            events::{EventDoc, event_key},
            identities::IdentityDoc,
            profile_doc::{EventCounter, IdentityEntry, ProfileDoc, TraitProvenance},
            users::Users,
        },
        ingest::message::{Message, MessageType},
    },
};
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use mongodb::{
    Database,
    bson::{self, doc, oid::ObjectId},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::{net::SocketAddr, time::Instant};

/// Documents per `insert_many` while seeding.
const CHUNK: usize = 5_000;
/// One profile in this many gets events; only those pages are requested.
const WITH_EVENTS_EVERY: usize = 100;
/// Events stored for each of those profiles.
const EVENTS_PER_PROFILE: usize = 10;
/// Requests before measuring (half pages, half static file), not counted.
const WARM_UP: usize = 50;
/// The static file requested next to the page.
const STATIC_FILE: &str = "/favicon.svg";
/// Source name on everything seeded.
const SOURCE: &str = "bench";
/// The admin the benchmark signs in as.
const EMAIL: &str = "bench@example.com";
/// Its password.
const PASSWORD: &str = "bench password 123";
const PLANS: [&str; 2] = ["free", "pro"];
const CITIES: [&str; 4] = ["San Francisco", "Berlin", "Lisbon", "Tokyo"];
const EVENT_NAMES: [&str; 3] = ["Product Viewed", "Product Added", "Order Completed"];

/// A count from the environment, else `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `at` minus `hours`.
fn hours_before(at: bson::DateTime, hours: i64) -> bson::DateTime {
    bson::DateTime::from_millis(at.timestamp_millis() - hours * 3_600_000)
}

/// One identifier held by a profile.
fn identity(kind: &str, value: &str, at: bson::DateTime) -> IdentityEntry {
    IdentityEntry {
        key: format!("{kind}:{value}"),
        kind: kind.to_owned(),
        value: value.to_owned(),
        source: SOURCE.to_owned(),
        at,
    }
}

/// Where trait `key` of profile `n` came from.
fn provenance(key: &str, n: usize, at: bson::DateTime) -> TraitProvenance {
    TraitProvenance {
        key: key.to_owned(),
        source: SOURCE.to_owned(),
        message_id: format!("m{n}"),
        at,
        history: Vec::new(),
    }
}

/// Profile `n`, shaped as enrichment leaves it after a few identify and track calls.
fn profile(n: usize, now: bson::DateTime) -> ProfileDoc {
    let email = format!("person{n}@example.com");
    let mut p = ProfileDoc::new(ObjectId::new(), hours_before(now, 24 * 60));
    p.first_seen = Some(hours_before(now, 24 * 30));
    p.last_seen = Some(now);
    p.name = format!("Person {n}");
    p.email = Some(email.clone());
    p.phone = Some(format!("+1415555{:04}", n % 10_000));
    p.sources = vec![SOURCE.to_owned()];
    p.identities = vec![
        identity("email", &email, now),
        identity("user_id", &format!("u{n}"), now),
    ];
    let traits = doc! {
        "plan": PLANS[n % PLANS.len()], "email": email.as_str(),
        "name": p.name.as_str(), "city": CITIES[n % CITIES.len()]
    };
    p.provenance = traits.keys().map(|key| provenance(key, n, now)).collect();
    p.traits = traits;
    p.counters = vec![EventCounter {
        event: "Order Completed".to_owned(),
        total: 3,
        daily: Vec::new(),
    }];
    p.event_count = 10;
    p
}

/// The `identities` documents resolving to `profile`.
fn identity_docs(profile: &ProfileDoc) -> impl Iterator<Item = IdentityDoc> + '_ {
    profile.identities.iter().map(|i| IdentityDoc {
        key: i.key.clone(),
        profile_id: profile.id,
        source: i.source.clone(),
        at: i.at,
    })
}

/// Track call `k` of person `n`, as the pipeline stores it.
fn message(n: usize, k: usize, at: bson::DateTime) -> Message {
    let event = EVENT_NAMES[k % EVENT_NAMES.len()];
    let message_id = format!("m{n}-{k}");
    let raw = serde_json::json!({
        "type": "track", "event": event, "userId": format!("u{n}"), "messageId": &message_id,
        "timestamp": at.to_chrono().to_rfc3339(),
        "properties": { "sku": format!("SKU-{k}"), "price": 9.99 },
    });
    Message {
        kind: MessageType::Track,
        message_id,
        user_id: Some(format!("u{n}")),
        anonymous_id: None,
        event: Some(event.to_owned()),
        name: None,
        previous_id: None,
        group_id: None,
        timestamp: at.to_chrono(),
        received_at: at.to_chrono(),
        raw: raw.as_object().cloned().unwrap_or_default(),
    }
}

/// The stored events of profile `n` (one an hour, newest now).
fn events_of(
    profile: &ProfileDoc,
    n: usize,
    source_id: ObjectId,
    now: bson::DateTime,
) -> Vec<EventDoc> {
    (0..EVENTS_PER_PROFILE)
        .map(|k| {
            let at = hours_before(now, k as i64);
            let message = message(n, k, at);
            EventDoc {
                id: event_key(source_id, &message.message_id),
                source_id,
                source: SOURCE.to_owned(),
                message_id: message.message_id.clone(),
                event: message.event.clone(),
                profile_id: Some(profile.id),
                home_profile_id: Some(profile.id),
                timestamp: at,
                received_at: at,
                message,
                products: Vec::new(),
            }
        })
        .collect()
}

/// Inserts `docs` into collection `name` (nothing when empty: `insert_many` refuses that).
async fn insert<T: Serialize + Send + Sync>(db: &Database, name: &str, docs: &[T]) {
    if docs.is_empty() {
        return;
    }
    let collection = db.collection::<T>(name);
    collection.insert_many(docs).await.expect("seed insert");
}

/// Inserts `count` profiles, their identities and, for one in [`WITH_EVENTS_EVERY`], their
/// events; returns the ids of the profiles with events (the pages requested).
async fn seed(db: &Database, count: usize) -> Vec<ObjectId> {
    let (now, source_id) = (bson::DateTime::now(), ObjectId::new());
    let mut requested = Vec::new();
    for start in (0..count).step_by(CHUNK) {
        let profiles: Vec<ProfileDoc> = (start..count.min(start + CHUNK))
            .map(|n| profile(n, now))
            .collect();
        let identities: Vec<IdentityDoc> = profiles.iter().flat_map(identity_docs).collect();
        let chosen: Vec<(usize, &ProfileDoc)> = (start..)
            .zip(&profiles)
            .filter(|(n, _)| n % WITH_EVENTS_EVERY == 0)
            .collect();
        let events: Vec<EventDoc> = chosen
            .iter()
            .flat_map(|&(n, p)| events_of(p, n, source_id, now))
            .collect();
        requested.extend(chosen.iter().map(|(_, p)| p.id));
        insert(db, db::profiles::COLLECTION, &profiles).await;
        insert(db, db::identities::COLLECTION, &identities).await;
        insert(db, db::events::COLLECTION, &events).await;
    }
    requested
}

/// Serves the whole app on a free local port; returns its `host:port`.
async fn serve(db: &Database) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .expect("Leptos.toml readable")
        .leptos_options;
    let keys = enrich::server::privacy::keyring::generate();
    let state = AppState::new(options, db.clone(), &Settings::default(), keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    // As in `main`: no Nagle, or small responses wait for the client's delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = enrich::server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    host
}

/// A whole response.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    /// Status, redirect target and body, for a failed assertion.
    fn describe(&self) -> String {
        let location = self.headers.get("location");
        let body = String::from_utf8_lossy(&self.body);
        format!("{} (location {location:?}): {body}", self.status)
    }
}

/// The `enrich.sid=…` pair of a response's `set-cookie` headers, if it sets one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("enrich.sid=") && pair.len() > "enrich.sid=".len())
        .map(str::to_owned)
}

/// One keep-alive HTTP/1 client to one server, carrying the session cookie like a browser.
struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    host: String,
    cookie: String,
}

impl Browser {
    /// A client for the server at `host` (`127.0.0.1:port`), not signed in.
    fn new(host: String) -> Self {
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            client,
            host,
            cookie: String::new(),
        }
    }

    /// Sends `request` and reads the whole body.
    async fn send(&self, request: Request<Full<Bytes>>) -> Reply {
        let response = self
            .client
            .request(request)
            .await
            .expect("the server answers");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a whole body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Posts the sign-in form as a JSON client from our own origin; keeps the session cookie.
    async fn sign_in(&mut self) {
        let form = serde_urlencoded::to_string([("email", EMAIL), ("password", PASSWORD)]).unwrap();
        let request = Request::post(format!("http://{}/auth/login", self.host))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("host", &self.host)
            .header("origin", format!("http://{}", self.host))
            .body(Full::new(Bytes::from(form)))
            .unwrap();
        let reply = self.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in: {}",
            reply.describe()
        );
        self.cookie = session_cookie(&reply.headers).expect("sign-in sets the enrich.sid cookie");
    }

    /// GETs `path` signed in; returns the latency in ms (whole body read). Panics unless 200.
    async fn timed_get(&mut self, path: &str, accept: &str) -> f64 {
        let request = Request::get(format!("http://{}{path}", self.host))
            .header("host", &self.host)
            .header("accept", accept)
            .header("cookie", &self.cookie)
            .body(Full::new(Bytes::new()))
            .unwrap();
        let started = Instant::now();
        let reply = self.send(request).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "GET {path}: {}",
            reply.describe()
        );
        if let Some(cookie) = session_cookie(&reply.headers) {
            self.cookie = cookie;
        }
        ms
    }
}

/// `rounds` times: a customer page of `ids` picked at random (from `rng_seed`), then the static
/// file, one request at a time. Returns the page latencies and the file latencies, in ms.
async fn measure(
    browser: &mut Browser,
    ids: &[ObjectId],
    rounds: usize,
    rng_seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let (mut pages, mut files) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let id = ids[rng.random_range(0..ids.len())];
        let page = format!("/customers/{}", id.to_hex());
        pages.push(browser.timed_get(&page, "text/html").await);
        files.push(browser.timed_get(STATIC_FILE, "image/svg+xml,*/*").await);
    }
    (pages, files)
}

/// Nearest-rank percentile `p` (in (0, 100]) of non-empty sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Prints p50, p95 and p99 of `samples` under `label`; returns the p95.
fn report(label: &str, mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let [p50, p95, p99] = [50.0, 95.0, 99.0].map(|p| percentile(&samples, p));
    println!(
        "{label:<18} p50 {p50:.1} ms  p95 {p95:.1} ms  p99 {p99:.1} ms  ({} requests)",
        samples.len()
    );
    p95
}

#[tokio::main]
async fn main() {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let count = env_count("BENCH_PROFILES", 100_000);
    let requests = env_count("BENCH_REQUESTS", 500);
    assert!(
        count > 0 && requests > 0,
        "BENCH_PROFILES and BENCH_REQUESTS must be positive"
    );
    let name = format!("bench360_{}", ObjectId::new().to_hex());
    let db = db::connect(&uri, &name).await.expect("database reachable");
    db::indexes::ensure_indexes(&db).await.unwrap();
    let started = Instant::now();
    let ids = seed(&db, count).await;
    let seeded_s = started.elapsed().as_secs_f64();
    println!("profiles: {count} (seeded in {seeded_s:.1} s)");
    auth::users::add(&Users::new(&db), EMAIL, Role::Admin, PASSWORD)
        .await
        .expect("admin created");
    let mut browser = Browser::new(serve(&db).await);
    browser.sign_in().await;
    measure(&mut browser, &ids, WARM_UP / 2, 1).await; // warm-up, not counted
    let (pages, files) = measure(&mut browser, &ids, requests, 2).await;
    let page_p95 = report("customer 360 page", pages);
    let file_p95 = report("static file", files);
    println!("ratio p95 360/static: {:.1}", page_p95 / file_p95);
    db.drop().await.unwrap();
}
