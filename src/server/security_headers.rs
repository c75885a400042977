//! Security headers. Every response may not be framed (`X-Frame-Options: DENY`), is not
//! content-sniffed and sends referrers only to this origin in full. Every HTML page carries a
//! Content-Security-Policy: scripts only from this site and, inline, only with the nonce Leptos
//! puts on its hydration scripts for this response; WebAssembly may compile
//! (`'wasm-unsafe-eval'`); style sheets only from this site, style attributes allowed (charts
//! and bars size themselves with `style="width: …"`; attributes cannot run script).
use axum::{
    http::{
        HeaderMap, HeaderValue,
        header::{
            CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
            X_FRAME_OPTIONS,
        },
    },
    response::Response,
};

/// The policy for an HTML page. With `nonce`, inline scripts carrying it and this site's
/// scripts run; without, no script does. `sockets` are added to `connect-src`: the live
/// websocket's address for browsers whose `'self'` does not cover `ws:`/`wss:`.
pub fn content_security_policy(nonce: Option<&str>, sockets: &[String]) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'none'".to_owned(),
    };
    let sockets: String = sockets.iter().map(|s| format!(" {s}")).collect();
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data: https:; \
         connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The request's `Host`, if it is a plain host name or address with an optional port (so it
/// cannot smuggle anything into the policy).
pub fn plain_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then(|| host.to_owned())
}

/// Sets the page's policy with the nonce of this render (called while the shell renders, so
/// the header always names the nonce the page's scripts carry).
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let host = use_context::<axum::http::request::Parts>().and_then(|p| plain_host(&p.headers));
    let mut sockets: Vec<String> = host
        .iter()
        .flat_map(|h| [format!("ws://{h}"), format!("wss://{h}")])
        .collect();
    // `cargo leptos watch` reloads the page through a socket on its own port.
    if std::env::var_os("LEPTOS_WATCH").is_some() {
        sockets.extend(["ws:".to_owned(), "wss:".to_owned()]);
    }
    let nonce = leptos::nonce::use_nonce();
    let policy = content_security_policy(nonce.as_deref(), &sockets);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// Middleware: the headers every response gets, and a script-free policy for HTML that did not
/// set its own (pages not rendered by Leptos, such as the unsubscribe page).
pub async fn add(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        let policy = content_security_policy(None, &[]);
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_need_the_nonce_and_nothing_inline_is_unsafe_for_scripts() {
        let sockets = [
            "ws://cdp.example.com".to_owned(),
            "wss://cdp.example.com".to_owned(),
        ];
        let policy = content_security_policy(Some("abc"), &sockets);
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(policy.contains("connect-src 'self' ws://cdp.example.com wss://cdp.example.com;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        let script_src = policy
            .split(';')
            .find(|d| d.contains("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"));
        assert!(content_security_policy(None, &[]).contains("script-src 'none';"));
    }

    #[test]
    fn only_plain_hosts_reach_the_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert_eq!(plain_host(&headers).as_deref(), Some("127.0.0.1:3000"));
        headers.insert(HOST, HeaderValue::from_static("evil; script-src *"));
        assert_eq!(plain_host(&headers), None);
    }
}
