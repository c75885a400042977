//! Running an import: rows through the pipeline in chunks, progress and errors recorded in
//! the `imports` collection for the UI's progress bar and the CLI.
use super::{
    convert::convert,
    mapping::{Target, parse_mapping},
    rows::read_records,
    sniff,
};
use crate::{
    error::AppError,
    model::{
        import::{FieldWarning, ImportStatus, RowError},
        source::{SourceKind, parse_source_name},
    },
    server::{
        db::{
            imports::{ImportTally, Imports, RECORDS},
            sources::Sources,
        },
        identity::{IdentityGraph, identifiers::IdentityPolicy},
        ingest::pipeline,
        metrics::{Held, names},
    },
};
use chrono::Utc;
use mongodb::bson::oid::ObjectId;

/// Rows sent through the pipeline at once (and between progress updates).
const CHUNK: usize = 500;
/// Rejected rows (and left-out fields) listed in the report; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 200;

/// A validated import request.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Source name (created as an import source if new).
    pub source: String,
    /// File name (its extension picks CSV or JSON Lines).
    pub file_name: String,
    /// Mapping text; `None` uses the one saved for the source.
    pub mapping: Option<String>,
    /// File contents.
    pub bytes: Vec<u8>,
}

/// Checks the request, records the import as running, and returns its id and parsed state.
pub async fn start(
    graph: &IdentityGraph,
    sources: &Sources,
    request: &ImportRequest,
) -> Result<(ObjectId, PreparedImport), AppError> {
    let name = parse_source_name(&request.source).map_err(|_| {
        AppError::invalid(
            "source",
            "Source name must start with a letter and use only a-z, 0-9, '-' and '_'",
        )
    })?;
    sniff::check_file(&request.file_name, &request.bytes)?;
    let source = sources.get_or_create(&name, SourceKind::Import).await?;
    let mapping_text = match (&request.mapping, &source.mapping) {
        (Some(text), _) if !text.trim().is_empty() => text.clone(),
        (_, Some(saved)) => saved.clone(),
        _ => {
            return Err(AppError::invalid(
                "mapping",
                "A column mapping is required (no mapping is saved for this source yet)",
            ));
        }
    };
    let mapping = parse_mapping(&mapping_text)?;
    let columns = sniff::columns_of(&request.file_name, &request.bytes)?;
    sniff::check_columns(&mapping, &columns)?;
    sources.save_mapping(source.id, &mapping_text).await?;
    let records = read_records(&request.file_name, &request.bytes);
    let imports = Imports::new(&graph.db);
    let id = imports
        .begin(RECORDS, &name, &request.file_name, records.len() as u64)
        .await?;
    let restricted = graph.gate.classes.current().await?.restricted();
    let policy = graph.policy.with_region(mapping.phone_region);
    Ok((
        id,
        PreparedImport {
            source,
            mapping,
            records,
            policy,
            restricted,
        },
    ))
}

/// A started import's inputs.
#[derive(Debug)]
pub struct PreparedImport {
    source: crate::server::db::sources::SourceDoc,
    mapping: super::mapping::Mapping,
    records: Vec<Result<super::rows::Record, RowError>>,
    policy: IdentityPolicy,
    restricted: Vec<String>,
}

impl PreparedImport {
    /// Values of restricted traits are never stored in clear, not even in a warning.
    fn redact(&self, warnings: &mut [FieldWarning]) {
        for warning in warnings {
            let restricted = match self.mapping.columns.get(&warning.column) {
                Some(Target::Trait(name, _)) => self.restricted.contains(name),
                _ => false,
            };
            if restricted {
                warning.value = None;
            }
        }
    }
}

/// Runs a started import to the end, recording progress; returns the final status.
pub async fn run(
    graph: &IdentityGraph,
    id: ObjectId,
    prepared: PreparedImport,
) -> Result<ImportStatus, AppError> {
    let imports = Imports::new(&graph.db);
    let result = run_chunks(graph, &imports, id, prepared).await;
    if let Err(err) = &result {
        imports.fail(id, &err.to_string()).await?;
    }
    result?;
    imports
        .get(id)
        .await?
        .ok_or_else(|| AppError::internal("import record vanished"))
}

async fn run_chunks(
    graph: &IdentityGraph,
    imports: &Imports,
    id: ObjectId,
    prepared: PreparedImport,
) -> Result<(), AppError> {
    let received_at = Utc::now();
    let mut tally = ImportTally::default();
    let _running = Held::new(metrics::gauge!(names::IMPORTS_RUNNING), 1.0);
    let rows = prepared.records.len() as f64;
    let mut remaining = Held::new(metrics::gauge!(names::IMPORT_ROWS_REMAINING), rows);
    for chunk in prepared.records.chunks(CHUNK) {
        let mut messages = Vec::new();
        for record in chunk {
            let converted = record
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|r| convert(&prepared.mapping, r, &prepared.policy, received_at));
            match converted {
                Ok(mut row) => {
                    prepared.redact(&mut row.warnings);
                    tally.warn(row.warnings, MAX_LISTED_ERRORS);
                    messages.push(row.message);
                }
                Err(error) => tally.reject(error, MAX_LISTED_ERRORS),
            }
        }
        let report = pipeline::ingest(graph, &prepared.source, &messages).await?;
        let rejected = chunk.len() - messages.len();
        for (result, n) in [
            ("imported", report.accepted),
            ("duplicate", report.duplicates),
            ("rejected", rejected),
        ] {
            metrics::counter!(names::IMPORT_ROWS, "result" => result).increment(n as u64);
        }
        remaining.release(chunk.len() as f64);
        tally.processed += chunk.len() as u64;
        tally.imported += report.accepted as u64;
        tally.duplicates += report.duplicates as u64;
        imports.progress(id, &tally, false).await?;
    }
    imports.progress(id, &tally, true).await
}
