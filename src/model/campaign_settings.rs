//! Channel settings (Settings → Channels): SMTP, the webhook endpoint, frequency caps,
//! throttles, quiet hours and tracking. Secrets are never part of these types: the page only
//! learns whether one is set.
use super::campaign::{Channel, FrequencyCap};
use serde::{Deserialize, Serialize};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain text (a local relay).
    None,
    /// Upgrade with STARTTLS (port 587), required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpSecurity {
    /// `none`, `start_tls`, `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "start_tls",
            SmtpSecurity::Tls => "tls",
        }
    }

    /// The mode named `name`.
    pub fn parse(name: &str) -> Option<SmtpSecurity> {
        [
            SmtpSecurity::None,
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
        ]
        .into_iter()
        .find(|s| s.as_str() == name.trim())
    }
}

/// The SMTP server email goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Host name; empty means email is not configured.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// User name for AUTH; empty for none.
    pub username: String,
    /// `From:` address (`Shop <news@shop.example>`).
    pub from: String,
}

/// Limits for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelLimits {
    /// Channel.
    pub channel: Channel,
    /// Frequency cap across campaigns (`None`: uncapped).
    pub cap: Option<FrequencyCap>,
    /// Messages per second at most.
    pub per_second: u32,
}

/// No sends between `start_hour` and `end_hour` in the person's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Whether quiet hours apply.
    pub enabled: bool,
    /// Hour (0–23) quiet begins.
    pub start_hour: u8,
    /// Hour (0–23) quiet ends; earlier than the start means it ends the next day.
    pub end_hour: u8,
    /// The zone of people whose own is unknown (IANA name).
    pub default_timezone: String,
}

/// Everything on the Channels settings page but the secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSettings {
    /// Email.
    pub smtp: SmtpSettings,
    /// Where webhook campaigns POST; empty means not configured.
    pub webhook_url: String,
    /// Webhook request timeout, milliseconds.
    pub webhook_timeout_ms: u64,
    /// Per channel caps and throttles.
    pub limits: Vec<ChannelLimits>,
    /// Quiet hours.
    pub quiet_hours: QuietHours,
    /// Tracking pixel in emails.
    pub track_opens: bool,
    /// Tracked redirect links in emails.
    pub track_clicks: bool,
    /// Attempts before a message fails for good.
    pub max_attempts: u32,
}

impl CampaignSettings {
    /// The frequency cap in force for `definition`: its own, else its channel's.
    pub fn cap_for(
        &self,
        definition: &super::campaign::CampaignDefinition,
    ) -> Option<FrequencyCap> {
        definition
            .frequency_cap
            .or(self.limits_of(definition.channel).cap)
    }

    /// The limits of `channel` (defaults when missing).
    pub fn limits_of(&self, channel: Channel) -> ChannelLimits {
        self.limits
            .iter()
            .copied()
            .find(|l| l.channel == channel)
            .unwrap_or_else(|| default_limits(channel))
    }
}

/// The limits a channel starts with.
pub fn default_limits(channel: Channel) -> ChannelLimits {
    let (max, days, per_second) = match channel {
        Channel::Email => (3, 7, 20),
        Channel::Webhook => (3, 7, 50),
        Channel::InApp => (5, 1, 200),
    };
    ChannelLimits {
        channel,
        cap: Some(FrequencyCap { max, days }),
        per_second,
    }
}

/// The settings page: the settings, and which secrets are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSettingsView {
    /// The settings.
    pub settings: CampaignSettings,
    /// Whether an SMTP password is stored.
    pub smtp_password_set: bool,
    /// Whether a webhook signing secret is stored.
    pub webhook_secret_set: bool,
}

/// The Channels page's form as posted (text fields; checkboxes are `on` when ticked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelSettingsForm {
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: String,
    /// `none`, `start_tls`, `tls`.
    pub smtp_security: String,
    /// SMTP user.
    pub smtp_username: String,
    /// A new SMTP password; empty keeps the stored one.
    pub smtp_password: String,
    /// `on` to remove the stored password.
    pub smtp_password_clear: String,
    /// From address.
    pub smtp_from: String,
    /// Webhook endpoint.
    pub webhook_url: String,
    /// Webhook timeout, milliseconds.
    pub webhook_timeout_ms: String,
    /// A new signing secret; empty keeps the stored one.
    pub webhook_secret: String,
    /// `on` to remove the stored secret.
    pub webhook_secret_clear: String,
    /// Per channel, in [`super::campaign::Channel::ALL`] order: cap messages …
    pub cap_max: Vec<String>,
    /// … per days (both empty: uncapped) …
    pub cap_days: Vec<String>,
    /// … and messages per second.
    pub per_second: Vec<String>,
    /// `on` when quiet hours apply.
    pub quiet_enabled: String,
    /// Quiet from this hour …
    pub quiet_start: String,
    /// … to this hour.
    pub quiet_end: String,
    /// Zone for people whose own is unknown.
    pub quiet_zone: String,
    /// `on` to track opens.
    pub track_opens: String,
    /// `on` to track clicks.
    pub track_clicks: String,
    /// Attempts before failing for good.
    pub max_attempts: String,
}

impl ChannelSettingsForm {
    /// The form filled from `settings` (secrets empty).
    pub fn from_settings(settings: &CampaignSettings) -> Self {
        let on = |b: bool| if b { "on".to_owned() } else { String::new() };
        let limits: Vec<ChannelLimits> = Channel::ALL
            .iter()
            .map(|c| settings.limits_of(*c))
            .collect();
        Self {
            smtp_host: settings.smtp.host.clone(),
            smtp_port: settings.smtp.port.to_string(),
            smtp_security: settings.smtp.security.as_str().to_owned(),
            smtp_username: settings.smtp.username.clone(),
            smtp_from: settings.smtp.from.clone(),
            webhook_url: settings.webhook_url.clone(),
            webhook_timeout_ms: settings.webhook_timeout_ms.to_string(),
            cap_max: limits
                .iter()
                .map(|l| l.cap.map(|c| c.max.to_string()).unwrap_or_default())
                .collect(),
            cap_days: limits
                .iter()
                .map(|l| l.cap.map(|c| c.days.to_string()).unwrap_or_default())
                .collect(),
            per_second: limits.iter().map(|l| l.per_second.to_string()).collect(),
            quiet_enabled: on(settings.quiet_hours.enabled),
            quiet_start: settings.quiet_hours.start_hour.to_string(),
            quiet_end: settings.quiet_hours.end_hour.to_string(),
            quiet_zone: settings.quiet_hours.default_timezone.clone(),
            track_opens: on(settings.track_opens),
            track_clicks: on(settings.track_clicks),
            max_attempts: settings.max_attempts.to_string(),
            ..Default::default()
        }
    }
}
