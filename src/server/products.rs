//! The product catalog: rules, the editor's form, imports, e-commerce events linked to products,
//! and recommendations.

pub mod form;
pub mod import;
pub mod import_job;
pub mod links;
pub mod recommend;
pub mod recommend_api;
pub mod validate;
