use super::*;
use crate::server::identity::identifiers::IdentityPolicy;
use crate::server::import::mapping::parse_mapping;
use chrono::Utc;
use proptest::prelude::*;

const MAPPING: &str = r#"
[columns]
"Id" = "external:crm_id"
"Email" = "email"
"Phone" = "phone"
"Age" = "trait:age:number"
"VIP" = "trait:vip:boolean"
"Since" = "trait:since:date"
"Name" = "trait:name"
[options]
timestamp = "Updated"
"#;

fn messages(
    file: &str,
    text: &str,
) -> Vec<Result<crate::server::ingest::message::Message, RowError>> {
    let mapping = parse_mapping(MAPPING).unwrap();
    let policy = IdentityPolicy::default();
    read_records(file, text.as_bytes())
        .into_iter()
        .map(|r| r.and_then(|record| to_message(&mapping, &record, &policy, Utc::now())))
        .collect()
}

#[test]
fn csv_rows_become_typed_identify_messages() {
    let out = messages(
        "crm.csv",
        "Id,Email,Phone,Age,VIP,Since,Name,Updated\n\
         7,Ann@X.io,+1 415 555 2671,41,yes,2020-02-03,Ann,2026-01-05T10:00:00Z\n",
    );
    let message = out[0].as_ref().unwrap();
    let traits = &message.raw["traits"];
    assert_eq!(traits["age"], 41);
    assert_eq!(traits["vip"], true);
    assert_eq!(traits["since"], "2020-02-03T00:00:00+00:00");
    assert_eq!(traits["email"], "Ann@X.io");
    assert_eq!(message.raw["context"]["externalIds"][0]["id"], "7");
    assert_eq!(message.timestamp.to_rfc3339(), "2026-01-05T10:00:00+00:00");
}

#[test]
fn bad_fields_are_left_out_and_unusable_rows_rejected_by_line() {
    let mapping = parse_mapping(MAPPING).unwrap();
    let policy = IdentityPolicy::default();
    let text = "Id,Email,Phone,Age,VIP,Since,Name,Updated\n\
         1,not-an-email,,,,,,\n\
         2,,12,,,,,\n\
         3,,,forty,,,,\n\
         ,,,,,,Nobody,\n\
         5,a@b.io,,,,,,yesterday\n\
         6,a@b.io\n";
    let out: Vec<_> = read_records("crm.csv", text.as_bytes())
        .into_iter()
        .map(|r| {
            r.and_then(|record| {
                super::super::convert::convert(&mapping, &record, &policy, Utc::now())
            })
        })
        .collect();
    let warned: Vec<(u64, String, String)> = out
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|c| {
            c.warnings
                .iter()
                .map(|w| (w.line, w.column.clone(), w.rule.clone()))
        })
        .collect();
    let want = [
        (2, "Email", "email"),
        (3, "Phone", "phone"),
        (4, "Age", "number"),
        (6, "Updated", "date"),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(l, c, r)| (*l, (*c).into(), (*r).into()))
        .collect();
    assert_eq!(warned, want);
    let errors: Vec<(u64, String)> = out
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.line, e.message.clone()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, 5);
    assert!(errors[0].1.contains("no usable identifier"));
    assert_eq!(errors[1].0, 7);
    assert!(errors[1].1.contains("unreadable row"));
}

#[test]
fn json_lines_keep_json_types_and_number_lines() {
    let out = messages(
        "legacy.jsonl",
        "{\"Id\": 9, \"Age\": 33.5, \"Name\": \"Bo\"}\n\n[1]\n{\"Email\": \"bo@x.io\"}\n",
    );
    assert_eq!(out[0].as_ref().unwrap().raw["traits"]["age"], 33.5);
    assert_eq!(out[1].as_ref().unwrap_err().line, 3);
    assert!(out[2].is_ok());
}

proptest! {
    /// The same row content always gets the same message id (re-imports are duplicates), and
    /// arbitrary cell text never panics the converter.
    #[test]
    fn message_ids_depend_only_on_content(cells in prop::collection::vec("[ -~]{0,12}", 8)) {
        let line = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
        let text = format!("Id,Email,Phone,Age,VIP,Since,Name,Updated\n{line}\n");
        let first = messages("a.csv", &text);
        let second = messages("b.csv", &text);
        prop_assert_eq!(first.len(), 1);
        match (&first[0], &second[0]) {
            (Ok(a), Ok(b)) => prop_assert_eq!(&a.message_id, &b.message_id),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "same content, different outcome"),
        }
    }
}
