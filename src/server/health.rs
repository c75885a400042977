//! `GET /healthz`: is the app up, can it reach its database, and what can that database do.
use super::AppState;
use axum::{Json, extract::State, http::StatusCode};
use mongodb::{Database, bson::doc, options::ChangeStreamOptions};
use serde::Serialize;
use std::time::Duration;

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` when the database answers, `degraded` otherwise.
    pub status: &'static str,
    /// This build's version.
    pub version: &'static str,
    /// What we know about the database.
    pub database: DatabaseHealth,
    /// Where the live page's events come from.
    pub live_feed: super::live::feed::FeedStatus,
}

/// Database part of the health report.
#[derive(Debug, Serialize)]
pub struct DatabaseHealth {
    /// Database name in use.
    pub name: String,
    /// Whether a `ping` succeeded.
    pub reachable: bool,
    /// `buildInfo.version` of the server, when reachable.
    pub server_version: Option<String>,
    /// Whether the server accepts change streams (replica sets do, standalone servers do not).
    pub change_streams: bool,
    /// `replica_set`, `sharded` or `standalone`.
    pub topology: String,
}

/// Answers 200 when the database is reachable, 503 otherwise, with the same JSON body.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = probe(&state.db).await;
    let status = if database.reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let health = Health {
        status: if database.reachable { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database,
        live_feed: state.hub.status(),
    };
    (status, Json(health))
}

async fn probe(db: &Database) -> DatabaseHealth {
    let reachable = db.run_command(doc! { "ping": 1 }).await.is_ok();
    let server_version = if reachable {
        server_version(db).await
    } else {
        None
    };
    DatabaseHealth {
        name: db.name().to_owned(),
        reachable,
        server_version,
        change_streams: reachable && change_streams_available(db).await,
        topology: super::live::feed::topology(db).await,
    }
}

async fn server_version(db: &Database) -> Option<String> {
    let info = db.run_command(doc! { "buildInfo": 1 }).await.ok()?;
    info.get_str("version").ok().map(str::to_owned)
}

/// Opens (and drops) a change stream: the only reliable test, since a standalone server refuses it.
pub async fn change_streams_available(db: &Database) -> bool {
    let options = ChangeStreamOptions::builder()
        .max_await_time(Duration::from_millis(1))
        .build();
    let open = async { db.watch().with_options(options).await.is_ok() };
    tokio::time::timeout(Duration::from_secs(2), open)
        .await
        .unwrap_or(false)
}
