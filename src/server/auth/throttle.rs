//! Login throttling: too many failed sign-ins for one account or from one IP within the window
//! refuse further attempts (before the password is even checked) until the window passes.
use super::settings::AuthSettings;
use crate::{error::AppError, server::db::login_failures::LoginFailures};
use mongodb::bson;

/// Throttling keys for one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    account: String,
    ip: Option<String>,
}

impl Attempt {
    /// An attempt to sign in as `email` from `ip`.
    pub fn new(email: &str, ip: Option<&str>) -> Self {
        Self {
            account: format!("account:{email}"),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.account).chain(self.ip.as_ref())
    }
}

/// Refuses with 429 (and the seconds to wait) if the account or the IP is over its limit.
pub async fn check(
    failures: &LoginFailures,
    settings: &AuthSettings,
    attempt: &Attempt,
) -> Result<(), AppError> {
    let window = settings.failure_window.as_millis() as i64;
    let now = bson::DateTime::now().timestamp_millis();
    for key in attempt.keys() {
        let limit = if key.starts_with("ip:") {
            settings.max_failures_per_ip
        } else {
            settings.max_failures_per_account
        };
        let Some(doc) = failures.get(key).await? else {
            continue;
        };
        let ends = doc.since.timestamp_millis() + window;
        if doc.count >= limit && ends > now {
            let retry_after = ((ends - now) / 1000 + 1).clamp(1, u32::MAX as i64) as u32;
            return Err(AppError::TooManyRequests { retry_after });
        }
    }
    Ok(())
}

/// Counts a failed attempt against the account and the IP.
pub async fn failed(
    failures: &LoginFailures,
    settings: &AuthSettings,
    attempt: &Attempt,
) -> Result<(), AppError> {
    let now = bson::DateTime::now();
    let window_start = bson::DateTime::from_millis(
        now.timestamp_millis() - settings.failure_window.as_millis() as i64,
    );
    for key in attempt.keys() {
        failures.record(key, now, window_start).await?;
    }
    Ok(())
}

/// A successful sign-in clears the account's failures (the IP's stay: one good password
/// must not reset a spray across many accounts).
pub async fn succeeded(failures: &LoginFailures, attempt: &Attempt) -> Result<(), AppError> {
    failures.clear(&attempt.account).await
}
