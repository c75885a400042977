//! The `match_queue` collection: profiles to match again since they were created or their
//! compared traits changed (one document per profile, `at` the latest change). The worker
//! reads a batch, matches it, then deletes each entry only if it did not change meanwhile.
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Notify;

/// Collection name.
pub const COLLECTION: &str = "match_queue";

/// One queued profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// The profile.
    #[serde(rename = "_id")]
    pub profile: ObjectId,
    /// When it last changed.
    pub at: bson::DateTime,
}

/// Repository over `match_queue`, with the bell that wakes this process's worker.
#[derive(Clone, Debug)]
pub struct MatchQueue {
    collection: Collection<Queued>,
    db: Database,
    /// Rung after every push.
    pub wake: Arc<Notify>,
}

impl MatchQueue {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Queues `profiles` (one command) and wakes the worker.
    pub async fn push(&self, profiles: &[ObjectId]) -> Result<(), AppError> {
        if profiles.is_empty() {
            return Ok(());
        }
        let now = bson::DateTime::now();
        let updates: Vec<Document> = profiles
            .iter()
            .map(|id| doc! { "q": { "_id": id }, "u": { "$set": { "at": now } }, "upsert": true })
            .collect();
        crate::server::db::update_statements(&self.db, COLLECTION, updates, false).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The oldest `limit` entries.
    pub async fn oldest(&self, limit: i64) -> Result<Vec<Queued>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "at": 1 })
            .limit(limit)
            .build();
        Ok(self
            .collection
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Removes `entries`, each only if it was not queued again since it was read.
    pub async fn done(&self, entries: &[Queued]) -> Result<(), AppError> {
        if entries.is_empty() {
            return Ok(());
        }
        let deletes: Vec<Document> = entries
            .iter()
            .map(|e| doc! { "q": { "_id": e.profile, "at": e.at }, "limit": 1 })
            .collect();
        self.db
            .run_command(doc! { "delete": COLLECTION, "deletes": deletes, "ordered": false })
            .await?;
        Ok(())
    }

    /// How many profiles wait.
    pub async fn waiting(&self) -> Result<u64, AppError> {
        Ok(self.collection.estimated_document_count().await?)
    }
}
