//! The `matching` collection: three documents — the settings (`settings`), the model the last
//! full run trained with a histogram of its candidate scores (`model`), and the full job's
//! progress (`job`: one run at a time across instances, a heartbeat so a crashed run does not
//! block the next).
use crate::{
    error::AppError,
    model::matching::{Histogram, JobState, JobStatus, MatchSettings, RunSummary},
    server::matching::fellegi_sunter::Model,
};
use mongodb::{
    Collection, Database,
    bson::{self, doc},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "matching";
/// A running job silent this long is taken to have died with its instance.
const STALE_AFTER_MS: i64 = 120_000;

/// The stored settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SettingsDoc {
    #[serde(rename = "_id")]
    id: String,
    settings: MatchSettings,
    updated_by: String,
    updated_at: bson::DateTime,
}

/// The trained model of the last full run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDoc {
    /// Always `model`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The model.
    pub model: Model,
    /// Its candidates' scores.
    pub histogram: Histogram,
    /// When trained.
    pub trained_at: bson::DateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct JobDoc {
    #[serde(rename = "_id")]
    id: String,
    state: JobState,
    step: String,
    done: i64,
    total: i64,
    started_by: String,
    heartbeat: bson::DateTime,
    finished_at: Option<bson::DateTime>,
    summary: Option<RunSummary>,
    error: Option<String>,
}

/// Repository over `matching`.
#[derive(Clone, Debug)]
pub struct MatchState {
    db: Database,
}

impl MatchState {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self { db: db.clone() }
    }

    fn typed<T: Send + Sync>(&self) -> Collection<T> {
        self.db.collection(COLLECTION)
    }

    /// The settings (the defaults until someone saves).
    pub async fn settings(&self) -> Result<MatchSettings, AppError> {
        let found = self
            .typed::<SettingsDoc>()
            .find_one(doc! { "_id": "settings" })
            .await?;
        Ok(found.map(|d| d.settings).unwrap_or_default())
    }

    /// Saves `settings` as `by`.
    pub async fn save_settings(&self, settings: &MatchSettings, by: &str) -> Result<(), AppError> {
        let doc = SettingsDoc {
            id: "settings".into(),
            settings: settings.clone(),
            updated_by: by.to_owned(),
            updated_at: bson::DateTime::now(),
        };
        self.typed::<SettingsDoc>()
            .replace_one(doc! { "_id": "settings" }, doc)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// The last trained model.
    pub async fn model(&self) -> Result<Option<ModelDoc>, AppError> {
        Ok(self
            .typed::<ModelDoc>()
            .find_one(doc! { "_id": "model" })
            .await?)
    }

    /// Stores the model a run trained.
    pub async fn save_model(&self, model: &Model, histogram: Histogram) -> Result<(), AppError> {
        let doc = ModelDoc {
            id: "model".into(),
            model: model.clone(),
            histogram,
            trained_at: bson::DateTime::now(),
        };
        self.typed::<ModelDoc>()
            .replace_one(doc! { "_id": "model" }, doc)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// The job's progress.
    pub async fn job(&self) -> Result<JobStatus, AppError> {
        let found = self
            .typed::<JobDoc>()
            .find_one(doc! { "_id": "job" })
            .await?;
        Ok(found.map(JobStatus::from).unwrap_or_default())
    }

    /// Claims the job for `by`; `false` when a live run holds it.
    pub async fn claim_job(&self, by: &str) -> Result<bool, AppError> {
        let now = bson::DateTime::now();
        let stale = bson::DateTime::from_millis(now.timestamp_millis() - STALE_AFTER_MS);
        let free = doc! { "_id": "job", "$or": [
            { "state": { "$ne": "running" } },
            { "heartbeat": { "$lt": stale } },
        ] };
        let set = doc! { "$set": {
            "state": "running", "step": "starting", "done": 0_i64, "total": 0_i64,
            "started_by": by, "heartbeat": now, "error": null,
        } };
        match self
            .typed::<JobDoc>()
            .update_one(free, set)
            .upsert(true)
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if super::is_duplicate_key(&err) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Reports progress (and beats the heart).
    pub async fn progress(&self, step: &str, done: u64, total: u64) -> Result<(), AppError> {
        let set = doc! { "$set": {
            "step": step, "done": done as i64, "total": total as i64,
            "heartbeat": bson::DateTime::now(),
        } };
        self.typed::<JobDoc>()
            .update_one(doc! { "_id": "job" }, set)
            .await?;
        Ok(())
    }

    /// Ends the job with `summary`, or with `error`.
    pub async fn finish(&self, outcome: Result<RunSummary, String>) -> Result<(), AppError> {
        let now = bson::DateTime::now();
        let set = match outcome {
            Ok(summary) => doc! {
                "state": "done", "step": "finished", "finished_at": now, "heartbeat": now,
                "summary": bson::to_bson(&summary).map_err(AppError::internal)?,
            },
            Err(error) => doc! {
                "state": "failed", "step": "failed", "finished_at": now, "heartbeat": now,
                "error": error,
            },
        };
        self.typed::<JobDoc>()
            .update_one(doc! { "_id": "job" }, doc! { "$set": set })
            .await?;
        Ok(())
    }
}

impl From<JobDoc> for JobStatus {
    fn from(d: JobDoc) -> Self {
        let at = |t: bson::DateTime| t.to_chrono().format("%Y-%m-%d %H:%M:%S").to_string();
        Self {
            state: d.state,
            step: d.step,
            done: d.done.max(0) as u64,
            total: d.total.max(0) as u64,
            started_by: d.started_by,
            finished_at: d.finished_at.map(at),
            summary: d.summary,
            error: d.error,
        }
    }
}
