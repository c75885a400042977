//! The profile sets a filter needs, resolved before compiling (all members at once) or before
//! evaluating one profile (that profile's answers).
use crate::{
    error::AppError,
    segment::{
        compile::{ResolvedSets, compile},
        eval::Sets,
        filter::{EventQuery, SetKey, lower_value},
    },
    server::db::{events, memberships::Memberships},
};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{self, Document, doc, oid::ObjectId},
};
use std::collections::{HashMap, HashSet};

/// The `events` query for an event condition with property filters.
pub fn event_filter(query: &EventQuery, now: DateTime<Utc>) -> Document {
    let mut parts = vec![doc! { "event": &query.event, "profile_id": { "$ne": bson::Bson::Null } }];
    if let Some(since) = query.since {
        parts.push(doc! { "timestamp": { "$gte": bson::DateTime::from_millis(since) } });
    }
    for filter in query.property_filters() {
        let lowered = lower_value(&format!("message.raw.{}", filter.path), &filter.test, now);
        parts.push(compile(&lowered, &ResolvedSets::new()));
    }
    doc! { "$and": parts }
}

/// Resolves every set `keys` names, for compiling a query over all profiles.
pub async fn resolve_all(
    db: &Database,
    memberships: &Memberships,
    keys: &[SetKey],
    now: DateTime<Utc>,
) -> Result<ResolvedSets, AppError> {
    let mut out = ResolvedSets::new();
    for key in keys {
        let ids = match key {
            SetKey::Segment(id) => match ObjectId::parse_str(id) {
                Ok(id) => memberships.member_ids(id).await?,
                Err(_) => Vec::new(),
            },
            SetKey::Events { query, at_least } => {
                profiles_with_events(db, query, *at_least, now).await?
            }
        };
        out.insert(key.clone(), ids);
    }
    Ok(out)
}

async fn profiles_with_events(
    db: &Database,
    query: &EventQuery,
    at_least: u32,
    now: DateTime<Utc>,
) -> Result<Vec<ObjectId>, AppError> {
    let pipeline = vec![
        doc! { "$match": event_filter(query, now) },
        doc! { "$group": { "_id": "$profile_id", "n": { "$sum": 1 } } },
        doc! { "$match": { "n": { "$gte": i64::from(at_least) } } },
    ];
    let groups: Vec<Document> = db
        .collection::<Document>(events::COLLECTION)
        .aggregate(pipeline)
        .await?
        .try_collect()
        .await?;
    Ok(groups
        .iter()
        .filter_map(|g| g.get_object_id("_id").ok())
        .collect())
}

/// One profile's answers: the segments it is in, and its matching event counts.
#[derive(Debug, Default, Clone)]
pub struct ProfileSets {
    /// Segments (hex ids) the profile is in, updated as evaluation proceeds.
    pub segments: HashSet<String>,
    /// Matching stored events per query.
    pub events: HashMap<EventQuery, u64>,
}

impl Sets for ProfileSets {
    fn contains(&self, key: &SetKey) -> bool {
        match key {
            SetKey::Segment(id) => self.segments.contains(id),
            SetKey::Events { query, at_least } => {
                self.events.get(query).copied().unwrap_or(0) >= u64::from(*at_least)
            }
        }
    }
}
