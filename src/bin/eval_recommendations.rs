//! Offline evaluation of product recommendations, in one run on generated shoppers:
//! EVAL_PRODUCTS products (default 300) in categories with a skewed popularity, EVAL_CUSTOMERS
//! customers (default 800) who mostly browse one favourite category over a few sessions of views,
//! cart adds and orders. Each customer's last order is held out; everything before it goes
//! through the real ingestion pipeline (linking, co-occurrence, per-customer ranking) into the
//! database. Then hit-rate@10 — the held-out product among the customer's top 10 — of our
//! recommendations against the popularity baseline (the 10 most popular products the customer
//! has not bought), with the same stock and bought filters. Ours is measured twice: the list as
//! stored when the customer's last event came in (what apps are served; it never saw later
//! events) and ranked again after all events. Exits non-zero unless both beat the baseline.
//!
//! `make evalrecs` starts an in-memory database and runs this optimised; or set MONGODB_URI.
#[path = "bench_support/numbers.rs"]
#[expect(dead_code, reason = "the evaluation reads its sizes, it times nothing")]
mod numbers;

use chrono::{DateTime, Duration, Utc};
use enrich::{
    model::{product::Product, source::SourceKind},
    server::{
        AppState,
        config::Settings,
        db::{self, product_signals::ProductSignals, products::Products, sources::Sources},
        identity::identifiers::IdentityKind,
        ingest::{
            message::{BatchDefaults, Message, parse_message},
            pipeline,
        },
        products::recommend::{rank::TOP_N, refresh::refresh_profile},
    },
};
use mongodb::bson::oid::ObjectId;
use numbers::env_number;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::json;
use std::{collections::HashSet, time::Instant};

const CATEGORIES: usize = 15;

/// A generated interaction.
#[derive(Debug, Clone)]
struct Step {
    user: usize,
    event: &'static str,
    product: usize,
    at: DateTime<Utc>,
}

/// Product `p`'s popularity weight: categories and products within them are Zipf-like.
fn weight(p: usize) -> f64 {
    let (category, rank) = (p % CATEGORIES, p / CATEGORIES);
    1.0 / ((category + 1) as f64).powf(0.7) / ((rank + 1) as f64).powf(0.9)
}

fn pick_weighted(rng: &mut StdRng, items: &[usize]) -> usize {
    let total: f64 = items.iter().map(|p| weight(*p)).sum();
    let mut roll = rng.random_range(0.0..total);
    for p in items {
        roll -= weight(*p);
        if roll <= 0.0 {
            return *p;
        }
    }
    items[items.len() - 1]
}

/// Sessions for `user`: views in one category (mostly the favourite), maybe a cart add, maybe
/// an order of something viewed.
fn shopper(rng: &mut StdRng, user: usize, products: usize, now: DateTime<Utc>) -> Vec<Step> {
    let all: Vec<usize> = (0..products).collect();
    let favourite = pick_weighted(rng, &all) % CATEGORIES;
    let mut at = now - Duration::days(60) + Duration::minutes(rng.random_range(0..60 * 24 * 20));
    let mut steps = Vec::new();
    for _ in 0..rng.random_range(2..=5) {
        let category = if rng.random_bool(0.8) {
            favourite
        } else {
            rng.random_range(0..CATEGORIES)
        };
        let shelf: Vec<usize> = (0..products)
            .filter(|p| p % CATEGORIES == category)
            .collect();
        let mut viewed = Vec::new();
        for _ in 0..rng.random_range(3..=6) {
            let product = pick_weighted(rng, &shelf);
            viewed.push(product);
            at += Duration::minutes(rng.random_range(1..5));
            steps.push(Step {
                user,
                event: "Product Viewed",
                product,
                at,
            });
        }
        let chosen = *viewed.choose(rng).unwrap_or(&viewed[0]);
        if rng.random_bool(0.5) {
            at += Duration::minutes(2);
            steps.push(Step {
                user,
                event: "Product Added",
                product: chosen,
                at,
            });
        }
        if rng.random_bool(0.6) {
            at += Duration::minutes(3);
            steps.push(Step {
                user,
                event: "Order Completed",
                product: chosen,
                at,
            });
        }
        at += Duration::hours(rng.random_range(12..24 * 7));
    }
    steps
}

/// The customer's steps before their last order, and the product of that order.
fn hold_out(steps: Vec<Step>) -> (Vec<Step>, Option<usize>) {
    let Some(last) = steps.iter().rposition(|s| s.event == "Order Completed") else {
        return (steps, None);
    };
    let held = steps[last].product;
    (steps[..last].to_vec(), Some(held))
}

fn message(step: &Step, n: usize, now: DateTime<Utc>) -> Message {
    let properties = if step.event == "Order Completed" {
        json!({ "products": [{ "sku": format!("SKU-{}", step.product), "quantity": 1 }] })
    } else {
        json!({ "sku": format!("SKU-{}", step.product) })
    };
    let value = json!({
        "type": "track", "userId": format!("shopper-{}", step.user), "event": step.event,
        "properties": properties, "messageId": format!("eval-{n}"), "timestamp": step.at.to_rfc3339(),
    });
    parse_message(value, None, &BatchDefaults::default(), now, "").expect("a valid message")
}

async fn catalog(state: &AppState, products: usize) {
    let repository = Products::new(&state.db);
    for p in 0..products {
        let product: Product = serde_json::from_value(json!({
            "id": format!("p{p}"), "name": format!("Product {p}"), "category": p % CATEGORIES,
            "variants": [{ "id": format!("SKU-{p}"), "price": 1000 + p, "currency": "EUR", "stock": 10 }],
        }))
        .unwrap();
        repository.save(&product).await.unwrap();
    }
}

async fn state() -> AppState {
    let uri = std::env::var("MONGODB_URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let db = db::connect(&uri, &format!("eval_recs_{}", ObjectId::new()))
        .await
        .expect("database");
    db::indexes::ensure_indexes(&db).await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let options = leptos::prelude::get_configuration(Some(path))
        .unwrap()
        .leptos_options;
    let settings = Settings::from_lookup(|_| None);
    AppState::new(
        options,
        db,
        &settings,
        enrich::server::privacy::keyring::generate(),
    )
}

/// Hit-rate@10 of our lists (as stored after the last event, and ranked afresh at the end) and
/// of the popularity baseline, over the customers with a held-out order.
async fn evaluate(state: &AppState, held: &[(usize, usize)]) -> (f64, f64, f64) {
    let graph = &state.ingest.graph;
    let popular: Vec<String> = ProductSignals::new(&state.db)
        .popular(200)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let (mut stored_hits, mut fresh_hits, mut popular_hits) = (0, 0, 0);
    for (user, product) in held {
        let target = format!("p{product}");
        let key = graph
            .policy
            .normalise(IdentityKind::UserId, &format!("shopper-{user}"))
            .unwrap();
        let owner = *graph
            .identities
            .owners(&[key.key()])
            .await
            .unwrap()
            .values()
            .next()
            .unwrap();
        let profile = graph.live_profile_id(owner).await.unwrap();
        let stored = graph.must_get(profile).await.unwrap().recommendations;
        let stored: Vec<String> = stored
            .map(|r| r.items.into_iter().map(|c| c.id).collect())
            .unwrap_or_default();
        stored_hits += usize::from(stored.contains(&target));
        let fresh = refresh_profile(graph, profile).await.unwrap();
        fresh_hits += usize::from(fresh.iter().any(|c| c.id == target));
        let bought: HashSet<String> = graph.events.bought_products(profile).await.unwrap();
        let baseline: Vec<&String> = popular
            .iter()
            .filter(|p| !bought.contains(*p))
            .take(TOP_N)
            .collect();
        popular_hits += usize::from(baseline.contains(&&target));
    }
    let rate = |hits: usize| hits as f64 / held.len().max(1) as f64;
    (rate(stored_hits), rate(fresh_hits), rate(popular_hits))
}

#[tokio::main]
async fn main() {
    let (products, customers) = (
        env_number("EVAL_PRODUCTS", 300),
        env_number("EVAL_CUSTOMERS", 800),
    );
    let state = state().await;
    catalog(&state, products).await;
    let now = Utc::now();
    let mut rng = StdRng::seed_from_u64(20261202);
    let (mut training, mut held) = (Vec::new(), Vec::new());
    for user in 0..customers {
        let (steps, last) = hold_out(shopper(&mut rng, user, products, now));
        training.extend(steps);
        held.extend(last.map(|p| (user, p)));
    }
    training.sort_by_key(|s| s.at);
    let messages: Vec<Message> = training
        .iter()
        .enumerate()
        .map(|(n, s)| message(s, n, now))
        .collect();
    let source = Sources::new(&state.db)
        .get_or_create("eval", SourceKind::Api)
        .await
        .unwrap();
    let started = Instant::now();
    for chunk in messages.chunks(100) {
        pipeline::ingest(&state.ingest.graph, &source, chunk)
            .await
            .unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "trained on {} events from {customers} customers over {products} products in {seconds:.1} s ({:.0} events/s, linking + co-occurrence + ranking included)",
        messages.len(),
        messages.len() as f64 / seconds
    );
    let (stored, fresh, popular) = evaluate(&state, &held).await;
    println!(
        "held-out last orders:                          {}",
        held.len()
    );
    println!("hit-rate@10, ours as stored at the last event: {stored:.3}");
    println!("hit-rate@10, ours ranked after all events:     {fresh:.3}");
    println!("hit-rate@10, popularity baseline:              {popular:.3}");
    println!(
        "ours / popularity:                             {:.2}x stored, {:.2}x re-ranked",
        stored / popular.max(1e-9),
        fresh / popular.max(1e-9)
    );
    state.db.drop().await.ok();
    if stored <= popular || fresh <= popular {
        eprintln!("our recommendations do not beat the popularity baseline");
        std::process::exit(1);
    }
}
