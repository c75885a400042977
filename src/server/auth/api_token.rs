//! Requests made with an admin API token (`Authorization: Bearer enr_pat_…`) instead of a
//! session: the token's role, its owner's name in the audit log.
use super::Caller;
use crate::{
    error::AppError,
    model::access::{Role, SessionUser},
    server::{
        AppState,
        db::{api_tokens::ApiTokens, users::Users},
    },
};
use axum::http::{HeaderMap, header::AUTHORIZATION};
use mongodb::bson;

/// The bearer secret of `headers`, if the request presents one.
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

/// The caller a token stands for: refused (401) when the token is unknown, expired or revoked,
/// or its owner is disabled, gone or no longer an admin.
pub async fn caller(
    state: &AppState,
    secret: &str,
    ip: Option<String>,
) -> Result<Caller, AppError> {
    let tokens = ApiTokens::new(&state.db);
    let now = bson::DateTime::now();
    let token = tokens
        .by_secret(secret)
        .await?
        .filter(|t| t.is_live(now))
        .ok_or(AppError::Unauthorized)?;
    let owner = Users::new(&state.db)
        .get(token.owner)
        .await?
        .filter(|u| !u.disabled && u.role == Role::Admin)
        .ok_or(AppError::Unauthorized)?;
    tokens.touch(&token, now).await?;
    let user = SessionUser {
        id: owner.id.to_hex(),
        email: owner.email,
        role: token.role,
        time_zone: owner
            .time_zone
            .unwrap_or_else(|| crate::model::time_zone::DEFAULT_ZONE.to_owned()),
    };
    Ok(Caller {
        user: Some(user),
        ip,
        token: Some(token.label()),
    })
}

#[cfg(test)]
mod tests {
    use super::presented;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn only_a_bearer_header_presents_a_token() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", HeaderValue::from_str(value).unwrap());
            presented(&headers).map(str::to_owned)
        };
        assert_eq!(with("Bearer enr_pat_x").as_deref(), Some("enr_pat_x"));
        assert_eq!(with("bearer  enr_pat_x ").as_deref(), Some("enr_pat_x"));
        assert_eq!(with("Basic d2tfeDo="), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(presented(&HeaderMap::new()), None);
    }
}
