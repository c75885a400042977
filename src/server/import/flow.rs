//! The steps behind `POST /imports`: keep the file (for the mapping form and for errors),
//! turn the mapping form into TOML, start the import and run it in the background.
use super::{
    form,
    job::{self, ImportRequest},
    sniff, staged,
    upload::Posted,
};
use crate::{
    error::AppError,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
    },
};
use tokio::sync::OwnedSemaphorePermit;

/// What happens after a successful post.
#[derive(Debug)]
pub enum Next {
    /// The import `id` started.
    Started(String),
    /// The file is kept as upload `id`, waiting for its mapping.
    Map(String),
}

/// Handles a posted import form; `keep` (browsers) stages the file so that an error sends
/// the person back to a form that still has it. Staged ids are written into `posted.fields`.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    posted: &mut Posted,
    json: bool,
    slot: OwnedSemaphorePermit,
) -> Result<Next, AppError> {
    let to_map = get(&posted.fields, "step").as_deref() == Some("map");
    let (file_name, bytes) = if !posted.bytes.is_empty() || get(&posted.fields, "upload").is_none()
    {
        let (name, bytes) = (posted.file_name.clone(), std::mem::take(&mut posted.bytes));
        if name.is_empty() {
            return Err(AppError::invalid("file", "Choose a file to import"));
        }
        sniff::check_file(&name, &bytes)?;
        if !json || to_map {
            let source = get(&posted.fields, "source").unwrap_or_default();
            let id = staged::save(&state.db, &source, &name, &bytes).await?;
            posted.fields.insert("upload".into(), id.to_hex());
        }
        (name, bytes)
    } else {
        let id = staged::parse_id(&get(&posted.fields, "upload").unwrap_or_default())?;
        let kept = staged::load(&state.db, id)
            .await?
            .ok_or_else(staged::gone)?;
        (kept.file_name, kept.bytes)
    };
    let toml = get(&posted.fields, "mapping").filter(|m| !m.is_empty());
    if to_map && toml.is_none() {
        return Ok(Next::Map(get(&posted.fields, "upload").unwrap_or_default()));
    }
    let mapping = match toml {
        Some(text) => Some(text),
        None if form::has_columns(&posted.fields) => {
            let columns = sniff::columns_of(&file_name, &bytes)?;
            Some(form::mapping_from(&posted.fields, &columns)?.to_toml())
        }
        None => None,
    };
    let request = ImportRequest {
        source: get(&posted.fields, "source").unwrap_or_default(),
        file_name,
        mapping,
        bytes,
    };
    let id = start(state, caller, request, slot).await?;
    if let Some(upload) = get(&posted.fields, "upload").and_then(|u| u.parse().ok()) {
        staged::remove(&state.db, upload).await?;
    }
    Ok(Next::Started(id))
}

fn get(fields: &form::Fields, name: &str) -> Option<String> {
    fields.get(name).map(|v| v.trim().to_owned())
}

async fn start(
    state: &AppState,
    caller: &Caller,
    request: ImportRequest,
    slot: OwnedSemaphorePermit,
) -> Result<String, AppError> {
    let graph = state.ingest.graph.clone();
    let (id, prepared) = job::start(&graph, &state.ingest.sources, &request).await?;
    let detail = format!("source {}, file {}", request.source, request.file_name);
    let record = Record::new("import.start", id.to_hex()).detail(detail);
    audit::write(&state.db, caller, None, record).await?;
    tokio::spawn(async move {
        if let Err(err) = job::run(&graph, id, prepared).await {
            tracing::error!(import = %id, %err, "import failed");
        }
        drop(slot);
    });
    Ok(id.to_hex())
}
