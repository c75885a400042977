//! Bulk imports: progress of one, the recent ones, and a staged upload's mapping form.
use crate::{
    error::AppError,
    model::import::{ImportStatus, MappingDraft},
};
use leptos::prelude::*;

/// Import `id`'s progress and result; the values of left-out fields are masked for roles
/// that may not read personal data.
#[server(endpoint = "imports/get")]
pub async fn get_import(id: String) -> Result<ImportStatus, AppError> {
    use crate::{
        model::access::Permission,
        server::{app_state, auth::current_user, db::imports::Imports},
    };
    let object_id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be an import id"))?;
    let mut status =
        Imports::new(&app_state()?.db)
            .get(object_id)
            .await?
            .ok_or(AppError::NotFound {
                what: format!("import {id}"),
            })?;
    if !current_user()?.can(Permission::ReadPii) {
        mask_values(&mut status);
    }
    Ok(status)
}

#[cfg(feature = "ssr")]
fn mask_values(status: &mut ImportStatus) {
    use crate::server::privacy::mask::mask_json;
    use serde_json::Value;
    for warning in &mut status.warnings {
        let field = match warning.rule.as_str() {
            "email" | "phone" => warning.rule.clone(),
            _ => warning.column.clone(),
        };
        warning.value = warning
            .value
            .take()
            .map(|v| match mask_json(&field, &Value::String(v)) {
                Value::String(s) => s,
                other => other.to_string(),
            });
    }
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

/// The mapping form for staged upload `id`: its columns, samples and proposed targets.
#[server(endpoint = "imports/staged")]
pub async fn get_staged_import(id: String) -> Result<MappingDraft, AppError> {
    use crate::{
        model::access::Permission,
        server::{app_state, auth::current_user, import::draft::draft},
    };
    let read_pii = current_user()?.can(Permission::ReadPii);
    draft(&app_state()?, &id, read_pii).await
}
