//! The first-party analytics.js: Segment's standalone build from the npm package
//! `@segment/analytics-next` (pinned in `tools/browser-sdk/package-lock.json`, MIT licence kept
//! beside it), copied into `public/analytics-next/bundles/` by `tools/setup.sh` and from there
//! into the site root. Its lazily loaded chunks are served from that folder as static files;
//! the snippet's usual path `/analytics.js/v1/{writeKey}/analytics.min.js` serves the entry.
use crate::{error::AppError, server::AppState};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use std::path::PathBuf;

/// Where the bundles are, under the site root.
pub const BUNDLES_DIR: &str = "analytics-next/bundles";

/// The standalone analytics.js (the write key in the path is the snippet's; the script reads it).
pub async fn standalone(State(state): State<AppState>) -> Result<Response, AppError> {
    let path = PathBuf::from(state.leptos_options.site_root.as_ref())
        .join(BUNDLES_DIR)
        .join("standalone.js");
    let script = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::NotFound {
            what: "the browser SDK (tools/setup.sh installs it into public/analytics-next)".into(),
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        script,
    )
        .into_response())
}
