//! Login throttling, shared by every app instance through `login_failures`. Each attempt is
//! counted against its IP and its account *before* the password is checked (one atomic
//! increment each), so parallel guesses cannot all slip under the limit; a correct password
//! takes its count back.
//!
//! Lock-out policy: an account over its limit refuses attempts, except from an IP with no other
//! attempt in its window. So an attacker cannot lock the owner out (they sign in from any clean
//! address), at the price that an attacker gets one more guess per fresh IP while the account is
//! locked — each such guess then marks that IP, and the per-IP limit still applies.
use super::settings::AuthSettings;
use crate::{
    error::AppError,
    server::db::windows::{WindowCounts, WindowDoc},
};

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
}

/// Counts the attempt against the IP, then the account; refuses with 429 (and the seconds to
/// wait) if the IP is over its limit, or the account is and the IP is not clean.
pub async fn admit(
    counts: &WindowCounts,
    settings: &AuthSettings,
    attempt: &Attempt,
) -> Result<(), AppError> {
    let window = settings.failure_window;
    let ip = match &attempt.ip {
        Some(key) => Some(counts.hit(key, window).await?),
        None => None,
    };
    if let Some(ip) = ip
        .as_ref()
        .filter(|w| w.count > settings.max_failures_per_ip)
    {
        return Err(throttled(ip, settings));
    }
    let account = counts.hit(&attempt.account, window).await?;
    let clean_ip = ip.is_some_and(|w| w.count == 1);
    if account.count > settings.max_failures_per_account && !clean_ip {
        return Err(throttled(&account, settings));
    }
    Ok(())
}

fn throttled(window: &WindowDoc, settings: &AuthSettings) -> AppError {
    AppError::TooManyRequests {
        retry_after: window.seconds_left(settings.failure_window),
    }
}

/// A correct password: the account's failures are cleared and the IP's count of this attempt
/// is taken back (its other failures stay: one good password must not reset a spray across
/// many accounts).
pub async fn succeeded(counts: &WindowCounts, attempt: &Attempt) -> Result<(), AppError> {
    counts.clear(&attempt.account).await?;
    match &attempt.ip {
        Some(ip) => counts.undo(ip).await,
        None => Ok(()),
    }
}
