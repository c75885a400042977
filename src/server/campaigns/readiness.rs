//! Before a send: whether the channel is set up at all (a campaign on an unconfigured channel is
//! refused at launch, naming what is missing, instead of failing every message), what a launch
//! would do (the confirmation step), and retrying failed messages once the cause is fixed.
use super::{
    CampaignService,
    audience::{Draw, Occasion},
};
use crate::{
    error::AppError,
    model::{
        campaign::{CampaignStatus, Channel, LaunchCheck},
        campaign_settings::CampaignSettings,
    },
    server::db::{campaign_settings::Secrets, outbox::OutboxStatus},
};
use chrono::Utc;
use mongodb::bson::{doc, oid::ObjectId};

/// What `channel` still lacks before it can send anything, in words; empty when it is ready.
pub fn missing(channel: Channel, settings: &CampaignSettings, secrets: &Secrets) -> Vec<String> {
    let mut out = Vec::new();
    match channel {
        Channel::Email => {
            if settings.smtp.host.trim().is_empty() {
                out.push("SMTP host".to_owned());
            }
            let from = settings.smtp.from.trim();
            if from.is_empty() || from.parse::<lettre::message::Mailbox>().is_err() {
                out.push("From address".to_owned());
            }
        }
        Channel::Webhook => {
            if settings.webhook_url.trim().is_empty() {
                out.push("webhook URL".to_owned());
            }
            if secrets.webhook_secret.is_empty() {
                out.push("webhook signing secret".to_owned());
            }
        }
        Channel::InApp => {}
    }
    out
}

/// "the SMTP host and the From address are missing".
fn in_words(missing: &[String]) -> String {
    let named: Vec<String> = missing.iter().map(|m| format!("the {m}")).collect();
    match named.as_slice() {
        [one] => format!("{one} is missing"),
        [rest @ .., last] => format!("{} and {last} are missing", rest.join(", ")),
        [] => String::new(),
    }
}

impl CampaignService {
    /// What `channel` still lacks (see [`missing`]).
    pub async fn channel_missing(&self, channel: Channel) -> Result<Vec<String>, AppError> {
        let settings = self.settings.load().await?.settings;
        let secrets = self.settings.secrets().await?;
        Ok(missing(channel, &settings, &secrets))
    }

    /// Refuses (409, field `channel`) when `channel` is not set up, naming what is missing.
    pub async fn require_channel(&self, channel: Channel) -> Result<(), AppError> {
        let missing = self.channel_missing(channel).await?;
        if missing.is_empty() {
            return Ok(());
        }
        Err(AppError::Conflict {
            field: "channel".into(),
            message: format!(
                "{} is not set up: {}. An admin can set it in Settings → Channels.",
                channel.label(),
                in_words(&missing)
            ),
        })
    }

    /// What launching `id` would do now: who would get it, and what the channel lacks.
    pub async fn launch_check(&self, id: ObjectId) -> Result<LaunchCheck, AppError> {
        let campaign = self.campaigns.must_get(id).await?;
        let occasion = Occasion {
            run: "check".into(),
            only: None,
            trigger: None,
            at: Utc::now(),
        };
        let draw: Draw = self.draw(&campaign, &occasion).await?;
        let count = |f: &dyn Fn(&str, OutboxStatus) -> bool| {
            let n = draw.items.iter().filter(|i| f(&i.variant, i.status));
            n.count() as u64
        };
        let definition = &campaign.definition;
        Ok(LaunchCheck {
            name: definition.name.clone(),
            channel: definition.channel,
            schedule: definition.schedule.kind().to_owned(),
            recipients: count(&|v, s| v != "holdout" && s == OutboxStatus::Pending),
            held_out: count(&|v, _| v == "holdout"),
            capped: count(&|_, s| s == OutboxStatus::Capped),
            missing: self.channel_missing(definition.channel).await?,
            draft: campaign.status == CampaignStatus::Draft,
        })
    }

    /// Re-queues the failed messages of `id` once its channel is set up; a completed or failed
    /// campaign is sending again until they settle. Returns how many were re-queued.
    pub async fn retry_failed(&self, id: ObjectId) -> Result<u64, AppError> {
        use CampaignStatus as S;
        let campaign = self.campaigns.must_get(id).await?;
        if matches!(campaign.status, S::Draft | S::Cancelled | S::Paused) {
            return Err(conflict(
                "only a launched, running or finished campaign can retry",
            ));
        }
        self.require_channel(campaign.definition.channel).await?;
        // Messages first, then the status: the scheduler cannot finish the campaign in between
        // with nothing pending.
        let requeued = self.outbox.retry_failed(id).await?;
        if requeued == 0 {
            return Err(conflict("no message of this campaign has failed"));
        }
        self.campaigns
            .transition(id, &[S::Completed, S::Failed], S::Sending, doc! {})
            .await?;
        Ok(requeued)
    }
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: "status".into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn what_is_missing_reads_as_a_sentence() {
        let one = ["SMTP host".to_owned()];
        assert_eq!(in_words(&one), "the SMTP host is missing");
        let two = ["SMTP host".to_owned(), "From address".to_owned()];
        assert_eq!(
            in_words(&two),
            "the SMTP host and the From address are missing"
        );
    }
}
