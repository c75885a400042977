//! `POST /imports`: a multipart form that works without JavaScript. Fields: `source`, then a
//! `file` or a staged `upload` id, then a mapping: TOML in `mapping`, the mapping form's
//! column fields, or none (the source's saved one). `step=map` stops after keeping the file,
//! for the mapping form. The import runs in the background; browsers are sent to its progress
//! page (or back to the form, which keeps the source, the file and the choices, with the error
//! beside its field); API clients get `202 {"id": …}`.
use super::{
    flow::{self, Next},
    form::Fields,
};
use crate::{
    error::AppError,
    server::{
        AppState,
        auth::Caller,
        respond::{Accepted, upload_reply, wants_json},
    },
};
use axum::{
    Extension, Json,
    extract::{DefaultBodyLimit, Multipart, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
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

/// The posted form: its text fields and the file, if one was chosen.
#[derive(Debug, Default)]
pub struct Posted {
    /// Text fields by name.
    pub fields: Fields,
    /// The chosen file's name.
    pub file_name: String,
    /// The chosen file (empty when none was).
    pub bytes: Vec<u8>,
}

async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let json = wants_json(&headers);
    // Taken before the file is read: each running import holds its whole file in memory.
    let slot = match state.limits.import_slot() {
        Ok(slot) => slot,
        Err(err) => return upload_reply(&headers, FORM_PAGE, Err(err)),
    };
    let mut posted = match read(form).await {
        Ok(posted) => posted,
        Err(err) => return upload_reply(&headers, FORM_PAGE, Err(err)),
    };
    match flow::accept(&state, &caller, &mut posted, json, slot).await {
        Ok(Next::Started(id)) => upload_reply(
            &headers,
            FORM_PAGE,
            Ok(Accepted::import_started(FORM_PAGE, id)),
        ),
        Ok(Next::Map(upload)) if json => (
            StatusCode::OK,
            Json(serde_json::json!({ "upload": upload })),
        )
            .into_response(),
        Ok(Next::Map(upload)) => {
            let source = posted.fields.get("source").cloned().unwrap_or_default();
            let query = serde_urlencoded::to_string([("upload", upload), ("source", source)]);
            Redirect::to(&format!("{FORM_PAGE}?{}", query.unwrap_or_default())).into_response()
        }
        Err(err) if json => err.into_response(),
        Err(err) => Redirect::to(&back_to_form(&posted.fields, &err)).into_response(),
    }
}

/// The form page again, with what was chosen and every error by field (`err_<field>`).
fn back_to_form(fields: &Fields, err: &AppError) -> String {
    let mut query: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "mapping" && k.as_str() != "step")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    query.push(("error".into(), err.user_message()));
    for e in err.field_errors() {
        query.push((format!("err_{}", e.field), e.message));
    }
    format!(
        "{FORM_PAGE}?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

async fn read(mut form: Multipart) -> Result<Posted, AppError> {
    let mut posted = Posted::default();
    while let Some(field) = form.next_field().await.map_err(|e| AppError::BadRequest {
        message: format!("unreadable upload: {e}"),
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        let unreadable = |e: axum::extract::multipart::MultipartError| AppError::BadRequest {
            message: format!("unreadable field {name}: {e}"),
        };
        if name == "file" {
            posted.file_name = field.file_name().unwrap_or("upload.csv").to_owned();
            posted.bytes = field.bytes().await.map_err(unreadable)?.to_vec();
        } else {
            let text = field.text().await.map_err(unreadable)?;
            posted.fields.insert(name, text);
        }
    }
    Ok(posted)
}
