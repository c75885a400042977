//! A customer's campaign history (the 360 page) and the preview: each audience step's count and
//! the message rendered for a chosen customer, masked per role.
use super::{
    CampaignService, assign,
    audience::{Occasion, reachable},
    context::{Audience, context},
    templates,
};
use crate::{
    error::AppError,
    model::campaign::{CampaignHistoryItem, CampaignPreview, RenderedMessage},
    server::{db::profile_doc::ProfileDoc, privacy::mask::mask_text},
};
use chrono::Utc;
use mongodb::bson::oid::ObjectId;
use std::collections::{HashMap, HashSet};

impl CampaignService {
    /// Every campaign message to customer `id` (and the profiles merged into them), newest first.
    pub async fn history(&self, id: ObjectId) -> Result<Vec<CampaignHistoryItem>, AppError> {
        let live = self.graph.live_profile_id(id).await?;
        let profile = self.graph.must_get(live).await?;
        let mut ids = profile.absorbed.clone();
        ids.push(live);
        let items = self.outbox.of_profiles(&ids).await?;
        let mut campaigns = HashMap::new();
        let mut converted = HashSet::new();
        for item in &items {
            if campaigns.contains_key(&item.campaign_id) {
                continue;
            }
            let found = self.campaigns.get(item.campaign_id).await?;
            if let Some(goal) = found
                .as_ref()
                .and_then(|c| c.definition.conversion.as_ref())
            {
                let own: Vec<_> = items
                    .iter()
                    .filter(|i| i.campaign_id == item.campaign_id)
                    .cloned()
                    .collect();
                converted.extend(
                    self.conversions(item.campaign_id, goal, &own)
                        .await?
                        .into_keys(),
                );
            }
            campaigns.insert(item.campaign_id, found);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Some(Some(campaign)) = campaigns.get(&item.campaign_id) else {
                continue;
            };
            let results_converted = converted.contains(&item.id);
            out.push(CampaignHistoryItem {
                campaign_id: item.campaign_id.to_hex(),
                campaign: campaign.definition.name.clone(),
                channel: item.channel,
                variant: item.variant.clone(),
                status: item.status.as_str().to_owned(),
                queued_at: item.created_at.to_chrono(),
                sent_at: item.sent_at.map(|d| d.to_chrono()),
                opened: item.opened_at.is_some(),
                clicked: item.clicked_at.is_some(),
                converted: results_converted,
                error: item.error.clone(),
            });
        }
        Ok(out)
    }

    /// The audience steps of campaign `id` now, warnings for variables nobody has, and its
    /// variants rendered for `customer`: with real values for roles that read personal data,
    /// and for those who `personalize` (edit campaigns) when the customer is in the audience;
    /// masked otherwise. Names in the picker stay masked per role.
    pub async fn preview(
        &self,
        id: ObjectId,
        customer: Option<ObjectId>,
        read_pii: bool,
        personalize: bool,
    ) -> Result<CampaignPreview, AppError> {
        let campaign = self.campaigns.must_get(id).await?;
        let occasion = Occasion {
            run: "preview".into(),
            only: None,
            trigger: None,
            at: Utc::now(),
        };
        let draw = self.draw(&campaign, &occasion).await?;
        let mut preview = CampaignPreview {
            steps: draw.steps,
            customer: None,
            customer_group: None,
            rendered: Vec::new(),
            sample: Vec::new(),
            warnings: self
                .unknown_variables(&campaign.definition.variants)
                .await?,
            real_values: false,
        };
        let sample: Vec<ObjectId> = draw.items.iter().take(20).map(|i| i.profile_id).collect();
        for profile in self.graph.profiles.get_many(&sample).await? {
            preview
                .sample
                .push((profile.id.to_hex(), display_name(&profile, read_pii)));
        }
        let Some(customer) = customer else {
            return Ok(preview);
        };
        let live = self.graph.live_profile_id(customer).await?;
        let profile = self.graph.must_get(live).await?;
        preview.customer = Some(display_name(&profile, read_pii));
        preview.customer_group = Some(match draw.items.iter().find(|i| i.profile_id == live) {
            Some(item) if item.variant == "holdout" => "in the holdout (never sent)".to_owned(),
            Some(item) if item.status.as_str() == "capped" => {
                format!("variant {}, but capped", item.variant)
            }
            Some(item) => format!("variant {}", item.variant),
            None if !profile.consents_to(campaign.definition.purpose()) => {
                "not targeted: no consent".to_owned()
            }
            None if !reachable(&profile, campaign.definition.channel) => {
                "not targeted: no address".to_owned()
            }
            None => "not in the audience".to_owned(),
        });
        let classes = self.graph.gate.classes.current().await?;
        let in_audience = draw.items.iter().any(|i| i.profile_id == live);
        preview.real_values = read_pii || (personalize && in_audience);
        let audience = if preview.real_values {
            Audience::Recipient
        } else {
            Audience::MaskedPreview
        };
        let unsubscribe = format!("{}/v1/links/unsubscribe/…", self.env.public_url);
        let data = context(
            &profile,
            &classes,
            audience,
            None,
            &campaign.definition.name,
            &unsubscribe,
        );
        let env = templates::environment();
        for variant in &campaign.definition.variants {
            preview.rendered.push(RenderedMessage {
                variant: variant.key.clone(),
                subject: templates::render(&env, "subject", &variant.subject, &data)?,
                body: templates::render(&env, "body", &variant.body, &data)?,
            });
        }
        // Which variant the person would get, even when not in the audience now.
        if preview
            .customer_group
            .as_deref()
            .is_some_and(|g| g.starts_with("not"))
        {
            let would = &assign::variant_for(campaign.id, live, &campaign.definition.variants).key;
            preview.customer_group = preview
                .customer_group
                .map(|g| format!("{g} (would get {would})"));
        }
        Ok(preview)
    }
}

fn display_name(profile: &ProfileDoc, read_pii: bool) -> String {
    let name = if profile.name.is_empty() {
        profile.id.to_hex()
    } else {
        profile.name.clone()
    };
    if read_pii || profile.name.is_empty() {
        name
    } else {
        mask_text(&name)
    }
}
