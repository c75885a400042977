//! A fresh process starts its charts from the database, so a restart (or a new instance behind
//! the load balancer) shows the last hour instead of an empty chart.
use super::{LiveHub, convert::live_event, stats::KEPT_MINUTES};
use crate::{
    error::AppError,
    model::live::LiveMessage,
    server::db::{
        events::EventDoc,
        memberships::{TRANSITIONS, TransitionDoc},
    },
};
use futures::TryStreamExt as _;
use mongodb::{
    Database,
    bson::{self, doc},
};

/// Most events read back; beyond that the oldest part of the hour stays uncounted.
const MAX_EVENTS: i64 = 200_000;

/// Counts the last hour's events and segment transitions into the hub's statistics.
pub async fn warm(db: &Database, hub: &LiveHub) -> Result<usize, AppError> {
    let since = bson::DateTime::from_chrono(
        chrono::Utc::now() - chrono::Duration::minutes(i64::from(KEPT_MINUTES)),
    );
    let mut events = db
        .collection::<EventDoc>("events")
        .find(doc! { "received_at": { "$gte": since } })
        .sort(doc! { "received_at": -1 })
        .limit(MAX_EVENTS)
        .await?;
    let mut read = Vec::new();
    while let Some(event) = events.try_next().await? {
        read.push(live_event(&event));
    }
    let mut transitions = db
        .collection::<TransitionDoc>(TRANSITIONS)
        .find(doc! { "at": { "$gte": since } })
        .await?;
    let mut stats = Vec::new();
    while let Some(t) = transitions.try_next().await? {
        stats.push(LiveMessage::SegmentTransition {
            segment_id: t.segment_id.to_hex(),
            segment: String::new(),
            profile_id: t.profile_id.to_hex(),
            kind: t.kind.as_str().to_owned(),
            at: t.at.to_chrono(),
        });
    }
    let count = read.len() + stats.len();
    let mut counts = hub.stats();
    // Oldest first, so the tail ends with the newest.
    read.iter()
        .rev()
        .chain(stats.iter())
        .for_each(|m| counts.record(m));
    Ok(count)
}
