//! Property: a batch planned in one pass gives what the same messages give resolved message by
//! message against the database (`ENRICH_INGEST_ONE_PASS=false`) — the same live profiles (traits, counters, identifiers…), the same owner for every
//! identifier, the same profile for every event — over random interleavings of identify /
//! alias / track / page with shared devices, blocked values, the one-user-id limit, merges,
//! aliases and retried messages inside one batch.
use crate::support::TestApp;
use enrich::server::db::profiles::ProfileDoc;
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, Document, doc, oid::ObjectId};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
enum Op {
    Identify {
        user: Option<u8>,
        anon: Option<u8>,
        email: Option<u8>,
        plan: u8,
    },
    Alias {
        user: u8,
        previous_anon: bool,
        previous: u8,
    },
    Track {
        user: Option<u8>,
        anon: u8,
        event: u8,
    },
    Page {
        anon: u8,
    },
    /// Sends message `n % messages so far` again (a retry: same message id).
    Repeat(usize),
}

/// Anonymous ids 0–3, and 4 stands for a blocked placeholder value.
fn anon(a: u8) -> String {
    if a == 4 {
        "undefined".into()
    } else {
        format!("a{a}")
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop::option::of(0u8..3), prop::option::of(0u8..5), prop::option::of(0u8..2), 0u8..3)
            .prop_filter("needs an id", |(u, a, _, _)| u.is_some() || a.is_some())
            .prop_map(|(user, anon, email, plan)| Op::Identify { user, anon, email, plan }),
        1 => (0u8..3, any::<bool>(), 0u8..5).prop_map(|(user, previous_anon, previous)| Op::Alias {
            user,
            previous_anon,
            previous
        }),
        3 => (prop::option::of(0u8..3), 0u8..5, 0u8..2).prop_map(|(user, anon, event)| Op::Track { user, anon, event }),
        1 => (0u8..5).prop_map(|anon| Op::Page { anon }),
        1 => (0usize..64).prop_map(Op::Repeat),
    ]
}

/// The messages, each with its type, id and a timestamp `n` minutes after `base`.
fn messages(ops: &[Op], base: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    let mut sent: Vec<Value> = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        let at = (base + chrono::Duration::minutes(n as i64)).to_rfc3339();
        let mut body = json!({ "messageId": format!("m{n}"), "timestamp": at });
        match op {
            Op::Identify {
                user,
                anon: a,
                email,
                plan,
            } => {
                body["type"] = json!("identify");
                if let Some(u) = user {
                    body["userId"] = json!(format!("u{u}"));
                }
                if let Some(a) = a {
                    body["anonymousId"] = json!(anon(*a));
                }
                let mut traits = json!({ "plan": format!("p{plan}"), "n": n });
                if let Some(e) = email {
                    traits["email"] = json!(format!("E{e}@x.io"));
                }
                body["traits"] = traits;
            }
            Op::Alias {
                user,
                previous_anon,
                previous,
            } => {
                body["type"] = json!("alias");
                body["userId"] = json!(format!("u{user}"));
                body["previousId"] = json!(if *previous_anon {
                    anon(*previous)
                } else {
                    format!("u{}", previous % 3)
                });
            }
            Op::Track {
                user,
                anon: a,
                event,
            } => {
                body["type"] = json!("track");
                if let Some(u) = user {
                    body["userId"] = json!(format!("u{u}"));
                }
                body["anonymousId"] = json!(anon(*a));
                body["event"] = json!(format!("E{event}"));
                body["properties"] = json!({ "value": n });
            }
            Op::Page { anon: a } => {
                body["type"] = json!("page");
                body["anonymousId"] = json!(anon(*a));
                body["properties"] = json!({ "path": format!("/p{n}") });
            }
            Op::Repeat(k) if !sent.is_empty() => {
                body = sent[k % sent.len()].clone();
            }
            Op::Repeat(_) => continue,
        }
        sent.push(body);
    }
    sent
}

async fn all<T: serde::de::DeserializeOwned + Send + Sync>(app: &TestApp, name: &str) -> Vec<T> {
    let found = app.db.collection::<T>(name).find(doc! {}).await.unwrap();
    found.try_collect().await.unwrap()
}

/// A live profile's identity: its identifier keys, sorted.
fn signature(profile: &ProfileDoc) -> String {
    let mut keys: Vec<&str> = profile.identities.iter().map(|i| i.key.as_str()).collect();
    keys.sort();
    keys.join(" ")
}

/// What ingestion left, without what differs between two runs (ids, revisions, times of
/// writing, source ids): live profiles by signature, identifier → owner's signature, message →
/// its event's profile's signature.
#[derive(Debug, PartialEq)]
struct Outcome {
    profiles: BTreeMap<String, Document>,
    owners: BTreeMap<String, String>,
    events: BTreeMap<String, (Option<String>, String)>,
}

async fn outcome(app: &TestApp) -> Outcome {
    let stored: Vec<ProfileDoc> = all(app, "profiles").await;
    let by_id: HashMap<ObjectId, &ProfileDoc> = stored.iter().map(|p| (p.id, p)).collect();
    let live_signature = |mut id: ObjectId| -> String {
        while let Some(next) = by_id.get(&id).and_then(|p| p.merged_into) {
            id = next;
        }
        by_id
            .get(&id)
            .map_or_else(|| format!("missing {id}"), |p| signature(p))
    };
    let mut profiles = BTreeMap::new();
    for profile in stored.iter().filter(|p| p.merged_into.is_none()) {
        let mut document = bson::to_document(profile).unwrap();
        for volatile in [
            "_id",
            "rev",
            "created_at",
            "absorbed",
            "separated_from",
            "applied",
            "bucket",
            "recommendations",
            "identities",
        ] {
            document.remove(volatile);
        }
        let previous = profiles.insert(signature(profile), document);
        assert!(
            previous.is_none(),
            "two live profiles hold {}",
            signature(profile)
        );
    }
    let identities: Vec<Document> = all(app, "identities").await;
    let owners = identities
        .iter()
        .map(|d| {
            let key = d.get_str("_id").unwrap().to_owned();
            (key, live_signature(d.get_object_id("profile_id").unwrap()))
        })
        .collect();
    let events: Vec<Document> = all(app, "events").await;
    let events = events
        .iter()
        .map(|e| {
            let message = e.get_str("message_id").unwrap().to_owned();
            let owner = match e.get("profile_id") {
                Some(Bson::ObjectId(id)) => Some(live_signature(*id)),
                _ => None,
            };
            (
                message,
                (owner, e.get_str("event").unwrap_or("").to_owned()),
            )
        })
        .collect();
    Outcome {
        profiles,
        owners,
        events,
    }
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let base = chrono::Utc::now() - chrono::Duration::days(1);
    let sent = messages(&ops, base);
    let batched = TestApp::new().await;
    let key = batched.write_key("web").await;
    let reply = batched
        .track("/v1/batch", &key, &json!({ "batch": sent }))
        .await;
    prop_assert_eq!(reply.status, 200, "{}", reply.body);
    let reference = enrich::server::config::Settings {
        ingest_one_pass: false,
        ..Default::default()
    };
    let one_by_one = TestApp::with_settings(reference).await;
    let key = one_by_one.write_key("web").await;
    for message in &sent {
        let reply = one_by_one
            .track("/v1/batch", &key, &json!({ "batch": [message] }))
            .await;
        prop_assert_eq!(reply.status, 200, "{}: {}", message, reply.body);
    }
    let (together, apart) = (outcome(&batched).await, outcome(&one_by_one).await);
    prop_assert_eq!(&together.owners, &apart.owners, "identifier owners");
    prop_assert_eq!(&together.events, &apart.events, "events' profiles");
    prop_assert_eq!(
        together.profiles.keys().collect::<Vec<_>>(),
        apart.profiles.keys().collect::<Vec<_>>()
    );
    for (signature, profile) in &together.profiles {
        prop_assert_eq!(
            Some(profile),
            apart.profiles.get(signature),
            "profile {}",
            signature
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn a_batch_gives_what_its_messages_give_one_by_one(ops in prop::collection::vec(op(), 1..40)) {
        tokio::runtime::Runtime::new().unwrap().block_on(run(ops))?;
    }
}
