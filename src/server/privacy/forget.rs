//! The right to be forgotten: a person's profiles (the live one and every profile merged into
//! it), events, identifiers, merge records, segment memberships and in-app messages are
//! deleted; their campaign messages stay counted under a stand-in id, without the triggering
//! event; the field catalog drops every value of theirs it kept as a sample. Keyed hashes of the
//! identifiers stay as suppressions so later events about them are dropped and counted, not
//! re-creating them. The audit log is insert-only: it keeps the profile ids acted on, never a
//! value. Import warnings lose their values and staged uploads are dropped, since either may
//! hold the person's row.
use crate::{
    error::AppError,
    server::{
        db::{
            campaign_tallies::CampaignTallies, events, identities, imports::Imports,
            in_app_messages::InAppMessages, memberships::Memberships, merges, outbox::Outbox,
            profile_doc::ProfileDoc, profiles, recommend_queue, segments::Segments,
        },
        identity::IdentityGraph,
        import::staged,
    },
};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod catalog;

/// What a deletion removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgotten {
    /// The live profile's id (the audit target).
    pub profile_id: String,
    /// Profiles deleted (the live one and those merged into it).
    pub profiles: u64,
    /// Events deleted.
    pub events: u64,
    /// Identifiers deleted and suppressed.
    pub identifiers: u64,
}

/// Forgets the person whose profile (or merged-away profile) is `id`.
pub async fn forget(graph: &IdentityGraph, id: ObjectId) -> Result<Forgotten, AppError> {
    graph.lease.hold(forget_held(graph, id)).await
}

async fn forget_held(graph: &IdentityGraph, id: ObjectId) -> Result<Forgotten, AppError> {
    // No batch may be half-way through applying this person while they are deleted.
    let _no_ingest = graph.rebuild_lock.write().await;
    let _no_merge = graph.merge_lock.lock().await;
    let live = graph.must_get(graph.live_profile_id(id).await?).await?;
    let mut ids = vec![live.id];
    ids.extend(&live.absorbed);
    let people = graph.profiles.get_many(&ids).await?;
    let keys = identity_keys(graph, &people, &ids).await?;
    let hashes: Vec<String> = keys
        .iter()
        .map(|k| graph.gate.suppression_hash(k))
        .collect();
    // Suppress first: from here on nothing can re-create them, whatever fails next.
    graph.gate.suppressions.add(&hashes).await?;
    let samples = catalog::sample_texts(graph, &people, &ids).await?;
    let removed = delete_everything(graph, &ids, &keys).await?;
    catalog::forget_in_catalog(graph, &live, samples).await?;
    forget_campaigns(graph, &ids).await?;
    let values: Vec<String> = keys
        .iter()
        .map(|k| k.split_once(':').map_or(k.as_str(), |(_, v)| v).to_owned())
        .collect();
    CampaignTallies::new(&graph.db)
        .forget_values(&values)
        .await?;
    Imports::new(&graph.db).forget_values().await?;
    staged::forget_all(&graph.db).await?;
    Ok(Forgotten {
        profile_id: live.id.to_hex(),
        identifiers: keys.len() as u64,
        ..removed
    })
}

async fn identity_keys(
    graph: &IdentityGraph,
    people: &[ProfileDoc],
    ids: &[ObjectId],
) -> Result<BTreeSet<String>, AppError> {
    let mut keys: BTreeSet<String> = people
        .iter()
        .flat_map(|p| p.identities.iter().map(|i| i.key.clone()))
        .collect();
    let owned: Vec<Document> = graph
        .db
        .collection::<Document>(identities::COLLECTION)
        .find(doc! { "profile_id": { "$in": ids } })
        .projection(doc! { "_id": 1 })
        .await?
        .try_collect()
        .await?;
    keys.extend(
        owned
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned)),
    );
    Ok(keys)
}

async fn delete_everything(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    keys: &BTreeSet<String>,
) -> Result<Forgotten, AppError> {
    let collection = |name: &str| graph.db.collection::<Document>(name);
    let events = collection(events::COLLECTION)
        .delete_many(events_of(ids))
        .await?;
    graph.baselines.forget(ids).await?;
    let keys: Vec<&String> = keys.iter().collect();
    collection(identities::COLLECTION)
        .delete_many(doc! { "$or": [{ "_id": { "$in": keys } }, { "profile_id": { "$in": ids } }] })
        .await?;
    collection(recommend_queue::COLLECTION)
        .delete_many(doc! { "profile": { "$in": ids } })
        .await?;
    // Matching: pairs naming them, their queue entries, and every blocking key they held (a
    // key is made of their data: a name's sound, a phone, an email's name part, an address).
    // The next full run rebuilds the keys of everyone else.
    collection(crate::server::db::match_pairs::COLLECTION)
        .delete_many(doc! { "$or": [{ "a": { "$in": ids } }, { "b": { "$in": ids } }] })
        .await?;
    collection(crate::server::matching::queue::COLLECTION)
        .delete_many(doc! { "_id": { "$in": ids } })
        .await?;
    collection(crate::server::matching::blocks::COLLECTION)
        .delete_many(doc! { "members": { "$in": ids } })
        .await?;
    collection(merges::COLLECTION)
        .delete_many(
            doc! { "$or": [{ "survivor": { "$in": ids } }, { "absorbed": { "$in": ids } }] },
        )
        .await?;
    let profiles = collection(profiles::COLLECTION)
        .delete_many(doc! { "_id": { "$in": ids } })
        .await?;
    Ok(Forgotten {
        profiles: profiles.deleted_count,
        events: events.deleted_count,
        ..Forgotten::default()
    })
}

/// The events of `ids`: applied to them, or first applied to them and moved since.
fn events_of(ids: &[ObjectId]) -> Document {
    doc! { "$or": [{ "profile_id": { "$in": ids } }, { "home_profile_id": { "$in": ids } }] }
}

/// The person leaves every segment, and the record of their entries and exits goes too; their
/// in-app messages go, and their campaign messages are kept only as anonymous counts.
async fn forget_campaigns(graph: &IdentityGraph, ids: &[ObjectId]) -> Result<(), AppError> {
    let memberships = Memberships::new(&graph.db);
    let segments = Segments::new(&graph.db);
    for membership in memberships.of_profiles(ids).await? {
        segments.add_size(membership.segment_id, -1).await?;
    }
    memberships.forget(ids).await?;
    InAppMessages::new(&graph.db).forget(ids).await?;
    Outbox::new(&graph.db).forget(ids).await?;
    Ok(())
}
