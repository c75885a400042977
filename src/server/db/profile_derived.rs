//! Fields derived from a profile on every write, so segment rules can query them: its date
//! values with weekday and month-day, and a stable sampling bucket.
use super::profile_doc::ProfileDoc;
use crate::{model::date_text::parse_date_value, segment::filter::BUCKETS};
use chrono::{DateTime, Datelike, Utc};
use mongodb::bson::{self, Bson, Document, oid::ObjectId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A date value found in `traits` or `computed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateEntry {
    /// Document path (`traits.birthday`).
    pub path: String,
    /// The instant (date-only values are midnight UTC).
    pub at: bson::DateTime,
    /// ISO weekday in UTC, 1 = Monday.
    pub weekday: i32,
    /// `month * 100 + day` in UTC.
    pub month_day: i64,
}

/// Recomputes the derived fields of `profile`.
pub fn refresh_derived(profile: &mut ProfileDoc) {
    let mut dates = Vec::new();
    collect_dates("traits", &profile.traits, &mut dates);
    collect_dates("computed", &profile.computed, &mut dates);
    profile.dates = dates;
    // The id never changes, so neither does its bucket: hashed once.
    if profile.bucket.is_none() {
        profile.bucket = Some(bucket_of(profile.id));
    }
}

/// The profile's sampling bucket, 0 ≤ b < 10,000: the first bytes of SHA-256 of its id.
pub fn bucket_of(id: ObjectId) -> i64 {
    let digest = Sha256::digest(id.bytes());
    let head = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    i64::from(head % BUCKETS)
}

/// Date-typed leaves of `document` (objects descended, lists are leaves and skipped).
fn collect_dates(prefix: &str, document: &Document, out: &mut Vec<DateEntry>) {
    for (key, value) in document {
        let path = format!("{prefix}.{key}");
        let at = match value {
            Bson::Document(inner) => {
                collect_dates(&path, inner, out);
                continue;
            }
            Bson::String(text) => parse_date_value(text),
            Bson::DateTime(at) => Some(at.to_chrono()),
            _ => None,
        };
        if let Some(at) = at {
            out.push(date_entry(path, at));
        }
    }
}

fn date_entry(path: String, at: DateTime<Utc>) -> DateEntry {
    DateEntry {
        path,
        at: bson::DateTime::from_chrono(at),
        weekday: i32::try_from(at.weekday().number_from_monday()).unwrap_or(1),
        month_day: i64::from(at.month() * 100 + at.day()),
    }
}
