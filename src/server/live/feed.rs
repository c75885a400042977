//! What feeds the hub. On a replica set, change streams on `events` and `segment_transitions`
//! do, with resume tokens saved in `live_cursors`, so every instance behind a load balancer
//! sees every event; on a standalone server each instance publishes what it stores itself and
//! `/healthz` says so. A ticker publishes each second's counts either way.
use super::{LiveHub, convert::live_event, cursors::LiveCursors};
use crate::{
    model::{live::LiveMessage, live_series::align},
    server::db::{
        events::EventDoc,
        memberships::{TRANSITIONS, TransitionDoc},
    },
};
use chrono::{Duration as Span, Utc};
use mongodb::{
    Database,
    bson::{self, Document, doc, oid::ObjectId},
    change_stream::event::ResumeToken,
    options::ChangeStreamOptions,
};
use serde::Serialize;
use std::{collections::HashMap, time::Duration};

/// `ENRICH_LIVE_FEED`: where stored events reach the hub from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedSetting {
    /// Change streams on a replica set or sharded cluster, in-process otherwise (the default).
    #[default]
    Auto,
    /// Change streams, whatever the server says it is (it must accept them).
    ChangeStream,
    /// This instance's own events only.
    InProcess,
}

impl std::str::FromStr for FeedSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Self::Auto),
            "change_stream" => Ok(Self::ChangeStream),
            "in_process" => Ok(Self::InProcess),
            other => Err(format!(
                "{other} is not one of auto, change_stream, in_process"
            )),
        }
    }
}

/// Where the hub's events come from, as `/healthz` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedStatus {
    /// `change_stream` or `in_process`.
    pub mode: &'static str,
    /// `replica_set`, `sharded` or `standalone`.
    pub topology: String,
    /// Why this mode.
    pub reason: String,
}

impl Default for FeedStatus {
    fn default() -> Self {
        Self::new("in_process", "unknown".into(), "starting".into())
    }
}

impl FeedStatus {
    /// A status in `mode` (`change_stream` or `in_process`).
    pub fn new(mode: &'static str, topology: String, reason: String) -> Self {
        Self {
            mode,
            topology,
            reason,
        }
    }

    /// Whether change streams feed the hub.
    pub fn is_change_stream(&self) -> bool {
        self.mode == "change_stream"
    }
}

/// The server's shape, from `isMaster` (the stand-in only knows the old name).
pub async fn topology(db: &Database) -> String {
    let hello = db.run_command(doc! { "isMaster": 1 }).await;
    match hello {
        Ok(h) if h.contains_key("setName") => "replica_set".into(),
        Ok(h) if h.get_str("msg").is_ok_and(|m| m == "isdbgrid") => "sharded".into(),
        Ok(_) => "standalone".into(),
        Err(_) => "unknown".into(),
    }
}

/// Decides the feed, starts the change-stream followers when they apply, and the ticker.
pub async fn run(db: Database, hub: LiveHub, setting: FeedSetting, instance: String) {
    tokio::spawn(tick(hub.clone()));
    let topology = topology(&db).await;
    let wanted = match setting {
        FeedSetting::InProcess => Err("ENRICH_LIVE_FEED=in_process".to_owned()),
        FeedSetting::ChangeStream => Ok("ENRICH_LIVE_FEED=change_stream".to_owned()),
        FeedSetting::Auto if topology == "standalone" || topology == "unknown" => Err(format!(
            "the server is {topology}: change streams need a replica set, so each instance \
             shows the events it stores itself"
        )),
        FeedSetting::Auto => Ok(format!("the server is a {topology}")),
    };
    let status = match wanted {
        Ok(reason) => match db.collection::<Document>("events").watch().await {
            Ok(_) => FeedStatus::new("change_stream", topology, reason),
            Err(err) => {
                let reason = format!("the server refused a change stream ({err})");
                tracing::warn!(%reason, "live feed falls back to in-process");
                FeedStatus::new("in_process", topology, reason)
            }
        },
        Err(reason) => FeedStatus::new("in_process", topology, reason),
    };
    tracing::info!(mode = status.mode, reason = %status.reason, "live feed");
    let following = status.is_change_stream();
    // Before the followers start: from here on this instance stops announcing its own writes.
    hub.set_status(status);
    if following {
        let cursors = LiveCursors::new(&db, &instance);
        for watched in [Watched::Events, Watched::Transitions] {
            tokio::spawn(follow(db.clone(), hub.clone(), cursors.clone(), watched));
        }
    }
}

/// How long after a second ends its tick is published: events still being written are in it.
pub const TICK_DELAY_MS: i64 = 500;

/// The first second whose counts have not been published as a tick by `now`.
pub fn unticked_since(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    align(now - Span::milliseconds(TICK_DELAY_MS), 1)
}

/// Publishes the counts of each second once it has ended.
async fn tick(hub: LiveHub) {
    loop {
        let now = Utc::now();
        let next = align(now, 1) + Span::milliseconds(1_000 + TICK_DELAY_MS);
        let wait = (next - now).to_std().unwrap_or(Duration::from_millis(100));
        tokio::time::sleep(wait).await;
        let second = unticked_since(Utc::now()) - Span::seconds(1);
        let tick = hub.stats().tick(second);
        hub.publish(LiveMessage::Tick(tick));
    }
}

/// A collection whose inserts become live messages.
#[derive(Debug, Clone, Copy)]
enum Watched {
    Events,
    Transitions,
}

impl Watched {
    fn name(self) -> &'static str {
        match self {
            Watched::Events => "events",
            Watched::Transitions => TRANSITIONS,
        }
    }
}

/// Follows one collection's inserts for as long as the process runs, reconnecting with backoff.
async fn follow(db: Database, hub: LiveHub, cursors: LiveCursors, watched: Watched) {
    let mut names = SegmentNames::new(&db);
    let mut backoff = Duration::from_millis(500);
    loop {
        match follow_once(&db, &hub, &cursors, watched, &mut names).await {
            Ok(()) => backoff = Duration::from_millis(500),
            Err(err) => {
                tracing::warn!(%err, collection = watched.name(), "change stream interrupted");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

async fn follow_once(
    db: &Database,
    hub: &LiveHub,
    cursors: &LiveCursors,
    watched: Watched,
    names: &mut SegmentNames,
) -> Result<(), crate::error::AppError> {
    let collection = db.collection::<Document>(watched.name());
    let saved = cursors.load(watched.name()).await?;
    let options = |token: Option<ResumeToken>| {
        ChangeStreamOptions::builder()
            .resume_after(token)
            .max_await_time(Duration::from_millis(500))
            .build()
    };
    let pipeline = [doc! { "$match": { "operationType": "insert" } }];
    let opened = collection
        .watch()
        .pipeline(pipeline.clone())
        .with_options(options(saved.clone()))
        .await;
    let mut stream = match (opened, saved) {
        (Ok(stream), _) => stream,
        // The saved point is older than the server's history: start from now, and say so.
        (Err(err), Some(_)) => {
            tracing::warn!(%err, collection = watched.name(), "resume token refused; starting from now");
            cursors.forget(watched.name()).await?;
            collection
                .watch()
                .pipeline(pipeline)
                .with_options(options(None))
                .await?
        }
        (Err(err), None) => return Err(err.into()),
    };
    let mut unsaved = false;
    let mut saved_at = std::time::Instant::now();
    loop {
        match stream.next_if_any().await? {
            Some(change) => {
                record_lag(watched, change.wall_time, change.cluster_time);
                if let Some(message) = convert(watched, change.full_document, names).await {
                    hub.publish(message);
                }
                unsaved = true;
            }
            None => {
                // A server without awaitData answers at once; do not spin on it.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        if unsaved && saved_at.elapsed() >= Duration::from_millis(250) {
            if let Some(token) = stream.resume_token() {
                cursors.save(watched.name(), &token).await?;
            }
            (unsaved, saved_at) = (false, std::time::Instant::now());
        }
        if !stream.is_alive() {
            return Ok(());
        }
    }
}

/// How far behind the database this instance reads `watched` (wall time from MongoDB 6.0,
/// the cluster time's seconds before).
fn record_lag(watched: Watched, wall: Option<bson::DateTime>, cluster: Option<bson::Timestamp>) {
    let at_ms = match (wall, cluster) {
        (Some(wall), _) => wall.timestamp_millis(),
        (None, Some(cluster)) => i64::from(cluster.time) * 1000,
        (None, None) => return,
    };
    let lag = (Utc::now().timestamp_millis() - at_ms).max(0) as f64 / 1000.0;
    metrics::gauge!(crate::server::metrics::names::CHANGE_STREAM_LAG, "collection" => watched.name())
        .set(lag);
}

async fn convert(
    watched: Watched,
    document: Option<Document>,
    names: &mut SegmentNames,
) -> Option<LiveMessage> {
    let document = document?;
    match watched {
        Watched::Events => bson::from_document::<EventDoc>(document)
            .map(|doc| live_event(&doc))
            .map_err(|err| tracing::warn!(%err, "unreadable event in the change stream"))
            .ok(),
        Watched::Transitions => {
            let t: TransitionDoc = bson::from_document(document).ok()?;
            Some(LiveMessage::SegmentTransition {
                segment_id: t.segment_id.to_hex(),
                segment: names.name(t.segment_id).await,
                profile_id: t.profile_id.to_hex(),
                kind: t.kind.as_str().to_owned(),
                at: t.at.to_chrono(),
            })
        }
    }
}

/// Segment names by id, read once per segment.
struct SegmentNames {
    db: Database,
    known: HashMap<ObjectId, String>,
}

impl SegmentNames {
    fn new(db: &Database) -> Self {
        Self {
            db: db.clone(),
            known: HashMap::new(),
        }
    }

    async fn name(&mut self, id: ObjectId) -> String {
        if let Some(name) = self.known.get(&id) {
            return name.clone();
        }
        let found = self
            .db
            .collection::<Document>(crate::server::db::segments::COLLECTION)
            .find_one(doc! { "_id": id })
            .projection(doc! { "name": 1 })
            .await;
        let name = found
            .ok()
            .flatten()
            .and_then(|d| d.get_str("name").ok().map(str::to_owned))
            .unwrap_or_default();
        self.known.insert(id, name.clone());
        name
    }
}
