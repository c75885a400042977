//! `POST /v1/{identify,track,page,screen,group,alias,batch}` — also under the one-letter paths
//! Segment's browser SDK posts to (`/v1/i`, `/v1/t`, `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`,
//! `/v1/b`), with the write key in Basic auth, `X-Write-Key` or the body's `writeKey` — and
//! `GET /v1/openapi.json`.
use super::{
    auth::{authenticate, presented_key},
    backpressure::limit_in_flight,
    limits::{self, MAX_REQUEST_BYTES},
    message::MessageType,
    openapi,
    pipeline::{self, IngestReport},
};
use crate::{
    error::AppError,
    server::{
        AppState,
        auth::policy::declared,
        browser::cors::{KeySource, body_write_key},
        db::{ingest_errors::IngestErrors, sources::SourceDoc},
        metrics::{commands::counted, names},
    },
};
use axum::{
    Extension, Json, Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, header::CONTENT_ENCODING},
    middleware::from_fn_with_state,
    routing::{get, post},
};
use chrono::Utc;
use metrics::{counter, histogram};

/// The tracking API's routes.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            declared("*", "/v1/{call}"),
            post(receive).fallback(only_post),
        )
        .route_layer(from_fn_with_state(
            state.ingest.in_flight.clone(),
            limit_in_flight,
        ))
        .route(
            declared("GET", "/v1/openapi.json"),
            get(openapi::serve_document),
        )
}

/// Answers a tracking call; a refused one is counted for the dashboard and the live charts.
async fn receive(
    State(state): State<AppState>,
    Path(call): Path<String>,
    found: Option<Extension<KeySource>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IngestReport>, AppError> {
    let found = found.map(|Extension(KeySource(source))| source);
    let (answer, commands) = counted(handle(&state, &call, found, &headers, body)).await;
    count_batch(answer.as_ref().ok().map(|Json(report)| report), commands);
    if answer.is_err() {
        let now = Utc::now();
        state.hub.stats().record_error(now);
        let errors = IngestErrors::new(&state.db);
        tokio::spawn(async move {
            if let Err(err) = errors.record(now).await {
                tracing::warn!(%err, "an ingest error was not counted");
            }
        });
    }
    answer
}

/// Counts a tracking request for `/metrics` (`None`: refused).
fn count_batch(report: Option<&IngestReport>, commands: u64) {
    let Some(report) = report else {
        counter!(names::INGEST_BATCHES, "outcome" => "refused").increment(1);
        return;
    };
    counter!(names::INGEST_BATCHES, "outcome" => "accepted").increment(1);
    for (result, n) in [
        ("accepted", report.accepted),
        ("duplicate", report.duplicates),
        ("suppressed", report.suppressed),
    ] {
        counter!(names::INGEST_MESSAGES, "result" => result).increment(n as u64);
    }
    counter!(names::INGEST_REFUSED_IDENTIFIERS).increment(report.refused_identifiers as u64);
    histogram!(names::INGEST_BATCH_DB_COMMANDS).record(commands as f64);
}

/// The message type a call path names (`None`: a batch).
fn call_kind(call: &str) -> Result<Option<MessageType>, AppError> {
    let name = match call {
        "batch" | "b" => return Ok(None),
        "i" => "identify",
        "t" => "track",
        "p" => "page",
        "s" => "screen",
        "g" => "group",
        "a" => "alias",
        other => other,
    };
    MessageType::parse(name)
        .map(Some)
        .ok_or_else(|| AppError::NotFound {
            what: format!("tracking call /v1/{call}"),
        })
}

async fn handle(
    state: &AppState,
    call: &str,
    found: Option<SourceDoc>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Json<IngestReport>, AppError> {
    let kind = call_kind(call)?;
    let gzip = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let source = match found {
        Some(source) => Some(source),
        None if presented_key(headers).is_some() || gzip => {
            Some(authenticate(&state.ingest.sources, headers).await?)
        }
        None => None,
    };
    let bytes = read_body(body).await?;
    let source = match source {
        Some(source) => source,
        // Segment's browser SDK may send the key only in the body.
        None => {
            let key = body_write_key(&bytes).ok_or(AppError::Unauthorized)?;
            state
                .ingest
                .sources
                .authenticate(&key)
                .await?
                .ok_or(AppError::Unauthorized)?
        }
    };
    let body = limits::decode_body(&bytes, gzip)?;
    let received_at = Utc::now();
    let messages = match kind {
        Some(kind) => vec![limits::read_single(&body, kind, received_at)?],
        None => limits::read_batch(&body, received_at)?,
    };
    if let Some(days) = state.ingest.graph.events_kept_days().await? {
        super::time::check_kept(&messages, days, received_at, kind.is_none())?;
    }
    let report = pipeline::ingest(&state.ingest.graph, &source, &messages).await?;
    Ok(Json(report))
}

/// The body, at most the request limit; a body that breaks off is a bad request, not a size.
async fn read_body(body: Body) -> Result<axum::body::Bytes, AppError> {
    axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|err| {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(e) = cause {
                if e.is::<http_body_util::LengthLimitError>() {
                    return AppError::TooLarge {
                        limit: "request_size".into(),
                        message: format!(
                            "a request body must be at most {MAX_REQUEST_BYTES} bytes"
                        ),
                        index: None,
                    };
                }
                cause = e.source();
            }
            AppError::BadRequest {
                message: format!("the body could not be read: {err}"),
            }
        })
}

/// Any other method on a tracking path: 405 with a JSON body like every other error.
async fn only_post() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({"error": "method_not_allowed", "message": "tracking calls are POST requests"});
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        [(axum::http::header::ALLOW, "POST")],
        Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_browser_short_paths_name_the_same_calls() {
        for (short, long) in [
            ("i", "identify"),
            ("t", "track"),
            ("p", "page"),
            ("s", "screen"),
            ("g", "group"),
            ("a", "alias"),
        ] {
            assert_eq!(
                call_kind(short).unwrap(),
                call_kind(long).unwrap(),
                "{short}"
            );
            assert!(call_kind(short).unwrap().is_some());
        }
        assert_eq!(call_kind("b").unwrap(), None);
        assert_eq!(call_kind("batch").unwrap(), None);
        assert!(matches!(call_kind("x"), Err(AppError::NotFound { .. })));
    }
}
