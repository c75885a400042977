//! Users and roles (admin only; the guard checks the role before these run).
use crate::{error::AppError, model::access::UserSummary};
use leptos::prelude::*;

/// Every user, by email.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::server::{app_state, db::users::Users};
    let users = Users::new(&app_state()?.db).list().await?;
    Ok(users.iter().map(|u| u.summary()).collect())
}

/// Adds a user with a role and an initial password.
#[server(endpoint = "users/add")]
pub async fn add_user(
    email: String,
    role: String,
    password: String,
) -> Result<UserSummary, AppError> {
    use crate::server::{
        app_state,
        audit::{self, Record},
        auth::users,
        db::users::Users,
    };
    let role = check_new_user(&email, &role, &password)?;
    let state = app_state()?;
    let user = users::add(&Users::new(&state.db), &email, role, &password).await?;
    let record =
        Record::new("user.add", user.id.to_hex()).detail(format!("role {}", role.as_str()));
    audit::write_current(&state.db, record).await?;
    crate::api::form::saved("user");
    Ok(user.summary())
}

/// Every problem of the "Add a user" form at once, in the form's words; the role if none.
#[cfg(feature = "ssr")]
fn check_new_user(
    email: &str,
    role: &str,
    password: &str,
) -> Result<crate::model::access::Role, AppError> {
    use crate::{
        error::{FieldErrors, rule},
        model::access::Role,
        server::auth::{password, users::normalise_email},
    };
    let mut errors = FieldErrors::new();
    if email.trim().is_empty() {
        errors.add("email", rule::required("Email"));
    } else if normalise_email(email).is_err() {
        errors.add("email", rule::not_email("Email"));
    }
    let role = Role::parse(role);
    if role.is_none() {
        errors.add(
            "role",
            rule::one_of("Role", &["admin", "marketer", "analyst", "support"]),
        );
    }
    if password.is_empty() {
        errors.add("password", rule::required("Initial password"));
    } else {
        errors.check_labelled("password", "Initial password", password::validate(password));
    }
    errors.finish()?;
    role.ok_or_else(|| AppError::invalid("role", "Role is required"))
}

/// Changes a user's role, or disables / re-enables them. The last enabled admin stays.
#[server(endpoint = "users/update")]
pub async fn update_user(
    id: String,
    role: String,
    disabled: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        model::access::Role,
        server::{
            app_state,
            audit::{self, Record},
            db::users::Users,
        },
    };
    let id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a user id"))?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", "must be admin, marketer, analyst or support"))?;
    let disabled = disabled.is_some_and(|d| d == "true" || d == "on");
    let state = app_state()?;
    let users = Users::new(&state.db);
    let user = users.get(id).await?.ok_or_else(|| AppError::NotFound {
        what: "user".into(),
    })?;
    let demotes_admin =
        user.role == Role::Admin && !user.disabled && (role != Role::Admin || disabled);
    if demotes_admin && users.active_admins().await? <= 1 {
        return Err(AppError::invalid(
            "role",
            "the last enabled admin must stay an enabled admin",
        ));
    }
    users.update(id, role, disabled).await?;
    let detail = format!(
        "role {}{}",
        role.as_str(),
        if disabled { ", disabled" } else { "" }
    );
    audit::write_current(
        &state.db,
        Record::new("user.update", id.to_hex()).detail(detail),
    )
    .await?;
    crate::api::form::saved("role");
    Ok(())
}
