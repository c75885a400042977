//! The clock's part in membership: rules such as "within the last 7 days" are recomputed every
//! minute (members leave on time without an event), and sizes are sampled for the trend charts.
use super::SegmentEngine;
use crate::{error::AppError, model::segment::SegmentKind};
use chrono::Utc;
use mongodb::bson;
use tokio::time::{MissedTickBehavior, interval};

impl SegmentEngine {
    /// Runs the refresh and the sampling on their intervals, forever.
    pub(super) async fn run_schedule(self) {
        let mut refresh = interval(self.refresh_every);
        let mut sample = interval(self.sample_every);
        refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
        sample.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let result = tokio::select! {
                _ = refresh.tick() => self.refresh_time_relative().await,
                _ = sample.tick() => self.sample_sizes().await,
            };
            if let Err(err) = result {
                tracing::error!(%err, "scheduled segment work failed");
            }
        }
    }

    /// Queues a computation of every active rule segment that depends on the clock.
    pub async fn refresh_time_relative(&self) -> Result<(), AppError> {
        for segment in self.segments.active().await? {
            if segment.kind == SegmentKind::Rule && segment.time_relative {
                self.queue_compute(segment.id, segment.version).await?;
            }
        }
        Ok(())
    }

    /// Records every active segment's size now.
    pub async fn sample_sizes(&self) -> Result<(), AppError> {
        let at = bson::DateTime::from_chrono(Utc::now());
        for segment in self.segments.active().await? {
            self.segments
                .sample_size(segment.id, segment.size, at)
                .await?;
        }
        Ok(())
    }
}
