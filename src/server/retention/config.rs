//! Retention's environment: the default rules, the archive folder and the sweep interval.
use crate::model::retention::{MAX_DAYS, RetentionKind, RetentionRule, RetentionSettings};
use std::{path::PathBuf, time::Duration};

/// Default seconds between sweeps.
pub const DEFAULT_SWEEP_SECONDS: u64 = 3600;

/// `ENRICH_RETENTION_<KIND>_DAYS` and `ENRICH_RETENTION_<KIND>_ARCHIVE` per kind (kinds:
/// `EVENTS`, `CAMPAIGN_MESSAGES`, `SEGMENT_TRANSITIONS`, `IN_APP_MESSAGES`, `AUDIT_LOG`,
/// `IMPORT_FILES`; days 0 keeps forever,
/// the default except for import files, 1), `ENRICH_RETENTION_ARCHIVE_DIR` (unset: no
/// archiving) and `ENRICH_RETENTION_SWEEP_SECONDS` (3600).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionEnv {
    /// The rules until an admin saves others.
    pub defaults: RetentionSettings,
    /// Where archives are written.
    pub archive_dir: Option<PathBuf>,
    /// Time between sweeps.
    pub sweep_every: Duration,
}

impl RetentionEnv {
    /// Reads the environment through `lookup`; a value out of range is brought into it (with
    /// a warning), an unreadable one falls back to the default.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Self {
        let read = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let rules = RetentionKind::ALL
            .into_iter()
            .map(|kind| {
                let name = kind.key().to_uppercase();
                let key = format!("ENRICH_RETENTION_{name}_DAYS");
                let default = u32::from(kind == RetentionKind::ImportFiles);
                let days = match read(&key).map(|v| v.parse::<u32>()) {
                    None => default,
                    Some(Ok(0)) => 0,
                    Some(Ok(n)) => {
                        let kept = n.clamp(kind.min_days(), MAX_DAYS);
                        if kept != n {
                            tracing::warn!(%key, value = n, kept, "retention out of range");
                        }
                        kept
                    }
                    Some(Err(_)) => {
                        tracing::warn!(%key, "unparsable retention; using the default");
                        default
                    }
                };
                let archive = read(&format!("ENRICH_RETENTION_{name}_ARCHIVE"))
                    .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"));
                RetentionRule {
                    kind,
                    days,
                    archive,
                }
            })
            .collect();
        let archive_dir = read("ENRICH_RETENTION_ARCHIVE_DIR").map(PathBuf::from);
        // Archiving asked without a folder stays asked: the sweeper then deletes nothing of
        // that kind (and says why), and no TTL index deletes it unarchived.
        let defaults = RetentionSettings { rules };
        let seconds = read("ENRICH_RETENTION_SWEEP_SECONDS")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(DEFAULT_SWEEP_SECONDS)
            .max(1);
        Self {
            defaults,
            archive_dir,
            sweep_every: Duration::from_secs(seconds),
        }
    }
}

impl Default for RetentionEnv {
    fn default() -> Self {
        Self::from_lookup(&|_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_everything_but_uploads_and_ranges_are_enforced() {
        let env = RetentionEnv::default();
        assert_eq!(env.defaults.rule(RetentionKind::AuditLog).days, 0);
        assert_eq!(env.defaults.rule(RetentionKind::ImportFiles).days, 1);
        assert_eq!(env.sweep_every, Duration::from_secs(3600));
        let env = RetentionEnv::from_lookup(&|k| match k {
            "ENRICH_RETENTION_AUDIT_LOG_DAYS" => Some("7".into()),
            "ENRICH_RETENTION_EVENTS_DAYS" => Some("30".into()),
            "ENRICH_RETENTION_CAMPAIGN_MESSAGES_DAYS" => Some("400".into()),
            "ENRICH_RETENTION_SEGMENT_TRANSITIONS_DAYS" => Some("99999".into()),
            "ENRICH_RETENTION_IN_APP_MESSAGES_DAYS" => Some("thirty".into()),
            "ENRICH_RETENTION_IN_APP_MESSAGES_ARCHIVE" => Some("true".into()),
            _ => None,
        });
        assert_eq!(env.defaults.rule(RetentionKind::AuditLog).days, 90);
        assert_eq!(env.defaults.rule(RetentionKind::Events).days, 92);
        assert_eq!(env.defaults.rule(RetentionKind::CampaignMessages).days, 400);
        assert_eq!(
            env.defaults.rule(RetentionKind::SegmentTransitions).days,
            MAX_DAYS
        );
        let in_app = env.defaults.rule(RetentionKind::InAppMessages);
        assert_eq!(in_app.days, 0);
        assert!(in_app.archive, "asked, kept: nothing goes unarchived");
    }
}
