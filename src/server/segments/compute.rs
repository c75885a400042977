//! Computing a segment's members with its compiled query, in the background, with progress:
//! after a save, and every minute for rules that depend on the clock.
use super::{
    SegmentEngine,
    engine::{Changes, diff_members, event_queries},
    sets::resolve_all,
};
use crate::server::metrics::names;
use crate::{
    error::AppError,
    model::segment::{SegmentKind, SegmentStatus},
    segment::{compile::compile, filter::lower},
    server::db::{
        profiles::{COLLECTION as PROFILES, live},
        segments::{ComputeDoc, SegmentDoc},
    },
    server::event_matches::ensure_registered,
};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{self, Document, doc, oid::ObjectId};
use std::collections::HashSet;
use tokio::sync::mpsc::UnboundedReceiver;

/// This process's queue of segment computations (in memory, so counted here).
fn compute_queue_depth() -> metrics::Gauge {
    metrics::gauge!(names::QUEUE_DEPTH, "queue" => "segment_compute")
}

/// Transitions written between progress updates.
const CHUNK: usize = 1_000;

impl SegmentEngine {
    /// Queues a computation of segment `id`.
    pub async fn queue_compute(&self, id: ObjectId, version: i64) -> Result<(), AppError> {
        let queued = ComputeDoc {
            state: "queued".into(),
            done: 0,
            total: 0,
            error: None,
            version,
        };
        self.segments.set_compute(id, &queued).await?;
        // The worker only stops with the server.
        if self.compute_queue.send(id).is_ok() {
            compute_queue_depth().increment(1.0);
        }
        Ok(())
    }

    /// Works through queued computations one at a time.
    pub(super) async fn compute_worker(self, mut queue: UnboundedReceiver<ObjectId>) {
        while let Some(id) = queue.recv().await {
            compute_queue_depth().decrement(1.0);
            if let Err(err) = self.compute(id).await {
                tracing::error!(%err, segment = %id, "segment computation failed");
                let failed = ComputeDoc {
                    state: "failed".into(),
                    done: 0,
                    total: 0,
                    error: Some(err.to_string()),
                    version: 0,
                };
                let _ = self.segments.set_compute(id, &failed).await;
            }
        }
    }

    /// Computes segment `id` now: members become exactly the live profiles its rule matches.
    pub async fn compute(&self, id: ObjectId) -> Result<(), AppError> {
        let _writer = self.writer.lock().await;
        let started = std::time::Instant::now();
        let computed = self.compute_locked(id).await;
        metrics::histogram!(names::SEGMENT_RECOMPUTE).record(started.elapsed().as_secs_f64());
        computed
    }

    async fn compute_locked(&self, id: ObjectId) -> Result<(), AppError> {
        let Some(segment) = self.segments.get(id).await? else {
            return Ok(());
        };
        if segment.status != SegmentStatus::Active || segment.kind != SegmentKind::Rule {
            return Ok(());
        }
        let now = Utc::now();
        let progress = |done: usize, total: usize, state: &str| ComputeDoc {
            state: state.into(),
            done: done as i64,
            total: total as i64,
            error: None,
            version: segment.version,
        };
        self.segments
            .set_compute(id, &progress(0, 0, "running"))
            .await?;
        if let Some(rule) = &segment.rule {
            // From now on ingestion counts this rule's filtered events per person, so
            // evaluating someone after their next event reads no history.
            let queries = event_queries(&lower(rule, now));
            if !queries.is_empty() {
                ensure_registered(&self.graph, &queries).await?;
            }
        }
        let matching = self.matching_ids(&segment, now).await?;
        let current: HashSet<ObjectId> =
            self.memberships.member_ids(id).await?.into_iter().collect();
        let entering: Vec<ObjectId> = matching.difference(&current).copied().collect();
        let leaving: Vec<ObjectId> = current.difference(&matching).copied().collect();
        let total = entering.len() + leaving.len();
        let at = bson::DateTime::from_chrono(now);
        let mut done = 0;
        for (ids, into) in [(&entering, true), (&leaving, false)] {
            for chunk in ids.chunks(CHUNK) {
                let mut changes = Changes::default();
                let chunk: HashSet<ObjectId> = chunk.iter().copied().collect();
                let (matching, current) = if into {
                    (chunk, HashSet::new())
                } else {
                    (HashSet::new(), chunk)
                };
                diff_members(&segment, &matching, &current, at, &mut changes);
                self.apply(changes).await?;
                done += matching.len() + current.len();
                self.segments
                    .set_compute(id, &progress(done, total, "running"))
                    .await?;
            }
        }
        self.segments.set_size(id, matching.len() as i64).await?;
        self.segments
            .set_compute(id, &progress(done, total, "done"))
            .await?;
        self.queue_dependents(id).await
    }

    /// Ids of the live profiles `segment`'s rule matches at `now`.
    pub async fn matching_ids(
        &self,
        segment: &SegmentDoc,
        now: DateTime<Utc>,
    ) -> Result<HashSet<ObjectId>, AppError> {
        let Some(rule) = &segment.rule else {
            return Ok(HashSet::new());
        };
        let query = self.compiled(rule, now).await?;
        let found: Vec<Document> = self
            .db
            .collection::<Document>(PROFILES)
            .find(query)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect())
    }

    /// The query over `profiles` for `rule` at `now`: live profiles only, sets resolved.
    pub async fn compiled(
        &self,
        rule: &crate::segment::Rule,
        now: DateTime<Utc>,
    ) -> Result<Document, AppError> {
        let filter = lower(rule, now);
        let sets = resolve_all(&self.db, &self.memberships, &filter.sets(), now).await?;
        Ok(doc! { "$and": [live(), compile(&filter, &sets)] })
    }

    /// Queues every active segment whose rule refers to `id`.
    async fn queue_dependents(&self, id: ObjectId) -> Result<(), AppError> {
        let hex = id.to_hex();
        for segment in self.segments.active().await? {
            if segment.depends_on.contains(&hex) {
                self.queue_compute(segment.id, segment.version).await?;
            }
        }
        Ok(())
    }
}
