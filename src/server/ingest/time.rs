//! When a message happened: its timestamps read, and corrected for the client's clock.
use super::message::BatchDefaults;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// When the event happened. `receivedAt − (sentAt − clientTime)`: the client's clock may be
/// off, but the interval between its two readings is right.
pub fn event_time(
    raw: &Map<String, Value>,
    defaults: &BatchDefaults,
    received_at: DateTime<Utc>,
    field: &dyn Fn(&str) -> String,
) -> Result<DateTime<Utc>, AppError> {
    let read = |name: &str| read_time(raw, name, field);
    let client_time = match read("originalTimestamp")? {
        Some(t) => Some(t),
        None => read("timestamp")?,
    };
    let sent_at = read("sentAt")?.or(defaults.sent_at);
    let corrected = match (client_time, sent_at) {
        (Some(at), Some(sent)) => skew_corrected(at, sent, received_at),
        (Some(at), None) => Some(at),
        (None, _) => Some(received_at),
    };
    match corrected {
        Some(at) if at < DateTime::<Utc>::UNIX_EPOCH => Err(AppError::invalid(
            &field("timestamp"),
            "must not be before 1970",
        )),
        // A clock far ahead would win every last-write-wins comparison for ever: cap it.
        Some(at) => Ok(at.min(received_at + chrono::Duration::days(1))),
        None => Err(AppError::invalid(&field("timestamp"), "is out of range")),
    }
}

/// Field `name` as a time, if present.
fn read_time(
    raw: &Map<String, Value>,
    name: &str,
    field: &dyn Fn(&str) -> String,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let invalid = || AppError::invalid(&field(name), "must be an ISO-8601 timestamp");
    match raw.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_time(s).map(Some).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// `received − (sent − at)` without overflow; `None` when out of range.
fn skew_corrected(
    at: DateTime<Utc>,
    sent: DateTime<Utc>,
    received: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if sent < at {
        // Sent before it happened: the two readings disagree, trust the event time.
        return Some(at);
    }
    let delay = chrono::Duration::from_std(sent.signed_duration_since(at).to_std().ok()?).ok()?;
    received.checked_sub_signed(delay)
}

pub use crate::model::date_text::{parse_date_value, parse_time};
