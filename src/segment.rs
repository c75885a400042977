//! The segment rule language: the tree (`ast`), what it lowers to at an instant (`filter`), its
//! in-memory evaluation (`eval`), the field types each test applies to (`types`) — all shared
//! with the browser — and the MongoDB query it compiles to (`compile`, server only).

pub mod ast;
#[cfg(feature = "ssr")]
pub mod compile;
pub mod describe;
pub mod draft;
pub mod eval;
pub mod filter;
pub mod form;
pub mod types;
pub mod validate;

pub use ast::{
    CountOp, EventCondition, GroupKind, PropertyFilter, Rule, Scalar, TimeUnit, ValueTest,
};
