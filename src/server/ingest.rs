//! Ingestion: the Segment-compatible tracking API, and the pipeline every message (API, import,
//! hand entry) goes through to become events and profile updates.

pub mod auth;
pub mod backpressure;
pub mod batch;
pub mod limits;
pub mod manual;
pub mod message;
pub mod openapi;
pub mod pass;
pub mod pipeline;
pub mod routes;
pub mod time;
