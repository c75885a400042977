//! The customers list: any identifier, name prefix, filters, sorts, cursor pages, bad input.
use crate::support::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const LIST: &str = "/api/customers/list";

async fn seed(app: &TestApp) {
    let web = app.write_key("web").await;
    let crm = app.write_key("crm").await;
    let mut web_batch = Vec::new();
    let mut crm_batch = Vec::new();
    for n in 0..120 {
        let name = format!("{} Person{n:03}", if n % 2 == 0 { "Alma" } else { "Bruno" });
        let mut traits = json!({"name": name, "email": format!("p{n}@example.com")});
        if n % 10 == 0 {
            traits["plan"] = json!("gold");
        }
        let message = json!({"type": "identify", "userId": format!("user-{n}"), "messageId": format!("m{n}"),
            "timestamp": format!("2026-03-{:02}T12:00:00Z", 1 + n % 28), "traits": traits});
        if n < 100 {
            web_batch.push(message)
        } else {
            crm_batch.push(message)
        }
    }
    let phone = json!({"type": "identify", "userId": "user-phone", "messageId": "mp",
        "traits": {"name": "Chae Phone", "phone": "+1 650-253-0000"},
        "context": {"externalIds": [{"type": "zendesk", "id": "ZD-77"}]}});
    crm_batch.push(phone);
    assert_eq!(
        app.track("/v1/batch", &web, &json!({"batch": web_batch}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.track("/v1/batch", &crm, &json!({"batch": crm_batch}))
            .await
            .status,
        200
    );
    // Identify calls are not activity: give the first ten a page view in April.
    for n in 0..10 {
        let page = json!({"userId": format!("user-{n}"), "messageId": format!("pv{n}"), "timestamp": "2026-04-02T10:00:00Z"});
        app.track("/v1/page", &web, &page).await;
    }
}

async fn search(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let form: Vec<(String, &str)> = params
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), *v))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let reply = app.call(LIST, &form).await;
    assert_eq!(reply.status, 200, "{params:?}: {}", reply.body);
    reply.json()
}

fn names(list: &Value) -> Vec<String> {
    list["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn any_identifier_or_a_name_prefix_finds_the_customer() {
    let app = TestApp::new().await;
    seed(&app).await;
    for q in [
        "P7@Example.com",
        "user-7",
        "Bruno Person007",
        "bruno person00",
    ] {
        let found = search(&app, &[("q", q)]).await;
        assert!(
            names(&found).contains(&"Bruno Person007".to_owned()),
            "{q}: {found}"
        );
    }
    for q in [
        "+16502530000",
        "(650) 253-0000",
        "zendesk:ZD-77",
        "user-phone",
    ] {
        let found = search(&app, &[("q", q)]).await;
        assert_eq!(names(&found), vec!["Chae Phone"], "{q}");
    }
    assert_eq!(search(&app, &[("q", "alma")]).await["total"], 60);
    assert_eq!(search(&app, &[("q", "nobody-here")]).await["total"], 0);
    assert_eq!(
        search(&app, &[("q", "(.*")]).await["total"],
        0,
        "regex characters are literal"
    );
}

#[tokio::test]
async fn filters_and_sorts_combine_and_cursor_pages_cover_everything_once() {
    let app = TestApp::new().await;
    seed(&app).await;
    assert_eq!(search(&app, &[("source", "crm")]).await["total"], 21);
    assert_eq!(search(&app, &[("has_trait", "plan")]).await["total"], 12);
    assert_eq!(
        search(
            &app,
            &[("seen_from", "2026-04-01"), ("seen_to", "2026-04-02")]
        )
        .await["total"],
        10
    );
    assert_eq!(search(&app, &[("seen_to", "2026-03-31")]).await["total"], 0);
    let active = search(&app, &[("sort", "last_seen")]).await;
    assert_eq!(
        active["total"], 10,
        "never-active profiles are left out of that order"
    );
    for sort in ["created", "name"] {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut after = String::new();
        loop {
            let page = search(&app, &[("sort", sort), ("after", &after)]).await;
            assert_eq!(page["total"], 121);
            for c in page["customers"].as_array().unwrap() {
                assert!(
                    seen.insert(c["id"].as_str().unwrap().to_owned()),
                    "{sort}: a row twice"
                );
                order.push(c["name"].as_str().unwrap().to_owned());
            }
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 121, "{sort}: every profile once");
        if sort == "name" {
            let mut sorted = order.clone();
            sorted.sort_by_key(|n| n.to_lowercase());
            assert_eq!(order, sorted);
        }
    }
}

#[tokio::test]
async fn bad_filters_are_400s_naming_the_field() {
    let app = TestApp::new().await;
    for (field, value) in [
        ("has_trait", "a.b"),
        ("has_trait", "$where"),
        ("seen_from", "April"),
        ("sort", "random"),
        ("after", "nonsense"),
    ] {
        let form = [(format!("query[{field}]"), value)];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let reply = app.call(LIST, &form).await;
        assert_eq!(reply.status, 400, "{field}={value}: {}", reply.body);
        assert_eq!(reply.json()["field"], field);
    }
}

/// Item 13: any word of the name, without regard to case or accents, for roles that read
/// personal data; masked roles keep today's rule (the whole name only).
#[tokio::test]
async fn item_13_search_matches_any_word_of_the_name_ignoring_case_and_accents() {
    let app = TestApp::new().await;
    let web = app.write_key("web").await;
    let people = [
        "Ana García",
        "John Smith",
        "Kim Min-jun",
        "Min-jun Kim",
        "Zoë Smithson",
    ];
    let batch: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(n, name)| {
            json!({"type": "identify", "userId": format!("w{n}"),
            "messageId": format!("w{n}"), "traits": {"name": name}})
        })
        .collect();
    let sent = app.track("/v1/batch", &web, &json!({"batch": batch})).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let sorted = |list: Value| {
        let mut n = names(&list);
        n.sort();
        n
    };
    for (q, expected) in [
        ("garcia", vec!["Ana García"]),
        ("GARCÍA", vec!["Ana García"]),
        ("Smith", vec!["John Smith", "Zoë Smithson"]),
        ("kim", vec!["Kim Min-jun", "Min-jun Kim"]),
        ("zoe", vec!["Zoë Smithson"]),
        ("jun kim", vec!["Kim Min-jun", "Min-jun Kim"]),
        ("ana garcia", vec!["Ana García"]),
    ] {
        assert_eq!(sorted(search(&app, &[("q", q)]).await), expected, "{q}");
    }
    let marketer = app.as_role(enrich::model::access::Role::Marketer).await;
    let masked = |q: &'static str| {
        let marketer = marketer.clone();
        async move { search(&marketer, &[("q", q)]).await["total"].clone() }
    };
    assert_eq!(
        masked("ana garcia").await,
        1,
        "the whole name, accents aside"
    );
    assert_eq!(
        masked("garcia").await,
        0,
        "one word does not probe a masked name"
    );
    assert_eq!(masked("ana garc").await, 0, "nor does a prefix");
}
