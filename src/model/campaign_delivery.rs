//! Where a campaign's messages stand (one definition of "sent" for every page), what launching
//! it would do, and what the editor offers to insert into templates.
use super::campaign::Channel;
use serde::{Deserialize, Serialize};

/// A campaign's messages by outcome. "Sent" means one thing everywhere (list, page, results):
/// handed to the channel and accepted by it. A failed message was never sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTotals {
    /// Accepted by the channel.
    pub sent: u64,
    /// Failed for good.
    pub failed: u64,
    /// Waiting, retrying, in flight or paused.
    pub pending: u64,
}

impl DeliveryTotals {
    /// Whether every settled send failed: nothing was sent and something failed.
    pub fn all_failed(&self) -> bool {
        self.sent == 0 && self.failed > 0
    }
}

/// What launching a campaign would do now, shown on the confirmation step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchCheck {
    /// Campaign name.
    pub name: String,
    /// Channel.
    pub channel: Channel,
    /// `now`, `at`, `recurring`, `triggered`.
    pub schedule: String,
    /// People who would get a message if it ran now.
    pub recipients: u64,
    /// People kept back as the control group.
    pub held_out: u64,
    /// People left out by the frequency cap.
    pub capped: u64,
    /// What the channel still lacks, in words (`SMTP host`, `webhook URL`); empty when ready.
    pub missing: Vec<String>,
    /// Whether it is still a draft (only drafts launch).
    pub draft: bool,
}

/// One variable a template may use, for the editor's insertable list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariable {
    /// What to write between `{{` and `}}`: `profile.first_name`, `traits.plan`.
    pub path: String,
    /// What it is, in words.
    pub label: String,
}

/// What the campaign editor offers: template variables from the field catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorOptions {
    /// Variables, the profile's own first, then traits and computed traits.
    pub variables: Vec<TemplateVariable>,
}
