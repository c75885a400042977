//! Launching, pausing, resuming and cancelling a campaign, and starting one run: draw the
//! audience, queue it in the outbox (idempotently), remember the steps.
use super::{
    CampaignService,
    audience::{Draw, Occasion},
    timing,
};
use crate::{
    error::AppError,
    model::campaign::{CampaignStatus, Schedule},
    server::db::{campaigns::CampaignDoc, outbox::OutboxStatus},
};
use chrono::Utc;
use mongodb::bson::{self, doc, oid::ObjectId};

use CampaignStatus as S;

impl CampaignService {
    /// Launches draft `id`: sends now, or waits for its time, its cron or its segment.
    pub async fn launch(&self, id: ObjectId) -> Result<CampaignStatus, AppError> {
        let mut campaign = self.campaigns.must_get(id).await?;
        if campaign.status != S::Draft {
            return Err(conflict("only a draft can be launched"));
        }
        // Segments may have been archived since it was saved.
        self.validate(&mut campaign.definition, Some(id)).await?;
        self.require_channel(campaign.definition.channel).await?;
        let now = Utc::now();
        let (status, set) = match &campaign.definition.schedule {
            Schedule::Now => (S::Sending, doc! {}),
            Schedule::At { at } => {
                if *at <= now {
                    return Err(AppError::invalid(
                        "schedule.at",
                        "is in the past; choose a new time",
                    ));
                }
                (
                    S::Scheduled,
                    doc! { "next_run_at": bson::DateTime::from_chrono(*at) },
                )
            }
            Schedule::Recurring { .. } => {
                let next = timing::next_run(&campaign.definition.schedule, now)?;
                (
                    S::Active,
                    doc! { "next_run_at": next.map(bson::DateTime::from_chrono) },
                )
            }
            Schedule::Triggered { .. } => {
                let now = bson::DateTime::from_chrono(now);
                (
                    S::Active,
                    doc! { "trigger_since": now, "trigger_floor": now },
                )
            }
        };
        let launched = self
            .campaigns
            .transition(id, &[S::Draft], status, set)
            .await?
            .ok_or_else(|| conflict("the campaign was launched meanwhile"))?;
        if status == S::Sending {
            self.claim_and_run(&launched, None, S::Sending).await?;
        }
        Ok(status)
    }

    /// Claims the next run of `campaign` (so one instance starts it) and starts it.
    pub async fn claim_and_run(
        &self,
        campaign: &CampaignDoc,
        next: Option<bson::DateTime>,
        status: CampaignStatus,
    ) -> Result<Option<Draw>, AppError> {
        if !self.campaigns.claim_run(campaign, next, status).await? {
            return Ok(None);
        }
        let occasion = Occasion {
            run: (campaign.runs + 1).to_string(),
            only: None,
            trigger: None,
            at: Utc::now(),
        };
        let draw = self.start_run(campaign, &occasion).await?;
        self.complete_if_settled(campaign.id).await?;
        Ok(Some(draw))
    }

    /// Draws and queues one run; returns the draw.
    pub async fn start_run(
        &self,
        campaign: &CampaignDoc,
        occasion: &Occasion,
    ) -> Result<Draw, AppError> {
        let started = std::time::Instant::now();
        let draw = self.draw(campaign, occasion).await?;
        let drawn = started.elapsed();
        self.outbox.enqueue(&draw.items).await?;
        tracing::debug!(
            campaign = %campaign.id,
            messages = draw.items.len(),
            draw_ms = drawn.as_millis() as u64,
            enqueue_ms = (started.elapsed() - drawn).as_millis() as u64,
            "campaign run queued"
        );
        if let (None, Ok(run)) = (occasion.only, occasion.run.parse::<u32>()) {
            self.campaigns
                .set_queued(campaign.id, run, &draw.steps)
                .await?;
        }
        Ok(draw)
    }

    /// Ends a sending campaign once its run is claimed and queued and nothing of it waits or is
    /// in flight: failed when every send failed (nothing was sent), else completed.
    pub async fn complete_if_settled(&self, id: ObjectId) -> Result<(), AppError> {
        let Some(campaign) = self.campaigns.get(id).await? else {
            return Ok(());
        };
        let queued = campaign.runs > 0 && campaign.queued_runs >= campaign.runs;
        if campaign.status != S::Sending || !queued {
            return Ok(());
        }
        let totals = self.outbox.totals_of(id).await?;
        if totals.pending == 0 {
            let end = if totals.all_failed() {
                S::Failed
            } else {
                S::Completed
            };
            self.campaigns.finish(&campaign, end).await?;
        }
        Ok(())
    }

    /// Pauses `id`: nothing more is sent or drawn until it is resumed.
    pub async fn pause(&self, id: ObjectId) -> Result<(), AppError> {
        let campaign = self.campaigns.must_get(id).await?;
        let set = doc! { "paused_from": campaign.status.as_str() };
        self.campaigns
            .transition(id, &[S::Scheduled, S::Sending, S::Active], S::Paused, set)
            .await?
            .ok_or_else(|| {
                conflict("only a scheduled, sending or active campaign can be paused")
            })?;
        self.outbox
            .move_all(id, &[OutboxStatus::Pending], OutboxStatus::Paused)
            .await?;
        Ok(())
    }

    /// Resumes paused `id` where it left off; a recurring one skips the runs it missed.
    pub async fn resume(&self, id: ObjectId) -> Result<(), AppError> {
        let campaign = self.campaigns.must_get(id).await?;
        let back_to = campaign
            .paused_from
            .filter(|s| s.is_live())
            .unwrap_or(S::Sending);
        let mut set = doc! {};
        if matches!(campaign.definition.schedule, Schedule::Recurring { .. }) {
            let next = timing::next_run(&campaign.definition.schedule, Utc::now())?;
            set.insert("next_run_at", next.map(bson::DateTime::from_chrono));
        }
        self.campaigns
            .transition(id, &[S::Paused], back_to, set)
            .await?
            .ok_or_else(|| conflict("only a paused campaign can be resumed"))?;
        self.outbox
            .move_all(id, &[OutboxStatus::Paused], OutboxStatus::Pending)
            .await?;
        if back_to == S::Sending {
            self.complete_if_settled(id).await?;
        }
        Ok(())
    }

    /// Cancels `id` for good: pending messages are dropped (sent ones stay counted).
    pub async fn cancel(&self, id: ObjectId) -> Result<(), AppError> {
        self.campaigns
            .transition(
                id,
                &[S::Scheduled, S::Sending, S::Active, S::Paused],
                S::Cancelled,
                doc! {},
            )
            .await?
            .ok_or_else(|| {
                conflict("only a launched campaign that has not ended can be cancelled")
            })?;
        let waiting = [OutboxStatus::Pending, OutboxStatus::Paused];
        self.outbox
            .move_all(id, &waiting, OutboxStatus::Cancelled)
            .await?;
        Ok(())
    }
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: "status".into(),
        message: message.into(),
    }
}
