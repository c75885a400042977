//! Who is signed in (sign-in and sign-out themselves are plain form posts to `/auth/…`).
use crate::{error::AppError, model::access::SessionUser};
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn get_session_user() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::server::auth::caller()?.user)
}
