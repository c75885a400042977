//! Secrets shown once: a server fn that creates one keeps it in the session until the page's
//! next load takes it out, so a form posted without JavaScript still shows it after the
//! redirect, and a reload never shows it again.
use crate::error::AppError;

async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| AppError::internal(format!("no session: {e}")))
}

/// Keeps `key` under `entry` for the next page load, then returns it.
pub async fn remember<K: serde::Serialize>(entry: &str, key: K) -> Result<K, AppError> {
    session()
        .await?
        .insert(entry, &key)
        .await
        .map_err(AppError::internal)?;
    Ok(key)
}

/// The key kept under `entry` by the previous request, taken out of the session.
pub async fn take<K: serde::de::DeserializeOwned>(entry: &str) -> Result<Option<K>, AppError> {
    session()
        .await?
        .remove::<K>(entry)
        .await
        .map_err(AppError::internal)
}
