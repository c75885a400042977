//! Enrichment: how one message changes a profile, and how two profiles combine in a merge.
//! Pure functions over [`ProfileDoc`](super::db::profile_doc::ProfileDoc), so the same code
//! serves ingestion, merges and rebuilds, and is tested without a database.

pub mod apply;
pub mod combine;
pub mod computed;
pub mod consent;
pub mod counters;
pub mod event_matches;
pub mod traits;

pub use apply::{Touch, apply};
pub use combine::combine;
pub use counters::Retention;
