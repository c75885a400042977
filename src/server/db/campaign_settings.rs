//! The `campaign_settings` document: the Channels page's settings, and its secrets sealed with
//! the field key ring (never returned to any page).
use crate::{
    error::AppError,
    model::{
        campaign::Channel,
        campaign_settings::{
            CampaignSettings, QuietHours, SmtpSecurity, SmtpSettings, default_limits,
        },
    },
    server::privacy::keyring::KeyRing,
};
use mongodb::{
    Collection, Database,
    bson::{Document, doc},
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `ENRICH_SMTP_HOST`, `ENRICH_SMTP_PORT` (25), `ENRICH_SMTP_SECURITY` (`none`, `start_tls`,
/// `tls`), `ENRICH_SMTP_USERNAME`, `ENRICH_SMTP_PASSWORD`, `ENRICH_SMTP_FROM`,
/// `ENRICH_WEBHOOK_URL`, `ENRICH_WEBHOOK_SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelSeed {
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// `none`, `start_tls` or `tls`.
    pub smtp_security: String,
    /// SMTP user.
    pub smtp_username: String,
    /// SMTP password.
    pub smtp_password: String,
    /// From address.
    pub smtp_from: String,
    /// Webhook endpoint.
    pub webhook_url: String,
    /// Webhook signing secret.
    pub webhook_secret: String,
}

/// Collection name.
pub const COLLECTION: &str = "campaign_settings";
const ID: &str = "channels";

/// The stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsDoc {
    /// Always `channels`.
    #[serde(rename = "_id")]
    pub id: String,
    /// What the page shows.
    pub settings: CampaignSettings,
    /// Sealed SMTP password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_password: Option<Document>,
    /// Sealed webhook signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Document>,
    /// Sealed key that signs tracking and unsubscribe links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_secret: Option<Document>,
}

/// The secrets, opened.
#[derive(Clone, Default)]
pub struct Secrets {
    /// SMTP password (empty: none).
    pub smtp_password: String,
    /// Webhook signing secret (empty: unsigned is refused).
    pub webhook_secret: String,
    /// Link signing key.
    pub link_secret: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

/// A secret change from the page: keep it, replace it, or clear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChange {
    /// Leave as stored.
    Keep,
    /// Store this one.
    Set(String),
    /// Remove.
    Clear,
}

/// Repository over the settings document.
#[derive(Clone, Debug)]
pub struct SettingsStore {
    collection: Collection<SettingsDoc>,
    keys: std::sync::Arc<KeyRing>,
    seed: ChannelSeed,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl SettingsStore {
    /// The store for `db`, sealing with `keys`, seeded from the environment's `seed`.
    pub fn new(db: &Database, keys: std::sync::Arc<KeyRing>, seed: ChannelSeed) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            keys,
            seed,
            generation: Default::default(),
        }
    }

    /// The stored document, created from the seed (with a fresh link key) on first use.
    pub async fn load(&self) -> Result<SettingsDoc, AppError> {
        if let Some(found) = self.collection.find_one(doc! { "_id": ID }).await? {
            return Ok(found);
        }
        let fresh = self.seeded()?;
        match self.collection.insert_one(&fresh).await {
            Ok(_) => Ok(fresh),
            // Another request created it first: use theirs, so there is one link key.
            Err(err) if super::is_duplicate_key(&err) => self
                .collection
                .find_one(doc! { "_id": ID })
                .await?
                .ok_or_else(|| AppError::internal("campaign settings vanished")),
            Err(err) => Err(err.into()),
        }
    }

    /// The secrets, opened.
    pub async fn secrets(&self) -> Result<Secrets, AppError> {
        let doc = self.load().await?;
        let open = |field: &str, sealed: &Option<Document>| -> Result<String, AppError> {
            match sealed {
                None => Ok(String::new()),
                Some(envelope) => match self.keys.open(field, envelope)? {
                    Value::String(text) => Ok(text),
                    _ => Err(AppError::internal(format!("{field} is not text"))),
                },
            }
        };
        let link = open("campaign.link_secret", &doc.link_secret)?;
        Ok(Secrets {
            smtp_password: open("campaign.smtp_password", &doc.smtp_password)?,
            webhook_secret: open("campaign.webhook_secret", &doc.webhook_secret)?,
            link_secret: link.into_bytes(),
        })
    }

    /// Saves `settings` and the secret changes.
    pub async fn save(
        &self,
        settings: &CampaignSettings,
        smtp_password: SecretChange,
        webhook_secret: SecretChange,
    ) -> Result<(), AppError> {
        let mut doc = self.load().await?;
        doc.settings = settings.clone();
        doc.smtp_password =
            self.apply("campaign.smtp_password", doc.smtp_password, smtp_password)?;
        doc.webhook_secret = self.apply(
            "campaign.webhook_secret",
            doc.webhook_secret,
            webhook_secret,
        )?;
        self.collection
            .replace_one(doc! { "_id": ID }, &doc)
            .await?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Bumped by every save in this process, so cached copies here can tell they are stale
    /// (other instances' saves reach their caches within the cache's lifetime).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn apply(
        &self,
        field: &str,
        stored: Option<Document>,
        change: SecretChange,
    ) -> Result<Option<Document>, AppError> {
        Ok(match change {
            SecretChange::Keep => stored,
            SecretChange::Clear => None,
            SecretChange::Set(value) => Some(self.keys.seal(field, &Value::String(value))?),
        })
    }

    fn seeded(&self) -> Result<SettingsDoc, AppError> {
        let seed = &self.seed;
        let mut link = [0u8; 32];
        rand::rng().fill_bytes(&mut link);
        let link: String = link.iter().map(|b| format!("{b:02x}")).collect();
        let secret = |field: &str, value: &str| -> Result<Option<Document>, AppError> {
            if value.is_empty() {
                return Ok(None);
            }
            Ok(Some(
                self.keys.seal(field, &Value::String(value.to_owned()))?,
            ))
        };
        Ok(SettingsDoc {
            id: ID.to_owned(),
            settings: CampaignSettings {
                smtp: SmtpSettings {
                    host: seed.smtp_host.clone(),
                    port: if seed.smtp_port == 0 {
                        25
                    } else {
                        seed.smtp_port
                    },
                    security: SmtpSecurity::parse(&seed.smtp_security)
                        .unwrap_or(SmtpSecurity::None),
                    username: seed.smtp_username.clone(),
                    from: seed.smtp_from.clone(),
                },
                webhook_url: seed.webhook_url.clone(),
                webhook_timeout_ms: 5_000,
                limits: Channel::ALL.into_iter().map(default_limits).collect(),
                quiet_hours: QuietHours {
                    enabled: false,
                    start_hour: 21,
                    end_hour: 8,
                    default_timezone: "UTC".to_owned(),
                },
                track_opens: true,
                track_clicks: true,
                max_attempts: 5,
            },
            smtp_password: secret("campaign.smtp_password", &seed.smtp_password)?,
            webhook_secret: secret("campaign.webhook_secret", &seed.webhook_secret)?,
            link_secret: secret("campaign.link_secret", &link)?,
        })
    }
}
