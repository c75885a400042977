//! The `catalog_misses` collection: SKUs and product ids e-commerce events named that the
//! catalog did not know, counted so they can be added (events are never refused for them).
use crate::{error::AppError, model::product::UnknownReference};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An unknown reference's tally over a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// Events naming it.
    pub count: i64,
    /// The latest event's name.
    pub event: &'static str,
    /// The latest event's time.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Collection name.
pub const COLLECTION: &str = "catalog_misses";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MissDoc {
    #[serde(rename = "_id")]
    reference: String,
    count: i64,
    event: String,
    last_seen: bson::DateTime,
}

/// Repository over `catalog_misses`.
#[derive(Clone, Debug)]
pub struct CatalogMisses {
    db: Database,
    collection: Collection<MissDoc>,
}

impl CatalogMisses {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            db: db.clone(),
            collection: db.collection(COLLECTION),
        }
    }

    /// Adds a batch's unknown references (one round trip).
    pub async fn record(&self, misses: &BTreeMap<String, Miss>) -> Result<(), AppError> {
        if misses.is_empty() {
            return Ok(());
        }
        let updates: Vec<Document> = misses
            .iter()
            .map(|(reference, miss)| {
                let at = bson::DateTime::from_chrono(miss.at);
                doc! {
                    "q": { "_id": reference },
                    "u": {
                        "$inc": { "count": miss.count },
                        "$max": { "last_seen": at },
                        "$set": { "event": miss.event },
                    },
                    "upsert": true,
                }
            })
            .collect();
        super::update_statements(&self.db, COLLECTION, updates, false).await?;
        Ok(())
    }

    /// The most often named unknown references.
    pub async fn top(&self, limit: i64) -> Result<Vec<UnknownReference>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "count": -1, "_id": 1 })
            .limit(limit)
            .build();
        let found: Vec<MissDoc> = self
            .collection
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .map(|m| UnknownReference {
                reference: m.reference,
                count: m.count,
                event: m.event,
                last_seen: m.last_seen.to_chrono(),
            })
            .collect())
    }

    /// Forgets `reference` (once the product exists, its old misses are no longer news).
    pub async fn forget(&self, references: &[String]) -> Result<(), AppError> {
        self.collection
            .delete_many(doc! { "_id": { "$in": references } })
            .await?;
        Ok(())
    }
}
