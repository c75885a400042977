//! Saving campaigns: every rule a definition must meet, checked before anything is stored, and
//! the list and page views.
use super::{CampaignService, templates, timing};
use crate::{
    error::AppError,
    model::{
        campaign::{
            CampaignDefinition, CampaignDetail, CampaignStatus, CampaignSummary, Channel,
            FrequencyCap, Schedule, variant_key,
        },
        consent::PURPOSES,
        segment::SegmentStatus,
    },
    server::db::campaigns::CampaignDoc,
};
use chrono::Utc;
use mongodb::bson::{self, oid::ObjectId};

/// Most variants a campaign may test.
pub const MAX_VARIANTS: usize = 4;
/// Largest control group, in percent.
pub const MAX_HOLDOUT: u8 = 50;
/// Longest conversion window, in days.
pub const MAX_WINDOW_DAYS: u32 = 90;

/// Parses a hex id; the error names `field`.
pub fn parse_id(field: &str, id: &str) -> Result<ObjectId, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "is not an id"))
}

impl CampaignService {
    /// Creates (no `id`) or changes a draft; returns its id.
    pub async fn save(
        &self,
        id: Option<ObjectId>,
        mut definition: CampaignDefinition,
        by: &str,
    ) -> Result<ObjectId, AppError> {
        self.validate(&mut definition, id).await?;
        let Some(id) = id else {
            let now = bson::DateTime::now();
            let doc = CampaignDoc {
                id: ObjectId::new(),
                definition,
                status: CampaignStatus::Draft,
                paused_from: None,
                runs: 0,
                next_run_at: None,
                trigger_since: None,
                trigger_floor: None,
                last_steps: Vec::new(),
                queued_runs: 0,
                created_by: by.to_owned(),
                created_at: now,
                updated_by: by.to_owned(),
                updated_at: now,
            };
            self.campaigns.insert(&doc).await?;
            return Ok(doc.id);
        };
        self.campaigns.must_get(id).await?;
        if !self.campaigns.update_draft(id, &definition, by).await? {
            return Err(AppError::Conflict {
                field: "id".into(),
                message: "only a draft can be changed; duplicate it to send a new version".into(),
            });
        }
        Ok(id)
    }

    /// Checks and normalises `definition` (trimmed texts, variant keys in order).
    pub async fn validate(
        &self,
        definition: &mut CampaignDefinition,
        id: Option<ObjectId>,
    ) -> Result<(), AppError> {
        check_texts(definition)?;
        if self.campaigns.name_taken(&definition.name, id).await? {
            return Err(AppError::Conflict {
                field: "name".into(),
                message: "another campaign has this name".into(),
            });
        }
        self.check_segments("include", &definition.include).await?;
        self.check_segments("exclude", &definition.exclude).await?;
        if let Some(clash) = definition
            .include
            .iter()
            .find(|s| definition.exclude.contains(s))
        {
            return Err(AppError::invalid(
                "exclude",
                format!("segment {clash} is both included and excluded"),
            ));
        }
        check_variants(definition)?;
        check_schedule(&definition.schedule)?;
        if let Schedule::Triggered { segment_id } = &definition.schedule {
            self.check_segments("schedule.segment_id", std::slice::from_ref(segment_id))
                .await?;
        }
        Ok(())
    }

    async fn check_segments(&self, field: &str, ids: &[String]) -> Result<(), AppError> {
        if field == "include" && ids.is_empty() {
            return Err(AppError::invalid(field, "must name at least one segment"));
        }
        for id in ids {
            let found = self.segments.segments.get(parse_id(field, id)?).await?;
            match found {
                Some(segment) if segment.status == SegmentStatus::Active => {}
                Some(_) => {
                    return Err(AppError::invalid(
                        field,
                        format!("segment {id} is archived"),
                    ));
                }
                None => {
                    return Err(AppError::invalid(
                        field,
                        format!("segment {id} does not exist"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every campaign for the list page.
    pub async fn list(&self) -> Result<Vec<CampaignSummary>, AppError> {
        let mut out = Vec::new();
        for doc in self.campaigns.list().await? {
            let sent = self.outbox.count_sent(doc.id).await?;
            out.push(CampaignSummary {
                id: doc.id.to_hex(),
                name: doc.definition.name.clone(),
                channel: doc.definition.channel,
                status: doc.status,
                schedule: doc.definition.schedule.kind().to_owned(),
                sent,
                updated_at: doc.updated_at.to_chrono(),
            });
        }
        Ok(out)
    }

    /// One campaign's page data.
    pub async fn detail(&self, id: ObjectId) -> Result<CampaignDetail, AppError> {
        let doc = self.campaigns.must_get(id).await?;
        let mut names = Vec::new();
        let segment_ids = doc.definition.include.iter().chain(&doc.definition.exclude);
        let trigger = match &doc.definition.schedule {
            Schedule::Triggered { segment_id } => Some(segment_id),
            _ => None,
        };
        for segment in segment_ids.chain(trigger) {
            let Ok(oid) = segment.parse() else { continue };
            if let Some(found) = self.segments.segments.get(oid).await? {
                names.push((segment.clone(), found.name));
            }
        }
        Ok(CampaignDetail {
            id: doc.id.to_hex(),
            definition: doc.definition,
            status: doc.status,
            segment_names: names,
            runs: doc.runs,
            next_run_at: doc.next_run_at.map(|d| d.to_chrono()),
            last_steps: doc.last_steps,
            updated_by: doc.updated_by,
            updated_at: doc.updated_at.to_chrono(),
        })
    }
}

fn check_texts(definition: &mut CampaignDefinition) -> Result<(), AppError> {
    definition.name = definition.name.trim().to_owned();
    definition.goal = definition.goal.trim().to_owned();
    let name_length = definition.name.chars().count();
    if name_length == 0 || name_length > 100 {
        return Err(AppError::invalid("name", "must be 1 to 100 characters"));
    }
    if definition.goal.chars().count() > 500 {
        return Err(AppError::invalid("goal", "must be at most 500 characters"));
    }
    definition.consent_purpose = definition.consent_purpose.trim().to_owned();
    if !definition.consent_purpose.is_empty() && !PURPOSES.contains(&definition.purpose()) {
        return Err(AppError::invalid(
            "consent_purpose",
            "must be email_marketing, sms_marketing, personalization or analytics",
        ));
    }
    if definition.holdout_percent > MAX_HOLDOUT {
        return Err(AppError::invalid(
            "holdout_percent",
            format!("must be between 0 and {MAX_HOLDOUT}"),
        ));
    }
    let cap_allowed =
        |cap: FrequencyCap| (1..=100).contains(&cap.max) && (1..=365).contains(&cap.days);
    if definition
        .frequency_cap
        .is_some_and(|cap| !cap_allowed(cap))
    {
        return Err(AppError::invalid(
            "frequency_cap",
            "must allow 1 to 100 messages per 1 to 365 days",
        ));
    }
    if let Some(goal) = &mut definition.conversion {
        goal.event = goal.event.trim().to_owned();
        if goal.event.is_empty() || goal.event.chars().count() > 200 {
            return Err(AppError::invalid(
                "conversion.event",
                "must be an event name",
            ));
        }
        if !(1..=MAX_WINDOW_DAYS).contains(&goal.window_days) {
            return Err(AppError::invalid(
                "conversion.window_days",
                format!("must be between 1 and {MAX_WINDOW_DAYS}"),
            ));
        }
        for filter in &mut goal.filters {
            filter.property = filter.property.trim().to_owned();
            let bad = filter.property.is_empty()
                || filter.property.starts_with('$')
                || filter.property.contains('.');
            if bad {
                return Err(AppError::invalid(
                    "conversion.filters",
                    "property names must be plain names (no `$` or `.`)",
                ));
            }
        }
    }
    Ok(())
}

fn check_variants(definition: &mut CampaignDefinition) -> Result<(), AppError> {
    let count = definition.variants.len();
    if count == 0 || count > MAX_VARIANTS {
        return Err(AppError::invalid(
            "variants",
            format!("must be 1 to {MAX_VARIANTS} variants"),
        ));
    }
    let total: u32 = definition.variants.iter().map(|v| u32::from(v.split)).sum();
    if total != 100 || definition.variants.iter().any(|v| v.split == 0) {
        return Err(AppError::invalid(
            "variants",
            format!("splits must each be at least 1% and add up to 100% (they add up to {total}%)"),
        ));
    }
    let env = templates::environment();
    let needs_subject = definition.channel != Channel::Webhook;
    for (i, variant) in definition.variants.iter_mut().enumerate() {
        variant.key = variant_key(i);
        if needs_subject && variant.subject.trim().is_empty() {
            return Err(AppError::invalid(
                &format!("variants[{i}].subject"),
                "must not be empty",
            ));
        }
        if variant.body.trim().is_empty() {
            return Err(AppError::invalid(
                &format!("variants[{i}].body"),
                "must not be empty",
            ));
        }
        if variant.subject.len() > 1_000 || variant.body.len() > 100_000 {
            return Err(AppError::invalid(
                &format!("variants[{i}]"),
                "subject must be at most 1,000 bytes and body at most 100,000",
            ));
        }
        templates::check(&env, &format!("variants[{i}].subject"), &variant.subject)?;
        templates::check(&env, &format!("variants[{i}].body"), &variant.body)?;
    }
    Ok(())
}

fn check_schedule(schedule: &Schedule) -> Result<(), AppError> {
    match schedule {
        Schedule::At { at } if *at <= Utc::now() => {
            Err(AppError::invalid("schedule.at", "must be in the future"))
        }
        Schedule::Recurring { .. } => timing::next_run(schedule, Utc::now()).map(|_| ()),
        _ => Ok(()),
    }
}
