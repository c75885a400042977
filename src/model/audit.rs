//! The audit log as the admin page shows it.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One audited action. Never holds customer PII: targets are ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Entry id (hex), also the paging cursor.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: the user's email, or the attempted sign-in email, or `system`.
    pub actor: String,
    /// Their role at the time, if signed in.
    pub role: Option<String>,
    /// What, e.g. `sign_in.failed`, `pii.reveal`, `customer.delete`.
    pub action: String,
    /// The id acted on (profile, user, source, key …).
    pub target: Option<String>,
    /// From where: the client IP.
    pub ip: Option<String>,
    /// More words: the stated reason, the field name, the new role …
    pub detail: Option<String>,
}

/// One page of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass back as `before` for the next (older) page.
    pub next: Option<String>,
}

/// Every action the log records, for the filter list.
pub const AUDIT_ACTIONS: [&str; 28] = [
    "sign_in.ok",
    "sign_in.failed",
    "sign_in.throttled",
    "sign_out",
    "user.add",
    "user.update",
    "pii.reveal",
    "customer.export",
    "customer.delete",
    "customer.unmerge",
    "consent.update",
    "write_key.create",
    "write_key.revoke",
    "server_key.create",
    "server_key.revoke",
    "source.create",
    "import.start",
    "computed.create",
    "field.classify",
    "keys.rotate",
    "segment.change",
    "segment.export",
    "campaign.save",
    "campaign.launch",
    "campaign.pause",
    "campaign.resume",
    "campaign.cancel",
    "channels.update",
];
