//! The column → identifier / trait mapping, written in TOML and saved per source.
use crate::error::AppError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The user id.
    UserId,
    /// An anonymous id.
    AnonymousId,
    /// Email (identifier and `email` trait).
    Email,
    /// Phone (identifier and `phone` trait).
    Phone,
    /// An id in another system, by type.
    External(String),
    /// A trait, with the type to read the text as.
    Trait(String, ValueType),
    /// Not imported.
    Ignore,
}

/// How a trait column's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// As is.
    String,
    /// A number.
    Number,
    /// `true/false/yes/no/1/0`.
    Boolean,
    /// An ISO-8601 date or time, stored as RFC 3339.
    Date,
}

/// A validated mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Column name → target.
    pub columns: BTreeMap<String, Target>,
    /// Column with the record's update time, if any.
    pub timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    columns: BTreeMap<String, String>,
    #[serde(default)]
    options: RawOptions,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    timestamp: Option<String>,
}

/// Parses a mapping; errors name the `mapping` field and say which entry is wrong.
pub fn parse_mapping(text: &str) -> Result<Mapping, AppError> {
    let raw: RawMapping =
        toml::from_str(text).map_err(|e| AppError::invalid("mapping", e.to_string()))?;
    let mut columns = BTreeMap::new();
    for (column, target) in raw.columns {
        let parsed = parse_target(&target).ok_or_else(|| {
            AppError::invalid(
                "mapping",
                format!("column {column:?}: unknown target {target:?}"),
            )
        })?;
        columns.insert(column, parsed);
    }
    let identifies = columns.values().any(|t| {
        matches!(
            t,
            Target::UserId
                | Target::AnonymousId
                | Target::Email
                | Target::Phone
                | Target::External(_)
        )
    });
    if !identifies {
        return Err(AppError::invalid(
            "mapping",
            "map at least one column to user_id, anonymous_id, email, phone or external:<type>",
        ));
    }
    Ok(Mapping {
        columns,
        timestamp: raw.options.timestamp,
    })
}

fn parse_target(text: &str) -> Option<Target> {
    let text = text.trim();
    Some(match text {
        "user_id" => Target::UserId,
        "anonymous_id" => Target::AnonymousId,
        "email" => Target::Email,
        "phone" => Target::Phone,
        "ignore" => Target::Ignore,
        _ => {
            if let Some(kind) = text.strip_prefix("external:") {
                return valid_name(kind).then(|| Target::External(kind.to_owned()));
            }
            let rest = text.strip_prefix("trait:")?;
            let (name, kind) = rest.split_once(':').unwrap_or((rest, "string"));
            let kind = match kind {
                "string" => ValueType::String,
                "number" => ValueType::Number,
                "boolean" => ValueType::Boolean,
                "date" => ValueType::Date,
                _ => return None,
            };
            return valid_name(name).then(|| Target::Trait(name.to_owned(), kind));
        }
    })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('$')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_mapping_parses() {
        let mapping = parse_mapping(crate::model::import::EXAMPLE_MAPPING).unwrap();
        assert_eq!(mapping.columns["E-mail"], Target::Email);
        assert_eq!(
            mapping.columns["Customer No"],
            Target::External("crm_id".into())
        );
        assert_eq!(
            mapping.columns["Age"],
            Target::Trait("age".into(), ValueType::Number)
        );
    }

    #[test]
    fn bad_mappings_say_what_is_wrong() {
        for (text, needle) in [
            ("[columns]\nA = \"trait:x:colour\"", "column \"A\""),
            ("[columns]\nA = \"trait:name\"", "at least one column"),
            ("[columns]\nA = \"external:\"", "unknown target"),
            ("[columns]\nA = \"trait:a.b\"", "unknown target"),
            ("columns = 3", "invalid type"),
            ("[columns]\nA = \"email\"\n[extra]\n", "unknown field"),
        ] {
            let err = parse_mapping(text).unwrap_err();
            let message = err.message_for("mapping").unwrap();
            assert!(message.contains(needle), "{text}: {message}");
        }
    }
}
