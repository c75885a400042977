//! Calls per user per minute for expensive reads (segment previews and overlaps, exports),
//! counted in the `rate_limits` collection so the limit holds across instances.
use super::settings::LimitSettings;
use crate::{
    error::AppError,
    server::{AppState, db::windows::WindowCounts},
};
use std::time::Duration;

/// Collection name.
pub const COLLECTION: &str = "rate_limits";
/// The counting window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// What is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// `segments/preview`.
    Preview,
    /// `segments/overlap`.
    Overlap,
    /// `GET /segments/{id}/export`.
    Export,
}

impl Bucket {
    /// The limit's name, as errors report it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Preview => "segment_previews",
            Self::Overlap => "segment_overlaps",
            Self::Export => "exports",
        }
    }

    fn per_minute(self, settings: &LimitSettings) -> u32 {
        match self {
            Self::Preview => settings.previews_per_minute,
            Self::Overlap => settings.overlaps_per_minute,
            Self::Export => settings.exports_per_minute,
        }
    }
}

/// Counts one call of `bucket` by user `user_id`; over the limit is a 429 naming it.
pub async fn charge(state: &AppState, user_id: &str, bucket: Bucket) -> Result<(), AppError> {
    let counts = WindowCounts::new(&state.db, COLLECTION);
    let window = counts
        .hit(&format!("{}:{user_id}", bucket.name()), WINDOW)
        .await?;
    let limit = bucket.per_minute(&state.settings.limits);
    if window.count <= i64::from(limit) {
        return Ok(());
    }
    Err(AppError::RateLimited {
        limit: bucket.name().to_owned(),
        message: format!("at most {limit} per minute per user"),
        retry_after: window.seconds_left(WINDOW),
    })
}

/// [`charge`] for the signed-in user of the current server fn.
pub async fn charge_current(bucket: Bucket) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let user = crate::server::auth::current_user()?;
    charge(&state, &user.id, bucket).await
}
