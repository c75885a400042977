//! Dashboard counts by the viewer's own days and hours (their time zone, UTC by default): one
//! `$bucket` over a time field, with the boundaries computed here.
use crate::{
    error::AppError,
    model::{DailyCount, time_zone::UserZone},
    server::{
        AppState,
        db::{analytics, profiles},
    },
};
use chrono::{DateTime, Days, Duration, Utc};
use futures::TryStreamExt as _;
use mongodb::bson::{self, Bson, Document, doc};

/// How many documents matching `filter` have `field` in each `[starts[i], starts[i + 1])`.
async fn count_between(
    state: &AppState,
    collection: &str,
    mut filter: Document,
    field: &str,
    starts: &[DateTime<Utc>],
) -> Result<Vec<u64>, AppError> {
    let (Some(first), Some(last)) = (starts.first(), starts.last()) else {
        return Ok(Vec::new());
    };
    let at = |t: &DateTime<Utc>| bson::DateTime::from_chrono(*t);
    filter.insert(field, doc! { "$gte": at(first), "$lt": at(last) });
    let boundaries: Vec<Bson> = starts.iter().map(|t| Bson::DateTime(at(t))).collect();
    let pipeline = [
        doc! { "$match": filter },
        doc! { "$bucket": {
            "groupBy": format!("${field}"),
            "boundaries": boundaries,
            "default": "outside",
            "output": { "count": { "$sum": 1 } },
        } },
    ];
    let mut counts = vec![0u64; starts.len() - 1];
    let mut cursor = analytics::<Document>(&state.db, collection)
        .aggregate(pipeline)
        .await?;
    while let Some(bucket) = cursor.try_next().await? {
        let Ok(start) = bucket.get_datetime("_id") else {
            continue;
        };
        if let Some(i) = starts.iter().position(|s| at(s) == *start) {
            counts[i] = count_of(&bucket);
        }
    }
    Ok(counts)
}

fn count_of(doc: &Document) -> u64 {
    match doc.get("count") {
        Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Bson::Double(n)) => *n as u64,
        _ => 0,
    }
}

/// Profiles created on each of the last `days` days in `zone`, oldest first, today last.
pub async fn profiles_added(
    state: &AppState,
    zone: UserZone,
    now: DateTime<Utc>,
    days: u32,
) -> Result<Vec<DailyCount>, AppError> {
    let today = zone.local_date(now);
    let first = today
        .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
        .unwrap_or(today);
    let dates: Vec<_> = first.iter_days().take(days.max(1) as usize + 1).collect();
    let starts: Vec<_> = dates.iter().map(|d| zone.start_of(*d)).collect();
    let counts = count_between(
        state,
        profiles::COLLECTION,
        profiles::live(),
        "created_at",
        &starts,
    )
    .await?;
    Ok(dates
        .iter()
        .zip(counts)
        .map(|(day, count)| DailyCount {
            day: day.format("%Y-%m-%d").to_string(),
            count,
        })
        .collect())
}

/// When today started in `zone`.
pub fn midnight(zone: UserZone, now: DateTime<Utc>) -> DateTime<Utc> {
    zone.start_of(zone.local_date(now))
}

/// Events received per hour of yesterday and of today in `zone` (24 entries each).
pub async fn events_by_hour(
    state: &AppState,
    zone: UserZone,
    now: DateTime<Utc>,
) -> Result<(Vec<u64>, Vec<u64>), AppError> {
    let today = midnight(zone, now);
    let yesterday = midnight(zone, today - Duration::hours(1));
    let hours = |from: DateTime<Utc>| (0..=24).map(move |h| from + Duration::hours(h));
    // Summer-time days have 23 or 25 hours: each day's hours start at its own midnight.
    let mut starts: Vec<_> = hours(yesterday).take(24).filter(|t| *t < today).collect();
    let kept = starts.len();
    starts.extend(hours(today));
    let mut counts =
        count_between(state, "events", Document::new(), "received_at", &starts).await?;
    let today_hours = counts.split_off(kept);
    counts.resize(24, 0);
    Ok((today_hours, counts))
}
