//! `GET /v1/personalize` and `GET /v1/personalize/stream`.
use super::{
    access::{PersonQuery, reader},
    document::{Personalization, build_from, profiles},
    stream,
};
use crate::{
    error::AppError,
    server::{AppState, auth::policy::declared},
};
use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, Uri, header},
    routing::get,
};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(declared("*", "/v1/personalize"), get(personalize))
        .route(declared("*", "/v1/personalize/stream"), get(stream::stream))
}

/// One visitor's personalization, now.
async fn personalize(
    State(state): State<AppState>,
    Query(query): Query<PersonQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<
    (
        [(header::HeaderName, &'static str); 1],
        Json<Personalization>,
    ),
    AppError,
> {
    let person = query.person()?;
    // The key and the person are looked up at once; nothing is answered before the key is
    // checked and allowed to read this person.
    let (reader, found) = tokio::join!(
        reader(&state.ingest.sources, &headers, uri.query()),
        profiles(&state, &person)
    );
    let reader = reader?;
    if !reader.may_read(&person) {
        return Err(AppError::Unauthorized);
    }
    let (document, _) = build_from(&state, &reader, &person, found?).await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Json(document),
    ))
}
