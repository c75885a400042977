//! `GET /metrics`: queue depths read from the database at scrape time (so every instance
//! reports the same shared queues), then everything the process recorded.
use super::names::QUEUE_DEPTH;
use crate::server::{
    AppState,
    db::{outbox, recommend_queue},
};
use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use metrics::gauge;
use mongodb::bson::{Document, doc};

/// The router of the metrics listener (`ENRICH_METRICS_ADDR`): `/metrics` only.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(state)
}

/// Answers a scrape.
pub async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    sample_queues(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        super::render(),
    )
}

/// Sets the shared queues' depth gauges; a queue that cannot be counted keeps its last value.
async fn sample_queues(state: &AppState) {
    let outbox = state.db.collection::<Document>(outbox::COLLECTION);
    let recommend = state.db.collection::<Document>(recommend_queue::COLLECTION);
    let (pending, learning, matching) = tokio::join!(
        outbox.count_documents(doc! { "status": "pending" }),
        recommend.estimated_document_count(),
        state.ingest.graph.match_queue.waiting(),
    );
    let depths = [
        ("campaign_outbox", pending.map_err(|e| e.to_string())),
        ("recommendations", learning.map_err(|e| e.to_string())),
        ("matching", matching.map_err(|e| e.to_string())),
    ];
    for (queue, depth) in depths {
        match depth {
            Ok(depth) => gauge!(QUEUE_DEPTH, "queue" => queue).set(depth as f64),
            Err(err) => tracing::warn!(%err, queue, "queue depth not sampled"),
        }
    }
}
