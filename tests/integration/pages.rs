use crate::support::TestApp;
use enrich::components::nav::SECTIONS;

#[tokio::test]
async fn every_nav_section_renders_inside_the_layout() {
    let app = TestApp::new().await;
    for (path, label) in SECTIONS {
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
