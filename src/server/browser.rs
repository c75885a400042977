//! What websites use: CORS per source, the documents the Segment and RudderStack browser SDKs
//! fetch before sending, and a first-party copy of Segment's analytics.js (so sites need no
//! third-party CDN).
pub mod cors;
pub mod sdk_files;
pub mod sdk_settings;

use super::{AppState, auth::policy::declared};
use axum::{Router, routing::get};

/// The SDK routes (the tracking and personalization routes are elsewhere).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            declared("*", "/v1/projects/{write_key}/settings"),
            get(sdk_settings::segment_settings),
        )
        .route(
            declared("*", "/sourceConfig"),
            get(sdk_settings::rudderstack_config),
        )
        .route(
            declared("*", "/sourceConfig/"),
            get(sdk_settings::rudderstack_config),
        )
        .route(
            declared("GET", "/analytics.js/v1/{write_key}/analytics.min.js"),
            get(sdk_files::standalone),
        )
}
