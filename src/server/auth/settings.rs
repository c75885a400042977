//! Sign-in and session settings from the environment, with documented defaults (README).
use std::time::Duration;

/// Default minutes a session may sit idle.
pub const DEFAULT_SESSION_IDLE_MINUTES: u64 = 30;
/// Default hours a session lives at most, however active.
pub const DEFAULT_SESSION_MAX_HOURS: u64 = 12;
/// Default failed sign-ins per account within the window before throttling.
pub const DEFAULT_MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Default failed sign-ins per client IP within the window before throttling.
pub const DEFAULT_MAX_FAILURES_PER_IP: i64 = 20;
/// Default throttling window in minutes.
pub const DEFAULT_FAILURE_WINDOW_MINUTES: u64 = 15;
/// Default passwords checked at once (argon2 is CPU- and memory-hungry); more get 429.
pub const DEFAULT_MAX_CONCURRENT_HASHES: usize = 4;

/// How sessions and sign-in behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// `ENRICH_SESSION_IDLE_MINUTES`: a session unused this long ends.
    pub session_idle: Duration,
    /// `ENRICH_SESSION_MAX_HOURS`: a session ends this long after sign-in.
    pub session_max: Duration,
    /// `ENRICH_PUBLIC_URL`: the address users open (e.g. `https://cdp.example.com`). When set,
    /// state-changing requests must come from this origin; `https` makes cookies `Secure`.
    pub public_url: Option<String>,
    /// `ENRICH_TRUST_PROXY`: the older switch; `true` means one trusted proxy.
    pub trust_proxy: bool,
    /// `ENRICH_TRUSTED_PROXIES` (0): how many reverse proxies stand in front of the app; the
    /// client IP is that many entries from the right of `X-Forwarded-For` (0 ignores it).
    pub trusted_proxies: usize,
    /// `ENRICH_LOGIN_MAX_CONCURRENT_HASHES` (4): passwords checked at once; more get 429.
    pub max_concurrent_hashes: usize,
    /// `ENRICH_LOGIN_MAX_FAILURES`: failed sign-ins per account before throttling.
    pub max_failures_per_account: i64,
    /// `ENRICH_LOGIN_MAX_FAILURES_PER_IP`: failed sign-ins per IP before throttling.
    pub max_failures_per_ip: i64,
    /// `ENRICH_LOGIN_WINDOW_MINUTES`: how long failures count.
    pub failure_window: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self::from_lookup(|_| None)
    }
}

impl AuthSettings {
    /// Reads the settings through `lookup`; unparsable numbers fall back to the default.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str, default: u64| {
            lookup(key)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        let public_url = lookup("ENRICH_PUBLIC_URL")
            .map(|v| v.trim().trim_end_matches('/').to_owned())
            .filter(|v| !v.is_empty());
        Self {
            session_idle: minutes(number(
                "ENRICH_SESSION_IDLE_MINUTES",
                DEFAULT_SESSION_IDLE_MINUTES,
            )),
            session_max: minutes(
                number("ENRICH_SESSION_MAX_HOURS", DEFAULT_SESSION_MAX_HOURS) * 60,
            ),
            public_url,
            trust_proxy: lookup("ENRICH_TRUST_PROXY").is_some_and(|v| is_true(&v)),
            trusted_proxies: lookup("ENRICH_TRUSTED_PROXIES")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
            max_concurrent_hashes: number(
                "ENRICH_LOGIN_MAX_CONCURRENT_HASHES",
                DEFAULT_MAX_CONCURRENT_HASHES as u64,
            ) as usize,
            max_failures_per_account: number(
                "ENRICH_LOGIN_MAX_FAILURES",
                DEFAULT_MAX_FAILURES_PER_ACCOUNT as u64,
            ) as i64,
            max_failures_per_ip: number(
                "ENRICH_LOGIN_MAX_FAILURES_PER_IP",
                DEFAULT_MAX_FAILURES_PER_IP as u64,
            ) as i64,
            failure_window: minutes(number(
                "ENRICH_LOGIN_WINDOW_MINUTES",
                DEFAULT_FAILURE_WINDOW_MINUTES,
            )),
        }
    }

    /// Trusted proxies in front of the app (`ENRICH_TRUST_PROXY=true` counts as one).
    pub fn proxy_hops(&self) -> usize {
        self.trusted_proxies.max(usize::from(self.trust_proxy))
    }

    /// Whether cookies must be `Secure` (the app is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let defaults = AuthSettings::default();
        assert_eq!(defaults.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(defaults.session_max, Duration::from_secs(12 * 3600));
        assert!(!defaults.secure_cookies());
        let set = AuthSettings::from_lookup(|k| match k {
            "ENRICH_PUBLIC_URL" => Some("https://cdp.example.com/".into()),
            "ENRICH_SESSION_IDLE_MINUTES" => Some("5".into()),
            "ENRICH_TRUST_PROXY" => Some("true".into()),
            _ => None,
        });
        assert!(set.secure_cookies());
        assert_eq!(set.public_url.as_deref(), Some("https://cdp.example.com"));
        assert_eq!(set.session_idle, Duration::from_secs(300));
        assert_eq!(set.proxy_hops(), 1, "the older switch means one proxy");
        assert_eq!(
            defaults.proxy_hops(),
            0,
            "X-Forwarded-For is ignored by default"
        );
        let two =
            AuthSettings::from_lookup(|k| (k == "ENRICH_TRUSTED_PROXIES").then(|| "2".into()));
        assert_eq!(two.proxy_hops(), 2);
    }
}
