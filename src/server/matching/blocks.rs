//! The `match_blocks` collection: for each blocking key, the profiles holding it (at most one
//! more than the largest block, so a key too common to use is known as such without growing).
//! The full run rewrites it; the incremental pass adds each profile it matched. Members that
//! changed or merged since are harmless: candidates are read back and compared afresh.
use super::blocking::DEFAULT_MAX_BLOCK;
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{Document, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Collection name.
pub const COLLECTION: &str = "match_blocks";

/// One key's members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockDoc {
    /// The blocking key.
    #[serde(rename = "_id")]
    pub key: String,
    /// Profiles holding it.
    pub members: Vec<ObjectId>,
}

/// Repository over `match_blocks`.
#[derive(Clone, Debug)]
pub struct Blocks {
    collection: Collection<BlockDoc>,
    db: Database,
}

impl Blocks {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Replaces every block with `blocks` (key → members).
    pub async fn rewrite(&self, blocks: HashMap<String, Vec<ObjectId>>) -> Result<(), AppError> {
        self.collection.delete_many(doc! {}).await?;
        let docs: Vec<BlockDoc> = blocks
            .into_iter()
            .map(|(key, mut members)| {
                members.truncate(DEFAULT_MAX_BLOCK + 1);
                BlockDoc { key, members }
            })
            .collect();
        for chunk in docs.chunks(10_000) {
            self.collection.insert_many(chunk).await?;
        }
        Ok(())
    }

    /// The members of `keys`, leaving out keys too common to use.
    pub async fn members(
        &self,
        keys: &[String],
    ) -> Result<HashMap<String, Vec<ObjectId>>, AppError> {
        let found: Vec<BlockDoc> = self
            .collection
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter(|b| b.members.len() <= DEFAULT_MAX_BLOCK)
            .map(|b| (b.key, b.members))
            .collect())
    }

    /// Adds `profile` to each of `keys` (one command), unless the block is already full.
    pub async fn add(&self, entries: &[(ObjectId, Vec<String>)]) -> Result<(), AppError> {
        let full = format!("members.{DEFAULT_MAX_BLOCK}");
        let updates: Vec<Document> = entries
            .iter()
            .flat_map(|(profile, keys)| {
                let full = full.clone();
                keys.iter().map(move |key| {
                    doc! {
                        "q": { "_id": key, &full: { "$exists": false } },
                        "u": { "$addToSet": { "members": profile } },
                        "upsert": true,
                    }
                })
            })
            .collect();
        for chunk in updates.chunks(1_000) {
            // A full block refuses the upsert with a duplicate key: it stays full, as meant.
            self.db
                .run_command(
                    doc! { "update": COLLECTION, "updates": chunk.to_vec(), "ordered": false },
                )
                .await?;
        }
        Ok(())
    }
}
