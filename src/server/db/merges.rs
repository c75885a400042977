//! The `merges` collection: what each side of a merge was, so it can be audited and undone.
use super::profile_doc::ProfileDoc;
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "merges";

/// Where a merge stands; a crash leaves `Started` or `Undoing`, finished at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeState {
    /// Recorded, steps under way.
    Started,
    /// Merged.
    Done,
    /// Unmerge under way.
    Undoing,
    /// Unmerged.
    Undone,
}

/// One merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeDoc {
    /// Merge id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// The older profile, which lives on.
    pub survivor: ObjectId,
    /// The profile merged into it.
    pub absorbed: ObjectId,
    /// The survivor just before.
    pub survivor_before: ProfileDoc,
    /// The absorbed profile just before.
    pub absorbed_before: ProfileDoc,
    /// Identifier keys the absorbed profile held; unmerge gives them back.
    pub identity_keys: Vec<String>,
    /// Why: the message or action that linked them.
    pub reason: String,
    /// Progress.
    pub state: MergeState,
    /// When merged.
    pub at: bson::DateTime,
    /// When undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_at: Option<bson::DateTime>,
}

/// Repository over `merges`.
#[derive(Clone, Debug)]
pub struct Merges {
    collection: Collection<MergeDoc>,
}

impl Merges {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Records a merge about to happen.
    pub async fn insert(&self, merge: &MergeDoc) -> Result<(), AppError> {
        self.collection.insert_one(merge).await?;
        Ok(())
    }

    /// Moves merge `id` from `from` to `to`; `false` if it was not in `from`.
    pub async fn advance(
        &self,
        id: ObjectId,
        from: MergeState,
        to: MergeState,
    ) -> Result<bool, AppError> {
        let mut set = doc! { "state": bson::to_bson(&to).map_err(AppError::internal)? };
        if to == MergeState::Undone {
            set.insert("undone_at", bson::DateTime::now());
        }
        let from = bson::to_bson(&from).map_err(AppError::internal)?;
        let result = self
            .collection
            .update_one(doc! { "_id": id, "state": from }, doc! { "$set": set })
            .await?;
        Ok(result.modified_count == 1)
    }

    /// Merge `id`.
    pub async fn get(&self, id: ObjectId) -> Result<Option<MergeDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// Merges left unfinished in `state` (by a crash).
    pub async fn in_state(&self, state: MergeState) -> Result<Vec<MergeDoc>, AppError> {
        let state = bson::to_bson(&state).map_err(AppError::internal)?;
        Ok(self
            .collection
            .find(doc! { "state": state })
            .await?
            .try_collect()
            .await?)
    }

    /// Merges a profile took part in, newest first.
    pub async fn of_profile(&self, profile_id: ObjectId) -> Result<Vec<MergeDoc>, AppError> {
        let options = FindOptions::builder().sort(doc! { "at": -1 }).build();
        Ok(self
            .collection
            .find(doc! { "$or": [ { "survivor": profile_id }, { "absorbed": profile_id } ] })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }
}
