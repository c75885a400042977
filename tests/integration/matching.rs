//! Record matching over HTTP: two overlapping CSV imports whose duplicates share no
//! identifier, the full run merging the sure pairs and queueing the doubtful ones, review
//! decisions (approve, reject, undo) that are never proposed again, roles, the CSV, manual
//! merges and incremental matching of new records.
use crate::{
    imports::{finished, upload},
    support::TestApp,
};
use enrich::{model::access::Role, server::matching::synth};
use futures::TryStreamExt;
use mongodb::bson::doc;
use serde_json::Value;
use std::time::Duration;

const CRM_MAPPING: &str = "[columns]\nid = \"external:crm_id\"\nfirst = \"trait:firstName\"\nlast = \"trait:lastName\"\nbirth = \"trait:birthday\"\nstreet = \"trait:street\"\npostcode = \"trait:postcode\"\ncity = \"trait:city\"\n";
const LEGACY_MAPPING: &str = "[columns]\nref = \"external:legacy_id\"\nname = \"trait:name\"\nbirth = \"trait:birthday\"\nstreet = \"trait:street\"\npostcode = \"trait:postcode\"\ncity = \"trait:city\"\n";

/// Generated people with corrupted copies and look-alikes (the truth kept aside), split by the
/// layout their system writes: given and family names (CRM) or one name field (legacy).
fn background() -> (String, String) {
    let (mut crm, mut legacy) = (String::new(), String::new());
    for (n, r) in synth::generate(600, 5).into_iter().enumerate() {
        let f = |k: &str| {
            r.fields
                .get(k)
                .cloned()
                .unwrap_or_default()
                .replace(',', " ")
        };
        let place = format!(
            "{},{},{}",
            f("address.street"),
            f("address.postalCode"),
            f("address.city")
        );
        if f("name").is_empty() {
            crm.push_str(&format!(
                "B{n},{},{},{},{place}\n",
                f("firstName"),
                f("lastName"),
                f("birthday")
            ));
        } else {
            legacy.push_str(&format!("B{n},{},{},{place}\n", f("name"), f("birthday")));
        }
    }
    (crm, legacy)
}

/// The CRM: the people of the story, then the background.
fn crm_csv() -> String {
    let mut csv = String::from("id,first,last,birth,street,postcode,city\n");
    csv.push_str("C1,Minjun,Kim,1985-03-02,12 Seoul-ro,04524,Seoul\n");
    csv.push_str("C2,Katherine,Pereira,1979-11-23,45 Rua Augusta,11000,Lisbon\n");
    csv.push_str("C3,Daniel,Choi,1968-06-17,9 Teheran-ro,06236,Seoul\n");
    csv + &background().0
}

/// The legacy system: the same people written its way, a relative who is someone else, then
/// the background.
fn legacy_csv() -> String {
    let mut csv = String::from("ref,name,birth,street,postcode,city\n");
    // Kim Min-jun: family name first, day-first date, the street written together.
    csv.push_str("L1,KIM Min-jun,02.03.1985,12 Seoulro,04524,Seoul\n");
    // Kate Pereira: a nickname, one digit off in the birth date, moved house.
    csv.push_str("L2,Kate Perreira,1979-11-28,,,\n");
    // Daniel Choi's father: same family name and address, another person.
    csv.push_str("L3,Sunghoon Choi,1941-02-09,9 Teheran-ro,06236,Seoul\n");
    csv + &background().1
}

async fn import(app: &TestApp, source: &str, mapping: &str, csv: &str) {
    let fields = [
        ("source", None, source),
        ("mapping", None, mapping),
        ("file", Some("people.csv"), csv),
    ];
    let reply = upload(app, &fields, "application/json").await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let status = finished(app, reply.json()["id"].as_str().unwrap()).await;
    assert_eq!(status["error_count"], 0, "{status}");
}

async fn configure(app: &TestApp) {
    let reply = app
        .call(
            "/api/matching/save",
            &[
                ("form[paths][given_name]", "firstName"),
                ("form[paths][family_name]", "lastName"),
                ("form[paths][full_name]", "name"),
                ("form[paths][birth_date]", "birthday"),
                ("form[paths][address]", "street"),
                ("form[paths][postcode]", "postcode"),
                ("form[paths][city]", "city"),
                ("form[paths][phone]", "phone"),
                ("form[paths][email]", "email"),
                ("form[review_at]", "50"),
                ("form[auto_merge_at]", "99"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Runs the full job and waits for it.
async fn run(app: &TestApp) -> Value {
    let reply = app.call("/api/matching/run", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    for _ in 0..600 {
        let status = app.call("/api/matching/status", &[]).await.json();
        if status["state"] != "running" {
            assert_eq!(status["state"], "done", "{status}");
            return status["summary"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the matching run did not finish");
}

async fn external_profile(app: &TestApp, key: &str) -> String {
    let doc = app
        .state
        .ingest
        .graph
        .identities
        .owners(&[key.to_owned()])
        .await
        .unwrap();
    let id = doc
        .into_values()
        .next()
        .unwrap_or_else(|| panic!("{key} has no profile"));
    app.state
        .ingest
        .graph
        .live_profile_id(id)
        .await
        .unwrap()
        .to_hex()
}

/// Waits until the background matcher has taken every queued profile (it is idle then).
pub async fn until_rematched(app: &TestApp) {
    let queue = &app.state.ingest.graph.match_queue;
    for _ in 0..400 {
        if queue.waiting().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the background matcher did not drain its queue in 20 s");
}

/// Every pair with `decision`, page by page.
async fn pairs(app: &TestApp, decision: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 0.. {
        let page = page.to_string();
        let reply = app
            .call(
                "/api/matching/pairs",
                &[("decision", decision), ("page", &page)],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let found = reply.json()["pairs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if found.is_empty() {
            break;
        }
        all.extend(found);
    }
    all
}

fn involves(pair: &Value, a: &str, b: &str) -> bool {
    let (l, r) = (
        pair["left"]["id"].as_str().unwrap(),
        pair["right"]["id"].as_str().unwrap(),
    );
    (l == a && r == b) || (l == b && r == a)
}

#[tokio::test]
async fn two_overlapping_imports_merge_the_sure_pairs_and_queue_the_doubtful_ones() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    let summary = run(&app).await;
    assert!(
        summary["candidate_pairs"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert!(summary["auto_merged"].as_u64().unwrap() > 0, "{summary}");
    // The run clears the pairs of the profiles it merged away: none waits for review (once the
    // background worker, which rematches the survivors and may merge more, is idle again).
    until_rematched(&app).await;
    let pending: Vec<mongodb::bson::Document> = app
        .db
        .collection("match_pairs")
        .find(doc! { "decision": "pending" })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let sides: Vec<_> = pending
        .iter()
        .flat_map(|p| [p.get_object_id("a").unwrap(), p.get_object_id("b").unwrap()])
        .collect();
    assert!(!sides.is_empty());
    assert_eq!(
        app.count(
            "profiles",
            doc! { "_id": { "$in": sides }, "status": { "$ne": "live" } }
        )
        .await,
        0,
        "a pending pair names a merged profile"
    );

    // Kim Min-jun is one person again: both systems' ids lead to one live profile.
    let (kim, kim_legacy) = (
        external_profile(&app, "external:crm_id:C1").await,
        external_profile(&app, "external:legacy_id:L1").await,
    );
    let all = pairs(&app, "all").await;
    let kims: Vec<&Value> = all
        .iter()
        .filter(|p| involves(p, &kim, &kim_legacy))
        .collect();
    assert_eq!(kim, kim_legacy, "{summary} {kims:#?}");
    // Daniel Choi and his father stay two people.
    let (daniel, father) = (
        external_profile(&app, "external:crm_id:C3").await,
        external_profile(&app, "external:legacy_id:L3").await,
    );
    assert_ne!(daniel, father);
    // Kate Pereira waits for a steward, with the evidence that says why.
    let (kate, kate_legacy) = (
        external_profile(&app, "external:crm_id:C2").await,
        external_profile(&app, "external:legacy_id:L2").await,
    );
    assert_ne!(
        kate, kate_legacy,
        "a doubtful pair is not merged on its own"
    );
    let queue = pairs(&app, "pending").await;
    let pair = queue
        .iter()
        .find(|p| involves(p, &kate, &kate_legacy))
        .unwrap_or_else(|| panic!("Kate is queued: {queue:#?}"));
    let evidence = pair["evidence"].as_array().unwrap();
    let given = evidence.iter().find(|e| e["path"] == "firstName").unwrap();
    assert_eq!(given["level"], "nickname or sounds alike");
    assert_eq!(given["outcome"], "partial");
    let email = evidence.iter().find(|e| e["path"] == "email").unwrap();
    assert_eq!(
        email["outcome"], "missing",
        "missing is unknown, never disagreement"
    );
    assert_eq!(email["weight"], 0.0);
    assert!(
        !queue.iter().any(|p| involves(p, &daniel, &father)),
        "the father is not proposed"
    );

    // Each of the run's auto-merges is audited with the score and the reason, in the name of
    // whoever started the run.
    let audited = doc! {
        "action": "match.merge",
        "role": "admin",
        "detail": { "$regex": "auto_merged at score .* \\(driven by " },
    };
    assert!(
        app.count("audit", audited).await >= summary["auto_merged"].as_u64().unwrap(),
        "{summary}"
    );
}

#[tokio::test]
async fn approved_rejected_and_unmerged_pairs_are_never_proposed_again() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    run(&app).await;
    let queue = pairs(&app, "pending").await;
    // Two pairs of four different people: approving the first must leave the second pending.
    let sides = |p: &Value| [p["left"]["id"].clone(), p["right"]["id"].clone()];
    let apart = queue
        .iter()
        .skip(1)
        .find(|p| sides(p).iter().all(|side| !sides(&queue[0]).contains(side)))
        .unwrap_or_else(|| panic!("two unrelated pairs are queued: {queue:#?}"));
    let (first, second) = (
        queue[0]["id"].as_str().unwrap().to_owned(),
        apart["id"].as_str().unwrap().to_owned(),
    );

    let steward = app.as_role(Role::Steward).await;
    let approved = steward
        .call(
            "/api/matching/decide",
            &[("pair", &first), ("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let again = steward
        .call(
            "/api/matching/decide",
            &[("pair", &first), ("decision", "reject")],
        )
        .await;
    assert_eq!(
        again.status, 409,
        "a decided pair cannot be decided again: {}",
        again.body
    );
    let rejected = steward
        .call(
            "/api/matching/decide",
            &[("pair", &second), ("decision", "reject")],
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);

    let merged = pairs(&app, "approved").await;
    let merge_id = merged
        .iter()
        .find(|p| p["id"] == first.as_str())
        .and_then(|p| p["merge"].as_str())
        .expect("the approved pair names its merge")
        .to_owned();
    let undo = steward
        .call("/api/profiles/unmerge", &[("merge_id", &merge_id)])
        .await;
    assert_eq!(undo.status, 200, "{}", undo.body);
    assert!(
        pairs(&app, "unmerged")
            .await
            .iter()
            .any(|p| p["id"] == first.as_str())
    );

    let summary = run(&app).await;
    assert!(
        summary["settled_skipped"].as_u64().unwrap() >= 2,
        "{summary}"
    );
    let queue = pairs(&app, "pending").await;
    assert!(
        !queue
            .iter()
            .any(|p| p["id"] == first.as_str() || p["id"] == second.as_str()),
        "settled pairs stay settled"
    );
    assert_eq!(
        app.count("audit", doc! { "action": "match.reject" }).await,
        1
    );
}

#[tokio::test]
async fn roles_without_personal_data_see_the_queue_masked_and_cannot_decide() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    run(&app).await;
    let marketer = app.as_role(Role::Marketer).await;
    let page = marketer.call("/api/matching/pairs", &[]).await.json();
    assert_eq!(page["masked"], true);
    assert_eq!(page["can_decide"], false);
    let text = page.to_string();
    for secret in ["Katherine", "Kate", "Pereira", "Rua Augusta", "1979"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked to a marketer: {text}"
        );
    }
    let key = page["pairs"][0]["id"].as_str().unwrap().to_owned();
    for role in [Role::Marketer, Role::Analyst, Role::Support] {
        let user = app.as_role(role).await;
        let reply = user
            .call(
                "/api/matching/decide",
                &[("pair", &key), ("decision", "approve")],
            )
            .await;
        assert_eq!(reply.status, 403, "{role:?} decided");
        assert_eq!(user.call("/api/matching/run", &[]).await.status, 403);
    }
    let csv = marketer.get("/matching/pairs.csv").await;
    assert_eq!(csv.status, 200);
    assert!(!csv.body.contains("Pereira"));
    let steward = app.as_role(Role::Steward).await;
    let page = steward.call("/api/matching/pairs", &[]).await.json();
    assert_eq!(
        (page["masked"].clone(), page["can_decide"].clone()),
        (Value::Bool(false), Value::Bool(true))
    );
    // The legacy system has one name field: the given and family names compared from it are
    // shown from it, not as missing.
    // A phone is weighed at the same address or elsewhere: each pair shows the one reading
    // that applies (Kate moved: elsewhere).
    for pair in page["pairs"].as_array().unwrap() {
        let phones: Vec<&str> = pair["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["path"].as_str().filter(|p| p.starts_with("phone")))
            .collect();
        assert_eq!(phones.len(), 1, "{pair}");
        assert_eq!(
            pair["left"]["values"].as_array().unwrap().len(),
            pair["evidence"].as_array().unwrap().len()
        );
    }
    let shown = page.to_string();
    assert!(shown.contains("phone (elsewhere)"), "{shown}");
    // (Any legacy pair: which of them the first page holds depends on the background worker.)
    assert!(
        shown.contains(" (whole name)"),
        "the whole name is shown where the names came from: {shown}"
    );
    // Settings stay the admins': a steward runs matching but does not change its thresholds.
    assert_eq!(
        steward
            .call("/api/matching/save", &[("form[review_at]", "10")])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_csv_lists_every_pair_with_both_sides_identifiers_in_stable_columns() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    run(&app).await;
    let csv = app.get("/matching/pairs.csv").await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "pair_id,profile_a,profile_b,score,weight,band,decision,decided_by,decided_at,a_user_ids,a_emails,a_phones,a_external_ids,b_user_ids,b_emails,b_phones,b_external_ids"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter().any(|r| r.contains("auto_merged")
            && r.contains("crm_id:C1")
            && r.contains("legacy_id:L1")),
        "{rows:#?}"
    );
    assert!(rows.iter().any(|r| r.contains(",pending,")));
    assert_eq!(
        app.count("audit", doc! { "action": "matching.export" })
            .await,
        1
    );
}

#[tokio::test]
async fn a_steward_merges_two_customers_by_hand_and_it_can_be_undone() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    let (a, b) = (
        external_profile(&app, "external:crm_id:C3").await,
        external_profile(&app, "external:legacy_id:L3").await,
    );
    let steward = app.as_role(Role::Steward).await;
    let same = steward
        .call("/api/matching/merge", &[("id", &a), ("other", &a)])
        .await;
    assert_eq!(same.status, 400, "{}", same.body);
    let reply = steward
        .call("/api/matching/merge", &[("id", &a), ("other", &b)])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        external_profile(&app, "external:crm_id:C3").await,
        external_profile(&app, "external:legacy_id:L3").await
    );
    let approved = pairs(&app, "approved").await;
    let pair = approved
        .iter()
        .find(|p| involves(p, &a, &b))
        .expect("the manual merge is recorded as an approved pair");
    let undo = steward
        .call(
            "/api/profiles/unmerge",
            &[("merge_id", pair["merge"].as_str().unwrap())],
        )
        .await;
    assert_eq!(undo.status, 200, "{}", undo.body);
    assert_ne!(
        external_profile(&app, "external:crm_id:C3").await,
        external_profile(&app, "external:legacy_id:L3").await
    );
    let marketer = app.as_role(Role::Marketer).await;
    assert_eq!(
        marketer
            .call("/api/matching/merge", &[("id", &a), ("other", &b)])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn a_record_arriving_after_a_run_is_matched_in_the_background() {
    let app = TestApp::new().await;
    configure(&app).await;
    import(&app, "crm", CRM_MAPPING, &crm_csv()).await;
    run(&app).await;
    import(&app, "legacy", LEGACY_MAPPING, &legacy_csv()).await;
    until_rematched(&app).await;
    let mut merged = false;
    for _ in 0..100 {
        merged = external_profile(&app, "external:crm_id:C1").await
            == external_profile(&app, "external:legacy_id:L1").await;
        if merged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        merged,
        "the new legacy record of Kim Min-jun merged without a full run"
    );
}
