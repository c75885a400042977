//! The `event_names` collection: every event name seen, with a count, for the segment builder's
//! event picker (properties are catalogued in `fields`, but an event may have none).
use crate::error::AppError;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "event_names";

/// One event name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventNameDoc {
    /// The name.
    #[serde(rename = "_id")]
    pub name: String,
    /// Events stored under it.
    pub count: i64,
    /// Latest time seen.
    pub last_seen: bson::DateTime,
}

/// Repository over `event_names`.
#[derive(Clone, Debug)]
pub struct EventNames {
    collection: Collection<EventNameDoc>,
    db: Database,
}

impl EventNames {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Counts more events by name (how many, seen last at), in one command.
    pub async fn saw_all(
        &self,
        seen: impl IntoIterator<Item = (String, (i64, DateTime<Utc>))>,
    ) -> Result<(), AppError> {
        let statements = seen
            .into_iter()
            .map(|(name, (count, at))| {
                doc! {
                    "q": { "_id": name },
                    "u": {
                        "$inc": { "count": count },
                        "$max": { "last_seen": bson::DateTime::from_chrono(at) },
                    },
                    "upsert": true,
                }
            })
            .collect();
        super::update_statements(&self.db, COLLECTION, statements, false).await?;
        Ok(())
    }

    /// Every name, most frequent first.
    pub async fn all(&self) -> Result<Vec<EventNameDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "count": -1, "_id": 1 })
            .build();
        Ok(self
            .collection
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }
}
