//! Admin API tokens (Settings → API tokens): create one (its secret shown once), list, revoke.
//! A token is its creator's: it works while they are an enabled admin, with the role chosen.
use crate::{
    error::AppError,
    model::access::{ApiTokenSummary, CreatedApiToken},
};
use leptos::prelude::*;

/// Every token, and the one created by the previous request of this browser (shown once).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenList {
    /// Newest first, revoked ones included (for the record).
    pub tokens: Vec<ApiTokenSummary>,
    /// A token just created; a form posted without JavaScript finds it here after the redirect.
    pub new_token: Option<CreatedApiToken>,
}

/// Lifetimes a token may be given: (form value, label, days; `None`: never expires).
pub const LIFETIMES: [(&str, &str, Option<i64>); 4] = [
    ("30", "30 days", Some(30)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "Never", None),
];

/// Longest token name.
pub const MAX_NAME: usize = 80;

/// Session entry holding a just-created token until the page shows it.
#[cfg(feature = "ssr")]
const NEW_TOKEN: &str = "new_api_token";

/// Every token, and the token created just before (taken out of the session).
#[server(endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<TokenList, AppError> {
    use crate::{api::shown_once::take, server::db::api_tokens::ApiTokens};
    let state = crate::server::app_state()?;
    let tokens = ApiTokens::new(&state.db).list().await?;
    Ok(TokenList {
        tokens: tokens.iter().map(|t| t.summary()).collect(),
        new_token: take(NEW_TOKEN).await?,
    })
}

/// Creates a token owned by the signed-in admin; its secret is in the answer, this once.
/// Tokens cannot create tokens: a leaked one must not be able to outlive its revocation.
#[server(endpoint = "tokens/create")]
pub async fn create_token(
    name: String,
    role: String,
    expires: String,
) -> Result<CreatedApiToken, AppError> {
    use crate::{
        api::shown_once::remember,
        server::{
            audit::{self, Record},
            auth::caller,
            db::api_tokens::{ApiTokens, NewToken},
        },
    };
    let caller = caller()?;
    if caller.token.is_some() {
        return Err(AppError::Forbidden);
    }
    let user = caller.user.ok_or(AppError::Unauthorized)?;
    let (name, role, days) = check_new_token(&name, &role, &expires)?;
    let owner = user
        .id
        .parse()
        .map_err(|_| AppError::internal("session user id"))?;
    let expires_at = days.map(|d| {
        mongodb::bson::DateTime::from_chrono(chrono::Utc::now() + chrono::Duration::days(d))
    });
    let state = crate::server::app_state()?;
    let (token, secret) = ApiTokens::new(&state.db)
        .create(NewToken {
            name: &name,
            role,
            owner: (owner, &user.email),
            expires_at,
        })
        .await?;
    let detail = format!(
        "{}, role {}, {}",
        token.label(),
        role.as_str(),
        days.map_or("never expires".to_owned(), |d| format!(
            "expires in {d} days"
        ))
    );
    let record = Record::new("api_token.create", token.id.to_hex()).detail(detail);
    audit::write_current(&state.db, record).await?;
    let created = CreatedApiToken {
        token: token.summary(),
        secret,
    };
    remember(NEW_TOKEN, created).await
}

/// Every problem of the form at once: the name, role and lifetime in days if none.
#[cfg(feature = "ssr")]
fn check_new_token(
    name: &str,
    role: &str,
    expires: &str,
) -> Result<(String, crate::model::access::Role, Option<i64>), AppError> {
    use crate::{
        error::{FieldErrors, rule},
        model::access::{ROLES, Role},
    };
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", rule::required("Name"));
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", rule::too_long("Name", MAX_NAME));
    }
    let role = Role::parse(role);
    if role.is_none() {
        let roles: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
        errors.add("role", rule::one_of("Role", &roles));
    }
    let lifetime = LIFETIMES.iter().find(|(value, _, _)| *value == expires);
    if lifetime.is_none() {
        let values: Vec<&str> = LIFETIMES.iter().map(|(v, _, _)| *v).collect();
        errors.add("expires", rule::one_of("Expires", &values));
    }
    errors.finish()?;
    match (role, lifetime) {
        (Some(role), Some((_, _, days))) => Ok((name.to_owned(), role, *days)),
        _ => Err(AppError::internal("checked above")),
    }
}

/// Revokes token `id`: requests with it get 401 from now on.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::server::{
        audit::{self, Record},
        db::api_tokens::ApiTokens,
    };
    let parsed = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a token id"))?;
    let state = crate::server::app_state()?;
    let token = ApiTokens::new(&state.db)
        .revoke(parsed)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: "live API token".into(),
        })?;
    let record = Record::new("api_token.revoke", id).detail(token.label());
    audit::write_current(&state.db, record).await?;
    crate::api::form::saved("revoked");
    Ok(())
}
