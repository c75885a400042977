//! Every index enrich relies on, created idempotently at start-up in this one place.
use mongodb::{
    Database, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use std::time::Duration;

/// The review queue (pending pairs by score, filtered by band or source), the pairs of one
/// profile, and the incremental queue's oldest first.
fn matching_indexes() -> Vec<(&'static str, IndexModel)> {
    use super::match_pairs;
    use crate::server::matching::queue;
    vec![
        (
            match_pairs::COLLECTION,
            index(
                doc! { "decision": 1, "score": -1 },
                "decision_score",
                |_| {},
            ),
        ),
        (match_pairs::COLLECTION, index(doc! { "a": 1 }, "a", |_| {})),
        (match_pairs::COLLECTION, index(doc! { "b": 1 }, "b", |_| {})),
        (
            match_pairs::COLLECTION,
            index(doc! { "merge": 1 }, "merge", |_| {}),
        ),
        (queue::COLLECTION, index(doc! { "at": 1 }, "at", |_| {})),
    ]
}

/// `(collection, index)` pairs; explicit names so they can be referred to and never drift.
fn all_indexes() -> Vec<(&'static str, IndexModel)> {
    use super::{api_tokens, audit, events, merges, profiles, sessions, sources, users};
    let mut all = customer_list_indexes();
    all.extend(campaign_indexes());
    all.extend(catalog_indexes());
    all.extend(matching_indexes());
    all.extend(vec![
        (
            events::COLLECTION,
            unique(
                doc! { "source_id": 1, "message_id": 1 },
                "source_message_unique",
            ),
        ),
        (
            events::COLLECTION,
            index(
                doc! { "profile_id": 1, "timestamp": -1 },
                "profile_time",
                |_| {},
            ),
        ),
        (
            events::COLLECTION,
            index(doc! { "timestamp": -1 }, "timestamp", |_| {}),
        ),
        // The live charts' warm start and the dashboard's events today / yesterday.
        (
            events::COLLECTION,
            index(doc! { "received_at": -1 }, "received_at", |_| {}),
        ),
        (
            sources::COLLECTION,
            unique(doc! { "name": 1 }, "name_unique"),
        ),
        (
            sources::KEYS_COLLECTION,
            unique(doc! { "digest": 1 }, "digest_unique"),
        ),
        (
            sources::server_keys::COLLECTION,
            unique(doc! { "digest": 1 }, "digest_unique"),
        ),
        (
            api_tokens::COLLECTION,
            unique(doc! { "digest": 1 }, "digest_unique"),
        ),
        (
            merges::COLLECTION,
            index(doc! { "survivor": 1 }, "survivor", |_| {}),
        ),
        (
            merges::COLLECTION,
            index(doc! { "absorbed": 1 }, "absorbed", |_| {}),
        ),
        (
            merges::COLLECTION,
            index(doc! { "state": 1 }, "state", |_| {}),
        ),
        (
            profiles::COLLECTION,
            index(
                doc! { "status": 1, "created_at": -1 },
                "status_created_at",
                |_| {},
            ),
        ),
        (
            profiles::COLLECTION,
            index(doc! { "created_at": -1 }, "created_at", |_| {}),
        ),
        // Every profile write is guarded by `{_id, rev}`: the stand-in serves a filter from an
        // index only when it names exactly that index's keys (MongoDB uses either index).
        (
            profiles::COLLECTION,
            unique(doc! { "_id": 1, "rev": 1 }, "id_rev_unique"),
        ),
        (
            profiles::COLLECTION,
            index(doc! { "last_seen": -1 }, "last_seen", |_| {}),
        ),
        (
            users::COLLECTION,
            unique(doc! { "email": 1 }, "email_unique"),
        ),
        (
            audit::COLLECTION,
            index(doc! { "action": 1, "_id": -1 }, "action_id", |_| {}),
        ),
        (
            audit::COLLECTION,
            index(doc! { "target": 1, "_id": -1 }, "target_id", |_| {}),
        ),
        (
            sessions::COLLECTION,
            index(doc! { "expire_at": 1 }, "expire_at_ttl", |o| {
                o.expire_after = Some(Duration::ZERO);
            }),
        ),
    ]);
    all
}

/// The customers list's sort orders (keyset pages stay index scans at any depth), source
/// filter, and the blind indexes of the keys restricted by default.
fn customer_list_indexes() -> Vec<(&'static str, IndexModel)> {
    use crate::server::privacy::classes::DEFAULT_RESTRICTED;
    let profiles = super::profiles::COLLECTION;
    let mut all = vec![
        (
            profiles,
            index(
                doc! { "status": 1, "last_seen": -1, "_id": -1 },
                "status_last_seen_id",
                |_| {},
            ),
        ),
        (
            profiles,
            index(
                doc! { "status": 1, "name_lower": 1, "_id": 1 },
                "status_name_id",
                |_| {},
            ),
        ),
        (
            profiles,
            index(
                doc! { "status": 1, "created_at": -1, "_id": -1 },
                "status_created_id",
                |_| {},
            ),
        ),
        (profiles, index(doc! { "sources": 1 }, "sources", |_| {})),
    ];
    for key in DEFAULT_RESTRICTED {
        let keys = doc! { format!("traits.{key}.bidx"): 1 };
        all.push((
            profiles,
            index(keys, &format!("blind_{key}"), |o| o.sparse = Some(true)),
        ));
    }
    all
}

fn unique(keys: Document, name: &str) -> IndexModel {
    index(keys, name, |o| o.unique = Some(true))
}

/// Indexes earlier versions created that must not exist any more: profiles no longer own
/// emails uniquely (the `identities` collection does, and merged profiles keep theirs).
const RETIRED: &[(&str, &str)] = &[("profiles", "email_unique")];

fn index(keys: Document, name: &str, configure: impl FnOnce(&mut IndexOptions)) -> IndexModel {
    let mut options = IndexOptions::builder().name(name.to_owned()).build();
    configure(&mut options);
    IndexModel::builder().keys(keys).options(options).build()
}

/// Creates every index that does not exist yet; an identical existing one is a no-op. An index
/// of the same name with different options fails start-up loudly rather than running without it.
pub async fn ensure_indexes(db: &Database) -> Result<(), mongodb::error::Error> {
    for (collection, name) in RETIRED {
        // Absent on new databases: the error is expected and harmless.
        let _ = db
            .collection::<Document>(collection)
            .drop_index(*name)
            .await;
    }
    for (collection, model) in all_indexes() {
        db.collection::<Document>(collection)
            .create_index(model)
            .await?;
    }
    Ok(())
}

/// SKUs unique across products, the catalog list's filters, and what ranking reads.
fn catalog_indexes() -> Vec<(&'static str, IndexModel)> {
    use super::{catalog_misses, product_signals, products};
    vec![
        (
            products::COLLECTION,
            unique(doc! { "skus": 1 }, "skus_unique"),
        ),
        (
            products::COLLECTION,
            index(doc! { "name_lower": 1, "_id": 1 }, "name", |_| {}),
        ),
        (
            products::COLLECTION,
            index(doc! { "locale": 1, "in_stock": 1 }, "locale_stock", |_| {}),
        ),
        (
            product_signals::PAIRS,
            index(doc! { "a": 1, "score": -1 }, "from_score", |_| {}),
        ),
        (
            product_signals::STATS,
            index(doc! { "score": -1 }, "score", |_| {}),
        ),
        (
            catalog_misses::COLLECTION,
            index(doc! { "count": -1 }, "count", |_| {}),
        ),
    ]
}

/// The delivery worker's claim, the frequency cap, results and a customer's history.
fn campaign_indexes() -> Vec<(&'static str, IndexModel)> {
    use super::{in_app_messages, outbox};
    vec![
        (
            outbox::COLLECTION,
            index(
                doc! { "channel": 1, "status": 1, "next_at": 1 },
                "channel_status_next",
                |_| {},
            ),
        ),
        // Claims and settles name a message by `{_id, claim}`: the stand-in serves such a
        // filter from an index only when it names exactly that index's keys.
        (
            outbox::COLLECTION,
            unique(doc! { "_id": 1, "claim": 1 }, "id_claim_unique"),
        ),
        (
            outbox::COLLECTION,
            index(
                doc! { "profile_id": 1, "channel": 1, "created_at": -1 },
                "profile_channel_time",
                |_| {},
            ),
        ),
        (
            outbox::COLLECTION,
            index(
                doc! { "campaign_id": 1, "status": 1 },
                "campaign_status",
                |_| {},
            ),
        ),
        (
            in_app_messages::COLLECTION,
            index(
                doc! { "profile_id": 1, "created_at": -1 },
                "profile_time",
                |_| {},
            ),
        ),
    ]
}
