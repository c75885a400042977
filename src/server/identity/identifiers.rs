//! The identifiers a message carries, normalised so that the same person written differently
//! (`Ann@X.com ` / `ann@x.com`, `010-1234-5678` / `+82 10 1234 5678`) yields one key.
use crate::server::ingest::message::{Message, MessageType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Kinds of identifier, in resolution priority order (strongest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// The customer's own user id.
    UserId,
    /// An id in another system (`context.externalIds`), qualified by its type.
    External,
    /// Lower-cased email.
    Email,
    /// E.164 phone number.
    Phone,
    /// Device or cookie id.
    AnonymousId,
}

impl IdentityKind {
    /// The name used in keys and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserId => "user_id",
            Self::External => "external",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::AnonymousId => "anonymous_id",
        }
    }
}

/// One normalised identifier; `key()` is its unique id in the `identities` collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Identifier {
    /// What kind it is.
    pub kind: IdentityKind,
    /// Normalised value (`crm_id:123` for an external id of type `crm_id`).
    pub value: String,
}

impl Identifier {
    /// `kind:value`, unique across all identifiers.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.value)
    }
}

/// How identifiers are normalised and which values are ignored.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    /// Values (compared case-insensitively after trimming) that never identify anyone.
    pub blocked: Vec<String>,
    /// Region assumed for phone numbers written without a country code.
    pub default_region: phonenumber::country::Id,
}

/// Placeholder values real systems emit instead of leaving a field empty.
pub const DEFAULT_BLOCKED: &[&str] = &[
    "null",
    "undefined",
    "none",
    "nil",
    "n/a",
    "na",
    "unknown",
    "0",
    "-1",
    "anonymous",
    "test@test.com",
    "test@example.com",
    "noemail@example.com",
    "no@email.com",
];

impl Default for IdentityPolicy {
    fn default() -> Self {
        Self {
            blocked: DEFAULT_BLOCKED.iter().map(|s| (*s).to_owned()).collect(),
            default_region: phonenumber::country::Id::US,
        }
    }
}

impl IdentityPolicy {
    fn is_blocked(&self, value: &str) -> bool {
        let value = value.trim();
        value.is_empty() || self.blocked.iter().any(|b| b.eq_ignore_ascii_case(value))
    }

    /// `kind` + raw value → identifier, or `None` when blocked or not a valid value of the kind.
    pub fn normalise(&self, kind: IdentityKind, raw: &str) -> Option<Identifier> {
        if self.is_blocked(raw) {
            return None;
        }
        let value = match kind {
            IdentityKind::Email => normalise_email(raw)?,
            IdentityKind::Phone => self.normalise_phone(raw)?,
            _ => raw.trim().to_owned(),
        };
        if self.is_blocked(&value) {
            return None;
        }
        Some(Identifier { kind, value })
    }

    /// A phone number in E.164 (`+821012345678`), or `None` if it is not a valid number.
    ///
    /// A number written with `+` is parsed with no default region: phonenumber 0.3.10 strips
    /// the *default* region's national prefix from it otherwise (US `1` from `+82 10 …`).
    /// Separators go first, since it also misreads mixed spaces and dashes (`+1 650-253-…`).
    pub fn normalise_phone(&self, raw: &str) -> Option<String> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}'))
            .collect();
        let region = (!compact.starts_with('+')).then_some(self.default_region);
        let parsed = phonenumber::parse(region, &compact).ok()?;
        phonenumber::is_valid(&parsed)
            .then(|| parsed.format().mode(phonenumber::Mode::E164).to_string())
    }

    /// The same policy with phones written without a country code read as `region`'s.
    pub fn with_region(&self, region: Option<phonenumber::country::Id>) -> Self {
        Self {
            blocked: self.blocked.clone(),
            default_region: region.unwrap_or(self.default_region),
        }
    }

    /// Every identifier in `message`, strongest kind first, without duplicates.
    pub fn identifiers_of(&self, message: &Message) -> Vec<Identifier> {
        let mut found = Vec::new();
        let mut add = |kind, raw: Option<&str>| {
            if let Some(id) = raw.and_then(|raw| self.normalise(kind, raw)) {
                found.push(id);
            }
        };
        add(IdentityKind::UserId, message.user_id.as_deref());
        if message.kind != MessageType::Alias {
            add(IdentityKind::AnonymousId, message.anonymous_id.as_deref());
        }
        for traits in trait_objects(message) {
            add(
                IdentityKind::Email,
                traits.get("email").and_then(Value::as_str),
            );
            add(
                IdentityKind::Phone,
                traits.get("phone").and_then(Value::as_str),
            );
        }
        for (kind_name, id) in external_ids(message) {
            add(IdentityKind::External, Some(&format!("{kind_name}:{id}")));
        }
        found.sort();
        found.dedup();
        found
    }
}

/// Trimmed and lower-cased; `None` unless it looks like `local@domain`.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace))
        .then_some(email)
}

/// Identify and group traits, then `context.traits` (what every call may carry).
pub fn trait_objects(message: &Message) -> Vec<&serde_json::Map<String, Value>> {
    let own = (message.kind == MessageType::Identify)
        .then(|| message.raw.get("traits").and_then(Value::as_object))
        .flatten();
    let context = message
        .raw
        .get("context")
        .and_then(|c| c.get("traits"))
        .and_then(Value::as_object);
    own.into_iter().chain(context).collect()
}

/// `context.externalIds[]` as `(type, id)` pairs.
fn external_ids(message: &Message) -> Vec<(String, String)> {
    let Some(Value::Array(ids)) = message
        .raw
        .get("context")
        .and_then(|c| c.get("externalIds"))
    else {
        return Vec::new();
    };
    ids.iter()
        .filter_map(|entry| {
            let kind = entry.get("type")?.as_str()?.trim();
            let id = match entry.get("id")? {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!kind.is_empty() && !id.is_empty()).then(|| (kind.to_owned(), id))
        })
        .collect()
}

#[cfg(test)]
#[path = "identifiers_tests.rs"]
mod tests;
