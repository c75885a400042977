//! Settings → Retention: the rules, saving them (admins), and a sweep on demand.
use crate::{
    error::AppError,
    model::retention::{RetentionForm, RetentionView, SweepSummary},
};
use leptos::prelude::*;

/// The rules in effect, the archive folder and the last sweep.
#[server(endpoint = "retention/get")]
pub async fn get_retention() -> Result<RetentionView, AppError> {
    use crate::server::retention::store::RetentionStore;
    let state = crate::server::app_state()?;
    let env = &state.settings.retention;
    let store = RetentionStore::new(&state.db);
    Ok(RetentionView {
        settings: store.settings(env).await?,
        archive_dir: env.archive_dir.as_ref().map(|d| d.display().to_string()),
        sweep_every_secs: env.sweep_every.as_secs(),
        last_sweep: store.last_sweep().await?,
    })
}

/// Saves the rules (every bad field named at once), brings the TTL indexes in line, audited.
#[server(endpoint = "retention/save")]
pub async fn save_retention(form: RetentionForm) -> Result<(), AppError> {
    use crate::server::{
        audit::{self, Record},
        retention::{store::RetentionStore, ttl},
    };
    let state = crate::server::app_state()?;
    let env = &state.settings.retention;
    let settings = form.parse(env.archive_dir.is_some())?;
    crate::server::retention::guards::check(&state.db, &settings).await?;
    // Indexes first: a kind newly archived must lose its TTL index before the rule says so.
    ttl::sync(&state.db, &settings).await?;
    RetentionStore::new(&state.db).save(&settings).await?;
    let detail = settings
        .rules
        .iter()
        .map(|r| {
            let days = if r.days == 0 {
                "forever".to_owned()
            } else {
                format!("{} days", r.days)
            };
            let archive = if r.archive { ", archived" } else { "" };
            format!("{} {days}{archive}", r.kind.key())
        })
        .collect::<Vec<_>>()
        .join("; ");
    audit::write_current(
        &state.db,
        Record::new("retention.update", "retention".to_owned()).detail(detail),
    )
    .await
}

/// Sweeps now; `None` when another instance is sweeping.
#[server(endpoint = "retention/sweep")]
pub async fn sweep_retention() -> Result<Option<SweepSummary>, AppError> {
    let state = crate::server::app_state()?;
    crate::server::retention::sweep::sweep(
        &state.campaigns,
        &state.settings.retention,
        mongodb::bson::oid::ObjectId::new(),
    )
    .await
}
