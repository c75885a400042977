//! Campaign delivery settings from the environment, with documented defaults (README). What
//! marketers and admins change at run time (SMTP, caps, quiet hours) is stored instead, on the
//! Channels settings page; the `ENRICH_SMTP_*` and `ENRICH_WEBHOOK_*` values only seed it.
use std::time::Duration;

/// How delivery behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignEnv {
    /// `ENRICH_PUBLIC_URL` (`http://127.0.0.1:3000`): the base of tracking and unsubscribe links.
    pub public_url: String,
    /// `ENRICH_CAMPAIGN_TICK_MS` (200): how often idle workers look for due messages, and the
    /// triggered campaigns for new segment entries.
    pub tick: Duration,
    /// `ENRICH_CAMPAIGN_RETRY_BASE_MS` (2000): the first retry's delay; each further one doubles.
    pub retry_base: Duration,
    /// `ENRICH_CAMPAIGN_LEASE_SECONDS` (60): a claimed message whose worker went silent this long
    /// is claimed again.
    pub lease: Duration,
    /// `ENRICH_WEBHOOK_ALLOW_PRIVATE` (`false`): lets webhooks go to loopback, private and
    /// link-local addresses, for development and tests. Never in production: it would let
    /// whoever sets the webhook URL reach the server's own network and cloud metadata.
    pub webhook_allow_private: bool,
    /// Seeds for the Channels page until an admin saves it.
    pub seed: ChannelSeed,
}

pub use crate::server::db::campaign_settings::ChannelSeed;

impl CampaignEnv {
    /// Reads the settings through `lookup`.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| lookup(key).map(|v| v.trim().to_owned()).unwrap_or_default();
        let number = |key: &str, default: u64| text(key).parse::<u64>().unwrap_or(default);
        let public_url = Some(text("ENRICH_PUBLIC_URL"))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            tick: Duration::from_millis(number("ENRICH_CAMPAIGN_TICK_MS", 200).max(10)),
            retry_base: Duration::from_millis(number("ENRICH_CAMPAIGN_RETRY_BASE_MS", 2_000)),
            lease: Duration::from_secs(number("ENRICH_CAMPAIGN_LEASE_SECONDS", 60).max(1)),
            webhook_allow_private: matches!(
                text("ENRICH_WEBHOOK_ALLOW_PRIVATE")
                    .to_ascii_lowercase()
                    .as_str(),
                "true" | "1" | "yes"
            ),
            seed: ChannelSeed {
                smtp_host: text("ENRICH_SMTP_HOST"),
                smtp_port: number("ENRICH_SMTP_PORT", 25) as u16,
                smtp_security: text("ENRICH_SMTP_SECURITY"),
                smtp_username: text("ENRICH_SMTP_USERNAME"),
                smtp_password: text("ENRICH_SMTP_PASSWORD"),
                smtp_from: text("ENRICH_SMTP_FROM"),
                webhook_url: text("ENRICH_WEBHOOK_URL"),
                webhook_secret: text("ENRICH_WEBHOOK_SECRET"),
            },
        }
    }
}
