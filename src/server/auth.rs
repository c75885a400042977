//! Sign-in, sessions and the role check every request passes through (`guard`).

pub mod api_token;
pub mod csrf;
pub mod forwarded;
pub mod guard;
pub mod login;
pub mod password;
pub mod policy;
pub mod redirect;
pub mod session;
pub mod settings;
pub mod throttle;
pub mod users;

use crate::{
    error::AppError,
    model::access::{Permission, SessionUser},
};

/// Who is making the current request, as the guard found them.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The signed-in user, if any.
    pub user: Option<SessionUser>,
    /// The client IP, if known.
    pub ip: Option<String>,
    /// The API token the request came with (its audit label), instead of a session.
    pub token: Option<String>,
}

/// The caller of the current server fn or page render (set by the guard for every request).
pub fn caller() -> Result<Caller, AppError> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// The signed-in user of the current server fn; the guard has already checked the route's
/// permission, this is for what the handler does with the user (masking, audit).
pub fn current_user() -> Result<SessionUser, AppError> {
    caller()?.user.ok_or(AppError::Unauthorized)
}

/// Whether the current user has `permission` (for what a page shows, e.g. unmasked values).
pub fn current_user_can(permission: Permission) -> bool {
    current_user().is_ok_and(|u| u.can(permission))
}
