//! The stored shape of a profile: everything enrichment maintains about one person.
pub use super::profile_derived::DateEntry;
use crate::model::computed_state::TraitState;
use mongodb::bson::{self, Bson, Document, oid::ObjectId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Recent message keys remembered per profile for exactly-once application.
pub const APPLIED_MEMORY: usize = 256;

/// Whether a profile is the live one for its person, or was merged into another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    /// The profile identifiers resolve to.
    #[default]
    Live,
    /// Absorbed by `merged_into`; kept so the merge can be undone.
    Merged,
}

/// A profile as stored. Optional fields are omitted, never stored as null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileDoc {
    /// Profile id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Bumped on every write; writers replace only the revision they read.
    #[serde(default)]
    pub rev: i64,
    /// Live or merged.
    #[serde(default)]
    pub status: ProfileStatus,
    /// The survivor this profile was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<ObjectId>,
    /// Profiles merged into this one, directly or through them.
    #[serde(default)]
    pub absorbed: Vec<ObjectId>,
    /// Profiles an admin un-merged from this one; they are never merged again automatically.
    #[serde(default)]
    pub separated_from: Vec<ObjectId>,
    /// When the profile was created.
    pub created_at: bson::DateTime,
    /// Earliest event time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<bson::DateTime>,
    /// Latest event time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<bson::DateTime>,
    /// Display name, from the `name` / `firstName` + `lastName` traits.
    #[serde(default)]
    pub name: String,
    /// `name` lower-cased, for case-insensitive prefix search on an index.
    #[serde(default)]
    pub name_lower: String,
    /// The name's words, lower case without accents, joined by one space (whole-name search).
    #[serde(default)]
    pub name_folded: String,
    /// Every start of every word of `name_folded` (word search without regular expressions).
    #[serde(default)]
    pub name_prefixes: Vec<String>,
    /// Primary email (normalised), from the `email` trait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Primary phone (E.164 when valid), from the `phone` trait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Names of the sources that contributed.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The identifiers that resolve to this profile.
    #[serde(default)]
    pub identities: Vec<IdentityEntry>,
    /// Current trait values (top-level keys; values may nest).
    #[serde(default)]
    pub traits: Document,
    /// Where each trait's current value came from, and its earlier values.
    #[serde(default)]
    pub provenance: Vec<TraitProvenance>,
    /// The latest page view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_page: Option<LastPage>,
    /// The latest track / page / screen call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event: Option<LastEvent>,
    /// Device, OS, user agent, IP and location from the latest event's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceInfo>,
    /// Per event name: total and daily counts.
    #[serde(default)]
    pub counters: Vec<EventCounter>,
    /// Consent per purpose, latest statement wins.
    #[serde(default)]
    pub consent: Vec<ConsentEntry>,
    /// Computed trait values by definition name.
    #[serde(default)]
    pub computed: Document,
    /// Per segment event query with property filters (keyed by `event_matches::key_of`): how
    /// many events matched, all time and per day within counter retention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_matches: Vec<EventCounter>,
    /// What each computed trait keeps between events, by definition name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub computed_state: BTreeMap<String, TraitState>,
    /// All events applied.
    #[serde(default)]
    pub event_count: i64,
    /// Date values of traits and computed traits, for segment rules (kept by `Profiles`).
    #[serde(default)]
    pub dates: Vec<DateEntry>,
    /// Stable sampling bucket, 0 ≤ b < 10,000 (kept by `Profiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<i64>,
    /// Keys (`source:messageId`) of the most recent messages applied: a retry whose profile
    /// update landed before the crash is recognised and not applied twice.
    #[serde(default)]
    pub applied: Vec<String>,
    /// Recommended products, refreshed on e-commerce events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendations: Option<StoredRecommendations>,
    /// The person's recent product events and purchases, kept by the recommendation worker so
    /// ranking never scans events; `None` until it reads them from the events once (and again
    /// after a merge or an unmerge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_memory: Option<ProductMemory>,
}

/// A person's recent product events and everything they bought.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductMemory {
    /// Newest first, bounded.
    pub recent: Vec<ProductEventEntry>,
    /// Products bought, each once.
    pub bought: Vec<String>,
}

/// One event that named catalog products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEventEntry {
    /// The stored event's id.
    pub id: String,
    /// Its name (`Product Viewed`, `Product Added`, `Order Completed`).
    pub event: String,
    /// The products, each once.
    pub products: Vec<String>,
    /// When.
    pub at: bson::DateTime,
}

/// A profile's recommended products as last ranked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecommendations {
    /// Best first.
    pub items: Vec<crate::model::product::ProductCard>,
    /// When they were ranked.
    pub at: bson::DateTime,
}

/// The latest consent statement for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEntry {
    /// One of `model::consent::PURPOSES`.
    pub purpose: String,
    /// Granted or withdrawn.
    pub granted: bool,
    /// Source name.
    pub source: String,
    /// Event time of the statement.
    pub at: bson::DateTime,
}

/// An identifier held by a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityEntry {
    /// `kind:value`, the `_id` in `identities`.
    pub key: String,
    /// `user_id`, `email`, …
    pub kind: String,
    /// Normalised value.
    pub value: String,
    /// Source that first sent it.
    pub source: String,
    /// When it was first seen.
    pub at: bson::DateTime,
}

/// The current value of one trait and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraitProvenance {
    /// Top-level trait key.
    pub key: String,
    /// Source name.
    pub source: String,
    /// Message that set it.
    pub message_id: String,
    /// Event time of that message.
    pub at: bson::DateTime,
    /// Earlier values, newest first, bounded.
    #[serde(default)]
    pub history: Vec<PastValue>,
}

/// A value a trait held before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastValue {
    /// The value.
    pub value: Bson,
    /// Source name.
    pub source: String,
    /// Message that set it.
    pub message_id: String,
    /// Event time of that message.
    pub at: bson::DateTime,
}

/// The seed's "last web visit".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastPage {
    /// Full URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Title (or the page call's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Referrer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// When.
    pub at: bson::DateTime,
}

/// The latest event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastEvent {
    /// Event name (`Page Viewed` for page calls).
    pub name: String,
    /// Source name.
    pub source: String,
    /// When.
    pub at: bson::DateTime,
}

/// Where the person was and on what, from the latest event's context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// `context.device`, `context.os`, `context.userAgent`, `context.ip`, `context.location`,
    /// `context.locale`, `context.timezone` as sent.
    pub context: Document,
    /// When.
    pub at: bson::DateTime,
}

/// How often the person performed one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCounter {
    /// Event name.
    pub event: String,
    /// All time.
    pub total: i64,
    /// Per UTC day (`YYYY-MM-DD`), within the retention window, oldest first.
    #[serde(default)]
    pub daily: Vec<DayCount>,
}

/// Events on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// How many.
    pub count: i64,
}

impl ProfileDoc {
    /// An empty live profile.
    pub fn new(id: ObjectId, created_at: bson::DateTime) -> Self {
        Self {
            id,
            rev: 0,
            status: ProfileStatus::Live,
            merged_into: None,
            absorbed: Vec::new(),
            separated_from: Vec::new(),
            created_at,
            first_seen: None,
            last_seen: None,
            name: String::new(),
            name_lower: String::new(),
            name_folded: String::new(),
            name_prefixes: Vec::new(),
            email: None,
            phone: None,
            sources: Vec::new(),
            identities: Vec::new(),
            traits: Document::new(),
            provenance: Vec::new(),
            last_page: None,
            last_event: None,
            device: None,
            counters: Vec::new(),
            consent: Vec::new(),
            computed: Document::new(),
            computed_state: BTreeMap::new(),
            event_matches: Vec::new(),
            event_count: 0,
            dates: Vec::new(),
            bucket: None,
            applied: Vec::new(),
            recommendations: None,
            product_memory: None,
        }
    }

    /// Whether the person has granted consent for `purpose` (never stated counts as not).
    pub fn consents_to(&self, purpose: &str) -> bool {
        self.consent
            .iter()
            .any(|c| c.purpose == purpose && c.granted)
    }

    /// How many identifiers of `kind` the profile holds.
    pub fn identity_count(&self, kind: &str) -> usize {
        self.identities.iter().filter(|i| i.kind == kind).count()
    }
}
