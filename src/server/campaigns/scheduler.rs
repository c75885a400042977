//! The clock: starts scheduled and recurring runs when due, queues a message within a second of
//! a profile entering a triggered campaign's segment, and marks finished sends completed. Every
//! step is safe on several instances at once: runs are claimed, outbox keys are unique.
use super::{CampaignService, audience::Occasion, timing};
use crate::{
    error::AppError,
    model::campaign::{CampaignStatus, Schedule},
    server::db::{campaigns::CampaignDoc, events, memberships::TRANSITIONS, outbox::outbox_key},
};
use chrono::{Duration, Utc};
use futures::TryStreamExt;
use mongodb::bson::{self, Bson, Document, doc, oid::ObjectId};

/// Entries are re-read this far back, so one written late by another instance is not missed
/// (outbox keys make the overlap harmless).
const TRIGGER_OVERLAP_SECONDS: i64 = 5;
/// Entries handled per campaign per tick.
const TRIGGER_BATCH: i64 = 1_000;

/// Runs the scheduler until the task is stopped.
pub async fn run(service: CampaignService) {
    loop {
        if let Err(err) = tick(&service).await {
            tracing::warn!(%err, "campaign scheduler tick failed; retrying");
        }
        tokio::time::sleep(service.env.tick).await;
    }
}

/// One pass over every launched campaign.
pub async fn tick(service: &CampaignService) -> Result<(), AppError> {
    let now = Utc::now();
    let due = |c: &CampaignDoc| c.next_run_at.is_some_and(|at| at.to_chrono() <= now);
    for campaign in service
        .campaigns
        .with_status(CampaignStatus::Scheduled)
        .await?
    {
        if due(&campaign) {
            service
                .claim_and_run(&campaign, None, CampaignStatus::Sending)
                .await?;
        }
    }
    for campaign in service
        .campaigns
        .with_status(CampaignStatus::Active)
        .await?
    {
        match &campaign.definition.schedule {
            Schedule::Recurring { .. } if due(&campaign) => {
                let next = timing::next_run(&campaign.definition.schedule, now)?;
                let next = next.map(bson::DateTime::from_chrono);
                service
                    .claim_and_run(&campaign, next, CampaignStatus::Active)
                    .await?;
            }
            Schedule::Triggered { segment_id } => {
                triggered(service, &campaign, segment_id).await?;
            }
            _ => {}
        }
    }
    for campaign in service
        .campaigns
        .with_status(CampaignStatus::Sending)
        .await?
    {
        service.complete_if_settled(campaign.id).await?;
    }
    Ok(())
}

/// Queues a run for each new entry into `segment_id` since the campaign last looked.
async fn triggered(
    service: &CampaignService,
    campaign: &CampaignDoc,
    segment_id: &str,
) -> Result<(), AppError> {
    let Ok(segment) = segment_id.parse::<ObjectId>() else {
        return Ok(());
    };
    let since = campaign
        .trigger_since
        .map_or_else(Utc::now, |d| d.to_chrono());
    let mut from = since - Duration::seconds(TRIGGER_OVERLAP_SECONDS);
    if let Some(floor) = campaign.trigger_floor {
        from = from.max(floor.to_chrono());
    }
    let entries: Vec<Document> = service
        .db
        .collection::<Document>(TRANSITIONS)
        .find(doc! {
            "segment_id": segment,
            "kind": "entered",
            "at": { "$gte": bson::DateTime::from_chrono(from) },
        })
        .sort(doc! { "at": 1 })
        .limit(TRIGGER_BATCH)
        .await?
        .try_collect()
        .await?;
    let mut newest = since;
    for entry in entries {
        let (Ok(id), Ok(profile), Ok(at)) = (
            entry.get_object_id("_id"),
            entry.get_object_id("profile_id"),
            entry.get_datetime("at"),
        ) else {
            continue;
        };
        newest = newest.max(at.to_chrono());
        let run = format!("t{}", id.to_hex());
        if service
            .outbox
            .get(&outbox_key(campaign.id, &run, profile))
            .await?
            .is_some()
        {
            continue;
        }
        let occasion = Occasion {
            run,
            only: Some(profile),
            trigger: latest_event(service, profile).await?,
            at: Utc::now(),
        };
        service.start_run(campaign, &occasion).await?;
    }
    if newest > since {
        let newest = bson::DateTime::from_chrono(newest);
        service
            .campaigns
            .set_trigger_since(campaign.id, newest)
            .await?;
    }
    Ok(())
}

/// The person's latest event (its name and properties), for `{{ event.… }}` in templates.
async fn latest_event(
    service: &CampaignService,
    profile: ObjectId,
) -> Result<Option<Document>, AppError> {
    let found = service
        .db
        .collection::<Document>(events::COLLECTION)
        .find_one(doc! { "profile_id": profile })
        .sort(doc! { "timestamp": -1 })
        .await?;
    Ok(found.map(|event| {
        let name = event.get_str("event").unwrap_or_default().to_owned();
        let properties = event
            .get_document("message")
            .ok()
            .and_then(|m| m.get_document("raw").ok())
            .and_then(|raw| raw.get("properties").cloned())
            .unwrap_or(Bson::Document(Document::new()));
        doc! { "name": name, "properties": properties }
    }))
}
