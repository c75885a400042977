//! Sources: the named systems that send data, their write keys (public: they ship inside apps)
//! and their server keys (secret: for the customer's backend, which may read any person).
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest source name.
pub const SOURCE_NAME_MAX_CHARS: usize = 60;

/// How a source sends data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The tracking API with a write key.
    Api,
    /// File imports (CSV / JSON Lines).
    Import,
    /// Customers typed in on the Customers page.
    Manual,
}

/// A source as Settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Source id (hex).
    pub id: String,
    /// Unique name (`web`, `crm`).
    pub name: String,
    /// How it sends data.
    pub kind: SourceKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its write keys, newest first (never the key itself).
    pub keys: Vec<KeySummary>,
    /// Its server keys, newest first (never the key itself).
    pub server_keys: Vec<KeySummary>,
}

/// A write or server key as shown after creation: its first characters only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// Key id (hex), used to revoke it; a server key's id is also the `keyId` of its tokens.
    pub id: String,
    /// The first characters, to tell keys apart.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created write key: the only time the full key is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWriteKey {
    /// The source it belongs to.
    pub source: String,
    /// The key; store it now, it cannot be shown again.
    pub key: String,
}

/// A newly created server key: the only time the full key is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedServerKey {
    /// The source it belongs to.
    pub source: String,
    /// Its public id, which user tokens signed with it name.
    pub key_id: String,
    /// The key; store it now, it cannot be shown again.
    pub key: String,
}

/// A valid source name: 1–60 of lower-case letters, digits, `-` and `_`, starting with a letter.
pub fn parse_source_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if name.is_empty() {
        Err(AppError::invalid("name", "is required"))
    } else if name.chars().count() > SOURCE_NAME_MAX_CHARS {
        Err(AppError::invalid(
            "name",
            format!("must be at most {SOURCE_NAME_MAX_CHARS} characters"),
        ))
    } else if !valid_chars || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Err(AppError::invalid(
            "name",
            "must start with a letter and use only a-z, 0-9, '-' and '_'",
        ))
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_slugs() {
        assert_eq!(parse_source_name(" web-app_2 ").unwrap(), "web-app_2");
        for bad in ["", "Web", "2web", "we b", "web.app", &"a".repeat(61)] {
            let err = parse_source_name(bad).unwrap_err();
            assert!(err.message_for("name").is_some(), "{bad:?}");
        }
    }
}
