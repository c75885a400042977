//! Item 16: every HTML page carries the security headers, and a Content-Security-Policy whose
//! script nonce is the one on every script of the page.
use crate::support::{Reply, TestApp};
use enrich::model::access::Role;

/// The nonce the policy allows scripts with; checks the rest of the policy on the way.
fn policy_nonce(reply: &Reply) -> String {
    let policy = reply.headers["content-security-policy"].to_str().unwrap();
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {policy}"));
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let nonce = script_src
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    nonce.to_owned()
}

/// Every `<script …>` opening tag of `html`, except JSON data blocks (never run, so outside
/// the policy's reach).
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .filter_map(|(at, _)| html[at..].find('>').map(|end| &html[at..at + end + 1]))
        .filter(|tag| !tag.contains("type=\"application/json\""))
        .collect()
}

fn assert_secure_page(reply: &Reply) {
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        reply.headers
    );
    assert_eq!(reply.headers["x-frame-options"], "DENY");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        reply.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    let nonce = policy_nonce(reply);
    let scripts = script_tags(&reply.body);
    assert!(!scripts.is_empty(), "the hydration script is on the page");
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} lacks nonce {nonce}"
        );
    }
}

#[tokio::test]
async fn item_16_html_pages_carry_security_headers_and_the_nonce_on_every_script() {
    let app = TestApp::new().await;
    let login = app.anonymous().get("/login").await;
    assert_eq!(login.status, 200);
    assert_secure_page(&login);
    let dashboard = app.get("/").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert_secure_page(&dashboard);
    assert_ne!(
        policy_nonce(&login),
        policy_nonce(&dashboard),
        "a fresh nonce per response"
    );
    let missing = app.get("/no-such-page").await;
    assert_secure_page(&missing);
    let support = app.as_role(Role::Support).await;
    assert_secure_page(&support.get("/customers").await);
}
