//! `GET /v1/recommendations/{userId}` (write key): the customer's recommended products, as apps
//! and sites show them. A customer never ranked yet is ranked now (popular products to start).
use super::recommend::refresh::{current, refresh_profile};
use crate::{
    error::AppError,
    server::{
        AppState, auth::policy::declared, campaigns::in_app_api::profiles_of,
        db::products::Products, ingest::auth::authenticate,
    },
};
use axum::{
    Json, Router,
    extract::{Path, State},
    http::HeaderMap,
    routing::get,
};
use serde_json::{Value, json};

/// The route.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        declared("GET", "/v1/recommendations/{user_id}"),
        get(recommendations),
    )
}

async fn recommendations(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    authenticate(&state.ingest.sources, &headers).await?;
    let graph = &state.ingest.graph;
    let live = *profiles_of(&state, &user_id)
        .await?
        .last()
        .ok_or_else(|| AppError::internal("no live profile"))?;
    let profile = graph.must_get(live).await?;
    let (stored, at) = match profile.recommendations {
        Some(stored) => (stored.items, stored.at.to_chrono()),
        None => (refresh_profile(graph, live).await?, chrono::Utc::now()),
    };
    let items = current(&Products::new(&state.db), &stored).await?;
    let list: Vec<Value> = items
        .iter()
        .map(|c| {
            json!({
                "productId": c.id, "name": c.name, "sku": c.sku, "price": c.price,
                "currency": c.currency, "thumbnail": c.thumbnail, "score": c.score,
                "reason": c.reason,
            })
        })
        .collect();
    Ok(Json(
        json!({ "userId": user_id, "recommendations": list, "refreshedAt": at }),
    ))
}
