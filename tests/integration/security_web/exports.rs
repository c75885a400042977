//! Item 13 (CSV cells that would run as formulas are defused) and item 17's streamed export
//! (every member, in order, with the download headers).
use crate::{
    segments::create,
    support::{Reply, TestApp},
};
use serde_json::json;

/// A segment of everyone whose `traits.plan` is `plan`.
async fn plan_segment(app: &TestApp, plan: &str) -> String {
    let rule = json!({ "type": "trait", "path": "traits.plan",
        "test": { "op": "equals", "value": plan } });
    create(app, plan, &rule).await
}

async fn export(app: &TestApp, segment: &str) -> Reply {
    let reply = app.get(&format!("/segments/{segment}/export")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

#[tokio::test]
async fn item_13_exported_cells_that_look_like_formulas_are_defused() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    // (Leading tabs and carriage returns are trimmed at ingest; the unit test covers them.)
    let names = [
        "=HYPERLINK(\"http://evil.example\")",
        "+1+2",
        "-3",
        "@SUM(A1)",
    ];
    for (n, name) in names.iter().enumerate() {
        let body =
            json!({ "userId": format!("f{n}"), "traits": { "plan": "formula", "name": name } });
        assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    }
    let segment = plan_segment(&app, "formula").await;
    let csv = export(&app, &segment).await.body;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut exported: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(1).unwrap().to_owned())
        .collect();
    exported.sort();
    let mut expected: Vec<String> = names.iter().map(|n| format!("'{n}")).collect();
    expected.sort();
    assert_eq!(exported, expected, "{csv}");
}

#[tokio::test]
async fn item_17_the_member_export_streams_every_member_with_its_headers() {
    let app = TestApp::new().await;
    let key = app.write_key("bulk").await;
    // More members than one chunk of the stream (1,000).
    let batch: Vec<_> = (0..1_050)
        .map(|n| {
            json!({ "type": "identify", "userId": format!("b{n}"),
            "traits": { "plan": "bulk", "email": format!("b{n}@example.com") } })
        })
        .collect();
    let reply = app
        .track("/v1/batch", &key, &json!({ "batch": batch }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let segment = plan_segment(&app, "bulk").await;
    let reply = export(&app, &segment).await;
    assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        reply.headers["content-disposition"],
        format!("attachment; filename=\"segment-{segment}.csv\"").as_str()
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
    let mut lines = reply.body.lines();
    assert_eq!(lines.next(), Some("profile_id,name,email,entered_at"));
    let mut emails: Vec<String> = lines
        .map(|l| l.split(',').nth(2).unwrap().to_owned())
        .collect();
    assert_eq!(emails.len(), 1_050, "every member, once");
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 1_050, "no member twice");
}
