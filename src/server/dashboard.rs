//! The dashboard's KPIs, read from the database so every instance shows the same numbers.
use super::{
    AppState,
    db::{analytics, ingest_errors::IngestErrors, profiles::live as live_profiles},
};
use crate::{
    api::dashboard::CHART_DAYS,
    error::AppError,
    model::{
        DashboardSummary, SegmentKpi, live_series::align, segment::SegmentStatus,
        time_zone::UserZone,
    },
};
use chrono::{DateTime, Duration, Utc};
use mongodb::bson::{Document, doc};

mod local_days;

/// Segments the dashboard lists.
const SEGMENTS_SHOWN: usize = 6;

/// Everything on the dashboard as of `now`; segment and campaign figures only when
/// `marketing` (the viewer [sees marketing data](crate::model::access::Role::sees_marketing)).
pub async fn summary(
    state: &AppState,
    now: DateTime<Utc>,
    marketing: bool,
    zone: UserZone,
) -> Result<DashboardSummary, AppError> {
    let profiles = &state.ingest.graph.profiles;
    let mut identified = live_profiles();
    identified.insert(
        "identities.kind",
        doc! { "$in": ["user_id", "email", "phone"] },
    );
    let (today_hours, yesterday_hours) = local_days::events_by_hour(state, zone, now).await?;
    let since_midnight = now - local_days::midnight(zone, now);
    let elapsed_hour = usize::try_from(since_midnight.num_hours())
        .unwrap_or(0)
        .min(23);
    let by_now = since_midnight.num_seconds() as f64 / 3600.0;
    let partial = yesterday_hours.get(elapsed_hour).copied().unwrap_or(0) as f64
        * (by_now - elapsed_hour as f64);
    let errors = errors_by_minute(state, now).await?;
    let (segments, active_segments, active_campaigns) = if marketing {
        let (segments, active) = segments(state).await?;
        (segments, active, active_campaigns(state).await?)
    } else {
        (Vec::new(), 0, 0)
    };
    Ok(DashboardSummary {
        profile_count: profiles.count().await?,
        profiles_added: local_days::profiles_added(state, zone, now, CHART_DAYS).await?,
        identified_count: analytics::<Document>(&state.db, super::db::profiles::COLLECTION)
            .count_documents(identified)
            .await?,
        events_today: today_hours.iter().sum(),
        events_yesterday: yesterday_hours.iter().sum(),
        events_yesterday_by_now: yesterday_hours[..elapsed_hour].iter().sum::<u64>()
            + partial.round() as u64,
        events_by_hour_today: today_hours,
        events_by_hour_yesterday: yesterday_hours,
        segments,
        active_segments,
        active_campaigns,
        ingest_errors_last_hour: errors.iter().sum(),
        ingest_errors_by_minute: errors,
        at: now,
    })
}

/// Refused tracking calls per minute over the last hour (60 entries, oldest first).
async fn errors_by_minute(state: &AppState, now: DateTime<Utc>) -> Result<Vec<u64>, AppError> {
    let first = align(now, 60) - Duration::minutes(59);
    let mut minutes = vec![0u64; 60];
    for minute in IngestErrors::new(&state.db).since(first).await? {
        let index = (minute.minute.to_chrono() - first).num_minutes();
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| minutes.get_mut(i)) {
            *slot = u64::try_from(minute.count).unwrap_or(0);
        }
    }
    Ok(minutes)
}

/// The largest active segments with their trends, and how many are active.
async fn segments(state: &AppState) -> Result<(Vec<SegmentKpi>, u64), AppError> {
    let mut active: Vec<SegmentKpi> = state
        .segments
        .list()
        .await?
        .into_iter()
        .filter(|s| s.status == SegmentStatus::Active)
        .map(|s| SegmentKpi {
            id: s.id,
            name: s.name,
            size: s.size,
            trend: s.trend,
        })
        .collect();
    let count = active.len() as u64;
    active.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    active.truncate(SEGMENTS_SHOWN);
    Ok((active, count))
}

/// Launched campaigns that may still send: scheduled, sending, or active (recurring, triggered).
async fn active_campaigns(state: &AppState) -> Result<u64, AppError> {
    Ok(state
        .db
        .collection::<Document>(super::db::campaigns::COLLECTION)
        .count_documents(doc! { "status": { "$in": ["scheduled", "sending", "active"] } })
        .await?)
}
