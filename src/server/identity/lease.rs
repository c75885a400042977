//! The identity lease: one database lease serialising identity work (ingestion's claims and
//! profile writes with their events, merges, unmerges, forgetting, back-fills) across every
//! instance on the database, since the server offers no transactions to make a merge atomic.
//!
//! Within an instance, tasks queue on a local mutex and pass the lease between them without a
//! database round trip; it goes back to the database when no local task waits, or after
//! [`MAX_STICKY`] of being passed along, so other instances get their turn. A heartbeat renews
//! it while a long holding runs. Each taking has a fence number: a holder whose lease ran out
//! (it stalled past the time to live) can neither renew nor release another's holding, and
//! [`IdentityLease::check`] stops its writes before they start.
use crate::{error::AppError, server::db::leases::Leases};
use futures::future::BoxFuture;
use mongodb::{Database, bson::oid::ObjectId};
use std::{
    future::Future,
    sync::{
        Arc, Mutex as StdMutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The lease's name in the `leases` collection.
pub const NAME: &str = "identity";
/// How long a holding lasts without renewal (a crashed instance blocks others this long). It
/// is renewed every third of that, and not trusted for new writes in its last sixth (clock
/// drift, slow commands).
pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);
/// Longest a holding is passed between this instance's tasks before it goes back.
pub const MAX_STICKY: Duration = Duration::from_millis(100);
/// After giving the lease back for others, this instance waits this long before taking it
/// again, so a waiting instance (polling at most every [`POLL_MAX`]) gets in.
const YIELD: Duration = Duration::from_millis(25);
/// Longest pause between attempts while another instance holds the lease.
const POLL_MAX: Duration = Duration::from_millis(10);

tokio::task_local! {
    /// The holder id of the lease the current task holds (work under the lease may call other
    /// work that takes it: it runs as part of the same holding).
    static HELD: ObjectId;
}

/// The identity lease of one instance.
#[derive(Clone, Debug)]
pub struct IdentityLease {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    leases: Leases,
    /// This instance.
    holder: ObjectId,
    /// Serialises this instance's tasks.
    turn: Arc<Mutex<()>>,
    /// Tasks of this instance waiting for their turn.
    waiting: AtomicUsize,
    /// The database holding this instance has, if any.
    holding: StdMutex<Option<Holding>>,
    /// When this instance last gave the lease back while its own tasks waited.
    ceded_at: StdMutex<Option<Instant>>,
    /// Whether the heartbeat task runs.
    beating: AtomicBool,
    /// How long a holding lasts without renewal.
    ttl: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Holding {
    fence: i64,
    /// Local time after which the holding is not trusted.
    trusted_until: Instant,
    taken_at: Instant,
}

/// One task's turn (see [`IdentityLease::hold`]).
struct Turn {
    lease: IdentityLease,
    guard: Option<OwnedMutexGuard<()>>,
}

impl IdentityLease {
    /// The lease over `db`, for a new instance.
    pub fn new(db: &Database) -> Self {
        Self::with_time_to_live(db, TIME_TO_LIVE)
    }

    /// [`Self::new`] with holdings lasting `ttl` without renewal (tests use a short one).
    pub fn with_time_to_live(db: &Database, ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                leases: Leases::new(db),
                holder: ObjectId::new(),
                turn: Arc::new(Mutex::new(())),
                waiting: AtomicUsize::new(0),
                holding: StdMutex::new(None),
                ceded_at: StdMutex::new(None),
                beating: AtomicBool::new(false),
                ttl,
            }),
        }
    }

    /// This instance's holder id (as stored on the lease).
    pub fn holder(&self) -> ObjectId {
        self.inner.holder
    }

    /// Runs `work` holding the lease. Work already holding it (a merge inside ingestion) runs
    /// as part of that holding. The work is boxed: the callers' futures stay small.
    pub fn hold<'a, T: Send + 'a>(
        &'a self,
        work: impl Future<Output = Result<T, AppError>> + Send + 'a,
    ) -> BoxFuture<'a, Result<T, AppError>> {
        Box::pin(async move {
            if HELD.try_with(|h| *h == self.inner.holder).unwrap_or(false) {
                return work.await;
            }
            let started = Instant::now();
            let turn = self.turn().await?;
            metrics::histogram!(crate::server::metrics::names::IDENTITY_LEASE_WAIT)
                .record(started.elapsed().as_secs_f64());
            let result = HELD.scope(self.inner.holder, work).await;
            turn.finish();
            result
        })
    }

    /// Fails when this instance's holding is no longer trusted (it stalled past the lease's
    /// time to live, so another instance may hold it): call before writing under the lease.
    pub fn check(&self) -> Result<(), AppError> {
        match *self.holding() {
            Some(h) if Instant::now() < h.trusted_until => Ok(()),
            _ => Err(AppError::Unavailable {
                message: "the identity lease ran out before this work could write; retry".into(),
            }),
        }
    }

    fn holding(&self) -> std::sync::MutexGuard<'_, Option<Holding>> {
        self.inner.holding.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this task's turn and makes sure the instance holds the lease.
    async fn turn(&self) -> Result<Turn, AppError> {
        let guard = {
            // Counted while queued, also when the wait is cancelled.
            let _queued = Queued::new(&self.inner.waiting);
            self.inner.turn.clone().lock_owned().await
        };
        let turn = Turn {
            lease: self.clone(),
            guard: Some(guard),
        };
        let current = *self.holding();
        match current {
            Some(h) if Instant::now() < h.trusted_until => {}
            _ => self.take().await?,
        }
        Ok(turn)
    }

    /// Takes the lease from the database, waiting while another instance holds it.
    async fn take(&self) -> Result<(), AppError> {
        let inner = &self.inner;
        *self.holding() = None;
        let ceded = *inner.ceded_at.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(left) = ceded.and_then(|at| YIELD.checked_sub(at.elapsed())) {
            tokio::time::sleep(left).await;
        }
        let mut pause = Duration::from_millis(1);
        loop {
            let asked = Instant::now();
            if let Some(fence) = inner.leases.try_take(NAME, inner.holder, inner.ttl).await? {
                *self.holding() = Some(Holding {
                    fence,
                    trusted_until: asked + inner.ttl - inner.ttl / 6,
                    taken_at: asked,
                });
                self.start_heartbeat();
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL_MAX);
        }
    }

    /// Starts, once per instance, the task that renews whatever holding the instance has
    /// every third of the time to live, and marks it lost if another instance took it
    /// meanwhile. It ends with the instance.
    fn start_heartbeat(&self) {
        if self.inner.beating.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let every = self.inner.ttl / 3;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let lease = IdentityLease { inner };
                if let Err(err) = lease.renew().await {
                    tracing::warn!(%err, "identity lease renewal failed");
                }
            }
        });
    }

    /// Renews the current holding, if any.
    async fn renew(&self) -> Result<(), AppError> {
        let Some(fence) = self.holding().map(|h| h.fence) else {
            return Ok(());
        };
        let asked = Instant::now();
        let inner = &self.inner;
        let renewed = inner
            .leases
            .renew(NAME, inner.holder, fence, inner.ttl)
            .await?;
        let mut holding = self.holding();
        match holding.as_mut() {
            Some(h) if h.fence == fence && renewed => {
                h.trusted_until = asked + inner.ttl - inner.ttl / 6;
            }
            Some(h) if h.fence == fence => {
                tracing::error!(fence, "identity lease lost to another instance");
                *holding = None;
            }
            // Given back or taken anew meanwhile.
            _ => {}
        }
        Ok(())
    }

    /// Gives the holding back to the database (nothing if there is none). The release runs
    /// as a task of its own, so a cancelled caller cannot leave it half done; a taking by this
    /// instance meanwhile has a new fence, which the late release does not touch.
    fn give_back(&self) {
        let Some(h) = self.holding().take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (leases, holder) = (self.inner.leases.clone(), self.inner.holder);
        runtime.spawn(async move {
            if let Err(err) = leases.release(NAME, holder, h.fence).await {
                // It runs out by itself within the time to live.
                tracing::warn!(%err, "identity lease release failed");
            }
        });
    }
}

/// One task waiting for its turn, counted in `waiting` until dropped.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Self(waiting)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Turn {
    /// Ends the turn: passes the holding to the next local task, or gives it back.
    fn finish(mut self) {
        let inner = &self.lease.inner;
        let waiting = inner.waiting.load(Ordering::SeqCst) > 0;
        let held_for = self.lease.holding().map(|h| h.taken_at.elapsed());
        let keep = waiting && held_for.is_some_and(|d| d < MAX_STICKY);
        if !keep {
            if waiting {
                *inner.ceded_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            }
            self.lease.give_back();
        }
        self.guard.take();
    }
}

impl Drop for Turn {
    /// A turn abandoned midway (its request was cancelled) gives the holding back later, once
    /// no local task has taken the turn meanwhile.
    fn drop(&mut self) {
        let Some(guard) = self.guard.take() else {
            return;
        };
        drop(guard);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let lease = self.lease.clone();
        runtime.spawn(async move {
            let _turn = lease.inner.turn.clone().lock_owned().await;
            if lease.inner.waiting.load(Ordering::SeqCst) == 0 {
                lease.give_back();
            }
        });
    }
}
