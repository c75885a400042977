//! Bulk imports of customer records: the column mapping and the result report.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an import stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    /// Import id (hex).
    pub id: String,
    /// `records` (customer records) or `products` (the catalog).
    #[serde(default)]
    pub kind: String,
    /// Source name.
    pub source: String,
    /// Uploaded file name.
    pub file_name: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Data rows in the file.
    pub total: u64,
    /// Rows processed so far.
    pub processed: u64,
    /// Rows stored and applied.
    pub imported: u64,
    /// Rows already imported before (same record, same source).
    pub duplicates: u64,
    /// Rows rejected.
    pub error_count: u64,
    /// The first rejected rows: line number and reason.
    pub errors: Vec<RowError>,
    /// Why the whole import failed, if it did.
    pub failure: Option<String>,
    /// Started.
    pub started_at: DateTime<Utc>,
}

/// A rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// An example mapping, shown in the UI and the README.
pub const EXAMPLE_MAPPING: &str = r#"# column = target; targets: user_id, anonymous_id, email, phone,
# external:<id type>, trait:<name>[:string|number|boolean|date], ignore
[columns]
"Customer No" = "external:crm_id"
"E-mail" = "email"
"Mobile" = "phone"
"Name" = "trait:name"
"Age" = "trait:age:number"

[options]
# column holding when the record was last updated (optional)
# timestamp = "Updated"
"#;
