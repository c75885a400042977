//! The field catalog after a forget: the person no longer counts, and none of their values stay
//! as samples, whether they came from the live profile, a profile merged into it, an earlier
//! value in trait history, or an event's properties.
use crate::{
    error::AppError,
    server::{
        catalog::CatalogBatch,
        db::{events, profile_doc::ProfileDoc},
        identity::IdentityGraph,
        privacy::envelope::is_envelope,
    },
};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, oid::ObjectId};
use std::collections::BTreeSet;

/// Where a stored event keeps what the catalog samples.
const SAMPLED: [&str; 3] = ["traits", "properties", "context.traits"];
/// Longer values are never kept as samples.
const MAX_SAMPLE_LEN: usize = 80;

/// Every value of the person the catalog may hold as a sample (JSON text). Read before their
/// events are deleted.
pub(super) async fn sample_texts(
    graph: &IdentityGraph,
    people: &[ProfileDoc],
    ids: &[ObjectId],
) -> Result<BTreeSet<String>, AppError> {
    let mut texts = BTreeSet::new();
    for person in people {
        leaf_texts(&Bson::Document(person.traits.clone()), &mut texts);
        for past in person.provenance.iter().flat_map(|p| &p.history) {
            leaf_texts(&past.value, &mut texts);
        }
    }
    let projection: Document = SAMPLED
        .iter()
        .map(|c| (format!("message.raw.{c}"), Bson::Int32(1)))
        .collect();
    let mut cursor = graph
        .db
        .collection::<Document>(events::COLLECTION)
        .find(super::events_of(ids))
        .projection(projection)
        .await?;
    while let Some(event) = cursor.try_next().await? {
        if let Ok(raw) = event
            .get_document("message")
            .and_then(|m| m.get_document("raw"))
        {
            leaf_texts(&Bson::Document(raw.clone()), &mut texts);
        }
    }
    Ok(texts)
}

/// Every leaf of `value` (and every array whole, as the catalog samples arrays) as JSON text.
fn leaf_texts(value: &Bson, out: &mut BTreeSet<String>) {
    match value {
        // Sealed: the catalog never samples an envelope.
        envelope if is_envelope(envelope) => {}
        Bson::Document(inner) => inner.values().for_each(|v| leaf_texts(v, out)),
        other => {
            if let Bson::Array(items) = other {
                items.iter().for_each(|v| leaf_texts(v, out));
            }
            let text = other.clone().into_relaxed_extjson().to_string();
            if text.len() <= MAX_SAMPLE_LEN {
                out.insert(text);
            }
        }
    }
}

/// The catalog no longer counts the live profile, and keeps none of `texts` as samples.
pub(super) async fn forget_in_catalog(
    graph: &IdentityGraph,
    live: &ProfileDoc,
    texts: BTreeSet<String>,
) -> Result<(), AppError> {
    let mut batch = CatalogBatch::default();
    batch.profile_removed(live);
    batch.flush(&graph.fields).await?;
    let texts: Vec<String> = texts.into_iter().collect();
    for chunk in texts.chunks(1_000) {
        graph.fields.forget_samples(chunk).await?;
    }
    Ok(())
}
