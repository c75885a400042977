//! `POST /auth/login` and `POST /auth/logout`: plain form posts, so they work the same with and
//! without JavaScript (the browser follows the redirect and loads the next page whole).
use super::{Caller, password, policy::declared, session, throttle};
use crate::{
    error::AppError,
    server::{
        AppState,
        audit::{self, Record},
        db::{login_failures::LoginFailures, users::Users},
    },
};
use axum::{
    Extension, Form, Json, Router,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};
use serde::Deserialize;
use tower_sessions::Session;

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// The sign-in and sign-out routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(declared("POST", "/auth/login"), post(sign_in))
        .route(declared("POST", "/auth/logout"), post(sign_out))
}

async fn sign_in(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let outcome = attempt(&state, &caller, &session, &form).await;
    let next = safe_next(form.next.as_deref());
    match (outcome, crate::server::respond::wants_json(&headers)) {
        (Ok(()), true) => Json(serde_json::json!({ "ok": true, "next": next })).into_response(),
        (Ok(()), false) => Redirect::to(next).into_response(),
        (Err(err), true) => err.into_response(),
        (Err(err), false) => {
            let code = match &err {
                AppError::TooManyRequests { retry_after } => {
                    format!("throttled&wait={retry_after}")
                }
                AppError::Unauthorized => "invalid".to_owned(),
                _ => "unavailable".to_owned(),
            };
            let back = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/login?error={code}&{back}")).into_response()
        }
    }
}

async fn attempt(
    state: &AppState,
    caller: &Caller,
    session: &Session,
    form: &LoginForm,
) -> Result<(), AppError> {
    let email = form.email.trim().to_lowercase();
    let attempt = throttle::Attempt::new(&email, caller.ip.as_deref());
    let failures = LoginFailures::new(&state.db);
    let settings = &state.settings.auth;
    if let Err(err) = throttle::check(&failures, settings, &attempt).await {
        audit::write(
            &state.db,
            caller,
            Some(&email),
            Record::new("sign_in.throttled", None),
        )
        .await?;
        return Err(err);
    }
    let user = Users::new(&state.db)
        .by_email(&email)
        .await?
        .filter(|u| !u.disabled);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let given = form.password.clone();
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || password::verify(&given, stored.as_deref()))
        .await
        .map_err(AppError::internal)?;
    let Some(user) = user.filter(|_| verified) else {
        throttle::failed(&failures, settings, &attempt).await?;
        audit::write(
            &state.db,
            caller,
            Some(&email),
            Record::new("sign_in.failed", None),
        )
        .await?;
        return Err(AppError::Unauthorized);
    };
    throttle::succeeded(&failures, &attempt).await?;
    session::begin(session, &user).await?;
    let record = Record::new("sign_in.ok", user.id.to_hex());
    audit::write(&state.db, caller, Some(&email), record).await
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
) -> Response {
    let target = caller.user.as_ref().map(|u| u.id.clone());
    let ended = async {
        audit::write(&state.db, &caller, None, Record::new("sign_out", target)).await?;
        session::end(&session).await
    };
    match ended.await {
        Ok(()) => Redirect::to("/login").into_response(),
        Err(err) => err.into_response(),
    }
}

/// Where to go after signing in: a local path only (no open redirect), else the dashboard.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_only() {
        assert_eq!(safe_next(Some("/customers?q=a")), "/customers?q=a");
        assert_eq!(safe_next(Some("//evil.test")), "/");
        assert_eq!(safe_next(Some("https://evil.test")), "/");
        assert_eq!(safe_next(Some("/\\evil.test")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
