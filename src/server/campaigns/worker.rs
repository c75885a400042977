//! The delivery worker, one per channel: claims due outbox messages, paces them to the channel's
//! rate, re-checks consent, the cap and quiet hours, renders and sends, then settles each
//! (sent, retried with exponential backoff, or failed for good with the reason).
use super::{
    CampaignService,
    audience::reachable,
    channels::{Delivery, Outgoing, SendError},
    context::{Audience, context},
    links::{self, LinkKind},
    quiet, templates,
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
        outbox::{OutboxDoc, OutboxStatus},
        profile_doc::ProfileDoc,
    },
};
use chrono::{DateTime, Utc};
use mongodb::bson::{self, Bson, Document, doc};
use std::{
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
                    if let Err(err) = deliver(&service, &config.0, &config.1, item).await {
                        tracing::warn!(%err, "a campaign message could not be settled");
                    }
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

/// What became of one claimed message.
enum Outcome {
    Sent,
    Retry(DateTime<Utc>, String),
    Failed(String),
    Deferred(DateTime<Utc>),
    Leave(OutboxStatus, String),
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
    campaign: &crate::server::db::campaigns::CampaignDoc,
    item: &OutboxDoc,
) -> Result<Outcome, AppError> {
    let definition = &campaign.definition;
    let graph = &service.graph;
    let Some(profile) = live_profile(service, item).await? else {
        return Ok(Outcome::Leave(
            OutboxStatus::Skipped,
            "the person no longer exists".into(),
        ));
    };
    if !profile.consents_to(definition.purpose()) {
        return Ok(Outcome::Leave(
            OutboxStatus::Skipped,
            "consent was withdrawn".into(),
        ));
    }
    if !reachable(&profile, item.channel) {
        return Ok(Outcome::Leave(
            OutboxStatus::Skipped,
            "no address on this channel".into(),
        ));
    }
    if let Some(cap) = service.cap_for(definition).await? {
        let since = Utc::now() - chrono::Duration::days(i64::from(cap.days));
        let sent = service
            .outbox
            .count_sent_since(profile.id, item.channel, bson::DateTime::from_chrono(since))
            .await?;
        if sent >= u64::from(cap.max) {
            return Ok(Outcome::Leave(
                OutboxStatus::Capped,
                "the frequency cap was reached".into(),
            ));
        }
    }
    if let Some(until) = quiet_until(settings, &profile) {
        return Ok(Outcome::Deferred(until));
    }
    let Some(variant) = definition.variants.iter().find(|v| v.key == item.variant) else {
        return Ok(Outcome::Failed(format!(
            "variant {} no longer exists",
            item.variant
        )));
    };
    let base = &service.env.public_url;
    let unsubscribe = links::url(
        base,
        &secrets.link_secret,
        LinkKind::Unsubscribe,
        &item.id,
        "",
    );
    let classes = graph.gate.classes.current().await?;
    let data = context(
        &profile,
        &classes,
        Audience::Recipient,
        item.trigger.as_ref(),
        &definition.name,
        &unsubscribe,
    );
    let env = templates::environment();
    let rendered =
        templates::render(&env, "subject", &variant.subject, &data).and_then(|subject| {
            Ok((
                subject,
                templates::render(&env, "body", &variant.body, &data)?,
            ))
        });
    let (subject, body) = match rendered {
        Ok(parts) => parts,
        Err(err) => return Ok(Outcome::Failed(err.to_string())),
    };
    let message = Outgoing {
        key: &item.id,
        campaign,
        variant: &variant.key,
        profile: &profile,
        subject,
        body,
        unsubscribe_url: unsubscribe,
    };
    let delivery = Delivery {
        service,
        settings,
        secrets,
    };
    Ok(match delivery.send(item.channel, &message).await {
        Ok(()) => {
            announce(service, campaign, item.channel, &profile);
            Outcome::Sent
        }
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
    })
}

/// The recipient as they are now: one read, unless they were merged into someone since.
async fn live_profile(
    service: &CampaignService,
    item: &OutboxDoc,
) -> Result<Option<ProfileDoc>, AppError> {
    let graph = &service.graph;
    match graph.profiles.get(item.profile_id).await? {
        Some(p) if p.status == crate::server::db::profile_doc::ProfileStatus::Live => Ok(Some(p)),
        Some(_) => {
            let Ok(live) = graph.live_profile_id(item.profile_id).await else {
                return Ok(None);
            };
            graph.profiles.get(live).await
        }
        None => Ok(None),
    }
}

/// When quiet hours let a message to `profile` go, if not now.
fn quiet_until(settings: &CampaignSettings, profile: &ProfileDoc) -> Option<DateTime<Utc>> {
    let quiet = &settings.quiet_hours;
    if !quiet.enabled {
        return None;
    }
    let stated = profile
        .device
        .as_ref()
        .and_then(|d| d.context.get_str("timezone").ok())
        .or_else(|| profile.traits.get_str("timezone").ok());
    let zone = stated
        .and_then(quiet::zone)
        .or_else(|| quiet::zone(&quiet.default_timezone))
        .unwrap_or(chrono_tz::UTC);
    quiet::deferred_until(quiet, zone, Utc::now())
}

fn announce(
    service: &CampaignService,
    campaign: &crate::server::db::campaigns::CampaignDoc,
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
