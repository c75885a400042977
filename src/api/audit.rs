//! Reading the audit log (admin only).
use crate::{error::AppError, model::audit::AuditPage};
use leptos::prelude::*;

/// Entries per page.
pub const PAGE_SIZE: usize = 50;

/// One page of the log, newest first, filtered by action, actor email prefix and target id.
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    before: Option<String>,
) -> Result<AuditPage, AppError> {
    use crate::server::{
        app_state,
        db::audit::{AuditFilter, AuditLog},
    };
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let before = match blank_to_none(before) {
        Some(b) => Some(
            b.parse()
                .map_err(|_| AppError::invalid("before", "must be an entry id"))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        action: blank_to_none(action),
        actor: blank_to_none(actor).map(|a| a.to_lowercase()),
        target: blank_to_none(target),
        before,
    };
    AuditLog::new(&app_state()?.db)
        .page(&filter, PAGE_SIZE)
        .await
}
