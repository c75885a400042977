//! Segment event queries with property filters outside ingestion: registering those active
//! segments use, back-filling their per-profile counts once from the stored events, and
//! answering them for one profile from those counts (`enrich::event_matches` keeps them as
//! events arrive).
use super::{
    db::{
        event_match_queries::{EventMatchQueries, Registered},
        events::COLLECTION as EVENTS,
        profile_doc::DayCount,
        profiles::Edit,
    },
    enrich::{
        counters::{DAY_FORMAT, add_to},
        event_matches::{Matcher, count, key_of},
    },
    identity::IdentityGraph,
    segments::sets::event_filter,
};
use crate::{error::AppError, segment::filter::EventQuery, server::db::profile_doc::ProfileDoc};
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc, oid::ObjectId};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Profiles back-filled per step; ingestion waits while a step runs.
const CHUNK: usize = 100;

/// Registers the queries among `queries` that counts can answer and are not registered yet,
/// starting their back-fill; every registered query.
pub async fn ensure_registered(
    graph: &IdentityGraph,
    queries: &[EventQuery],
) -> Result<Arc<Vec<Registered>>, AppError> {
    let repository = EventMatchQueries::new(&graph.db);
    let known = repository.all().await?;
    let mut added = false;
    for query in queries {
        let key = key_of(query);
        if known.iter().any(|r| r.key == key) || Matcher::new(query).is_none() {
            continue;
        }
        if repository.register(&key, query).await? {
            added = true;
            let (graph, query) = (graph.clone(), query.clone());
            tokio::spawn(async move {
                let registered = Registered {
                    key,
                    query: EventQuery {
                        since: None,
                        ..query
                    },
                    built: false,
                };
                if let Err(err) = backfill(&graph, &registered).await {
                    tracing::error!(key = %registered.key, %err, "event query counts not back-filled");
                }
            });
        }
    }
    if added {
        return repository.all().await;
    }
    Ok(known)
}

/// Back-fills every registered query whose back-fill never finished (cut short by a restart).
pub async fn backfill_unbuilt(graph: &IdentityGraph) -> Result<(), AppError> {
    let all = EventMatchQueries::new(&graph.db).all().await?;
    for registered in all.iter().filter(|r| !r.built) {
        backfill(graph, registered).await?;
    }
    Ok(())
}

/// Counts `registered`'s matching stored events into every live profile that has its event,
/// then marks it built.
pub async fn backfill(graph: &IdentityGraph, registered: &Registered) -> Result<(), AppError> {
    // Every batch that started before the query was registered has finished after this, and
    // every later one counts it: profiles read below miss nothing.
    barrier(graph).await?;
    let ids = graph
        .profiles
        .live_ids_with_event(&registered.query.event)
        .await?;
    for chunk in ids.chunks(CHUNK) {
        recount(graph, chunk, registered).await?;
    }
    EventMatchQueries::new(&graph.db)
        .mark_built(&registered.key)
        .await
}

/// Recounts every registered query for `profile` from its stored events (a restored profile
/// that missed registrations made while it was merged away).
pub async fn recount_profile(graph: &IdentityGraph, profile: ObjectId) -> Result<(), AppError> {
    let all = EventMatchQueries::new(&graph.db).all().await?;
    for registered in all.iter() {
        recount(graph, &[profile], registered).await?;
    }
    Ok(())
}

async fn barrier(graph: &IdentityGraph) -> Result<(), AppError> {
    graph
        .lease
        .hold(async {
            let _no_ingest = graph.rebuild_lock.write().await;
            EventMatchQueries::new(&graph.db).forget_cached();
            Ok(())
        })
        .await
}

/// Replaces `registered`'s counts on `ids` with those read from their events, while
/// ingestion waits (an event counted between the read and the write would be lost).
async fn recount(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    registered: &Registered,
) -> Result<(), AppError> {
    graph.lease.hold(recount_held(graph, ids, registered)).await
}

async fn recount_held(
    graph: &IdentityGraph,
    ids: &[ObjectId],
    registered: &Registered,
) -> Result<(), AppError> {
    let _no_ingest = graph.rebuild_lock.write().await;
    EventMatchQueries::new(&graph.db).forget_cached();
    let mut filter = event_filter(&registered.query, Utc::now());
    filter = doc! { "$and": [filter, { "profile_id": { "$in": ids } }] };
    let projection = doc! { "profile_id": 1, "timestamp": 1 };
    let events = graph.events.find_projected(filter, projection).await?;
    let mut days: HashMap<ObjectId, BTreeMap<String, i64>> = HashMap::new();
    for event in &events {
        let (Ok(profile), Ok(at)) = (
            event.get_object_id("profile_id"),
            event.get_datetime("timestamp"),
        ) else {
            continue;
        };
        let day = at.to_chrono().format(DAY_FORMAT).to_string();
        *days.entry(profile).or_default().entry(day).or_default() += 1;
    }
    let retention = graph.retention();
    for id in ids {
        let counted = days.remove(id).unwrap_or_default();
        let total: i64 = counted.values().sum();
        let daily: Vec<DayCount> = counted
            .into_iter()
            .map(|(day, count)| DayCount { day, count })
            .collect();
        graph
            .profiles
            .modify(*id, |profile| {
                profile.event_matches.retain(|c| c.event != registered.key);
                if total > 0 {
                    add_to(
                        &mut profile.event_matches,
                        &registered.key,
                        total,
                        &daily,
                        &retention,
                    );
                }
                Edit::Write(())
            })
            .await?;
    }
    Ok(())
}

/// How many of `profile`'s events match each of `queries`: from its kept counts where the
/// query is registered and built and its window lies inside counter retention, otherwise by
/// counting its stored events.
pub async fn answers(
    graph: &IdentityGraph,
    profile: &ProfileDoc,
    queries: &[EventQuery],
    registered: &[Registered],
    now: DateTime<Utc>,
) -> Result<HashMap<EventQuery, u64>, AppError> {
    let first_kept = graph.retention().first_kept_day();
    let collection = graph.db.collection::<Document>(EVENTS);
    let mut out = HashMap::new();
    for query in queries {
        let key = key_of(query);
        let since_day = query
            .since
            .and_then(DateTime::from_timestamp_millis)
            .map(|at| at.format(DAY_FORMAT).to_string());
        let kept = registered.iter().any(|r| r.key == key && r.built)
            && since_day.as_ref().is_none_or(|day| *day >= first_kept);
        let n = if kept {
            count(profile, &key, since_day.as_deref())
        } else {
            let filter = doc! { "$and": [event_filter(query, now), { "profile_id": profile.id }] };
            collection.count_documents(filter).await?
        };
        out.insert(query.clone(), n);
    }
    Ok(out)
}
