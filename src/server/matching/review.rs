//! The review queue as a steward sees it: pairs with both profiles' compared values side by
//! side, masked for roles without personal data. A pending pair whose profile was merged or
//! deleted meanwhile is dropped here (its survivor is matched again).
use super::{
    profile_record,
    record::{applies, lives_together, source_paths},
};
use crate::{
    error::AppError,
    model::matching::{AttributeKind, Decision, FieldEvidence, PairPage, PairSide, PairView},
    server::{
        db::{
            match_pairs::{MatchPairs, PairDoc, PairFilter},
            profiles,
            sources::Sources,
        },
        identity::IdentityGraph,
        privacy::mask::{mask_json, mask_text},
    },
};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc, oid::ObjectId};
use std::collections::HashMap;

/// Pairs per page.
pub const PAGE_SIZE: i64 = 20;

/// Page `page` (from 0) of the pairs `filter` selects.
pub async fn page(
    graph: &IdentityGraph,
    filter: &PairFilter,
    page: u64,
    read_pii: bool,
    can_decide: bool,
) -> Result<PairPage, AppError> {
    let pairs = MatchPairs::new(&graph.db);
    let listed = pairs
        .list(filter, page * PAGE_SIZE as u64, PAGE_SIZE)
        .await?;
    let profiles = read_sides(graph, &listed).await?;
    let mut views = Vec::with_capacity(listed.len());
    let mut stale = Vec::new();
    for pair in listed {
        let (Some(a), Some(b)) = (profiles.get(&pair.a), profiles.get(&pair.b)) else {
            stale.push(pair);
            continue;
        };
        let live = |p: &Document| p.get_str("status").unwrap_or("live") == "live";
        if pair.decision == Decision::Pending && !(live(a) && live(b)) {
            stale.push(pair);
            continue;
        }
        views.push(view(&pair, a, b, read_pii));
    }
    drop_stale(graph, &pairs, stale).await?;
    let mut sources: Vec<String> = Sources::new(&graph.db)
        .list()
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    sources.sort();
    Ok(PairPage {
        total: pairs.count(filter).await?,
        pairs: views,
        masked: !read_pii,
        can_decide: can_decide && read_pii,
        sources,
    })
}

/// Pending pairs whose profiles are gone or merged: removed, the survivors queued again.
async fn drop_stale(
    graph: &IdentityGraph,
    pairs: &MatchPairs,
    stale: Vec<PairDoc>,
) -> Result<(), AppError> {
    let pending: Vec<PairDoc> = stale
        .into_iter()
        .filter(|p| p.decision == Decision::Pending)
        .collect();
    let mut survivors = Vec::new();
    for pair in &pending {
        pairs.remove_pending(&pair.id).await?;
        for side in [pair.a, pair.b] {
            if let Ok(live) = graph.live_profile_id(side).await {
                survivors.push(live);
            }
        }
    }
    graph.match_queue.push(&survivors).await
}

fn view(pair: &PairDoc, a: &Document, b: &Document, read_pii: bool) -> PairView {
    let side = |id: ObjectId, p: &Document| {
        let name = p.get_str("name").unwrap_or("").to_owned();
        let values = pair
            .evidence
            .iter()
            .map(|e| {
                let shown = |path: &str, text: String| {
                    if read_pii || text.is_empty() {
                        text
                    } else {
                        let masked = mask_json(path, &serde_json::Value::String(text));
                        masked.as_str().unwrap_or("***").to_owned()
                    }
                };
                let text = source_paths(&e.path)
                    .into_iter()
                    .map(|path| shown(path, profile_record::values(p, path).join(", ")))
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let from_whole_name = text.is_empty()
                    && e.level.is_some()
                    && matches!(e.kind, AttributeKind::GivenName | AttributeKind::FamilyName);
                if from_whole_name && !name.is_empty() {
                    // Compared from the whole name (a system with one name field).
                    let name = if read_pii {
                        name.clone()
                    } else {
                        mask_text(&name)
                    };
                    format!("{name} (whole name)")
                } else {
                    text
                }
            })
            .collect();
        PairSide {
            id: id.to_hex(),
            name: if read_pii { name } else { mask_text(&name) },
            sources: profile_record::sources(p),
            values,
        }
    };
    let shown = applicable(&pair.evidence);
    let keep = |side: PairSide| PairSide {
        values: side
            .values
            .into_iter()
            .zip(&shown)
            .filter_map(|(v, keep)| keep.then_some(v))
            .collect(),
        ..side
    };
    PairView {
        id: pair.id.clone(),
        score: pair.score,
        band: pair.band,
        decision: pair.decision,
        evidence: pair
            .evidence
            .iter()
            .zip(&shown)
            .filter(|(_, keep)| **keep)
            .map(|(e, _)| e.clone())
            .collect(),
        left: keep(side(pair.a, a)),
        right: keep(side(pair.b, b)),
        decided_by: pair.decided_by.clone(),
        merge: pair.merge.map(|m| m.to_hex()),
    }
}

/// Which evidence rows apply to the pair: a phone is weighed either at the same address or
/// elsewhere, and the other reading is not shown (it would read "missing").
fn applicable(evidence: &[FieldEvidence]) -> Vec<bool> {
    let together = evidence
        .iter()
        .any(|e| e.kind == AttributeKind::Location && lives_together(e.level.as_deref()));
    evidence
        .iter()
        .map(|e| applies(&e.path, together))
        .collect()
}

async fn read_sides(
    graph: &IdentityGraph,
    pairs: &[PairDoc],
) -> Result<HashMap<ObjectId, Document>, AppError> {
    let ids: Vec<ObjectId> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
    let mut projection =
        doc! { "name": 1, "status": 1, "sources": 1, "email": 1, "phone": 1, "identities": 1 };
    for pair in pairs {
        for path in pair.evidence.iter().flat_map(|e| source_paths(&e.path)) {
            projection.insert(format!("traits.{path}"), 1);
        }
    }
    let found: Vec<Document> = graph
        .db
        .collection::<Document>(profiles::COLLECTION)
        .find(doc! { "_id": { "$in": ids } })
        .projection(projection)
        .await?
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|p| Some((p.get_object_id("_id").ok()?, p)))
        .collect())
}
