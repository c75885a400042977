//! The `retention` collection: the rules an admin saved (`_id: "settings"`) and what the last
//! sweep did (`_id: "last_sweep"`).
use super::config::RetentionEnv;
use crate::{
    error::AppError,
    model::retention::{RetentionKind, RetentionSettings, SweepSummary},
    server::db::memo::Memo,
};
use mongodb::{Collection, Database, bson::doc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Collection name.
pub const COLLECTION: &str = "retention";
const SETTINGS: &str = "settings";
const LAST_SWEEP: &str = "last_sweep";

/// One stored document: `T` under a fixed `_id`.
#[derive(Debug, Serialize, Deserialize)]
struct Named<T> {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    value: T,
}

/// Repository over `retention`.
#[derive(Clone, Debug)]
pub struct RetentionStore {
    settings: Collection<Named<RetentionSettings>>,
    sweeps: Collection<Named<SweepSummary>>,
    db: Database,
}

/// The rules in effect, as last read.
static IN_EFFECT: std::sync::LazyLock<Memo<RetentionSettings>> =
    std::sync::LazyLock::new(Memo::new);

impl RetentionStore {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            settings: db.collection(COLLECTION),
            sweeps: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// The rules in effect: the saved ones, else the environment's.
    pub async fn settings(&self, env: &RetentionEnv) -> Result<RetentionSettings, AppError> {
        let saved = self.settings.find_one(doc! { "_id": SETTINGS }).await?;
        let settings = saved.map_or_else(|| env.defaults.clone(), |s| s.value);
        IN_EFFECT.put(&self.db, SETTINGS, settings.clone());
        Ok(settings)
    }

    /// The rules in effect as read at most a few seconds ago (ingestion asks on every batch).
    pub async fn settings_recent(
        &self,
        env: &RetentionEnv,
    ) -> Result<Arc<RetentionSettings>, AppError> {
        if let Some(settings) = IN_EFFECT.get(&self.db, SETTINGS) {
            return Ok(settings);
        }
        Ok(Arc::new(self.settings(env).await?))
    }

    /// Days events are kept under the rules in effect (`None`: forever), as read recently.
    pub async fn events_days(&self, env: &RetentionEnv) -> Result<Option<u32>, AppError> {
        let days = self
            .settings_recent(env)
            .await?
            .rule(RetentionKind::Events)
            .days;
        Ok((days > 0).then_some(days))
    }

    /// Saves `settings`.
    pub async fn save(&self, settings: &RetentionSettings) -> Result<(), AppError> {
        put(&self.settings, SETTINGS, settings).await?;
        IN_EFFECT.forget(&self.db);
        Ok(())
    }

    /// What the last sweep did.
    pub async fn last_sweep(&self) -> Result<Option<SweepSummary>, AppError> {
        let found = self.sweeps.find_one(doc! { "_id": LAST_SWEEP }).await?;
        Ok(found.map(|s| s.value))
    }

    /// Records what a sweep did.
    pub async fn record_sweep(&self, summary: &SweepSummary) -> Result<(), AppError> {
        put(&self.sweeps, LAST_SWEEP, summary).await
    }
}

/// Stores `value` as the document `id`, replacing it.
async fn put<T: Serialize + Clone + Send + Sync>(
    collection: &Collection<Named<T>>,
    id: &str,
    value: &T,
) -> Result<(), AppError> {
    let named = Named {
        id: id.to_owned(),
        value: value.clone(),
    };
    collection
        .replace_one(doc! { "_id": id }, named)
        .upsert(true)
        .await?;
    Ok(())
}
