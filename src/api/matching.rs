//! Record matching: Settings → Matching (settings, threshold preview, the full run and its
//! progress), the review queue (list, approve, reject, bulk approve) and merging two customers
//! by hand. Deciding needs the `steward` permission and personal data; the queue is masked for
//! roles without it.
use crate::{
    error::AppError,
    model::{
        matching::{JobStatus, MatchingOverview, PairPage},
        matching_form::MatchSettingsForm,
    },
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_id(field: &str, id: &str) -> Result<mongodb::bson::oid::ObjectId, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "must be a profile id"))
}

/// Settings → Matching: the saved settings, the job, the bands at the saved thresholds.
#[server(endpoint = "matching/overview")]
pub async fn get_matching_overview() -> Result<MatchingOverview, AppError> {
    use crate::{
        model::{
            access::Permission,
            matching::{Decision, MatchSettings},
        },
        server::{
            app_state,
            auth::current_user,
            db::{
                match_pairs::{MatchPairs, PairFilter},
                match_state::MatchState,
            },
        },
    };
    let (state, user) = (app_state()?, current_user()?);
    let store = MatchState::new(&state.db);
    let settings: MatchSettings = store.settings().await?;
    let model = store.model().await?;
    let pending = PairFilter {
        decision: Some(Decision::Pending),
        ..PairFilter::default()
    };
    Ok(MatchingOverview {
        form: MatchSettingsForm::of(&settings),
        can_edit: user.can(Permission::ManageData),
        can_run: user.can(Permission::Steward),
        job: store.job().await?,
        trained_at: model.as_ref().map(|m| {
            m.trained_at
                .to_chrono()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        }),
        histogram: model.map(|m| m.histogram),
        pending: MatchPairs::new(&state.db).count(&pending).await?,
        queued_profiles: state.ingest.graph.match_queue.waiting().await?,
    })
}

/// Saves the matching settings (audited); they apply from the next run.
#[server(endpoint = "matching/save")]
pub async fn save_match_settings(form: MatchSettingsForm) -> Result<(), AppError> {
    use crate::server::{
        app_state,
        audit::{self, Record},
        auth::current_user,
        db::match_state::MatchState,
    };
    let settings = form.parse()?;
    let (state, user) = (app_state()?, current_user()?);
    MatchState::new(&state.db)
        .save_settings(&settings, &user.email)
        .await?;
    let detail = format!(
        "{} attributes, review at {}, auto-merge at {}",
        settings.attributes.len(),
        settings.review_at,
        settings.auto_merge_at
    );
    audit::write_current(
        &state.db,
        Record::new("matching.settings", None).detail(detail),
    )
    .await?;
    crate::api::form::saved("matching");
    Ok(())
}

/// Starts a full run in the background (unless one is under way); answers its progress.
#[server(endpoint = "matching/run")]
pub async fn run_matching() -> Result<JobStatus, AppError> {
    use crate::server::{
        app_state,
        auth::caller,
        matching::{decide::Decider, job},
    };
    let state = app_state()?;
    let graph = state.ingest.graph.clone();
    let queue = graph.match_queue.clone();
    let status = job::start(graph, queue, Decider::user(caller()?)).await?;
    crate::api::form::saved("matching-run");
    Ok(status)
}

/// The full run's progress.
#[server(endpoint = "matching/status")]
pub async fn get_matching_status() -> Result<JobStatus, AppError> {
    use crate::server::{app_state, db::match_state::MatchState};
    MatchState::new(&app_state()?.db).job().await
}

/// A page of pairs: `decision` (default pending), `band`, `source` filter; `page` from 0.
#[server(endpoint = "matching/pairs")]
pub async fn list_match_pairs(
    decision: Option<String>,
    band: Option<String>,
    source: Option<String>,
    page: Option<u64>,
) -> Result<PairPage, AppError> {
    use crate::{
        model::access::Permission,
        server::{app_state, auth::current_user, db::match_pairs::PairFilter, matching::review},
    };
    let user = current_user()?;
    let filter = PairFilter {
        decision: crate::model::matching::parse_decision(decision.as_deref().unwrap_or("pending"))
            .ok_or_else(|| {
                AppError::invalid(
                    "decision",
                    "must be pending, auto_merged, approved, rejected, unmerged or all",
                )
            })?,
        band: match band.as_deref().unwrap_or("").trim() {
            "" | "all" => None,
            text => Some(crate::model::matching::parse_band(text).ok_or_else(|| {
                AppError::invalid("band", "must be auto_merge, review, below or all")
            })?),
        },
        source: source
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        min_score: None,
    };
    let state = app_state()?;
    review::page(
        &state.ingest.graph,
        &filter,
        page.unwrap_or(0),
        user.can(Permission::ReadPii),
        user.can(Permission::Steward),
    )
    .await
}

/// Approves (`approve`: merge) or rejects (`reject`: never proposed again) pending pair `pair`.
#[server(endpoint = "matching/decide")]
pub async fn decide_match(pair: String, decision: String) -> Result<(), AppError> {
    use crate::{
        model::matching::Decision,
        server::{
            app_state,
            auth::caller,
            db::match_pairs::MatchPairs,
            matching::decide::{self, Decider},
        },
    };
    let state = app_state()?;
    let graph = &state.ingest.graph;
    let decider = Decider::user(caller()?);
    match decision.as_str() {
        "approve" => {
            let found = MatchPairs::new(&state.db)
                .get(pair.trim())
                .await?
                .ok_or_else(|| AppError::NotFound {
                    what: "pair".into(),
                })?;
            decide::merge(
                graph,
                &graph.match_queue,
                &decider,
                found,
                Decision::Approved,
            )
            .await?;
        }
        "reject" => {
            decide::reject(graph, &decider, pair.trim()).await?;
        }
        _ => return Err(AppError::invalid("decision", "must be approve or reject")),
    }
    crate::api::form::saved("match-decided");
    Ok(())
}

/// Approves every pending pair scoring at least `min_score` percent; how many merged.
#[server(endpoint = "matching/approve_above")]
pub async fn approve_matches_above(min_score: String) -> Result<u64, AppError> {
    use crate::{
        model::matching::Decision,
        server::{
            app_state,
            auth::caller,
            db::match_pairs::{MatchPairs, PairFilter},
            matching::decide::{self, Decider},
        },
    };
    let percent: f64 = min_score
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .ok()
        .filter(|p| (1.0..=100.0).contains(p))
        .ok_or_else(|| {
            AppError::invalid(
                "min_score",
                "Minimum score must be a percentage between 1 and 100",
            )
        })?;
    let state = app_state()?;
    let graph = &state.ingest.graph;
    let decider = Decider::user(caller()?);
    let filter = PairFilter {
        decision: Some(Decision::Pending),
        min_score: Some(percent / 100.0),
        ..PairFilter::default()
    };
    let pairs = MatchPairs::new(&state.db);
    let mut merged = 0;
    for pair in pairs.list(&filter, 0, 10_000).await? {
        match decide::merge(
            graph,
            &graph.match_queue,
            &decider,
            pair,
            Decision::Approved,
        )
        .await
        {
            Ok(_) => merged += 1,
            // Decided or gone meanwhile: the others still go ahead.
            Err(AppError::Conflict { .. } | AppError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    crate::api::form::saved("match-bulk");
    Ok(merged)
}

/// Merges customer `other` into `id`'s person by hand (audited, undoable like any merge).
#[server(endpoint = "matching/merge")]
pub async fn merge_customers(id: String, other: String) -> Result<(), AppError> {
    use crate::server::{
        app_state,
        auth::caller,
        matching::{decide::Decider, manual},
    };
    let (id, other_id) = (parse_id("id", &id)?, parse_id("other", &other)?);
    if id == other_id {
        return Err(AppError::invalid(
            "other",
            "Choose another customer: a customer cannot be merged with itself",
        ));
    }
    let state = app_state()?;
    manual::merge(&state.ingest.graph, &Decider::user(caller()?), id, other_id).await?;
    crate::api::form::saved("merged");
    Ok(())
}
