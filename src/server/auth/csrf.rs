//! CSRF protection for every state-changing request: it must come from enrich's own origin.
//!
//! Browsers send `Origin` on every cross-site and same-site POST (and `Referer` as a fallback);
//! a forged form on another site carries that site's origin and is refused before any handler
//! runs. The session cookie is also `SameSite=Lax`. The tracking API (`/v1/`) is exempt: it
//! authenticates with write keys, never with cookies.
use super::settings::AuthSettings;
use crate::error::AppError;
use axum::http::{HeaderMap, Method, header};

/// Refuses a state-changing request whose origin is not ours.
pub fn check(
    settings: &AuthSettings,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    // A websocket handshake is a GET, but the socket it opens acts with the session's rights
    // (cross-site websocket hijacking): browsers always send `Origin` on it, so check it.
    let websocket = path.starts_with("/ws/");
    if (!websocket && matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS))
        || path.starts_with("/v1/")
    {
        return Ok(());
    }
    if websocket && header_str(headers, header::ORIGIN).is_none() {
        return Ok(());
    }
    let Some(origin) = request_origin(headers) else {
        return Err(refused(
            "a state-changing request must carry an Origin or Referer header",
        ));
    };
    if is_own_origin(settings, &origin, headers) {
        Ok(())
    } else {
        Err(refused("the request came from another site"))
    }
}

/// Whether `origin` is enrich's own: the public URL when one is configured, else the `Host`
/// the request was sent to.
pub fn is_own_origin(settings: &AuthSettings, origin: &str, headers: &HeaderMap) -> bool {
    let origin = origin.trim_end_matches('/');
    match &settings.public_url {
        Some(url) => origin.eq_ignore_ascii_case(url.trim_end_matches('/')),
        None => host_of(origin).is_some_and(|host| Some(host) == header_str(headers, header::HOST)),
    }
}

fn refused(message: &str) -> AppError {
    AppError::CrossSite {
        message: message.to_owned(),
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `scheme://host[:port]` from `Origin`, or from `Referer` when `Origin` is absent.
fn request_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = header_str(headers, header::ORIGIN).filter(|o| *o != "null") {
        return Some(origin.trim_end_matches('/').to_owned());
    }
    let referer = header_str(headers, header::REFERER)?;
    let (scheme, rest) = referer.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{host}"))
}

fn host_of(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, host)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_posts_pass_and_others_are_refused() {
        let settings = AuthSettings::default();
        let post = Method::POST;
        let same = headers(&[
            (header::HOST, "app.test:3000"),
            (header::ORIGIN, "http://app.test:3000"),
        ]);
        assert!(check(&settings, &post, "/api/x", &same).is_ok());
        let evil = headers(&[
            (header::HOST, "app.test:3000"),
            (header::ORIGIN, "http://evil.test"),
        ]);
        assert!(check(&settings, &post, "/api/x", &evil).is_err());
        let referer = headers(&[
            (header::HOST, "app.test"),
            (header::REFERER, "http://app.test/customers?q=1"),
        ]);
        assert!(check(&settings, &post, "/auth/login", &referer).is_ok());
        let bare = headers(&[(header::HOST, "app.test")]);
        assert!(check(&settings, &post, "/api/x", &bare).is_err());
        assert!(check(&settings, &Method::GET, "/api/x", &bare).is_ok());
        assert!(check(&settings, &post, "/v1/track", &bare).is_ok());
    }

    #[test]
    fn a_public_url_is_the_only_origin_accepted() {
        let settings = AuthSettings {
            public_url: Some("https://cdp.example.com".into()),
            ..AuthSettings::default()
        };
        let ok = headers(&[
            (header::HOST, "internal:3000"),
            (header::ORIGIN, "https://cdp.example.com"),
        ]);
        assert!(check(&settings, &Method::POST, "/api/x", &ok).is_ok());
        let plain = headers(&[
            (header::HOST, "cdp.example.com"),
            (header::ORIGIN, "http://cdp.example.com"),
        ]);
        assert!(check(&settings, &Method::POST, "/api/x", &plain).is_err());
    }
}
