//! The `in_app_messages` collection: campaign messages waiting in a person's app, read by the
//! app with a write key. The outbox key is the `_id`, so a retried delivery stores one message.
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "in_app_messages";

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InAppDoc {
    /// The outbox key it was delivered for.
    #[serde(rename = "_id")]
    pub id: String,
    /// Recipient.
    pub profile_id: ObjectId,
    /// Campaign.
    pub campaign_id: ObjectId,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Delivered.
    pub created_at: bson::DateTime,
    /// Marked read by the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<bson::DateTime>,
}

/// Repository over `in_app_messages`.
#[derive(Clone, Debug)]
pub struct InAppMessages {
    collection: Collection<InAppDoc>,
}

impl InAppMessages {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Stores `message` unless it is stored already (a retried delivery).
    pub async fn deliver(&self, message: &InAppDoc) -> Result<(), AppError> {
        match self.collection.insert_one(message).await {
            Ok(_) => Ok(()),
            Err(err) if super::is_duplicate_key(&err) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The newest messages of `profiles`, unread first.
    pub async fn of_profiles(&self, profiles: &[ObjectId]) -> Result<Vec<InAppDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "profile_id": { "$in": profiles } })
            .sort(doc! { "created_at": -1 })
            .limit(100)
            .await?
            .try_collect()
            .await?)
    }

    /// Deletes every message of `profiles` (they are rendered with the person's data).
    pub async fn forget(&self, profiles: &[ObjectId]) -> Result<(), AppError> {
        self.collection
            .delete_many(doc! { "profile_id": { "$in": profiles } })
            .await?;
        Ok(())
    }

    /// Marks message `id` of one of `profiles` read; false when there is no such message.
    pub async fn mark_read(&self, id: &str, profiles: &[ObjectId]) -> Result<bool, AppError> {
        let found = self
            .collection
            .find_one(doc! { "_id": id, "profile_id": { "$in": profiles } })
            .await?;
        if found.is_none() {
            return Ok(false);
        }
        self.collection
            .update_one(
                doc! { "_id": id, "read_at": null },
                doc! { "$set": { "read_at": bson::DateTime::now() } },
            )
            .await?;
        Ok(true)
    }
}
