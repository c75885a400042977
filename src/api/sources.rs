//! Sources, write keys and server keys (Settings). Admin only once sign-in exists.
#[cfg(feature = "ssr")]
use crate::api::shown_once::{remember, take};
use crate::{
    error::AppError,
    model::source::{CreatedServerKey, CreatedWriteKey, SourceSummary},
};
use leptos::prelude::*;

/// Sources, and a key created by the previous request of this browser (shown once).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceList {
    /// Every source with its keys (prefixes only).
    pub sources: Vec<SourceSummary>,
    /// A key just created; a form posted without JavaScript finds it here after the redirect.
    pub new_key: Option<CreatedWriteKey>,
    /// A server key just created, likewise.
    pub new_server_key: Option<CreatedServerKey>,
    /// This enrich as browsers reach it (`https://cdp.example`), for the install snippets.
    pub public_url: String,
}

/// Session entry holding a just-created key until the page shows it.
#[cfg(feature = "ssr")]
const NEW_KEY: &str = "new_write_key";
/// Session entry holding a just-created server key until the page shows it.
#[cfg(feature = "ssr")]
const NEW_SERVER_KEY: &str = "new_server_key";

/// Every source with its keys, and the key created just before (taken out of the session).
#[server(endpoint = "sources/list")]
pub async fn list_sources() -> Result<SourceList, AppError> {
    let state = crate::server::app_state()?;
    let sources = state.ingest.sources.list().await?;
    let headers = leptos::prelude::use_context::<axum::http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let (scheme, host) = crate::server::browser::sdk_settings::public_address(&state, &headers);
    Ok(SourceList {
        sources,
        new_key: take(NEW_KEY).await?,
        new_server_key: take(NEW_SERVER_KEY).await?,
        public_url: format!("{scheme}://{host}"),
    })
}

/// Replaces the web origins whose pages may use source `source_id`'s keys (one per line).
/// Every bad line is reported at once under `origins.<source id>`. Audited.
#[server(endpoint = "sources/origins")]
pub async fn save_allowed_origins(source_id: String, origins: String) -> Result<(), AppError> {
    let sources = crate::server::app_state()?.ingest.sources;
    let source = source_named(&sources, &source_id).await?;
    // Named per source: Settings shows one such form per source, and a form posted without
    // JavaScript gets its error back in the URL, where only the field tells the forms apart.
    let field = format!("origins.{}", source.id.to_hex());
    let list = crate::model::source::parse_origins(&field, &origins)?;
    sources.save_origins(source.id, &list).await?;
    let detail = if list.is_empty() {
        "no origins".to_owned()
    } else {
        list.join(" ")
    };
    audit_source("source.origins", &source.id, Some(detail)).await?;
    crate::api::form::saved(&format!("origins-{}", source.id.to_hex()));
    Ok(())
}

/// Creates an API source and its first write key, shown this once.
#[server(endpoint = "sources/create")]
pub async fn create_source(name: String) -> Result<CreatedWriteKey, AppError> {
    use crate::{
        error::FieldErrors,
        model::source::{SourceKind, parse_source_name},
    };
    let mut errors = FieldErrors::new();
    let name = errors.check_labelled("name", "Name", parse_source_name(&name));
    errors.finish()?;
    let name = name.unwrap_or_default();
    let sources = crate::server::app_state()?.ingest.sources;
    let source = sources.create(&name, SourceKind::Api).await?;
    audit_source("source.create", &source.id, Some(format!("name {name}"))).await?;
    let key = sources.issue_key(&source).await?;
    audit_source("write_key.create", &source.id, key_detail(&key)).await?;
    remember(NEW_KEY, key).await
}

/// Issues another write key for source `source_id` (to rotate keys without downtime).
#[server(endpoint = "sources/issue-key")]
pub async fn issue_write_key(source_id: String) -> Result<CreatedWriteKey, AppError> {
    let sources = crate::server::app_state()?.ingest.sources;
    let source = source_named(&sources, &source_id).await?;
    let key = sources.issue_key(&source).await?;
    audit_source("write_key.create", &source.id, key_detail(&key)).await?;
    remember(NEW_KEY, key).await
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
        .await?;
    audit_source("write_key.revoke", &id, None).await
}

/// Issues a server key for API source `source_id`, shown this once with its key id. Several
/// may be live at once, so a backend can move to a new key before the old one is revoked.
#[server(endpoint = "sources/issue-server-key")]
pub async fn issue_server_key(source_id: String) -> Result<CreatedServerKey, AppError> {
    use crate::model::source::SourceKind;
    let sources = crate::server::app_state()?.ingest.sources;
    let source = source_named(&sources, &source_id).await?;
    if source.kind != SourceKind::Api {
        return Err(AppError::invalid("source_id", "must be an API source"));
    }
    let key = sources.server_keys().issue(&source).await?;
    let prefix = crate::server::db::sources::key_prefix(&key.key);
    let detail = format!("key {prefix}… id {}", key.key_id);
    audit_source("server_key.create", &source.id, Some(detail)).await?;
    remember(NEW_SERVER_KEY, key).await
}

/// Revokes server key `key_id`: requests with it, and user tokens it signed, get 401 from now.
#[server(endpoint = "sources/revoke-server-key")]
pub async fn revoke_server_key(key_id: String) -> Result<(), AppError> {
    let id = key_id
        .parse()
        .map_err(|_| AppError::invalid("key_id", "must be a key id"))?;
    let sources = crate::server::app_state()?.ingest.sources;
    sources.server_keys().revoke(id).await?;
    audit_source("server_key.revoke", &id, None).await
}

/// The source with id `source_id` (the form field of that name).
#[cfg(feature = "ssr")]
async fn source_named(
    sources: &crate::server::db::sources::Sources,
    source_id: &str,
) -> Result<crate::server::db::sources::SourceDoc, AppError> {
    let id = source_id
        .parse()
        .map_err(|_| AppError::invalid("source_id", "must be a source id"))?;
    sources.by_id(id).await?.ok_or_else(|| AppError::NotFound {
        what: format!("source {source_id}"),
    })
}

/// Records `action` on source or key `id` in the audit log (never the key itself).
#[cfg(feature = "ssr")]
async fn audit_source(
    action: &str,
    id: &mongodb::bson::oid::ObjectId,
    detail: Option<String>,
) -> Result<(), AppError> {
    use crate::server::audit::{self, Record};
    let record = Record {
        detail,
        ..Record::new(action, id.to_hex())
    };
    audit::write_current(&crate::server::app_state()?.db, record).await
}

/// The part of a new key the settings page shows anyway: enough to tell keys apart.
#[cfg(feature = "ssr")]
fn key_detail(key: &CreatedWriteKey) -> Option<String> {
    let prefix = crate::server::db::sources::key_prefix(&key.key);
    Some(format!("key {prefix}…"))
}
