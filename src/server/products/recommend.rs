//! Product recommendations per customer: co-occurrence learned on ingest (`learn`), ranking
//! (`rank`), and storing and serving each customer's list (`refresh`).

pub mod learn;
pub mod rank;
pub mod refresh;
