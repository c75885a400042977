//! Uploads kept between the steps of the import form (upload → mapping → import) and after an
//! error, so nobody has to choose the file again. Kept in the database, not on one instance's
//! disk, in chunks below MongoDB's document limit; they expire as retention says (Settings →
//! Retention, "Uploaded import files": a day unless changed).
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{DateTime, doc, oid::ObjectId, spec::BinarySubtype},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "import_uploads";
/// Bytes per stored chunk.
const CHUNK: usize = 8 * 1024 * 1024;
/// The TTL index uploads had before retention owned it (dropped by `retention::ttl::sync`).
pub const LEGACY_TTL_INDEX: &str = "created_at_ttl";

/// An upload waiting for its mapping.
#[derive(Debug, Clone)]
pub struct Staged {
    /// Its id.
    pub id: ObjectId,
    /// The source it was uploaded for.
    pub source: String,
    /// The file's name.
    pub file_name: String,
    /// The file.
    pub bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct ChunkDoc {
    upload: ObjectId,
    n: i32,
    source: String,
    file_name: String,
    data: mongodb::bson::Binary,
    created_at: DateTime,
    /// How many chunks the upload has (a sweep may have taken some of an old upload's).
    #[serde(default)]
    of: Option<i32>,
}

fn collection(db: &Database) -> mongodb::Collection<ChunkDoc> {
    db.collection(COLLECTION)
}

/// Keeps `bytes` and returns the upload's id.
pub async fn save(
    db: &Database,
    source: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<ObjectId, AppError> {
    let upload = ObjectId::new();
    let docs = bytes.chunks(CHUNK).enumerate().map(|(n, data)| ChunkDoc {
        upload,
        n: n as i32,
        source: source.to_owned(),
        file_name: file_name.to_owned(),
        data: mongodb::bson::Binary {
            subtype: BinarySubtype::Generic,
            bytes: data.to_vec(),
        },
        created_at: DateTime::now(),
        of: Some(bytes.len().div_ceil(CHUNK).max(1) as i32),
    });
    for chunk in docs {
        collection(db).insert_one(chunk).await?;
    }
    Ok(upload)
}

/// The staged upload `id`, or `None` once it expired or was used.
pub async fn load(db: &Database, id: ObjectId) -> Result<Option<Staged>, AppError> {
    let chunks: Vec<ChunkDoc> = collection(db)
        .find(doc! { "upload": id })
        .sort(doc! { "n": 1 })
        .await?
        .try_collect()
        .await?;
    let Some(first) = chunks.first() else {
        return Ok(None);
    };
    let whole = first.of.is_none_or(|of| chunks.len() == of as usize)
        && chunks.iter().enumerate().all(|(i, c)| c.n == i as i32);
    if !whole {
        return Ok(None);
    }
    let (source, file_name) = (first.source.clone(), first.file_name.clone());
    let bytes = chunks.into_iter().flat_map(|c| c.data.bytes).collect();
    Ok(Some(Staged {
        id,
        source,
        file_name,
        bytes,
    }))
}

/// Forgets a used upload.
pub async fn remove(db: &Database, id: ObjectId) -> Result<(), AppError> {
    collection(db).delete_many(doc! { "upload": id }).await?;
    Ok(())
}

/// Drops every staged upload: any of them may hold a forgotten person's row, and an upload is
/// only a convenience (the form asks for the file again).
pub async fn forget_all(db: &Database) -> Result<(), AppError> {
    collection(db).delete_many(doc! {}).await?;
    Ok(())
}

/// Parses an upload id from a form, naming the `upload` field when it is not one.
pub fn parse_id(text: &str) -> Result<ObjectId, AppError> {
    text.trim().parse().map_err(|_| gone())
}

/// The error for an upload that expired or was already imported.
pub fn gone() -> AppError {
    AppError::invalid(
        "file",
        "The uploaded file is no longer kept (it expired or was imported). Choose it again.",
    )
}
