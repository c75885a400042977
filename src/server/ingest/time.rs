//! When a message happened: its timestamps read, and corrected for the client's clock.
use super::message::{BatchDefaults, Message};
use crate::{error::AppError, server::enrich::apply::counted_event};
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

/// Refuses a counted event (track, page, screen) that happened before events retention's
/// cutoff (`days` back from `now`): it would be deleted at the next sweep, and a copy sent
/// again after that could not be told from a new one and would be counted twice. Other
/// calls (identify, group, alias) only set what they say, so they are applied whatever
/// their age. `batch`: the messages came in a `/v1/batch` body (errors name the index).
pub fn check_kept(
    messages: &[Message],
    days: u32,
    now: DateTime<Utc>,
    batch: bool,
) -> Result<(), AppError> {
    let oldest = now - chrono::Duration::days(i64::from(days));
    let too_old = messages
        .iter()
        .position(|m| counted_event(m).is_some() && m.timestamp < oldest);
    match too_old {
        None => Ok(()),
        Some(index) => {
            let field = if batch {
                format!("batch[{index}].timestamp")
            } else {
                "timestamp".to_owned()
            };
            Err(AppError::invalid(
                &field,
                format!("is older than events are kept ({days} days, Settings → Retention)"),
            ))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ingest::message::{MessageType, parse_message};
    use serde_json::json;

    fn message(kind: &str, days_ago: i64, now: DateTime<Utc>) -> Message {
        let at = (now - chrono::Duration::days(days_ago)).to_rfc3339();
        let body =
            json!({ "type": kind, "userId": "u", "event": "Order Completed", "timestamp": at });
        parse_message(body, None, &BatchDefaults::default(), now, "").unwrap()
    }

    #[test]
    fn only_counted_events_older_than_the_period_are_refused_naming_the_message() {
        let now = Utc::now();
        let kept = [message("track", 10, now), message("identify", 500, now)];
        assert!(check_kept(&kept, 100, now, true).is_ok());
        let old = [message("track", 10, now), message("page", 101, now)];
        let field = |err: AppError| match err {
            AppError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        };
        let err = check_kept(&old, 100, now, true).unwrap_err();
        assert_eq!(field(err), "batch[1].timestamp");
        let err = check_kept(&old[1..], 100, now, false).unwrap_err();
        assert_eq!(field(err), "timestamp");
        assert_eq!(message("track", 0, now).kind, MessageType::Track);
    }
}
