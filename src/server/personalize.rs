//! The personalization API: what a website or app shows a visitor, in one document — the traits
//! an admin exposed, the keys of the exposed segments they are in, their top recommendations and
//! unread in-app messages — as `GET /v1/personalize` and, pushed on every change, as the
//! Server-Sent Events of `GET /v1/personalize/stream`.
pub mod access;
pub mod document;
pub mod routes;
pub mod stream;

use crate::{error::AppError, server::db::segments::Segments};
use mongodb::{Database, bson::oid::ObjectId};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// How long an instance trusts its list of exposed segments (another instance's changes).
const EXPOSURE_TTL: Duration = Duration::from_secs(5);
/// Most personalization streams open at once on one instance; more get 429.
pub const MAX_STREAMS: usize = 10_000;

/// Exposed segments as (id, key).
pub type ExposedSegments = Arc<Vec<(ObjectId, String)>>;
/// How long the start a new visitor gets (popular products) is reused.
const STARTING_TTL: Duration = Duration::from_secs(5);
/// The recommendations a new visitor starts with, as the API shows them, and when ranked.
type Starting = Option<(Instant, Arc<Vec<serde_json::Value>>)>;

/// Shared state of the personalization endpoints.
#[derive(Clone, Debug)]
pub struct Personalizer {
    segments: Segments,
    exposed: Arc<Mutex<Option<(Instant, ExposedSegments)>>>,
    starting: Arc<Mutex<Starting>>,
    /// Permits for open streams.
    pub streams: Arc<Semaphore>,
}

impl Personalizer {
    /// The personalizer for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            segments: Segments::new(db),
            exposed: Arc::new(Mutex::new(None)),
            starting: Arc::new(Mutex::new(None)),
            streams: Arc::new(Semaphore::new(MAX_STREAMS)),
        }
    }

    /// Drops the cached list of exposed segments (this instance changed it).
    pub fn forget_exposure(&self) {
        if let Ok(mut cached) = self.exposed.lock() {
            *cached = None;
        }
    }

    /// The recommendations every new visitor starts with, at most [`STARTING_TTL`] old.
    pub async fn starting_recommendations(
        &self,
        state: &crate::server::AppState,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        if let Ok(cached) = self.starting.lock()
            && let Some((at, list)) = cached.as_ref()
            && at.elapsed() < STARTING_TTL
        {
            return Ok(list.as_ref().clone());
        }
        let cards =
            crate::server::products::recommend::refresh::for_unseen(&state.ingest.graph).await?;
        let list: Vec<serde_json::Value> = cards.iter().map(document::card_json).collect();
        if let Ok(mut cached) = self.starting.lock() {
            *cached = Some((Instant::now(), Arc::new(list.clone())));
        }
        Ok(list)
    }

    /// The active segments exposed to websites, at most [`EXPOSURE_TTL`] old.
    pub async fn exposed_segments(&self) -> Result<ExposedSegments, AppError> {
        if let Ok(cached) = self.exposed.lock()
            && let Some((at, list)) = cached.as_ref()
            && at.elapsed() < EXPOSURE_TTL
        {
            return Ok(list.clone());
        }
        let list: ExposedSegments = Arc::new(self.segments.exposed().await?);
        if let Ok(mut cached) = self.exposed.lock() {
            *cached = Some((Instant::now(), list.clone()));
        }
        Ok(list)
    }
}
