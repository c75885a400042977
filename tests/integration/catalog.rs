//! The product catalog: validation through the editor's save, list filters, imports (idempotent
//! by product id, line-level errors), e-commerce events linked to products with unknown SKUs
//! counted, and recommendations kept up to date by events.
use crate::{imports::multipart, support::TestApp};
use axum::{body::Body, http::Request};
use mongodb::bson::doc;
use serde_json::{Value, json};
use std::time::Duration;

/// A variant row: SKU, price as typed, currency, stock.
type Row<'a> = (&'a str, &'a str, &'a str, &'a str);

fn product_form(id: &str, name: &str, locale: &str, rows: &[Row]) -> Vec<(String, String)> {
    let mut form = vec![
        ("form[id]".to_owned(), id.to_owned()),
        ("form[name]".to_owned(), name.to_owned()),
        ("form[locale]".to_owned(), locale.to_owned()),
        ("form[attributes]".to_owned(), "brand = Acme".to_owned()),
    ];
    for (i, (sku, price, currency, stock)) in rows.iter().enumerate() {
        for (field, value) in [
            ("id", sku),
            ("price", price),
            ("currency", currency),
            ("stock", stock),
        ] {
            form.push((format!("form[variants][{i}][{field}]"), (*value).to_owned()));
        }
    }
    form
}

async fn save(
    app: &TestApp,
    editing: Option<&str>,
    form: &[(String, String)],
) -> crate::support::Reply {
    let mut pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if let Some(id) = editing {
        pairs.push(("id", id));
    }
    app.call("/api/catalog/save", &pairs).await
}

async fn create(app: &TestApp, id: &str, locale: &str, rows: &[Row<'_>]) {
    let reply = save(
        app,
        None,
        &product_form(id, &format!("The {id}"), locale, rows),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn field_error(reply: &crate::support::Reply) -> (u16, String) {
    (
        reply.status.as_u16(),
        reply.json()["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn the_editor_checks_every_rule_names_the_field_and_stores_nothing_broken() {
    let app = TestApp::new().await;
    create(
        &app,
        "tee",
        "en-US",
        &[("TEE-S", "19.99", "eur", "3"), ("TEE-M", "21", "EUR", "0")],
    )
    .await;
    let cases: [(&[Row], &str); 5] = [
        (&[("X-1", "-1", "EUR", "1")], "variants[0].price"),
        (&[("X-1", "1", "EURO", "1")], "variants[0].currency"),
        (&[("X-1", "1.234", "EUR", "1")], "variants[0].price"),
        (&[("X-1", "1", "EUR", "-4")], "variants[0].stock"),
        (
            &[("X-1", "1", "EUR", "1"), ("X-1", "2", "EUR", "1")],
            "variants[1].id",
        ),
    ];
    for (rows, field) in cases {
        let reply = save(&app, None, &product_form("other", "Other", "", rows)).await;
        assert_eq!(
            field_error(&reply),
            (400, field.to_owned()),
            "{}",
            reply.body
        );
    }
    let mut colour = product_form("other", "Other", "", &[("X-1", "1", "EUR", "1")]);
    colour.push(("form[variants][0][display_color]".into(), "navy".into()));
    let reply = save(&app, None, &colour).await;
    assert_eq!(
        field_error(&reply),
        (400, "variants[0].display-color".into())
    );
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("#RRGGBB")
    );
    let taken = save(
        &app,
        None,
        &product_form("other", "Other", "", &[("TEE-M", "1", "EUR", "1")]),
    )
    .await;
    assert_eq!(
        field_error(&taken),
        (409, "variants[0].id".into()),
        "{}",
        taken.body
    );
    assert!(
        taken.body.contains("belongs to product tee"),
        "{}",
        taken.body
    );
    let again = save(
        &app,
        None,
        &product_form("tee", "Tee", "", &[("NEW-1", "1", "EUR", "1")]),
    )
    .await;
    assert_eq!(field_error(&again), (409, "id".into()));
    assert_eq!(
        app.count("products", doc! {}).await,
        1,
        "nothing broken was stored"
    );
    let tee = app.call("/api/catalog/get", &[("id", "tee")]).await.json();
    let variants = tee["product"]["variants"].as_array().unwrap();
    assert_eq!(
        (
            variants[0]["price"].as_i64(),
            variants[0]["currency"].as_str()
        ),
        (Some(1999), Some("EUR"))
    );
    assert_eq!(
        tee["product"]["brand"], "Acme",
        "extra attributes are kept: {tee}"
    );
    assert_eq!(tee["product"]["locale"], "en-US");
}

async fn list(app: &TestApp, query: &[(&str, &str)]) -> Vec<String> {
    let pairs: Vec<(String, &str)> = query
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), *v))
        .collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let reply = app.call("/api/catalog/list", &pairs).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.json()["items"].as_array().unwrap().clone();
    items
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_searches_and_filters_by_locale_stock_and_price() {
    let app = TestApp::new().await;
    create(&app, "tee", "en-US", &[("TEE-S", "19.99", "EUR", "3")]).await;
    create(&app, "mug", "de-DE", &[("MUG-1", "9.00", "EUR", "0")]).await;
    create(
        &app,
        "cap",
        "en-US",
        &[("CAP-1", "5", "EUR", "1"), ("CAP-2", "45", "EUR", "1")],
    )
    .await;
    assert_eq!(list(&app, &[]).await, ["cap", "mug", "tee"]);
    assert_eq!(list(&app, &[("locale", "en-US")]).await, ["cap", "tee"]);
    assert_eq!(list(&app, &[("in_stock", "true")]).await, ["cap", "tee"]);
    assert_eq!(
        list(&app, &[("min_price", "10"), ("max_price", "20")]).await,
        ["tee"]
    );
    assert_eq!(list(&app, &[("min_price", "40")]).await, ["cap"]);
    assert_eq!(list(&app, &[("q", "MUG")]).await, ["mug"]);
    assert_eq!(
        list(&app, &[("q", "CAP-2")]).await,
        ["cap"],
        "an exact SKU finds its product"
    );
    assert_eq!(
        list(&app, &[("q", ".*")]).await,
        Vec::<String>::new(),
        "search text is literal"
    );
    let reply = app
        .call("/api/catalog/list", &[("query[max_price]", "cheap")])
        .await;
    assert_eq!(field_error(&reply), (400, "max_price".into()));
    let page = app.call("/api/catalog/list", &[]).await.json();
    assert_eq!(page["locales"], json!(["de-DE", "en-US"]));
}

async fn import(app: &TestApp, file_name: &str, content: &str) -> Value {
    let (content_type, body) = multipart(&[("file", Some(file_name), content)]);
    let reply = app
        .send(
            Request::post("/catalog/import")
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let status = app.call("/api/catalog/import", &[("id", &id)]).await.json();
        if status["state"] != "running" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("catalog import {id} did not finish");
}

const JSONL: &str = r##"{"id":"tee","name":"Tee","locale":"en-US","brand":"Acme","variants":[{"id":"TEE-S","name":"S","stock":2,"display-color":"#112233","price":1999,"currency":"EUR"},{"id":"TEE-M","name":"M","stock":0,"price":1999,"currency":"EUR"}]}
{"id":"mug","name":"Mug","variants":[{"id":"MUG-1","price":900,"currency":"EUR","stock":4}]}
{"id":"bad","name":"Bad","variants":[{"id":"BAD-1","price":-5,"currency":"EUR"}]}

{"id":"worse","name":"Worse","variants":[{"id":"W-1","price":"free","currency":"EUR"}]}
{"id":"clash","name":"Clash","variants":[{"id":"MUG-1","price":100,"currency":"EUR"}]}
"##;

/// Every stored product document, as stored.
async fn stored_products(app: &TestApp) -> Vec<mongodb::bson::Document> {
    use futures::TryStreamExt;
    let found = app.db.collection("products").find(doc! {}).await.unwrap();
    found.try_collect().await.unwrap()
}

#[tokio::test]
async fn imports_are_idempotent_by_product_id_and_report_line_errors() {
    let app = TestApp::new().await;
    let first = import(&app, "catalog.jsonl", JSONL).await;
    assert_eq!(
        (first["state"].as_str(), first["total"].as_u64()),
        (Some("done"), Some(5)),
        "{first}"
    );
    assert_eq!(
        (first["imported"].as_u64(), first["error_count"].as_u64()),
        (Some(2), Some(3)),
        "{first}"
    );
    let errors: Vec<(u64, String)> = first["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors[0].0, 3);
    assert!(
        errors[0]
            .1
            .starts_with("variants[0].price: must be 0 or more"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, 5);
    assert!(errors[1].1.starts_with("variants[0].price:"), "{errors:?}");
    assert_eq!(errors[2].0, 6);
    assert!(errors[2].1.contains("belongs to product mug"), "{errors:?}");
    let before = stored_products(&app).await;
    let second = import(&app, "catalog.jsonl", JSONL).await;
    assert_eq!(
        (second["imported"].as_u64(), second["duplicates"].as_u64()),
        (Some(0), Some(2)),
        "{second}"
    );
    let after = stored_products(&app).await;
    assert_eq!(before, after, "a re-import writes nothing");
    let csv = "product_id,name,locale,sku,price,currency,stock,material\n\
               tee,Tee shirt,en-US,TEE-S,1999,EUR,5,cotton\n\
               tee,,,TEE-L,2199,EUR,1,\n";
    let changed = import(&app, "update.csv", csv).await;
    assert_eq!(
        (
            changed["imported"].as_u64(),
            changed["error_count"].as_u64()
        ),
        (Some(1), Some(0)),
        "{changed}"
    );
    let tee = app.call("/api/catalog/get", &[("id", "tee")]).await.json();
    let skus: Vec<&str> = tee["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        skus,
        ["TEE-S", "TEE-L"],
        "the file's version replaces the product: {tee}"
    );
    assert_eq!(tee["product"]["material"], "cotton");
    assert_eq!(app.count("products", doc! {}).await, 2);
}

async fn event(app: &TestApp, key: &str, user: &str, name: &str, properties: Value) {
    let body = json!({
        "userId": user, "event": name, "properties": properties,
        "messageId": mongodb::bson::oid::ObjectId::new().to_hex(),
        "context": { "locale": "en-US" },
    });
    let reply = app.track("/v1/track", key, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.settle().await;
}

#[tokio::test]
async fn ecommerce_events_are_linked_to_products_and_unknown_skus_are_counted() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    import(&app, "catalog.jsonl", JSONL).await;
    event(
        &app,
        &key,
        "ann",
        "Product Viewed",
        json!({ "sku": "TEE-M", "product_id": "tee" }),
    )
    .await;
    event(
        &app,
        &key,
        "ann",
        "Product Added",
        json!({ "product_id": "mug" }),
    )
    .await;
    let order = json!({ "products": [{ "sku": "MUG-1", "quantity": 2 }, { "sku": "GHOST-9" }, { "sku": "GHOST-9" }, { "product_id": "tee", "sku": "TEE-XXL" }] });
    event(&app, &key, "ann", "Order Completed", order).await;
    event(
        &app,
        &key,
        "ann",
        "Product Viewed",
        json!({ "sku": "NOPE-1" }),
    )
    .await;
    let links = |name: &str| {
        let db = app.db.clone();
        let name = name.to_owned();
        async move {
            let stored = db
                .collection::<mongodb::bson::Document>("events")
                .find_one(doc! { "event": &name })
                .await
                .unwrap()
                .unwrap();
            serde_json::to_value(stored.get_array("products").cloned().unwrap_or_default()).unwrap()
        }
    };
    assert_eq!(
        links("Product Viewed").await,
        json!([{ "product_id": "tee", "sku": "TEE-M" }])
    );
    assert_eq!(
        links("Product Added").await,
        json!([{ "product_id": "mug" }])
    );
    assert_eq!(
        links("Order Completed").await,
        json!([{ "product_id": "mug", "sku": "MUG-1" }, { "product_id": "tee" }])
    );
    let page = app.call("/api/catalog/list", &[]).await.json();
    let unknown: Vec<(String, i64)> = page["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["reference"].as_str().unwrap().to_owned(),
                u["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        [
            ("GHOST-9".to_owned(), 2),
            ("NOPE-1".to_owned(), 1),
            ("TEE-XXL".to_owned(), 1)
        ]
    );
    let activity = app.call("/api/catalog/get", &[("id", "mug")]).await.json()["activity"].clone();
    assert_eq!(activity, json!({ "views": 0, "adds": 1, "purchases": 1 }));
    create(&app, "ghost", "", &[("GHOST-9", "1", "EUR", "1")]).await;
    let page = app.call("/api/catalog/list", &[]).await.json();
    assert!(
        !page["unknown"].to_string().contains("GHOST-9"),
        "a product added is no longer unknown: {page}"
    );
    assert_eq!(
        app.count("events", doc! {}).await,
        4,
        "no event was refused"
    );
}

/// `GET /v1/recommendations/{user}` with server key `key`.
async fn recommendations_of(app: &TestApp, key: &str, user: &str) -> crate::support::Reply {
    let request = Request::get(format!("/v1/recommendations/{user}"))
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

/// The user's recommendations as (product, reason).
async fn recommended(app: &TestApp, key: &str, user: &str) -> Vec<(String, String)> {
    let reply = recommendations_of(app, key, user).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["productId"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Four shoppers view tee, then jeans, socks (sold out) and a French-only scarf; three buy tee
/// with a belt; four others look at mugs only.
async fn shoppers(app: &TestApp, key: &str) {
    for (id, locale, stock) in [
        ("tee", "en-US", "5"),
        ("jeans", "en", "5"),
        ("socks", "", "0"),
        ("scarf", "fr-FR", "5"),
        ("belt", "", "5"),
        ("mug", "", "5"),
        ("hat", "", "5"),
    ] {
        create(
            app,
            id,
            locale,
            &[(&format!("{id}-1").to_uppercase(), "10", "EUR", stock)],
        )
        .await;
    }
    let view = |sku: &str| json!({ "sku": sku });
    for shopper in ["o1", "o2", "o3", "o4"] {
        for sku in ["TEE-1", "JEANS-1", "SOCKS-1", "SCARF-1"] {
            event(app, key, shopper, "Product Viewed", view(sku)).await;
        }
    }
    for shopper in ["o1", "o2", "o3"] {
        let order = json!({ "products": [{ "sku": "TEE-1" }, { "sku": "BELT-1" }] });
        event(app, key, shopper, "Order Completed", order).await;
    }
    for shopper in ["m1", "m2", "m3", "m4"] {
        event(app, key, shopper, "Product Viewed", view("MUG-1")).await;
        event(app, key, shopper, "Product Added", view("MUG-1")).await;
    }
}

#[tokio::test]
async fn recommendations_follow_what_was_viewed_and_bought_together() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let reader = app.server_key("backend").await;
    shoppers(&app, &key).await;
    event(
        &app,
        &key,
        "target",
        "Product Viewed",
        json!({ "sku": "TEE-1" }),
    )
    .await;
    let list = recommended(&app, &reader, "target").await;
    let related: Vec<&str> = list
        .iter()
        .filter(|(_, r)| r == "related")
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        related,
        ["belt", "jeans"],
        "bought together outweighs viewed together: {list:?}"
    );
    let ids: Vec<&str> = list.iter().map(|(p, _)| p.as_str()).collect();
    assert!(!ids.contains(&"socks"), "sold out: {list:?}");
    assert!(!ids.contains(&"scarf"), "French only: {list:?}");
    assert!(!ids.contains(&"hat"), "never seen, not popular: {list:?}");
    assert!(
        list.iter().any(|(p, r)| p == "mug" && r == "popular"),
        "popular products fill up: {list:?}"
    );
    // Buying the belt takes it off the list at once.
    let order = json!({ "products": [{ "sku": "BELT-1" }] });
    event(&app, &key, "target", "Order Completed", order).await;
    let list = recommended(&app, &reader, "target").await;
    assert!(
        !list.iter().any(|(p, _)| p == "belt"),
        "already bought: {list:?}"
    );
    assert!(
        list.iter().any(|(p, r)| p == "jeans" && r == "related"),
        "{list:?}"
    );
    // A product sold out since is left out when served, before the next event re-ranks.
    let jeans = product_form("jeans", "The jeans", "en", &[("JEANS-1", "10", "EUR", "0")]);
    assert_eq!(save(&app, Some("jeans"), &jeans).await.status, 200);
    let list = recommended(&app, &reader, "target").await;
    assert!(!list.iter().any(|(p, _)| p == "jeans"), "{list:?}");
    // The 360 page's list and the product page's "also viewed".
    let profile = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.identities.iter().any(|i| i.key == "user_id:target"))
        .unwrap();
    let page = app
        .call(
            "/api/profiles/recommendations",
            &[("id", &profile.id.to_hex())],
        )
        .await
        .json();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        list.len(),
        "{page}"
    );
    assert!(page["refreshed_at"].is_string());
    let tee = app.call("/api/catalog/get", &[("id", "tee")]).await.json();
    let also: Vec<&str> = tee["also_viewed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        also.contains(&"scarf") && !also.contains(&"socks") && !also.contains(&"jeans"),
        "{also:?}"
    );
    assert_eq!(tee["bought_together"][0]["id"], "belt");
    // A customer with no product events yet gets the popular products.
    event(&app, &key, "newbie", "Signed Up", json!({})).await;
    let list = recommended(&app, &reader, "newbie").await;
    assert!(
        !list.is_empty() && list.iter().all(|(_, r)| r == "popular"),
        "{list:?}"
    );
    // Someone never seen gets the same start, not a 404 that would tell who exists.
    let unknown = recommendations_of(&app, &reader, "nobody").await;
    assert_eq!(unknown.status, 200, "{}", unknown.body);
    let reasons = unknown.json()["recommendations"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| r["reason"] == "popular"),
        "{reasons:?}"
    );
    let no_key = app.anonymous().get("/v1/recommendations/target").await;
    assert_eq!(no_key.status, 401);
}

#[tokio::test]
async fn campaign_templates_can_list_a_customers_recommendations() {
    let app = crate::campaign_support::app(&[]).await;
    let key = app.write_key("web").await;
    shoppers(&app, &key).await;
    let body = json!({ "userId": "target", "traits": { "email": "t@mail.test", "plan": "gold" } });
    assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    event(
        &app,
        &key,
        "target",
        "Product Viewed",
        json!({ "sku": "TEE-1" }),
    )
    .await;
    let rule = json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } });
    let gold = crate::segments::create(&app, "Gold", &rule).await;
    let mut form = crate::campaign_support::email_form("Picks", &gold);
    let template = "{% for p in recommendations[:2] %}{{ p.name }} {{ p.price | money(p.currency) }};{% endfor %}";
    crate::campaign_support::set(&mut form, "a_body", template);
    let saved = crate::campaign_support::save(&app, &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let id = saved.json().as_str().unwrap().to_owned();
    let target = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.email.as_deref() == Some("t@mail.test"))
        .unwrap();
    let preview = app
        .call(
            "/api/campaigns/preview",
            &[("id", &id), ("customer", &target.id.to_hex())],
        )
        .await
        .json();
    assert_eq!(
        preview["rendered"][0]["body"], "The belt €10.00;The jeans €10.00;",
        "{preview}"
    );
}

/// The live profile holding user id `user`.
async fn profile(app: &TestApp, user: &str) -> enrich::server::db::profiles::ProfileDoc {
    let key = format!("user_id:{user}");
    let live = app.live_profiles().await;
    live.into_iter()
        .find(|p| p.identities.iter().any(|i| i.key == key))
        .unwrap()
}

/// The worker keeps each person's product events and purchases on the profile; after a merge
/// it reads them again from the events, so what the absorbed side bought is never recommended.
#[tokio::test]
async fn recommendations_remember_purchases_across_batches_and_merges() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let reader = app.server_key("backend").await;
    shoppers(&app, &key).await;
    // On a phone, before signing in: an anonymous visitor buys the belt.
    let order = json!({ "type": "track", "anonymousId": "phone", "event": "Order Completed",
                        "properties": { "products": [{ "sku": "BELT-1" }] } });
    let reply = app
        .track("/v1/batch", &key, &json!({ "batch": [order] }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.settle().await;
    // Signed in on a laptop: views the tee (belt is related), then links the phone.
    event(
        &app,
        &key,
        "kim",
        "Product Viewed",
        json!({ "sku": "TEE-1" }),
    )
    .await;
    let before = recommended(&app, &reader, "kim").await;
    assert!(before.iter().any(|(p, _)| p == "belt"), "{before:?}");
    let memory = profile(&app, "kim")
        .await
        .product_memory
        .expect("kept by the worker");
    assert_eq!(memory.recent.len(), 1);
    assert!(memory.bought.is_empty());
    let link = json!({ "userId": "kim", "anonymousId": "phone" });
    assert_eq!(app.track("/v1/identify", &key, &link).await.status, 200);
    assert!(
        profile(&app, "kim").await.product_memory.is_none(),
        "read again after a merge"
    );
    event(
        &app,
        &key,
        "kim",
        "Product Viewed",
        json!({ "sku": "JEANS-1" }),
    )
    .await;
    let after = recommended(&app, &reader, "kim").await;
    assert!(
        !after.iter().any(|(p, _)| p == "belt"),
        "bought on the phone: {after:?}"
    );
    let memory = profile(&app, "kim")
        .await
        .product_memory
        .expect("kept by the worker");
    assert_eq!(memory.bought, ["belt"]);
    assert_eq!(
        memory.recent.len(),
        3,
        "both devices' product events: {memory:?}"
    );
    assert_eq!(app.count("recommend_queue", doc! {}).await, 0);
}
