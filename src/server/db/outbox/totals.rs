//! Counting a campaign's messages by outcome (the one meaning of "sent") and re-queueing the
//! failed ones.
use super::{Outbox, OutboxStatus};
use crate::server::db::campaign_tallies::CampaignTallies;
use crate::{error::AppError, model::campaign::DeliveryTotals};
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, doc, oid::ObjectId};
use std::collections::HashMap;

impl OutboxStatus {
    /// Whether a message in this status counts as sent: handed to the channel and accepted.
    /// Every count of "sent" (list, page, results, history) uses this and nothing else.
    pub fn is_sent(self) -> bool {
        self == OutboxStatus::Sent
    }

    /// Whether a message in this status still waits or is in flight.
    pub fn is_unsettled(self) -> bool {
        matches!(
            self,
            OutboxStatus::Pending | OutboxStatus::Sending | OutboxStatus::Paused
        )
    }
}

/// Adds one status's count to `totals`.
fn add(totals: &mut DeliveryTotals, status: OutboxStatus, n: u64) {
    if status.is_sent() {
        totals.sent += n;
    } else if status == OutboxStatus::Failed {
        totals.failed += n;
    } else if status.is_unsettled() {
        totals.pending += n;
    }
}

impl Outbox {
    /// Sent, failed and pending messages of each of `campaigns`: those kept (one aggregation)
    /// plus the tallies of those retention deleted.
    pub async fn totals(
        &self,
        campaigns: &[ObjectId],
    ) -> Result<HashMap<ObjectId, DeliveryTotals>, AppError> {
        let tallies = CampaignTallies::new(&self.db);
        // The tallies and the messages as of one moment: read again if a sweep moved messages
        // into a tally in between.
        let mut attempts = 0;
        let (stored, mut out) = loop {
            attempts += 1;
            let stored = tallies.of(campaigns).await?;
            let leaving: Vec<&String> = stored.iter().flat_map(|t| &t.last_tallied).collect();
            let kept = self.kept_totals(campaigns, &leaving).await?;
            let versions: Vec<i64> = campaigns
                .iter()
                .map(|c| {
                    stored
                        .iter()
                        .find(|t| t.campaign == *c)
                        .map_or(0, |t| t.version)
                })
                .collect();
            if attempts == 3 || tallies.versions(campaigns).await? == versions {
                break (stored, kept);
            }
        };
        for tally in stored {
            let (sent, failed) = tally.tally.sent_and_failed();
            let totals = out.entry(tally.campaign).or_default();
            totals.sent += sent;
            totals.failed += failed;
        }
        Ok(out)
    }

    /// Totals of the messages of `campaigns` kept, but `leaving` (counted in a tally already).
    async fn kept_totals(
        &self,
        campaigns: &[ObjectId],
        leaving: &[&String],
    ) -> Result<HashMap<ObjectId, DeliveryTotals>, AppError> {
        let pipeline = vec![
            doc! { "$match": { "campaign_id": { "$in": campaigns }, "_id": { "$nin": leaving } } },
            doc! { "$group": {
                "_id": { "c": "$campaign_id", "s": "$status" },
                "n": { "$sum": 1 },
            } },
        ];
        let mut out: HashMap<ObjectId, DeliveryTotals> = HashMap::new();
        let mut cursor = self.collection.aggregate(pipeline).await?;
        while let Some(row) = cursor.try_next().await? {
            let Ok(key) = row.get_document("_id") else {
                continue;
            };
            let (Ok(campaign), Some(status)) = (
                key.get_object_id("c"),
                key.get("s")
                    .cloned()
                    .and_then(|s| bson::from_bson::<OutboxStatus>(s).ok()),
            ) else {
                continue;
            };
            let n = match row.get("n") {
                Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
                Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
                _ => 0,
            };
            add(out.entry(campaign).or_default(), status, n);
        }
        Ok(out)
    }

    /// Sent, failed and pending messages of `campaign`.
    pub async fn totals_of(&self, campaign: ObjectId) -> Result<DeliveryTotals, AppError> {
        Ok(self
            .totals(&[campaign])
            .await?
            .remove(&campaign)
            .unwrap_or_default())
    }

    /// Puts every failed message of `campaign` back in the queue, due now and with its attempts
    /// reset; the worker checks consent, the cap and quiet hours again before each send.
    /// Returns how many were re-queued.
    pub async fn retry_failed(&self, campaign: ObjectId) -> Result<u64, AppError> {
        let result = self
            .collection
            .update_many(
                doc! {
                    "campaign_id": campaign,
                    "status": OutboxStatus::Failed.as_str(),
                    super::RETIRING: { "$exists": false },
                },
                doc! { "$set": {
                    "status": OutboxStatus::Pending.as_str(),
                    "next_at": bson::DateTime::now(),
                    "attempts": 0,
                    "error": Bson::Null,
                } },
            )
            .await?;
        Ok(result.modified_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_accepted_messages_count_as_sent() {
        let mut totals = DeliveryTotals::default();
        add(&mut totals, OutboxStatus::Sent, 2);
        add(&mut totals, OutboxStatus::Failed, 3);
        add(&mut totals, OutboxStatus::Sending, 1);
        add(&mut totals, OutboxStatus::HeldOut, 4);
        assert_eq!(
            totals,
            DeliveryTotals {
                sent: 2,
                failed: 3,
                pending: 1
            }
        );
        assert!(!totals.all_failed());
        assert!(
            DeliveryTotals {
                failed: 1,
                ..Default::default()
            }
            .all_failed()
        );
    }
}
