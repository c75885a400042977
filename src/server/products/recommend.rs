//! Product recommendations per customer: co-occurrence learned from product events (`learn`)
//! by a background worker fed from a queue (`worker`), ranking (`rank`), and storing and serving
//! each customer's list (`refresh`).

pub mod learn;
pub mod rank;
pub mod refresh;
pub mod worker;
