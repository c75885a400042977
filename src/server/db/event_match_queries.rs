//! The `event_match_queries` collection: the segment event queries with property filters whose
//! per-profile counts ingestion keeps (`enrich::event_matches`), and whether each one's
//! back-fill over the stored events has finished.
use crate::{error::AppError, segment::filter::EventQuery};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Collection name.
pub const COLLECTION: &str = "event_match_queries";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueryDoc {
    /// `event_matches::key_of` the query.
    #[serde(rename = "_id")]
    key: String,
    /// The query, without a window (counts are kept per day).
    query: EventQuery,
    #[serde(default)]
    built: bool,
    created_at: bson::DateTime,
}

/// A registered query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Its key.
    pub key: String,
    /// The query, without a window.
    pub query: EventQuery,
    /// Whether every profile's counts include the events stored before it was registered.
    pub built: bool,
}

/// Read at most every few seconds: ingestion and segment evaluation ask on every batch.
static ALL: std::sync::LazyLock<super::memo::Memo<Vec<Registered>>> =
    std::sync::LazyLock::new(super::memo::Memo::new);

/// Repository over `event_match_queries`.
#[derive(Clone, Debug)]
pub struct EventMatchQueries {
    collection: Collection<QueryDoc>,
    db: Database,
}

impl EventMatchQueries {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Every registered query.
    pub async fn all(&self) -> Result<Arc<Vec<Registered>>, AppError> {
        if let Some(known) = ALL.get(&self.db, "all") {
            return Ok(known);
        }
        let docs: Vec<QueryDoc> = self.collection.find(doc! {}).await?.try_collect().await?;
        let all = docs
            .into_iter()
            .map(|d| Registered {
                key: d.key,
                query: d.query,
                built: d.built,
            })
            .collect();
        Ok(ALL.put(&self.db, "all", all))
    }

    /// Registers `query` (without its window) under `key`; whether it was new.
    pub async fn register(&self, key: &str, query: &EventQuery) -> Result<bool, AppError> {
        let stored = QueryDoc {
            key: key.to_owned(),
            query: EventQuery {
                since: None,
                ..query.clone()
            },
            built: false,
            created_at: bson::DateTime::now(),
        };
        let inserted = self.collection.insert_one(stored).await;
        self.forget_cached();
        match inserted {
            Ok(_) => Ok(true),
            Err(err) if super::is_duplicate_key(&err) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Marks `key`'s back-fill finished.
    pub async fn mark_built(&self, key: &str) -> Result<(), AppError> {
        self.collection
            .update_one(doc! { "_id": key }, doc! { "$set": { "built": true } })
            .await?;
        self.forget_cached();
        Ok(())
    }

    /// Drops this process's cached list: the next read goes to the database.
    pub fn forget_cached(&self) {
        ALL.forget(&self.db);
    }
}
