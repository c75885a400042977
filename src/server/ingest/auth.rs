//! Write-key authentication: HTTP Basic with the key as user name (Segment's convention), or
//! an `X-Write-Key` header. Reading a person's data needs more (`reader`).
pub mod reader;
pub mod user_token;

use crate::{
    error::AppError,
    server::db::sources::{SourceDoc, Sources},
};
use axum::http::{HeaderMap, header::AUTHORIZATION};
use base64::Engine;

/// The write key a request presents, if any.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    let header = headers.get("x-write-key").and_then(|v| v.to_str().ok());
    if let Some(key) = header.map(str::trim).filter(|k| !k.is_empty()) {
        return Some(key.to_owned());
    }
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(user, _)| user);
    Some(user.trim().to_owned()).filter(|k| !k.is_empty())
}

/// The source whose live key the request presents; 401 otherwise.
pub async fn authenticate(sources: &Sources, headers: &HeaderMap) -> Result<SourceDoc, AppError> {
    let key = presented_key(headers).ok_or(AppError::Unauthorized)?;
    sources
        .authenticate(&key)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// Request headers made of `pairs`, for the credential parsers' tests.
#[cfg(test)]
pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().unwrap());
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_user_name_is_the_key() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("wk_abc:");
        let basic = format!("Basic {encoded}");
        assert_eq!(
            presented_key(&headers(&[("authorization", &basic)])).as_deref(),
            Some("wk_abc")
        );
        let no_colon = format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode("wk_abc")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", &no_colon)])).as_deref(),
            Some("wk_abc")
        );
    }

    #[test]
    fn header_key_and_missing_or_malformed_credentials() {
        assert_eq!(
            presented_key(&headers(&[("x-write-key", " wk_x ")])).as_deref(),
            Some("wk_x")
        );
        assert_eq!(presented_key(&headers(&[])), None);
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer wk_x")])),
            None
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic !!!")])),
            None
        );
        let empty = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(":")
        );
        assert_eq!(presented_key(&headers(&[("authorization", &empty)])), None);
    }
}
