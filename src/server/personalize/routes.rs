//! `GET /v1/personalize` and `GET /v1/personalize/stream`.
use super::{
    access::{PersonQuery, checked, reader},
    document::{Personalization, build},
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
    let reader = reader(&state.ingest.sources, &headers, uri.query()).await?;
    let person = checked(&reader, &query)?;
    let (document, _) = build(&state, &reader, &person).await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Json(document),
    ))
}
