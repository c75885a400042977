//! Limits on expensive work, so one user or a burst cannot take the server down: calls per
//! minute per user (previews, overlaps, exports; counted in MongoDB, so they hold across
//! instances), live sockets per user, and, per instance, imports and password checks at once.
//! Anything over a limit is refused with 429 and `Retry-After`, naming the limit.

pub mod rate;
pub mod settings;
pub mod sockets;

use crate::error::AppError;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Seconds a caller refused for lack of an import slot is asked to wait.
const IMPORT_RETRY_SECONDS: u32 = 30;
/// Seconds a sign-in refused for lack of a hashing slot is asked to wait.
const HASHING_RETRY_SECONDS: u32 = 1;

/// The per-instance limits (the per-user call rates live in the database, see [`rate`]).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Password checks (argon2) running at once.
    pub hashing: Arc<Semaphore>,
    /// Customer and catalog imports running at once.
    pub imports: Arc<Semaphore>,
    /// How many imports may run at once.
    pub max_imports: usize,
    /// Live sockets open per user.
    pub sockets: sockets::SocketCounts,
}

impl Limits {
    /// The limits under `settings`.
    pub fn new(settings: &crate::server::config::Settings) -> Self {
        let limits = &settings.limits;
        Self {
            hashing: Arc::new(Semaphore::new(settings.auth.max_concurrent_hashes.max(1))),
            imports: Arc::new(Semaphore::new(limits.concurrent_imports)),
            max_imports: limits.concurrent_imports,
            sockets: sockets::SocketCounts::new(limits.sockets_per_user),
        }
    }

    /// A slot for one password check, held while it runs; none free is a 429.
    pub fn hashing_slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.hashing
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::RateLimited {
                limit: "concurrent_sign_ins".into(),
                message: "too many sign-ins are being checked right now".into(),
                retry_after: HASHING_RETRY_SECONDS,
            })
    }

    /// A slot for one import, held until it finishes; none free is a 429 naming the limit.
    pub fn import_slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.imports
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::RateLimited {
                limit: "concurrent_imports".into(),
                message: format!(
                    "at most {} imports run at once (ENRICH_MAX_CONCURRENT_IMPORTS); \
                     try again when one finishes",
                    self.max_imports
                ),
                retry_after: IMPORT_RETRY_SECONDS,
            })
    }
}
