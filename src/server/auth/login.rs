//! `POST /auth/login` and `POST /auth/logout`: plain form posts, so they work the same with and
//! without JavaScript (the browser follows the redirect and loads the next page whole).
use super::{Caller, password, policy::declared, redirect::safe_next, session, throttle};
use crate::{
    error::AppError,
    server::{
        AppState,
        audit::{self, Record},
        db::{
            login_failures,
            users::{UserDoc, Users},
        },
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
            keep_typed_email(&session, &form.email).await;
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

/// The session key holding the email of a failed sign-in, for the form to show it again (kept
/// out of the URL, which logs and browser histories keep).
const TYPED_EMAIL: &str = "sign_in_email";

async fn keep_typed_email(session: &Session, email: &str) {
    let email: String = email.trim().chars().take(254).collect();
    if let Err(err) = session.insert(TYPED_EMAIL, email).await {
        tracing::warn!(%err, "could not keep the typed sign-in email");
    }
}

/// The email typed into the last failed sign-in on `session`, forgotten once read.
pub async fn take_typed_email(session: &Session) -> Result<Option<String>, AppError> {
    session
        .remove::<String>(TYPED_EMAIL)
        .await
        .map_err(session::store_error)
}

async fn attempt(
    state: &AppState,
    caller: &Caller,
    session: &Session,
    form: &LoginForm,
) -> Result<(), AppError> {
    let email = form.email.trim().to_lowercase();
    // Held from the count to the end of the check: argon2 is CPU- and memory-hungry.
    let _slot = state.limits.hashing_slot()?;
    let attempt = throttle::Attempt::new(&email, caller.ip.as_deref());
    let counts = login_failures::repository(&state.db);
    if let Err(err) = throttle::admit(&counts, &state.settings.auth, &attempt).await {
        let record = Record::new("sign_in.throttled", None);
        audit::write(&state.db, caller, Some(&email), record).await?;
        return Err(err);
    }
    let Some(user) = verified_user(state, &email, &form.password).await? else {
        let record = Record::new("sign_in.failed", None);
        audit::write(&state.db, caller, Some(&email), record).await?;
        return Err(AppError::Unauthorized);
    };
    throttle::succeeded(&counts, &attempt).await?;
    session::begin(session, &user).await?;
    let record = Record::new("sign_in.ok", user.id.to_hex());
    audit::write(&state.db, caller, Some(&email), record).await
}

/// The enabled user `email` if `password` is theirs.
async fn verified_user(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Option<UserDoc>, AppError> {
    let user = Users::new(&state.db)
        .by_email(email)
        .await?
        .filter(|u| !u.disabled);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let given = password.to_owned();
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || password::verify(&given, stored.as_deref()))
        .await
        .map_err(AppError::internal)?;
    Ok(user.filter(|_| verified))
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
