//! The `suppressions` collection: keyed hashes of the identifiers of forgotten people. Events
//! carrying any of them are dropped (and counted) instead of re-creating the person.
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc},
};
use std::collections::BTreeSet;

/// Collection name: `{ _id: <hash>, at, dropped }`.
pub const COLLECTION: &str = "suppressions";

/// Repository over `suppressions`.
#[derive(Clone, Debug)]
pub struct Suppressions {
    collection: Collection<Document>,
}

impl Suppressions {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Suppresses `hashes` (idempotent).
    pub async fn add(&self, hashes: &[String]) -> Result<(), AppError> {
        for hash in hashes {
            let change = doc! { "$setOnInsert": { "at": bson::DateTime::now(), "dropped": 0_i64 } };
            self.collection
                .update_one(doc! { "_id": hash }, change)
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    /// Which of `hashes` are suppressed.
    pub async fn find(&self, hashes: &[String]) -> Result<BTreeSet<String>, AppError> {
        if hashes.is_empty() {
            return Ok(BTreeSet::new());
        }
        let found: Vec<Document> = self
            .collection
            .find(doc! { "_id": { "$in": hashes } })
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }

    /// Counts one dropped message against each of `hashes`.
    pub async fn count_dropped(&self, hashes: &[String]) -> Result<(), AppError> {
        for hash in hashes {
            self.collection
                .update_one(doc! { "_id": hash }, doc! { "$inc": { "dropped": 1_i64 } })
                .await?;
        }
        Ok(())
    }

    /// Messages dropped in all.
    pub async fn dropped_total(&self) -> Result<i64, AppError> {
        let docs: Vec<Document> = self.collection.find(doc! {}).await?.try_collect().await?;
        Ok(docs.iter().filter_map(|d| d.get_i64("dropped").ok()).sum())
    }
}
