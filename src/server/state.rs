//! The state every handler and server fn shares.
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use mongodb::Database;

/// Cheap to clone: the database handle and options are reference-counted inside.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Leptos runtime options (site address, asset folders).
    pub leptos_options: LeptosOptions,
    /// The enrich database.
    pub db: Database,
}

/// The `AppState` of the request being served; server fns reach it only through this helper.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from the Leptos context"))
}
