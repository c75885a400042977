//! One customer: the 360 view, its event timeline, reveal, consent, unmerge and delete.
use crate::{
    error::AppError,
    model::profile::{EventPage, ProfileView},
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn profile_id(field: &str, id: &str) -> Result<mongodb::bson::oid::ObjectId, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "must be a profile id"))
}

#[cfg(feature = "ssr")]
async fn request_session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| AppError::internal(format!("no session on the request: {e}")))
}

/// The customer page's data for profile `id`, masked for the viewer's role; segments only for
/// roles that see marketing data.
#[server(endpoint = "profiles/get")]
pub async fn get_profile(id: String) -> Result<ProfileView, AppError> {
    use crate::server::{app_state, auth::current_user, profile_view};
    let id = profile_id("id", &id)?;
    let session = request_session().await?;
    let state = app_state()?;
    let user = current_user()?;
    let disclosure = profile_view::disclosure_for(&state, &user, &session, id).await?;
    let mut view = profile_view::load(&state.ingest.graph, id, &disclosure).await?;
    if user.sees_marketing() {
        (view.segments, view.segment_changes) = state.segments.of_profile(id).await?;
    }
    Ok(view)
}

/// Older events of profile `id` (newest first), optionally of one call type.
#[server(endpoint = "profiles/events")]
pub async fn list_profile_events(
    id: String,
    kind: Option<String>,
    before: Option<String>,
) -> Result<EventPage, AppError> {
    use crate::server::{app_state, profile_view};
    let id = profile_id("id", &id)?;
    let kind = kind.filter(|k| !k.is_empty());
    let before = before.filter(|b| !b.is_empty());
    profile_view::events_page(
        &app_state()?.ingest.graph,
        id,
        kind.as_deref(),
        before.as_deref(),
    )
    .await
}

/// Reveals one masked field of one customer on the next page load; the reason is audited.
#[server(endpoint = "profiles/reveal")]
pub async fn reveal_field(id: String, field: String, reason: String) -> Result<(), AppError> {
    use crate::server::{app_state, auth::current_user, privacy::reveal};
    let id = profile_id("id", &id)?;
    let session = request_session().await?;
    reveal::reveal(
        &app_state()?,
        &session,
        &current_user()?,
        id,
        &field,
        &reason,
    )
    .await
}

/// Grants or withdraws consent for one purpose. Roles that work on masked data (support) must
/// say why (`reason`, 10–500 characters), and the reason goes to the audit log.
#[server(endpoint = "profiles/consent")]
pub async fn set_consent(
    id: String,
    purpose: String,
    granted: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        error::{FieldErrors, rule},
        model::access::Permission,
        server::{app_state, auth::current_user, privacy::consent},
    };
    let user = current_user()?;
    let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let mut errors = FieldErrors::new();
    match reason.map(|r| r.chars().count()) {
        None if !user.can(Permission::ReadPii) => errors.add("reason", rule::required("Reason")),
        Some(n) if n < 10 => errors.add("reason", rule::too_short("Reason", 10)),
        Some(n) if n > 500 => errors.add("reason", rule::too_long("Reason", 500)),
        _ => &mut errors,
    };
    let granted = match granted.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    if granted.is_none() {
        errors.add(
            "granted",
            "Consent must be granted (true) or withdrawn (false)",
        );
    }
    errors.finish()?;
    let (id, granted) = (profile_id("id", &id)?, granted.unwrap_or_default());
    consent::set_consent(&app_state()?, &user, id, &purpose, granted, reason).await?;
    crate::api::form::saved("consent");
    Ok(())
}

/// Undoes merge `merge_id`, restoring both profiles.
#[server(endpoint = "profiles/unmerge")]
pub async fn unmerge_profiles(merge_id: String) -> Result<(), AppError> {
    use crate::server::{
        app_state,
        audit::{self, Record},
        computed,
        db::computed_traits::ComputedTraits,
    };
    let id = merge_id
        .parse()
        .map_err(|_| AppError::invalid("merge_id", "must be a merge id"))?;
    let state = app_state()?;
    let graph = &state.ingest.graph;
    let record = graph.unmerge(id).await?;
    // A pair matching merged is never proposed again once its merge is undone.
    let by = crate::server::auth::current_user()?.email;
    crate::server::db::match_pairs::MatchPairs::new(&state.db)
        .mark_unmerged(record.id, &by)
        .await?;
    // A definition made while the restored profile was merged away never reached it.
    let definitions = ComputedTraits::new(&state.db).definitions().await?;
    computed::build_missing(graph, record.absorbed, &definitions).await?;
    crate::server::event_matches::recount_profile(graph, record.absorbed).await?;
    let detail = format!("restored {}", record.absorbed.to_hex());
    let entry = Record::new("customer.unmerge", record.survivor.to_hex()).detail(detail);
    audit::write_current(&state.db, entry).await
}

/// Forgets a person: profile, events and identifiers deleted; later events about them dropped.
/// `confirm` must be `DELETE`.
#[server(endpoint = "profiles/delete")]
pub async fn delete_customer(id: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{
        app_state,
        audit::{self, Record},
        privacy::forget,
    };
    let id = profile_id("id", &id)?;
    if confirm.trim() != "DELETE" {
        return Err(AppError::invalid("confirm", "type DELETE to confirm"));
    }
    let state = app_state()?;
    let gone = forget::forget(&state.ingest.graph, id).await?;
    let detail = format!(
        "{} profiles, {} events, {} identifiers",
        gone.profiles, gone.events, gone.identifiers
    );
    let record = Record::new("customer.delete", gone.profile_id).detail(detail);
    audit::write_current(&state.db, record).await?;
    leptos_axum::redirect("/customers?deleted=1");
    Ok(())
}
