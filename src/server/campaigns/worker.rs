//! The delivery worker, one per channel: claims due outbox messages, paces them to the channel's
//! rate, re-checks consent, the cap and quiet hours, renders and sends, then settles each
//! (sent, retried with exponential backoff, or failed for good with the reason).
use super::{
    CampaignService,
    channels::{Delivery, SendError},
    prepare::{Outcome, prepare},
};
use crate::{
    error::AppError,
    model::{
        campaign::{CampaignStatus, Channel},
        campaign_settings::CampaignSettings,
        live::LiveMessage,
    },
    server::db::{
        campaign_settings::Secrets,
        campaigns::CampaignDoc,
        outbox::{OutboxDoc, OutboxStatus},
        profile_doc::ProfileDoc,
    },
};
use chrono::Utc;
use futures::FutureExt as _;
use mongodb::bson::{self, Bson, Document, doc};
use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};

/// Messages of one channel in flight at once.
const PARALLEL: usize = 8;
/// Settings are re-read at most this often.
const SETTINGS_TTL: Duration = Duration::from_secs(1);

/// Settings as read at an instant, with the save generation they reflect.
type Cached = (Instant, u64, Arc<(CampaignSettings, Secrets)>);

/// Runs the worker for `channel` until its task is stopped (which stops its sends too).
pub async fn run(service: CampaignService, channel: Channel) {
    let slots = Arc::new(Semaphore::new(PARALLEL));
    let mut sends = JoinSet::new();
    let mut pace = Pace::default();
    let mut cached: Option<Cached> = None;
    loop {
        while sends.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let generation = service.settings.generation();
        let config = match cached
            .as_ref()
            .filter(|(at, seen, _)| at.elapsed() < SETTINGS_TTL && *seen == generation)
        {
            Some((_, _, config)) => config.clone(),
            None => match load(&service).await {
                Ok(config) => {
                    cached = Some((Instant::now(), generation, config.clone()));
                    config
                }
                Err(err) => {
                    tracing::warn!(%err, "campaign settings unreadable; retrying");
                    tokio::time::sleep(service.env.tick).await;
                    continue;
                }
            },
        };
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(service.env.lease).unwrap_or_default();
        let claimed = service
            .outbox
            .claim(
                channel,
                bson::DateTime::from_chrono(now),
                bson::DateTime::from_chrono(lease),
            )
            .await;
        match claimed {
            Ok(Some(item)) => {
                pace.wait(config.0.limits_of(channel).per_second).await;
                let service = service.clone();
                sends.spawn(async move {
                    let _slot = slot;
                    isolated(&service, &config.0, &config.1, item).await;
                });
            }
            Ok(None) => tokio::time::sleep(service.env.tick).await,
            Err(err) => {
                tracing::warn!(%err, "the outbox could not be read; retrying");
                tokio::time::sleep(service.env.tick).await;
            }
        }
    }
}

async fn load(service: &CampaignService) -> Result<Arc<(CampaignSettings, Secrets)>, AppError> {
    let settings = service.settings.load().await?.settings;
    let secrets = service.settings.secrets().await?;
    Ok(Arc::new((settings, secrets)))
}

/// Spaces sends at most `per_second` apart.
#[derive(Default)]
struct Pace {
    next: Option<tokio::time::Instant>,
}

impl Pace {
    async fn wait(&mut self, per_second: u32) {
        let gap = Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)));
        let now = tokio::time::Instant::now();
        let at = self.next.map_or(now, |next| next.max(now));
        tokio::time::sleep_until(at).await;
        self.next = Some(at + gap);
    }
}

/// Delivers `item`; a panic anywhere in its send fails this message (instead of leaving it
/// claimed, to be claimed and panic again when its lease runs out) and nothing else.
async fn isolated(
    service: &CampaignService,
    settings: &CampaignSettings,
    secrets: &Secrets,
    item: OutboxDoc,
) {
    let claimed = item.clone();
    let settled = match contain(deliver(service, settings, secrets, item)).await {
        Some(settled) => settled,
        None => {
            tracing::error!(message = %claimed.id, "a campaign send panicked; the message failed");
            let reason = "internal_error: the message could not be sent".to_owned();
            settle(service, &claimed, Outcome::Failed(reason)).await
        }
    };
    if let Err(err) = settled {
        tracing::warn!(%err, "a campaign message could not be settled");
    }
}

/// `work`'s result, or `None` if it panicked (the panic goes no further).
async fn contain<T>(work: impl Future<Output = T>) -> Option<T> {
    // The future is dropped on a panic; nothing it touched is used again.
    AssertUnwindSafe(work).catch_unwind().await.ok()
}

/// Sends one claimed message and settles it.
async fn deliver(
    service: &CampaignService,
    settings: &CampaignSettings,
    secrets: &Secrets,
    item: OutboxDoc,
) -> Result<(), AppError> {
    let campaign = service.campaigns.get(item.campaign_id).await?;
    let outcome = match &campaign {
        None => Outcome::Leave(OutboxStatus::Cancelled, "the campaign was deleted".into()),
        Some(c) if c.status == CampaignStatus::Paused => {
            Outcome::Leave(OutboxStatus::Paused, String::new())
        }
        Some(c) if c.status == CampaignStatus::Cancelled => {
            Outcome::Leave(OutboxStatus::Cancelled, "the campaign was cancelled".into())
        }
        Some(c) => attempt(service, settings, secrets, c, &item).await?,
    };
    // Completion is the scheduler's to notice (every tick), not two more reads per message.
    settle(service, &item, outcome).await
}

async fn attempt(
    service: &CampaignService,
    settings: &CampaignSettings,
    secrets: &Secrets,
    campaign: &CampaignDoc,
    item: &OutboxDoc,
) -> Result<Outcome, AppError> {
    let message = match prepare(service, settings, secrets, campaign, item).await? {
        Ok(message) => message,
        Err(outcome) => return Ok(outcome),
    };
    let delivery = Delivery {
        service,
        settings,
        secrets,
    };
    let outgoing = message.outgoing(item, campaign);
    let sent = delivery.send(item.channel, &outgoing).await;
    if sent.is_ok() {
        announce(service, campaign, item.channel, &message.profile);
    }
    Ok(outcome_of(service, settings, item, sent))
}

/// What a send's result means for the message: sent, retried later, or failed for good.
fn outcome_of(
    service: &CampaignService,
    settings: &CampaignSettings,
    item: &OutboxDoc,
    sent: Result<(), SendError>,
) -> Outcome {
    match sent {
        Ok(()) => Outcome::Sent,
        Err(SendError::Permanent(reason)) => Outcome::Failed(reason),
        Err(SendError::Transient(reason)) if item.attempts >= settings.max_attempts.max(1) => {
            Outcome::Failed(format!(
                "gave up after {} attempts: {reason}",
                item.attempts
            ))
        }
        Err(SendError::Transient(reason)) => {
            let exponent = item.attempts.saturating_sub(1).min(16);
            let delay = service.env.retry_base * 2u32.pow(exponent);
            let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
            Outcome::Retry(at, reason)
        }
    }
}

fn announce(
    service: &CampaignService,
    campaign: &CampaignDoc,
    channel: Channel,
    profile: &ProfileDoc,
) {
    service.hub.publish(LiveMessage::CampaignSend {
        campaign_id: campaign.id.to_hex(),
        campaign: campaign.definition.name.clone(),
        channel: channel.as_str().to_owned(),
        profile_id: profile.id.to_hex(),
        at: Utc::now(),
    });
}

async fn settle(
    service: &CampaignService,
    item: &OutboxDoc,
    outcome: Outcome,
) -> Result<(), AppError> {
    let now = bson::DateTime::now();
    let mut set: Document = match outcome {
        Outcome::Sent => {
            doc! { "status": "sent", "sent_at": now, "delivered": true, "error": Bson::Null }
        }
        Outcome::Retry(at, reason) => {
            doc! { "status": "pending", "next_at": bson::DateTime::from_chrono(at), "error": reason }
        }
        Outcome::Failed(reason) => doc! { "status": "failed", "error": reason },
        Outcome::Deferred(until) => doc! {
            "status": "pending",
            "next_at": bson::DateTime::from_chrono(until),
            "deferrals": i64::from(item.deferrals + 1),
            // A deferral is not an attempt.
            "attempts": i64::from(item.attempts.saturating_sub(1)),
        },
        Outcome::Leave(status, reason) => {
            let mut set = doc! { "status": status.as_str(), "attempts": i64::from(item.attempts.saturating_sub(1)) };
            if !reason.is_empty() {
                set.insert("error", reason);
            }
            set
        }
    };
    if !set.contains_key("error") {
        set.insert("error", Bson::Null);
    }
    service.outbox.settle(item, set).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::contain;

    #[tokio::test]
    async fn a_panicking_send_is_contained() {
        assert_eq!(contain(async { 7 }).await, Some(7));
        let panicked = contain(async {
            if contain(async { 1 }).await.is_some() {
                panic!("a send panicked");
            }
            2
        })
        .await;
        assert_eq!(panicked, None);
    }
}
