//! `POST /catalog/import`: a multipart form with a `file` (JSON Lines or CSV) that works without
//! JavaScript. Products are saved by id in the background (a product saved before with the same
//! content is left alone, so re-importing a file changes nothing), with progress and line-level
//! errors in the `imports` collection; browsers are sent to the progress page.
use super::{
    import::{ReadProduct, read_products},
    validate::validate,
};
use crate::{
    error::AppError,
    model::import::RowError,
    server::{
        AppState,
        audit::{self, Record},
        auth::Caller,
        db::{
            catalog_misses::CatalogMisses,
            imports::{ImportTally, Imports, PRODUCTS},
            products::{Products, Saved},
        },
        import::{job::MAX_LISTED_ERRORS, upload::MAX_UPLOAD_BYTES},
        respond::{Accepted, upload_reply},
    },
};
use axum::{
    Extension,
    extract::{DefaultBodyLimit, Multipart, State},
    http::HeaderMap,
    response::Response,
    routing::{MethodRouter, post},
};
use mongodb::{Database, bson::oid::ObjectId};

/// Products saved between progress updates.
const CHUNK: usize = 100;
/// Where the upload form lives (errors are shown there).
pub const FORM_PAGE: &str = "/catalog/import";

/// The route, with its own body limit.
pub fn route() -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let result = accept(&state, &caller, form)
        .await
        .map(|id| Accepted::import_started(FORM_PAGE, id));
    upload_reply(&headers, FORM_PAGE, result)
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    mut form: Multipart,
) -> Result<String, AppError> {
    // Taken before the file is read: each running import holds its whole file in memory.
    let slot = state.limits.import_slot()?;
    let (mut file_name, mut bytes) = (String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| AppError::BadRequest {
        message: format!("unreadable upload: {e}"),
    })? {
        if field.name() == Some("file") {
            file_name = field.file_name().unwrap_or("catalog.jsonl").to_owned();
            bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest {
                    message: format!("unreadable field file: {e}"),
                })?
                .to_vec();
        }
    }
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "is empty"));
    }
    let read = read_products(&file_name, &bytes);
    let imports = Imports::new(&state.db);
    let id = imports
        .begin(PRODUCTS, "catalog", &file_name, read.len() as u64)
        .await?;
    let record = Record::new("catalog.import", id.to_hex()).detail(format!("file {file_name}"));
    audit::write(&state.db, caller, None, record).await?;
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(err) = run(&db, id, read).await {
            tracing::error!(import = %id, %err, "catalog import failed");
            let _ = Imports::new(&db).fail(id, &err.to_string()).await;
        }
        drop(slot);
    });
    Ok(id.to_hex())
}

/// Saves every readable, valid product of a started import, recording progress.
pub async fn run(db: &Database, id: ObjectId, read: Vec<ReadProduct>) -> Result<(), AppError> {
    let (imports, products, misses) = (Imports::new(db), Products::new(db), CatalogMisses::new(db));
    let mut tally = ImportTally::default();
    for chunk in read.chunks(CHUNK) {
        let mut known = Vec::new();
        for item in chunk {
            match save_one(&products, item).await? {
                Ok((Saved::Unchanged, _)) => tally.duplicates += 1,
                Ok((_, references)) => {
                    tally.imported += 1;
                    known.extend(references);
                }
                Err(error) => tally.reject(error, MAX_LISTED_ERRORS),
            }
        }
        misses.forget(&known).await?;
        tally.processed += chunk.len() as u64;
        imports.progress(id, &tally, false).await?;
    }
    imports.progress(id, &tally, true).await
}

/// Saves one product; a broken rule is the row's error, a database failure the import's.
async fn save_one(
    products: &Products,
    item: &ReadProduct,
) -> Result<Result<(Saved, Vec<String>), RowError>, AppError> {
    let parsed = match item {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(error.clone())),
    };
    let mut product = parsed.product.clone();
    let rejected = |field: String, message: String| RowError {
        line: parsed.line_of(&field),
        message: format!("{field}: {message}"),
    };
    if let Err(err) = validate(&mut product) {
        // A line names one problem, the first: the line is refused whatever the rest say.
        return match err.field_errors().into_iter().next() {
            Some(first) => Ok(Err(rejected(first.field, first.message))),
            None => Err(err),
        };
    }
    match products.save(&product).await {
        Ok(saved) => {
            let mut references: Vec<String> =
                product.variants.iter().map(|v| v.id.clone()).collect();
            references.push(product.id.clone());
            Ok(Ok((saved, references)))
        }
        Err(AppError::Conflict { field, message }) => Ok(Err(rejected(field, message))),
        Err(err) => Err(err),
    }
}
