//! Writing the audit log: who did what, when, from where, to which id. Never customer PII.
use super::{
    auth::Caller,
    db::audit::{AuditDoc, AuditLog},
};
use crate::error::AppError;
use mongodb::{
    Database,
    bson::{self, oid::ObjectId},
};

/// What to record about one action.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// The action, e.g. `pii.reveal`.
    pub action: &'a str,
    /// The id acted on.
    pub target: Option<String>,
    /// Reason, field name, new role …
    pub detail: Option<String>,
}

impl<'a> Record<'a> {
    /// A record of `action` on `target`.
    pub fn new(action: &'a str, target: impl Into<Option<String>>) -> Self {
        Self {
            action,
            target: target.into(),
            detail: None,
        }
    }

    /// The same record with `detail`.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Appends `record` as done by `caller` (signed in, or the attempted email in `actor`).
pub async fn write(
    db: &Database,
    caller: &Caller,
    actor: Option<&str>,
    record: Record<'_>,
) -> Result<(), AppError> {
    let user = caller.user.as_ref();
    let entry = AuditDoc {
        id: ObjectId::new(),
        at: bson::DateTime::now(),
        actor: actor
            .map(str::to_owned)
            .or_else(|| {
                user.map(|u| match &caller.token {
                    Some(token) => format!("{} via token {token}", u.email),
                    None => u.email.clone(),
                })
            })
            .unwrap_or_else(|| "anonymous".to_owned()),
        actor_id: user.and_then(|u| u.id.parse().ok()),
        role: user.map(|u| u.role.as_str().to_owned()),
        action: record.action.to_owned(),
        target: record.target,
        ip: caller.ip.clone(),
        detail: record.detail,
    };
    AuditLog::new(db).insert(&entry).await
}

/// Appends `record` as done by the signed-in caller of the current server fn.
pub async fn write_current(db: &Database, record: Record<'_>) -> Result<(), AppError> {
    write(db, &super::auth::caller()?, None, record).await
}

/// Appends `record` as done by the system (CLI commands, start-up).
pub async fn write_system(db: &Database, record: Record<'_>) -> Result<(), AppError> {
    write(db, &Caller::default(), Some("system"), record).await
}
