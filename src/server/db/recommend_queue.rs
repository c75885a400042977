//! The `recommend_queue` collection: product events waiting for the recommendation worker,
//! one document per person per tracking batch. Written in one command by the batch; the worker
//! claims what is there, learns from it, ranks again, then deletes what it claimed. A claim
//! older than a minute (a worker that died) is taken over.
use super::profile_doc::ProductEventEntry;
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};
use std::{sync::Arc, time::Duration};
use tokio::sync::Notify;

/// Collection name.
pub const COLLECTION: &str = "recommend_queue";
/// A claim this old is taken over.
const STALE_CLAIM: Duration = Duration::from_secs(60);

/// One person's product events from one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedEvents {
    /// Queue entry id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// The profile the events were applied to (it may have been merged since).
    pub profile: ObjectId,
    /// The events, in the order they were applied.
    pub events: Vec<ProductEventEntry>,
    /// The worker pass that claimed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<ObjectId>,
    /// When it was claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<bson::DateTime>,
}

/// Repository over `recommend_queue`, with the bell that wakes this process's worker.
#[derive(Clone, Debug)]
pub struct RecommendQueue {
    collection: Collection<QueuedEvents>,
    /// Rung after every push.
    pub wake: Arc<Notify>,
    /// Held by the worker's passes: one at a time per process.
    pub serial: Arc<tokio::sync::Mutex<()>>,
}

impl RecommendQueue {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            wake: Arc::new(Notify::new()),
            serial: Arc::default(),
        }
    }

    /// Queues `entries` (one command) and wakes the worker.
    pub async fn push(&self, entries: &[QueuedEvents]) -> Result<(), AppError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.collection.insert_many(entries).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Claims every unclaimed (or stale) entry for pass `token` and returns them, oldest first.
    pub async fn claim(&self, token: ObjectId) -> Result<Vec<QueuedEvents>, AppError> {
        let now = bson::DateTime::now();
        let stale = bson::DateTime::from_millis(
            now.timestamp_millis() - i64::try_from(STALE_CLAIM.as_millis()).unwrap_or(i64::MAX),
        );
        self.collection
            .update_many(
                doc! { "$or": [
                    { "claimed": { "$exists": false } },
                    { "claimed_at": { "$lt": stale } },
                ] },
                doc! { "$set": { "claimed": token, "claimed_at": now } },
            )
            .await?;
        let claimed = self
            .collection
            .find(doc! { "claimed": token })
            .sort(doc! { "_id": 1 })
            .await?;
        Ok(claimed.try_collect().await?)
    }

    /// Deletes what pass `token` claimed (done with it).
    pub async fn done(&self, token: ObjectId) -> Result<(), AppError> {
        self.collection
            .delete_many(doc! { "claimed": token })
            .await?;
        Ok(())
    }
}
