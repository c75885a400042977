//! "Load demo data" as a background job any admin can start from Settings: one load at a time
//! across instances (a revision-checked claim on one document, with a heartbeat so a crashed
//! load does not block the next), progress stored where every instance can read it.
use crate::{
    api::{
        dashboard::{DEMO_CUSTOMERS, DEMO_EVENTS},
        demo::{DemoState, DemoStatus},
    },
    error::AppError,
    server::{AppState, db::is_duplicate_key},
};
use chrono::Utc;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
};
use serde::{Deserialize, Serialize};

/// The collection holding the one demo load document.
const COLLECTION: &str = "demo_loads";
/// Its id.
const ID: &str = "demo";
/// A running load silent for this long is taken to have died with its instance.
const STALE_AFTER_MS: i64 = 120_000;
/// The demo generator's seed: the same people every time, so a second load adds no one.
const SEED: u64 = 42;

/// The stored load.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DemoDoc {
    #[serde(rename = "_id")]
    id: String,
    rev: i64,
    state: DemoState,
    step: String,
    done: i64,
    total: i64,
    people: i64,
    heartbeat: bson::DateTime,
    finished_at: Option<bson::DateTime>,
}

impl From<DemoDoc> for DemoStatus {
    fn from(d: DemoDoc) -> Self {
        let at = |t: bson::DateTime| t.to_chrono().format("%Y-%m-%d %H:%M:%S").to_string();
        Self {
            state: d.state,
            step: d.step,
            done: d.done.max(0) as u64,
            total: d.total.max(0) as u64,
            people: d.people.max(0) as u64,
            finished_at: d.finished_at.map(at),
        }
    }
}

fn loads(db: &Database) -> Collection<DemoDoc> {
    db.collection(COLLECTION)
}

/// The latest load (idle when there never was one).
pub async fn status(db: &Database) -> Result<DemoStatus, AppError> {
    Ok(loads(db)
        .find_one(doc! { "_id": ID })
        .await?
        .map(DemoStatus::from)
        .unwrap_or_default())
}

/// Starts a load in the background, unless one is running (then answers its progress).
pub async fn start(state: AppState) -> Result<DemoStatus, AppError> {
    let collection = loads(&state.db);
    let now = bson::DateTime::now();
    let current = collection.find_one(doc! { "_id": ID }).await?;
    if let Some(doc) = &current
        && doc.state == DemoState::Running
        && now.timestamp_millis() - doc.heartbeat.timestamp_millis() < STALE_AFTER_MS
    {
        return Ok(doc.clone().into());
    }
    let rev = current.as_ref().map_or(0, |d| d.rev);
    let total = (DEMO_CUSTOMERS as f64 * 1.2) as i64 + DEMO_EVENTS as i64;
    let claim = DemoDoc {
        id: ID.into(),
        rev: rev + 1,
        state: DemoState::Running,
        step: "Starting".into(),
        done: 0,
        total,
        people: 0,
        heartbeat: now,
        finished_at: None,
    };
    let claimed = match current {
        Some(_) => {
            let filter = doc! { "_id": ID, "rev": rev };
            collection.replace_one(filter, &claim).await?.matched_count == 1
        }
        None => match collection.insert_one(&claim).await {
            Ok(_) => true,
            Err(err) if is_duplicate_key(&err) => false,
            Err(err) => return Err(err.into()),
        },
    };
    if claimed {
        tokio::spawn(run(state.clone(), claim.rev));
    }
    status(&state.db).await
}

/// Records progress of load `rev`; a failure to record is logged, never fatal to the load.
pub struct Progress {
    collection: Collection<DemoDoc>,
    rev: i64,
}

impl Progress {
    /// Now doing `step`, with `done` records and events sent.
    pub async fn report(&self, step: &str, done: usize) {
        let set = doc! { "step": step, "done": done as i64, "heartbeat": bson::DateTime::now() };
        let filter = doc! { "_id": ID, "rev": self.rev };
        if let Err(err) = self
            .collection
            .update_one(filter, doc! { "$set": set })
            .await
        {
            tracing::warn!(%err, "demo data progress not recorded");
        }
    }
}

async fn run(state: AppState, rev: i64) {
    let progress = Progress {
        collection: loads(&state.db),
        rev,
    };
    let result = super::seed_reporting(
        &state.ingest,
        DEMO_CUSTOMERS,
        DEMO_EVENTS,
        SEED,
        Some(&progress),
    )
    .await;
    let result = match result {
        Ok(summary) => personalization(&state).await.map(|()| summary),
        Err(err) => Err(err),
    };
    // The insurer's records share no identifier: matching finds them (and fills the queue).
    let result = match result {
        Ok(summary) => {
            progress
                .report("Matching duplicates", summary.messages)
                .await;
            let graph = &state.ingest.graph;
            let decider = crate::server::matching::decide::Decider::system();
            match crate::server::matching::job::run_now(graph, &graph.match_queue, &decider).await {
                Ok(_) | Err(AppError::Conflict { .. }) => Ok(summary),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    };
    let set = match result {
        Ok(summary) => doc! {
            "state": "done", "step": "Finished", "people": summary.profiles as i64,
            "done": summary.messages as i64, "total": summary.messages as i64,
        },
        Err(err) => {
            tracing::error!(%err, "demo data load failed");
            doc! { "state": "failed", "step": format!("Stopped: {}", err.user_message()) }
        }
    };
    let mut set = set;
    set.insert("finished_at", bson::DateTime::from_chrono(Utc::now()));
    let filter = doc! { "_id": ID, "rev": rev };
    if let Err(err) = progress
        .collection
        .update_one(filter, doc! { "$set": set })
        .await
    {
        tracing::error!(%err, "demo data load result not recorded");
    }
}

/// What the demo shop personalizes on: two segments exposed to websites ("Browsing shoes",
/// "Cart abandoner") and the `tier` trait exposed. Kept as they are when loaded again.
async fn personalization(state: &AppState) -> Result<(), AppError> {
    use crate::{
        model::segment::SegmentLabel,
        segment::{CountOp, EventCondition, GroupKind, PropertyFilter, Rule, Scalar, ValueTest},
        server::{db::segments::Segments, segments::store::SegmentSave},
    };
    let viewed = |times, filters| {
        Rule::Event(EventCondition {
            event: "Product Viewed".into(),
            count: CountOp::AtLeast,
            times,
            within_days: Some(1),
            filters,
        })
    };
    let shoes = PropertyFilter {
        path: "properties.category".into(),
        test: ValueTest::Equals {
            value: Scalar::Text("shoes".into()),
        },
    };
    let added = Rule::Event(EventCondition {
        event: "Product Added".into(),
        count: CountOp::AtLeast,
        times: 1,
        within_days: Some(1),
        filters: Vec::new(),
    });
    let no_order = Rule::Event(EventCondition {
        event: "Order Completed".into(),
        count: CountOp::AtMost,
        times: 0,
        within_days: Some(1),
        filters: Vec::new(),
    });
    let wanted = [
        (
            "Browsing shoes",
            "Viewed three or more shoes today: the demo shop shows them the running-shoe offer.",
            "browsing_shoes",
            viewed(3, vec![shoes]),
        ),
        (
            "Cart abandoner",
            "Added to the cart today without ordering: the demo shop reminds them of their cart.",
            "cart_abandoner",
            Rule::group(GroupKind::All, vec![added, no_order]),
        ),
    ];
    let store = Segments::new(&state.db);
    let existing = store.all().await?;
    for (name, description, key, rule) in wanted {
        let id = match existing.iter().find(|s| s.name == name) {
            Some(found) => found.id,
            None => {
                let save = SegmentSave {
                    id: None,
                    base_version: None,
                    label: SegmentLabel {
                        name: name.into(),
                        description: description.into(),
                    },
                    rule,
                };
                let days = state.settings.counter_retention_days;
                state.segments.save(save, "demo data", days).await?.id
            }
        };
        let taken = store.exposed().await?;
        if !taken.iter().any(|(other, k)| *other != id && k == key) {
            store.set_exposed_key(id, Some(key)).await?;
        }
    }
    state.personalize.forget_exposure();
    state
        .ingest
        .graph
        .gate
        .classes
        .set_exposed("tier", true)
        .await
}
