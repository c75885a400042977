//! Campaigns: who gets which message, on which channel, when, and what counts as success.
//! The definition is shared by the editor (browser) and the server; results live in
//! [`super::campaign_results`].
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::{
    campaign_delivery::{DeliveryTotals, EditorOptions, LaunchCheck, TemplateVariable},
    campaign_results::{
        AudienceStep, CampaignDetail, CampaignHistoryItem, CampaignPreview, CampaignResults,
        CampaignSummary, RenderedMessage, ResultPoint, VariantResult,
    },
};

/// How a campaign reaches people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email over SMTP.
    Email,
    /// A signed HTTP POST of JSON to the configured endpoint.
    Webhook,
    /// A message stored per profile, fetched by the app with a write key.
    InApp,
}

impl Channel {
    /// Every channel, in the order the editor offers them.
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Webhook, Channel::InApp];

    /// `email`, `webhook`, `in_app`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::InApp => "in_app",
        }
    }

    /// The channel named `name`, if any.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name.trim())
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Webhook => "Webhook",
            Channel::InApp => "In-app message",
        }
    }

    /// The consent purpose a campaign on this channel requires unless it names another
    /// (webhooks usually drive an SMS or push provider).
    pub fn consent_purpose(self) -> &'static str {
        match self {
            Channel::Email => "email_marketing",
            Channel::Webhook => "sms_marketing",
            Channel::InApp => "personalization",
        }
    }
}

/// One message variant of an A/B test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// `A`, `B`, …
    pub key: String,
    /// Share of the treated audience, in percent; the variants' shares add up to 100.
    pub split: u8,
    /// Subject template (email subject, in-app title, webhook `subject`).
    pub subject: String,
    /// Body template.
    pub body: String,
}

/// When a campaign sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Once, as soon as it is launched.
    Now,
    /// Once, at `at`.
    At {
        /// When.
        at: DateTime<Utc>,
    },
    /// Every time a five-field cron expression fires in `timezone` (IANA name).
    Recurring {
        /// `minute hour day-of-month month day-of-week`.
        cron: String,
        /// `Europe/Paris`, `UTC`, …
        timezone: String,
    },
    /// Whenever a profile enters `segment_id`, within a second.
    Triggered {
        /// Segment id (hex).
        segment_id: String,
    },
}

impl Schedule {
    /// `now`, `at`, `recurring`, `triggered`.
    pub fn kind(&self) -> &'static str {
        match self {
            Schedule::Now => "now",
            Schedule::At { .. } => "at",
            Schedule::Recurring { .. } => "recurring",
            Schedule::Triggered { .. } => "triggered",
        }
    }
}

/// What counts as converting: `event` (whose property `property` equals `value`, when given)
/// within `window_days` of the send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionGoal {
    /// Event name, e.g. `Order Completed`.
    pub event: String,
    /// Optional property filters, all of which must hold.
    #[serde(default)]
    pub filters: Vec<GoalFilter>,
    /// Days after the send (or, for the holdout, after the run) a conversion counts.
    pub window_days: u32,
}

/// `properties.<property> = <value>` (compared as text, numbers by value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalFilter {
    /// Property name, without `properties.`.
    pub property: String,
    /// Wanted value.
    pub value: String,
}

/// At most `max` messages per profile per channel in any `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequencyCap {
    /// Messages.
    pub max: u32,
    /// Days.
    pub days: u32,
}

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being written; sends nothing.
    Draft,
    /// Waiting for its time.
    Scheduled,
    /// Sending a run.
    Sending,
    /// Recurring or triggered, waiting for the next occasion.
    Active,
    /// Stopped for now; pending messages wait.
    Paused,
    /// Every message of its one run is settled and at least one was sent (some may have
    /// failed: the page says how many).
    Completed,
    /// Every message of its one run is settled and none was sent: every send failed. Failed
    /// messages can be retried once the cause is fixed.
    Failed,
    /// Stopped for good; pending messages were dropped.
    Cancelled,
}

impl CampaignStatus {
    /// `draft`, `scheduled`, …
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Sending => "sending",
            CampaignStatus::Active => "active",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Failed => "failed",
            CampaignStatus::Cancelled => "cancelled",
        }
    }

    /// Whether it may still send (launched, not stopped for good).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            CampaignStatus::Scheduled | CampaignStatus::Sending | CampaignStatus::Active
        )
    }
}

/// A campaign's definition as the editor sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDefinition {
    /// Name, unique among campaigns.
    pub name: String,
    /// What it is for, in words.
    #[serde(default)]
    pub goal: String,
    /// Segments whose members are targeted (hex ids); at least one.
    pub include: Vec<String>,
    /// Segments whose members are never targeted.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Channel.
    pub channel: Channel,
    /// The consent purpose a person must have granted (one of `consent::PURPOSES`); the
    /// channel's own when empty.
    #[serde(default)]
    pub consent_purpose: String,
    /// One or more variants whose splits add up to 100.
    pub variants: Vec<Variant>,
    /// Percent of the eligible audience held out as a control group (never sent).
    #[serde(default)]
    pub holdout_percent: u8,
    /// When it sends.
    pub schedule: Schedule,
    /// What counts as converting.
    #[serde(default)]
    pub conversion: Option<ConversionGoal>,
    /// Overrides the channel's global frequency cap.
    #[serde(default)]
    pub frequency_cap: Option<FrequencyCap>,
}

impl CampaignDefinition {
    /// The consent purpose it requires.
    pub fn purpose(&self) -> &str {
        if self.consent_purpose.trim().is_empty() {
            self.channel.consent_purpose()
        } else {
            self.consent_purpose.trim()
        }
    }
}

/// The variant keys in order: `A`, `B`, `C`, …
pub fn variant_key(index: usize) -> String {
    char::from(b'A' + (index.min(25) as u8)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_name_their_consent_purpose_and_parse_back() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Channel::Email.consent_purpose(), "email_marketing");
        assert_eq!(Channel::InApp.consent_purpose(), "personalization");
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn variant_keys_are_letters() {
        assert_eq!(variant_key(0), "A");
        assert_eq!(variant_key(2), "C");
    }
}
