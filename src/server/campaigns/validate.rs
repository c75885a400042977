//! Every rule a campaign definition must meet, all checked at once: each problem is reported
//! beside its form field in plain words ("Subject of variant A is required"). Template errors
//! keep their `line L, column C:` form so the author finds the spot.
use super::{
    CampaignService,
    store::{MAX_CAP_DAYS, MAX_HOLDOUT, MAX_VARIANTS, MAX_WINDOW_DAYS, parse_id},
    templates, timing,
};
use crate::{
    error::{AppError, FieldErrors, rule},
    model::{
        campaign::{CampaignDefinition, Channel, FrequencyCap, Schedule, variant_key},
        consent::PURPOSES,
        segment::SegmentStatus,
    },
};
use chrono::Utc;
use mongodb::bson::oid::ObjectId;

impl CampaignService {
    /// Checks and normalises `definition` (trimmed texts, variant keys in order); every
    /// problem at once. A taken name alone is a 409.
    pub async fn validate(
        &self,
        definition: &mut CampaignDefinition,
        id: Option<ObjectId>,
    ) -> Result<(), AppError> {
        self.validate_with(definition, id, FieldErrors::new()).await
    }

    /// [`Self::validate`], adding its problems to `errors` (those of reading the form).
    pub async fn validate_with(
        &self,
        definition: &mut CampaignDefinition,
        id: Option<ObjectId>,
        mut errors: FieldErrors,
    ) -> Result<(), AppError> {
        check_texts(definition, &mut errors);
        let include = self.check_segments("include", &definition.include).await;
        errors.check("include", include);
        let exclude = self.check_segments("exclude", &definition.exclude).await;
        errors.check("exclude", exclude);
        if definition
            .include
            .iter()
            .any(|s| definition.exclude.contains(s))
        {
            errors.add("exclude", "A segment cannot be both sent to and excepted");
        }
        check_variants(definition, &mut errors);
        errors.check("schedule", check_schedule(&definition.schedule));
        if let Schedule::Triggered { segment_id } = &definition.schedule {
            let found = self
                .check_segments("schedule.segment_id", std::slice::from_ref(segment_id))
                .await;
            errors.check("schedule.segment_id", found);
        }
        if self.campaigns.name_taken(&definition.name, id).await? {
            if errors.is_empty() {
                return Err(AppError::Conflict {
                    field: "name".into(),
                    message: "Another campaign has this name".into(),
                });
            }
            errors.add("name", "Another campaign has this name");
        }
        errors.finish()
    }

    async fn check_segments(&self, field: &str, ids: &[String]) -> Result<(), AppError> {
        if field == "include" && ids.is_empty() {
            return Err(AppError::invalid(
                field,
                "Choose at least one segment to send to",
            ));
        }
        for id in ids {
            let found = self.segments.segments.get(parse_id(field, id)?).await?;
            let problem = match found {
                Some(segment) if segment.status == SegmentStatus::Active => continue,
                Some(segment) => format!("Segment {} is archived", segment.name),
                None => format!("Segment {id} does not exist"),
            };
            return Err(AppError::invalid(field, problem));
        }
        Ok(())
    }
}

fn check_texts(definition: &mut CampaignDefinition, errors: &mut FieldErrors) {
    definition.name = definition.name.trim().to_owned();
    definition.goal = definition.goal.trim().to_owned();
    errors.text("name", "Name", &definition.name, 100);
    if definition.goal.chars().count() > 500 {
        errors.add("goal", rule::too_long("Goal", 500));
    }
    definition.consent_purpose = definition.consent_purpose.trim().to_owned();
    if !definition.consent_purpose.is_empty() && !PURPOSES.contains(&definition.purpose()) {
        errors.add(
            "consent_purpose",
            "Required consent must be one of the listed purposes",
        );
    }
    if definition.holdout_percent > MAX_HOLDOUT {
        let message = format!("Holdout must be a whole percent from 0 to {MAX_HOLDOUT}");
        errors.add("holdout_percent", message);
    }
    let cap_allowed =
        |cap: FrequencyCap| (1..=100).contains(&cap.max) && (1..=MAX_CAP_DAYS).contains(&cap.days);
    if definition
        .frequency_cap
        .is_some_and(|cap| !cap_allowed(cap))
    {
        let message = "The frequency cap must allow 1 to 100 messages per 1 to 365 days";
        errors.add("frequency_cap", message);
    }
    if let Some(goal) = &mut definition.conversion {
        check_goal(goal, errors);
    }
}

fn check_goal(goal: &mut crate::model::campaign::ConversionGoal, errors: &mut FieldErrors) {
    goal.event = goal.event.trim().to_owned();
    if goal.event.is_empty() || goal.event.chars().count() > 200 {
        errors.add(
            "conversion.event",
            "Goal event must be an event name of at most 200 characters",
        );
    }
    if !(1..=MAX_WINDOW_DAYS).contains(&goal.window_days) {
        let message = format!("Within (days) must be a whole number from 1 to {MAX_WINDOW_DAYS}");
        errors.add("conversion.window_days", message);
    }
    for filter in &mut goal.filters {
        filter.property = filter.property.trim().to_owned();
        let bad = filter.property.is_empty()
            || filter.property.starts_with('$')
            || filter.property.contains('.');
        if bad {
            let message = "Where property must be a plain property name (no `$` or `.`)";
            errors.add("conversion.filters", message);
        }
    }
}

fn check_variants(definition: &mut CampaignDefinition, errors: &mut FieldErrors) {
    let count = definition.variants.len();
    if count == 0 || count > MAX_VARIANTS {
        errors.add(
            "variants",
            format!("A campaign has 1 to {MAX_VARIANTS} variants"),
        );
        return;
    }
    let total: u32 = definition.variants.iter().map(|v| u32::from(v.split)).sum();
    if total != 100 || definition.variants.iter().any(|v| v.split == 0) {
        let message = format!(
            "The variants' shares must each be at least 1% and add up to 100% (they add up to {total}%)"
        );
        errors.add("variants", message);
    }
    let env = templates::environment();
    let needs_subject = definition.channel != Channel::Webhook;
    for (i, variant) in definition.variants.iter_mut().enumerate() {
        variant.key = variant_key(i);
        let (subject, body) = (
            format!("variants[{i}].subject"),
            format!("variants[{i}].body"),
        );
        let name = format!("variant {}", variant.key);
        if needs_subject && variant.subject.trim().is_empty() {
            errors.add(&subject, rule::required(&format!("Subject of {name}")));
        }
        if variant.body.trim().is_empty() {
            errors.add(&body, rule::required(&format!("Body of {name}")));
        }
        if variant.subject.len() > 1_000 {
            errors.add(
                &subject,
                format!("Subject of {name} must be at most 1,000 bytes"),
            );
        }
        if variant.body.len() > 100_000 {
            errors.add(
                &body,
                format!("Body of {name} must be at most 100,000 bytes"),
            );
        }
        errors.check(&subject, templates::check(&env, &subject, &variant.subject));
        errors.check(&body, templates::check(&env, &body, &variant.body));
    }
}

fn check_schedule(schedule: &Schedule) -> Result<(), AppError> {
    match schedule {
        Schedule::At { at } if *at <= Utc::now() => Err(AppError::invalid(
            "schedule.at",
            "Send time must be in the future",
        )),
        // The cron checks answer tersely ("must have five fields …"): name the field first.
        Schedule::Recurring { .. } => match timing::next_run(schedule, Utc::now()) {
            Err(AppError::Invalid { field, message }) => {
                let label = if field == "schedule.cron" {
                    "Repeat (cron)"
                } else {
                    "Repeat time zone"
                };
                Err(AppError::Invalid {
                    message: format!("{label} {message}"),
                    field,
                })
            }
            other => other.map(|_| ()),
        },
        _ => Ok(()),
    }
}
