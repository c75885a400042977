//! The `campaign_tallies` collection: per campaign, the tally of the messages retention deleted,
//! which results, totals and the campaign's own status add to the messages kept.
use crate::{
    error::AppError,
    server::{campaigns::tally::Tally, db::outbox::FORGOTTEN_ERROR},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "campaign_tallies";

/// One campaign's tally of deleted messages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TallyDoc {
    /// The campaign.
    #[serde(rename = "_id")]
    pub campaign: ObjectId,
    /// Counts of its deleted messages.
    pub tally: Tally,
    /// Keys of the messages the last sweep batch tallied, until it has deleted them: readers
    /// leave those messages out (they are counted here), and a batch that stopped in between
    /// is not tallied twice.
    #[serde(default)]
    pub last_tallied: Vec<String>,
    /// Bumped by every change: a reader that finds it unchanged after reading the messages
    /// read both at one moment of the sweep.
    #[serde(default)]
    pub version: i64,
}

/// Repository over `campaign_tallies`.
#[derive(Clone, Debug)]
pub struct CampaignTallies {
    collection: Collection<TallyDoc>,
}

impl CampaignTallies {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// The tallies of `campaigns` that exist.
    pub async fn of(&self, campaigns: &[ObjectId]) -> Result<Vec<TallyDoc>, AppError> {
        if campaigns.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .collection
            .find(doc! { "_id": { "$in": campaigns } })
            .await?
            .try_collect()
            .await?)
    }

    /// The tally of `campaign`, if messages of it were deleted.
    pub async fn get(&self, campaign: ObjectId) -> Result<Option<TallyDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": campaign }).await?)
    }

    /// Stores `tally` as its next version, replacing the campaign's previous one.
    pub async fn put(&self, tally: &mut TallyDoc) -> Result<(), AppError> {
        tally.version += 1;
        self.collection
            .replace_one(doc! { "_id": tally.campaign }, &*tally)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// The version of each of `campaigns`' tallies (0 for none).
    pub async fn versions(&self, campaigns: &[ObjectId]) -> Result<Vec<i64>, AppError> {
        let found = self.of(campaigns).await?;
        Ok(campaigns
            .iter()
            .map(|c| {
                found
                    .iter()
                    .find(|t| t.campaign == *c)
                    .map_or(0, |t| t.version)
            })
            .collect())
    }

    /// Forgetting a person: failure reasons that quote any of `values` (their identifiers; an
    /// SMTP reply may quote the address) are replaced, as on their kept messages.
    pub async fn forget_values(&self, values: &[String]) -> Result<(), AppError> {
        // Short values (a numeric user id) would match unrelated text.
        let values: Vec<String> = values
            .iter()
            .filter(|v| v.chars().count() >= 5)
            .map(|v| v.to_lowercase())
            .collect();
        if values.is_empty() {
            return Ok(());
        }
        let filter = doc! { "tally.failures.0": { "$exists": true } };
        let mut cursor = self.collection.find(filter).await?;
        while let Some(mut doc) = cursor.try_next().await? {
            let mut changed = false;
            for (reason, _) in &mut doc.tally.failures {
                let lower = reason.to_lowercase();
                if values.iter().any(|v| lower.contains(v.as_str())) {
                    *reason = FORGOTTEN_ERROR.to_owned();
                    changed = true;
                }
            }
            if changed {
                doc.tally.merge_failures();
                self.put(&mut doc).await?;
            }
        }
        Ok(())
    }

    /// The last batch of `campaigns` is deleted: nothing is left to leave out.
    pub async fn clear_last(&self, campaigns: &[ObjectId]) -> Result<(), AppError> {
        self.collection
            .update_many(
                doc! { "_id": { "$in": campaigns } },
                doc! { "$set": { "last_tallied": [] }, "$inc": { "version": 1 } },
            )
            .await?;
        Ok(())
    }
}
