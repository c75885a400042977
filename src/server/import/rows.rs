//! File → records (CSV with a header row, or JSON Lines); `convert` makes them messages.
pub use super::convert::to_message;
use crate::model::import::RowError;
use serde_json::{Map, Value};

/// One record: its 1-based line and its columns.
pub type Record = (u64, Map<String, Value>);

/// Whether `file_name` names a JSON Lines file (`.jsonl`, `.ndjson`, `.json`); else CSV.
pub fn is_json_lines(file_name: &str) -> bool {
    let lower = file_name.to_lowercase();
    [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Reads CSV (header row first) or, for JSON Lines names, JSON Lines.
/// Unreadable rows are errors; the others are records.
pub fn read_records(file_name: &str, bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    if is_json_lines(file_name) {
        read_json_lines(bytes)
    } else {
        read_csv(bytes)
    }
}

/// A CSV file's header row, trimmed (a leading byte-order mark removed).
pub fn csv_headers(bytes: &[u8]) -> Result<Vec<String>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    Ok(reader
        .headers()?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_owned())
        .collect())
}

fn read_json_lines(bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let line_no = index as u64 + 1;
            match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(record)) => Ok((line_no, record)),
                Ok(_) => Err(row_error(line_no, "must be a JSON object")),
                Err(e) => Err(row_error(line_no, &format!("not valid JSON: {e}"))),
            }
        })
        .collect()
}

fn read_csv(bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    let headers = match csv_headers(bytes) {
        Ok(h) => h,
        Err(e) => return vec![Err(row_error(1, &format!("unreadable header row: {e}")))],
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    reader
        .records()
        .map(|row| {
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                row_error(line, &format!("unreadable row: {e}"))
            })?;
            let line = row.position().map_or(0, |p| p.line());
            let record = headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                .collect();
            Ok((line, record))
        })
        .collect()
}

fn row_error(line: u64, message: &str) -> RowError {
    RowError {
        line,
        message: message.to_owned(),
    }
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
