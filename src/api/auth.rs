//! Who is signed in (sign-in and sign-out themselves are plain form posts to `/auth/…`).
use crate::{error::AppError, model::access::SessionUser};
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn get_session_user() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::server::auth::caller()?.user)
}

/// The email typed into the last failed sign-in of this browser, so the form keeps it.
#[server(endpoint = "auth/typed-email")]
pub async fn take_typed_email() -> Result<Option<String>, AppError> {
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Unauthorized)?;
    crate::server::auth::login::take_typed_email(&session).await
}
