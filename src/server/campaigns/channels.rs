//! Handing one rendered message to its channel. A failure says whether retrying may help.
pub mod destination;
pub mod email;
pub mod in_app;
pub mod webhook;

use crate::{
    model::{campaign::Channel, campaign_settings::CampaignSettings},
    server::db::{campaign_settings::Secrets, campaigns::CampaignDoc, profile_doc::ProfileDoc},
};

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying (timeouts, 4xx SMTP replies, 5xx and 429 HTTP answers).
    Transient(String),
    /// Retrying cannot help (a refused address, a missing setting, a 4xx HTTP answer).
    Permanent(String),
}

/// One message ready to go.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The outbox key (idempotency key, `Message-ID`, in-app id).
    pub key: &'a str,
    /// Its campaign.
    pub campaign: &'a CampaignDoc,
    /// Variant key.
    pub variant: &'a str,
    /// Recipient.
    pub profile: &'a ProfileDoc,
    /// Rendered subject.
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// The recipient's unsubscribe link.
    pub unsubscribe_url: String,
}

/// Connections kept across messages.
#[derive(Default)]
pub struct Transports {
    smtp: email::SmtpPool,
    http: webhook::HttpPool,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transports { .. }")
    }
}

/// Everything a channel needs besides the message.
pub struct Delivery<'a> {
    /// The service (database, link base).
    pub service: &'a super::CampaignService,
    /// Channel settings.
    pub settings: &'a CampaignSettings,
    /// Their secrets.
    pub secrets: &'a Secrets,
}

impl Delivery<'_> {
    /// Sends `message` on `channel`.
    pub async fn send(&self, channel: Channel, message: &Outgoing<'_>) -> Result<(), SendError> {
        let transports = &self.service.transports;
        match channel {
            Channel::Email => email::send(self, &transports.smtp, message).await,
            Channel::Webhook => webhook::send(self, &transports.http, message).await,
            Channel::InApp => in_app::send(self, message).await,
        }
    }
}
