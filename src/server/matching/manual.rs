//! Merging two customers by hand from a customer page: scored with the current model when
//! there is one (so the audit says how alike they were), then merged like an approved pair —
//! the same audit entry, the same undo. A steward's explicit merge overrides an earlier
//! rejection of the pair.
use super::{
    decide::{self, Decider},
    job, profile_record,
    record::Plan,
};
use crate::{
    error::AppError,
    model::matching::{Band, Decision},
    server::{
        db::{match_pairs::MatchPairs, match_state::MatchState, profiles},
        identity::IdentityGraph,
    },
};
use mongodb::bson::{Document, doc, oid::ObjectId};

/// Merges `other` and `id` (either may have been merged already: their survivors are used).
pub async fn merge(
    graph: &IdentityGraph,
    decider: &Decider,
    id: ObjectId,
    other: ObjectId,
) -> Result<(), AppError> {
    let (id, other) = (
        graph.live_profile_id(id).await?,
        graph.live_profile_id(other).await?,
    );
    if id == other {
        return Err(AppError::Conflict {
            field: "other".into(),
            message: "these are already one customer".into(),
        });
    }
    let state = MatchState::new(&graph.db);
    let plan = Plan::new(&state.settings().await?.attributes);
    let (a, b) = (
        read(graph, &plan, id).await?,
        read(graph, &plan, other).await?,
    );
    let levels = plan.compare(
        &plan.record(|p| profile_record::values(&a, p)),
        &plan.record(|p| profile_record::values(&b, p)),
    );
    let attributes = plan.model_attributes();
    let model = match state
        .model()
        .await?
        .filter(|m| m.model.attributes == attributes)
    {
        Some(doc) => doc.model,
        None => super::fellegi_sunter::Model::initial(
            &attributes,
            attributes.iter().map(|a| uniform(a.kind)).collect(),
        ),
    };
    let mut sources = profile_record::sources(&a);
    sources.extend(profile_record::sources(&b));
    sources.sort_unstable();
    sources.dedup();
    let pair = job::pair_doc(
        &model,
        &levels,
        (id, other),
        sources,
        Band::Review,
        mongodb::bson::oid::ObjectId::new(),
    );
    MatchPairs::new(&graph.db).settle(&pair).await?;
    decide::merge(graph, &graph.match_queue, decider, pair, Decision::Approved).await?;
    Ok(())
}

fn uniform(kind: crate::model::matching::AttributeKind) -> Vec<f64> {
    let n = kind.levels().len();
    vec![1.0 / n as f64; n]
}

async fn read(graph: &IdentityGraph, plan: &Plan, id: ObjectId) -> Result<Document, AppError> {
    graph
        .db
        .collection::<Document>(profiles::COLLECTION)
        .find_one(doc! { "_id": id })
        .projection(profile_record::projection(plan))
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: format!("profile {id}"),
        })
}
