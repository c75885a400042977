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
}
