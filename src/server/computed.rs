//! Computing traits from a profile's events: on ingest for the events just applied, for every
//! definition after merges, and as a back-fill over existing profiles when one is created.
use super::{
    db::{computed_traits::ComputedTraits, events::COLLECTION as EVENTS, profiles},
    identity::IdentityGraph,
};
use crate::{
    error::AppError,
    model::computed::{ComputedTraitDef, compute},
};
use chrono::{Duration, Utc};
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{self, Bson, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use serde_json::Value;

/// Back-fill progress is written every this many profiles.
const PROGRESS_EVERY: u64 = 50;

/// `(time, property value)` of `profile`'s events that `definition` looks at, oldest first.
async fn inputs(
    db: &Database,
    profile: ObjectId,
    definition: &ComputedTraitDef,
) -> Result<Vec<(chrono::DateTime<Utc>, Option<Value>)>, AppError> {
    let mut filter = doc! { "profile_id": profile, "event": &definition.event };
    if let Some(days) = definition.within_days {
        let since = Utc::now() - Duration::days(i64::from(days));
        filter.insert(
            "timestamp",
            doc! { "$gte": bson::DateTime::from_chrono(since) },
        );
    }
    let path = definition
        .property
        .as_ref()
        .map(|p| format!("message.raw.properties.{p}"));
    let mut projection = doc! { "timestamp": 1 };
    if let Some(path) = &path {
        projection.insert(path.as_str(), 1);
    }
    let options = FindOptions::builder()
        .sort(doc! { "timestamp": 1, "_id": 1 })
        .projection(projection)
        .build();
    let docs: Vec<Document> = db
        .collection::<Document>(EVENTS)
        .find(filter)
        .with_options(options)
        .await?
        .try_collect()
        .await?;
    Ok(docs
        .iter()
        .filter_map(|d| {
            let at = d.get_datetime("timestamp").ok()?.to_chrono();
            let value = path
                .as_ref()
                .and_then(|p| lookup(d, p))
                .map(|b| b.into_relaxed_extjson());
            Some((at, value))
        })
        .collect())
}

fn lookup(document: &Document, path: &str) -> Option<Bson> {
    let mut current = document;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let value = current.get(part)?;
        if parts.peek().is_none() {
            return Some(value.clone());
        }
        current = value.as_document()?;
    }
    None
}

/// Recomputes `definitions` for `profile` and stores the values on it.
pub async fn recompute(
    graph: &IdentityGraph,
    db: &Database,
    profile: ObjectId,
    definitions: &[ComputedTraitDef],
) -> Result<(), AppError> {
    if definitions.is_empty() {
        return Ok(());
    }
    // Computed inside the revision loop: a slower request never overwrites newer values.
    loop {
        let Some(mut stored) = graph.profiles.get(profile).await? else {
            return Ok(());
        };
        for definition in definitions {
            let value = compute(
                definition.aggregate,
                &inputs(db, profile, definition).await?,
            );
            let value = bson::to_bson(&value).unwrap_or(Bson::Null);
            stored.computed.insert(definition.name.clone(), value);
        }
        if graph.profiles.replace(&mut stored).await? {
            return Ok(());
        }
    }
}

/// Fills `definition` in on every live profile that has its event; progress is recorded.
pub async fn backfill(
    graph: &IdentityGraph,
    db: &Database,
    definition: &ComputedTraitDef,
) -> Result<(), AppError> {
    let repository = ComputedTraits::new(db);
    let mut filter = profiles::live();
    filter.insert("counters.event", &definition.event);
    let collection = db.collection::<Document>(profiles::COLLECTION);
    let total = collection.count_documents(filter.clone()).await?;
    repository
        .progress(&definition.name, 0, total, total == 0)
        .await?;
    let options = FindOptions::builder().projection(doc! { "_id": 1 }).build();
    let ids: Vec<Document> = collection
        .find(filter)
        .with_options(options)
        .await?
        .try_collect()
        .await?;
    let mut done = 0;
    for id in ids.iter().filter_map(|d| d.get_object_id("_id").ok()) {
        recompute(graph, db, id, std::slice::from_ref(definition)).await?;
        done += 1;
        if done % PROGRESS_EVERY == 0 {
            repository
                .progress(&definition.name, done, total, false)
                .await?;
        }
    }
    repository
        .progress(&definition.name, done, total.max(done), true)
        .await
}
