//! The field catalog: every trait and event-property path seen, for the segment builder.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One catalogued path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldInfo {
    /// `trait` or `property`.
    pub scope: String,
    /// For properties, the event they were sent with.
    pub event: Option<String>,
    /// Dotted path (`traits.address.city`, `properties.price`).
    pub path: String,
    /// JSON types seen: `string`, `number`, `boolean`, `date`, `object`, `array`, `null`.
    pub types: Vec<String>,
    /// Live profiles that have it (traits only).
    pub profiles: i64,
    /// How many messages carried it.
    pub occurrences: i64,
    /// A few values seen, as JSON text.
    pub samples: Vec<String>,
    /// Last time it was seen.
    pub last_seen: DateTime<Utc>,
}
