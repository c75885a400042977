//! `POST /imports`: a multipart form (`source`, `mapping`, `file`) that works without
//! JavaScript. The import runs in the background; browsers are sent to its progress page,
//! API clients get `202 {"id": …}`.
use super::job::{self, ImportRequest};
use crate::{
    error::AppError,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        respond::{Accepted, upload_reply},
    },
};
use axum::{
    Extension,
    extract::{DefaultBodyLimit, Multipart, State},
    http::HeaderMap,
    response::Response,
    routing::{MethodRouter, post},
};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;
/// Where the upload form lives (errors are shown there).
pub const FORM_PAGE: &str = "/settings/import";

/// The route, with its own body limit.
pub fn route() -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let result = accept(&state, &caller, form)
        .await
        .map(|id| Accepted::import_started(FORM_PAGE, id));
    upload_reply(&headers, FORM_PAGE, result)
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    mut form: Multipart,
) -> Result<String, AppError> {
    // Taken before the file is read: each running import holds its whole file in memory.
    let slot = state.limits.import_slot()?;
    let mut request = ImportRequest {
        source: String::new(),
        file_name: String::new(),
        mapping: None,
        bytes: Vec::new(),
    };
    while let Some(field) = form.next_field().await.map_err(|e| AppError::BadRequest {
        message: format!("unreadable upload: {e}"),
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        let unreadable = |e: axum::extract::multipart::MultipartError| AppError::BadRequest {
            message: format!("unreadable field {name}: {e}"),
        };
        match name.as_str() {
            "source" => request.source = field.text().await.map_err(unreadable)?,
            "mapping" => request.mapping = Some(field.text().await.map_err(unreadable)?),
            "file" => {
                request.file_name = field.file_name().unwrap_or("upload.csv").to_owned();
                request.bytes = field.bytes().await.map_err(unreadable)?.to_vec();
            }
            _ => {}
        }
    }
    let graph = state.ingest.graph.clone();
    let (id, prepared) = job::start(&graph, &state.ingest.sources, &request).await?;
    let detail = format!("source {}, file {}", request.source, request.file_name);
    let record = Record::new("import.start", id.to_hex()).detail(detail);
    audit::write(&state.db, caller, None, record).await?;
    tokio::spawn(async move {
        if let Err(err) = job::run(&graph, id, prepared).await {
            tracing::error!(import = %id, %err, "import failed");
        }
        drop(slot);
    });
    Ok(id.to_hex())
}
