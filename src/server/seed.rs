//! Demo data: people spread over legacy systems that disagree on how to write them (email case,
//! phone formats, missing fields), and 90 days of web and app events, all sent through the real
//! import and ingestion pipelines so the result is exactly what production data would give.
pub mod demo;

use super::{
    db::sources::SourceDoc,
    identity::IdentityGraph,
    import::{mapping::parse_mapping, rows::to_message},
    ingest::{
        message::{BatchDefaults, Message, parse_message},
        pipeline,
    },
    state::IngestState,
};
use crate::{error::AppError, model::source::SourceKind};
use chrono::{DateTime, Duration, Utc};
use demo::Progress;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Map, Value, json};

const FIRST: &[&str] = &[
    "Ana", "Minji", "Lucas", "Sofia", "Jisoo", "Noah", "Emma", "Hiro", "Chloe", "Mateo", "Yuna",
    "Liam", "Mia", "Omar", "Lea", "Arjun", "Zoe", "Ivan", "Nora", "Kai",
];
const LAST: &[&str] = &[
    "Silva", "Kim", "Martin", "Rossi", "Park", "Smith", "Dubois", "Tanaka", "Garcia", "Lee",
    "Novak", "Costa", "Muller", "Khan", "Olsen", "Jones",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example",
    "corp.example",
    "inbox.example",
];
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("SKU-RUN-1", "Trail Runner", 12900),
    ("SKU-TEE-2", "Merino Tee", 4500),
    ("SKU-JKT-3", "Rain Jacket", 18900),
    ("SKU-CAP-4", "Sun Cap", 2200),
    ("SKU-BAG-5", "Day Pack", 8900),
    ("SKU-SOCK-6", "Wool Socks", 1500),
    ("SKU-BOOT-7", "Hiking Boot", 16900),
    ("SKU-ROAD-8", "Road Runner", 11900),
    ("SKU-SAND-9", "Trail Sandal", 6900),
    ("SKU-FLC-10", "Fleece Pullover", 7900),
];

/// The demo shop's aisle of a product (the `category` attribute and event property).
fn category(sku: &str) -> &'static str {
    match sku {
        "SKU-RUN-1" | "SKU-BOOT-7" | "SKU-ROAD-8" | "SKU-SAND-9" => "shoes",
        "SKU-TEE-2" | "SKU-JKT-3" | "SKU-FLC-10" => "apparel",
        _ => "accessories",
    }
}
const PAGES: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/pricing", "Pricing"),
    ("/blog/trail-guide", "Trail guide"),
    ("/sale", "Sale"),
    ("/cart", "Cart"),
];
const CRM_MAPPING: &str = "[columns]\n\"Customer No\" = \"external:crm_id\"\n\"E-mail\" = \"email\"\n\"Mobile\" = \"phone\"\n\"Name\" = \"trait:name\"\n\"Tier\" = \"trait:tier\"\n";
const LEGACY_MAPPING: &str = "[columns]\nid = \"external:legacy_id\"\nemail = \"email\"\nphone = \"phone\"\nfirst_name = \"trait:firstName\"\nlast_name = \"trait:lastName\"\nbirth_date = \"trait:birthday:date\"\n";

/// What a seed run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    /// Records and events sent.
    pub messages: usize,
    /// Live profiles afterwards.
    pub profiles: u64,
}

struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    digits: String,
}

fn person(rng: &mut StdRng, i: usize) -> Person {
    let first = *FIRST.choose(rng).unwrap_or(&"Ana");
    let last = *LAST.choose(rng).unwrap_or(&"Silva");
    let domain = DOMAINS.choose(rng).unwrap_or(&"example.com");
    let email = format!(
        "{}.{}{i}@{domain}",
        first.to_lowercase(),
        last.to_lowercase()
    );
    Person {
        first,
        last,
        email,
        digits: format!("{:04}", 1000 + i % 9000),
    }
}

/// The same number the way different systems write it.
fn phone(rng: &mut StdRng, p: &Person) -> String {
    let d = &p.digits;
    match rng.random_range(0..3) {
        0 => format!("+1 415-555-{d}"),
        1 => format!("(415) 555 {d}"),
        _ => format!("415.555.{d}"),
    }
}

/// Seeds `customers` people and about `events` events.
pub async fn seed(
    ingest: &IngestState,
    customers: usize,
    events: usize,
    seed: u64,
) -> Result<SeedSummary, AppError> {
    seed_reporting(ingest, customers, events, seed, None).await
}

/// Reports `step` and the messages `done` so far to `progress`, if any.
async fn report(progress: Option<&Progress>, step: &str, done: usize) {
    if let Some(progress) = progress {
        progress.report(step, done).await;
    }
}

/// [`seed`], reporting each step to `progress`. The same `seed` gives the same people and
/// identifiers, so seeding again attaches to the profiles already there.
pub async fn seed_reporting(
    ingest: &IngestState,
    customers: usize,
    events: usize,
    seed: u64,
    progress: Option<&Progress>,
) -> Result<SeedSummary, AppError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let people: Vec<Person> = (0..customers).map(|i| person(&mut rng, i)).collect();
    let now = Utc::now();
    let mut sent = import_records(ingest, &mut rng, &people, now, progress).await?;
    report(progress, "Adding the product catalog", sent).await;
    catalog(ingest).await?;
    let web = ingest.sources.get_or_create("web", SourceKind::Api).await?;
    let app = ingest.sources.get_or_create("app", SourceKind::Api).await?;
    let mut web_messages = Vec::new();
    let mut app_messages = Vec::new();
    for n in 0..events {
        let i = rng.random_range(0..people.len().max(1));
        let Some(p) = people.get(i) else { break };
        let at = now - Duration::minutes(rng.random_range(0..90 * 24 * 60));
        let (target, value) = event(&mut rng, p, i, n, at);
        if target == "app" {
            app_messages.push(value)
        } else {
            web_messages.push(value)
        }
    }
    report(
        progress,
        "Adding insurance records that share no identifier",
        sent,
    )
    .await;
    let insurer = ingest
        .sources
        .get_or_create("insurer", SourceKind::Import)
        .await?;
    sent += send(
        &ingest.graph,
        &insurer,
        look_alike_records(DEMO_DUPLICATES, seed, now),
        now,
    )
    .await?;
    report(progress, "Sending web events", sent).await;
    sent += send(&ingest.graph, &web, web_messages, now).await?;
    report(progress, "Sending app events", sent).await;
    sent += send(&ingest.graph, &app, app_messages, now).await?;
    Ok(SeedSummary {
        messages: sent,
        profiles: ingest.graph.profiles.count().await?,
    })
}

/// Records the demo's insurer holds: people with 1–5 copies each as other systems wrote them
/// (typos, nicknames, swapped day and month, …) and look-alikes who are not them, without
/// email or phone, so nothing but matching links them (`server::matching::synth`).
const DEMO_DUPLICATES: usize = 150;

fn look_alike_records(count: usize, seed: u64, now: DateTime<Utc>) -> Vec<Value> {
    super::matching::synth::generate(count, seed)
        .into_iter()
        .enumerate()
        .map(|(n, record)| {
            let mut traits = Map::new();
            for (path, value) in record.fields {
                if matches!(path, "email" | "phone") {
                    continue;
                }
                let mut at = &mut traits;
                let mut parts = path.split('.').peekable();
                while let Some(part) = parts.next() {
                    if parts.peek().is_none() {
                        at.insert(part.to_owned(), json!(value));
                        break;
                    }
                    let entry = at.entry(part.to_owned()).or_insert_with(|| json!({}));
                    let Some(inner) = entry.as_object_mut() else {
                        break;
                    };
                    at = inner;
                }
            }
            json!({
                "type": "identify",
                "messageId": format!("insurer-{n}"),
                "anonymousId": format!("insurer-record-{n}"),
                "traits": traits,
                "timestamp": now.to_rfc3339(),
            })
        })
        .collect()
}

/// The products the demo events name, in the catalog (so their events link and recommend).
async fn catalog(ingest: &IngestState) -> Result<(), AppError> {
    let products = super::db::products::Products::new(&ingest.graph.db);
    for (sku, name, price) in PRODUCTS {
        let id = sku.trim_start_matches("SKU-").to_lowercase();
        let product = json!({
            "id": id, "name": name, "locale": "en-US", "brand": "Northwind Outdoor",
            "text": format!("{name} by Northwind Outdoor, made for long days on the trail."),
            "category": category(sku),
            "variants": [{ "id": sku, "name": name, "price": price, "currency": "USD", "stock": 25 }],
        });
        let product = serde_json::from_value(product).map_err(AppError::internal)?;
        products.save(&product).await?;
    }
    Ok(())
}

fn event(
    rng: &mut StdRng,
    p: &Person,
    i: usize,
    n: usize,
    at: DateTime<Utc>,
) -> (&'static str, Value) {
    let user = format!("u{i}");
    let mut m = json!({"messageId": format!("seed-{n}"), "timestamp": at.to_rfc3339()});
    let roll = rng.random_range(0..100);
    if roll >= 87 {
        m["type"] = json!("track");
        m["event"] = json!("App Opened");
        m["userId"] = json!(user);
        return ("app", m);
    }
    describe_web_event(&mut m, rng, p, roll);
    // Most web traffic is anonymous until the person signs in.
    if roll >= 82 || rng.random_bool(0.3) {
        m["userId"] = json!(user);
    }
    m["anonymousId"] = json!(format!("anon-{i}-{}", rng.random_range(0..2)));
    m["context"] = json!({"userAgent": "Mozilla/5.0", "locale": "en-US"});
    ("web", m)
}

/// Page views, product views, cart adds, orders and sign-ins, by `roll` (0–86).
fn describe_web_event(m: &mut Value, rng: &mut StdRng, p: &Person, roll: u32) {
    let (sku, name, price) = *PRODUCTS.choose(rng).unwrap_or(&PRODUCTS[0]);
    let (kind, event, details) = match roll {
        0..=39 => {
            let (path, title) = *PAGES.choose(rng).unwrap_or(&PAGES[0]);
            let url = format!("https://shop.example{path}");
            (
                "page",
                None,
                json!({"path": path, "url": url, "title": title}),
            )
        }
        40..=64 => (
            "track",
            Some("Product Viewed"),
            json!({"sku": sku, "name": name, "price": price, "category": category(sku)}),
        ),
        65..=74 => (
            "track",
            Some("Product Added"),
            json!({"sku": sku, "price": price, "category": category(sku)}),
        ),
        75..=81 => {
            let products = json!([{"sku": sku, "price": price}]);
            let order = json!({"total": price, "currency": "USD", "products": products});
            ("track", Some("Order Completed"), order)
        }
        _ => (
            "identify",
            None,
            json!({"email": p.email.to_uppercase(), "firstName": p.first}),
        ),
    };
    m["type"] = json!(kind);
    if let Some(event) = event {
        m["event"] = json!(event);
    }
    let slot = if kind == "identify" {
        "traits"
    } else {
        "properties"
    };
    m[slot] = details;
}

async fn send(
    graph: &IdentityGraph,
    source: &SourceDoc,
    values: Vec<Value>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let defaults = BatchDefaults::default();
    let messages: Vec<Message> = values
        .into_iter()
        .filter_map(|v| parse_message(v, None, &defaults, now, "").ok())
        .collect();
    for chunk in messages.chunks(500) {
        pipeline::ingest(graph, source, chunk).await?;
    }
    Ok(messages.len())
}

async fn import_records(
    ingest: &IngestState,
    rng: &mut StdRng,
    people: &[Person],
    now: DateTime<Utc>,
    progress: Option<&Progress>,
) -> Result<usize, AppError> {
    let mut sent = 0;
    for (name, mapping_text, share) in [
        ("crm", CRM_MAPPING, 0.7),
        ("legacy-db", LEGACY_MAPPING, 0.5),
    ] {
        report(progress, &format!("Importing customers from {name}"), sent).await;
        let source = ingest
            .sources
            .get_or_create(name, SourceKind::Import)
            .await?;
        ingest.sources.save_mapping(source.id, mapping_text).await?;
        let mapping = parse_mapping(mapping_text)?;
        let mut messages = Vec::new();
        for (i, p) in people.iter().enumerate() {
            if !rng.random_bool(share) {
                continue;
            }
            let record = legacy_record(rng, name, p, i);
            if let Ok(message) =
                to_message(&mapping, &(i as u64 + 2, record), &ingest.graph.policy, now)
            {
                messages.push(message);
            }
        }
        for chunk in messages.chunks(500) {
            pipeline::ingest(&ingest.graph, &source, chunk).await?;
        }
        sent += messages.len();
    }
    Ok(sent)
}

fn legacy_record(rng: &mut StdRng, system: &str, p: &Person, i: usize) -> Map<String, Value> {
    let mut record = Map::new();
    let phone = phone(rng, p);
    if system == "crm" {
        let email = if rng.random_bool(0.5) {
            p.email.to_uppercase()
        } else {
            p.email.clone()
        };
        record.insert("Customer No".into(), json!(format!("C{i:05}")));
        record.insert("E-mail".into(), json!(email));
        record.insert("Mobile".into(), json!(phone));
        record.insert("Name".into(), json!(format!("{} {}", p.first, p.last)));
        record.insert("Tier".into(), json!(["gold", "silver", "bronze"][i % 3]));
    } else {
        record.insert("id".into(), json!(format!("L-{i}")));
        if rng.random_bool(0.8) {
            record.insert("email".into(), json!(format!(" {} ", p.email)));
        }
        record.insert("phone".into(), json!(phone));
        record.insert("first_name".into(), json!(p.first));
        record.insert("last_name".into(), json!(p.last));
        record.insert(
            "birth_date".into(),
            json!(format!("19{}-0{}-1{}", 60 + i % 40, 1 + i % 9, i % 10)),
        );
    }
    record
}
