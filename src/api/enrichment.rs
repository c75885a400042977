//! Computed traits and the field catalog (Settings).
use crate::{
    error::AppError,
    model::{computed::ComputedTraitSummary, field::FieldInfo},
};
use leptos::prelude::*;

/// Every computed trait with its back-fill progress.
#[server(endpoint = "computed/list")]
pub async fn list_computed_traits() -> Result<Vec<ComputedTraitSummary>, AppError> {
    use crate::server::{app_state, db::computed_traits::ComputedTraits};
    ComputedTraits::new(&app_state()?.db).list().await
}

/// Defines a computed trait and starts back-filling it over existing profiles.
#[server(endpoint = "computed/create")]
pub async fn create_computed_trait(
    name: String,
    event: String,
    aggregate: String,
    property: Option<String>,
    within_days: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        model::computed::parse_definition,
        server::{
            app_state,
            audit::{self, Record},
            computed,
            db::computed_traits::ComputedTraits,
        },
    };
    let definition = parse_definition(
        &name,
        &event,
        &aggregate,
        property.as_deref().unwrap_or(""),
        within_days.as_deref().unwrap_or(""),
    )?;
    let state = app_state()?;
    ComputedTraits::new(&state.db).create(&definition).await?;
    let record = Record::new("computed.create", definition.name.clone()).detail(event);
    audit::write_current(&state.db, record).await?;
    let graph = state.ingest.graph.clone();
    tokio::spawn(async move {
        if let Err(err) = computed::backfill(&graph, &definition).await {
            tracing::error!(name = %definition.name, %err, "computed trait back-fill failed");
        }
    });
    crate::api::form::saved("computed");
    Ok(())
}

/// The field catalog with each trait's class; samples of personal data masked by role and
/// samples of restricted keys never shown.
#[server(endpoint = "fields/list")]
pub async fn list_fields() -> Result<Vec<FieldInfo>, AppError> {
    use crate::{
        model::access::Permission,
        server::{app_state, auth::current_user, privacy::classify},
    };
    let graph = app_state()?.ingest.graph;
    let classes = graph.gate.classes.current().await?;
    let read_pii = current_user()?.can(Permission::ReadPii);
    let mut fields = graph.fields.list().await?;
    for field in &mut fields {
        let key = crate::model::field::top_level_key(field.path.trim_start_matches("properties."));
        field.class = classes.of(key);
        field.exposed = field.scope == "trait" && classes.is_exposed(key);
        classify::mask_catalog_samples(field, &classes, read_pii);
    }
    Ok(fields)
}

/// Classifies a top-level trait key: `standard`, `pii` (masked for roles without PII access)
/// or `restricted` (never shown; stored values are encrypted now). Returns documents encrypted.
#[server(endpoint = "fields/classify")]
pub async fn classify_field(key: String, class: String) -> Result<u64, AppError> {
    use crate::{
        model::field::FieldClass,
        server::{
            app_state,
            audit::{self, Record},
            privacy::classify,
        },
    };
    let key = crate::model::field::check_trait_key("key", key.trim())?.to_owned();
    let class = FieldClass::parse(&class)
        .ok_or_else(|| AppError::invalid("class", "must be standard, pii or restricted"))?;
    let state = app_state()?;
    let sealed = classify::classify(
        &state.db,
        &state.ingest.graph.gate.classes,
        &state.ingest.graph.gate.keys,
        &key,
        class,
    )
    .await?;
    let detail = format!("{} ({sealed} documents encrypted)", class.as_str());
    audit::write_current(&state.db, Record::new("field.classify", key).detail(detail)).await?;
    Ok(sealed)
}

/// Exposes a top-level trait key to websites through the personalization API (`exposed` is
/// the checkbox: present means on), or stops. Personal and restricted keys never are. Audited.
#[server(endpoint = "fields/expose")]
pub async fn expose_field(key: String, exposed: Option<String>) -> Result<(), AppError> {
    use crate::server::{
        app_state,
        audit::{self, Record},
    };
    let key = crate::model::field::check_trait_key("key", key.trim())?.to_owned();
    let exposed = exposed.is_some_and(|v| v != "false");
    let state = app_state()?;
    state
        .ingest
        .graph
        .gate
        .classes
        .set_exposed(&key, exposed)
        .await?;
    let detail = if exposed { "exposed" } else { "not exposed" };
    audit::write_current(&state.db, Record::new("field.expose", key).detail(detail)).await?;
    crate::api::form::saved("field-exposure");
    Ok(())
}
