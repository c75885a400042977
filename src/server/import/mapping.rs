//! The column → identifier / trait mapping, written in TOML and saved per source.
use super::dates::DateOrder;
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
    /// How dates written with slashes are read (`date_order = "dmy"` or `"mdy"`; `dmy` if unset).
    pub date_order: DateOrder,
    /// Country assumed for phone numbers written without `+` (`phone_region = "KR"`); the
    /// server's `ENRICH_PHONE_REGION` if unset.
    pub phone_region: Option<phonenumber::country::Id>,
}

impl Mapping {
    /// The column names the mapping reads, the timestamp column included.
    pub fn column_names(&self) -> impl Iterator<Item = &String> {
        self.columns.keys().chain(self.timestamp.iter())
    }

    /// The mapping as the TOML the CLI reads (what a source's saved mapping holds).
    pub fn to_toml(&self) -> String {
        #[derive(serde::Serialize)]
        struct Text<'a> {
            columns: BTreeMap<&'a str, String>,
            options: BTreeMap<&'a str, String>,
        }
        let columns = self
            .columns
            .iter()
            .map(|(c, t)| (c.as_str(), t.to_string()))
            .collect();
        let mut options = BTreeMap::from([("date_order", self.date_order.as_str().to_owned())]);
        if let Some(column) = &self.timestamp {
            options.insert("timestamp", column.clone());
        }
        if let Some(region) = self.phone_region {
            options.insert("phone_region", region.as_ref().to_owned());
        }
        toml::to_string(&Text { columns, options }).unwrap_or_default()
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UserId => f.write_str("user_id"),
            Self::AnonymousId => f.write_str("anonymous_id"),
            Self::Email => f.write_str("email"),
            Self::Phone => f.write_str("phone"),
            Self::External(kind) => write!(f, "external:{kind}"),
            Self::Trait(name, kind) => write!(f, "trait:{name}:{}", kind.as_str()),
            Self::Ignore => f.write_str("ignore"),
        }
    }
}

impl ValueType {
    /// The mapping's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Date => "date",
        }
    }

    /// Parses `string`, `number`, `boolean` or `date`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::String, Self::Number, Self::Boolean, Self::Date]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
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
    date_order: Option<String>,
    phone_region: Option<String>,
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
    let options = raw.options;
    let date_order = match options.date_order.as_deref() {
        None => DateOrder::default(),
        Some(text) => DateOrder::parse(text)
            .ok_or_else(|| AppError::invalid("mapping", "date_order must be \"dmy\" or \"mdy\""))?,
    };
    let phone_region = match options.phone_region.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(parse_region(text)?),
    };
    Ok(Mapping {
        columns,
        timestamp: options.timestamp.filter(|t| !t.trim().is_empty()),
        date_order,
        phone_region,
    })
}

/// A two-letter country code (`KR`, `us`) as a phone region.
pub fn parse_region(text: &str) -> Result<phonenumber::country::Id, AppError> {
    text.trim().to_uppercase().parse().map_err(|_| {
        AppError::invalid(
            "phone_region",
            format!("Phone country {text:?} is not a two-letter country code such as KR or US"),
        )
    })
}

/// `email`, `trait:age:number` … as a target.
pub fn parse_target(text: &str) -> Option<Target> {
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
            let kind = ValueType::parse(kind)?;
            return valid_name(name).then(|| Target::Trait(name.to_owned(), kind));
        }
    })
}

/// Whether `name` may name a trait or an external id type.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('$')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
