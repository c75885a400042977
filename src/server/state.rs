//! The state every handler and server fn shares.
use super::{
    config::Settings,
    db::sources::Sources,
    identity::{IdentityGraph, identifiers::IdentityPolicy},
    ingest::backpressure::InFlight,
    live::LiveHub,
    privacy::keyring::KeyRing,
    segments::SegmentEngine,
};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use mongodb::Database;
use std::{sync::Arc, time::Duration};

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
    /// Segments and their memberships.
    pub segments: SegmentEngine,
    /// Live messages to subscribers.
    pub hub: LiveHub,
    /// Campaigns and their delivery.
    pub campaigns: super::campaigns::CampaignService,
    /// Limits on expensive work held in this instance (hashing, imports, sockets).
    pub limits: super::limits::Limits,
    /// The personalization API's shared state.
    pub personalize: super::personalize::Personalizer,
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
        crate::server::metrics::install();
        let policy = IdentityPolicy {
            blocked: settings.blocked_identifiers.clone(),
            default_region: settings.phone_region,
        };
        let keys = Arc::new(keys);
        let hub = LiveHub::new(settings.live_buffer);
        let ingest = IngestState {
            graph: IdentityGraph {
                one_pass: settings.ingest_one_pass,
                retention_env: Arc::new(settings.retention.clone()),
                ..IdentityGraph::new(
                    &db,
                    policy,
                    settings.counter_retention_days,
                    keys.clone(),
                    hub.clone(),
                )
            },
            sources: Sources::new(&db),
            in_flight: InFlight::new(settings.max_ingest_in_flight),
        };
        let segments = SegmentEngine::new(
            &ingest.graph,
            hub.clone(),
            Duration::from_secs(settings.segment_refresh_seconds),
            Duration::from_secs(settings.segment_size_sample_seconds),
        );
        let campaigns = super::campaigns::CampaignService::new(
            &ingest.graph,
            &segments,
            hub.clone(),
            &settings.campaigns,
        );
        Self {
            limits: super::limits::Limits::new(settings),
            personalize: super::personalize::Personalizer::new(&db),
            leptos_options,
            db,
            ingest,
            settings: Arc::new(settings.clone()),
            segments,
            hub,
            campaigns,
        }
    }
}

impl AppState {
    /// Starts the background work: segment membership upkeep, campaigns, the recommendation
    /// worker and the live feed. Idempotent for the segments; call it once per state for the
    /// rest.
    pub fn start(&self) {
        self.segments.start();
        self.campaigns.start();
        tokio::spawn(super::products::recommend::worker::run(
            self.ingest.graph.clone(),
        ));
        super::matching::incremental::spawn(self.ingest.graph.clone());
        super::retention::sweep::spawn(self.campaigns.clone(), self.settings.retention.clone());
        let graph = self.ingest.graph.clone();
        tokio::spawn(async move {
            if let Err(err) = super::computed::backfill_unbuilt(&graph).await {
                tracing::error!(%err, "computed trait states not built");
            }
            if let Err(err) = super::event_matches::backfill_unbuilt(&graph).await {
                tracing::error!(%err, "segment event query counts not built");
            }
            super::computed::run_aging(graph).await;
        });
        if self.settings.live_feed == super::live::feed::FeedSetting::ChangeStream {
            // Decided now rather than in the task, so nothing stored meanwhile is announced twice.
            let starting = "starting".to_owned();
            self.hub.set_status(super::live::feed::FeedStatus::new(
                "change_stream",
                "unknown".to_owned(),
                starting,
            ));
        }
        let (db, hub) = (self.db.clone(), self.hub.clone());
        let (setting, instance) = (self.settings.live_feed, self.settings.instance.clone());
        tokio::spawn(async move {
            if let Err(err) = super::live::warm::warm(&db, &hub).await {
                tracing::warn!(%err, "live charts start empty: the last hour could not be read");
            }
            super::live::feed::run(db, hub, setting, instance).await;
        });
    }
}

/// The `AppState` of the request being served; server fns reach it only through this helper.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from the Leptos context"))
}
