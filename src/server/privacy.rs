//! Customer-data protection: masking PII for roles without `ReadPii`, field encryption at rest
//! for restricted fields, consent, and data-subject rights.

pub mod classes;
pub mod classify;
pub mod consent;
pub mod envelope;
pub mod export;
pub mod forget;
pub mod gate;
pub mod keyring;
pub mod mask;
pub mod restricted;
pub mod reveal;
pub mod token;
