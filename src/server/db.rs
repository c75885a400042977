//! MongoDB access: connecting, one repository per collection, and the indexes they rely on.

pub mod analytics_read;
pub mod api_tokens;
pub mod audit;
pub mod baselines;
pub mod campaign_settings;
pub mod campaign_tallies;
pub mod campaigns;
pub mod catalog_misses;
pub mod computed_traits;
pub mod event_match_queries;
pub mod event_names;
pub mod events;
pub mod fields;
pub mod identities;
pub mod imports;
pub mod in_app_messages;
pub mod indexes;
pub mod ingest_errors;
pub mod leases;
pub mod login_failures;
pub mod match_pairs;
pub mod match_state;
pub mod memberships;
pub mod memo;
pub mod merges;
pub mod outbox;
pub mod product_signals;
pub mod products;
pub mod profile_changes;
pub mod profile_derived;
pub mod profile_doc;
pub mod profile_update;
pub mod profile_writes;
pub mod profiles;
pub mod recommend_queue;
pub mod segments;
pub mod sessions;
pub mod shard_plan;
pub mod sources;
pub mod suppressions;
pub mod users;
pub mod windows;

use mongodb::{
    Client, Database,
    bson::doc,
    error::{ErrorKind, WriteFailure},
    options::{Acknowledgment, ClientOptions, DatabaseOptions, WriteConcern},
};
use std::time::Duration;

/// Connects to `uri` and returns the database `name`, failing fast if the server cannot be reached.
pub async fn connect(uri: &str, name: &str) -> Result<Database, mongodb::error::Error> {
    let mut options = ClientOptions::parse(uri).await?;
    options.app_name.get_or_insert_with(|| "enrich".to_owned());
    options
        .server_selection_timeout
        .get_or_insert(Duration::from_secs(5));
    options.command_event_handler = Some(crate::server::metrics::commands::handler());
    let client = Client::with_options(options)?;
    // `isMaster` rather than `hello`: the embedded stand-in only knows the older name.
    let hello = client
        .database("admin")
        .run_command(doc! { "isMaster": 1 })
        .await?;
    // Acknowledged means journaled, and on a replica set, on a majority: a write the tracking
    // API confirmed survives a crash or a fail-over.
    let mut concern = WriteConcern::builder().journal(true).build();
    if hello.contains_key("setName") {
        concern.w = Some(Acknowledgment::Majority);
    }
    let db = client.database_with_options(
        name,
        DatabaseOptions::builder().write_concern(concern).build(),
    );
    db.run_command(doc! { "ping": 1 }).await?;
    Ok(db)
}

/// Where this process sends analytics reads; set once at start-up by [`route_analytics_reads`].
static ANALYTICS_READ: std::sync::OnceLock<analytics_read::AnalyticsRead> =
    std::sync::OnceLock::new();

/// Sends this process's analytics reads as `read` says (`ENRICH_ANALYTICS_READ_PREFERENCE`,
/// `ENRICH_ANALYTICS_READ_TAGS`). The first call wins: the setting is the process's, read once.
pub fn route_analytics_reads(read: &analytics_read::AnalyticsRead) {
    let _ = ANALYTICS_READ.set(read.clone());
}

/// Collection `name` for read-heavy analytics (lists, counts, charts, previews): read where
/// [`route_analytics_reads`] says (by default a secondary when the server is a replica set), so
/// they never compete with ingestion on the primary.
pub fn analytics<T: Send + Sync>(db: &Database, name: &str) -> mongodb::Collection<T> {
    let criteria = ANALYTICS_READ.get().cloned().unwrap_or_default().criteria();
    let options = mongodb::options::CollectionOptions::builder()
        .selection_criteria(criteria)
        .build();
    db.collection_with_options(name, options)
}

/// MongoDB's code for a unique-index violation.
pub const DUPLICATE_KEY: i32 = 11000;

/// Whether `err` is a unique-index violation.
pub fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == DUPLICATE_KEY,
        // findAndModify reports it as a command error.
        ErrorKind::Command(e) => e.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(e) => e
            .write_errors
            .iter()
            .flatten()
            .any(|w| w.code == DUPLICATE_KEY),
        _ => false,
    }
}

/// For an unordered `insert_many` that failed only on unique-index violations: the indexes of
/// the documents that were duplicates (the others were inserted). `None` for any other failure.
pub fn duplicate_indexes(err: &mongodb::error::Error) -> Option<Vec<usize>> {
    match err.kind.as_ref() {
        ErrorKind::InsertMany(failure) if failure.write_concern_error.is_none() => {
            let errors = failure.write_errors.iter().flatten();
            let all_duplicates = errors.clone().all(|w| w.code == DUPLICATE_KEY);
            all_duplicates.then(|| errors.map(|w| w.index).collect())
        }
        _ => None,
    }
}

/// Runs write command `command` with the database's write concern (`run_command` alone sends
/// none, so the server's default would apply: not journaled, not on a majority).
pub async fn run_write_command(
    db: &Database,
    mut command: mongodb::bson::Document,
) -> Result<mongodb::bson::Document, crate::error::AppError> {
    if let Some(concern) = db.write_concern() {
        let concern =
            mongodb::bson::to_document(concern).map_err(crate::error::AppError::internal)?;
        command.insert("writeConcern", concern);
    }
    Ok(db.run_command(command).await?)
}

/// Runs one `update` command of many statements (`{q, u, upsert}`) with the database's write
/// concern: a batch's writes to one collection in one round trip; `ordered` when a statement
/// relies on an earlier one. How many documents the statements matched or inserted.
pub async fn update_statements(
    db: &Database,
    collection: &str,
    statements: Vec<mongodb::bson::Document>,
    ordered: bool,
) -> Result<usize, crate::error::AppError> {
    use crate::error::AppError;
    use mongodb::bson::Bson;
    if statements.is_empty() {
        return Ok(0);
    }
    let command = doc! { "update": collection, "updates": statements, "ordered": ordered };
    let reply = run_write_command(db, command).await?;
    if let Ok(errors) = reply.get_array("writeErrors")
        && !errors.is_empty()
    {
        return Err(AppError::internal(format!(
            "updates to {collection} refused: {errors:?}"
        )));
    }
    let count = |key: &str| match reply.get(key) {
        Some(Bson::Int32(n)) => usize::try_from(*n).unwrap_or(0),
        Some(Bson::Int64(n)) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    Ok(count("n"))
}
