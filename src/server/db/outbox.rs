//! The `outbox` collection: one document per (campaign, run, profile), the unit the delivery
//! worker claims, sends, retries and settles. The key is the `_id`, so drawing a run twice (a
//! restart, a second instance) never queues anyone twice.
use crate::{
    error::AppError, model::campaign::Channel, server::db::campaign_tallies::CampaignTallies,
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

mod claims;
mod totals;

pub use claims::Settlement;

/// Collection name.
pub const COLLECTION: &str = "outbox";
/// Set on a message retention has claimed for tallying and deleting: nothing else changes it.
pub const RETIRING: &str = "retiring";

/// Where one message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for `next_at` (new, retrying, or deferred by quiet hours).
    Pending,
    /// Claimed by a worker until `lease_until`.
    Sending,
    /// Handed to the channel.
    Sent,
    /// Failed for good (`error` says why).
    Failed,
    /// In the control group: never sent, counted for uplift.
    HeldOut,
    /// Left out by the frequency cap.
    Capped,
    /// Waiting while its campaign is paused.
    Paused,
    /// Dropped: its campaign was cancelled.
    Cancelled,
    /// Not sent: the person withdrew consent or became unreachable after it was queued.
    Skipped,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::HeldOut => "held_out",
            OutboxStatus::Capped => "capped",
            OutboxStatus::Paused => "paused",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::Skipped => "skipped",
        }
    }
}

/// One message to one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxDoc {
    /// `campaignId:run:profileId`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Campaign.
    pub campaign_id: ObjectId,
    /// The run: its number from 1, or for triggered campaigns `t` and the segment entry's id.
    pub run: String,
    /// Recipient.
    pub profile_id: ObjectId,
    /// Channel.
    pub channel: Channel,
    /// Variant key, or `holdout`.
    pub variant: String,
    /// Status.
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not to be tried before.
    pub next_at: bson::DateTime,
    /// A claimed message whose lease ran out is claimed again (its worker died).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<bson::DateTime>,
    /// Queued.
    pub created_at: bson::DateTime,
    /// Handed to the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<bson::DateTime>,
    /// Accepted by the receiving side.
    #[serde(default)]
    pub delivered: bool,
    /// First open (email pixel) or read (in-app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<bson::DateTime>,
    /// First tracked click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked_at: Option<bson::DateTime>,
    /// Times quiet hours pushed it back.
    #[serde(default)]
    pub deferrals: u32,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The event that triggered the send (its name and properties), for triggered campaigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Document>,
    /// Its version: a fresh token at every claim and every settle. A worker claims only the
    /// version it read and settles only the version its claim wrote, so a message settled or
    /// claimed by someone else in between is never taken or overwritten. `None` until the
    /// first claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<ObjectId>,
    /// Its conversion, settled once the window closed: results read this instead of events,
    /// which retention may delete since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<SettledConversion>,
}

/// A conversion whose window has closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledConversion {
    /// When the person converted (credited to this message), if they did.
    pub converted_at: Option<bson::DateTime>,
}

/// The outbox key.
pub fn outbox_key(campaign: ObjectId, run: &str, profile: ObjectId) -> String {
    format!("{campaign}:{run}:{profile}")
}

/// The campaign and recipient an outbox key names (also once retention deleted the message).
pub fn parse_outbox_key(key: &str) -> Option<(ObjectId, ObjectId)> {
    let mut parts = key.split(':');
    let campaign = parts.next()?.parse().ok()?;
    let profile = parts.next_back()?.parse().ok()?;
    Some((campaign, profile))
}

/// Repository over `outbox`.
#[derive(Clone, Debug)]
pub struct Outbox {
    /// The collection, for the aggregations in `campaigns::results`.
    pub collection: Collection<OutboxDoc>,
    /// For commands the collection handle does not offer (multi-statement updates).
    db: Database,
}

impl Outbox {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Queues `docs`, skipping those already queued; returns how many were new.
    pub async fn enqueue(&self, docs: &[OutboxDoc]) -> Result<usize, AppError> {
        let mut added = 0;
        for chunk in docs.chunks(1_000) {
            match self.collection.insert_many(chunk).ordered(false).await {
                Ok(result) => added += result.inserted_ids.len(),
                Err(err) => match super::duplicate_indexes(&err) {
                    Some(duplicates) => added += chunk.len() - duplicates.len(),
                    None => return Err(err.into()),
                },
            }
        }
        Ok(added)
    }

    /// Moves every message of `campaign` in one of `from` to `to`; returns how many moved.
    pub async fn move_all(
        &self,
        campaign: ObjectId,
        from: &[OutboxStatus],
        to: OutboxStatus,
    ) -> Result<u64, AppError> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let result = self
            .collection
            .update_many(
                doc! { "campaign_id": campaign, "status": { "$in": from } },
                doc! { "$set": { "status": to.as_str() } },
            )
            .await?;
        Ok(result.modified_count)
    }

    /// For each of `profiles`, how many messages on `channel` count against the cap since
    /// `since` (profiles with none are absent).
    pub async fn cap_counts(
        &self,
        profiles: &[ObjectId],
        channel: Channel,
        since: bson::DateTime,
    ) -> Result<std::collections::HashMap<ObjectId, u64>, AppError> {
        let mut counts = std::collections::HashMap::new();
        for chunk in profiles.chunks(1_000) {
            let pipeline = vec![
                doc! { "$match": {
                    "profile_id": { "$in": chunk },
                    "channel": channel.as_str(),
                    "$or": [
                        { "status": OutboxStatus::Sent.as_str(), "sent_at": { "$gte": since } },
                        { "status": { "$in": ["pending", "sending", "paused"] }, "created_at": { "$gte": since } },
                    ],
                } },
                doc! { "$group": { "_id": "$profile_id", "n": { "$sum": 1 } } },
            ];
            self.count_by_profile(pipeline, &mut counts).await?;
        }
        Ok(counts)
    }

    /// Adds the `{_id: profile, n}` rows of `pipeline` to `counts`.
    async fn count_by_profile(
        &self,
        pipeline: Vec<Document>,
        counts: &mut std::collections::HashMap<ObjectId, u64>,
    ) -> Result<(), AppError> {
        let mut cursor = self.collection.aggregate(pipeline).await?;
        while let Some(row) = cursor.try_next().await? {
            if let Ok(id) = row.get_object_id("_id") {
                let n = row
                    .get_i32("n")
                    .map(i64::from)
                    .or_else(|_| row.get_i64("n"));
                counts.insert(id, n.unwrap_or(0).max(0) as u64);
            }
        }
        Ok(())
    }

    /// Whether `campaign` still has messages waiting or in flight.
    pub async fn has_unsettled(&self, campaign: ObjectId) -> Result<bool, AppError> {
        let filter = doc! {
            "campaign_id": campaign,
            "status": { "$in": ["pending", "sending", "paused"] },
        };
        Ok(self.collection.count_documents(filter).await? > 0)
    }

    /// Messages of `campaign` sent so far ([`OutboxStatus::is_sent`]).
    pub async fn count_sent(&self, campaign: ObjectId) -> Result<u64, AppError> {
        Ok(self.totals_of(campaign).await?.sent)
    }

    /// One message.
    pub async fn get(&self, id: &str) -> Result<Option<OutboxDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// Every message of `campaign`.
    pub async fn of_campaign(&self, campaign: ObjectId) -> Result<Vec<OutboxDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "campaign_id": campaign })
            .await?
            .try_collect()
            .await?)
    }

    /// Messages to any of `profiles`, newest first.
    pub async fn of_profiles(&self, profiles: &[ObjectId]) -> Result<Vec<OutboxDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "profile_id": { "$in": profiles } })
            .sort(doc! { "created_at": -1 })
            .limit(200)
            .await?
            .try_collect()
            .await?)
    }

    /// Forgetting `profiles`: their messages stay counted in campaign results, but under a
    /// stand-in recipient id linked to no one, without the triggering event or the failure
    /// text; those not yet sent are skipped. Returns how many were kept that way.
    pub async fn forget(&self, profiles: &[ObjectId]) -> Result<usize, AppError> {
        let filter = doc! { "profile_id": { "$in": profiles } };
        let items: Vec<OutboxDoc> = self
            .collection
            .find(filter.clone())
            .await?
            .try_collect()
            .await?;
        // Those a retention sweep has tallied already are counted there: they only go.
        let campaigns: Vec<ObjectId> = items.iter().map(|i| i.campaign_id).collect();
        let tallied: std::collections::HashSet<String> = CampaignTallies::new(&self.db)
            .of(&campaigns)
            .await?
            .into_iter()
            .flat_map(|t| t.last_tallied)
            .collect();
        let kept: Vec<OutboxDoc> = items
            .into_iter()
            .filter(|i| !tallied.contains(&i.id))
            .map(anonymous)
            .collect();
        // Copies first: a crash in between leaves a message counted twice, never a name kept.
        self.enqueue(&kept).await?;
        self.collection.delete_many(filter).await?;
        Ok(kept.len())
    }

    /// Whether `campaign` has a sent or held-out message queued before `before` whose
    /// conversion is not settled.
    pub async fn has_unsettled_conversions(
        &self,
        campaign: ObjectId,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, AppError> {
        let counted = [OutboxStatus::Sent, OutboxStatus::HeldOut].map(OutboxStatus::as_str);
        let filter = doc! {
            "campaign_id": campaign,
            "status": { "$in": counted.to_vec() },
            "settled": { "$exists": false },
            "created_at": { "$lt": bson::DateTime::from_chrono(before) },
        };
        let found = self
            .collection
            .clone_with_type::<Document>()
            .find_one(filter)
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(found.is_some())
    }

    /// Writes each message's settled conversion (`None`: it did not convert); messages settled
    /// already keep theirs. How many were settled now.
    pub async fn settle(
        &self,
        outcomes: &[(String, Option<chrono::DateTime<chrono::Utc>>)],
    ) -> Result<u64, AppError> {
        let unsettled =
            |ids: Vec<&String>| doc! { "_id": { "$in": ids }, "settled": { "$exists": false } };
        let none: Vec<&String> = outcomes
            .iter()
            .filter(|(_, at)| at.is_none())
            .map(|(id, _)| id)
            .collect();
        let mut settled = 0;
        if !none.is_empty() {
            let set = doc! { "$set": { "settled": { "converted_at": bson::Bson::Null } } };
            settled += self
                .collection
                .update_many(unsettled(none), set)
                .await?
                .modified_count;
        }
        // One write per conversion: each has its own time.
        for (id, at) in outcomes {
            let Some(at) = at else { continue };
            let at = bson::DateTime::from_chrono(*at);
            let set = doc! { "$set": { "settled": { "converted_at": at } } };
            settled += self
                .collection
                .update_one(unsettled(vec![id]), set)
                .await?
                .modified_count;
        }
        Ok(settled)
    }

    /// Records the first open or click (`field` is `opened_at` or `clicked_at`).
    pub async fn mark_first(&self, id: &str, field: &str) -> Result<(), AppError> {
        let mut filter = doc! { "_id": id };
        filter.insert(field, bson::Bson::Null);
        let mut set = Document::new();
        set.insert(field, bson::DateTime::now());
        self.collection
            .update_one(filter, doc! { "$set": set })
            .await?;
        Ok(())
    }
}

/// `item` about no one: a fresh stand-in recipient (and so a fresh key), no trigger, no error
/// text (an SMTP reply may quote the address); unsent ones skipped.
fn anonymous(item: OutboxDoc) -> OutboxDoc {
    let stand_in = ObjectId::new();
    let unsettled = [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Paused,
    ];
    OutboxDoc {
        id: outbox_key(item.campaign_id, &item.run, stand_in),
        profile_id: stand_in,
        status: if unsettled.contains(&item.status) {
            OutboxStatus::Skipped
        } else {
            item.status
        },
        lease_until: None,
        claim: None,
        error: item.error.map(|_| FORGOTTEN_ERROR.to_owned()),
        trigger: None,
        ..item
    }
}

/// The failure text a forgotten recipient's failed message keeps.
pub const FORGOTTEN_ERROR: &str = "recipient forgotten; failure details removed";
