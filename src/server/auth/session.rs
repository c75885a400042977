//! What a session holds about its user, and starting and ending it.
use super::settings::AuthSettings;
use crate::{
    error::AppError,
    model::access::SessionUser,
    server::db::users::{UserDoc, Users},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// The session key under which [`SessionAuth`] is kept.
const KEY: &str = "auth";

/// The signed-in user of a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionAuth {
    user_id: String,
    /// Unix milliseconds of the sign-in, for the absolute lifetime.
    signed_in_at_ms: i64,
}

/// The session store is MongoDB: when it fails, the database is (almost always) unreachable,
/// which is worth a retry (503) rather than a bug report (500).
pub fn store_error(err: tower_sessions::session::Error) -> AppError {
    tracing::warn!(%err, "session store failed");
    AppError::Unavailable {
        message: "the session store cannot be reached".to_owned(),
    }
}

/// Starts a signed-in session for `user` under a fresh id (no session fixation).
pub async fn begin(session: &Session, user: &UserDoc) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    let auth = SessionAuth {
        user_id: user.id.to_hex(),
        signed_in_at_ms: chrono::Utc::now().timestamp_millis(),
    };
    session.insert(KEY, auth).await.map_err(store_error)
}

/// Ends the session: its data is deleted and the cookie cleared.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}

/// The user signed in on `session`, if the session is within its absolute lifetime and the
/// user still exists and is enabled; otherwise the session is ended.
pub async fn signed_in_user(
    users: &Users,
    settings: &AuthSettings,
    session: &Session,
) -> Result<Option<SessionUser>, AppError> {
    let Some(auth) = session.get::<SessionAuth>(KEY).await.map_err(store_error)? else {
        return Ok(None);
    };
    let age_ms = chrono::Utc::now().timestamp_millis() - auth.signed_in_at_ms;
    let user = match auth.user_id.parse() {
        Ok(id) if age_ms <= settings.session_max.as_millis() as i64 => users.get(id).await?,
        _ => None,
    };
    match user.filter(|u| !u.disabled) {
        Some(user) => Ok(Some(SessionUser {
            id: user.id.to_hex(),
            email: user.email,
            role: user.role,
            time_zone: user
                .time_zone
                .unwrap_or_else(|| crate::model::time_zone::DEFAULT_ZONE.to_owned()),
        })),
        None => {
            end(session).await?;
            Ok(None)
        }
    }
}
