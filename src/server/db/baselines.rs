//! The `event_baselines` collection: per home profile, the fold of its events that retention
//! deleted. A profile rebuilt from its events (an unmerge) starts from the baselines of the
//! homes it keeps, so what expired events contributed (counters, traits, computed-trait and
//! event-condition states, first seen) is never lost with them.
use crate::{error::AppError, server::db::profile_doc::ProfileDoc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "event_baselines";

/// One home profile's folded history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineDoc {
    /// The home profile (events' `home_profile_id`).
    #[serde(rename = "_id")]
    pub home: ObjectId,
    /// The fold of its deleted events, as a profile of its own (no identifiers, not listed).
    pub profile: ProfileDoc,
    /// Keys of the events folded by the last sweep batch: a batch folded but not deleted
    /// (the sweep stopped in between) is not folded twice when it is read again.
    #[serde(default)]
    pub last_folded: Vec<String>,
    /// How many events have been folded in.
    #[serde(default)]
    pub events: u64,
}

/// Repository over `event_baselines`.
#[derive(Clone, Debug)]
pub struct Baselines {
    collection: Collection<BaselineDoc>,
}

impl Baselines {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// The baselines of `homes` that exist.
    pub async fn of_homes(&self, homes: &[ObjectId]) -> Result<Vec<BaselineDoc>, AppError> {
        if homes.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .collection
            .find(doc! { "_id": { "$in": homes } })
            .await?
            .try_collect()
            .await?)
    }

    /// Stores `baseline`, replacing the home's previous one.
    pub async fn put(&self, baseline: &BaselineDoc) -> Result<(), AppError> {
        self.collection
            .replace_one(doc! { "_id": baseline.home }, baseline)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Deletes the baselines of `homes` (forgetting a person).
    pub async fn forget(&self, homes: &[ObjectId]) -> Result<u64, AppError> {
        let removed = self
            .collection
            .delete_many(doc! { "_id": { "$in": homes } })
            .await?;
        Ok(removed.deleted_count)
    }
}
