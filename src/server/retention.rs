//! Retention: records older than their kind's rule (Settings → Retention, defaults from the
//! environment) are deleted, after being archived to JSON Lines (gzip) where asked. On MongoDB a
//! TTL index per kind deletes them as they age (kinds that are not archived); a sweeper does
//! the same everywhere on a schedule, so servers without TTL (the stand-in) are covered and
//! archived kinds are written before they go. One instance sweeps at a time (a lease).
pub mod archive;
pub mod campaign_messages;
pub mod config;
pub mod guards;
pub mod store;
pub mod sweep;
pub mod ttl;

use crate::model::retention::RetentionKind;
use crate::server::{
    db::{audit, events, in_app_messages, memberships, outbox},
    import::staged,
};

/// The collection and date field one kind is aged by.
pub fn target(kind: RetentionKind) -> (&'static str, &'static str) {
    match kind {
        RetentionKind::SegmentTransitions => (memberships::TRANSITIONS, "at"),
        RetentionKind::InAppMessages => (in_app_messages::COLLECTION, "created_at"),
        RetentionKind::AuditLog => (audit::COLLECTION, "at"),
        RetentionKind::ImportFiles => (staged::COLLECTION, "created_at"),
        RetentionKind::Events => (events::COLLECTION, "timestamp"),
        RetentionKind::CampaignMessages => (outbox::COLLECTION, "created_at"),
    }
}
