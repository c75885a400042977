//! One customer in full, and undoing a merge.
use crate::{error::AppError, model::profile::ProfileView};
use leptos::prelude::*;

/// The customer page's data for profile `id` (following merges to the live profile).
#[server(endpoint = "profiles/get")]
pub async fn get_profile(id: String) -> Result<ProfileView, AppError> {
    use crate::server::{app_state, profile_view};
    let id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a profile id"))?;
    profile_view::load(&app_state()?.ingest.graph, id).await
}

/// Undoes merge `merge_id`, restoring both profiles. Admin only once sign-in exists.
#[server(endpoint = "profiles/unmerge")]
pub async fn unmerge_profiles(merge_id: String) -> Result<(), AppError> {
    use crate::server::{app_state, computed, db::computed_traits::ComputedTraits};
    let id = merge_id
        .parse()
        .map_err(|_| AppError::invalid("merge_id", "must be a merge id"))?;
    let state = app_state()?;
    let graph = &state.ingest.graph;
    let record = graph.unmerge(id).await?;
    let definitions = ComputedTraits::new(&state.db).definitions().await?;
    for profile in [record.survivor, record.absorbed] {
        computed::recompute(graph, &state.db, profile, &definitions).await?;
    }
    Ok(())
}
