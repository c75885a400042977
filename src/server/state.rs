//! The state every handler and server fn shares.
use super::{
    config::Settings,
    db::sources::Sources,
    identity::{IdentityGraph, identifiers::IdentityPolicy},
    ingest::backpressure::InFlight,
    privacy::keyring::KeyRing,
};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use mongodb::Database;
use std::sync::Arc;

/// Cheap to clone: the database handle and options are reference-counted inside.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Leptos runtime options (site address, asset folders).
    pub leptos_options: LeptosOptions,
    /// The enrich database.
    pub db: Database,
    /// Ingestion: identity graph, sources, request permits.
    pub ingest: IngestState,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
}

/// What the ingestion path needs.
#[derive(Clone, Debug)]
pub struct IngestState {
    /// Profiles, identities, events, merges and their rules.
    pub graph: IdentityGraph,
    /// Sources and write keys.
    pub sources: Sources,
    /// Tracking requests in flight.
    pub in_flight: InFlight,
}

impl AppState {
    /// The state for `db` under `settings`.
    pub fn new(
        leptos_options: LeptosOptions,
        db: Database,
        settings: &Settings,
        keys: KeyRing,
    ) -> Self {
        let policy = IdentityPolicy {
            blocked: settings.blocked_identifiers.clone(),
            default_region: settings.phone_region,
        };
        let keys = Arc::new(keys);
        let ingest = IngestState {
            graph: IdentityGraph::new(&db, policy, settings.counter_retention_days, keys.clone()),
            sources: Sources::new(&db),
            in_flight: InFlight::new(settings.max_ingest_in_flight),
        };
        Self {
            leptos_options,
            db,
            ingest,
            settings: Arc::new(settings.clone()),
        }
    }
}

/// The `AppState` of the request being served; server fns reach it only through this helper.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from the Leptos context"))
}
