//! The message mixes the ingestion benchmark sends: generated, seeded, Segment-shaped.
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

/// Messages per `/v1/batch` request (Segment SDKs default to 100–500).
pub const BATCH: usize = 250;
/// Products in the e-commerce shape's catalog (SKU-0 … SKU-199).
pub const PRODUCTS: usize = 200;

const PLANS: [&str; 2] = ["free", "pro"];
const EVENTS: [&str; 3] = ["Product Viewed", "Product Added", "Order Completed"];

fn at(rng: &mut StdRng) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(rng.random_range(0..129_600))).to_rfc3339()
}

/// A mix of identify (10 %), page (40 %) and track (50 %) calls; `person(rng, n)` picks who
/// sends message `n`.
fn mix(count: usize, seed: u64, mut person: impl FnMut(&mut StdRng, usize) -> usize) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|n| {
            let user = person(&mut rng, n);
            let mut m = json!({"messageId": format!("bench-{seed}-{n}"), "anonymousId": format!("anon-{seed}-{user}"),
                               "timestamp": at(&mut rng), "context": {"ip": "203.0.113.7", "locale": "en-US"}});
            match rng.random_range(0..10) {
                0 => { m["type"] = json!("identify"); m["userId"] = json!(format!("u{seed}-{user}"));
                       m["traits"] = json!({"email": format!("u{seed}-{user}@example.com"), "plan": PLANS[n % 2]}); }
                1..=4 => { m["type"] = json!("page"); m["properties"] = json!({"path": format!("/p/{}", n % 50), "title": "Product"}); }
                _ => { m["type"] = json!("track"); m["event"] = json!(EVENTS[n % 3]);
                       m["properties"] = json!({"sku": format!("X-{}", n % 200), "price": (n % 90) as f64 + 0.99}); }
            }
            m
        })
        .collect()
}

/// The main shape: `people` people overall, so most messages of a batch name different people.
pub fn many_people(count: usize, people: usize, seed: u64) -> Vec<Value> {
    mix(count, seed, |rng, _| rng.random_range(0..people))
}

/// `per_batch` people per batch, each sending about `BATCH / per_batch` messages.
pub fn few_people(count: usize, per_batch: usize, seed: u64) -> Vec<Value> {
    mix(count, seed, |rng, n| {
        (n / BATCH) * per_batch + rng.random_range(0..per_batch)
    })
}

/// What one device's SDK sends: every message of a batch from the same person.
pub fn one_person_per_batch(count: usize, seed: u64) -> Vec<Value> {
    mix(count, seed, |_, n| n / BATCH)
}

/// People on two devices: each identifies on the first, browses on the second, then
/// identifies there too (a merge of the two profiles): one message in 20 merges.
pub fn merging(count: usize, seed: u64) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    let people = count.div_ceil(20);
    let mut scripts: Vec<Vec<Value>> = (0..people)
        .map(|p| {
            let (first, second, user) = (
                format!("m{seed}-{p}-a"),
                format!("m{seed}-{p}-b"),
                format!("mu{seed}-{p}"),
            );
            let mut script = vec![identify(&first, &user, &mut rng)];
            script.extend((0..9).map(|_| track(&second, "Page Scrolled", json!({}), &mut rng)));
            script.push(identify(&second, &user, &mut rng));
            script.extend((0..9).map(|_| track(&first, "Page Scrolled", json!({}), &mut rng)));
            script.reverse();
            script
        })
        .collect();
    // People interleave within a batch's worth of them; each keeps its own order.
    let mut messages = Vec::with_capacity(count);
    for group in scripts.chunks_mut(BATCH / 20) {
        while group.iter().any(|s| !s.is_empty()) {
            let open: Vec<usize> = (0..group.len()).filter(|i| !group[*i].is_empty()).collect();
            let pick = open[rng.random_range(0..open.len())];
            messages.extend(group[pick].pop());
        }
    }
    messages.truncate(count);
    number(messages, seed)
}

/// Shoppers browsing, adding to carts and ordering products of a `PRODUCTS`-item catalog.
pub fn shopping(count: usize, shoppers: usize, seed: u64) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    let messages = (0..count)
        .map(|_| {
            let shopper = rng.random_range(0..shoppers);
            let anonymous = format!("shopper-{seed}-{shopper}");
            let kind = rng.random_range(0..20);
            let mut sku = || format!("SKU-{}", rng.random_range(0..PRODUCTS));
            let (event, properties) = match kind {
                0..=12 => ("Product Viewed", json!({"sku": sku(), "price": 19.99})),
                13..=17 => ("Product Added", json!({"sku": sku(), "price": 19.99})),
                _ => {
                    let items: Vec<Value> = (0..3)
                        .map(|_| json!({"sku": sku(), "price": 19.99, "quantity": 1}))
                        .collect();
                    (
                        "Order Completed",
                        json!({"products": items, "revenue": 59.97}),
                    )
                }
            };
            let mut message = track(&anonymous, event, properties, &mut rng);
            message["userId"] = json!(format!("buyer-{seed}-{shopper}"));
            message
        })
        .collect();
    number(messages, seed)
}

fn identify(anonymous: &str, user: &str, rng: &mut StdRng) -> Value {
    json!({"type": "identify", "anonymousId": anonymous, "userId": user, "timestamp": at(rng),
           "traits": {"email": format!("{user}@example.com")}})
}

fn track(anonymous: &str, event: &str, properties: Value, rng: &mut StdRng) -> Value {
    json!({"type": "track", "anonymousId": anonymous, "event": event, "properties": properties,
           "timestamp": at(rng), "context": {"ip": "203.0.113.7"}})
}

fn number(mut messages: Vec<Value>, seed: u64) -> Vec<Value> {
    for (n, message) in messages.iter_mut().enumerate() {
        message["messageId"] = json!(format!("bench-{seed}-{n}"));
    }
    messages
}
