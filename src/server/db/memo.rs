//! Read-mostly values held in memory so the tracking API does not read them per request:
//! trusted for [`TTL`] (what other instances change shows up within it) or until this process
//! changes them (its own changes show up at once, through `forget`). Keyed by database name
//! first, so several databases in one process (tests) never see each other's values.
use mongodb::Database;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How long a value read from the database is trusted.
pub const TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; beyond, everything is dropped and read again.
const CAPACITY: usize = 50_000;

/// `(database, key)` → when read, and the value.
type Entries<T> = HashMap<(String, String), (Instant, Arc<T>)>;

/// Values by `(database, key)`.
#[derive(Debug, Default)]
pub struct Memo<T> {
    entries: Mutex<Entries<T>>,
}

impl<T> Memo<T> {
    /// An empty memo.
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value under `key` in `db`, if read less than [`TTL`] ago.
    pub fn get(&self, db: &Database, key: &str) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, value) = entries.get(&(db.name().to_owned(), key.to_owned()))?;
        (at.elapsed() < TTL).then(|| value.clone())
    }

    /// Keeps `value` under `key` in `db`.
    pub fn put(&self, db: &Database, key: &str, value: T) -> Arc<T> {
        let value = Arc::new(value);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        let entry = (Instant::now(), value.clone());
        entries.insert((db.name().to_owned(), key.to_owned()), entry);
        value
    }

    /// Forgets every value of `db` (this process changed what they were read from).
    pub fn forget(&self, db: &Database) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(name, _), _| name != db.name());
    }
}
