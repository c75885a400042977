//! The `login_failures` collection: failed sign-ins per account and per IP, for throttling.
use crate::error::AppError;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "login_failures";

/// Failures for one key (`account:<email>` or `ip:<address>`) since `since`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailureDoc {
    /// `account:<email>` or `ip:<address>`.
    #[serde(rename = "_id")]
    pub key: String,
    /// Failures in the current window.
    pub count: i64,
    /// Start of the current window.
    pub since: bson::DateTime,
}

/// Repository over `login_failures`.
#[derive(Clone, Debug)]
pub struct LoginFailures {
    collection: Collection<FailureDoc>,
}

impl LoginFailures {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// The failures recorded for `key`.
    pub async fn get(&self, key: &str) -> Result<Option<FailureDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": key }).await?)
    }

    /// Counts one more failure for `key`, starting a new window at `now` if the old one ended.
    pub async fn record(
        &self,
        key: &str,
        now: bson::DateTime,
        window_start: bson::DateTime,
    ) -> Result<(), AppError> {
        let stale = doc! { "_id": key, "since": { "$lt": window_start } };
        self.collection.delete_one(stale).await?;
        let change = doc! { "$inc": { "count": 1 }, "$setOnInsert": { "since": now } };
        self.collection
            .update_one(doc! { "_id": key }, change)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    pub async fn clear(&self, key: &str) -> Result<(), AppError> {
        self.collection.delete_one(doc! { "_id": key }).await?;
        Ok(())
    }
}
