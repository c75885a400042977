//! `ingest_errors`: refused tracking calls counted per minute, for the dashboard. Kept in the
//! database so every instance adds to one count and a restart loses nothing.
use crate::{error::AppError, model::live_series::align};
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
};
use serde::{Deserialize, Serialize};

/// The collection name.
pub const COLLECTION: &str = "ingest_errors";

/// One minute's count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorMinute {
    /// Start of the minute.
    #[serde(rename = "_id")]
    pub minute: bson::DateTime,
    /// Refused calls in it.
    pub count: i64,
}

/// Repository over `ingest_errors`.
#[derive(Clone, Debug)]
pub struct IngestErrors {
    collection: Collection<ErrorMinute>,
}

impl IngestErrors {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Counts one refused call at `at`.
    pub async fn record(&self, at: DateTime<Utc>) -> Result<(), AppError> {
        let minute = bson::DateTime::from_chrono(align(at, 60));
        self.collection
            .update_one(doc! { "_id": minute }, doc! { "$inc": { "count": 1_i64 } })
            .upsert(true)
            .await?;
        Ok(())
    }

    /// The minutes since `since` that had errors, oldest first.
    pub async fn since(&self, since: DateTime<Utc>) -> Result<Vec<ErrorMinute>, AppError> {
        let since = bson::DateTime::from_chrono(since);
        let found = self
            .collection
            .find(doc! { "_id": { "$gte": since } })
            .sort(doc! { "_id": 1 })
            .await?;
        Ok(found.try_collect().await?)
    }
}
