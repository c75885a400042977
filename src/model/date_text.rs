//! Times and dates written as text, as messages, traits and imports carry them.
use chrono::{DateTime, Utc};

/// RFC 3339 with any offset, or without one (read as UTC).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(at.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// A trait or property value read as a date: a timestamp as [`parse_time`] takes it, or a
/// calendar date (`YYYY-MM-DD`, midnight UTC). Shorter text is never a date.
pub fn parse_date_value(text: &str) -> Option<DateTime<Utc>> {
    if text.len() < 10 {
        return None;
    }
    parse_time(text).or_else(|| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
    })
}
