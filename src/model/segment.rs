//! Segments as the pages show them: list rows, the segment page, previews, overlaps and
//! memberships.
use crate::{error::AppError, segment::Rule};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest segment name, in characters.
pub const NAME_MAX_CHARS: usize = 80;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Members shown in a preview.
pub const SAMPLE_SIZE: usize = 10;

/// Whether a segment's members follow a rule or an uploaded list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// Members are the live profiles matching the rule, kept current.
    Rule,
    /// Members were uploaded as a list of identifiers.
    Static,
}

/// Whether a segment is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    /// Kept current and offered to campaigns.
    Active,
    /// Kept for history; no longer evaluated.
    Archived,
}

/// Where a background computation of the members stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeProgress {
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Profiles written so far.
    pub done: u64,
    /// Profiles to write.
    pub total: u64,
    /// Why it failed.
    pub error: Option<String>,
}

/// One row of the segments list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSummary {
    /// Segment id (hex).
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Rule or static.
    pub kind: SegmentKind,
    /// Active or archived.
    pub status: SegmentStatus,
    /// Current members.
    pub size: u64,
    /// Sampled sizes, oldest first, for the sparkline.
    pub trend: Vec<u64>,
    /// Who created it.
    pub owner: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who made it.
    pub updated_by: String,
    /// Current version number.
    pub version: u32,
    /// The key websites see for members (personalization API), when exposed.
    #[serde(default)]
    pub exposed_key: Option<String>,
}

/// Longest key a segment is exposed to websites under.
pub const EXPOSED_KEY_MAX_CHARS: usize = 64;

/// A segment's key for websites: 1–64 of a-z, 0-9 and `_`, starting with a letter (`browsing_shoes`).
/// Empty means "not exposed".
pub fn parse_exposed_key(raw: &str) -> Result<Option<String>, AppError> {
    let key = raw.trim();
    if key.is_empty() {
        return Ok(None);
    }
    let valid = key.chars().count() <= EXPOSED_KEY_MAX_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(Some(key.to_owned()))
    } else {
        Err(AppError::invalid(
            "key",
            format!(
                "must start with a letter and use only a-z, 0-9 and _ (at most {EXPOSED_KEY_MAX_CHARS}), e.g. browsing_shoes"
            ),
        ))
    }
}

/// The segment page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentDetail {
    /// The list row.
    pub summary: SegmentSummary,
    /// The rule (rule segments).
    pub rule: Option<Rule>,
    /// The rule in words.
    pub rule_text: String,
    /// Whether the clock alone changes membership (re-evaluated every minute).
    pub time_relative: bool,
    /// The latest background computation.
    pub compute: Option<ComputeProgress>,
    /// Size samples: (time, size), oldest first.
    pub history: Vec<(DateTime<Utc>, u64)>,
    /// Versions, newest first.
    pub versions: Vec<SegmentVersion>,
    /// Newest entries and exits.
    pub transitions: Vec<TransitionView>,
}

/// One saved version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentVersion {
    /// Version number, from 1.
    pub version: u32,
    /// Who saved it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// What changed against the version before, one line per change.
    pub diff: Vec<String>,
}

/// A profile entering or leaving a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionView {
    /// Segment id (hex).
    pub segment_id: String,
    /// Segment name.
    pub segment: String,
    /// Profile id (hex).
    pub profile_id: String,
    /// The person's name, masked for roles without `pii:read` ("Anonymous" without one; empty
    /// where the page is the person's own).
    #[serde(default)]
    pub customer: String,
    /// `entered` or `exited`.
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A segment the person is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipView {
    /// Segment id (hex).
    pub segment_id: String,
    /// Segment name.
    pub name: String,
    /// When the person entered it.
    pub entered_at: DateTime<Utc>,
}

/// A member as a preview shows it (personal data masked per role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSample {
    /// Profile id (hex).
    pub id: String,
    /// Display name, masked for roles without `pii:read`.
    pub name: String,
    /// Email, masked likewise.
    pub email: Option<String>,
}

/// How many profiles a rule matches right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentPreview {
    /// Matching live profiles.
    pub count: u64,
    /// All live profiles.
    pub total: u64,
    /// Up to [`SAMPLE_SIZE`] members.
    pub sample: Vec<MemberSample>,
    /// Why the rule cannot be counted yet (an unfinished condition), naming the place and rule.
    #[serde(default)]
    pub problem: Option<String>,
    /// For roles without access to personal data, a count too near 0 or the total to be shown
    /// exactly (it would single people out); `count` is then 0 and `sample` empty.
    #[serde(default)]
    pub band: Option<CountBand>,
}

/// A preview count shown only as a band, so no one is singled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountBand {
    /// Fewer than this many match.
    FewerThan(u64),
    /// All but fewer than this many match.
    AllButFewerThan(u64),
}

impl CountBand {
    /// The band in words: `fewer than 5`, `all but fewer than 5`.
    pub fn label(self) -> String {
        match self {
            CountBand::FewerThan(k) => format!("fewer than {k}"),
            CountBand::AllButFewerThan(k) => format!("all but fewer than {k}"),
        }
    }
}

impl SegmentPreview {
    /// `count` as a share of `total`, in %.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.count as f64 * 100.0 / self.total as f64
        }
    }
}

/// Sizes of two segments' overlap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOverlap {
    /// In both.
    pub both: u64,
    /// In the first only.
    pub first_only: u64,
    /// In the second only.
    pub second_only: u64,
}

/// What a static upload did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticUpload {
    /// The new segment's id (hex).
    pub id: String,
    /// Profiles added.
    pub members: u64,
    /// Identifiers that matched no one, as given (first 100).
    pub unknown: Vec<String>,
    /// How many matched no one.
    pub unknown_count: u64,
}

/// A checked name and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentLabel {
    /// Trimmed name.
    pub name: String,
    /// Trimmed description.
    pub description: String,
}

impl SegmentLabel {
    /// Validates form input; every problem is reported at once, in plain words, naming its
    /// field (`name`, `description`).
    pub fn parse(name: &str, description: &str) -> Result<Self, AppError> {
        let (name, description) = (name.trim(), description.trim());
        let mut errors = crate::error::FieldErrors::new();
        errors.text("name", "Name", name, NAME_MAX_CHARS);
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            errors.add(
                "description",
                crate::error::rule::too_long("Description", DESCRIPTION_MAX_CHARS),
            );
        }
        errors.finish()?;
        Ok(Self {
            name: name.to_owned(),
            description: description.to_owned(),
        })
    }
}

/// A field the builder offers, with its types and how many profiles have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogField {
    /// Path (`traits.plan`, `properties.total`) or computed trait name.
    pub path: String,
    /// Types seen.
    pub types: Vec<String>,
    /// Live profiles having it (traits), or 0 when unknown.
    pub coverage: u64,
}

/// An event the builder offers, with its properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEvent {
    /// Event name.
    pub name: String,
    /// Events stored under it.
    pub count: u64,
    /// Its properties.
    pub properties: Vec<CatalogField>,
}

/// Everything the builder's pickers offer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuilderCatalog {
    /// Traits.
    pub traits: Vec<CatalogField>,
    /// Computed traits.
    pub computed: Vec<CatalogField>,
    /// Events.
    pub events: Vec<CatalogEvent>,
    /// Consent purposes.
    pub purposes: Vec<String>,
    /// Identifier kinds.
    pub identity_kinds: Vec<String>,
    /// Active segments: (id, name).
    pub segments: Vec<(String, String)>,
    /// All live profiles (for coverage %).
    pub total_profiles: u64,
    /// Longest window for event conditions without property filters, in days.
    pub counter_days: u32,
}

impl BuilderCatalog {
    /// The catalogued properties of `event` (none for an event the catalog does not know).
    pub fn properties_of(&self, event: &str) -> Vec<CatalogField> {
        self.events
            .iter()
            .find(|e| e.name == event)
            .map(|e| e.properties.clone())
            .unwrap_or_default()
    }
}

/// A page of a segment's members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberPage {
    /// Members, newest entries first.
    pub members: Vec<(MemberSample, DateTime<Utc>)>,
    /// All members.
    pub total: u64,
}

#[cfg(test)]
mod exposed_key_tests {
    use super::*;

    #[test]
    fn exposed_keys_are_snake_case_slugs_and_empty_means_none() {
        assert_eq!(
            parse_exposed_key(" browsing_shoes ").unwrap().as_deref(),
            Some("browsing_shoes")
        );
        assert_eq!(parse_exposed_key("  ").unwrap(), None);
        for bad in [
            "Browsing",
            "1st",
            "cart-abandoner",
            "a b",
            "ü",
            &"a".repeat(65),
        ] {
            let err = parse_exposed_key(bad).unwrap_err();
            assert!(err.message_for("key").is_some(), "{bad:?}");
        }
    }
}
