//! Counts per key in fixed windows, shared by every app instance: failed sign-ins per account
//! and per IP (`login_failures`), expensive calls per user (`rate_limits`). A window starts
//! with its first hit and lasts the given duration; the count is raised atomically before the
//! work it guards, so parallel requests cannot all slip under a limit.
use super::{DUPLICATE_KEY, is_duplicate_key};
use crate::error::AppError;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
    error::ErrorKind,
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One key's current window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WindowDoc {
    /// What is counted, e.g. `account:<email>`, `ip:<address>`, `preview:<user id>`.
    #[serde(rename = "_id")]
    pub key: String,
    /// Hits in the current window.
    pub count: i64,
    /// Start of the current window.
    pub since: bson::DateTime,
}

impl WindowDoc {
    /// Whole seconds (at least 1) until the window of `length` ends.
    pub fn seconds_left(&self, length: Duration) -> u32 {
        let ends = self.since.timestamp_millis() + length.as_millis() as i64;
        let left = ends - bson::DateTime::now().timestamp_millis();
        (left / 1000 + 1).clamp(1, i64::from(u32::MAX)) as u32
    }
}

/// Windowed counters in one collection.
#[derive(Clone, Debug)]
pub struct WindowCounts {
    collection: Collection<WindowDoc>,
}

impl WindowCounts {
    /// The counters stored in `collection` of `db`.
    pub fn new(db: &Database, collection: &str) -> Self {
        Self {
            collection: db.collection(collection),
        }
    }

    /// Counts one hit for `key` and returns the window after it; a window older than `length`
    /// is replaced by a new one starting now.
    pub async fn hit(&self, key: &str, length: Duration) -> Result<WindowDoc, AppError> {
        let now = bson::DateTime::now();
        let start = bson::DateTime::from_millis(now.timestamp_millis() - length.as_millis() as i64);
        self.collection
            .delete_one(doc! { "_id": key, "since": { "$lt": start } })
            .await?;
        match self.increment(key, now).await {
            // Two first hits raced to insert the same key: the loser's increment now finds it.
            Err(err) if lost_insert_race(&err) => self.increment(key, now).await,
            result => result,
        }
        .map_err(AppError::from)
    }

    async fn increment(
        &self,
        key: &str,
        now: bson::DateTime,
    ) -> Result<WindowDoc, mongodb::error::Error> {
        let change = doc! { "$inc": { "count": 1 }, "$setOnInsert": { "since": now } };
        let updated = self
            .collection
            .find_one_and_update(doc! { "_id": key }, change)
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await?;
        Ok(updated.unwrap_or_else(|| WindowDoc {
            key: key.to_owned(),
            count: 1,
            since: now,
        }))
    }

    /// Takes back one hit of `key` (the attempt it counted turned out not to count); a window
    /// left with no hits is removed.
    pub async fn undo(&self, key: &str) -> Result<(), AppError> {
        self.collection
            .update_one(
                doc! { "_id": key, "count": { "$gt": 0 } },
                doc! { "$inc": { "count": -1 } },
            )
            .await?;
        self.collection
            .delete_one(doc! { "_id": key, "count": { "$lte": 0 } })
            .await?;
        Ok(())
    }

    /// Forgets `key`'s window.
    pub async fn clear(&self, key: &str) -> Result<(), AppError> {
        self.collection.delete_one(doc! { "_id": key }).await?;
        Ok(())
    }
}

/// A unique-key violation, as a write or (from `findAndModify`) as a command error.
fn lost_insert_race(err: &mongodb::error::Error) -> bool {
    is_duplicate_key(err)
        || matches!(err.kind.as_ref(), ErrorKind::Command(e) if e.code == DUPLICATE_KEY)
}
