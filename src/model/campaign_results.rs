//! What the campaign pages show: lists, previews with each audience step's count, results per
//! variant against the holdout, and a customer's campaign history.
use super::{
    campaign::{CampaignDefinition, CampaignStatus, Channel},
    campaign_delivery::DeliveryTotals,
};
use crate::campaign::significance::Comparison;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the campaign list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// Id (hex).
    pub id: String,
    /// Name.
    pub name: String,
    /// Channel.
    pub channel: Channel,
    /// Status.
    pub status: CampaignStatus,
    /// `now`, `at`, `recurring`, `triggered`.
    pub schedule: String,
    /// Messages sent (accepted by the channel), failed and pending so far.
    pub totals: DeliveryTotals,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A campaign's page: its definition, where it stands, and its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDetail {
    /// Id (hex).
    pub id: String,
    /// What was saved.
    pub definition: CampaignDefinition,
    /// Status.
    pub status: CampaignStatus,
    /// Included and excluded segments' names, by id.
    pub segment_names: Vec<(String, String)>,
    /// Runs started so far.
    pub runs: u32,
    /// The next scheduled run, for scheduled and recurring campaigns.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The audience steps of the latest run.
    pub last_steps: Vec<AudienceStep>,
    /// Messages sent (accepted by the channel), failed and pending so far.
    pub totals: DeliveryTotals,
    /// Who saved it last, and when.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// One step of narrowing the audience, with how many profiles remain after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceStep {
    /// `In the included segments`, `After exclusions`, …
    pub label: String,
    /// Profiles left after the step.
    pub remaining: u64,
    /// Profiles the step removed.
    pub removed: u64,
}

/// A message rendered for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedMessage {
    /// Variant key.
    pub variant: String,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
}

/// The preview: each audience step, and the message for a chosen customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignPreview {
    /// The steps in order; the last one's `remaining` is who would be sent now.
    pub steps: Vec<AudienceStep>,
    /// Who the messages were rendered for (masked per role).
    pub customer: Option<String>,
    /// Which group that customer falls in: a variant key, `holdout`, or why they are left out.
    pub customer_group: Option<String>,
    /// Every variant rendered for the customer.
    pub rendered: Vec<RenderedMessage>,
    /// Some of the audience to preview for: (profile id, name masked per role).
    pub sample: Vec<(String, String)>,
    /// Variables the templates use that no customer has or the context lacks, in words.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Whether the rendered messages show the customer's real values (see the README).
    #[serde(default)]
    pub real_values: bool,
}

/// Counts for one variant (or the holdout, key `holdout`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    /// Variant key or `holdout`.
    pub key: String,
    /// Profiles assigned to it.
    pub targeted: u64,
    /// Sent: handed to the channel and accepted ([`DeliveryTotals`]'s meaning).
    pub sent: u64,
    /// Failed for good.
    pub failed: u64,
    /// Accepted by the SMTP server / answered 2xx / stored.
    pub delivered: u64,
    /// Opened (email, tracking pixel) or read (in-app).
    pub opened: u64,
    /// Clicked a tracked link.
    pub clicked: u64,
    /// Converted within the window, attributed to this send.
    pub converted: u64,
    /// Against the holdout, when there is one and the variant was sent.
    pub comparison: Option<Comparison>,
}

/// Sends and conversions in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultPoint {
    /// The hour's start.
    pub at: DateTime<Utc>,
    /// Messages sent in it.
    pub sent: u64,
    /// Conversions in it.
    pub converted: u64,
}

/// A campaign's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignResults {
    /// Per variant, then the holdout.
    pub variants: Vec<VariantResult>,
    /// Pending (queued or deferred by quiet hours).
    pub pending: u64,
    /// Left out by the frequency cap.
    pub capped: u64,
    /// Deferred at least once by quiet hours.
    pub deferred: u64,
    /// Permanent failures by reason, most frequent first.
    pub failures: Vec<(String, u64)>,
    /// Sends and conversions per hour.
    pub series: Vec<ResultPoint>,
}

/// One campaign message on a customer's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignHistoryItem {
    /// Campaign id (hex).
    pub campaign_id: String,
    /// Campaign name.
    pub campaign: String,
    /// Channel.
    pub channel: Channel,
    /// Variant key or `holdout`.
    pub variant: String,
    /// `pending`, `sent`, `failed`, `held_out`, `capped`, `cancelled`.
    pub status: String,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Opened, clicked, converted.
    pub opened: bool,
    /// Clicked a tracked link.
    pub clicked: bool,
    /// Converted, attributed to this send.
    pub converted: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
}
