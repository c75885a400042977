//! The Channels page's form into settings and secret changes, each error naming its field.
use crate::{
    error::AppError,
    model::{
        campaign::{Channel, FrequencyCap},
        campaign_settings::{
            CampaignSettings, ChannelLimits, ChannelSettingsForm, QuietHours, SmtpSecurity,
            SmtpSettings,
        },
    },
    server::db::campaign_settings::SecretChange,
};

fn number<T: std::str::FromStr + PartialOrd>(
    field: &str,
    text: &str,
    range: (T, T),
    rule: &str,
) -> Result<T, AppError> {
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(field, rule))?;
    if value < range.0 || value > range.1 {
        return Err(AppError::invalid(field, rule));
    }
    Ok(value)
}

fn secret(value: &str, clear: &str) -> SecretChange {
    if clear == "on" {
        SecretChange::Clear
    } else if value.is_empty() {
        SecretChange::Keep
    } else {
        SecretChange::Set(value.to_owned())
    }
}

/// Checks the webhook URL where it leads: empty, or a public address after DNS resolution
/// (unless `allow_private`, `ENRICH_WEBHOOK_ALLOW_PRIVATE`). Every send checks again.
pub async fn check_webhook(url: &str, allow_private: bool) -> Result<(), AppError> {
    if url.is_empty() {
        return Ok(());
    }
    super::channels::destination::check(url, allow_private)
        .await
        .map_err(|refused| AppError::invalid("webhook_url", refused.to_string()))
}

/// The settings `form` describes, and what to do with each secret.
pub fn parse(
    form: &ChannelSettingsForm,
) -> Result<(CampaignSettings, SecretChange, SecretChange), AppError> {
    let webhook_url = form.webhook_url.trim().to_owned();
    if !webhook_url.is_empty()
        && !webhook_url.starts_with("https://")
        && !webhook_url.starts_with("http://")
    {
        return Err(AppError::invalid(
            "webhook_url",
            "must be an http:// or https:// address",
        ));
    }
    let from = form.smtp_from.trim().to_owned();
    if !from.is_empty() && from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(AppError::invalid(
            "smtp_from",
            "must be an address like Shop <news@shop.example>",
        ));
    }
    let quiet_zone = if form.quiet_zone.trim().is_empty() {
        "UTC".to_owned()
    } else {
        form.quiet_zone.trim().to_owned()
    };
    if super::quiet::zone(&quiet_zone).is_none() {
        return Err(AppError::invalid(
            "quiet_zone",
            "is not a known time zone (e.g. Europe/Paris)",
        ));
    }
    let settings = CampaignSettings {
        smtp: SmtpSettings {
            host: form.smtp_host.trim().to_owned(),
            port: number(
                "smtp_port",
                &form.smtp_port,
                (1, u16::MAX),
                "must be a port from 1 to 65535",
            )?,
            security: SmtpSecurity::parse(&form.smtp_security).ok_or_else(|| {
                AppError::invalid("smtp_security", "must be none, start_tls or tls")
            })?,
            username: form.smtp_username.trim().to_owned(),
            from,
        },
        webhook_url,
        webhook_timeout_ms: number(
            "webhook_timeout_ms",
            &form.webhook_timeout_ms,
            (100, 60_000),
            "must be 100 to 60000 milliseconds",
        )?,
        limits: limits(form)?,
        quiet_hours: QuietHours {
            enabled: form.quiet_enabled == "on",
            start_hour: number(
                "quiet_start",
                &form.quiet_start,
                (0, 23),
                "must be an hour from 0 to 23",
            )?,
            end_hour: number(
                "quiet_end",
                &form.quiet_end,
                (0, 23),
                "must be an hour from 0 to 23",
            )?,
            default_timezone: quiet_zone,
        },
        track_opens: form.track_opens == "on",
        track_clicks: form.track_clicks == "on",
        max_attempts: number(
            "max_attempts",
            &form.max_attempts,
            (1, 20),
            "must be 1 to 20 attempts",
        )?,
    };
    Ok((
        settings,
        secret(&form.smtp_password, &form.smtp_password_clear),
        secret(&form.webhook_secret, &form.webhook_secret_clear),
    ))
}

fn limits(form: &ChannelSettingsForm) -> Result<Vec<ChannelLimits>, AppError> {
    let mut out = Vec::new();
    for (i, channel) in Channel::ALL.into_iter().enumerate() {
        let at = |list: &[String]| list.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
        let (max, days) = (at(&form.cap_max), at(&form.cap_days));
        let cap = if max.is_empty() && days.is_empty() {
            None
        } else {
            Some(FrequencyCap {
                max: number(
                    &format!("cap_max[{i}]"),
                    &max,
                    (1, 100),
                    "must be 1 to 100 messages",
                )?,
                days: number(
                    &format!("cap_days[{i}]"),
                    &days,
                    (1, super::store::MAX_CAP_DAYS),
                    "must be 1 to 365 days",
                )?,
            })
        };
        let per_second = number(
            &format!("per_second[{i}]"),
            &at(&form.per_second),
            (1, 10_000),
            "must be 1 to 10000 messages per second",
        )?;
        out.push(ChannelLimits {
            channel,
            cap,
            per_second,
        });
    }
    Ok(out)
}
