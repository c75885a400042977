//! Drawing a run's audience: the included segments' members, minus the excluded ones, minus
//! those without consent or an address on the channel, then the holdout and the frequency cap.
//! Each step's count is kept, so the preview and the results page show where people went.
use super::{CampaignService, assign};
use crate::{
    error::AppError,
    model::campaign::{AudienceStep, CampaignDefinition, Channel},
    server::db::{
        campaigns::CampaignDoc,
        outbox::{OutboxDoc, OutboxStatus, outbox_key},
        profile_doc::{ProfileDoc, ProfileStatus},
    },
};
use chrono::{DateTime, Utc};
use mongodb::bson::{self, Document, oid::ObjectId};
use std::collections::{BTreeSet, HashSet};

/// A drawn run: the steps and one outbox document per person kept to the end, held out or
/// capped.
#[derive(Debug, Clone, Default)]
pub struct Draw {
    /// Each step with what remains after it.
    pub steps: Vec<AudienceStep>,
    /// To queue.
    pub items: Vec<OutboxDoc>,
}

/// What one run is drawn for.
#[derive(Debug, Clone)]
pub struct Occasion {
    /// Run label (`1`, `2`, … or `t<entry id>`).
    pub run: String,
    /// Only this profile (a segment entry); everyone in the segments when `None`.
    pub only: Option<ObjectId>,
    /// The triggering event, for templates.
    pub trigger: Option<Document>,
    /// When.
    pub at: DateTime<Utc>,
}

impl CampaignService {
    /// Draws `campaign`'s audience for `occasion` (nothing is stored).
    pub async fn draw(
        &self,
        campaign: &CampaignDoc,
        occasion: &Occasion,
    ) -> Result<Draw, AppError> {
        let definition = &campaign.definition;
        let mut steps = Steps::default();
        let (included, excluded) = self.memberships(definition, occasion.only).await?;
        steps.push("In the included segments", included.len());
        let candidates: Vec<ObjectId> = included
            .iter()
            .filter(|p| !excluded.contains(p))
            .copied()
            .collect();
        steps.push("Not in an excluded segment", candidates.len());
        let profiles = self.live_profiles(&candidates).await?;
        let purpose = definition.purpose();
        let consented: Vec<&ProfileDoc> =
            profiles.iter().filter(|p| p.consents_to(purpose)).collect();
        steps.push(
            &format!(
                "Consented to {}",
                crate::model::consent::purpose_label(purpose)
            ),
            consented.len(),
        );
        let reachable: Vec<&ProfileDoc> = consented
            .into_iter()
            .filter(|p| reachable(p, definition.channel))
            .collect();
        steps.push(
            &format!("Reachable by {}", definition.channel.label()),
            reachable.len(),
        );
        let (held, treated): (Vec<&ProfileDoc>, Vec<&ProfileDoc>) = reachable
            .into_iter()
            .partition(|p| assign::held_out(campaign.id, p.id, definition.holdout_percent));
        steps.push(
            &format!("Not in the {}% holdout", definition.holdout_percent),
            treated.len(),
        );
        let cap = self.settings.load().await?.settings.cap_for(definition);
        let counts = match cap {
            Some(cap) => {
                let since = occasion.at - chrono::Duration::days(i64::from(cap.days));
                let ids: Vec<ObjectId> = treated.iter().map(|p| p.id).collect();
                self.outbox
                    .cap_counts(&ids, definition.channel, bson::DateTime::from_chrono(since))
                    .await?
            }
            None => Default::default(),
        };
        let over = |p: &ProfileDoc| {
            cap.is_some_and(|c| counts.get(&p.id).copied().unwrap_or(0) >= u64::from(c.max))
        };
        let (capped, sent): (Vec<&ProfileDoc>, Vec<&ProfileDoc>) =
            treated.into_iter().partition(|p| over(p));
        let cap_label = cap.map_or("No frequency cap".to_owned(), |c| {
            format!("Under the frequency cap ({} per {} days)", c.max, c.days)
        });
        steps.push(&cap_label, sent.len());
        let mut items = Vec::with_capacity(held.len() + capped.len() + sent.len());
        let item = |p: &ProfileDoc, variant: &str, status| {
            self.item(campaign, occasion, p.id, variant, status)
        };
        items.extend(
            held.iter()
                .map(|p| item(p, "holdout", OutboxStatus::HeldOut)),
        );
        for p in capped.iter().chain(&sent) {
            let variant = &assign::variant_for(campaign.id, p.id, &definition.variants).key;
            let status = if capped.iter().any(|c| c.id == p.id) {
                OutboxStatus::Capped
            } else {
                OutboxStatus::Pending
            };
            items.push(item(p, variant, status));
        }
        Ok(Draw {
            steps: steps.0,
            items,
        })
    }

    fn item(
        &self,
        campaign: &CampaignDoc,
        occasion: &Occasion,
        profile: ObjectId,
        variant: &str,
        status: OutboxStatus,
    ) -> OutboxDoc {
        let at = bson::DateTime::from_chrono(occasion.at);
        OutboxDoc {
            id: outbox_key(campaign.id, &occasion.run, profile),
            campaign_id: campaign.id,
            run: occasion.run.clone(),
            profile_id: profile,
            channel: campaign.definition.channel,
            variant: variant.to_owned(),
            status,
            attempts: 0,
            next_at: at,
            lease_until: None,
            created_at: at,
            sent_at: None,
            delivered: false,
            opened_at: None,
            clicked_at: None,
            deferrals: 0,
            error: None,
            trigger: occasion.trigger.clone(),
            claim: None,
            settled: None,
        }
    }

    /// Members of the included segments and of the excluded ones (only `only`, when given).
    async fn memberships(
        &self,
        definition: &CampaignDefinition,
        only: Option<ObjectId>,
    ) -> Result<(BTreeSet<ObjectId>, HashSet<ObjectId>), AppError> {
        let ids = |list: &[String]| -> Vec<ObjectId> {
            list.iter().filter_map(|s| s.parse().ok()).collect()
        };
        let (include, exclude) = (ids(&definition.include), ids(&definition.exclude));
        let memberships = &self.segments.memberships;
        if let Some(profile) = only {
            let of = memberships.of_profiles(&[profile]).await?;
            let within = |set: &[ObjectId]| of.iter().any(|m| set.contains(&m.segment_id));
            let included = if within(&include) {
                BTreeSet::from([profile])
            } else {
                BTreeSet::new()
            };
            let excluded = if within(&exclude) {
                HashSet::from([profile])
            } else {
                HashSet::new()
            };
            return Ok((included, excluded));
        }
        let mut included = BTreeSet::new();
        for segment in include {
            included.extend(memberships.member_ids(segment).await?);
        }
        let mut excluded = HashSet::new();
        for segment in exclude {
            excluded.extend(memberships.member_ids(segment).await?);
        }
        Ok((included, excluded))
    }

    async fn live_profiles(&self, ids: &[ObjectId]) -> Result<Vec<ProfileDoc>, AppError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1_000) {
            let found = self.graph.profiles.get_many(chunk).await?;
            out.extend(
                found
                    .into_iter()
                    .filter(|p| p.status == ProfileStatus::Live),
            );
        }
        Ok(out)
    }
}

/// Whether `profile` has an address on `channel`: an email, or a user id for the app.
pub fn reachable(profile: &ProfileDoc, channel: Channel) -> bool {
    match channel {
        Channel::Email => profile.email.is_some(),
        Channel::InApp => user_id(profile).is_some(),
        Channel::Webhook => true,
    }
}

/// The person's user id, if they have one.
pub fn user_id(profile: &ProfileDoc) -> Option<&str> {
    profile
        .identities
        .iter()
        .find(|i| i.kind == "user_id")
        .map(|i| i.value.as_str())
}

#[derive(Default)]
struct Steps(Vec<AudienceStep>);

impl Steps {
    fn push(&mut self, label: &str, remaining: usize) {
        let before = self.0.last().map_or(remaining as u64, |s| s.remaining);
        self.0.push(AudienceStep {
            label: label.to_owned(),
            remaining: remaining as u64,
            removed: before.saturating_sub(remaining as u64),
        });
    }
}
