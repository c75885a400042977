//! Shared domain types: plain serde structs compiled into both the server and the WASM bundle.

pub mod access;
pub mod audit;
pub mod campaign;
pub mod campaign_delivery;
pub mod campaign_form;
pub mod campaign_results;
pub mod campaign_settings;
pub mod computed;
pub mod computed_state;
pub mod consent;
pub mod customer;
pub mod date_text;
pub mod field;
pub mod import;
pub mod live;
pub mod live_series;
pub mod matching;
pub mod matching_form;
pub mod product;
pub mod product_form;
pub mod profile;
pub mod retention;
pub mod search;
pub mod segment;
pub mod source;
pub mod stats;
pub mod time_zone;

pub use customer::{CustomerSummary, NewCustomer};
pub use stats::{DailyCount, DashboardSummary, SegmentKpi};
