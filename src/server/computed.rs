//! Computed traits outside ingestion: the back-fill that builds a new definition's kept state
//! from the history once, and the daily aging that lowers windowed values as days leave their
//! window. Ingestion and merges keep the state themselves (`enrich::computed`).
use super::{
    db::{
        computed_traits::ComputedTraits,
        profiles::{self, Edit},
    },
    enrich::computed as kept,
    identity::IdentityGraph,
};
use crate::{
    error::AppError,
    model::{
        computed::ComputedTraitDef,
        computed_state::{Observed, TraitState},
    },
};
use chrono::{Days, NaiveDate, Utc};
use futures::TryStreamExt;
use mongodb::{
    bson::{self, Bson, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Profiles back-filled per step; ingestion waits while a step runs.
const CHUNK: usize = 100;
/// How often the aging task looks at the calendar.
const AGING_CHECK: Duration = Duration::from_secs(60);

/// Builds `definition`'s state on every live profile that has its event, from the stored
/// events; progress is recorded, and the definition is marked built at the end.
pub async fn backfill(
    graph: &IdentityGraph,
    definition: &ComputedTraitDef,
) -> Result<(), AppError> {
    let repository = ComputedTraits::new(&graph.db);
    // Every batch that started before the definition existed has finished after this, and
    // every later one keeps it: the profiles read below miss nothing.
    graph
        .lease
        .hold(async {
            drop(graph.rebuild_lock.write().await);
            Ok(())
        })
        .await?;
    repository.forget_cached();
    let ids = graph
        .profiles
        .live_ids_with_event(&definition.event)
        .await?;
    let total = ids.len() as u64;
    repository
        .progress(&definition.name, 0, total, false)
        .await?;
    let mut done = 0;
    for chunk in ids.chunks(CHUNK) {
        build_states(graph, chunk, definition).await?;
        done += chunk.len() as u64;
        repository
            .progress(&definition.name, done, total, false)
            .await?;
    }
    repository
        .progress(&definition.name, done, total, true)
        .await
}

/// Back-fills every definition whose state was never built (a database from before kept
/// states, or a back-fill cut short by a restart).
pub async fn backfill_unbuilt(graph: &IdentityGraph) -> Result<(), AppError> {
    for definition in ComputedTraits::new(&graph.db).unbuilt().await? {
        backfill(graph, &definition).await?;
        tracing::info!(name = %definition.name, "computed trait state built");
    }
    Ok(())
}

/// Builds `definitions`' states for one profile from its stored events (a restored profile
/// that missed a back-fill while it was merged away).
pub async fn build_missing(
    graph: &IdentityGraph,
    profile: ObjectId,
    definitions: &[ComputedTraitDef],
) -> Result<(), AppError> {
    let Some(stored) = graph.profiles.get(profile).await? else {
        return Ok(());
    };
    for definition in definitions {
        if !stored.computed_state.contains_key(&definition.name)
            && stored.counters.iter().any(|c| c.event == definition.event)
        {
            build_states(graph, &[profile], definition).await?;
        }
    }
    Ok(())
}

/// Replaces `definition`'s state on `ids` with one read from their events. Ingestion waits
/// meanwhile (an event applied between the read and the write would otherwise be lost), and
/// the cached definitions are dropped first, so every batch after this step counts the event.
async fn build_states(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    definition: &ComputedTraitDef,
) -> Result<(), AppError> {
    graph
        .lease
        .hold(build_states_held(graph, ids, definition))
        .await
}

async fn build_states_held(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    definition: &ComputedTraitDef,
) -> Result<(), AppError> {
    let _no_ingest = graph.rebuild_lock.write().await;
    ComputedTraits::new(&graph.db).forget_cached();
    let now = Utc::now();
    let mut states: HashMap<ObjectId, TraitState> = HashMap::new();
    for event in events_of(graph, ids, definition).await? {
        let observed = Observed {
            at: event.at,
            key: &event.key,
            value: event.value.as_ref(),
        };
        let state = states.entry(event.profile).or_default();
        state.observe(definition, &observed);
    }
    for id in ids {
        let mut state = states.remove(id).unwrap_or_default();
        state.age(definition, now);
        graph
            .profiles
            .modify(*id, |profile| {
                kept::replace(profile, definition, state.clone(), now);
                Edit::Write(())
            })
            .await?;
    }
    Ok(())
}

/// One stored event as a definition sees it.
struct Input {
    profile: ObjectId,
    at: chrono::DateTime<Utc>,
    key: String,
    value: Option<Value>,
}

/// The events of `ids` that `definition` counts, inside its window.
async fn events_of(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    definition: &ComputedTraitDef,
) -> Result<Vec<Input>, AppError> {
    let mut filter = doc! { "profile_id": { "$in": ids }, "event": &definition.event };
    if let Some(days) = definition.within_days {
        let first = Utc::now().date_naive() - Days::new(u64::from(days.saturating_sub(1)));
        let since = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        filter.insert(
            "timestamp",
            doc! { "$gte": bson::DateTime::from_chrono(since) },
        );
    }
    let path = definition
        .property
        .as_ref()
        .map(|p| format!("message.raw.properties.{p}"));
    let mut projection = doc! { "timestamp": 1, "profile_id": 1 };
    if let Some(path) = &path {
        projection.insert(path.as_str(), 1);
    }
    let docs = graph.events.find_projected(filter, projection).await?;
    Ok(docs
        .iter()
        .filter_map(|d| {
            Some(Input {
                profile: d.get_object_id("profile_id").ok()?,
                at: d.get_datetime("timestamp").ok()?.to_chrono(),
                key: d.get_str("_id").ok()?.to_owned(),
                value: path
                    .as_ref()
                    .and_then(|p| lookup(d, p))
                    .map(|b| b.into_relaxed_extjson()),
            })
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

/// Ages windowed states once per UTC day (and at start), forever.
pub async fn run_aging(graph: IdentityGraph) {
    let mut aged_on: Option<NaiveDate> = None;
    let mut clock = tokio::time::interval(AGING_CHECK);
    loop {
        clock.tick().await;
        let today = Utc::now().date_naive();
        if aged_on == Some(today) {
            continue;
        }
        match age_all(&graph, Utc::now()).await {
            Ok(changed) => {
                aged_on = Some(today);
                tracing::info!(changed, "computed traits aged");
            }
            Err(err) => tracing::error!(%err, "computed traits not aged"),
        }
    }
}

/// Drops the days that left each windowed definition's window by `now` from every profile
/// still holding one, updating their values; how many profile states changed.
pub async fn age_all(graph: &IdentityGraph, now: chrono::DateTime<Utc>) -> Result<u64, AppError> {
    let mut changed = 0;
    for definition in ComputedTraits::new(&graph.db).definitions().await? {
        let Some(days) = definition.within_days else {
            continue;
        };
        let first = now.date_naive() - Days::new(u64::from(days.saturating_sub(1)));
        let oldest = format!("computed_state.{}.buckets.0.day", definition.name);
        let mut filter = profiles::live();
        filter.insert(oldest, doc! { "$lt": first.format("%Y-%m-%d").to_string() });
        let options = FindOptions::builder().projection(doc! { "_id": 1 }).build();
        let ids: Vec<Document> = graph
            .db
            .collection::<Document>(profiles::COLLECTION)
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        for id in ids.iter().filter_map(|d| d.get_object_id("_id").ok()) {
            let aged = graph
                .profiles
                .modify(id, |profile| match kept::age(profile, &definition, now) {
                    true => Edit::Write(true),
                    false => Edit::Keep(false),
                })
                .await?;
            // The write announced the change: segments re-evaluate the person.
            if matches!(aged, Some((true, _))) {
                changed += 1;
            }
        }
    }
    Ok(changed)
}
