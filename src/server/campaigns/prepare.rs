//! Everything a claimed message goes through before it is handed to its channel: the person as
//! they are now, their consent and address, the frequency cap, quiet hours, and the rendering of
//! their variant. Each check that stops the send says what becomes of the message instead.
use super::{
    CampaignService,
    audience::reachable,
    channels::Outgoing,
    context::{Audience, context},
    links::{self, LinkKind},
    quiet, templates,
};
use crate::{
    error::AppError,
    model::campaign_settings::CampaignSettings,
    server::db::{
        campaign_settings::Secrets,
        campaigns::CampaignDoc,
        outbox::{OutboxDoc, OutboxStatus},
        profile_doc::ProfileDoc,
    },
};
use chrono::{DateTime, Utc};
use mongodb::bson;

/// What became of one claimed message.
pub enum Outcome {
    /// Handed to the channel and accepted.
    Sent,
    /// A temporary failure: try again at the time given.
    Retry(DateTime<Utc>, String),
    /// Failed for good, with the reason.
    Failed(String),
    /// Quiet hours: pending again until the time given.
    Deferred(DateTime<Utc>),
    /// Not sent, and settled with this status and reason.
    Leave(OutboxStatus, String),
}

/// A message that passed every check, rendered.
pub struct Prepared {
    /// The recipient.
    pub profile: ProfileDoc,
    /// Variant key.
    pub variant: String,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// The recipient's unsubscribe link.
    pub unsubscribe_url: String,
}

impl Prepared {
    /// The message for the channel.
    pub fn outgoing<'a>(&'a self, item: &'a OutboxDoc, campaign: &'a CampaignDoc) -> Outgoing<'a> {
        Outgoing {
            key: &item.id,
            campaign,
            variant: &self.variant,
            profile: &self.profile,
            subject: self.subject.clone(),
            body: self.body.clone(),
            unsubscribe_url: self.unsubscribe_url.clone(),
        }
    }
}

fn skipped(reason: &str) -> Outcome {
    Outcome::Leave(OutboxStatus::Skipped, reason.to_owned())
}

/// Checks `item` once more and renders it; `Err` is what to settle it as instead of sending.
pub async fn prepare(
    service: &CampaignService,
    settings: &CampaignSettings,
    secrets: &Secrets,
    campaign: &CampaignDoc,
    item: &OutboxDoc,
) -> Result<Result<Prepared, Outcome>, AppError> {
    let definition = &campaign.definition;
    let Some(profile) = live_profile(service, item).await? else {
        return Ok(Err(skipped("the person no longer exists")));
    };
    if !profile.consents_to(definition.purpose()) {
        return Ok(Err(skipped("consent was withdrawn")));
    }
    if !reachable(&profile, item.channel) {
        return Ok(Err(skipped("no address on this channel")));
    }
    if over_cap(service, settings, campaign, item, &profile).await? {
        let reason = "the frequency cap was reached".to_owned();
        return Ok(Err(Outcome::Leave(OutboxStatus::Capped, reason)));
    }
    if let Some(until) = quiet_until(settings, &profile) {
        return Ok(Err(Outcome::Deferred(until)));
    }
    render(service, secrets, campaign, item, profile).await
}

/// Whether the person already had as many messages on this channel as the cap allows.
async fn over_cap(
    service: &CampaignService,
    settings: &CampaignSettings,
    campaign: &CampaignDoc,
    item: &OutboxDoc,
    profile: &ProfileDoc,
) -> Result<bool, AppError> {
    // The worker's cached settings: no settings read per message.
    let Some(cap) = settings.cap_for(&campaign.definition) else {
        return Ok(false);
    };
    let since = Utc::now() - chrono::Duration::days(i64::from(cap.days));
    let since = bson::DateTime::from_chrono(since);
    let sent = service
        .outbox
        .count_sent_since(profile.id, item.channel, since)
        .await?;
    Ok(sent >= u64::from(cap.max))
}

/// The person's variant rendered for them; a template that fails to render fails the message.
async fn render(
    service: &CampaignService,
    secrets: &Secrets,
    campaign: &CampaignDoc,
    item: &OutboxDoc,
    profile: ProfileDoc,
) -> Result<Result<Prepared, Outcome>, AppError> {
    let definition = &campaign.definition;
    let Some(variant) = definition.variants.iter().find(|v| v.key == item.variant) else {
        return Ok(Err(Outcome::Failed(format!(
            "variant {} no longer exists",
            item.variant
        ))));
    };
    let base = &service.env.public_url;
    let unsubscribe = links::url(
        base,
        &secrets.link_secret,
        LinkKind::Unsubscribe,
        &item.id,
        "",
    );
    let classes = service.graph.gate.classes.current().await?;
    let trigger = item.trigger.as_ref();
    let data = context(
        &profile,
        &classes,
        Audience::Recipient,
        trigger,
        &definition.name,
        &unsubscribe,
    );
    let (subject, body) = (variant.subject.clone(), variant.body.clone());
    Ok(match rendered(subject, body, data).await {
        Ok((subject, body)) => Ok(Prepared {
            profile,
            variant: variant.key.clone(),
            subject,
            body,
            unsubscribe_url: unsubscribe,
        }),
        Err(reason) => Err(Outcome::Failed(reason)),
    })
}

/// Subject and body rendered off the async threads; a failure is the safe reason to store.
async fn rendered(
    subject: String,
    body: String,
    data: serde_json::Value,
) -> Result<(String, String), String> {
    let render = move || {
        let env = templates::environment();
        let subject = templates::render_message(&env, "subject", &subject, &data)?;
        let body = templates::render_message(&env, "body", &body, &data)?;
        Ok::<_, templates::Failure>((subject, body))
    };
    match tokio::task::spawn_blocking(render).await {
        Ok(Ok(parts)) => Ok(parts),
        Ok(Err(failure)) => Err(failure.to_string()),
        // A panic outside the engine (which is caught inside): this message fails, nothing else.
        Err(_) => Err("template_error: the message could not be rendered".to_owned()),
    }
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
