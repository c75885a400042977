//! Messages the live hub carries to subscribers.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One message on the live hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// A profile entered or left a segment.
    SegmentTransition {
        /// Segment id (hex).
        segment_id: String,
        /// Segment name.
        segment: String,
        /// Profile id (hex).
        profile_id: String,
        /// `entered` or `exited`.
        kind: String,
        /// When.
        at: DateTime<Utc>,
    },
}
