//! Segments on the server: definitions and versions (`store`), what rules may name
//! (`vocabulary`), previews and overlaps (`preview`) and what roles without access to personal
//! data may ask of it (`pii_guard`), memberships kept current per profile
//! (`engine`) and per segment (`compute`), the clock-driven refresh (`schedule`), CSV export and
//! static uploads (`members`).

pub mod compute;
pub mod detail;
pub mod engine;
pub mod members;
pub mod pii_guard;
pub mod preview;
pub mod schedule;
pub mod sets;
pub mod store;
pub mod subject;
pub mod views;
pub mod vocabulary;

use super::{
    db::{memberships::Memberships, segments::Segments},
    identity::IdentityGraph,
    live::LiveHub,
};
use mongodb::{Database, bson::oid::ObjectId};
use std::{sync::Arc, time::Duration};
use tokio::sync::{
    Mutex,
    mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel},
};

/// Segment definitions, memberships and the workers that keep them current. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SegmentEngine {
    db: Database,
    /// Definitions, versions and size samples.
    pub segments: Segments,
    /// Memberships and transitions.
    pub memberships: Memberships,
    graph: IdentityGraph,
    /// Where transitions are published.
    pub hub: LiveHub,
    /// Membership writers (profile passes, full computations) run one at a time.
    writer: Arc<Mutex<()>>,
    compute_queue: UnboundedSender<ObjectId>,
    compute_jobs: Arc<std::sync::Mutex<Option<UnboundedReceiver<ObjectId>>>>,
    refresh_every: Duration,
    sample_every: Duration,
}

impl SegmentEngine {
    /// The engine over `graph`'s database; nothing runs until [`SegmentEngine::start`].
    pub fn new(
        graph: &IdentityGraph,
        hub: LiveHub,
        refresh_every: Duration,
        sample_every: Duration,
    ) -> Self {
        let (compute_queue, jobs) = unbounded_channel();
        Self {
            db: graph.db.clone(),
            segments: Segments::new(&graph.db),
            memberships: Memberships::new(&graph.db),
            graph: graph.clone(),
            hub,
            writer: Arc::new(Mutex::new(())),
            compute_queue,
            compute_jobs: Arc::new(std::sync::Mutex::new(Some(jobs))),
            refresh_every,
            sample_every,
        }
    }

    /// Starts the workers on the current runtime: profile changes, computations, the schedule.
    /// A second call does nothing.
    pub fn start(&self) {
        let jobs = self
            .compute_jobs
            .lock()
            .ok()
            .and_then(|mut jobs| jobs.take());
        let Some(jobs) = jobs else {
            return;
        };
        if let Some(changes) = self.graph.profiles.changes.listen() {
            tokio::spawn(self.clone().listen(changes));
        }
        tokio::spawn(self.clone().compute_worker(jobs));
        tokio::spawn(self.clone().run_schedule());
    }
}
