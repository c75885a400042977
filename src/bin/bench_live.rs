//! Live feed benchmark (`/ws/live`), in one run, with the server and its clients in this process
//! talking over loopback:
//! 1. latency from `POST /v1/track` to the event arriving on a subscribed websocket: p50 / p99
//!    over BENCH_EVENTS events (default 500), sent one at a time;
//! 2. fan-out to BENCH_CLIENTS websocket clients (default 1,000) subscribed to `events`:
//!    BENCH_FANOUT_EVENTS tracked events (default 100), one every 50 ms; delivery p50 / p99 / max
//!    over every (client, event) pair, the deliveries missed, and this process's CPU time and
//!    memory (the clients' share included: they run in this process);
//! 3. ingest throughput through `POST /v1/batch` (BENCH_BATCHES batches of 100 track events,
//!    default 20, sent one after another), first with no websocket client, then with all the
//!    fan-out clients attached and reading, and the ratio;
//! 4. segment freshness: from `POST /v1/track` (its `context.traits` flipping one person's plan)
//!    to the `entered` / `exited` transition arriving on a websocket subscribed to `segments`,
//!    and to it being visible through the memberships API (`/api/profiles/segments` over HTTP):
//!    p50 / p99 over BENCH_FRESH_EVENTS calls (default 1,000).
//!
//! `make benchlive` raises the open-files limit (`ulimit -n 8192`), starts an in-memory database
//! and runs this optimised; or set MONGODB_URI (and the limit) yourself.
#[path = "bench_support/freshness.rs"]
mod freshness;
#[path = "bench_support/numbers.rs"]
mod numbers;

use axum::serve::ListenerExt;
use bytes::Bytes;
use enrich::{
    model::{
        access::Role,
        live::{Control, ControlFrame, LiveEvent, LiveFrame, LiveMessage, ServerFrame},
        source::SourceKind,
    },
    server::{
        AppState,
        auth::users,
        config::Settings,
        db::{self, sources::Sources, users::Users},
        privacy::keyring,
    },
};
use futures::{SinkExt as _, StreamExt as _, future::try_join_all};
use http_body_util::{BodyExt, Full};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use leptos::prelude::LeptosOptions;
use mongodb::{Database, bson::oid::ObjectId};
use numbers::{env_number, millis, percentile};
use serde_json::{Value, json};
use std::{
    net::SocketAddr,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::JoinHandle,
    time::MissedTickBehavior,
};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async_with_config,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// Any error, movable across tasks.
type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A websocket client connection.
type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
/// The HTTP client of the tracking API and the sign-in form.
type Http = Client<HttpConnector, Full<Bytes>>;
/// A fan-out event's index and when a client received it.
type Seen = (usize, Instant);

/// The benchmark admin's password.
const PASSWORD: &str = "correct horse battery staple";
/// The name of every single tracked event; the user id tells them apart.
const EVENT: &str = "Bench Ping";
/// User id prefix of the fan-out events (`fan-17`); readers look for it.
const FANOUT: &str = "fan-";
/// Latency round trips before the measured ones.
const WARM_UP: usize = 20;
/// Messages per `/v1/batch` request.
const BATCH: usize = 100;
/// Distinct people in one ingest run.
const INGEST_PEOPLE: usize = 200;
/// Websocket clients connecting at the same time.
const CONNECT_CHUNK: usize = 50;
/// Pause between two fan-out events.
const FANOUT_EVERY: Duration = Duration::from_millis(50);
/// How long one latency event may take to arrive.
const EVENT_WAIT: Duration = Duration::from_secs(5);
/// How long a websocket handshake (connect, welcome, subscribe) may take.
const HANDSHAKE_WAIT: Duration = Duration::from_secs(10);
/// Silence after which the fan-out deliveries still missing count as missed.
const DRAIN_IDLE: Duration = Duration::from_secs(3);

/// What to run, from the environment.
struct Plan {
    events: usize,
    clients: usize,
    fanout_events: usize,
    batches: usize,
    fresh_events: usize,
}

impl Plan {
    /// BENCH_EVENTS, BENCH_CLIENTS, BENCH_FANOUT_EVENTS and BENCH_BATCHES, or their defaults.
    fn from_env() -> Self {
        Self {
            events: env_number("BENCH_EVENTS", 500),
            clients: env_number("BENCH_CLIENTS", 1_000),
            fanout_events: env_number("BENCH_FANOUT_EVENTS", 100),
            batches: env_number("BENCH_BATCHES", 20),
            fresh_events: env_number("BENCH_FRESH_EVENTS", 1_000),
        }
    }
}

/// p50, p99 and max of `samples`, sorting them; `None` when there are none.
fn summary(samples: &mut [f64]) -> Option<(f64, f64, f64)> {
    samples.sort_by(f64::total_cmp);
    let max = *samples.last()?;
    Some((percentile(samples, 0.5), percentile(samples, 0.99), max))
}

/// `value` rounded, with thousands separators: `8,200`.
fn grouped(value: f64) -> String {
    let digits = format!("{value:.0}");
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A response read to the end.
struct Reply {
    status: hyper::StatusCode,
    headers: hyper::HeaderMap,
    body: Bytes,
}

/// HTTP to the loopback server: the tracking API with a write key, and the sign-in form.
struct Api {
    http: Http,
    base: String,
    host: String,
    auth: String,
}

impl Api {
    /// A client of the server at `address`, tracking with write key `key`.
    fn new(address: SocketAddr, key: &str) -> Self {
        use base64::Engine;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
        Self {
            http: Client::builder(TokioExecutor::new()).build(connector),
            base: format!("http://{address}"),
            host: address.to_string(),
            auth: format!("Basic {encoded}"),
        }
    }

    /// Posts `body` to `path` with `headers`; reads the whole answer.
    async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Reply, BoxError> {
        let mut request = hyper::Request::post(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.http.request(request.body(Full::from(body))?).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Posts JSON `body` to the tracking API's `path`; an error unless it succeeds.
    async fn send_json(&self, path: &str, body: String) -> Result<(), BoxError> {
        let headers = [
            ("authorization", self.auth.as_str()),
            ("content-type", "application/json"),
        ];
        let reply = self.post(path, &headers, body).await?;
        if reply.status.is_success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&reply.body);
        Err(format!("POST {path}: {} {text}", reply.status).into())
    }

    /// Calls server fn `endpoint` with `form` as the browser signed in with `cookie` would.
    async fn call(
        &self,
        endpoint: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> Result<Value, BoxError> {
        let origin = format!("http://{}", self.host);
        let headers = [
            ("host", self.host.as_str()),
            ("origin", origin.as_str()),
            ("cookie", cookie),
            ("accept", "application/json"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let body = serde_urlencoded::to_string(form)?;
        let reply = self
            .post(&format!("/api/{endpoint}"), &headers, body)
            .await?;
        if !reply.status.is_success() {
            let text = String::from_utf8_lossy(&reply.body);
            return Err(format!("{endpoint}: {} {text}", reply.status).into());
        }
        Ok(serde_json::from_slice(&reply.body)?)
    }

    /// Tracks one [`EVENT`] from user `who`.
    async fn track(&self, who: &str) -> Result<(), BoxError> {
        let body = json!({ "userId": who, "event": EVENT, "properties": { "bench": true } });
        self.send_json("/v1/track", body.to_string()).await
    }

    /// Signs in as `email` through the form (with a same-origin `Origin`, as a browser would);
    /// returns the session cookie (`enrich.sid=…`).
    async fn sign_in(&self, email: &str) -> Result<String, BoxError> {
        let form = serde_urlencoded::to_string([("email", email), ("password", PASSWORD)])?;
        let origin = format!("http://{}", self.host);
        let headers = [
            ("host", self.host.as_str()),
            ("origin", origin.as_str()),
            ("accept", "application/json"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let reply = self.post("/auth/login", &headers, form).await?;
        if !reply.status.is_success() {
            let text = String::from_utf8_lossy(&reply.body);
            return Err(format!("sign-in: {} {text}", reply.status).into());
        }
        session_cookie(&reply.headers).ok_or_else(|| "the sign-in set no enrich.sid cookie".into())
    }
}

/// The `enrich.sid=…` pair of the `Set-Cookie` headers, if one sets it.
fn session_cookie(headers: &hyper::HeaderMap) -> Option<String> {
    headers
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.len() > "enrich.sid=".len() && pair.starts_with("enrich.sid="))
        .map(str::to_owned)
}

/// The body of one `/v1/batch` request: [`BATCH`] track events of run `label`.
fn batch_body(label: &str, batch: usize) -> String {
    let messages: Vec<Value> = (batch * BATCH..(batch + 1) * BATCH)
        .map(|n| {
            json!({
                "type": "track", "messageId": format!("{label}-{n}"),
                "userId": format!("{label}-user-{}", n % INGEST_PEOPLE),
                "event": "Bench Batch", "properties": { "n": n }
            })
        })
        .collect();
    json!({ "batch": messages }).to_string()
}

/// Connects to the database, starts the app (segment engine and live feed) and serves it on a
/// loopback port, as `main` does.
async fn start_server() -> Result<(AppState, SocketAddr), BoxError> {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let db = db::connect(&uri, &format!("bench_live_{}", ObjectId::new().to_hex())).await?;
    db::indexes::ensure_indexes(&db).await?;
    let options = LeptosOptions::builder().output_name("enrich").build();
    let state = AppState::new(options, db, &Settings::default(), keyring::generate());
    state.start();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            eprintln!("cannot set TCP_NODELAY: {err}");
        }
    });
    let service =
        enrich::server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, service).await {
            eprintln!("the server stopped: {err}");
        }
    });
    Ok((state, address))
}

/// A fresh write key of an API source.
async fn write_key(db: &Database) -> Result<String, BoxError> {
    let sources = Sources::new(db);
    let source = sources.get_or_create("bench", SourceKind::Api).await?;
    Ok(sources.issue_key(&source).await?.key)
}

/// Adds an admin and signs in as them over HTTP; returns the session cookie.
async fn admin_cookie(state: &AppState, api: &Api) -> Result<String, BoxError> {
    let email = format!("bench-{}@example.com", ObjectId::new().to_hex());
    users::add(&Users::new(&state.db), &email, Role::Admin, PASSWORD).await?;
    api.sign_in(&email).await
}

/// Opens `/ws/live` with `cookie`, reads the welcome and subscribes to `events`.
async fn subscribed(address: SocketAddr, cookie: &str) -> Result<Socket, BoxError> {
    subscribed_to(address, cookie, "events").await
}

/// Opens `/ws/live` with `cookie`, reads the welcome and subscribes to `stream`.
async fn subscribed_to(
    address: SocketAddr,
    cookie: &str,
    stream: &str,
) -> Result<Socket, BoxError> {
    tokio::time::timeout(HANDSHAKE_WAIT, handshake(address, cookie, stream))
        .await
        .map_err(|_| {
            format!(
                "no websocket handshake within {HANDSHAKE_WAIT:?}: if the open-files limit is \
                 low the server cannot accept; run `ulimit -n 8192` first"
            )
        })?
}

/// Connects, then reads the welcome, subscribes to `stream` and reads the confirmation.
async fn handshake(address: SocketAddr, cookie: &str, stream: &str) -> Result<Socket, BoxError> {
    let mut request = format!("ws://{address}/ws/live").into_client_request()?;
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(cookie)?);
    let (mut socket, _) = connect_async_with_config(request, None, true).await?;
    expect(&mut socket, |c| matches!(c, Control::Welcome { .. })).await?;
    let subscribe = json!({ "v": 1, "type": "subscribe", "stream": stream });
    socket.send(Message::text(subscribe.to_string())).await?;
    expect(&mut socket, |c| matches!(c, Control::Subscribed { .. })).await?;
    Ok(socket)
}

/// Reads the next frame; an error unless it is a control frame `wanted` accepts.
async fn expect(socket: &mut Socket, wanted: impl Fn(&Control) -> bool) -> Result<(), BoxError> {
    match next_frame(socket).await? {
        ServerFrame::Control(frame) if wanted(&frame.control) => Ok(()),
        other => Err(format!("unexpected frame: {other:?}").into()),
    }
}

/// The next text frame, parsed.
async fn next_frame(socket: &mut Socket) -> Result<ServerFrame, BoxError> {
    loop {
        let message = socket.next().await.ok_or("the websocket closed")??;
        if let Message::Text(text) = message {
            return Ok(serde_json::from_str(text.as_str())?);
        }
    }
}

/// When the event tracked for `who` arrives on `socket` (within [`EVENT_WAIT`]).
async fn arrival_of(socket: &mut Socket, who: &str) -> Result<Instant, BoxError> {
    tokio::time::timeout(EVENT_WAIT, until_event(socket, who))
        .await
        .map_err(|_| format!("the event of {who} did not arrive within {EVENT_WAIT:?}"))?
}

/// Reads frames until the event of `who` comes; when it came.
async fn until_event(socket: &mut Socket, who: &str) -> Result<Instant, BoxError> {
    loop {
        let frame = next_frame(socket).await?;
        let at = Instant::now();
        if let ServerFrame::Live(LiveFrame {
            message: LiveMessage::Event(event),
            ..
        }) = frame
            && event.who.as_deref() == Some(who)
        {
            return Ok(at);
        }
    }
}

/// Milliseconds from sending the track call for `who` to its event arriving on `socket`; the
/// socket is read while the call is in flight, so an early arrival is timed as early.
async fn round_trip(api: &Api, socket: &mut Socket, who: &str) -> Result<f64, BoxError> {
    let started = Instant::now();
    let (posted, arrived) = tokio::join!(api.track(who), arrival_of(socket, who));
    posted?;
    Ok(millis(arrived?.duration_since(started)))
}

/// Phase 1: one subscribed client, `events` track calls one at a time.
async fn bench_latency(
    api: &Api,
    address: SocketAddr,
    cookie: &str,
    events: usize,
) -> Result<(), BoxError> {
    let mut socket = subscribed(address, cookie).await?;
    for i in 0..WARM_UP {
        round_trip(api, &mut socket, &format!("warm-{i}")).await?;
    }
    let mut samples = Vec::with_capacity(events);
    for i in 0..events {
        samples.push(round_trip(api, &mut socket, &format!("lat-{i}")).await?);
    }
    socket.close(None).await.ok();
    let (p50, p99, max) = summary(&mut samples).ok_or("BENCH_EVENTS is 0")?;
    println!(
        "track → websocket latency: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms \
         ({events} events, one at a time)"
    );
    Ok(())
}

/// Events/s through `/v1/batch`: `batches` requests of [`BATCH`] events, one after another.
async fn ingest(api: &Api, label: &str, batches: usize) -> Result<f64, BoxError> {
    let bodies: Vec<String> = (0..batches).map(|b| batch_body(label, b)).collect();
    let started = Instant::now();
    for body in bodies {
        api.send_json("/v1/batch", body).await?;
    }
    Ok((batches * BATCH) as f64 / started.elapsed().as_secs_f64())
}

/// The fan-out clients: one reading task per socket.
struct Clients {
    readers: Vec<JoinHandle<()>>,
    /// Fan-out events as the clients receive them.
    seen: mpsc::UnboundedReceiver<Seen>,
    /// Messages the server said the clients skipped (`lagged`).
    skipped: Arc<AtomicU64>,
}

impl Clients {
    /// Connects and subscribes `count` clients, [`CONNECT_CHUNK`] at a time, each then read by
    /// its own task.
    async fn connect(address: SocketAddr, cookie: &str, count: usize) -> Result<Self, BoxError> {
        let (sender, seen) = mpsc::unbounded_channel();
        let skipped = Arc::new(AtomicU64::new(0));
        let mut readers = Vec::with_capacity(count);
        while readers.len() < count {
            let chunk = CONNECT_CHUNK.min(count - readers.len());
            let sockets = try_join_all((0..chunk).map(|_| subscribed(address, cookie)))
                .await
                .map_err(explain_fd_limit)?;
            let spawn = |socket| spawn_reader(socket, sender.clone(), skipped.clone());
            readers.extend(sockets.into_iter().map(spawn));
        }
        Ok(Self {
            readers,
            seen,
            skipped,
        })
    }

    /// Messages skipped so far, as the server told the clients.
    fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Ends every reader (their sockets close as they drop).
    fn stop(self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// `err`, with what to do when it is the open-files limit.
fn explain_fd_limit(err: BoxError) -> BoxError {
    if err.to_string().contains("Too many open files") {
        format!("{err}: raise the limit with `ulimit -n 8192` first (make benchlive does)").into()
    } else {
        err
    }
}

/// Reads `socket` until it closes: reports fan-out events on `seen` and counts what the server
/// says was skipped. Only frames that can matter are parsed, to keep the clients' CPU share (in
/// this process) low.
fn spawn_reader(
    mut socket: Socket,
    seen: mpsc::UnboundedSender<Seen>,
    skipped: Arc<AtomicU64>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            let at = Instant::now();
            if let Message::Text(text) = message
                && (text.as_str().contains(FANOUT) || text.as_str().contains("\"lagged\""))
            {
                note(text.as_str(), at, &seen, &skipped);
            }
        }
    })
}

/// Records one frame a reader received at `at`.
fn note(text: &str, at: Instant, seen: &mpsc::UnboundedSender<Seen>, skipped: &AtomicU64) {
    match serde_json::from_str::<ServerFrame>(text) {
        Ok(ServerFrame::Live(LiveFrame {
            message: LiveMessage::Event(event),
            ..
        })) => {
            if let Some(index) = fanout_index(&event) {
                // The receiver is gone only once the run is over.
                let _ = seen.send((index, at));
            }
        }
        Ok(ServerFrame::Control(ControlFrame {
            control: Control::Lagged { missed },
            ..
        })) => {
            skipped.fetch_add(missed, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// The index of a fan-out event (`fan-17` → 17).
fn fanout_index(event: &LiveEvent) -> Option<usize> {
    event.who.as_deref()?.strip_prefix(FANOUT)?.parse().ok()
}

/// Tracks `events` fan-out events one every [`FANOUT_EVERY`]; returns every delivery's delay
/// (ms) from sending the call to a client receiving the event.
async fn fan_out(api: &Api, clients: &mut Clients, events: usize) -> Result<Vec<f64>, BoxError> {
    let mut sent = Vec::with_capacity(events);
    let mut every = tokio::time::interval(FANOUT_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for i in 0..events {
        every.tick().await;
        sent.push(Instant::now());
        api.track(&format!("{FANOUT}{i}")).await?;
    }
    let arrivals = drain(&mut clients.seen, events * clients.readers.len()).await;
    let delay = |(i, at): &Seen| sent.get(*i).map(|s| millis(at.duration_since(*s)));
    Ok(arrivals.iter().filter_map(delay).collect())
}

/// Receives arrivals until `expected` came or none came for [`DRAIN_IDLE`].
async fn drain(seen: &mut mpsc::UnboundedReceiver<Seen>, expected: usize) -> Vec<Seen> {
    let mut arrivals = Vec::with_capacity(expected);
    while arrivals.len() < expected {
        match tokio::time::timeout(DRAIN_IDLE, seen.recv()).await {
            Ok(Some(arrival)) => arrivals.push(arrival),
            _ => break,
        }
    }
    arrivals
}

/// This process's CPU time and memory at one moment.
struct Usage {
    at: Instant,
    cpu_seconds: f64,
    rss_kb: u64,
    peak_kb: u64,
}

impl Usage {
    /// Now, from `/proc/self`, with `ticks` clock ticks per second.
    fn now(ticks: f64) -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        Self {
            at: Instant::now(),
            cpu_seconds: cpu_ticks() as f64 / ticks,
            rss_kb: status_kb(&status, "VmRSS:"),
            peak_kb: status_kb(&status, "VmHWM:"),
        }
    }
}

/// User plus system CPU time of this process, in clock ticks (`/proc/self/stat` fields 14, 15).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count from its closing parenthesis, after
    // which the state is field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    rest.split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum()
}

/// A `kB` line of `/proc/self/status`, or 0.
fn status_kb(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Clock ticks per second of `/proc/self/stat` and where that number came from.
fn clock_ticks() -> (f64, &'static str) {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok();
    let ticks = output
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok());
    match ticks {
        Some(ticks) if ticks > 0.0 => (ticks, "from getconf CLK_TCK"),
        _ => (100.0, "assumed: getconf CLK_TCK failed"),
    }
}

/// `kb` kilobytes as whole mebibytes.
fn mib(kb: u64) -> String {
    format!("{:.0} MiB", kb as f64 / 1024.0)
}

/// The soft limit on open files, unless unlimited or unreadable.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Refuses to start when `clients` sockets (both ends in this process) cannot fit the limit.
fn check_fd_limit(clients: usize) -> Result<(), BoxError> {
    let needed = 2 * clients as u64 + 256;
    match open_files_limit() {
        Some(limit) if limit < needed => Err(format!(
            "the open-files limit ({limit}) is too low: {clients} clients need about {needed} \
             file descriptors (both ends of every socket are in this process); run \
             `ulimit -n {}` first (make benchlive does), or lower BENCH_CLIENTS",
            needed.max(8_192)
        )
        .into()),
        _ => Ok(()),
    }
}

/// Phase 2: connects the clients, times the fan-out and this process's usage; returns the
/// clients, still connected and reading.
async fn bench_fan_out(
    api: &Api,
    address: SocketAddr,
    cookie: &str,
    plan: &Plan,
    ticks: f64,
) -> Result<Clients, BoxError> {
    let before = Usage::now(ticks);
    let mut clients = Clients::connect(address, cookie, plan.clients).await?;
    let connected = Usage::now(ticks);
    report_connect(plan.clients, &before, &connected);
    let mut delays = fan_out(api, &mut clients, plan.fanout_events).await?;
    let after = Usage::now(ticks);
    report_fan_out(&mut delays, plan, clients.skipped());
    report_usage("server process during fan-out", &connected, &after);
    Ok(clients)
}

/// How long connecting took and what it cost in memory.
fn report_connect(clients: usize, before: &Usage, connected: &Usage) {
    let seconds = connected.at.duration_since(before.at).as_secs_f64();
    let grown = connected.rss_kb as f64 - before.rss_kb as f64;
    println!(
        "connected and subscribed {clients} websocket clients in {seconds:.1} s: RSS {} → {} \
         ({:.0} kB per client, client and server ends together)",
        mib(before.rss_kb),
        mib(connected.rss_kb),
        grown / clients.max(1) as f64
    );
}

/// Delivery delays over every (client, event) pair, and the misses.
fn report_fan_out(delays: &mut [f64], plan: &Plan, skipped: u64) {
    let (clients, expected) = (plan.clients, plan.clients * plan.fanout_events);
    let missed = expected.saturating_sub(delays.len());
    match summary(delays) {
        Some((p50, p99, max)) => println!(
            "fan-out to {clients} clients ({} events, one every {} ms): delivery p50 {p50:.1} ms, \
             p99 {p99:.1} ms, max {max:.1} ms; missed {missed} of {expected}",
            plan.fanout_events,
            FANOUT_EVERY.as_millis()
        ),
        None => println!(
            "fan-out to {clients} clients: nothing delivered; missed {missed} of {expected}"
        ),
    }
    if skipped > 0 {
        println!("  the server told clients they lagged: {skipped} messages skipped");
    }
}

/// CPU time and memory of this process between `from` and `to`.
fn report_usage(label: &str, from: &Usage, to: &Usage) {
    let wall = to.at.duration_since(from.at).as_secs_f64();
    let cpu = to.cpu_seconds - from.cpu_seconds;
    println!(
        "{label}: CPU {cpu:.1} s over {wall:.1} s ({:.0}% of one core, websocket clients \
         included: they run in this process), RSS {} → {} (peak so far {})",
        100.0 * cpu / wall,
        mib(from.rss_kb),
        mib(to.rss_kb),
        mib(to.peak_kb)
    );
}

/// Ingest throughput without and with the clients, and the ratio.
fn report_ingest(alone: f64, with: f64, clients: usize, skipped: u64) {
    println!(
        "ingest: {} events/s alone, {} events/s with {clients} clients ({:.2}×)",
        grouped(alone),
        grouped(with),
        with / alone
    );
    println!("  (with clients, every event is also sent to each of them; they share the CPU)");
    if skipped > 0 {
        println!("  the server told clients they lagged: {skipped} messages skipped");
    }
}

/// The three phases against the running server.
async fn run(state: &AppState, address: SocketAddr, plan: &Plan) -> Result<(), BoxError> {
    let api = Api::new(address, &write_key(&state.db).await?);
    let cookie = admin_cookie(state, &api).await?;
    let (ticks, tick_source) = clock_ticks();
    println!(
        "# Live feed over loopback: server, MongoDB driver and websocket clients share this \
         process; CPU clock {ticks} ticks/s ({tick_source})"
    );
    bench_latency(&api, address, &cookie, plan.events).await?;
    println!("live feed mode: {}", state.hub.status().mode);
    ingest(&api, "warm", 2).await?; // warm-up, not counted
    let alone = ingest(&api, "alone", plan.batches).await?;
    let clients = bench_fan_out(&api, address, &cookie, plan, ticks).await?;
    let skipped = clients.skipped();
    let with = ingest(&api, "with", plan.batches).await?;
    report_ingest(alone, with, plan.clients, clients.skipped() - skipped);
    clients.stop();
    freshness::bench(state, &api, address, &cookie, plan.fresh_events).await
}

/// Starts the server, runs the phases, drops the benchmark database.
async fn bench() -> Result<(), BoxError> {
    let plan = Plan::from_env();
    check_fd_limit(plan.clients)?;
    let (state, address) = start_server().await?;
    let outcome = run(&state, address, &plan).await;
    state.db.drop().await.ok();
    outcome
}

#[tokio::main]
async fn main() -> ExitCode {
    match bench().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench_live: {err}");
            ExitCode::FAILURE
        }
    }
}
