//! `memberships` (who is in which segment, since when) and `segment_transitions` (every entry
//! and exit, the `Segment Entered` / `Segment Exited` records).
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection names.
pub const COLLECTION: &str = "memberships";
/// Entries and exits.
pub const TRANSITIONS: &str = "segment_transitions";

/// One profile in one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipDoc {
    /// `segmentId:profileId`, so a repeated entry is one document.
    #[serde(rename = "_id")]
    pub id: String,
    /// Segment.
    pub segment_id: ObjectId,
    /// Profile.
    pub profile_id: ObjectId,
    /// When the profile entered.
    pub entered_at: bson::DateTime,
}

/// Entered or exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// `Segment Entered`.
    Entered,
    /// `Segment Exited`.
    Exited,
}

impl TransitionKind {
    /// `entered` / `exited`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Entered => "entered",
            TransitionKind::Exited => "exited",
        }
    }
}

/// One entry or exit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionDoc {
    /// Segment.
    pub segment_id: ObjectId,
    /// Profile.
    pub profile_id: ObjectId,
    /// Entered or exited.
    pub kind: TransitionKind,
    /// When.
    pub at: bson::DateTime,
}

/// The membership key.
pub fn membership_key(segment: ObjectId, profile: ObjectId) -> String {
    format!("{segment}:{profile}")
}

/// Repository over both collections.
#[derive(Clone, Debug)]
pub struct Memberships {
    members: Collection<MembershipDoc>,
    transitions: Collection<TransitionDoc>,
}

impl Memberships {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            members: db.collection(COLLECTION),
            transitions: db.collection(TRANSITIONS),
        }
    }

    /// Which of the membership keys `keys` exist (looked up by `_id`).
    pub async fn existing(&self, keys: &[String]) -> Result<Vec<String>, AppError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<MembershipDoc> = self
            .members
            .find(doc! { "_id": { "$in": keys } })
            .await?
            .try_collect()
            .await?;
        Ok(found.into_iter().map(|m| m.id).collect())
    }

    /// Memberships of `profiles`.
    pub async fn of_profiles(&self, profiles: &[ObjectId]) -> Result<Vec<MembershipDoc>, AppError> {
        self.find(doc! { "profile_id": { "$in": profiles } }).await
    }

    /// Members of `segment`, as profile ids.
    pub async fn member_ids(&self, segment: ObjectId) -> Result<Vec<ObjectId>, AppError> {
        let options = FindOptions::builder()
            .projection(doc! { "profile_id": 1 })
            .build();
        let docs: Vec<Document> = self
            .members
            .clone_with_type::<Document>()
            .find(doc! { "segment_id": segment })
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_object_id("profile_id").ok())
            .collect())
    }

    /// Members of `segment`, newest entries first, from `skip`.
    pub async fn page(
        &self,
        segment: ObjectId,
        skip: u64,
        limit: i64,
    ) -> Result<Vec<MembershipDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "entered_at": -1, "_id": 1 })
            .skip(skip)
            .limit(limit)
            .build();
        Ok(self
            .members
            .find(doc! { "segment_id": segment })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// How many members `segment` has.
    pub async fn count(&self, segment: ObjectId) -> Result<u64, AppError> {
        Ok(self
            .members
            .count_documents(doc! { "segment_id": segment })
            .await?)
    }

    async fn find(&self, filter: Document) -> Result<Vec<MembershipDoc>, AppError> {
        Ok(self.members.find(filter).await?.try_collect().await?)
    }

    /// Adds members (already-present ones are left as they are).
    pub async fn enter(&self, docs: &[MembershipDoc]) -> Result<(), AppError> {
        for chunk in docs.chunks(1_000) {
            let ids: Vec<&String> = chunk.iter().map(|d| &d.id).collect();
            let existing: Vec<Document> = self
                .members
                .clone_with_type::<Document>()
                .find(doc! { "_id": { "$in": ids } })
                .projection(doc! { "_id": 1 })
                .await?
                .try_collect()
                .await?;
            let fresh: Vec<&MembershipDoc> = chunk
                .iter()
                .filter(|d| {
                    !existing
                        .iter()
                        .any(|e| e.get_str("_id") == Ok(d.id.as_str()))
                })
                .collect();
            if !fresh.is_empty() {
                self.members.insert_many(fresh).await?;
            }
        }
        Ok(())
    }

    /// Removes members by key.
    pub async fn exit(&self, keys: &[String]) -> Result<(), AppError> {
        for chunk in keys.chunks(1_000) {
            self.members
                .delete_many(doc! { "_id": { "$in": chunk } })
                .await?;
        }
        Ok(())
    }

    /// Records entries and exits.
    pub async fn record(&self, transitions: &[TransitionDoc]) -> Result<(), AppError> {
        for chunk in transitions.chunks(1_000) {
            self.transitions.insert_many(chunk).await?;
        }
        Ok(())
    }

    /// The newest transitions matching `filter` (by segment or by profile).
    pub async fn transitions(
        &self,
        filter: Document,
        limit: i64,
    ) -> Result<Vec<TransitionDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "at": -1, "_id": -1 })
            .limit(limit)
            .build();
        Ok(self
            .transitions
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Forgets everything about `profiles` (right to be forgotten).
    pub async fn forget(&self, profiles: &[ObjectId]) -> Result<(), AppError> {
        self.members
            .delete_many(doc! { "profile_id": { "$in": profiles } })
            .await?;
        self.transitions
            .delete_many(doc! { "profile_id": { "$in": profiles } })
            .await?;
        Ok(())
    }

    /// Removes every member of `segment` (archived or deleted).
    pub async fn clear(&self, segment: ObjectId) -> Result<(), AppError> {
        self.members
            .delete_many(doc! { "segment_id": segment })
            .await?;
        Ok(())
    }
}
