//! Retention (Settings → Retention): how long each kind of record is kept, and whether it is
//! archived to JSON Lines (gzip) before it is deleted.
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// A kind of record retention deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionKind {
    /// Tracked events (folded into per-profile summaries before they go).
    Events,
    /// Campaign messages: the send log results, caps and customer histories read (tallied per
    /// campaign before they go).
    CampaignMessages,
    /// Segment entries and exits.
    SegmentTransitions,
    /// In-app messages shown to customers.
    InAppMessages,
    /// The audit log.
    AuditLog,
    /// Uploaded import files waiting to be imported.
    ImportFiles,
}

impl RetentionKind {
    /// Every kind, in the page's order.
    pub const ALL: [RetentionKind; 6] = [
        Self::Events,
        Self::CampaignMessages,
        Self::SegmentTransitions,
        Self::InAppMessages,
        Self::AuditLog,
        Self::ImportFiles,
    ];

    /// Name in forms, env variables and archive folders.
    pub fn key(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::CampaignMessages => "campaign_messages",
            Self::SegmentTransitions => "segment_transitions",
            Self::InAppMessages => "in_app_messages",
            Self::AuditLog => "audit_log",
            Self::ImportFiles => "import_files",
        }
    }

    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Events => "Events",
            Self::CampaignMessages => "Campaign messages",
            Self::SegmentTransitions => "Segment entries and exits",
            Self::InAppMessages => "In-app messages",
            Self::AuditLog => "Audit log",
            Self::ImportFiles => "Uploaded import files",
        }
    }

    /// Which age counts, in words.
    pub fn age_of(self) -> &'static str {
        match self {
            Self::Events => "from when the event happened",
            Self::CampaignMessages => "from when the message was queued, once settled",
            Self::SegmentTransitions => "from the entry or exit",
            Self::InAppMessages => "from when the message was made",
            Self::AuditLog => "from the action",
            Self::ImportFiles => "from the upload",
        }
    }

    /// What happens to the numbers when records of this kind go, for the kinds where that is
    /// not plain deletion.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Self::Events => Some(
                "Folded into each profile first: counters, traits and computed traits keep counting them. At least 92 days, so conversions settle first; older track calls are refused.",
            ),
            Self::CampaignMessages => Some(
                "Only settled ones, tallied per campaign first: results do not change. At least 366 days, the longest frequency cap.",
            ),
            _ => None,
        }
    }

    /// Fewest days that may be set (0, keep forever, is always allowed): the audit log must
    /// outlive a retention change made to hide something, and an upload its import; events
    /// must outlive the longest conversion window (90 days) and the day conversions are settled
    /// after it; campaign messages the longest frequency cap (365 days) they are counted for.
    pub fn min_days(self) -> u32 {
        match self {
            Self::Events => 92,
            Self::CampaignMessages => 366,
            Self::AuditLog => 90,
            _ => 1,
        }
    }

    /// Whether records of this kind are folded into summaries before they are deleted (so only
    /// the sweeper deletes them, never a TTL index).
    pub fn folded_before_deletion(self) -> bool {
        matches!(self, Self::Events | Self::CampaignMessages)
    }
}

/// Most days that may be set (ten years).
pub const MAX_DAYS: u32 = 3650;

/// How long one kind is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    /// The kind.
    pub kind: RetentionKind,
    /// Days kept; 0 keeps forever.
    pub days: u32,
    /// Written to the archive folder before deletion.
    pub archive: bool,
}

/// Every kind's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionSettings {
    /// One per kind, in [`RetentionKind::ALL`]'s order.
    pub rules: Vec<RetentionRule>,
}

impl RetentionSettings {
    /// The rule for `kind` (keep forever when missing).
    pub fn rule(&self, kind: RetentionKind) -> RetentionRule {
        self.rules
            .iter()
            .find(|r| r.kind == kind)
            .copied()
            .unwrap_or(RetentionRule {
                kind,
                days: 0,
                archive: false,
            })
    }
}

/// What the last sweep did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// When it ended (RFC 3339).
    pub at: String,
    /// Records deleted, per kind key.
    pub deleted: Vec<(String, u64)>,
    /// Archive files written.
    pub archived: Vec<String>,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionView {
    /// The rules in effect.
    pub settings: RetentionSettings,
    /// Where archives go (`None`: archiving is off, `ENRICH_RETENTION_ARCHIVE_DIR` unset).
    pub archive_dir: Option<String>,
    /// Seconds between sweeps.
    pub sweep_every_secs: u64,
    /// The last sweep, if any ran.
    pub last_sweep: Option<SweepSummary>,
}

/// The page's form: per kind `<key>_days` and `<key>_archive` (a checkbox, absent when off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionForm {
    /// Events: days.
    pub events_days: String,
    /// Events: archive.
    #[serde(default)]
    pub events_archive: Option<String>,
    /// Campaign messages: days.
    pub campaign_messages_days: String,
    /// Campaign messages: archive.
    #[serde(default)]
    pub campaign_messages_archive: Option<String>,
    /// Segment transitions: days.
    pub segment_transitions_days: String,
    /// Segment transitions: archive.
    #[serde(default)]
    pub segment_transitions_archive: Option<String>,
    /// In-app messages: days.
    pub in_app_messages_days: String,
    /// In-app messages: archive.
    #[serde(default)]
    pub in_app_messages_archive: Option<String>,
    /// Audit log: days.
    pub audit_log_days: String,
    /// Audit log: archive.
    #[serde(default)]
    pub audit_log_archive: Option<String>,
    /// Import files: days.
    pub import_files_days: String,
    /// Import files: archive.
    #[serde(default)]
    pub import_files_archive: Option<String>,
}

impl RetentionForm {
    /// The form showing `settings`.
    pub fn from_settings(settings: &RetentionSettings) -> Self {
        let mut form = Self::default();
        for kind in RetentionKind::ALL {
            let rule = settings.rule(kind);
            let (days, archive) = form.fields(kind);
            *days = rule.days.to_string();
            *archive = rule.archive.then(|| "on".to_owned());
        }
        form
    }

    /// The days field of `kind`, as entered.
    pub fn days_of(&self, kind: RetentionKind) -> String {
        self.clone().fields(kind).0.clone()
    }

    fn fields(&mut self, kind: RetentionKind) -> (&mut String, &mut Option<String>) {
        match kind {
            RetentionKind::Events => (&mut self.events_days, &mut self.events_archive),
            RetentionKind::CampaignMessages => (
                &mut self.campaign_messages_days,
                &mut self.campaign_messages_archive,
            ),
            RetentionKind::SegmentTransitions => (
                &mut self.segment_transitions_days,
                &mut self.segment_transitions_archive,
            ),
            RetentionKind::InAppMessages => (
                &mut self.in_app_messages_days,
                &mut self.in_app_messages_archive,
            ),
            RetentionKind::AuditLog => (&mut self.audit_log_days, &mut self.audit_log_archive),
            RetentionKind::ImportFiles => {
                (&mut self.import_files_days, &mut self.import_files_archive)
            }
        }
    }

    /// The settings the form asks for; every bad field is named at once. Archiving needs an
    /// archive folder (`archive_possible`).
    pub fn parse(&self, archive_possible: bool) -> Result<RetentionSettings, AppError> {
        let mut form = self.clone();
        let mut errors = FieldErrors::new();
        let mut rules = Vec::new();
        for kind in RetentionKind::ALL {
            let (days, archive) = form.fields(kind);
            let field = format!("{}_days", kind.key());
            let parsed = match days.trim().parse::<u32>() {
                Ok(0) => Some(0),
                Ok(n) if n < kind.min_days() => {
                    let what = kind.label().to_lowercase();
                    let min = kind.min_days();
                    errors.add(
                        &field,
                        format!("Keep {what} for at least {min} days, or 0 to keep them forever"),
                    );
                    None
                }
                Ok(n) if n > MAX_DAYS => {
                    let label = kind.label();
                    errors.add(
                        &field,
                        format!("{label}: at most {MAX_DAYS} days (0 keeps forever)"),
                    );
                    None
                }
                Ok(n) => Some(n),
                Err(_) => {
                    let label = kind.label();
                    errors.add(
                        &field,
                        format!("{label}: a whole number of days (0 keeps forever)"),
                    );
                    None
                }
            };
            let archive = archive.as_deref() == Some("on");
            if archive && !archive_possible {
                errors.add(
                    &format!("{}_archive", kind.key()),
                    format!(
                        "{}: archiving needs ENRICH_RETENTION_ARCHIVE_DIR set on the server",
                        kind.label()
                    ),
                );
            }
            if let Some(days) = parsed {
                rules.push(RetentionRule {
                    kind,
                    days,
                    archive,
                });
            }
        }
        errors.finish()?;
        Ok(RetentionSettings { rules })
    }
}
