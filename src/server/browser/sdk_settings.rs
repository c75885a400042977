//! The documents browser SDKs fetch before they send anything: Segment's project settings
//! (`GET /v1/projects/{writeKey}/settings`, which points its `Segment.io` integration at this
//! host) and RudderStack's source config (`GET /sourceConfig/?writeKey=…`, also `HEAD` for its
//! ad-blocker probe). Neither names a destination: enrich is the destination.
use crate::{
    error::AppError,
    server::{
        AppState, browser::cors::KeySource, db::sources::SourceDoc, ingest::auth::presented_key,
    },
};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, header},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Where this enrich is reached from the browser: (`http`/`https`, `host[:port]`), from
/// `ENRICH_PUBLIC_URL` when set, else from the request.
pub fn public_address(state: &AppState, headers: &HeaderMap) -> (String, String) {
    if let Some(url) = &state.settings.auth.public_url
        && let Some((scheme, rest)) = url.trim_end_matches('/').split_once("://")
    {
        return (scheme.to_ascii_lowercase(), rest.to_owned());
    }
    let host = crate::server::security_headers::plain_host(headers)
        .unwrap_or_else(|| "localhost".to_owned());
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let scheme = if forwarded { "https" } else { "http" };
    (scheme.to_owned(), host)
}

/// The source of a write key given in the path or query: the one the CORS check found, else
/// looked up now; 401 when it is not a live key.
async fn source_of_key(
    state: &AppState,
    found: Option<Extension<KeySource>>,
    key: &str,
) -> Result<SourceDoc, AppError> {
    if let Some(Extension(KeySource(source))) = found {
        return Ok(source);
    }
    state
        .ingest
        .sources
        .authenticate(key)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// Segment's settings document for `write_key`.
pub async fn segment_settings(
    State(state): State<AppState>,
    Path(write_key): Path<String>,
    found: Option<Extension<KeySource>>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    source_of_key(&state, found, &write_key).await?;
    let (protocol, host) = public_address(&state, &headers);
    Ok(Json(segment_document(&write_key, &protocol, &host)))
}

/// The settings that send every call to `protocol://host/v1/…` and nowhere else: one
/// integration (any other would make the SDK fetch destination code from a CDN), no remote
/// plugins, and the SDK's metrics to Segment's servers off.
pub fn segment_document(write_key: &str, protocol: &str, host: &str) -> Value {
    json!({
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": format!("{host}/v1"),
                "protocol": protocol,
            }
        },
        "metrics": { "sampleRate": 0 },
        "remotePlugins": [],
    })
}

/// The query RudderStack's SDK sends with its config request.
#[derive(Debug, Deserialize)]
pub struct SourceConfigQuery {
    #[serde(rename = "writeKey")]
    write_key: Option<String>,
}

/// RudderStack's source config for the write key in the query (or Basic auth).
pub async fn rudderstack_config(
    State(state): State<AppState>,
    Query(query): Query<SourceConfigQuery>,
    found: Option<Extension<KeySource>>,
    headers: HeaderMap,
) -> Result<([(header::HeaderName, &'static str); 1], Json<Value>), AppError> {
    let key = query
        .write_key
        .or_else(|| presented_key(&headers))
        .ok_or(AppError::Unauthorized)?;
    let source = source_of_key(&state, found, &key).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(rudderstack_document(&source, &key)),
    ))
}

/// A source with no destinations (enrich is the destination; a device-mode destination would
/// make the SDK load code from RudderStack's CDN) and no `statsCollection`, so the SDK never
/// reports its own errors anywhere.
pub fn rudderstack_document(source: &SourceDoc, write_key: &str) -> Value {
    json!({
        "isHosted": true,
        "source": {
            "id": source.id.to_hex(),
            "name": source.name,
            "writeKey": write_key,
            "workspaceId": "enrich",
            "enabled": true,
            "config": {},
            "destinations": [],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_settings_point_the_sdk_at_this_host_only() {
        let doc = segment_document("wk_a", "http", "127.0.0.1:3000");
        let io = &doc["integrations"]["Segment.io"];
        assert_eq!(io["apiHost"], "127.0.0.1:3000/v1");
        assert_eq!(io["protocol"], "http");
        assert_eq!(io["apiKey"], "wk_a");
        assert_eq!(doc["integrations"].as_object().unwrap().len(), 1);
        assert_eq!(doc["remotePlugins"], json!([]));
        assert_eq!(doc["metrics"]["sampleRate"], 0);
    }
}
