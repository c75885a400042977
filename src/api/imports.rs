//! Bulk imports: progress of one, the recent ones, and a source's saved mapping.
use crate::{error::AppError, model::import::ImportStatus};
use leptos::prelude::*;

/// Import `id`'s progress and result.
#[server(endpoint = "imports/get")]
pub async fn get_import(id: String) -> Result<ImportStatus, AppError> {
    use crate::server::{app_state, db::imports::Imports};
    let object_id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be an import id"))?;
    Imports::new(&app_state()?.db)
        .get(object_id)
        .await?
        .ok_or(AppError::NotFound {
            what: format!("import {id}"),
        })
}

/// The ten newest imports of customer records.
#[server(endpoint = "imports/recent")]
pub async fn recent_imports() -> Result<Vec<ImportStatus>, AppError> {
    use crate::server::{
        app_state,
        db::imports::{Imports, RECORDS},
    };
    Imports::new(&app_state()?.db).recent(RECORDS, 10).await
}
