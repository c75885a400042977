//! Checks made before an import starts: the file is CSV or JSON Lines text (not a picture or
//! a spreadsheet renamed), and every column the mapping names is in it.
use super::{
    mapping::Mapping,
    rows::{csv_headers, is_json_lines},
};
use crate::error::AppError;
use serde_json::Value;

/// File name endings accepted.
pub const ACCEPTED: [&str; 5] = [".csv", ".txt", ".jsonl", ".ndjson", ".json"];
/// JSON Lines records read to learn a file's keys.
const SAMPLED_LINES: usize = 200;

/// Refuses anything but UTF-8 CSV or JSON Lines text, saying what the file seems to be.
pub fn check_file(file_name: &str, bytes: &[u8]) -> Result<(), AppError> {
    let refuse = |what: &str| {
        AppError::invalid(
            "file",
            format!(
                "{file_name} {what}. Choose a CSV file with a header row, or JSON Lines (.jsonl)."
            ),
        )
    };
    if bytes.is_empty() {
        return Err(refuse("is empty"));
    }
    if let Some(kind) = binary_kind(bytes) {
        return Err(refuse(&format!("is {kind}, not text")));
    }
    let lower = file_name.to_lowercase();
    if !ACCEPTED.iter().any(|e| lower.ends_with(e)) {
        return Err(refuse("is not a .csv or .jsonl file"));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(refuse("is not UTF-8 text (save it as \"CSV UTF-8\")"));
    }
    Ok(())
}

/// What a binary file is, from its first bytes; `None` for text.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 6] = [
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (
            b"PK\x03\x04",
            "a zip archive or Excel workbook (export it as CSV)",
        ),
        (
            b"\xd0\xcf\x11\xe0",
            "an old Excel or Word document (export it as CSV)",
        ),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(kind);
    }
    let head = &bytes[..bytes.len().min(8192)];
    head.contains(&0).then_some("a binary file")
}

/// The file's column names: CSV's header row, or the keys of the first JSON Lines records.
pub fn columns_of(file_name: &str, bytes: &[u8]) -> Result<Vec<String>, AppError> {
    if !is_json_lines(file_name) {
        return csv_headers(bytes)
            .map_err(|e| AppError::invalid("file", format!("its header row is unreadable: {e}")));
    }
    let mut keys: Vec<String> = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLED_LINES)
    {
        if let Ok(Value::Object(record)) = serde_json::from_str::<Value>(line) {
            for key in record.keys() {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
    }
    Ok(keys)
}

/// Refuses a mapping that names columns the file does not have, naming them and the file's.
pub fn check_columns(mapping: &Mapping, columns: &[String]) -> Result<(), AppError> {
    let missing: Vec<String> = mapping
        .column_names()
        .filter(|c| !columns.contains(c))
        .map(|c| format!("\"{c}\""))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let (these, are) = if missing.len() == 1 {
        ("This column", "is")
    } else {
        ("These columns", "are")
    };
    Err(AppError::invalid(
        "mapping",
        format!(
            "{these} of the mapping {are} not in the file: {}. The file has: {}.",
            missing.join(", "),
            columns.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_07_pictures_spreadsheets_and_other_text_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        for (name, bytes) in [
            ("logo.png", &png[..]),
            ("logo.csv", &png[..]),
            ("book.xlsx", b"PK\x03\x04rest"),
            ("notes.docx", b"hello"),
            ("latin1.csv", b"Name\nJos\xe9\n"),
            ("empty.csv", b""),
        ] {
            let err = check_file(name, bytes).unwrap_err();
            assert!(err.message_for("file").unwrap().contains(name), "{name}");
        }
        assert!(check_file("crm.CSV", "Name\nJosé\n".as_bytes()).is_ok());
        assert!(check_file("a.jsonl", b"{\"a\":1}\n").is_ok());
    }

    #[test]
    fn item_07_missing_columns_are_named_with_the_files_own() {
        let mapping = super::super::mapping::parse_mapping(
            "[columns]\nMobile = \"phone\"\nId = \"user_id\"\n[options]\ntimestamp = \"At\"\n",
        )
        .unwrap();
        let columns = columns_of("a.csv", b"\xef\xbb\xbfId ,Phone\n1,2\n").unwrap();
        assert_eq!(columns, ["Id", "Phone"]);
        let message = check_columns(&mapping, &columns)
            .unwrap_err()
            .message_for("mapping")
            .unwrap();
        assert!(message.contains("\"Mobile\", \"At\""), "{message}");
        assert!(message.contains("The file has: Id, Phone"), "{message}");
        let keys = columns_of("a.jsonl", b"{\"Id\":1}\n{\"Mobile\":2,\"At\":3}\n").unwrap();
        assert!(check_columns(&mapping, &keys).is_ok());
    }
}
