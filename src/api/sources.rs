//! Sources and write keys (Settings). Admin only once sign-in exists.
use crate::{
    error::AppError,
    model::source::{CreatedWriteKey, SourceSummary},
};
use leptos::prelude::*;

/// Every source with its keys (prefixes only).
#[server(endpoint = "sources/list")]
pub async fn list_sources() -> Result<Vec<SourceSummary>, AppError> {
    crate::server::app_state()?.ingest.sources.list().await
}

/// Creates an API source and its first write key, shown this once.
#[server(endpoint = "sources/create")]
pub async fn create_source(name: String) -> Result<CreatedWriteKey, AppError> {
    use crate::model::source::{SourceKind, parse_source_name};
    let name = parse_source_name(&name)?;
    let sources = crate::server::app_state()?.ingest.sources;
    let source = sources.create(&name, SourceKind::Api).await?;
    sources.issue_key(&source).await
}

/// Issues another write key for source `source_id` (to rotate keys without downtime).
#[server(endpoint = "sources/issue-key")]
pub async fn issue_write_key(source_id: String) -> Result<CreatedWriteKey, AppError> {
    let id = source_id
        .parse()
        .map_err(|_| AppError::invalid("source_id", "must be a source id"))?;
    let sources = crate::server::app_state()?.ingest.sources;
    let source = sources.by_id(id).await?.ok_or_else(|| AppError::NotFound {
        what: format!("source {source_id}"),
    })?;
    sources.issue_key(&source).await
}

/// Revokes write key `key_id`; requests with it get 401 from now on.
#[server(endpoint = "sources/revoke-key")]
pub async fn revoke_write_key(key_id: String) -> Result<(), AppError> {
    let id = key_id
        .parse()
        .map_err(|_| AppError::invalid("key_id", "must be a key id"))?;
    crate::server::app_state()?
        .ingest
        .sources
        .revoke_key(id)
        .await
}
