//! The repositories and rules identity resolution works with, bundled once per app.
use super::{identifiers::IdentityPolicy, lease::IdentityLease, plan::IdentityLimits};
use crate::server::{
    db::{
        baselines::Baselines, computed_traits::ComputedTraits,
        event_match_queries::EventMatchQueries, events::Events, fields::Fields,
        identities::Identities, merges::Merges, profiles::Profiles,
        recommend_queue::RecommendQueue,
    },
    enrich::{Retention, event_matches::Matcher},
    live::LiveHub,
    matching::queue::MatchQueue,
    privacy::{gate::Gate, keyring::KeyRing},
    retention::{config::RetentionEnv, store::RetentionStore},
};
use crate::{error::AppError, model::computed::ComputedTraitDef};
use mongodb::Database;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

/// Identity resolution and profile writes over one database.
#[derive(Clone, Debug)]
pub struct IdentityGraph {
    /// The database (for queries outside the repositories below).
    pub db: Database,
    /// Profiles.
    pub profiles: Profiles,
    /// Identifier ownership.
    pub identities: Identities,
    /// Stored events.
    pub events: Events,
    /// Merge records.
    pub merges: Merges,
    /// What retention-deleted events contributed, per home profile.
    pub baselines: Baselines,
    /// The field catalog.
    pub fields: Fields,
    /// Normalisation and blocked values.
    pub policy: Arc<IdentityPolicy>,
    /// Suppression of forgotten people and encryption of restricted values on the way in.
    pub gate: Gate,
    /// Per-kind identifier limits.
    pub limits: IdentityLimits,
    /// Days of daily counters kept.
    pub retention_days: u32,
    /// Retention rules until an admin saves others (how long events are kept decides which
    /// event times are accepted and how far back segment conditions may look).
    pub retention_env: Arc<RetentionEnv>,
    /// Serialises identity work across every instance on the database (see [`IdentityLease`]);
    /// the locks below order this instance's tasks within a holding.
    pub lease: IdentityLease,
    /// Merges and unmerges run one at a time in this process: they are rare, touch several
    /// documents, and the server offers no transactions to make them atomic.
    pub merge_lock: Arc<Mutex<()>>,
    /// Ingestion holds it shared while a batch's events are not all stored; an unmerge takes it
    /// exclusively before rebuilding a profile from its events.
    pub rebuild_lock: Arc<RwLock<()>>,
    /// Resolutions that claim identifiers or merge run one at a time in this process, so two
    /// requests never both add a user id to one profile (limits are checked on fresh data).
    pub claim_lock: Arc<Mutex<()>>,
    /// Where stored events are announced (the live page, websocket clients).
    pub live: LiveHub,
    /// Whether tracking batches are planned in one pass (`false`: message by message).
    pub one_pass: bool,
    /// Product events waiting for the recommendation worker.
    pub recommend_queue: RecommendQueue,
    /// Profiles to match again (created or identified since).
    pub match_queue: MatchQueue,
    /// What ingestion keeps besides the profile, as last loaded ([`Self::load_kept`]), for
    /// applying messages without awaiting.
    pub kept: Arc<std::sync::RwLock<Arc<KeptRules>>>,
}

/// What applying a message keeps up to date besides the profile's own fields.
#[derive(Debug, Default)]
pub struct KeptRules {
    /// Computed-trait definitions.
    pub computed: Vec<ComputedTraitDef>,
    /// Registered segment event queries with property filters.
    pub matchers: Vec<Matcher>,
}

impl IdentityGraph {
    /// The graph over `db`.
    pub fn new(
        db: &Database,
        policy: IdentityPolicy,
        retention_days: u32,
        keys: Arc<KeyRing>,
        live: LiveHub,
    ) -> Self {
        Self {
            db: db.clone(),
            profiles: Profiles::new(db),
            identities: Identities::new(db),
            events: Events::new(db),
            merges: Merges::new(db),
            baselines: Baselines::new(db),
            fields: Fields::new(db),
            policy: Arc::new(policy),
            gate: Gate::new(db, keys),
            limits: IdentityLimits::default(),
            retention_days,
            retention_env: Arc::default(),
            lease: IdentityLease::new(db),
            merge_lock: Arc::new(Mutex::new(())),
            rebuild_lock: Arc::new(RwLock::new(())),
            claim_lock: Arc::new(Mutex::new(())),
            live,
            one_pass: true,
            recommend_queue: RecommendQueue::new(db),
            match_queue: MatchQueue::new(db),
            kept: Arc::default(),
        }
    }

    /// Loads the computed-trait definitions and registered event queries (each cached for a
    /// few seconds) for the work that follows. Ingestion loads them once it holds
    /// `rebuild_lock`, so a back-fill step, which holds it exclusively, is never followed by a
    /// batch that misses what it back-fills.
    pub async fn load_kept(&self) -> Result<Arc<KeptRules>, AppError> {
        let (traits, queries) = (
            ComputedTraits::new(&self.db),
            EventMatchQueries::new(&self.db),
        );
        let (definitions, registered) = tokio::try_join!(traits.definitions(), queries.all())?;
        let kept = Arc::new(KeptRules {
            computed: definitions,
            matchers: registered
                .iter()
                .filter_map(|r| Matcher::new(&r.query))
                .collect(),
        });
        *self.kept.write().unwrap_or_else(|e| e.into_inner()) = kept.clone();
        Ok(kept)
    }

    /// What ingestion keeps, as last loaded.
    pub fn kept(&self) -> Arc<KeptRules> {
        self.kept.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Days events are kept under the rules in effect (`None`: forever), read at most every few
    /// seconds.
    pub async fn events_kept_days(&self) -> Result<Option<u32>, AppError> {
        RetentionStore::new(&self.db)
            .events_days(&self.retention_env)
            .await
    }

    /// Counter retention as of now.
    pub fn retention(&self) -> Retention {
        Retention::days_from_now(self.retention_days)
    }
}
