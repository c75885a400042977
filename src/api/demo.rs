//! "Load demo data" from Settings (admins): start a background load, follow its progress.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a demo data load stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoState {
    /// Never loaded here.
    #[default]
    Idle,
    /// Loading now.
    Running,
    /// The last load finished.
    Done,
    /// The last load stopped with an error.
    Failed,
}

/// The latest demo data load and its progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoStatus {
    /// Idle, running, done or failed.
    pub state: DemoState,
    /// What it is doing, in words ("Importing the CRM's customers").
    pub step: String,
    /// Records and events sent so far.
    pub done: u64,
    /// Records and events it will send.
    pub total: u64,
    /// Live profiles when it finished.
    pub people: u64,
    /// When it finished (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub finished_at: Option<String>,
}

/// Starts loading demo data in the background unless a load is running; the same people
/// each time, so loading again adds no one twice.
#[server(endpoint = "demo/start")]
pub async fn start_demo_data() -> Result<DemoStatus, AppError> {
    let status = crate::server::seed::demo::start(crate::server::app_state()?).await?;
    crate::api::form::saved("demo");
    Ok(status)
}

/// The latest demo data load.
#[server(endpoint = "demo/status")]
pub async fn get_demo_status() -> Result<DemoStatus, AppError> {
    crate::server::seed::demo::status(&crate::server::app_state()?.db).await
}
