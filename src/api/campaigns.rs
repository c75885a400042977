//! Campaigns: list, page, editor form, save, preview, launch / pause / resume / cancel, results,
//! a customer's campaign history, and the Channels settings.
use crate::{
    error::AppError,
    model::{
        campaign::{
            CampaignDetail, CampaignHistoryItem, CampaignPreview, CampaignResults, CampaignSummary,
            EditorOptions, LaunchCheck,
        },
        campaign_form::CampaignForm,
        campaign_settings::{CampaignSettingsView, ChannelSettingsForm},
    },
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::campaigns::store::parse_id;

/// Audits `action` on campaign `id`.
#[cfg(feature = "ssr")]
async fn audited(action: &str, id: &str, detail: Option<String>) -> Result<(), AppError> {
    use crate::server::audit::{self, Record};
    let mut record = Record::new(action, id.to_owned());
    if let Some(detail) = detail {
        record = record.detail(detail);
    }
    audit::write_current(&crate::server::app_state()?.db, record).await
}

/// Every campaign, newest change first.
#[server(endpoint = "campaigns/list")]
pub async fn list_campaigns() -> Result<Vec<CampaignSummary>, AppError> {
    crate::server::app_state()?.campaigns.list().await
}

/// One campaign's definition and status.
#[server(endpoint = "campaigns/get")]
pub async fn get_campaign(id: String) -> Result<CampaignDetail, AppError> {
    crate::server::app_state()?
        .campaigns
        .detail(parse_id("id", &id)?)
        .await
}

/// The editor's form for campaign `id` (empty for a new one).
#[server(endpoint = "campaigns/form")]
pub async fn get_campaign_form(id: Option<String>) -> Result<CampaignForm, AppError> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(CampaignForm {
            channel: "email".into(),
            schedule: "now".into(),
            split_a: "50".into(),
            holdout: "10".into(),
            goal_days: "7".into(),
            send_at_zone: "UTC".into(),
            timezone: "UTC".into(),
            ..Default::default()
        });
    };
    let detail = crate::server::app_state()?
        .campaigns
        .detail(parse_id("id", &id)?)
        .await?;
    Ok(CampaignForm::from_definition(&detail.definition))
}

/// Creates (no `id`) or changes a draft, then opens its page. Audited.
#[server(endpoint = "campaigns/save")]
pub async fn save_campaign(id: Option<String>, form: CampaignForm) -> Result<String, AppError> {
    use crate::server::{auth::current_user, campaigns::form};
    let state = crate::server::app_state()?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id("id", &i))
        .transpose()?;
    let (definition, errors) = form::parse(&form);
    let by = current_user()?.email;
    let saved = state
        .campaigns
        .save_checked(id, definition, errors, &by)
        .await?
        .to_hex();
    let detail = if id.is_some() { "changed" } else { "created" };
    audited("campaign.save", &saved, Some(detail.into())).await?;
    leptos_axum::redirect(&format!("/campaigns/{saved}"));
    Ok(saved)
}

/// Each audience step's count now, warnings for unknown variables, and the variants rendered
/// for `customer`: real values for roles that edit campaigns when the customer is in the
/// audience (audited when the role may not otherwise read personal data), masked otherwise.
#[server(endpoint = "campaigns/preview")]
pub async fn preview_campaign(
    id: String,
    customer: Option<String>,
) -> Result<CampaignPreview, AppError> {
    use crate::{model::access::Permission, server::auth::current_user};
    let customer = customer
        .filter(|c| !c.trim().is_empty())
        .map(|c| parse_id("customer", &c))
        .transpose()?;
    let user = current_user()?;
    let read_pii = user.can(Permission::ReadPii);
    let personalize = user.can(Permission::EditMarketing);
    let preview = crate::server::app_state()?
        .campaigns
        .preview(parse_id("id", &id)?, customer, read_pii, personalize)
        .await?;
    if let (true, false, Some(customer)) = (preview.real_values, read_pii, customer) {
        let detail = format!("real values rendered for customer {customer}");
        audited("campaign.preview", &id, Some(detail)).await?;
    }
    Ok(preview)
}

/// The template variables the editor offers (from the field catalog).
#[server(endpoint = "campaigns/editor_options")]
pub async fn get_editor_options() -> Result<EditorOptions, AppError> {
    crate::server::app_state()?.campaigns.editor_options().await
}

/// Per variant and holdout counts, uplift and significance, and the hourly series.
#[server(endpoint = "campaigns/results")]
pub async fn get_campaign_results(id: String) -> Result<CampaignResults, AppError> {
    crate::server::app_state()?
        .campaigns
        .results(parse_id("id", &id)?)
        .await
}

/// What launching `id` would do now: recipients, holdout, capped, what the channel lacks.
#[server(endpoint = "campaigns/launch_check")]
pub async fn check_launch(id: String) -> Result<LaunchCheck, AppError> {
    crate::server::app_state()?
        .campaigns
        .launch_check(parse_id("id", &id)?)
        .await
}

/// Launches draft `id` (refused, naming what is missing, when its channel is not set up), then
/// opens its page; returns its new status. Audited.
#[server(endpoint = "campaigns/launch")]
pub async fn launch_campaign(id: String) -> Result<String, AppError> {
    let status = crate::server::app_state()?
        .campaigns
        .launch(parse_id("id", &id)?)
        .await?;
    audited("campaign.launch", &id, Some(status.as_str().into())).await?;
    leptos_axum::redirect(&format!("/campaigns/{}", id.trim()));
    Ok(status.as_str().to_owned())
}

/// Re-queues the failed messages of `id` once its channel is set up (consent, caps and quiet
/// hours are checked again at send); returns how many. Audited.
#[server(endpoint = "campaigns/retry")]
pub async fn retry_failed(id: String) -> Result<u64, AppError> {
    let requeued = crate::server::app_state()?
        .campaigns
        .retry_failed(parse_id("id", &id)?)
        .await?;
    let detail = format!("{requeued} failed messages re-queued");
    audited("campaign.retry", &id, Some(detail)).await?;
    Ok(requeued)
}

/// Pauses `id`. Audited.
#[server(endpoint = "campaigns/pause")]
pub async fn pause_campaign(id: String) -> Result<(), AppError> {
    crate::server::app_state()?
        .campaigns
        .pause(parse_id("id", &id)?)
        .await?;
    audited("campaign.pause", &id, None).await
}

/// Resumes `id`. Audited.
#[server(endpoint = "campaigns/resume")]
pub async fn resume_campaign(id: String) -> Result<(), AppError> {
    crate::server::app_state()?
        .campaigns
        .resume(parse_id("id", &id)?)
        .await?;
    audited("campaign.resume", &id, None).await
}

/// Cancels `id` for good. Audited.
#[server(endpoint = "campaigns/cancel")]
pub async fn cancel_campaign(id: String) -> Result<(), AppError> {
    crate::server::app_state()?
        .campaigns
        .cancel(parse_id("id", &id)?)
        .await?;
    audited("campaign.cancel", &id, None).await
}

/// Campaign messages to customer `id`, newest first.
#[server(endpoint = "profiles/campaigns")]
pub async fn list_profile_campaigns(id: String) -> Result<Vec<CampaignHistoryItem>, AppError> {
    let id = id
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a profile id"))?;
    crate::server::app_state()?.campaigns.history(id).await
}

/// The Channels settings (secrets only as set / not set).
#[server(endpoint = "channels/get")]
pub async fn get_channel_settings() -> Result<CampaignSettingsView, AppError> {
    let state = crate::server::app_state()?;
    let doc = state.campaigns.settings.load().await?;
    Ok(CampaignSettingsView {
        settings: doc.settings,
        smtp_password_set: doc.smtp_password.is_some(),
        webhook_secret_set: doc.webhook_secret.is_some(),
    })
}

/// Saves the Channels settings; an empty secret keeps the stored one. Audited (never the secrets).
#[server(endpoint = "channels/save")]
pub async fn save_channel_settings(form: ChannelSettingsForm) -> Result<(), AppError> {
    use crate::server::campaigns::settings_form;
    let state = crate::server::app_state()?;
    let (settings, password, secret) = settings_form::parse(&form)?;
    let allow_private = state.campaigns.env.webhook_allow_private;
    settings_form::check_webhook(&settings.webhook_url, allow_private).await?;
    state
        .campaigns
        .settings
        .save(&settings, password, secret)
        .await?;
    audited("channels.update", "channels", None).await
}
