//! The delivery worker's commands: claiming due messages a batch at a time, the cap counts of a
//! batch's recipients, and settling a batch's outcomes in one command.
use super::{Outbox, OutboxDoc, OutboxStatus};
use crate::server::db::update_statements;
use crate::{error::AppError, model::campaign::Channel};
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, Document, doc, oid::ObjectId};
use std::collections::HashMap;

/// What becomes of one claimed message: the fields to set, and whether the attempt it was
/// claimed for does not count (a deferral or a message left unsent is not an attempt).
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The message.
    pub id: String,
    /// The claim that holds it; a message claimed again since (its lease ran out) is not touched.
    pub claim: ObjectId,
    /// Fields to set.
    pub set: Document,
    /// Take back the attempt the claim counted.
    pub not_an_attempt: bool,
}

impl Outbox {
    /// Claims up to `limit` messages of `channel` that are due (or whose lease ran out), oldest
    /// `next_at` first, until `lease_until`: one read of candidates, then one update command
    /// whose statement per candidate takes it only if its version is still the one read (so
    /// one claimed or settled by another worker meanwhile is left alone). Each returned
    /// message carries its claim and counted attempt.
    pub async fn claim_batch(
        &self,
        channel: Channel,
        now: bson::DateTime,
        lease_until: bson::DateTime,
        limit: usize,
    ) -> Result<Vec<OutboxDoc>, AppError> {
        let due = doc! {
            "channel": channel.as_str(),
            "$or": [
                { "status": OutboxStatus::Pending.as_str(), "next_at": { "$lte": now } },
                { "status": OutboxStatus::Sending.as_str(), "lease_until": { "$lte": now } },
            ],
        };
        let mut found: Vec<OutboxDoc> = self
            .collection
            .find(due)
            .sort(doc! { "next_at": 1 })
            .limit(i64::try_from(limit.max(1)).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        if found.is_empty() {
            return Ok(found);
        }
        let claim = ObjectId::new();
        let statements = found
            .iter()
            .map(|item| {
                let read = item.claim.map_or(Bson::Null, Bson::ObjectId);
                doc! {
                    "q": { "_id": &item.id, "claim": read },
                    "u": {
                        "$set": {
                            "status": OutboxStatus::Sending.as_str(),
                            "lease_until": lease_until,
                            "claim": claim,
                        },
                        "$inc": { "attempts": 1 },
                    },
                }
            })
            .collect();
        let taken = update_statements(&self.db, super::COLLECTION, statements, false).await?;
        if taken != found.len() {
            // Another worker moved some first: ours are those now carrying this claim.
            let ids: Vec<&str> = found.iter().map(|item| item.id.as_str()).collect();
            let mut mine: Vec<OutboxDoc> = self
                .collection
                .find(doc! { "_id": { "$in": ids } })
                .await?
                .try_collect()
                .await?;
            mine.retain(|item| item.claim == Some(claim));
            mine.sort_by_key(|item| item.next_at);
            return Ok(mine);
        }
        for item in &mut found {
            item.status = OutboxStatus::Sending;
            item.lease_until = Some(lease_until);
            item.claim = Some(claim);
            item.attempts += 1;
        }
        Ok(found)
    }

    /// For each of `profiles`, how many messages were sent to them on `channel` since `since`,
    /// on any campaign (profiles with none are absent): one aggregation for a whole batch.
    pub async fn sent_counts(
        &self,
        profiles: &[ObjectId],
        channel: Channel,
        since: bson::DateTime,
    ) -> Result<HashMap<ObjectId, u64>, AppError> {
        let pipeline = vec![
            doc! { "$match": {
                "profile_id": { "$in": profiles },
                "channel": channel.as_str(),
                "status": OutboxStatus::Sent.as_str(),
                "sent_at": { "$gte": since },
            } },
            doc! { "$group": { "_id": "$profile_id", "n": { "$sum": 1 } } },
        ];
        let mut counts = HashMap::new();
        self.count_by_profile(pipeline, &mut counts).await?;
        Ok(counts)
    }

    /// Settles claimed messages, one statement each in one command, each giving its message a
    /// new version; a message whose claim is no longer current (claimed again after its lease
    /// ran out) is left alone. Returns how many were settled.
    pub async fn settle_many(&self, settled: &[Settlement]) -> Result<usize, AppError> {
        let statements = settled
            .iter()
            .map(|s| {
                let mut set = s.set.clone();
                set.insert("claim", ObjectId::new());
                let mut update = doc! { "$set": set, "$unset": { "lease_until": "" } };
                if s.not_an_attempt {
                    update.insert("$inc", doc! { "attempts": -1 });
                }
                doc! { "q": { "_id": &s.id, "claim": s.claim }, "u": update }
            })
            .collect();
        update_statements(&self.db, super::COLLECTION, statements, false).await
    }
}
