//! Computed traits: values derived from a profile's events (count, sum, …), kept on the profile.
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Longest look-back window, in days.
pub const MAX_WINDOW_DAYS: u32 = 3_650;

/// How event values are aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Number of events.
    Count,
    /// Sum of a numeric property.
    Sum,
    /// Smallest numeric value.
    Min,
    /// Largest numeric value.
    Max,
    /// Value (or time, without a property) of the earliest event.
    First,
    /// Value (or time, without a property) of the latest event.
    Last,
    /// The most common value.
    MostFrequent,
    /// How many distinct values.
    UniqueCount,
}

/// Every aggregate with its label, for forms.
pub const AGGREGATES: &[(Aggregate, &str, &str)] = &[
    (Aggregate::Count, "count", "Count of events"),
    (Aggregate::Sum, "sum", "Sum of a property"),
    (Aggregate::Min, "min", "Minimum of a property"),
    (Aggregate::Max, "max", "Maximum of a property"),
    (Aggregate::First, "first", "First value"),
    (Aggregate::Last, "last", "Last value"),
    (
        Aggregate::MostFrequent,
        "most_frequent",
        "Most frequent value",
    ),
    (
        Aggregate::UniqueCount,
        "unique_count",
        "Unique count of a property",
    ),
];

impl Aggregate {
    fn needs_property(self) -> bool {
        !matches!(self, Self::Count | Self::First | Self::Last)
    }
}

/// A validated definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedTraitDef {
    /// Unique name, stored under `computed.<name>`.
    pub name: String,
    /// Event name it looks at.
    pub event: String,
    /// How.
    pub aggregate: Aggregate,
    /// Dotted property path inside `properties`, if the aggregate uses one.
    pub property: Option<String>,
    /// Only events in the last this-many days, if set.
    pub within_days: Option<u32>,
}

/// A definition with its back-fill progress, as Settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedTraitSummary {
    /// The definition.
    pub definition: ComputedTraitDef,
    /// Profiles back-filled so far.
    pub done: u64,
    /// Profiles to back-fill.
    pub total: u64,
    /// Whether the back-fill finished.
    pub finished: bool,
}

/// Validates form input: every problem at once, in the form's words, each naming its field.
pub fn parse_definition(
    name: &str,
    event: &str,
    aggregate: &str,
    property: &str,
    within_days: &str,
) -> Result<ComputedTraitDef, AppError> {
    use crate::error::{FieldErrors, rule};
    let mut errors = FieldErrors::new();
    let name = errors.check_labelled(
        "name",
        "Name",
        crate::model::source::parse_source_name(name),
    );
    errors.text("event", "Event", event, 200);
    let aggregate = AGGREGATES
        .iter()
        .find(|(_, key, _)| *key == aggregate.trim())
        .map(|(a, _, _)| *a);
    if aggregate.is_none() {
        errors.add(
            "aggregate",
            "Aggregate must be one of the listed aggregates",
        );
    }
    let property = errors.check("property", parse_property(aggregate, property));
    let within_days = errors.check("within_days", parse_window(within_days));
    errors.finish()?;
    let missing = || AppError::invalid("name", rule::required("Name"));
    Ok(ComputedTraitDef {
        name: name.ok_or_else(missing)?,
        event: event.trim().to_owned(),
        aggregate: aggregate.ok_or_else(missing)?,
        property: property.flatten(),
        within_days: within_days.flatten(),
    })
}

fn parse_property(
    aggregate: Option<Aggregate>,
    property: &str,
) -> Result<Option<String>, AppError> {
    let invalid = |m: &str| Err(AppError::invalid("property", format!("Property {m}")));
    match property.trim() {
        "" if aggregate.is_some_and(|a| a.needs_property()) => {
            invalid("is required for this aggregate")
        }
        "" => Ok(None),
        _ if aggregate == Some(Aggregate::Count) => invalid("must be empty for a count"),
        path if path.split('.').all(valid_segment) => Ok(Some(path.to_owned())),
        _ => invalid("must be a dotted path of names (letters, digits, '_', '-', ' ')"),
    }
}

fn parse_window(within_days: &str) -> Result<Option<u32>, AppError> {
    match within_days.trim() {
        "" => Ok(None),
        text => match text.parse::<u32>() {
            Ok(days) if (1..=MAX_WINDOW_DAYS).contains(&days) => Ok(Some(days)),
            _ => Err(AppError::invalid(
                "within_days",
                format!("Days must be a whole number from 1 to {MAX_WINDOW_DAYS}"),
            )),
        },
    }
}

fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.starts_with('$')
        && segment
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
}

/// The value of `aggregate` over events `(time, property value)`, oldest first.
pub fn compute(aggregate: Aggregate, events: &[(DateTime<Utc>, Option<Value>)]) -> Value {
    let values = || {
        events
            .iter()
            .filter_map(|(_, v)| v.as_ref())
            .filter(|v| !v.is_null())
    };
    let numbers = || values().filter_map(Value::as_f64);
    let time = |at: &DateTime<Utc>| Value::String(at.to_rfc3339());
    match aggregate {
        Aggregate::Count => Value::from(events.len()),
        Aggregate::Sum => compute_number(numbers().sum()),
        Aggregate::Min => numbers()
            .reduce(f64::min)
            .map_or(Value::Null, compute_number),
        Aggregate::Max => numbers()
            .reduce(f64::max)
            .map_or(Value::Null, compute_number),
        Aggregate::First => events
            .first()
            .map_or(Value::Null, |(at, v)| v.clone().unwrap_or_else(|| time(at))),
        Aggregate::Last => events
            .last()
            .map_or(Value::Null, |(at, v)| v.clone().unwrap_or_else(|| time(at))),
        Aggregate::UniqueCount => Value::from(
            values()
                .map(Value::to_string)
                .collect::<BTreeSet<_>>()
                .len(),
        ),
        Aggregate::MostFrequent => {
            let mut counts: BTreeMap<String, (usize, &Value)> = BTreeMap::new();
            for value in values() {
                counts.entry(value.to_string()).or_insert((0, value)).0 += 1;
            }
            // Ties go to the smallest JSON text, so the answer never depends on event order.
            counts
                .values()
                .max_by(|a, b| {
                    a.0.cmp(&b.0)
                        .then_with(|| b.1.to_string().cmp(&a.1.to_string()))
                })
                .map_or(Value::Null, |(_, v)| (*v).clone())
        }
    }
}

/// A number as computed traits store it: integral values stay integers.
pub fn compute_number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
#[path = "computed_tests.rs"]
mod tests;
