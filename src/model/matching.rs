//! Record matching (finding one person's profiles that share no identifier): which attributes
//! are compared and how, the two decision thresholds, and the pairs a steward reviews. Shared
//! with the front end.
use serde::{Deserialize, Serialize};

/// How an attribute's values are compared; each kind has its own levels of agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// First name: nicknames, phonetic keys, initials.
    GivenName,
    /// Last name: phonetic keys, similarity.
    FamilyName,
    /// A whole name in any order; fills the given and family names when those are compared.
    FullName,
    /// A date of birth: day/month swaps and one-digit typos.
    BirthDate,
    /// A street address: abbreviations and spacing normalised.
    Address,
    /// A postal code.
    Postcode,
    /// A city or town.
    City,
    /// A phone number (the identity or a trait): one wrong or transposed digit.
    Phone,
    /// An email address (the identity or a trait).
    Email,
    /// A national, policy or customer number: one wrong or transposed character.
    Identifier,
    /// Address, postcode and city judged together (they move together, so counting each
    /// would count one move three times). Made by matching, never configured.
    Location,
}

/// Every kind, in the order the settings form offers them.
pub const ATTRIBUTE_KINDS: [AttributeKind; 10] = [
    AttributeKind::GivenName,
    AttributeKind::FamilyName,
    AttributeKind::FullName,
    AttributeKind::BirthDate,
    AttributeKind::Address,
    AttributeKind::Postcode,
    AttributeKind::City,
    AttributeKind::Phone,
    AttributeKind::Email,
    AttributeKind::Identifier,
];

impl AttributeKind {
    /// The stored and form value (`given_name`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::FullName => "full_name",
            Self::BirthDate => "birth_date",
            Self::Address => "address",
            Self::Postcode => "postcode",
            Self::City => "city",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Identifier => "identifier",
            Self::Location => "location",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        ATTRIBUTE_KINDS
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }

    /// The kind in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::GivenName => "Given name",
            Self::FamilyName => "Family name",
            Self::FullName => "Full name",
            Self::BirthDate => "Birth date",
            Self::Address => "Address",
            Self::Postcode => "Postcode",
            Self::City => "City",
            Self::Phone => "Phone",
            Self::Email => "Email",
            Self::Identifier => "Identifier",
            Self::Location => "Where they live",
        }
    }

    /// The levels of agreement, worst first: index 0 always means the values differ.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Self::GivenName => &[
                "different",
                "same initial",
                "similar",
                "nickname or sounds alike",
                "same",
            ],
            Self::FamilyName => &["different", "similar", "sounds alike", "same"],
            Self::FullName => &["different", "one name agrees", "similar", "same"],
            Self::BirthDate => &[
                "different",
                "same year",
                "one typo or day/month swapped",
                "same",
            ],
            Self::Address | Self::City => &["different", "similar", "same"],
            Self::Postcode => &["different", "same area", "same"],
            Self::Phone | Self::Identifier => &["different", "one character off", "same"],
            Self::Email => &["different", "one typo", "same name part", "same"],
            Self::Location => &[
                "different",
                "same city",
                "same area",
                "same postcode",
                "same address",
            ],
        }
    }
}

/// One compared attribute: where its value is (a trait path, or `email` / `phone`, which also
/// take the profile's identities) and how it is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchAttribute {
    /// Trait path (`firstName`, `address.city`), or `email` / `phone`.
    pub path: String,
    /// How it is compared.
    pub kind: AttributeKind,
}

impl MatchAttribute {
    /// An attribute of `kind` read from `path`.
    pub fn new(path: &str, kind: AttributeKind) -> Self {
        Self {
            path: path.to_owned(),
            kind,
        }
    }
}

/// What matching compares and what it does with a pair's score (a match probability, 0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSettings {
    /// The compared attributes.
    pub attributes: Vec<MatchAttribute>,
    /// Pairs scoring at least this are merged without review.
    pub auto_merge_at: f64,
    /// Pairs scoring at least this (and below `auto_merge_at`) wait in the review queue.
    pub review_at: f64,
}

impl Default for MatchSettings {
    fn default() -> Self {
        use AttributeKind as K;
        Self {
            attributes: vec![
                MatchAttribute::new("firstName", K::GivenName),
                MatchAttribute::new("lastName", K::FamilyName),
                MatchAttribute::new("name", K::FullName),
                MatchAttribute::new("birthday", K::BirthDate),
                MatchAttribute::new("address.street", K::Address),
                MatchAttribute::new("address.postalCode", K::Postcode),
                MatchAttribute::new("address.city", K::City),
                MatchAttribute::new("phone", K::Phone),
                MatchAttribute::new("email", K::Email),
            ],
            auto_merge_at: DEFAULT_AUTO_MERGE_AT,
            review_at: DEFAULT_REVIEW_AT,
        }
    }
}

/// A pair's score for people, in percent with one decimal, never rounded up to a certainty
/// it is not: 0.99996 is "> 99.9 %", not "100.0 %".
pub fn score_text(score: f64) -> String {
    let percent = score * 100.0;
    if percent >= 99.95 && score < 1.0 {
        "> 99.9 %".to_owned()
    } else if percent < 0.05 && score > 0.0 {
        "< 0.1 %".to_owned()
    } else {
        format!("{percent:.1} %")
    }
}

/// The default auto-merge threshold.
pub const DEFAULT_AUTO_MERGE_AT: f64 = 0.999;
/// The default review threshold.
pub const DEFAULT_REVIEW_AT: f64 = 0.5;
/// The most attributes matching compares.
pub const MAX_ATTRIBUTES: usize = 20;

/// Which side of the thresholds a score falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// At or above the auto-merge threshold.
    AutoMerge,
    /// Between the thresholds: a steward decides.
    Review,
    /// Below the review threshold: not the same person.
    Below,
}

impl Band {
    /// The band of `score` under `settings`.
    pub fn of(score: f64, settings: &MatchSettings) -> Self {
        if score >= settings.auto_merge_at {
            Self::AutoMerge
        } else if score >= settings.review_at {
            Self::Review
        } else {
            Self::Below
        }
    }

    /// The stored and CSV form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AutoMerge => "auto_merge",
            Self::Review => "review",
            Self::Below => "below",
        }
    }
}

/// What became of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Waiting in the review queue.
    Pending,
    /// Merged without review (score above the auto-merge threshold).
    AutoMerged,
    /// A steward approved it, or merged the two by hand: merged.
    Approved,
    /// A steward said they are different people: never proposed again.
    Rejected,
    /// The merge was undone: never proposed again.
    Unmerged,
}

impl Decision {
    /// The stored and CSV form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::AutoMerged => "auto_merged",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Unmerged => "unmerged",
        }
    }

    /// Whether the pair is settled: it is never proposed or changed by a later run.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending)
    }
}

/// The decision filter of the review page (`all`: any; `None` when not a decision).
pub fn parse_decision(text: &str) -> Option<Option<Decision>> {
    use Decision as D;
    match text.trim() {
        "all" => Some(None),
        other => [
            D::Pending,
            D::AutoMerged,
            D::Approved,
            D::Rejected,
            D::Unmerged,
        ]
        .into_iter()
        .find(|d| d.as_str() == other)
        .map(Some),
    }
}

/// A band by its stored name.
pub fn parse_band(text: &str) -> Option<Band> {
    [Band::AutoMerge, Band::Review, Band::Below]
        .into_iter()
        .find(|b| b.as_str() == text.trim())
}

/// How one attribute's values compared, for the review page and the CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The attribute's path.
    pub path: String,
    /// Its kind.
    pub kind: AttributeKind,
    /// The level of agreement (`None`: missing on one side or both, so it counted for nothing).
    pub level: Option<String>,
    /// Whether the values agree fully, partly, not at all, or one is missing.
    pub outcome: Outcome,
    /// Evidence for (positive) or against (negative) the match, in bits.
    pub weight: f64,
}

/// A field's verdict, for marking it on the review page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The best level: the values are the same after normalising.
    Agree,
    /// A level between: a typo, a nickname, a swap.
    Partial,
    /// The values differ.
    Disagree,
    /// Missing on one side or both: unknown, never counted against.
    Missing,
}

impl Outcome {
    /// The outcome of `level` (of `count` levels; `None` when missing).
    pub fn of(level: Option<usize>, count: usize) -> Self {
        match level {
            None => Self::Missing,
            Some(0) => Self::Disagree,
            Some(l) if l + 1 >= count => Self::Agree,
            Some(_) => Self::Partial,
        }
    }
}

/// Where the full matching job stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Never run.
    #[default]
    Idle,
    /// Under way.
    Running,
    /// Finished; the summary says what it did.
    Done,
    /// Stopped by an error.
    Failed,
}

/// What a full run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Live profiles compared.
    pub profiles: u64,
    /// Candidate pairs from blocking.
    pub candidate_pairs: u64,
    /// Candidate pairs per profile, on average.
    pub pairs_per_profile: f64,
    /// Most candidate pairs of one profile.
    pub max_pairs_per_profile: u64,
    /// Blocking keys too common to use.
    pub oversized_keys: u64,
    /// Pairs merged without review.
    pub auto_merged: u64,
    /// Pairs waiting for review.
    pub queued: u64,
    /// Pairs below the review threshold.
    pub below: u64,
    /// Pairs skipped because a steward already decided them or a merge was undone.
    pub settled_skipped: u64,
    /// Share of candidate pairs the model takes for one person.
    pub prior: f64,
    /// Seconds the run took.
    pub seconds: f64,
}

/// The full job's progress, for the progress bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// State.
    pub state: JobState,
    /// The step under way, in words.
    pub step: String,
    /// Work done in the step.
    pub done: u64,
    /// Work in the step.
    pub total: u64,
    /// Who started it (an email, or `system`).
    pub started_by: String,
    /// When it finished (`YYYY-MM-DD HH:MM:SS` UTC).
    pub finished_at: Option<String>,
    /// The last finished run's summary.
    pub summary: Option<RunSummary>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Pairs per band: at the saved thresholds and at proposed ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BandCounts {
    /// Would be merged without review.
    pub auto_merge: u64,
    /// Would wait for review.
    pub review: u64,
    /// Would be left alone.
    pub below: u64,
}

/// One side of a pair as the review page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairSide {
    /// Profile id (hex).
    pub id: String,
    /// Display name (masked for roles without personal data).
    pub name: String,
    /// Its sources.
    pub sources: Vec<String>,
    /// The compared attributes' values, in the pair's evidence order (masked likewise).
    pub values: Vec<String>,
}

/// A pair on the review page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairView {
    /// Pair key.
    pub id: String,
    /// Probability of one person.
    pub score: f64,
    /// Band when scored.
    pub band: Band,
    /// What became of it.
    pub decision: Decision,
    /// Per attribute, in the model's order.
    pub evidence: Vec<FieldEvidence>,
    /// The older profile.
    pub left: PairSide,
    /// The other.
    pub right: PairSide,
    /// Who decided.
    pub decided_by: Option<String>,
    /// The merge it led to (hex), for undo.
    pub merge: Option<String>,
}

/// One page of the review queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairPage {
    /// The pairs, highest score first.
    pub pairs: Vec<PairView>,
    /// Pairs matching the filters.
    pub total: u64,
    /// Whether values are masked for the viewer.
    pub masked: bool,
    /// Whether the viewer may decide.
    pub can_decide: bool,
    /// Sources to filter by.
    pub sources: Vec<String>,
}

/// What Settings → Matching shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchingOverview {
    /// The saved settings, as the form shows them.
    pub form: crate::model::matching_form::MatchSettingsForm,
    /// Whether the viewer may change them.
    pub can_edit: bool,
    /// Whether the viewer may start a run.
    pub can_run: bool,
    /// The full job.
    pub job: JobStatus,
    /// When the model was last trained (`YYYY-MM-DD HH:MM:SS` UTC).
    pub trained_at: Option<String>,
    /// The last run's candidate scores (`None` before the first run).
    pub histogram: Option<Histogram>,
    /// Pairs waiting for review.
    pub pending: u64,
    /// Profiles waiting for incremental matching.
    pub queued_profiles: u64,
}

/// Candidate scores of a run, in buckets of an eighth of a bit from −64 to +64 bits: enough to
/// say how many pairs fall in each band at thresholds not yet saved (the settings page counts
/// them as the thresholds are typed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Pairs per bucket.
    pub counts: Vec<u32>,
}

const BUCKETS_PER_BIT: f64 = 8.0;
const LOWEST_BITS: f64 = -64.0;
const BUCKETS: usize = 1024;

impl Histogram {
    /// The histogram of `weights` (bits).
    pub fn of(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut counts = vec![0u32; BUCKETS];
        for w in weights {
            counts[Self::bucket(w)] += 1;
        }
        Self { counts }
    }

    fn bucket(weight: f64) -> usize {
        (((weight - LOWEST_BITS) * BUCKETS_PER_BIT).floor().max(0.0) as usize).min(BUCKETS - 1)
    }

    /// Pairs whose probability is at least `threshold` (0: all of them).
    pub fn at_least(&self, threshold: f64) -> u64 {
        let from = if threshold <= 0.0 {
            0
        } else {
            Self::bucket((threshold / (1.0 - threshold)).log2())
        };
        self.counts
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|&c| u64::from(c))
            .sum()
    }

    /// Pairs per band at thresholds `review` and `auto_merge`.
    pub fn bands(&self, review: f64, auto_merge: f64) -> BandCounts {
        let (total, review_up, auto_up) = (
            self.at_least(0.0),
            self.at_least(review),
            self.at_least(auto_merge),
        );
        BandCounts {
            auto_merge: auto_up,
            review: review_up.saturating_sub(auto_up),
            below: total.saturating_sub(review_up),
        }
    }
}
