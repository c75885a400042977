//! How failed server fns become HTTP responses.
use crate::error::AppError;
use axum::{
    body::{Body, to_bytes},
    http::StatusCode,
    response::Response,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Whether the client asked for JSON rather than a page: API clients and `fetch` do, a browser
/// posting a plain form (which accepts `text/html`) does not.
pub fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

/// What an accepted form upload answers: `status` with `body` to API clients, a redirect to
/// `location` to browsers.
#[derive(Debug)]
pub struct Accepted {
    /// Status for API clients.
    pub status: StatusCode,
    /// JSON body for API clients.
    pub body: serde_json::Value,
    /// Where browsers go next.
    pub location: String,
}

impl Accepted {
    /// A background import `id` started from `form_page`: `202 {"id"}`, browsers go to its
    /// progress page (`<form_page>/<id>`).
    pub fn import_started(form_page: &str, id: String) -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            location: format!("{form_page}/{id}"),
            body: serde_json::json!({ "id": id }),
        }
    }
}

/// The answer to a multipart form post (uploads work without JavaScript): JSON for API clients;
/// for browsers a redirect onwards, or back to `form_page` with the error in `?error=`.
pub fn upload_reply(
    headers: &axum::http::HeaderMap,
    form_page: &str,
    result: Result<Accepted, AppError>,
) -> Response {
    use axum::{
        Json,
        response::{IntoResponse, Redirect},
    };
    match (result, wants_json(headers)) {
        (Ok(done), true) => (done.status, Json(done.body)).into_response(),
        (Ok(done), false) => Redirect::to(&done.location).into_response(),
        (Err(err), true) => err.into_response(),
        (Err(err), false) => {
            let query =
                serde_urlencoded::to_string([("error", err.to_string())]).unwrap_or_default();
            Redirect::to(&format!("{form_page}?{query}")).into_response()
        }
    }
}

/// Error bodies are one small JSON object; anything bigger is not ours to reinterpret.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives every failed server fn the HTTP status its [`AppError`] carries (400, 404, 409, 503 …)
/// instead of server_fn's blanket 500, in one place for every endpoint.
///
/// Plain HTML form posts (JavaScript disabled) are redirects back to the form and pass untouched.
pub async fn server_fn_error_status(response: Response) -> Response {
    let is_server_fn_error = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    if !is_server_fn_error {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(seconds) = err.retry_after() {
            parts
                .headers
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
