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
    model::{
        campaign::{CampaignStatus, Channel},
        campaign_settings::CampaignSettings,
    },
    server::db::{
        campaign_settings::Secrets,
        campaigns::CampaignDoc,
        outbox::{OutboxDoc, OutboxStatus},
        profile_doc::{ProfileDoc, ProfileStatus},
    },
};
use chrono::{DateTime, Utc};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::{BTreeSet, HashMap};

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

/// What a claimed batch is checked against, read at once: its campaigns, its recipients as
/// they are now, and how many messages each recipient was sent within each cap's window.
pub struct Batch {
    campaigns: HashMap<ObjectId, CampaignDoc>,
    /// By the profile id each message was queued for (a merged one maps to its survivor).
    recipients: HashMap<ObjectId, ProfileDoc>,
    /// Sent counts by cap window (days), then by recipient; this batch's own sends included.
    sent: HashMap<u32, HashMap<ObjectId, u64>>,
}

impl Batch {
    /// Reads what `items` are checked against: campaigns and recipients in one read each, and
    /// the cap counts in one read per distinct cap window (usually one).
    pub async fn read(
        service: &CampaignService,
        settings: &CampaignSettings,
        items: &[OutboxDoc],
    ) -> Result<Self, AppError> {
        let campaign_ids: BTreeSet<ObjectId> = items.iter().map(|i| i.campaign_id).collect();
        let profile_ids: BTreeSet<ObjectId> = items.iter().map(|i| i.profile_id).collect();
        let campaign_ids: Vec<ObjectId> = campaign_ids.into_iter().collect();
        let profile_ids: Vec<ObjectId> = profile_ids.into_iter().collect();
        let (campaigns, profiles) = futures::try_join!(
            service.campaigns.get_many(&campaign_ids),
            service.graph.profiles.get_many(&profile_ids),
        )?;
        let campaigns: HashMap<ObjectId, CampaignDoc> =
            campaigns.into_iter().map(|c| (c.id, c)).collect();
        let mut recipients = HashMap::new();
        for profile in profiles {
            let queued_for = profile.id;
            if let Some(live) = live_profile(service, profile).await? {
                recipients.insert(queued_for, live);
            }
        }
        let mut sent = HashMap::new();
        let windows: BTreeSet<u32> = items
            .iter()
            .filter_map(|item| {
                let campaign = campaigns.get(&item.campaign_id)?;
                Some(settings.cap_for(&campaign.definition)?.days)
            })
            .collect();
        let ids: Vec<ObjectId> = recipients.values().map(|p| p.id).collect();
        // A batch is claimed for one channel.
        let channel = items.first().map_or(Channel::Email, |item| item.channel);
        for days in windows {
            let since = Utc::now() - chrono::Duration::days(i64::from(days));
            let since = bson::DateTime::from_chrono(since);
            let counts = service.outbox.sent_counts(&ids, channel, since).await?;
            sent.insert(days, counts);
        }
        Ok(Self {
            campaigns,
            recipients,
            sent,
        })
    }

    /// The campaign of `item`, if it still exists.
    pub fn campaign(&self, item: &OutboxDoc) -> Option<&CampaignDoc> {
        self.campaigns.get(&item.campaign_id)
    }

    /// Checks `item` once more, in the order the batch is sent (a send counts against the cap
    /// of the messages after it): the recipient to render for, or what to settle it as instead.
    pub fn check(
        &mut self,
        settings: &CampaignSettings,
        item: &OutboxDoc,
    ) -> Result<(CampaignDoc, ProfileDoc), Outcome> {
        let campaign = match self.campaigns.get(&item.campaign_id) {
            None => {
                let reason = "the campaign was deleted".into();
                return Err(Outcome::Leave(OutboxStatus::Cancelled, reason));
            }
            Some(c) if c.status == CampaignStatus::Paused => {
                return Err(Outcome::Leave(OutboxStatus::Paused, String::new()));
            }
            Some(c) if c.status == CampaignStatus::Cancelled => {
                let reason = "the campaign was cancelled".into();
                return Err(Outcome::Leave(OutboxStatus::Cancelled, reason));
            }
            Some(c) => c,
        };
        let definition = &campaign.definition;
        let Some(profile) = self.recipients.get(&item.profile_id) else {
            return Err(skipped("the person no longer exists"));
        };
        if !profile.consents_to(definition.purpose()) {
            return Err(skipped("consent was withdrawn"));
        }
        if !reachable(profile, item.channel) {
            return Err(skipped("no address on this channel"));
        }
        if let Some(cap) = settings.cap_for(definition) {
            let sent = self.sent.entry(cap.days).or_default();
            let count = sent.entry(profile.id).or_default();
            if *count >= u64::from(cap.max) {
                let reason = "the frequency cap was reached".to_owned();
                return Err(Outcome::Leave(OutboxStatus::Capped, reason));
            }
            // Counted now, before it is sent: a later message of the batch to the same person
            // sees it (a send that then fails keeps that place, erring on fewer messages).
            *count += 1;
        }
        if let Some(until) = quiet_until(settings, profile) {
            return Err(Outcome::Deferred(until));
        }
        Ok((campaign.clone(), profile.clone()))
    }
}

/// The person's variant rendered for them; a template that fails to render fails the message.
pub async fn render(
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

/// `profile` as it is now: itself when live, the profile it was merged into otherwise (one
/// more read, rare), or `None` when that person is gone.
async fn live_profile(
    service: &CampaignService,
    profile: ProfileDoc,
) -> Result<Option<ProfileDoc>, AppError> {
    if profile.status == ProfileStatus::Live {
        return Ok(Some(profile));
    }
    let graph = &service.graph;
    let Ok(live) = graph.live_profile_id(profile.id).await else {
        return Ok(None);
    };
    graph.profiles.get(live).await
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
