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
    use crate::server::app_state;
    let id = merge_id
        .parse()
        .map_err(|_| AppError::invalid("merge_id", "must be a merge id"))?;
    app_state()?.ingest.graph.unmerge(id).await?;
    Ok(())
}
