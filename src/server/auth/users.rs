//! Adding users: validation, hashing, and the first admin.
use super::password;
use crate::{
    error::AppError,
    model::access::Role,
    server::db::users::{UserDoc, Users},
};
use mongodb::bson::{self, oid::ObjectId};

/// A sign-in email, trimmed and lower-cased; the error names the `email` field.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    if email_address::EmailAddress::is_valid(&email) {
        Ok(email)
    } else {
        Err(AppError::invalid("email", "must be a valid email address"))
    }
}

/// Validates and stores a new user with an argon2id hash of `password`.
pub async fn add(
    users: &Users,
    email: &str,
    role: Role,
    password: &str,
) -> Result<UserDoc, AppError> {
    let email = normalise_email(email)?;
    password::validate(password)?;
    let user = UserDoc {
        id: ObjectId::new(),
        email,
        role,
        password_hash: password::hash(password)?,
        disabled: false,
        created_at: bson::DateTime::now(),
        time_zone: None,
    };
    users.insert(&user).await?;
    Ok(user)
}

/// Creates the first admin from `ENRICH_ADMIN_EMAIL` / `ENRICH_ADMIN_PASSWORD` when there are
/// no users yet; returns whether one was created.
pub async fn bootstrap_admin(
    users: &Users,
    email: Option<String>,
    password: Option<String>,
) -> Result<bool, AppError> {
    let (Some(email), Some(password)) = (email, password) else {
        return Ok(false);
    };
    if users.count().await? > 0 {
        return Ok(false);
    }
    add(users, &email, Role::Admin, &password).await?;
    Ok(true)
}
