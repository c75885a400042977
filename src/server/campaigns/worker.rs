//! The delivery worker, one per channel: claims due outbox messages a batch at a time (about a
//! quarter second of sends at the channel's rate), reads what they are checked against at once,
//! re-checks consent, the cap and quiet hours, renders and sends them paced to the channel's
//! rate, and settles them (sent, retried with exponential backoff, or failed for good with the
//! reason) in as few commands as the sends allow: each settle command takes every outcome that
//! arrived while the previous one was under way.
use super::{
    CampaignService,
    channels::{Delivery, SendError},
    prepare::{Batch, Outcome, render},
};
use crate::{
    error::AppError,
    model::{campaign::Channel, campaign_settings::CampaignSettings, live::LiveMessage},
    server::db::{
        campaign_settings::Secrets,
        campaigns::CampaignDoc,
        outbox::{OutboxDoc, Settlement},
        profile_doc::ProfileDoc,
    },
};
use chrono::Utc;
use futures::{FutureExt as _, StreamExt as _, stream};
use mongodb::bson::{self, Bson, Document, doc};
use std::{
    panic::AssertUnwindSafe,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// Messages of one channel in flight at once.
const PARALLEL: usize = 8;
/// Messages claimed at once, at most (fewer when the channel's rate is lower).
const BATCH: usize = 100;
/// A batch holds about this fraction of a second of the channel's sends: its checks were made
/// when it was claimed, so a pause or a withdrawn consent reaches the sends within that time.
const BATCHES_PER_SECOND: u32 = 4;
/// Settings are re-read at most this often.
const SETTINGS_TTL: Duration = Duration::from_secs(1);

/// Settings as read at an instant, with the save generation they reflect.
type Cached = (Instant, u64, Arc<(CampaignSettings, Secrets)>);

/// Runs the worker for `channel` until its task is stopped (which stops its sends too).
pub async fn run(service: CampaignService, channel: Channel) {
    let pace = Pace::default();
    let mut cached: Option<Cached> = None;
    loop {
        let config = match settings(&service, &mut cached).await {
            Ok(config) => config,
            Err(err) => {
                tracing::warn!(%err, "campaign settings unreadable; retrying");
                tokio::time::sleep(service.env.tick).await;
                continue;
            }
        };
        let per_second = config.0.limits_of(channel).per_second;
        let limit = usize::try_from(per_second / BATCHES_PER_SECOND)
            .unwrap_or(BATCH)
            .clamp(1, BATCH);
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(service.env.lease).unwrap_or_default();
        let claim_started = Instant::now();
        let claimed = service
            .outbox
            .claim_batch(
                channel,
                bson::DateTime::from_chrono(now),
                bson::DateTime::from_chrono(lease),
                limit,
            )
            .await;
        match claimed {
            Ok(items) if items.is_empty() => tokio::time::sleep(service.env.tick).await,
            Ok(items) => {
                let claim_ms = claim_started.elapsed().as_millis() as u64;
                tracing::debug!(claimed = items.len(), claim_ms, "campaign messages claimed");
                let batch = deliver_batch(&service, &config, &pace, per_second, items);
                if let Err(err) = batch.await {
                    // The batch stays claimed and is claimed again when its lease runs out.
                    tracing::warn!(%err, "a batch of campaign messages could not be prepared");
                    tokio::time::sleep(service.env.tick).await;
                }
            }
            Err(err) => {
                tracing::warn!(%err, "the outbox could not be read; retrying");
                tokio::time::sleep(service.env.tick).await;
            }
        }
    }
}

/// The settings, re-read when older than [`SETTINGS_TTL`] or saved since.
async fn settings(
    service: &CampaignService,
    cached: &mut Option<Cached>,
) -> Result<Arc<(CampaignSettings, Secrets)>, AppError> {
    let generation = service.settings.generation();
    if let Some((_, _, config)) = cached
        .as_ref()
        .filter(|(at, seen, _)| at.elapsed() < SETTINGS_TTL && *seen == generation)
    {
        return Ok(config.clone());
    }
    let settings = service.settings.load().await?.settings;
    let secrets = service.settings.secrets().await?;
    let config = Arc::new((settings, secrets));
    *cached = Some((Instant::now(), generation, config.clone()));
    Ok(config)
}

/// Time a batch's messages spent rendering and sending, summed over messages (µs), for the
/// batch's debug line.
#[derive(Default)]
struct Spent {
    render: AtomicU64,
    send: AtomicU64,
}

impl Spent {
    fn add(&self, total: &AtomicU64, since: Instant) {
        let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        total.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Spaces sends at most `per_second` apart, whichever send asks first.
#[derive(Default)]
struct Pace {
    next: Mutex<Option<tokio::time::Instant>>,
}

impl Pace {
    async fn wait(&self, per_second: u32) {
        let gap = Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)));
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = tokio::time::Instant::now();
            let at = next.map_or(now, |next| next.max(now));
            *next = Some(at + gap);
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// Checks, sends and settles one claimed batch. The checks run in the batch's order (a send
/// counts against the cap of the messages after it); sends run [`PARALLEL`] at a time; outcomes
/// are settled as they come, many to a command.
async fn deliver_batch(
    service: &CampaignService,
    config: &(CampaignSettings, Secrets),
    pace: &Pace,
    per_second: u32,
    items: Vec<OutboxDoc>,
) -> Result<(), AppError> {
    let (settings, secrets) = config;
    let started = Instant::now();
    let claimed = items.len();
    let mut batch = Batch::read(service, settings, &items).await?;
    let read = started.elapsed();
    let spent = &Spent::default();
    let (outcomes, settled) = mpsc::unbounded_channel::<Settlement>();
    let mut to_send = Vec::new();
    for item in items {
        match batch.check(settings, &item) {
            Ok((campaign, profile)) => to_send.push((item, campaign, profile)),
            Err(outcome) => {
                let _ = outcomes.send(settlement(&item, outcome));
            }
        }
    }
    let sends: Vec<_> = to_send
        .into_iter()
        .map(|(item, campaign, profile)| {
            let outcomes = outcomes.clone();
            async move {
                let outcome = match contain(attempt(
                    service, settings, secrets, pace, per_second, &campaign, &item, profile,
                    spent,
                ))
                .await
                {
                    Some(Ok(outcome)) => outcome,
                    Some(Err(err)) => {
                        tracing::warn!(%err, message = %item.id, "a campaign send could not be prepared");
                        return;
                    }
                    None => {
                        tracing::error!(message = %item.id, "a campaign send panicked; the message failed");
                        let reason = "internal_error: the message could not be sent".to_owned();
                        Outcome::Failed(reason)
                    }
                };
                let _ = outcomes.send(settlement(&item, outcome));
            }
        })
        .collect();
    // The settler stops once every sender has finished with its copy.
    drop(outcomes);
    let sends = stream::iter(sends)
        .buffer_unordered(PARALLEL)
        .collect::<()>();
    let (_, commands) = futures::join!(sends, settle_as_they_come(service, settled));
    tracing::debug!(
        claimed,
        read_ms = read.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        settle_commands = commands,
        render_ms = spent.render.load(Ordering::Relaxed) / 1000,
        send_ms = spent.send.load(Ordering::Relaxed) / 1000,
        "campaign batch delivered"
    );
    Ok(())
}

/// Settles outcomes until every sender is done: each command takes all that arrived while the
/// previous one was under way, so a slow channel settles each message at once and a fast one
/// many per command.
async fn settle_as_they_come(
    service: &CampaignService,
    mut settled: mpsc::UnboundedReceiver<Settlement>,
) -> usize {
    let mut commands = 0;
    while let Some(first) = settled.recv().await {
        commands += 1;
        let mut ready = vec![first];
        while let Ok(next) = settled.try_recv() {
            ready.push(next);
        }
        if let Err(err) = service.outbox.settle_many(&ready).await {
            // They stay claimed and are claimed again when their lease runs out.
            tracing::warn!(%err, count = ready.len(), "campaign messages could not be settled");
        }
    }
    commands
}

/// `work`'s result, or `None` if it panicked (the panic goes no further).
async fn contain<T>(work: impl Future<Output = T>) -> Option<T> {
    // The future is dropped on a panic; nothing it touched is used again.
    AssertUnwindSafe(work).catch_unwind().await.ok()
}

/// Renders, waits for the channel's pace, and sends one checked message.
#[allow(clippy::too_many_arguments)]
async fn attempt(
    service: &CampaignService,
    settings: &CampaignSettings,
    secrets: &Secrets,
    pace: &Pace,
    per_second: u32,
    campaign: &CampaignDoc,
    item: &OutboxDoc,
    profile: ProfileDoc,
    spent: &Spent,
) -> Result<Outcome, AppError> {
    let started = Instant::now();
    let rendered = render(service, secrets, campaign, item, profile).await?;
    spent.add(&spent.render, started);
    let message = match rendered {
        Ok(message) => message,
        Err(outcome) => return Ok(outcome),
    };
    pace.wait(per_second).await;
    let started = Instant::now();
    let delivery = Delivery {
        service,
        settings,
        secrets,
    };
    let outgoing = message.outgoing(item, campaign);
    let sent = delivery.send(item.channel, &outgoing).await;
    spent.add(&spent.send, started);
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

/// What settling `item` with `outcome` writes.
fn settlement(item: &OutboxDoc, outcome: Outcome) -> Settlement {
    let label = match &outcome {
        Outcome::Sent => "sent",
        Outcome::Retry(..) => "retry",
        Outcome::Failed(_) => "failed",
        Outcome::Deferred(_) => "deferred",
        Outcome::Leave(status, _) => status.as_str(),
    };
    metrics::counter!(
        crate::server::metrics::names::CAMPAIGN_SENDS,
        "channel" => item.channel.as_str(),
        "outcome" => label
    )
    .increment(1);
    let now = bson::DateTime::now();
    let mut not_an_attempt = false;
    let mut set: Document = match outcome {
        Outcome::Sent => {
            doc! { "status": "sent", "sent_at": now, "delivered": true, "error": Bson::Null }
        }
        Outcome::Retry(at, reason) => {
            doc! { "status": "pending", "next_at": bson::DateTime::from_chrono(at), "error": reason }
        }
        Outcome::Failed(reason) => doc! { "status": "failed", "error": reason },
        Outcome::Deferred(until) => {
            not_an_attempt = true;
            doc! {
                "status": "pending",
                "next_at": bson::DateTime::from_chrono(until),
                "deferrals": i64::from(item.deferrals + 1),
            }
        }
        Outcome::Leave(status, reason) => {
            not_an_attempt = true;
            let mut set = doc! { "status": status.as_str() };
            if !reason.is_empty() {
                set.insert("error", reason);
            }
            set
        }
    };
    if !set.contains_key("error") {
        set.insert("error", Bson::Null);
    }
    Settlement {
        id: item.id.clone(),
        claim: item.claim.unwrap_or_default(),
        set,
        not_an_attempt,
    }
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
