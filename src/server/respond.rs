//! How server fn results become HTTP responses.
use crate::error::AppError;
use axum::http::{StatusCode, header::ACCEPT, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Gives a failed server fn the HTTP status of its error (400, 409, …) instead of a blanket 500.
///
/// A plain HTML form post (JavaScript disabled) is left alone: it must stay a redirect back to
/// the form, which then shows the error carried in the URL.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result
        && !is_plain_form_post()
        && let Some(options) = use_context::<ResponseOptions>()
    {
        options.set_status(
            StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    result
}

fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(ACCEPT)?
                .to_str()
                .ok()
                .map(|a| a.contains("text/html"))
        })
        .unwrap_or(false)
}
