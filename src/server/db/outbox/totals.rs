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
    /// Sent, failed and pending messages of each of `campaigns` (one aggregation).
    pub async fn totals(
        &self,
        campaigns: &[ObjectId],
    ) -> Result<HashMap<ObjectId, DeliveryTotals>, AppError> {
        let pipeline = vec![
            doc! { "$match": { "campaign_id": { "$in": campaigns } } },
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
        self.add_deleted(campaigns, &mut out).await?;
        Ok(out)
    }

    /// Adds what retention deleted of `campaigns` (their tallies), leaving out messages a sweep
    /// has tallied but not deleted yet.
    async fn add_deleted(
        &self,
        campaigns: &[ObjectId],
        out: &mut HashMap<ObjectId, DeliveryTotals>,
    ) -> Result<(), AppError> {
        let tallies = CampaignTallies::new(&self.db).of(campaigns).await?;
        let leaving: Vec<&String> = tallies.iter().flat_map(|t| &t.last_tallied).collect();
        if !leaving.is_empty() {
            let filter = doc! { "_id": { "$in": leaving } };
            let mut cursor = self.collection.find(filter).await?;
            while let Some(item) = cursor.try_next().await? {
                let totals = out.entry(item.campaign_id).or_default();
                let mut counted = DeliveryTotals::default();
                add(&mut counted, item.status, 1);
                totals.sent -= counted.sent.min(totals.sent);
                totals.failed -= counted.failed.min(totals.failed);
                totals.pending -= counted.pending.min(totals.pending);
            }
        }
        for stored in tallies {
            let (sent, failed) = stored.tally.sent_and_failed();
            let totals = out.entry(stored.campaign).or_default();
            totals.sent += sent;
            totals.failed += failed;
        }
        Ok(())
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
                doc! { "campaign_id": campaign, "status": OutboxStatus::Failed.as_str() },
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
