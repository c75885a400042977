//! Archives: each swept batch becomes one gzip file of JSON Lines (MongoDB relaxed extended
//! JSON, one document per line) under `<dir>/<kind>/`, written to a temporary name, synced and
//! renamed before the batch is deleted, so a crash leaves either a whole file or none.
use crate::{error::AppError, model::retention::RetentionKind};
use flate2::{Compression, write::GzEncoder};
use mongodb::bson::{Bson, Document};
use std::{
    io::Write,
    path::{Path, PathBuf},
};

/// Writes `docs` to a new archive file for `kind` under `dir`; its path.
pub async fn write(
    dir: &Path,
    kind: RetentionKind,
    docs: Vec<Document>,
) -> Result<PathBuf, AppError> {
    let folder = dir.join(kind.key());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let name = format!(
        "{}-{stamp}-{}.jsonl.gz",
        kind.key(),
        mongodb::bson::oid::ObjectId::new()
    );
    let path = folder.join(name);
    let written = path.clone();
    tokio::task::spawn_blocking(move || write_file(&folder, &path, &docs))
        .await
        .map_err(AppError::internal)?
        .map_err(|err| AppError::internal(format!("archive {}: {err}", written.display())))?;
    Ok(written)
}

fn write_file(folder: &Path, path: &Path, docs: &[Document]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)?;
    let mut gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::default());
    for doc in docs {
        let line = Bson::Document(doc.clone()).into_relaxed_extjson();
        serde_json::to_writer(&mut gz, &line)?;
        gz.write_all(b"\n")?;
    }
    let file = gz.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    // The rename itself is durable only once the folder is.
    std::fs::File::open(folder)?.sync_all()
}
