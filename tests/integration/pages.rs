use crate::support::TestApp;
use enrich::components::nav::SECTIONS;

#[tokio::test]
async fn every_nav_section_renders_inside_the_layout() {
    let app = TestApp::new().await;
    for (path, label, _) in SECTIONS {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains(&format!("<h1>{label}</h1>")),
            "{path} lacks its heading"
        );
        assert!(
            page.body.contains(r#"aria-label="Main""#),
            "{path} lacks the nav"
        );
        assert!(
            page.body.contains("/pkg/enrich.css"),
            "{path} lacks the stylesheet"
        );
    }
}

#[tokio::test]
async fn customers_page_shows_an_empty_state_then_the_customer() {
    let app = TestApp::new().await;
    let empty = app.get("/customers").await;
    assert!(empty.body.contains("No customers yet"), "{}", empty.body);

    let added = app
        .call(
            "/api/customers/add",
            &[("name", "Dee"), ("email", "dee@example.com")],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let page = app.get("/customers").await;
    assert!(
        page.body.contains("<td>dee@example.com</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<td data-testid="last-seen">never</td>"#),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn unknown_address_is_a_404_page() {
    let app = TestApp::new().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"));
    // Signed out, an unknown address (a route nobody listed) asks for sign-in first.
    let visitor = app.anonymous().get("/no/such/page").await;
    assert_eq!(visitor.status, 303);
    let location = visitor.headers.get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
    // Assets are public: served when built (200), or not found — never sent to sign in.
    let asset = app.anonymous().get("/favicon.svg").await.status;
    assert!(matches!(asset.as_u16(), 200 | 404), "{asset}");
}

#[tokio::test]
async fn dashboard_counts_profiles_and_draws_the_chart() {
    let app = TestApp::new().await;
    app.call(
        "/api/customers/add",
        &[("name", "Eve"), ("email", "eve@example.com")],
    )
    .await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"data-testid="kpi-profiles" class="kpi-value">1</p>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg"), "chart missing");
    assert!(page.body.contains("Show data table"));
}

#[tokio::test]
async fn an_empty_dashboard_offers_demo_data_once() {
    let app = TestApp::new().await;
    let empty = app.get("/").await;
    assert!(empty.body.contains("demo-offer"), "{}", empty.body);
    let loaded = app.call("/api/dashboard/demo", &[]).await;
    assert_eq!(loaded.status, 200, "{}", loaded.body);
    let profiles: u64 = loaded.body.trim().parse().unwrap();
    assert!(profiles > 0);
    let with_email = app
        .count(
            "identities",
            mongodb::bson::doc! { "_id": { "$regex": "^email:" } },
        )
        .await;
    assert!(
        with_email <= enrich::api::dashboard::DEMO_CUSTOMERS as u64,
        "one email identity per demo person at most"
    );
    let page = app.get("/").await;
    assert!(
        !page.body.contains("demo-offer"),
        "offered only on an empty database"
    );
    let again = app.call("/api/dashboard/demo", &[]).await;
    assert_eq!(again.status, 409, "{}", again.body);
}

/// Building a router used to generate the route list by rendering the app with resource loading
/// suspended for the whole process: a page rendering meanwhile on another thread waited forever
/// for its resources (the sign-in page's typed-email resource). Routers share one route list now.
#[test]
fn pages_keep_rendering_while_other_routers_are_built() {
    use std::time::Duration;
    let (done, finished) = std::sync::mpsc::channel();
    let renderer = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let app = TestApp::new().await;
            for round in 0..150 {
                let page = tokio::time::timeout(Duration::from_secs(10), app.get("/login")).await;
                assert!(
                    page.is_ok_and(|p| p.status == 200),
                    "/login hung at {round}"
                );
            }
        });
        let _ = done.send(());
    });
    let builder = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    builder.block_on(async {
        let db = crate::support::fresh_db().await;
        while finished.try_recv().is_err() && !renderer.is_finished() {
            let state = crate::support::keyring_state(&db, &Default::default());
            drop(enrich::server::router(state));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    renderer.join().expect("the renderer never hung");
}
