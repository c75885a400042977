//! What a computed trait keeps between events, so its value never needs the person's event
//! history: one bucket for all time, or one per UTC day inside the definition's window. Buckets
//! combine (a merge adds two people's), and a windowed value is read from the days still inside
//! the window, so it goes down as days age out without a new event.
//!
//! A window of N days is today and the N − 1 days before it, by UTC calendar day.
use super::computed::{Aggregate, ComputedTraitDef, compute_number};
use chrono::{DateTime, Days, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Distinct values kept per bucket for `most_frequent` and `unique_count`; values past it are
/// not counted (the README says so).
pub const MAX_DISTINCT: usize = 500;
/// The key of the all-time bucket.
const ALL_TIME: &str = "";

/// One event as a computed trait sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed<'a> {
    /// Event time.
    pub at: DateTime<Utc>,
    /// The event's id: orders events with the same time, as reading them sorted would.
    pub key: &'a str,
    /// The property's value, when the definition names one and the event has it.
    pub value: Option<&'a Value>,
}

/// A computed trait's kept state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraitState {
    /// Oldest first; one bucket keyed `""` without a window.
    pub buckets: Vec<Bucket>,
}

/// Everything the aggregates need about the events of one day (or of all time).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// `YYYY-MM-DD`, or `""` for all time.
    pub day: String,
    /// Events.
    pub count: i64,
    /// Sum of numeric values.
    #[serde(default)]
    pub sum: f64,
    /// Smallest numeric value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest numeric value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The earliest event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Stamped>,
    /// The latest event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Stamped>,
    /// Non-null values as JSON text, with how often each was seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<(String, i64)>,
}

/// An event's time, id and value (JSON text; `None` when the event did not carry it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// Event time, milliseconds since the epoch.
    pub at: i64,
    /// Event id.
    pub key: String,
    /// The value as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Stamped {
    fn order(&self) -> (i64, &str) {
        (self.at, &self.key)
    }
}

/// The bucket an event at `at` goes to under `definition`.
fn day_of(definition: &ComputedTraitDef, at: DateTime<Utc>) -> String {
    match definition.within_days {
        Some(_) => at.format("%Y-%m-%d").to_string(),
        None => ALL_TIME.to_owned(),
    }
}

/// The first day still inside `definition`'s window on `now`, if it has one.
fn first_day(definition: &ComputedTraitDef, now: DateTime<Utc>) -> Option<String> {
    let days = definition.within_days?;
    let first = now.date_naive() - Days::new(u64::from(days.saturating_sub(1)));
    Some(first.format("%Y-%m-%d").to_string())
}

impl TraitState {
    /// Adds one event.
    pub fn observe(&mut self, definition: &ComputedTraitDef, event: &Observed<'_>) {
        let day = day_of(definition, event.at);
        let index = match self.buckets.binary_search_by(|b| b.day.cmp(&day)) {
            Ok(index) => index,
            Err(index) => {
                let bucket = Bucket {
                    day,
                    ..Bucket::default()
                };
                self.buckets.insert(index, bucket);
                index
            }
        };
        self.buckets[index].add(event, definition.aggregate);
    }

    /// Adds another state of the same definition (a merge).
    pub fn absorb(&mut self, other: &TraitState) {
        for bucket in &other.buckets {
            match self.buckets.binary_search_by(|b| b.day.cmp(&bucket.day)) {
                Ok(index) => self.buckets[index].combine(bucket),
                Err(index) => self.buckets.insert(index, bucket.clone()),
            }
        }
    }

    /// Drops the days that left `definition`'s window by `now`; whether any did.
    pub fn age(&mut self, definition: &ComputedTraitDef, now: DateTime<Utc>) -> bool {
        let Some(first) = first_day(definition, now) else {
            return false;
        };
        let before = self.buckets.len();
        self.buckets.retain(|b| b.day >= first);
        self.buckets.len() != before
    }

    /// The trait's value on `now`, as [`super::computed::compute`] gives it over the events
    /// inside the window.
    pub fn value(&self, definition: &ComputedTraitDef, now: DateTime<Utc>) -> Value {
        let first = first_day(definition, now);
        let mut total = Bucket::default();
        for bucket in &self.buckets {
            if first.as_ref().is_none_or(|first| &bucket.day >= first) {
                total.combine(bucket);
            }
        }
        total.value(definition.aggregate)
    }
}

impl Bucket {
    /// Adds one event, keeping only what `aggregate` reads (a profile holds these per day).
    fn add(&mut self, event: &Observed<'_>, aggregate: Aggregate) {
        self.count += 1;
        let value = event.value.filter(|v| !v.is_null());
        if let Some(n) = value.and_then(Value::as_f64) {
            self.sum += n;
            self.min = Some(self.min.map_or(n, |m| m.min(n)));
            self.max = Some(self.max.map_or(n, |m| m.max(n)));
        }
        if matches!(aggregate, Aggregate::First | Aggregate::Last) {
            let stamped = Stamped {
                at: event.at.timestamp_millis(),
                key: event.key.to_owned(),
                value: event.value.map(Value::to_string),
            };
            self.keep_first(&stamped);
            self.keep_last(&stamped);
        }
        if let Some(value) =
            value.filter(|_| matches!(aggregate, Aggregate::MostFrequent | Aggregate::UniqueCount))
        {
            self.count_value(&value.to_string(), 1);
        }
    }

    fn combine(&mut self, other: &Bucket) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(first) = &other.first {
            self.keep_first(first);
        }
        if let Some(last) = &other.last {
            self.keep_last(last);
        }
        for (text, n) in &other.values {
            self.count_value(text, *n);
        }
    }

    fn keep_first(&mut self, event: &Stamped) {
        if self
            .first
            .as_ref()
            .is_none_or(|f| event.order() < f.order())
        {
            self.first = Some(event.clone());
        }
    }

    fn keep_last(&mut self, event: &Stamped) {
        if self.last.as_ref().is_none_or(|l| event.order() > l.order()) {
            self.last = Some(event.clone());
        }
    }

    fn count_value(&mut self, text: &str, n: i64) {
        match self.values.binary_search_by(|(t, _)| t.as_str().cmp(text)) {
            Ok(index) => self.values[index].1 += n,
            Err(index) if self.values.len() < MAX_DISTINCT => {
                self.values.insert(index, (text.to_owned(), n));
            }
            Err(_) => {}
        }
    }

    fn value(&self, aggregate: Aggregate) -> Value {
        let stamped = |s: &Option<Stamped>| {
            s.as_ref().map_or(Value::Null, |s| match &s.value {
                Some(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                None => DateTime::from_timestamp_millis(s.at)
                    .map_or(Value::Null, |at| Value::String(at.to_rfc3339())),
            })
        };
        match aggregate {
            Aggregate::Count => Value::from(self.count),
            Aggregate::Sum => compute_number(self.sum),
            Aggregate::Min => self.min.map_or(Value::Null, compute_number),
            Aggregate::Max => self.max.map_or(Value::Null, compute_number),
            Aggregate::First => stamped(&self.first),
            Aggregate::Last => stamped(&self.last),
            Aggregate::UniqueCount => Value::from(self.values.len()),
            // Ties go to the smallest JSON text, as `compute` breaks them.
            Aggregate::MostFrequent => self
                .values
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .and_then(|(text, _)| serde_json::from_str(text).ok())
                .unwrap_or(Value::Null),
        }
    }
}

#[cfg(test)]
#[path = "computed_state_tests.rs"]
mod tests;
