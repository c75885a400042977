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
    /// Fields skipped in imported rows.
    #[serde(default)]
    pub warning_count: u64,
    /// The first skipped fields.
    #[serde(default)]
    pub warnings: Vec<FieldWarning>,
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

/// A field left out of an imported row because its value broke the column's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWarning {
    /// 1-based line in the file.
    pub line: u64,
    /// The column's name in the file.
    pub column: String,
    /// What the value must be: `email`, `phone`, `number`, `boolean` or `date`.
    pub rule: String,
    /// The value, masked for roles that may not read personal data; `None` for restricted
    /// fields, which are never stored in clear.
    pub value: Option<String>,
}

impl FieldWarning {
    /// The rule in words: "not a valid phone number".
    pub fn problem(&self) -> String {
        let what = match self.rule.as_str() {
            "email" => "a valid email address",
            "phone" => "a valid phone number (add the country code, e.g. +82)",
            "number" => "a number",
            "boolean" => "yes/no, true/false or 1/0",
            "date" => "a date (e.g. 2020-07-31 or 31/07/2020)",
            other => other,
        };
        format!("not {what}; left out")
    }
}

/// One column of a staged file in the mapping form: its samples and the proposed target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDraft {
    /// The header.
    pub name: String,
    /// The first values (masked for roles that may not read personal data).
    pub samples: Vec<String>,
    /// `ignore`, `user_id`, `anonymous_id`, `email`, `phone`, `external` or `trait`.
    pub target: String,
    /// The trait's name, or the external id's type.
    pub key: String,
    /// For traits: `string`, `number`, `boolean` or `date`.
    pub value_type: String,
}

/// A staged upload ready for its mapping: what the mapping form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingDraft {
    /// The staged upload's id.
    pub upload: String,
    /// The source it was uploaded for.
    pub source: String,
    /// The file's name.
    pub file_name: String,
    /// Its columns, in file order, with guessed (or previously saved) targets.
    pub columns: Vec<ColumnDraft>,
    /// `dmy` or `mdy`.
    pub date_order: String,
    /// Country for phones without a country code (e.g. `KR`), empty for the server default.
    pub phone_region: String,
    /// The column with each record's update time, if any.
    pub timestamp: Option<String>,
}

/// Targets offered in the mapping form: `(value, label)`.
pub const TARGETS: [(&str, &str); 7] = [
    ("ignore", "Ignore"),
    ("trait", "Trait"),
    ("email", "Email (identifier)"),
    ("phone", "Phone (identifier)"),
    ("user_id", "User id"),
    ("external", "Id in another system"),
    ("anonymous_id", "Anonymous id"),
];

/// Trait value types offered in the mapping form: `(value, label)`.
pub const VALUE_TYPES: [(&str, &str); 4] = [
    ("string", "Text"),
    ("number", "Number"),
    ("boolean", "Yes/no"),
    ("date", "Date"),
];

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
# dates written with slashes: "dmy" (31/07/2020, the default) or "mdy" (07/31/2020)
# date_order = "dmy"
# country for phone numbers written without +country code (default: ENRICH_PHONE_REGION)
# phone_region = "KR"
"#;
