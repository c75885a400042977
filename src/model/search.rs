//! The customers list query: search, filters, sort and cursor, as typed values.
use serde::{Deserialize, Serialize};

/// Rows per page of the customers list.
pub const PAGE_SIZE: usize = 50;

/// How the list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    /// Newest profiles first.
    #[default]
    Created,
    /// Most recently active first (profiles never active are left out).
    LastSeen,
    /// By name, A to Z.
    Name,
}

impl CustomerSort {
    /// Every order, with its label.
    pub const ALL: [(CustomerSort, &'static str); 3] = [
        (CustomerSort::Created, "Newest"),
        (CustomerSort::LastSeen, "Recently active"),
        (CustomerSort::Name, "Name A–Z"),
    ];

    /// The URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerSort::Created => "created",
            CustomerSort::LastSeen => "last_seen",
            CustomerSort::Name => "name",
        }
    }

    /// Parses the URL form (empty → the default).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" => Some(Self::default()),
            _ => Self::ALL
                .into_iter()
                .map(|(s, _)| s)
                .find(|s| s.as_str() == text),
        }
    }
}

/// The customers list's query string, as sent (every field optional text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerQuery {
    /// Any identifier (email, phone, user id, external id `type:id`), or the start of a name;
    /// without access to personal data, the whole name, and no restricted `key:value`.
    pub q: String,
    /// Only profiles this source contributed to.
    pub source: String,
    /// Last seen on or after this day (`YYYY-MM-DD`).
    pub seen_from: String,
    /// Last seen on or before this day (`YYYY-MM-DD`).
    pub seen_to: String,
    /// Only profiles with this top-level trait.
    pub has_trait: String,
    /// `created`, `last_seen` or `name`.
    pub sort: String,
    /// Cursor from the previous page.
    pub after: String,
}
