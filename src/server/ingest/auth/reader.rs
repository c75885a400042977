//! Who may read a person's in-app messages and recommendations: a source's server key (any
//! person: there is one workspace), or a user token (only the person it names). Write keys
//! are public — they ship inside web pages and apps — so they read nothing. Every refusal is
//! the same 401, whether or not the person exists.
use super::user_token;
use crate::{
    error::AppError,
    server::db::sources::{Sources, server_keys::KEY_PREFIX},
};
use axum::http::{HeaderMap, header::AUTHORIZATION};

/// A credential for reading, as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credential {
    ServerKey(String),
    UserToken(String),
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// `X-Server-Key`, `X-User-Token`, or `Authorization: Bearer` with either (told apart by
/// their `sk_` and `ut1.` prefixes).
fn presented(headers: &HeaderMap) -> Option<Credential> {
    if let Some(key) = header(headers, "x-server-key") {
        return Some(Credential::ServerKey(key.to_owned()));
    }
    if let Some(token) = header(headers, "x-user-token") {
        return Some(Credential::UserToken(token.to_owned()));
    }
    let (scheme, value) = header(headers, AUTHORIZATION.as_str())?.split_once(' ')?;
    let value = value.trim();
    if !scheme.eq_ignore_ascii_case("bearer") {
        None
    } else if value.starts_with(KEY_PREFIX) {
        Some(Credential::ServerKey(value.to_owned()))
    } else if user_token::is_token(value) {
        Some(Credential::UserToken(value.to_owned()))
    } else {
        None
    }
}

/// A server key or user token presented in `headers`, as the browser endpoints name them.
pub fn read_credential(headers: &HeaderMap) -> Option<crate::server::browser::cors::Credential> {
    use crate::server::browser::cors::Credential as Presented;
    Some(match presented(headers)? {
        Credential::ServerKey(key) => Presented::Server(key),
        Credential::UserToken(token) => Presented::UserToken(token),
    })
}

/// Ok if the request may read `user_id`'s messages and recommendations; 401 otherwise.
pub async fn authorize_read(
    sources: &Sources,
    headers: &HeaderMap,
    user_id: &str,
) -> Result<(), AppError> {
    let allowed = match presented(headers) {
        Some(Credential::ServerKey(key)) => {
            sources.server_keys().authenticate(&key).await?.is_some()
        }
        Some(Credential::UserToken(token)) => {
            let now = chrono::Utc::now().timestamp();
            token_user(sources, &token, now).await?.as_deref() == Some(user_id)
        }
        None => false,
    };
    allowed.then_some(()).ok_or(AppError::Unauthorized)
}

/// The person a user token names, if it is signed by a live server key and live at `now`.
pub async fn token_user(
    sources: &Sources,
    token: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let Some(claims) = user_token::parse(token) else {
        return Ok(None);
    };
    let Some(key) = sources.server_keys().live_digest(claims.key_id).await? else {
        return Ok(None);
    };
    Ok(claims.verify(&key, now).then_some(claims.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ingest::auth::headers;

    #[test]
    fn server_keys_and_tokens_come_from_their_headers_or_a_bearer() {
        let server = |k: &str| Some(Credential::ServerKey(k.into()));
        let token = |t: &str| Some(Credential::UserToken(t.into()));
        assert_eq!(
            presented(&headers(&[("x-server-key", " sk_a ")])),
            server("sk_a")
        );
        assert_eq!(
            presented(&headers(&[("x-user-token", "ut1.x")])),
            token("ut1.x")
        );
        assert_eq!(
            presented(&headers(&[("authorization", "Bearer sk_b")])),
            server("sk_b")
        );
        let bearer = "bearer ut1.k.1.dQ.t".to_owned();
        assert_eq!(
            presented(&headers(&[("authorization", &bearer)])),
            token(&bearer[7..])
        );
    }

    #[test]
    fn write_keys_and_other_schemes_are_no_read_credential() {
        for value in [
            "Basic d2tfYWJjOg==",
            "Bearer wk_abc",
            "Bearer ut1x",
            "Bearer",
            "sk_a",
        ] {
            assert_eq!(
                presented(&headers(&[("authorization", value)])),
                None,
                "{value}"
            );
        }
        assert_eq!(presented(&headers(&[("x-write-key", "wk_abc")])), None);
        assert_eq!(presented(&headers(&[("x-server-key", " ")])), None);
    }
}
