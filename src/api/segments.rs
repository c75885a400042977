//! Segments: list, page, builder catalog, preview, save, duplicate, archive, overlap, members,
//! and a customer's memberships. Rules travel as JSON text and are parsed into the typed tree.
use crate::{
    error::AppError,
    model::segment::{
        BuilderCatalog, MemberPage, MembershipView, SegmentDetail, SegmentOverlap, SegmentPreview,
        SegmentSummary, TransitionView,
    },
};
use leptos::prelude::*;

/// Parses a rule sent as JSON; the error names `rule` and says what is wrong.
#[cfg(feature = "ssr")]
fn parse_rule(json: &str) -> Result<crate::segment::Rule, AppError> {
    serde_json::from_str(json)
        .map_err(|e| AppError::invalid("rule", format!("is not a valid rule: {e}")))
}

/// Parses an id; the error names `field`.
#[cfg(feature = "ssr")]
fn parse_id(field: &str, id: &str) -> Result<mongodb::bson::oid::ObjectId, AppError> {
    id.parse()
        .map_err(|_| AppError::invalid(field, "is not a segment id"))
}

/// Every segment, active first.
#[server(endpoint = "segments/list")]
pub async fn list_segments() -> Result<Vec<SegmentSummary>, AppError> {
    crate::server::app_state()?.segments.list().await
}

/// One segment: rule, member count, size history, versions, recent transitions (names masked
/// by role).
#[server(endpoint = "segments/get")]
pub async fn get_segment(id: String) -> Result<SegmentDetail, AppError> {
    use crate::{model::access::Permission, server::auth::current_user};
    let read_pii = current_user()?.can(Permission::ReadPii);
    crate::server::app_state()?
        .segments
        .detail(parse_id("id", &id)?, read_pii)
        .await
}

/// Everything the builder's pickers offer.
#[server(endpoint = "segments/catalog")]
pub async fn get_builder_catalog() -> Result<BuilderCatalog, AppError> {
    let state = crate::server::app_state()?;
    state
        .segments
        .builder_catalog(state.settings.counter_retention_days)
        .await
}

/// How many profiles `rule` matches now, with a sample (masked by role).
#[server(endpoint = "segments/preview")]
pub async fn preview_segment(
    rule: String,
    editing: Option<String>,
) -> Result<SegmentPreview, AppError> {
    use crate::{model::access::Permission, server::auth::current_user};
    let state = crate::server::app_state()?;
    crate::server::limits::rate::charge_current(crate::server::limits::rate::Bucket::Preview)
        .await?;
    let rule = parse_rule(&rule)?;
    let editing = editing
        .filter(|e| !e.is_empty())
        .map(|e| parse_id("editing", &e))
        .transpose()?;
    let read_pii = current_user()?.can(Permission::ReadPii);
    state
        .segments
        .preview(
            &rule,
            editing,
            read_pii,
            state.settings.counter_retention_days,
        )
        .await
}

/// Creates (no `id`) or changes a segment; returns its id. Audited. The rule comes as JSON
/// (`rule`) or, from the builder without JavaScript, as its form fields (`b[…]`). A rule without
/// conditions (everyone) needs `confirm_everyone`. Without access to personal data, the rule may
/// test personal fields only for presence (403 naming the test). A plain form post is sent on
/// to the segment's page.
#[server(endpoint = "segments/save")]
pub async fn save_segment(
    id: Option<String>,
    base_version: Option<i64>,
    name: String,
    description: String,
    #[server(default)] rule: String,
    b: Option<std::collections::BTreeMap<String, String>>,
    confirm_everyone: Option<bool>,
) -> Result<String, AppError> {
    use crate::{
        model::{access::Permission, segment::SegmentLabel},
        server::{
            audit::{self, Record},
            auth::current_user,
            segments::store::SegmentSave,
        },
    };
    let state = crate::server::app_state()?;
    let user = current_user()?;
    let rule = match b.filter(|fields| rule.trim().is_empty() && !fields.is_empty()) {
        Some(fields) => {
            let catalog = state
                .segments
                .builder_catalog(state.settings.counter_retention_days)
                .await?;
            crate::segment::form::read(fields, None, &catalog)
        }
        None => parse_rule(&rule)?,
    };
    let save = SegmentSave {
        id: id
            .filter(|i| !i.is_empty())
            .map(|i| parse_id("id", &i))
            .transpose()?,
        base_version,
        label: SegmentLabel::parse(&name, &description)?,
        rule,
    };
    crate::server::segments::store::check_everyone(&save.rule, confirm_everyone.unwrap_or(false))?;
    let creating = save.id.is_none();
    state
        .segments
        .check_personal(&save.rule, user.can(Permission::ReadPii))
        .await?;
    let saved = state
        .segments
        .save(save, &user.email, state.settings.counter_retention_days)
        .await?;
    let detail = if creating {
        "created".to_owned()
    } else {
        format!("version {}", saved.version)
    };
    audit::write_current(
        &state.db,
        Record::new("segment.change", saved.id.to_hex()).detail(detail),
    )
    .await?;
    redirect_form_post(&format!("/segments/{}", saved.id.to_hex())).await;
    Ok(saved.id.to_hex())
}

/// Sends a plain form post (no JavaScript) on to `to`; API and in-page calls get the answer.
#[cfg(feature = "ssr")]
async fn redirect_form_post(to: &str) {
    let headers: Option<axum::http::HeaderMap> = leptos_axum::extract().await.ok();
    if headers.is_some_and(|h| !crate::server::respond::wants_json(&h)) {
        leptos_axum::redirect(to);
    }
}

/// Copies a segment under a new name; returns the copy's id. Audited.
#[server(endpoint = "segments/duplicate")]
pub async fn duplicate_segment(id: String) -> Result<String, AppError> {
    use crate::server::{
        audit::{self, Record},
        auth::current_user,
    };
    let state = crate::server::app_state()?;
    let by = current_user()?.email;
    let copy = state
        .segments
        .duplicate(
            parse_id("id", &id)?,
            &by,
            state.settings.counter_retention_days,
        )
        .await?;
    let record =
        Record::new("segment.change", copy.id.to_hex()).detail(format!("duplicated from {id}"));
    audit::write_current(&state.db, record).await?;
    Ok(copy.id.to_hex())
}

/// Archives or restores a segment. Audited.
#[server(endpoint = "segments/archive")]
pub async fn archive_segment(id: String, archived: bool) -> Result<(), AppError> {
    use crate::server::audit::{self, Record};
    let state = crate::server::app_state()?;
    state
        .segments
        .set_archived(parse_id("id", &id)?, archived)
        .await?;
    let detail = if archived { "archived" } else { "restored" };
    audit::write_current(&state.db, Record::new("segment.change", id).detail(detail)).await
}

/// Exposes segment `id` to websites under `key` (the personalization API lists the keys of
/// the segments a visitor is in); an empty key stops exposing it. Audited.
#[server(endpoint = "segments/expose")]
pub async fn expose_segment(id: String, key: String) -> Result<(), AppError> {
    use crate::server::{
        audit::{self, Record},
        db::segments::Segments,
    };
    let key = crate::model::segment::parse_exposed_key(&key)?;
    let id = parse_id("id", &id)?;
    let state = crate::server::app_state()?;
    let store = Segments::new(&state.db);
    if store.get(id).await?.is_none() {
        return Err(AppError::NotFound {
            what: format!("segment {id}"),
        });
    }
    if let Some(key) = &key {
        let taken = store.exposed().await?;
        if taken.iter().any(|(other, k)| *other != id && k == key) {
            return Err(AppError::Conflict {
                field: "key".into(),
                message: format!("another active segment is already exposed as {key}"),
            });
        }
    }
    store.set_exposed_key(id, key.as_deref()).await?;
    state.personalize.forget_exposure();
    let detail = key.map_or_else(|| "not exposed".to_owned(), |k| format!("exposed as {k}"));
    audit::write_current(
        &state.db,
        Record::new("segment.expose", id.to_hex()).detail(detail),
    )
    .await?;
    crate::api::form::saved("exposure");
    Ok(())
}

/// Sizes of the overlap of two segments. Without access to personal data, neither segment's
/// rule may compare a personal field's value.
#[server(endpoint = "segments/overlap")]
pub async fn overlap_segments(first: String, second: String) -> Result<SegmentOverlap, AppError> {
    use crate::{model::access::Permission, server::auth::current_user};
    let state = crate::server::app_state()?;
    crate::server::limits::rate::charge_current(crate::server::limits::rate::Bucket::Overlap)
        .await?;
    let (first, second) = (parse_id("first", &first)?, parse_id("second", &second)?);
    let read_pii = current_user()?.can(Permission::ReadPii);
    state
        .segments
        .check_personal_pair([("first", first), ("second", second)], read_pii)
        .await?;
    state.segments.overlap(first, second).await
}

/// A page of members (masked by role).
#[server(endpoint = "segments/members")]
pub async fn list_segment_members(
    id: String,
    #[server(default)] page: u64,
) -> Result<MemberPage, AppError> {
    use crate::{model::access::Permission, server::auth::current_user};
    let read_pii = current_user()?.can(Permission::ReadPii);
    crate::server::app_state()?
        .segments
        .members(parse_id("id", &id)?, page, read_pii)
        .await
}

/// The segments a customer is in, and their latest entries and exits.
#[server(endpoint = "profiles/segments")]
pub async fn get_profile_segments(
    id: String,
) -> Result<(Vec<MembershipView>, Vec<TransitionView>), AppError> {
    let id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "is not a customer id"))?;
    crate::server::app_state()?.segments.of_profile(id).await
}
