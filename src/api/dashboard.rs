//! The dashboard's numbers.
use crate::{error::AppError, model::DashboardSummary};
use leptos::prelude::*;

/// Days shown in the "profiles added" chart.
pub const CHART_DAYS: u32 = 14;

/// The dashboard's KPIs; segments and campaigns only for roles that see marketing data.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::server::{app_state, auth::current_user, dashboard};
    let user = current_user()?;
    let (marketing, zone) = (user.sees_marketing(), user.zone());
    dashboard::summary(&app_state()?, chrono::Utc::now(), marketing, zone).await
}

/// People and events the "Load demo data" button creates.
pub const DEMO_CUSTOMERS: usize = 200;
/// Events the button sends.
pub const DEMO_EVENTS: usize = 3_000;

/// Fills an empty database with demo data (the same generator as `enrich seed`).
#[server(endpoint = "dashboard/demo")]
pub async fn load_demo_data() -> Result<u64, AppError> {
    use crate::server::{app_state, seed};
    let state = app_state()?;
    if state.ingest.graph.profiles.count().await? > 0 {
        return Err(AppError::Conflict {
            field: "demo".into(),
            message: "demo data is only loaded into an empty database".into(),
        });
    }
    let summary = seed::seed(&state.ingest, DEMO_CUSTOMERS, DEMO_EVENTS, 42).await?;
    Ok(summary.profiles)
}
