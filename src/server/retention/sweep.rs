//! The sweeper: for each kind kept for a number of days, deletes what is older, oldest first,
//! in batches (each archived first when asked), then records and audits what it did. It runs
//! every `ENRICH_RETENTION_SWEEP_SECONDS` on each instance; a lease makes one sweep at a time.
use super::{archive, campaign_messages, config::RetentionEnv, store::RetentionStore, target};
use crate::{
    error::AppError,
    model::retention::{RetentionKind, SweepSummary},
    server::{
        audit::{self, Record},
        campaigns::CampaignService,
        db::leases::Leases,
    },
};
use futures::TryStreamExt;
use mongodb::{
    Collection,
    bson::{self, Bson, Document, doc, oid::ObjectId},
};
use std::time::Duration;

/// Documents deleted per command (and archived per file, but for uploads: chunks of up to
/// 8 MB are archived [`UPLOAD_BATCH`] at a time).
pub const BATCH: i64 = 1000;
const UPLOAD_BATCH: i64 = 8;
/// Events per batch: each batch is folded into baselines while ingestion waits.
const EVENT_BATCH: i64 = 200;
/// A sweep stops after this long and the next one goes on, so it never outlives its lease.
const MAX_SWEEP: Duration = Duration::from_secs(5 * 60);
/// The sweep lease's name.
const LEASE: &str = "retention_sweep";
/// A sweep that takes longer than this may overlap with another instance's.
const LEASE_TTL: Duration = Duration::from_secs(15 * 60);

/// Runs a sweep every `env.sweep_every` (the first one a minute after start).
pub fn spawn(service: CampaignService, env: RetentionEnv) {
    tokio::spawn(async move {
        let holder = ObjectId::new();
        let mut pause = Duration::from_secs(60).min(env.sweep_every);
        loop {
            tokio::time::sleep(pause).await;
            pause = env.sweep_every;
            if let Err(err) = sweep(&service, &env, holder).await {
                tracing::error!(%err, "retention sweep failed");
            }
        }
    });
}

/// Sweeps once unless another instance is sweeping (`None` then). The sweep runs as a task
/// of its own: a caller that goes away (a closed page) does not cut it short.
pub async fn sweep(
    service: &CampaignService,
    env: &RetentionEnv,
    holder: ObjectId,
) -> Result<Option<SweepSummary>, AppError> {
    let (service, env) = (service.clone(), env.clone());
    tokio::spawn(async move { sweep_now(&service, &env, holder).await })
        .await
        .map_err(AppError::internal)?
}

async fn sweep_now(
    service: &CampaignService,
    env: &RetentionEnv,
    holder: ObjectId,
) -> Result<Option<SweepSummary>, AppError> {
    let db = &service.db;
    let leases = Leases::new(db);
    let Some(fence) = leases.try_take(LEASE, holder, LEASE_TTL).await? else {
        return Ok(None);
    };
    let summary = sweep_all(service, env).await;
    leases.release(LEASE, holder, fence).await?;
    let summary = summary?;
    RetentionStore::new(db).record_sweep(&summary).await?;
    let deleted: u64 = summary.deleted.iter().map(|(_, n)| n).sum();
    if deleted > 0 || summary.error.is_some() {
        let detail = summary
            .deleted
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let record = Record::new("retention.sweep", None).detail(match &summary.error {
            Some(error) => format!("{detail}; stopped: {error}"),
            None => detail,
        });
        audit::write_system(db, record).await?;
    }
    Ok(Some(summary))
}

async fn sweep_all(
    service: &CampaignService,
    env: &RetentionEnv,
) -> Result<SweepSummary, AppError> {
    let db = &service.db;
    let settings = RetentionStore::new(db).settings(env).await?;
    // Rules saved on another instance, or an index someone dropped: in line again first.
    super::ttl::sync(db, &settings).await?;
    let deadline = std::time::Instant::now() + MAX_SWEEP;
    let folding = RetentionKind::ALL
        .into_iter()
        .any(|k| k.folded_before_deletion() && settings.rule(k).days > 0);
    if folding {
        // Conversions whose window closed no longer need events or rival sends.
        service
            .settle_conversions(chrono::Utc::now(), deadline)
            .await?;
    }
    let mut summary = SweepSummary {
        at: String::new(),
        deleted: Vec::new(),
        archived: Vec::new(),
        error: None,
    };
    for kind in RetentionKind::ALL {
        let rule = settings.rule(kind);
        if rule.days == 0 {
            continue;
        }
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(rule.days));
        let archive_to = rule.archive.then_some(env.archive_dir.as_deref()).flatten();
        if rule.archive && archive_to.is_none() {
            summary.error = Some(format!(
                "{}: archiving is asked for but ENRICH_RETENTION_ARCHIVE_DIR is not set; nothing deleted",
                kind.key()
            ));
            continue;
        }
        let cutoff = bson::DateTime::from_chrono(cutoff);
        if kind == RetentionKind::Events {
            // Rules from the environment were never checked against the segments.
            let reaching = super::guards::segments_reaching(db, rule.days).await?;
            if !reaching.is_empty() {
                let why = super::guards::reaching_message(rule.days, &reaching);
                summary.error = Some(format!("events: nothing deleted: {why}"));
                continue;
            }
        }
        match sweep_kind(service, kind, cutoff, archive_to, deadline).await {
            Ok((deleted, files)) => {
                summary.deleted.push((kind.key().to_owned(), deleted));
                summary
                    .archived
                    .extend(files.iter().map(|p| p.display().to_string()));
            }
            Err((deleted, files, err)) => {
                summary.deleted.push((kind.key().to_owned(), deleted));
                summary
                    .archived
                    .extend(files.iter().map(|p| p.display().to_string()));
                summary.error = Some(format!("{}: {err}", kind.key()));
                break;
            }
        }
    }
    summary.at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(summary)
}

type Swept = (u64, Vec<std::path::PathBuf>);

/// Deletes `kind`'s documents older than `cutoff`, archiving each batch first when
/// `archive_to` is set; what it deleted and wrote, also when it stopped on an error.
async fn sweep_kind(
    service: &CampaignService,
    kind: RetentionKind,
    cutoff: bson::DateTime,
    archive_to: Option<&std::path::Path>,
    deadline: std::time::Instant,
) -> Result<Swept, (u64, Vec<std::path::PathBuf>, AppError)> {
    let (name, field) = target(kind);
    let collection = service.db.collection::<Document>(name);
    let (mut deleted, mut files) = (0_u64, Vec::new());
    let filter = match kind {
        RetentionKind::CampaignMessages => campaign_messages::expired(service, cutoff).await,
        _ => Ok(doc! { field: { "$lt": cutoff } }),
    }
    .map_err(|e| (0, Vec::new(), e))?;
    let limit = match (kind, archive_to) {
        (RetentionKind::Events, _) => EVENT_BATCH,
        (RetentionKind::ImportFiles, Some(_)) => UPLOAD_BATCH,
        _ => BATCH,
    };
    // Whole documents only when they are archived or folded.
    // Whole documents only when they are archived or tallied (events are read again, whole,
    // under the identity lease).
    let whole = archive_to.is_some() || kind == RetentionKind::CampaignMessages;
    let projection = (!whole).then(|| doc! { "_id": 1 });
    while std::time::Instant::now() < deadline {
        let found: Result<Vec<Document>, mongodb::error::Error> = async {
            let options = mongodb::options::FindOptions::builder()
                .sort(doc! { field: 1, "_id": 1 })
                .limit(limit)
                .projection(projection.clone())
                .build();
            collection
                .find(filter.clone())
                .with_options(options)
                .await?
                .try_collect()
                .await
        }
        .await;
        let batch = found.map_err(|e| (deleted, files.clone(), e.into()))?;
        if batch.is_empty() {
            return Ok((deleted, files));
        }
        let ids: Vec<Bson> = batch.iter().filter_map(|d| d.get("_id").cloned()).collect();
        let full = batch.len() as i64 == limit;
        if let Some(dir) = archive_to {
            let file = archive::write(dir, kind, batch.clone())
                .await
                .map_err(|e| (deleted, files.clone(), e))?;
            files.push(file);
        }
        let removed = match kind {
            RetentionKind::Events => service.graph.expire_events(event_ids(&batch)).await,
            RetentionKind::CampaignMessages => {
                campaign_messages::tally_and_delete(service, batch).await
            }
            _ => delete(&collection, ids).await,
        };
        deleted += removed.map_err(|e| (deleted, files.clone(), e))?;
        if !full {
            return Ok((deleted, files));
        }
    }
    Ok((deleted, files))
}

async fn delete(collection: &Collection<Document>, ids: Vec<Bson>) -> Result<u64, AppError> {
    let removed = collection
        .delete_many(doc! { "_id": { "$in": ids } })
        .await?;
    Ok(removed.deleted_count)
}

/// The `_id`s of a batch of events.
fn event_ids(batch: &[Document]) -> Vec<String> {
    batch
        .iter()
        .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
        .collect()
}
