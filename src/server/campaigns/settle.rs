//! Settling conversions: once a message's conversion window has closed (and a day of grace for
//! events that arrive late has passed), whether and when it converted is written onto it.
//! Results read settled messages without the events, which retention may delete since.
use super::{CampaignService, results::start_of};
use crate::{
    error::AppError,
    server::db::outbox::{OutboxDoc, OutboxStatus},
};
use chrono::{DateTime, Duration, Utc};

/// Days after a window closes before it is settled: events stamped inside the window that
/// arrive later than this are not counted.
pub const GRACE_DAYS: i64 = 1;

impl CampaignService {
    /// Settles every closed window of every campaign with a conversion goal, as of `now`,
    /// stopping at `deadline` (the next sweep goes on); how many messages were settled.
    pub async fn settle_conversions(
        &self,
        now: DateTime<Utc>,
        deadline: std::time::Instant,
    ) -> Result<u64, AppError> {
        let mut settled = 0;
        for campaign in self.campaigns.list().await? {
            if std::time::Instant::now() >= deadline {
                break;
            }
            let Some(goal) = &campaign.definition.conversion else {
                continue;
            };
            let closes = Duration::days(i64::from(goal.window_days) + GRACE_DAYS);
            // Most campaigns have nothing newly closed: one small read instead of all messages.
            if !self
                .outbox
                .has_unsettled_conversions(campaign.id, now - closes)
                .await?
            {
                continue;
            }
            let items = self.outbox.of_campaign(campaign.id).await?;
            let closed: Vec<&OutboxDoc> = items
                .iter()
                .filter(|i| i.settled.is_none())
                .filter(|i| i.status.is_sent() || i.status == OutboxStatus::HeldOut)
                .filter(|i| start_of(i) + closes < now)
                .collect();
            if closed.is_empty() {
                continue;
            }
            let converted = self.conversions(campaign.id, goal, &items).await?;
            let outcomes: Vec<(String, Option<DateTime<Utc>>)> = closed
                .iter()
                .map(|i| (i.id.clone(), converted.get(&i.id).copied()))
                .collect();
            settled += self.outbox.settle(&outcomes).await?;
        }
        Ok(settled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        model::retention::RetentionKind,
        server::campaigns::store::{MAX_CAP_DAYS, MAX_WINDOW_DAYS},
    };

    #[test]
    fn retention_minimums_outlast_conversion_windows_and_frequency_caps() {
        let settled_after = i64::from(MAX_WINDOW_DAYS) + GRACE_DAYS;
        assert!(i64::from(RetentionKind::Events.min_days()) > settled_after);
        assert!(RetentionKind::CampaignMessages.min_days() > MAX_CAP_DAYS);
    }
}
