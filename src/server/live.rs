//! The live feed: one in-process hub that the ingest path, segment transitions and campaign
//! sends publish to (or, on a replica set, change streams feed), per-second statistics for the
//! charts, and the `/ws/live` websocket that delivers it all to browsers.

pub mod convert;
pub mod cursors;
pub mod feed;
pub mod hub;
pub mod socket;
pub mod stats;
pub mod warm;

pub use hub::{HubItem, LiveHub};
