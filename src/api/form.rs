//! Success notices for forms posted without JavaScript: the browser is sent back to the page it
//! came from with `?saved=<key>`, which `components::form_fields::form_state` reads. With
//! JavaScript the action's value says the same and nothing is redirected.

/// Marks a plain-form (no JavaScript) post as saved under `key`; call it last in a server fn
/// that succeeded. Does nothing for requests from the WASM client or API clients.
#[cfg(feature = "ssr")]
pub fn saved(key: &str) {
    use axum::http::{HeaderMap, header};
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return;
    };
    let headers: &HeaderMap = &parts.headers;
    let accepts_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    if let (true, Some(referer)) = (accepts_html, referer) {
        leptos_axum::redirect(&with_saved(referer, key));
    }
}

/// `page` (a same-origin URL) as a path with `saved=<key>`, dropping an earlier error or notice.
#[cfg(feature = "ssr")]
fn with_saved(page: &str, key: &str) -> String {
    let Ok(mut url) = url::Url::parse(page) else {
        return "/".into();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "__err" | "__path" | "saved"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("saved", key);
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::with_saved;

    #[test]
    fn keeps_the_page_and_its_query_but_not_old_notices() {
        assert_eq!(
            with_saved(
                "http://x/settings/users?tab=a&saved=old&__err=e&__path=p",
                "user"
            ),
            "/settings/users?tab=a&saved=user"
        );
        assert_eq!(
            with_saved("http://x/catalog", "product"),
            "/catalog?saved=product"
        );
    }
}
