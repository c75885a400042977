//! The `campaigns` collection: definitions, status and the run counter.
use crate::{
    error::AppError,
    model::campaign::{AudienceStep, CampaignDefinition, CampaignStatus},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::{FindOneAndUpdateOptions, ReturnDocument},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "campaigns";

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDoc {
    /// Campaign id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// What the editor saved.
    pub definition: CampaignDefinition,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// The status a paused campaign resumes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_from: Option<CampaignStatus>,
    /// Runs started so far; run `n` is the `n`th time the audience was drawn.
    #[serde(default)]
    pub runs: u32,
    /// When the scheduler starts the next run (scheduled and recurring campaigns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run_at: Option<bson::DateTime>,
    /// Segment entries up to this time were seen (triggered campaigns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_since: Option<bson::DateTime>,
    /// Entries before the launch never trigger (triggered campaigns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_floor: Option<bson::DateTime>,
    /// The audience steps of the latest run.
    #[serde(default)]
    pub last_steps: Vec<AudienceStep>,
    /// Runs whose audience is wholly queued; a run claimed but not yet queued keeps its
    /// campaign from counting as completed.
    #[serde(default)]
    pub queued_runs: u32,
    /// Who created it.
    pub created_by: String,
    /// Created.
    pub created_at: bson::DateTime,
    /// Who changed it last.
    pub updated_by: String,
    /// Last change.
    pub updated_at: bson::DateTime,
}

/// Repository over `campaigns`.
#[derive(Clone, Debug)]
pub struct Campaigns {
    collection: Collection<CampaignDoc>,
}

impl Campaigns {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// One campaign.
    pub async fn get(&self, id: ObjectId) -> Result<Option<CampaignDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// The campaigns among `ids` that exist, in one read.
    pub async fn get_many(&self, ids: &[ObjectId]) -> Result<Vec<CampaignDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "_id": { "$in": ids } })
            .await?
            .try_collect()
            .await?)
    }

    /// One campaign, or not found.
    pub async fn must_get(&self, id: ObjectId) -> Result<CampaignDoc, AppError> {
        self.get(id).await?.ok_or_else(|| AppError::NotFound {
            what: format!("campaign {id}"),
        })
    }

    /// Every campaign, newest change first.
    pub async fn list(&self) -> Result<Vec<CampaignDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! {})
            .sort(doc! { "updated_at": -1 })
            .await?
            .try_collect()
            .await?)
    }

    /// Campaigns in `status`.
    pub async fn with_status(&self, status: CampaignStatus) -> Result<Vec<CampaignDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "status": status.as_str() })
            .await?
            .try_collect()
            .await?)
    }

    /// Whether another campaign than `except` is named `name` (case-insensitively).
    pub async fn name_taken(&self, name: &str, except: Option<ObjectId>) -> Result<bool, AppError> {
        let all: Vec<CampaignDoc> = self.list().await?;
        let wanted = name.trim().to_lowercase();
        Ok(all
            .iter()
            .any(|c| Some(c.id) != except && c.definition.name.trim().to_lowercase() == wanted))
    }

    /// Stores a new campaign.
    pub async fn insert(&self, campaign: &CampaignDoc) -> Result<(), AppError> {
        self.collection.insert_one(campaign).await?;
        Ok(())
    }

    /// Replaces the definition of a draft; false when it is no longer a draft.
    pub async fn update_draft(
        &self,
        id: ObjectId,
        definition: &CampaignDefinition,
        by: &str,
    ) -> Result<bool, AppError> {
        let definition = bson::to_bson(definition).map_err(AppError::internal)?;
        let now = bson::DateTime::now();
        let result = self
            .collection
            .update_one(
                doc! { "_id": id, "status": CampaignStatus::Draft.as_str() },
                doc! { "$set": { "definition": definition, "updated_by": by, "updated_at": now } },
            )
            .await?;
        Ok(result.matched_count == 1)
    }

    /// Moves `id` from one of `from` to `to` with the extra `$set` fields; the campaign after the
    /// change, or `None` when it was in none of `from` (someone else moved it first).
    pub async fn transition(
        &self,
        id: ObjectId,
        from: &[CampaignStatus],
        to: CampaignStatus,
        mut set: bson::Document,
    ) -> Result<Option<CampaignDoc>, AppError> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        set.insert("status", to.as_str());
        set.insert("updated_at", bson::DateTime::now());
        let options = FindOneAndUpdateOptions::builder()
            .return_document(ReturnDocument::After)
            .build();
        Ok(self
            .collection
            .find_one_and_update(
                doc! { "_id": id, "status": { "$in": from } },
                doc! { "$set": set },
            )
            .with_options(options)
            .await?)
    }

    /// Moves sending `campaign` to `to` only if no run was claimed or queued since it was read (a
    /// launch may be queueing its first run while the scheduler looks).
    pub async fn finish(
        &self,
        campaign: &CampaignDoc,
        to: CampaignStatus,
    ) -> Result<bool, AppError> {
        let filter = doc! {
            "_id": campaign.id,
            "status": CampaignStatus::Sending.as_str(),
            "runs": campaign.runs,
            "queued_runs": campaign.queued_runs,
        };
        let set = doc! { "status": to.as_str(), "updated_at": bson::DateTime::now() };
        let result = self
            .collection
            .update_one(filter, doc! { "$set": set })
            .await?;
        Ok(result.modified_count == 1)
    }

    /// Claims run `runs + 1` of `campaign` if nobody has since it was read (one instance wins);
    /// `next` is when the run after it is due (`None`: no further run).
    pub async fn claim_run(
        &self,
        campaign: &CampaignDoc,
        next: Option<bson::DateTime>,
        status: CampaignStatus,
    ) -> Result<bool, AppError> {
        let result = self
            .collection
            .update_one(
                doc! { "_id": campaign.id, "runs": campaign.runs, "status": campaign.status.as_str() },
                doc! { "$set": {
                    "runs": campaign.runs + 1,
                    "next_run_at": next,
                    "status": status.as_str(),
                    "updated_at": bson::DateTime::now(),
                } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    /// Records run `run` as wholly queued, with its audience steps.
    pub async fn set_queued(
        &self,
        id: ObjectId,
        run: u32,
        steps: &[AudienceStep],
    ) -> Result<(), AppError> {
        let steps = bson::to_bson(steps).map_err(AppError::internal)?;
        self.collection
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "last_steps": steps, "queued_runs": i64::from(run) } },
            )
            .await?;
        Ok(())
    }

    /// Remembers how far a triggered campaign has read the segment entries.
    pub async fn set_trigger_since(
        &self,
        id: ObjectId,
        since: bson::DateTime,
    ) -> Result<(), AppError> {
        self.collection
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "trigger_since": since } },
            )
            .await?;
        Ok(())
    }
}
