//! What the mapping form shows for a staged upload: its columns with a few sample values and
//! a proposed target each (the source's saved mapping first, else guesses).
use super::{
    guess::{date_order_of, guess_column, saved_column},
    mapping::{Mapping, parse_mapping},
    rows::read_records,
    sniff, staged,
};
use crate::{
    error::AppError,
    model::import::{ColumnDraft, MappingDraft},
    server::{AppState, privacy::mask::mask_json},
};
use serde_json::Value;

/// Sample values shown per column.
const SAMPLES: usize = 3;

/// The mapping form's content for upload `id`; samples masked unless `read_pii`.
pub async fn draft(state: &AppState, id: &str, read_pii: bool) -> Result<MappingDraft, AppError> {
    let kept = staged::load(&state.db, staged::parse_id(id)?)
        .await?
        .ok_or_else(staged::gone)?;
    let names = sniff::columns_of(&kept.file_name, &kept.bytes)?;
    let saved = saved_mapping(state, &kept.source).await?;
    let samples = samples(&kept.file_name, &kept.bytes, &names);
    let columns: Vec<ColumnDraft> = names
        .iter()
        .zip(&samples)
        .map(|(name, values)| {
            let saved = saved.as_ref().and_then(|m| saved_column(m, name, values));
            let mut column = saved.unwrap_or_else(|| guess_column(name, values));
            if !read_pii {
                column.samples = column
                    .samples
                    .iter()
                    .map(|v| masked(&column.target, v))
                    .collect();
            }
            column
        })
        .collect();
    let date_order = match &saved {
        Some(m) => m.date_order,
        None => date_order_of(&columns),
    };
    Ok(MappingDraft {
        upload: kept.id.to_hex(),
        source: kept.source,
        file_name: kept.file_name,
        date_order: date_order.as_str().to_owned(),
        phone_region: saved
            .as_ref()
            .and_then(|m| m.phone_region)
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_default(),
        timestamp: saved.and_then(|m| m.timestamp),
        columns,
    })
}

async fn saved_mapping(state: &AppState, source: &str) -> Result<Option<Mapping>, AppError> {
    let found = state.ingest.sources.by_name(source.trim()).await?;
    Ok(found
        .and_then(|s| s.mapping)
        .and_then(|text| parse_mapping(&text).ok()))
}

/// The first values of each column, in `names` order.
fn samples(file_name: &str, bytes: &[u8], names: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); names.len()];
    let records = read_records(file_name, prefix(bytes)).into_iter().flatten();
    for (_, record) in records.take(SAMPLES) {
        for (i, name) in names.iter().enumerate() {
            let text = match record.get(name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.trim().to_owned(),
                Some(other) => other.to_string(),
            };
            out[i].push(text);
        }
    }
    out
}

/// The file's first lines: enough for samples without parsing 64 MB.
fn prefix(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(SAMPLES + 20)
        .map_or(bytes.len(), |(i, _)| i + 1);
    &bytes[..end]
}

fn masked(target: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    let field = if matches!(target, "email" | "phone") {
        target
    } else {
        "value"
    };
    match mask_json(field, &Value::String(value.to_owned())) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}
