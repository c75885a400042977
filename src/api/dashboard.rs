//! The dashboard's numbers.
use crate::{error::AppError, model::DashboardSummary};
use leptos::prelude::*;

/// Days shown in the "profiles added" chart.
pub const CHART_DAYS: u32 = 14;

/// Profile count and profiles added per day.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::server::{app_state, db::profiles::Profiles};
    let profiles = Profiles::new(&app_state()?.db);
    let today = chrono::Utc::now().date_naive();
    Ok(DashboardSummary {
        profile_count: profiles.count().await?,
        profiles_added: profiles.created_per_day(today, CHART_DAYS).await?,
    })
}
