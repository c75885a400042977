//! Access (data portability): everything held on one person as one JSON document, with
//! restricted values decrypted. Served to admins at `GET /customers/{id}/export`, audited.
use super::{envelope::is_envelope, keyring::KeyRing};
use crate::{
    error::AppError,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        db::{baselines, events, identities, memberships, merges},
        identity::IdentityGraph,
    },
};
use axum::{
    Extension,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use serde_json::{Value, json};

/// `GET /customers/{id}/export`: a JSON download (the guard admits admins only).
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match export_for(&state, &caller, &id).await {
        Ok((live, body)) => {
            let disposition = format!("attachment; filename=\"customer-{live}.json\"");
            let headers = [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ];
            (headers, body).into_response()
        }
        Err(err) => err.into_response(),
    }
}

async fn export_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(String, String), AppError> {
    let id: ObjectId = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a profile id"))?;
    let graph = &state.ingest.graph;
    let live = graph.live_profile_id(id).await?;
    let document = export(graph, &graph.gate.keys, live).await?;
    let live = live.to_hex();
    // Recorded before the data leaves: an export that cannot be audited does not happen.
    audit::write(
        &state.db,
        caller,
        None,
        Record::new("customer.export", live.clone()),
    )
    .await?;
    let body = serde_json::to_string_pretty(&document).map_err(AppError::internal)?;
    Ok((live, body))
}

/// Everything held on the person whose profile is `id`.
pub async fn export(
    graph: &IdentityGraph,
    keys: &KeyRing,
    id: ObjectId,
) -> Result<Value, AppError> {
    let live = graph.live_profile_id(id).await?;
    let mut ids = vec![live];
    ids.extend(graph.must_get(live).await?.absorbed);
    let find = |name: &'static str, filter: Document| async move {
        let docs: Vec<Document> = graph
            .db
            .collection::<Document>(name)
            .find(filter)
            .await?
            .try_collect()
            .await?;
        Ok::<_, AppError>(docs)
    };
    let mut profiles = find("profiles", doc! { "_id": { "$in": &ids } }).await?;
    let mut events = find(events::COLLECTION, doc! { "profile_id": { "$in": &ids } }).await?;
    let mut identities = find(identities::COLLECTION, doc! { "profile_id": live }).await?;
    let mut merges = find(merges::COLLECTION, doc! { "survivor": { "$in": &ids } }).await?;
    let mut memberships = find(memberships::COLLECTION, doc! { "profile_id": live }).await?;
    let mut transitions = find(memberships::TRANSITIONS, doc! { "profile_id": live }).await?;
    let mut baselines = find(baselines::COLLECTION, doc! { "_id": { "$in": &ids } }).await?;
    let position = profiles
        .iter()
        .position(|p| p.get_object_id("_id").ok() == Some(live));
    let profile = position.map(|i| profiles.remove(i)).unwrap_or_default();
    Ok(json!({
        "exported_at": chrono::Utc::now().to_rfc3339(),
        "profile": readable(keys, profile)?,
        "merged_profiles": readable_all(keys, &mut profiles)?,
        "identities": readable_all(keys, &mut identities)?,
        "events": readable_all(keys, &mut events)?,
        "merges": readable_all(keys, &mut merges)?,
        "segment_memberships": readable_all(keys, &mut memberships)?,
        "segment_transitions": readable_all(keys, &mut transitions)?,
        "expired_event_summaries": readable_all(keys, &mut baselines)?,
    }))
}

fn readable_all(keys: &KeyRing, docs: &mut Vec<Document>) -> Result<Vec<Value>, AppError> {
    docs.drain(..).map(|d| readable(keys, d)).collect()
}

/// A stored document as relaxed JSON with every envelope opened.
fn readable(keys: &KeyRing, document: Document) -> Result<Value, AppError> {
    let mut value = Bson::Document(document);
    open_all(keys, &mut value)?;
    Ok(value.into_relaxed_extjson())
}

fn open_all(keys: &KeyRing, value: &mut Bson) -> Result<(), AppError> {
    if is_envelope(value) {
        if let Bson::Document(envelope) = value {
            let field = envelope.get_str("f").unwrap_or_default().to_owned();
            let plain = keys.open(&field, envelope)?;
            *value = Bson::try_from(plain).map_err(AppError::internal)?;
        }
        return Ok(());
    }
    match value {
        Bson::Document(inner) => inner.iter_mut().try_for_each(|(_, v)| open_all(keys, v)),
        Bson::Array(items) => items.iter_mut().try_for_each(|v| open_all(keys, v)),
        _ => Ok(()),
    }
}
