//! Property: random interleavings of identify / alias / track over a small pool of identifiers,
//! sent through the API, always leave every identifier on exactly one live profile, keep event
//! counts consistent with where events point, and unmerge restores the profile a merge absorbed.
use crate::support::TestApp;
use enrich::server::db::{merges::MergeDoc, profiles::ProfileDoc};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
/// One random identity operation.
pub enum Op {
    Identify {
        user: Option<u8>,
        anon: Option<u8>,
        email: Option<u8>,
    },
    Alias {
        user: u8,
        previous_anon: bool,
        previous: u8,
    },
    Track {
        user: Option<u8>,
        anon: u8,
    },
}

/// Any operation.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            prop::option::of(0u8..2),
            prop::option::of(0u8..3),
            prop::option::of(0u8..2)
        )
            .prop_filter("needs an id", |(u, a, _)| u.is_some() || a.is_some())
            .prop_map(|(user, anon, email)| Op::Identify { user, anon, email }),
        (0u8..2, any::<bool>(), 0u8..3).prop_map(|(user, previous_anon, previous)| Op::Alias {
            user,
            previous_anon,
            previous
        }),
        (prop::option::of(0u8..2), 0u8..3).prop_map(|(user, anon)| Op::Track { user, anon }),
    ]
}

/// The call, its body, and the identifier keys it mentions.
fn request(op: &Op, n: usize) -> (&'static str, Value, Vec<String>) {
    let mut body = json!({ "messageId": format!("m{n}") });
    let mut keys = Vec::new();
    let mut set = |field: &str, value: String, key: String| {
        body[field] = json!(value);
        keys.push(key);
    };
    let call = match op {
        Op::Identify { user, anon, email } => {
            if let Some(u) = user {
                set("userId", format!("u{u}"), format!("user_id:u{u}"));
            }
            if let Some(a) = anon {
                set("anonymousId", format!("a{a}"), format!("anonymous_id:a{a}"));
            }
            if let Some(e) = email {
                body["traits"] = json!({ "email": format!("E{e}@x.io"), "n": n });
                keys.push(format!("email:e{e}@x.io"));
            }
            "identify"
        }
        Op::Alias {
            user,
            previous_anon,
            previous,
        } => {
            set("userId", format!("u{user}"), format!("user_id:u{user}"));
            body["previousId"] = json!(if *previous_anon {
                format!("a{previous}")
            } else {
                format!("u{}", previous % 2)
            });
            "alias"
        }
        Op::Track { user, anon } => {
            if let Some(u) = user {
                set("userId", format!("u{u}"), format!("user_id:u{u}"));
            }
            set(
                "anonymousId",
                format!("a{anon}"),
                format!("anonymous_id:a{anon}"),
            );
            body["event"] = json!("E");
            "track"
        }
    };
    (call, body, keys)
}

/// Every document of collection `name` matching `filter`.
pub async fn all<T: serde::de::DeserializeOwned + Send + Sync>(
    app: &TestApp,
    name: &str,
    filter: Document,
) -> Vec<T> {
    app.db
        .collection::<T>(name)
        .find(filter)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

/// Every claimed identifier points at a live profile that lists it; no identifier is listed by
/// two live profiles; each live profile's event count equals the events pointing at it.
pub async fn check_invariants(app: &TestApp, used: &HashSet<String>) -> Result<(), TestCaseError> {
    let live: Vec<ProfileDoc> = app.live_profiles().await;
    let by_id: HashMap<_, _> = live.iter().map(|p| (p.id, p)).collect();
    let identities: Vec<Document> = all(app, "identities", doc! {}).await;
    let owned: HashMap<String, _> = identities
        .iter()
        .map(|d| {
            (
                d.get_str("_id").unwrap().to_owned(),
                d.get_object_id("profile_id").unwrap(),
            )
        })
        .collect();
    for (key, owner) in &owned {
        let profile = by_id.get(owner);
        prop_assert!(
            profile.is_some(),
            "{key} points at a profile that is not live"
        );
        prop_assert!(
            profile.unwrap().identities.iter().any(|i| &i.key == key),
            "{key} not listed"
        );
    }
    let mut listed = HashSet::new();
    for profile in &live {
        for identity in &profile.identities {
            prop_assert!(
                listed.insert(identity.key.clone()),
                "{} on two live profiles",
                identity.key
            );
        }
        let events = app.count("events", doc! { "profile_id": profile.id }).await;
        prop_assert_eq!(
            profile.event_count as u64,
            events,
            "event count of {}",
            profile.id
        );
    }
    for key in used {
        prop_assert!(owned.contains_key(key), "{key} belongs to nobody");
    }
    let counted = app.state.ingest.graph.profiles.count().await.unwrap();
    prop_assert_eq!(
        counted,
        live.len() as u64,
        "the metadata count of live profiles"
    );
    Ok(())
}

/// Sends the operations one request each, or all in one `/v1/batch` (which keeps profiles in
/// memory between messages and writes them once).
pub async fn send_ops(
    app: &TestApp,
    key: &str,
    ops: &[Op],
    batched: bool,
) -> Result<HashSet<String>, TestCaseError> {
    let mut used = HashSet::new();
    let mut batch = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        let (call, mut body, keys) = request(op, n);
        used.extend(keys);
        if batched {
            body["type"] = json!(call);
            batch.push(body);
            continue;
        }
        let reply = app.track(&format!("/v1/{call}"), key, &body).await;
        prop_assert_eq!(reply.status, 200, "{} {}: {}", call, body, reply.body);
    }
    if batched {
        let reply = app
            .track("/v1/batch", key, &json!({ "batch": batch }))
            .await;
        prop_assert_eq!(reply.status, 200, "{}", reply.body);
    }
    Ok(used)
}

async fn run(ops: Vec<Op>, batched: bool) -> Result<(), TestCaseError> {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let used = send_ops(&app, &key, &ops, batched).await?;
    check_invariants(&app, &used).await?;
    let merges: Vec<MergeDoc> = all(&app, "merges", doc! { "state": "done" }).await;
    let live: HashSet<_> = app.live_profiles().await.iter().map(|p| p.id).collect();
    let Some(last) = merges.iter().rev().find(|m| live.contains(&m.survivor)) else {
        return Ok(());
    };
    let reply = app
        .call("/api/profiles/unmerge", &[("merge_id", &last.id.to_hex())])
        .await;
    prop_assert_eq!(reply.status, 200, "{}", reply.body);
    let restored = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.id == last.absorbed);
    prop_assert!(restored.is_some(), "the absorbed profile is live again");
    let restored = restored.unwrap();
    prop_assert_eq!(&restored.traits, &last.absorbed_before.traits);
    prop_assert_eq!(&restored.counters, &last.absorbed_before.counters);
    prop_assert_eq!(restored.event_count, last.absorbed_before.event_count);
    check_invariants(&app, &used).await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn identity_resolution_keeps_one_live_owner_per_identifier(
        ops in prop::collection::vec(op(), 1..12),
        batched in any::<bool>(),
    ) {
        tokio::runtime::Runtime::new().unwrap().block_on(run(ops, batched))?;
    }
}
