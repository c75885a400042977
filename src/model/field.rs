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
    /// For traits: how the top-level key is protected.
    #[serde(default)]
    pub class: FieldClass,
    /// For traits: whether the top-level key is exposed to websites (personalization API).
    #[serde(default)]
    pub exposed: bool,
}

/// How a top-level trait is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldClass {
    /// Shown to every role.
    #[default]
    Standard,
    /// Personal data: masked for roles without `ReadPii`.
    Pii,
    /// Never shown to anyone, encrypted at rest (e.g. a national id).
    Restricted,
}

impl FieldClass {
    /// Every class, in display order.
    pub const ALL: [FieldClass; 3] = [
        FieldClass::Standard,
        FieldClass::Pii,
        FieldClass::Restricted,
    ];

    /// The stored and form value.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldClass::Standard => "standard",
            FieldClass::Pii => "pii",
            FieldClass::Restricted => "restricted",
        }
    }

    /// Parses the stored and form value.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// The top-level trait key of a catalog path (`traits.address.city` → `address`).
pub fn top_level_key(path: &str) -> &str {
    let rest = path.strip_prefix("traits.").unwrap_or(path);
    rest.split('.').next().unwrap_or(rest)
}

/// Checks a top-level trait key (letters, digits, `_` and `-`, at most 64): it becomes part of a
/// MongoDB path, so no operators and no dots. The error names `field`.
pub fn check_trait_key<'a>(field: &str, key: &'a str) -> Result<&'a str, crate::error::AppError> {
    let valid = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some(key).ok_or_else(|| {
        crate::error::AppError::invalid(
            field,
            "must be a trait name (letters, digits, _ and - only)",
        )
    })
}
