//! Computed traits and the field catalog (Settings).
use crate::{
    error::AppError,
    model::{computed::ComputedTraitSummary, field::FieldInfo},
};
use leptos::prelude::*;

/// Every computed trait with its back-fill progress.
#[server(endpoint = "computed/list")]
pub async fn list_computed_traits() -> Result<Vec<ComputedTraitSummary>, AppError> {
    use crate::server::{app_state, db::computed_traits::ComputedTraits};
    ComputedTraits::new(&app_state()?.db).list().await
}

/// Defines a computed trait and starts back-filling it over existing profiles.
#[server(endpoint = "computed/create")]
pub async fn create_computed_trait(
    name: String,
    event: String,
    aggregate: String,
    property: Option<String>,
    within_days: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        model::computed::parse_definition,
        server::{app_state, computed, db::computed_traits::ComputedTraits},
    };
    let definition = parse_definition(
        &name,
        &event,
        &aggregate,
        property.as_deref().unwrap_or(""),
        within_days.as_deref().unwrap_or(""),
    )?;
    let state = app_state()?;
    ComputedTraits::new(&state.db).create(&definition).await?;
    let graph = state.ingest.graph.clone();
    tokio::spawn(async move {
        if let Err(err) = computed::backfill(&graph, &graph.db, &definition).await {
            tracing::error!(name = %definition.name, %err, "computed trait back-fill failed");
        }
    });
    Ok(())
}

/// The field catalog.
#[server(endpoint = "fields/list")]
pub async fn list_fields() -> Result<Vec<FieldInfo>, AppError> {
    crate::server::app_state()?.ingest.graph.fields.list().await
}
