//! `GET /v1/recommendations/{userId}` (server key, or that user's token): the customer's
//! recommended products, as apps and sites show them. A customer never ranked yet is ranked
//! now; a person never seen gets the same start (popular products) without being stored.
use super::recommend::refresh::{current, for_unseen, refresh_profile};
use crate::{
    error::AppError,
    model::product::ProductCard,
    server::{
        AppState, auth::policy::declared, campaigns::in_app_api::profiles_of,
        db::products::Products, ingest::auth::reader::authorize_read,
    },
};
use axum::{
    Json, Router,
    extract::{Path, State},
    http::HeaderMap,
    routing::get,
};
use chrono::{DateTime, Utc};
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
    authorize_read(&state.ingest.sources, &headers, &user_id).await?;
    let (stored, at) = stored_or_ranked(&state, &user_id).await?;
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

/// The person's stored list and when it was ranked; ranked now if there is none.
async fn stored_or_ranked(
    state: &AppState,
    user_id: &str,
) -> Result<(Vec<ProductCard>, DateTime<Utc>), AppError> {
    let graph = &state.ingest.graph;
    let Some(&live) = profiles_of(state, user_id).await?.last() else {
        return Ok((for_unseen(graph).await?, Utc::now()));
    };
    Ok(match graph.must_get(live).await?.recommendations {
        Some(stored) => (stored.items, stored.at.to_chrono()),
        None => (refresh_profile(graph, live).await?, Utc::now()),
    })
}
