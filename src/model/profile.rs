//! One customer in full, as the customer page shows it.
use super::{consent::ConsentView, field::FieldClass};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A profile with its identities, traits (with provenance), counters, events and merges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    /// Profile id (hex).
    pub id: String,
    /// Display name (may be empty).
    pub name: String,
    /// Primary email.
    pub email: Option<String>,
    /// Primary phone.
    pub phone: Option<String>,
    /// If merged, the profile it lives on in (hex).
    pub merged_into: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Earliest event.
    pub first_seen: Option<DateTime<Utc>>,
    /// Latest activity.
    pub last_seen: Option<DateTime<Utc>>,
    /// Contributing sources.
    pub sources: Vec<String>,
    /// Identifiers.
    pub identities: Vec<IdentityView>,
    /// Traits, by key.
    pub traits: Vec<TraitView>,
    /// Computed traits `(name, value as JSON)`.
    pub computed: Vec<(String, String)>,
    /// Event counters.
    pub counters: Vec<CounterView>,
    /// Latest page view.
    pub last_page: Option<PageView>,
    /// Newest events.
    pub recent_events: Vec<EventView>,
    /// Cursor for older events, if there are more.
    pub events_next: Option<String>,
    /// Merges this profile took part in, newest first.
    pub merges: Vec<MergeView>,
    /// Consent for every purpose, stated or not.
    pub consent: Vec<ConsentView>,
    /// Segments the person is in.
    #[serde(default)]
    pub segments: Vec<super::segment::MembershipView>,
    /// Their latest segment entries and exits.
    #[serde(default)]
    pub segment_changes: Vec<super::segment::TransitionView>,
    /// Whether personal data is masked for the viewer.
    pub masked: bool,
    /// Masked fields the viewer may reveal with a reason (`name`, `email`, `phone`,
    /// `traits.<key>`).
    pub revealable: Vec<String>,
    /// Fields revealed for this page view: `(field, value)`.
    pub revealed: Vec<(String, String)>,
    /// What the viewer may do on this page.
    pub rights: ProfileRights,
}

/// The viewer's rights on the customer page (the server checks them again on every call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRights {
    /// Reveal a masked field with a reason.
    pub reveal: bool,
    /// Change consent.
    pub edit_consent: bool,
    /// Undo merges.
    pub unmerge: bool,
    /// Merge with another customer by hand (stewards).
    #[serde(default)]
    pub merge: bool,
    /// Download everything held.
    pub export: bool,
    /// Forget the person.
    pub delete: bool,
}

/// A page of a profile's events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    /// The events.
    pub events: Vec<EventView>,
    /// Pass back as `before` for the next (older) page.
    pub next: Option<String>,
}

/// An identifier of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    /// `user_id`, `email`, …
    pub kind: String,
    /// Normalised value.
    pub value: String,
    /// Source that first sent it.
    pub source: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A trait's value and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraitView {
    /// Key.
    pub key: String,
    /// Value as JSON text.
    pub value: String,
    /// Source of the value held.
    pub source: String,
    /// Event time of the value held.
    pub at: DateTime<Utc>,
    /// Earlier values, newest first.
    pub history: Vec<PastValueView>,
    /// How the key is protected.
    pub class: FieldClass,
    /// Whether the values shown are masked (or withheld, for restricted keys).
    pub masked: bool,
}

/// An earlier trait value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastValueView {
    /// Value as JSON text.
    pub value: String,
    /// Source.
    pub source: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// How often one event happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterView {
    /// Event name.
    pub event: String,
    /// All time.
    pub total: i64,
    /// In the last 30 days.
    pub last_30_days: i64,
}

/// The latest page view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView {
    /// URL or path.
    pub url: String,
    /// Title.
    pub title: Option<String>,
    /// Referrer.
    pub referrer: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// Stored id (`sourceId:messageId`).
    pub id: String,
    /// Page path or screen name, when there is one.
    pub detail: Option<String>,
    /// Call type.
    pub kind: String,
    /// Event or page name.
    pub name: Option<String>,
    /// Source name.
    pub source: String,
    /// Event time.
    pub at: DateTime<Utc>,
}

/// A merge involving the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeView {
    /// Merge id (hex), for unmerge.
    pub id: String,
    /// Survivor (hex).
    pub survivor: String,
    /// Absorbed (hex).
    pub absorbed: String,
    /// The absorbed side's name or first identifier, for display.
    pub absorbed_label: String,
    /// When merged.
    pub at: DateTime<Utc>,
    /// `done`, `undone`, …
    pub state: String,
    /// Whether it can be undone now.
    pub can_undo: bool,
}
