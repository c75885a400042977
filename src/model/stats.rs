//! Aggregates shown on the dashboard.
use serde::{Deserialize, Serialize};

/// How many things happened on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCount {
    /// ISO date, `YYYY-MM-DD`.
    pub day: String,
    /// Count on that day.
    pub count: u64,
}

/// The numbers on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSummary {
    /// All profiles.
    pub profile_count: u64,
    /// Profiles created per day over the last fortnight, oldest first.
    pub profiles_added: Vec<DailyCount>,
    /// Profiles with a user id, email or phone.
    pub identified_count: u64,
    /// Events received today (UTC) so far.
    pub events_today: u64,
    /// Events received yesterday (UTC), the whole day.
    pub events_yesterday: u64,
    /// Events received yesterday up to this time of day, for a fair comparison.
    pub events_yesterday_by_now: u64,
    /// Events per hour today (24 entries, UTC hours).
    pub events_by_hour_today: Vec<u64>,
    /// Events per hour yesterday (24 entries, UTC hours).
    pub events_by_hour_yesterday: Vec<u64>,
    /// Active segments, largest first.
    pub segments: Vec<SegmentKpi>,
    /// Active segments in all.
    pub active_segments: u64,
    /// Campaigns running now.
    pub active_campaigns: u64,
    /// Tracking calls refused in the last hour.
    pub ingest_errors_last_hour: u64,
    /// Refused calls per minute over the last hour, oldest first (60 entries).
    pub ingest_errors_by_minute: Vec<u64>,
    /// When these numbers were read.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One active segment on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentKpi {
    /// Segment id (hex).
    pub id: String,
    /// Name.
    pub name: String,
    /// Members now.
    pub size: u64,
    /// Sampled sizes, oldest first.
    pub trend: Vec<u64>,
}
