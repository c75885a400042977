//! Campaign delivery benchmark, in one run:
//! 1. throughput of a whole campaign (draw, outbox, worker, render, send, settle) to the test
//!    SMTP sink and to a local webhook receiver, BENCH_PEOPLE recipients each (default 2,000),
//!    next to the same number of sends straight through lettre / reqwest with as many in flight
//!    and messages of the same shape (text and HTML parts, tracked links and a Message-ID; the
//!    same JSON fields and headers): messages per second and the ratio;
//! 2. triggered sends: from `POST /v1/identify` putting a person into the segment to the webhook
//!    arriving, p50 / p99 over BENCH_TRIGGERS entries (default 50).
//!
//! `make benchcampaigns` starts an in-memory database and the SMTP sink (BENCH_SMTP_PORT).
#[path = "bench_support/numbers.rs"]
mod numbers;

use axum::{
    Router,
    body::{Body, Bytes},
    http::Request,
    routing::post,
};
use enrich::{
    model::{
        campaign::{CampaignDefinition, Channel, Schedule, Variant},
        campaign_settings::ChannelLimits,
        segment::SegmentLabel,
    },
    server::{
        AppState,
        config::Settings,
        db::{self, campaign_settings::SecretChange, sources::Sources},
        segments::store::SegmentSave,
    },
};
use futures::{StreamExt, stream};
use mongodb::bson::oid::ObjectId;
use numbers::{env_number, millis, percentile};
use serde_json::json;
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::Notify;
use tower::ServiceExt;

/// Sends in flight in the raw baselines: as many as the worker allows per channel.
const IN_FLIGHT: usize = 8;

async fn call(state: &AppState, key: &str, path: &str, body: serde_json::Value) {
    let request = Request::post(path)
        .header("x-write-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let reply = enrich::server::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{path}: {}", reply.status());
}

/// A webhook receiver counting requests and waking waiters on each.
async fn receiver() -> (String, Arc<AtomicUsize>, Arc<Notify>) {
    let (count, notify) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
    let (c, n) = (count.clone(), notify.clone());
    let router = Router::new().route(
        "/hook",
        post(move |_: Bytes| {
            let (c, n) = (c.clone(), n.clone());
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                n.notify_waiters();
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, count, notify)
}

fn definition(
    name: &str,
    segment: &str,
    channel: Channel,
    schedule: Schedule,
) -> CampaignDefinition {
    CampaignDefinition {
        name: name.into(),
        goal: String::new(),
        include: vec![segment.into()],
        exclude: vec![],
        channel,
        consent_purpose: String::new(),
        variants: vec![Variant {
            key: "A".into(),
            split: 100,
            subject: "Hi {{ traits.name }}".into(),
            body: "Sale: https://shop.example/sale".into(),
        }],
        holdout_percent: 0,
        schedule,
        conversion: None,
        frequency_cap: Some(enrich::model::campaign::FrequencyCap { max: 100, days: 1 }),
    }
}

/// Messages per second of a whole campaign on `channel` to everyone in `segment`.
async fn campaign_rate(state: &AppState, segment: &str, channel: Channel, people: usize) -> f64 {
    let service = &state.campaigns;
    let name = format!("bench {}", channel.as_str());
    let id = service
        .save(
            None,
            definition(&name, segment, channel, Schedule::Now),
            "bench",
        )
        .await
        .unwrap();
    let started = Instant::now();
    service.launch(id).await.unwrap();
    loop {
        let c = service.campaigns.must_get(id).await.unwrap();
        if c.status.as_str() == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let sent = service.outbox.count_sent(id).await.unwrap() as usize;
    assert_eq!(sent, people, "{channel:?}: every message sent");
    people as f64 / seconds
}

async fn raw_smtp_rate(port: u16, people: usize) -> f64 {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::MultiPart};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let started = Instant::now();
    stream::iter(0..people)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let transport = transport.clone();
            async move {
                // The shape the campaign sends: a text and an HTML part with a tracked link,
                // the unsubscribe link and the open pixel, and a Message-ID.
                let link = |kind: &str| {
                    format!("http://localhost:3000/l/{kind}/{}:1:{i:024}.{:064}", ObjectId::new(), i)
                };
                let text = format!("Sale: https://shop.example/sale\n\n--\nUnsubscribe: {}\n", link("u"));
                let html = format!(
                    "<!doctype html><html><body><p>Sale: <a href=\"{}\">https://shop.example/sale</a></p>\
                     <p style=\"font-size:12px;color:#666\"><a href=\"{}\">Unsubscribe</a></p>\
                     <img src=\"{}\" width=\"1\" height=\"1\" alt=\"\"></body></html>",
                    link("c"),
                    link("u"),
                    link("o")
                );
                let message = Message::builder()
                    .from("Shop <news@shop.test>".parse().unwrap())
                    .to(format!("raw{i}@bench.test").parse().unwrap())
                    .subject(format!("Hi Person {i}"))
                    .message_id(Some(format!("<{}.1.{i}@enrich>", ObjectId::new())))
                    .multipart(MultiPart::alternative_plain_html(text, html))
                    .unwrap();
                transport.send(message).await.unwrap();
            }
        })
        .await;
    people as f64 / started.elapsed().as_secs_f64()
}

async fn raw_webhook_rate(url: &str, people: usize) -> f64 {
    let client = reqwest::Client::new();
    let started = Instant::now();
    stream::iter(0..people)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let (client, url) = (client.clone(), url.to_owned());
            async move {
                // The shape the campaign sends: the same fields and headers.
                let key = format!("{}:1:{i:024}", ObjectId::new());
                let body = json!({
                    "id": key,
                    "campaign": { "id": ObjectId::new().to_hex(), "name": "bench webhook" },
                    "variant": "A",
                    "profile": {
                        "id": ObjectId::new().to_hex(),
                        "userId": format!("person-{i}"),
                        "email": format!("person{i}@bench.test"),
                        "phone": null,
                    },
                    "subject": format!("Hi Person {i}"),
                    "body": "Sale: https://shop.example/sale",
                    "unsubscribeUrl": format!("http://localhost:3000/l/u/{key}.{:064}", i),
                })
                .to_string();
                client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", &key)
                    .header("x-enrich-signature", format!("t=1,v1={:064}", i))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
            }
        })
        .await;
    people as f64 / started.elapsed().as_secs_f64()
}

async fn setup(url: &str) -> (AppState, String) {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let port =
        std::env::var("BENCH_SMTP_PORT").expect("BENCH_SMTP_PORT: run `make benchcampaigns`");
    let db = db::connect(&uri, &format!("bench_campaigns_{}", ObjectId::new()))
        .await
        .expect("database");
    db::indexes::ensure_indexes(&db).await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .unwrap()
        .leptos_options;
    let env = [
        ("ENRICH_SMTP_HOST", "127.0.0.1".to_owned()),
        ("ENRICH_SMTP_PORT", port),
        ("ENRICH_SMTP_FROM", "Shop <news@shop.test>".into()),
        ("ENRICH_WEBHOOK_URL", url.to_owned()),
        ("ENRICH_WEBHOOK_SECRET", "bench-secret".into()),
        // The receiver is on 127.0.0.1.
        ("ENRICH_WEBHOOK_ALLOW_PRIVATE", "true".into()),
        ("ENRICH_CAMPAIGN_TICK_MS", "20".into()),
    ];
    let settings = Settings::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    });
    let state = AppState::new(
        options,
        db.clone(),
        &settings,
        enrich::server::privacy::keyring::generate(),
    );
    state.start();
    let store = &state.campaigns.settings;
    let mut channel_settings = store.load().await.unwrap().settings;
    channel_settings.limits = Channel::ALL
        .iter()
        .map(|c| ChannelLimits {
            channel: *c,
            cap: None,
            per_second: 10_000,
        })
        .collect();
    store
        .save(&channel_settings, SecretChange::Keep, SecretChange::Keep)
        .await
        .unwrap();
    let sources = Sources::new(&db);
    let source = sources
        .get_or_create("bench", enrich::model::source::SourceKind::Api)
        .await
        .unwrap();
    (state, sources.issue_key(&source).await.unwrap().key)
}

async fn populate(state: &AppState, key: &str, people: usize) -> String {
    let consent = json!({ "consent": { "categoryPreferences": { "email_marketing": true, "sms_marketing": true, "personalization": true } } });
    for chunk in (0..people).collect::<Vec<_>>().chunks(500) {
        let batch: Vec<_> = chunk.iter().map(|i| json!({
            "type": "identify", "userId": format!("b{i}"), "context": consent,
            "traits": { "email": format!("b{i}@bench.test"), "name": format!("Person {i}"), "plan": "gold" },
        })).collect();
        call(state, key, "/v1/batch", json!({ "batch": batch })).await;
    }
    let rule = serde_json::from_value(json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })).unwrap();
    let save = SegmentSave {
        id: None,
        base_version: None,
        label: SegmentLabel::parse("Gold", "").unwrap(),
        rule,
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
    segment.id.to_hex()
}

async fn trigger_latency(
    state: &AppState,
    key: &str,
    triggers: usize,
    count: &AtomicUsize,
    notify: &Notify,
) -> Vec<f64> {
    let rule = serde_json::from_value(json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "platinum" } })).unwrap();
    let save = SegmentSave {
        id: None,
        base_version: None,
        label: SegmentLabel::parse("Platinum", "").unwrap(),
        rule,
    };
    let segment = state
        .segments
        .save(save, "bench", 90)
        .await
        .unwrap()
        .id
        .to_hex();
    let schedule = Schedule::Triggered {
        segment_id: segment.clone(),
    };
    let id = state
        .campaigns
        .save(
            None,
            definition("bench trigger", &segment, Channel::Webhook, schedule),
            "bench",
        )
        .await
        .unwrap();
    state.campaigns.launch(id).await.unwrap();
    let mut latencies = Vec::with_capacity(triggers);
    for i in 0..triggers {
        let before = count.load(Ordering::SeqCst);
        let started = Instant::now();
        let body = json!({ "userId": format!("b{i}"), "traits": { "plan": "platinum" } });
        let arrived = notify.notified();
        call(state, key, "/v1/identify", body).await;
        tokio::pin!(arrived);
        while count.load(Ordering::SeqCst) == before {
            tokio::time::timeout(Duration::from_millis(50), arrived.as_mut())
                .await
                .ok();
            arrived.set(notify.notified());
        }
        latencies.push(millis(started.elapsed()));
    }
    latencies.sort_by(f64::total_cmp);
    latencies
}

#[tokio::main]
async fn main() {
    // RUST_LOG=enrich::server::campaigns=debug shows each run's draw and each batch's phases.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let people = env_number("BENCH_PEOPLE", 2_000);
    let triggers = env_number("BENCH_TRIGGERS", 50);
    let (url, count, notify) = receiver().await;
    let (state, key) = setup(&url).await;
    let segment = populate(&state, &key, people).await;
    println!("# {people} recipients per campaign, {IN_FLIGHT} sends in flight, no throttle\n");
    let port: u16 = std::env::var("BENCH_SMTP_PORT").unwrap().parse().unwrap();
    let email = campaign_rate(&state, &segment, Channel::Email, people).await;
    let raw_email = raw_smtp_rate(port, people).await;
    println!(
        "email → SMTP sink:  campaign {email:.0} msg/s, raw lettre {raw_email:.0} msg/s, ratio {:.2}",
        email / raw_email
    );
    let webhook = campaign_rate(&state, &segment, Channel::Webhook, people).await;
    let raw_webhook = raw_webhook_rate(&url, people).await;
    println!(
        "webhook → receiver: campaign {webhook:.0} msg/s, raw reqwest {raw_webhook:.0} msg/s, ratio {:.2}",
        webhook / raw_webhook
    );
    let in_app = campaign_rate(&state, &segment, Channel::InApp, people).await;
    println!("in-app (stored):    campaign {in_app:.0} msg/s");
    let latencies = trigger_latency(&state, &key, triggers, &count, &notify).await;
    println!(
        "\ntriggered, POST /v1/identify → webhook received: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({triggers} entries)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
}
