//! The command line: `enrich [serve]`, `enrich import …`, `enrich seed …`, `enrich db …`.
use super::{
    AppState,
    config::Config,
    db,
    import::job::{self, ImportRequest},
    privacy::keyring::{self, KeyRing},
    seed,
};
pub mod accounts;
pub mod keys;
pub mod matching;

use clap::{Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use std::path::PathBuf;

/// enrich: a self-hosted customer data platform. Configuration comes from the environment
/// (MONGODB_URI, ENRICH_DB, …; see README).
#[derive(Debug, Parser)]
#[command(name = "enrich", version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the tracking API.
    Serve,
    /// Import customer records (CSV with a header row, or JSON Lines) as a named source.
    Import {
        /// Source name, e.g. `crm` (created if new).
        #[arg(long)]
        source: String,
        /// The file; `.jsonl`/`.ndjson`/`.json` are JSON Lines, anything else CSV.
        #[arg(long)]
        file: PathBuf,
        /// Column mapping (TOML); without it, the mapping saved for the source is used.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
    /// Manage the people who sign in.
    User {
        /// What to do.
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// Manage the keys that encrypt restricted fields.
    Keys {
        /// What to do.
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Find the profiles of one person that share no identifier (record matching).
    Match {
        /// What to do.
        #[command(subcommand)]
        command: matching::MatchCommand,
    },
    /// Database operations.
    Db {
        /// What to do.
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Generate demo data: overlapping legacy records and 90 days of web and app events.
    Seed {
        /// People to create.
        #[arg(long, default_value_t = 500)]
        customers: usize,
        /// Events to send.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

/// `enrich db …`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the mongosh commands that shard ENRICH_DB on a sharded cluster, with the
    /// reason for each collection's key (nothing is sent to the database).
    ShardPlan,
}

/// `enrich db …`: exit status 0.
pub fn db_command(config: &Config, command: DbCommand) -> Result<u8, String> {
    match command {
        DbCommand::ShardPlan => print!("{}", db::shard_plan::commands(&config.database)),
    }
    Ok(0)
}

/// Connects to the configured database and creates the indexes; errors in words.
pub async fn open_database(config: &Config) -> Result<mongodb::Database, String> {
    let db = db::connect(&config.mongodb_uri, &config.database)
        .await
        .map_err(|e| format!("cannot reach MongoDB at {}: {e}", config.mongodb_uri))?;
    db::indexes::ensure_indexes(&db)
        .await
        .map_err(|e| format!("cannot create indexes: {e}"))?;
    db::route_analytics_reads(&config.settings.analytics_read);
    Ok(db)
}

/// The key ring at `ENRICH_FIELD_KEYS_FILE`, created (and announced) if it does not exist.
pub fn load_keys(config: &Config) -> Result<KeyRing, String> {
    let path = &config.field_keys_file;
    let (ring, created) = keyring::load_or_create(path)?;
    if created {
        tracing::warn!(
            path = %path.display(),
            "created a new field-encryption key ring: back it up, losing it loses restricted values"
        );
    }
    Ok(ring)
}

/// The app state for a command that needs only the database.
pub async fn state_for(config: &Config) -> Result<AppState, String> {
    let db = open_database(config).await?;
    Ok(AppState::new(
        LeptosOptions::builder().output_name("enrich").build(),
        db,
        &config.settings,
        load_keys(config)?,
    ))
}

/// `enrich import`: exit status 0 when every row was imported, 2 when some were rejected.
pub async fn import(
    config: &Config,
    source: String,
    file: PathBuf,
    mapping: Option<PathBuf>,
) -> Result<u8, String> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let request = ImportRequest {
        source,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        mapping: match &mapping {
            Some(path) => Some(String::from_utf8_lossy(&read(path)?).into_owned()),
            None => None,
        },
        bytes: read(&file)?,
    };
    let state = state_for(config).await?;
    let graph = &state.ingest.graph;
    let (id, prepared) = job::start(graph, &state.ingest.sources, &request)
        .await
        .map_err(|e| e.to_string())?;
    let status = job::run(graph, id, prepared)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{} rows: {} imported, {} already there, {} rejected",
        status.total, status.imported, status.duplicates, status.error_count
    );
    for error in &status.errors {
        println!("line {}: {}", error.line, error.message);
    }
    for warning in &status.warnings {
        let column = &warning.column;
        println!(
            "line {}: column {column:?} {}",
            warning.line,
            warning.problem()
        );
    }
    Ok(if status.error_count > 0 { 2 } else { 0 })
}

/// `enrich seed`.
pub async fn seed(
    config: &Config,
    customers: usize,
    events: usize,
    seed: u64,
) -> Result<u8, String> {
    let state = state_for(config).await?;
    let started = std::time::Instant::now();
    let summary = seed::seed(&state.ingest, customers, events, seed)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "sent {} records and events in {:.1} s; {} live profiles",
        summary.messages,
        started.elapsed().as_secs_f64(),
        summary.profiles
    );
    Ok(0)
}
