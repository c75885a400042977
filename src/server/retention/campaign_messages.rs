//! Campaign messages leaving retention: only settled ones (never queued, in flight or paused),
//! sent before the cutoff too, with their conversion settled where the campaign has a goal, and
//! none of a triggered campaign whose trigger watermark is older than the cutoff (the scheduler
//! tells entries it has queued by their messages). Each batch is tallied per campaign before it
//! is deleted, so results, totals and statuses keep counting it.
use crate::{
    error::AppError,
    server::{
        campaigns::{CampaignService, tally::Tally},
        db::{
            campaign_tallies::{CampaignTallies, TallyDoc},
            outbox::{OutboxDoc, OutboxStatus, RETIRING},
        },
    },
};
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, Document, doc, oid::ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The filter of messages that may go at `cutoff`.
pub async fn expired(
    service: &CampaignService,
    cutoff: bson::DateTime,
) -> Result<Document, AppError> {
    let campaigns = service.campaigns.list().await?;
    let watermark_behind: Vec<ObjectId> = campaigns
        .iter()
        .filter(|c| c.trigger_since.is_some_and(|since| since < cutoff))
        .map(|c| c.id)
        .collect();
    let with_goal: Vec<ObjectId> = campaigns
        .iter()
        .filter(|c| c.definition.conversion.is_some())
        .map(|c| c.id)
        .collect();
    let unsettled = [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Paused,
    ]
    .map(OutboxStatus::as_str);
    let counted = [OutboxStatus::Sent, OutboxStatus::HeldOut].map(OutboxStatus::as_str);
    Ok(doc! {
        "created_at": { "$lt": cutoff },
        "status": { "$nin": unsettled.to_vec() },
        "campaign_id": { "$nin": watermark_behind },
        "$or": [{ "sent_at": { "$exists": false } }, { "sent_at": { "$lt": cutoff } }],
        "$nor": [{
            "campaign_id": { "$in": with_goal },
            "status": { "$in": counted.to_vec() },
            "settled": { "$exists": false },
        }],
    })
}

/// Adds `batch` (whole messages) to their campaigns' tallies, then deletes it; how many went.
/// Under the identity lease, so forgetting a person (which rewrites their messages and scrubs
/// tallies) never runs between the tally and the deletion.
pub async fn tally_and_delete(
    service: &CampaignService,
    batch: Vec<Document>,
) -> Result<u64, AppError> {
    service.graph.lease.hold(tally_held(service, batch)).await
}

async fn tally_held(service: &CampaignService, batch: Vec<Document>) -> Result<u64, AppError> {
    let outbox = &service.outbox.collection;
    // Marked only if still as read: a failed message re-queued meanwhile (a retry) stays
    // queued, and retries leave marked messages alone from here on.
    let mut by_status: BTreeMap<String, Vec<Bson>> = BTreeMap::new();
    for doc in &batch {
        if let (Ok(status), Some(id)) = (doc.get_str("status"), doc.get("_id")) {
            by_status
                .entry(status.to_owned())
                .or_default()
                .push(id.clone());
        }
    }
    for (status, ids) in by_status {
        outbox
            .update_many(
                doc! { "_id": { "$in": ids }, "status": status },
                doc! { "$set": { RETIRING: true } },
            )
            .await?;
    }
    let ids: Vec<Bson> = batch.iter().filter_map(|d| d.get("_id").cloned()).collect();
    let items: Vec<OutboxDoc> = outbox
        .find(doc! { "_id": { "$in": ids }, RETIRING: true })
        .await?
        .try_collect()
        .await?;
    let mut by_campaign: BTreeMap<ObjectId, Vec<&OutboxDoc>> = BTreeMap::new();
    for item in &items {
        by_campaign.entry(item.campaign_id).or_default().push(item);
    }
    let campaigns: Vec<ObjectId> = by_campaign.keys().copied().collect();
    let tallies = CampaignTallies::new(&service.db);
    let mut stored: HashMap<ObjectId, TallyDoc> = tallies
        .of(&campaigns)
        .await?
        .into_iter()
        .map(|t| (t.campaign, t))
        .collect();
    for (campaign, mine) in by_campaign {
        let mut doc = stored.remove(&campaign).unwrap_or_else(|| TallyDoc {
            campaign,
            ..TallyDoc::default()
        });
        // Tallied by a batch that stopped before deleting them: counted already.
        let counted: HashSet<String> = std::mem::take(&mut doc.last_tallied).into_iter().collect();
        let fresh: Vec<&OutboxDoc> = mine
            .iter()
            .copied()
            .filter(|i| !counted.contains(&i.id))
            .collect();
        let converted = fresh
            .iter()
            .filter_map(|i| Some((i.id.clone(), i.settled?.converted_at?.to_chrono())))
            .collect();
        doc.tally.add(&Tally::of(fresh, &converted));
        doc.last_tallied = mine.iter().map(|i| i.id.clone()).collect();
        service.graph.lease.check()?;
        tallies.put(&mut doc).await?;
    }
    let ids: Vec<&String> = items.iter().map(|i| &i.id).collect();
    let deleted = outbox
        .delete_many(doc! { "_id": { "$in": ids }, RETIRING: true })
        .await?
        .deleted_count;
    tallies.clear_last(&campaigns).await?;
    Ok(deleted)
}
