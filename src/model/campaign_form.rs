//! The campaign editor's form as posted (works without JavaScript: plain fields, one checkbox
//! per segment), and the same form filled from a saved definition for editing.
use super::campaign::{CampaignDefinition, Schedule};
use serde::{Deserialize, Serialize};

/// Every field of the editor, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignForm {
    /// Name.
    pub name: String,
    /// Goal in words.
    pub goal: String,
    /// `email`, `webhook`, `in_app`.
    pub channel: String,
    /// Consent purpose; empty for the channel's.
    pub consent_purpose: String,
    /// Included segment ids.
    pub include: Vec<String>,
    /// Excluded segment ids.
    pub exclude: Vec<String>,
    /// Variant A subject.
    pub a_subject: String,
    /// Variant A body.
    pub a_body: String,
    /// Variant B subject (empty with an empty body: no B).
    pub b_subject: String,
    /// Variant B body.
    pub b_body: String,
    /// Percent of the treated audience getting A when there is a B.
    pub split_a: String,
    /// Holdout percent.
    pub holdout: String,
    /// `now`, `at`, `recurring`, `triggered`.
    pub schedule: String,
    /// `YYYY-MM-DDTHH:MM` in `send_at_zone`.
    pub send_at: String,
    /// IANA zone of `send_at`.
    pub send_at_zone: String,
    /// Five-field cron expression.
    pub cron: String,
    /// IANA zone of `cron`.
    pub timezone: String,
    /// Segment whose entries trigger a send.
    pub trigger_segment: String,
    /// Conversion event; empty for none.
    pub goal_event: String,
    /// Property the conversion event must have …
    pub goal_property: String,
    /// … with this value.
    pub goal_value: String,
    /// Conversion window in days.
    pub goal_days: String,
    /// Campaign frequency cap: messages …
    pub cap_max: String,
    /// … per days; both empty for the channel's cap.
    pub cap_days: String,
}

impl CampaignForm {
    /// The form filled from `definition`.
    pub fn from_definition(definition: &CampaignDefinition) -> Self {
        let variant = |i: usize| definition.variants.get(i);
        let mut form = CampaignForm {
            name: definition.name.clone(),
            goal: definition.goal.clone(),
            channel: definition.channel.as_str().to_owned(),
            consent_purpose: definition.consent_purpose.clone(),
            include: definition.include.clone(),
            exclude: definition.exclude.clone(),
            a_subject: variant(0).map(|v| v.subject.clone()).unwrap_or_default(),
            a_body: variant(0).map(|v| v.body.clone()).unwrap_or_default(),
            b_subject: variant(1).map(|v| v.subject.clone()).unwrap_or_default(),
            b_body: variant(1).map(|v| v.body.clone()).unwrap_or_default(),
            split_a: variant(0).map(|v| v.split.to_string()).unwrap_or_default(),
            holdout: definition.holdout_percent.to_string(),
            schedule: definition.schedule.kind().to_owned(),
            send_at_zone: "UTC".to_owned(),
            timezone: "UTC".to_owned(),
            ..Default::default()
        };
        match &definition.schedule {
            Schedule::At { at } => form.send_at = at.format("%Y-%m-%dT%H:%M").to_string(),
            Schedule::Recurring { cron, timezone } => {
                form.cron = cron.clone();
                form.timezone = timezone.clone();
            }
            Schedule::Triggered { segment_id } => form.trigger_segment = segment_id.clone(),
            Schedule::Now => {}
        }
        if let Some(goal) = &definition.conversion {
            form.goal_event = goal.event.clone();
            form.goal_days = goal.window_days.to_string();
            if let Some(filter) = goal.filters.first() {
                form.goal_property = filter.property.clone();
                form.goal_value = filter.value.clone();
            }
        }
        if let Some(cap) = definition.frequency_cap {
            form.cap_max = cap.max.to_string();
            form.cap_days = cap.days.to_string();
        }
        form
    }
}
