//! Identity resolution: which profile a message belongs to, merging profiles that turn out to
//! be one person, and undoing such merges.

pub mod baseline;
pub mod graph;
pub mod identifiers;
pub mod lease;
pub mod merge;
pub mod plan;
pub mod resolve;
pub mod unmerge;

pub use graph::IdentityGraph;
