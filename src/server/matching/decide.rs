//! Acting on a pair: merging it (automatically, approved by a steward, or by hand from a
//! customer page) through the identity graph's merge, so it can be undone like any merge;
//! rejecting it; marking it unmerged when its merge is undone. Every decision is audited with
//! who, the score and the reason, and a settled pair is never proposed again.
use super::queue::MatchQueue;
use crate::{
    error::AppError,
    model::matching::Decision,
    server::{
        audit::{self, Record},
        auth::Caller,
        db::match_pairs::{MatchPairs, PairDoc},
        identity::IdentityGraph,
    },
};
use mongodb::bson::oid::ObjectId;

/// Who decides: a signed-in steward, or matching itself (auto-merge, the CLI).
#[derive(Debug, Clone)]
pub struct Decider {
    /// The caller, for the audit log.
    pub caller: Caller,
    /// `None` for a signed-in user (the audit names them), else what the audit names.
    pub actor: Option<String>,
}

impl Decider {
    /// Matching deciding on its own.
    pub fn system() -> Self {
        Self {
            caller: Caller::default(),
            actor: Some("matching".to_owned()),
        }
    }

    /// A signed-in user.
    pub fn user(caller: Caller) -> Self {
        Self {
            caller,
            actor: None,
        }
    }

    /// The name stored on the pair.
    pub fn name(&self) -> String {
        self.actor
            .clone()
            .or_else(|| self.caller.user.as_ref().map(|u| u.email.clone()))
            .unwrap_or_else(|| "anonymous".to_owned())
    }

    async fn audit(&self, graph: &IdentityGraph, record: Record<'_>) -> Result<(), AppError> {
        audit::write(&graph.db, &self.caller, self.actor.as_deref(), record).await
    }
}

/// Why a pair merged, for the merge record and the audit log.
fn reason(pair: &PairDoc, decision: Decision) -> String {
    let mut strongest: Vec<_> = pair.evidence.iter().filter(|e| e.weight > 0.0).collect();
    strongest.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let fields: Vec<&str> = strongest.iter().take(3).map(|e| e.path.as_str()).collect();
    format!(
        "matching: {} at score {:.4} (driven by {})",
        decision.as_str(),
        pair.score,
        if fields.is_empty() {
            "nothing".to_owned()
        } else {
            fields.join(", ")
        }
    )
}

/// Merges `pair`'s profiles and records `decision` (auto-merged or approved) on it; the pair
/// must be pending (or new, for an auto-merge). The absorbed profile's other pending pairs
/// go and the survivor is queued to be matched again. Returns the merge's id.
pub async fn merge(
    graph: &IdentityGraph,
    queue: &MatchQueue,
    decider: &Decider,
    pair: PairDoc,
    decision: Decision,
) -> Result<Option<ObjectId>, AppError> {
    let merged = merge_only(graph, decider, pair, decision).await?;
    if let Some(absorbed) = merged.absorbed {
        MatchPairs::new(&graph.db).drop_pending_of(absorbed).await?;
    }
    queue.push(&[merged.survivor]).await?;
    Ok(merged.merge)
}

/// What one merge did.
#[derive(Debug, Clone, Copy)]
pub struct Merged {
    /// The merge record (`None` when the two were already one profile).
    pub merge: Option<ObjectId>,
    /// The profile that lives on.
    pub survivor: ObjectId,
    /// The profile merged into it (`None` when the two were already one profile).
    pub absorbed: Option<ObjectId>,
}

/// [`merge`] without its clean-up: the caller drops the absorbed profile's pending pairs and
/// queues the survivor (the full job does it once for all its merges, not per merge).
pub async fn merge_only(
    graph: &IdentityGraph,
    decider: &Decider,
    mut pair: PairDoc,
    decision: Decision,
) -> Result<Merged, AppError> {
    let pairs = MatchPairs::new(&graph.db);
    let by = decider.name();
    if decision == Decision::Approved
        && pairs.decide(&pair.id, decision, &by, None).await?.is_none()
    {
        return Err(already_decided());
    }
    let why = reason(&pair, decision);
    // The order ingestion takes the locks in: the lease, rebuild (shared), then merge.
    let merged = graph
        .lease
        .hold(async {
            let _no_rebuild = graph.rebuild_lock.read().await;
            graph.merge_recorded(pair.a, pair.b, &why).await
        })
        .await;
    let (survivor, recorded) = match merged {
        Ok(done) => done,
        Err(err) => {
            if decision == Decision::Approved {
                pairs.reopen(&pair.id).await?;
            }
            return Err(err);
        }
    };
    pair.decision = decision;
    pair.decided_by = Some(by);
    pair.decided_at = Some(mongodb::bson::DateTime::now());
    let (merge, absorbed) = (recorded.map(|r| r.0), recorded.map(|r| r.1));
    pair.merge = merge;
    pairs.settle(&pair).await?;
    let target = merge.map(|m| m.to_hex());
    let detail = format!("{} and {}: {why}", pair.a, pair.b);
    decider
        .audit(graph, Record::new("match.merge", target).detail(detail))
        .await?;
    Ok(Merged {
        merge,
        survivor,
        absorbed,
    })
}

/// Records that `pair` is two people: it is never proposed again.
pub async fn reject(
    graph: &IdentityGraph,
    decider: &Decider,
    key: &str,
) -> Result<PairDoc, AppError> {
    let pairs = MatchPairs::new(&graph.db);
    let pair = pairs
        .decide(key, Decision::Rejected, &decider.name(), None)
        .await?
        .ok_or_else(already_decided)?;
    let detail = format!("{} and {}: score {:.4}", pair.a, pair.b, pair.score);
    decider
        .audit(
            graph,
            Record::new("match.reject", Some(pair.id.clone())).detail(detail),
        )
        .await?;
    Ok(pair)
}

fn already_decided() -> AppError {
    AppError::Conflict {
        field: "pair".into(),
        message: "this pair was already decided (reload the queue)".into(),
    }
}
