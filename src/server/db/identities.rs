//! The `identities` collection: identifier key → the one live profile it resolves to. The key
//! is the `_id`, so "one profile per identifier" is enforced by the server, not by us.
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Collection name.
pub const COLLECTION: &str = "identities";

/// One identifier and its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDoc {
    /// `kind:value`.
    #[serde(rename = "_id")]
    pub key: String,
    /// The profile it resolves to.
    pub profile_id: ObjectId,
    /// The source that first sent it.
    pub source: String,
    /// When it was claimed.
    pub at: bson::DateTime,
}

/// Repository over `identities`.
#[derive(Clone, Debug)]
pub struct Identities {
    collection: Collection<IdentityDoc>,
}

impl Identities {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Owners of those of `keys` that are claimed.
    pub async fn owners(&self, keys: &[String]) -> Result<HashMap<String, ObjectId>, AppError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let found: Vec<IdentityDoc> = self
            .collection
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        Ok(found.into_iter().map(|d| (d.key, d.profile_id)).collect())
    }

    /// Claims every doc whose key is free; returns the keys someone else had claimed first (the
    /// others are now claimed, and the caller releases them if it gives up).
    pub async fn claim(&self, docs: &[IdentityDoc]) -> Result<Vec<String>, AppError> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        match self.collection.insert_many(docs).ordered(false).await {
            Ok(_) => Ok(Vec::new()),
            Err(err) => match super::duplicate_indexes(&err) {
                Some(lost) => Ok(lost
                    .into_iter()
                    .filter_map(|i| docs.get(i).map(|d| d.key.clone()))
                    .collect()),
                None => Err(err.into()),
            },
        }
    }

    /// Gives back claims made by `profile_id` (after a lost race).
    pub async fn release(&self, keys: &[String], profile_id: ObjectId) -> Result<(), AppError> {
        self.collection
            .delete_many(doc! { "_id": { "$in": keys }, "profile_id": profile_id })
            .await?;
        Ok(())
    }

    /// Every identifier of `from` now resolves to `to`.
    pub async fn repoint_all(&self, from: ObjectId, to: ObjectId) -> Result<(), AppError> {
        self.collection
            .update_many(
                doc! { "profile_id": from },
                doc! { "$set": { "profile_id": to } },
            )
            .await?;
        Ok(())
    }

    /// Those of `keys` still resolving to `from` now resolve to `to`.
    pub async fn repoint_keys(
        &self,
        keys: &[String],
        from: ObjectId,
        to: ObjectId,
    ) -> Result<(), AppError> {
        self.collection
            .update_many(
                doc! { "_id": { "$in": keys }, "profile_id": from },
                doc! { "$set": { "profile_id": to } },
            )
            .await?;
        Ok(())
    }

    /// Claims resolving to `profile_id`.
    pub async fn of_profile(&self, profile_id: ObjectId) -> Result<Vec<IdentityDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "profile_id": profile_id })
            .await?
            .try_collect()
            .await?)
    }
}
