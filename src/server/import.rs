//! Bulk import of legacy records (CSV or JSON Lines) as a named source: rows become identify
//! messages through the same pipeline as the tracking API, so shared identifiers land on one
//! profile and a re-import changes nothing (each row's message id is its content's digest).

pub mod convert;
pub mod dates;
pub mod draft;
pub mod flow;
pub mod form;
pub mod guess;
pub mod job;
pub mod mapping;
pub mod rows;
pub mod sniff;
pub mod staged;
pub mod upload;
