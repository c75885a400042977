//! Support's "reveal": one masked field of one customer, shown after a stated reason, audited.
//! The session only remembers *which* field was granted (never the value) until the next load
//! of that customer's page, which shows it once.
use super::classes::Classes;
use crate::{
    error::AppError,
    model::{access::SessionUser, field::FieldClass},
    server::{
        AppState,
        audit::{self, Record},
        auth::session::store_error,
        profile_view::raw_value,
    },
};
use mongodb::bson::oid::ObjectId;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// Session key of the pending grants.
const GRANTS: &str = "reveal_grants";
/// Shortest accepted reason, in characters.
pub const MIN_REASON: usize = 10;
/// Longest accepted reason, in characters.
pub const MAX_REASON: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Grant {
    profile: String,
    field: String,
}

/// The reason, trimmed; the error names the `reason` field.
pub fn check_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if length < MIN_REASON {
        return Err(AppError::invalid(
            "reason",
            format!("say why, in at least {MIN_REASON} characters"),
        ));
    }
    if length > MAX_REASON {
        return Err(AppError::invalid(
            "reason",
            format!("must be at most {MAX_REASON} characters"),
        ));
    }
    Ok(reason.to_owned())
}

/// Whether `field` may be revealed under `classes`; the error names the `field` field.
pub fn check_field(field: &str, classes: &Classes) -> Result<(), AppError> {
    let class = match field {
        "name" | "email" | "phone" => FieldClass::Pii,
        _ => match field.strip_prefix("traits.") {
            Some(key) if !key.is_empty() && !key.contains('.') => classes.of(key),
            _ => {
                return Err(AppError::invalid(
                    "field",
                    "must be name, email, phone or traits.<key>",
                ));
            }
        },
    };
    match class {
        FieldClass::Pii => Ok(()),
        FieldClass::Restricted => Err(AppError::invalid(
            "field",
            "restricted fields are never shown",
        )),
        FieldClass::Standard => Err(AppError::invalid(
            "field",
            "is not masked; it is shown already",
        )),
    }
}

/// Reveals `field` of customer `id` to `user` for the next page load, with `reason` audited.
pub async fn reveal(
    state: &AppState,
    session: &Session,
    user: &SessionUser,
    id: ObjectId,
    field: &str,
    reason: &str,
) -> Result<(), AppError> {
    let reason = check_reason(reason)?;
    let graph = &state.ingest.graph;
    check_field(field, &graph.gate.classes.current().await?)?;
    let profile = graph.must_get(graph.live_profile_id(id).await?).await?;
    if raw_value(&profile, field).is_none() {
        return Err(AppError::NotFound {
            what: format!("{field} of this customer"),
        });
    }
    let record =
        Record::new("pii.reveal", profile.id.to_hex()).detail(format!("{field}: {reason}"));
    audit::write_current(&state.db, record).await?;
    let mut grants: Vec<Grant> = session
        .get(GRANTS)
        .await
        .map_err(store_error)?
        .unwrap_or_default();
    grants.push(Grant {
        profile: profile.id.to_hex(),
        field: field.to_owned(),
    });
    tracing::debug!(user = %user.email, "reveal granted");
    session.insert(GRANTS, grants).await.map_err(store_error)
}

/// Takes the fields granted for `profile` (each shows once).
pub async fn take_grants(session: &Session, profile: ObjectId) -> Result<Vec<String>, AppError> {
    let grants: Vec<Grant> = session
        .get(GRANTS)
        .await
        .map_err(store_error)?
        .unwrap_or_default();
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let hex = profile.to_hex();
    let (mine, rest): (Vec<Grant>, Vec<Grant>) = grants.into_iter().partition(|g| g.profile == hex);
    session.insert(GRANTS, rest).await.map_err(store_error)?;
    Ok(mine.into_iter().map(|g| g.field).collect())
}
