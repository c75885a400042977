//! The campaign page's actions (launch goes through its confirmation step; pause, resume,
//! cancel, retry failed) and the notice saying how a finished run went.
use crate::{
    api::campaigns::{CancelCampaign, PauseCampaign, ResumeCampaign, RetryFailed},
    components::session::{RoleNote, current_user},
    error::AppError,
    model::{
        access::Permission,
        campaign::{CampaignStatus, DeliveryTotals},
    },
};
use leptos::prelude::*;

/// The actions of the campaign page, so every panel refetches after one.
#[derive(Clone, Copy)]
pub struct Actions {
    pause: ServerAction<PauseCampaign>,
    resume: ServerAction<ResumeCampaign>,
    cancel: ServerAction<CancelCampaign>,
    retry: ServerAction<RetryFailed>,
}

impl Actions {
    /// Fresh actions (each picks up its no-JS result from the URL).
    pub fn new() -> Self {
        Self {
            pause: ServerAction::new(),
            resume: ServerAction::new(),
            cancel: ServerAction::new(),
            retry: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes.
    pub fn version(self) -> usize {
        self.pause.version().get()
            + self.resume.version().get()
            + self.cancel.version().get()
            + self.retry.version().get()
    }

    /// The last action's error, in words.
    pub fn error(self) -> Option<String> {
        let err =
            |e: Option<Result<(), AppError>>| e.and_then(Result::err).map(|e| e.user_message());
        err(self.pause.value().get())
            .or_else(|| err(self.resume.value().get()))
            .or_else(|| err(self.cancel.value().get()))
            .or_else(|| err(self.retry.value().get().map(|r| r.map(|_| ()))))
    }

    /// How many messages the last retry re-queued.
    fn retried(self) -> Option<u64> {
        self.retry.value().get().and_then(Result::ok)
    }
}

impl Default for Actions {
    fn default() -> Self {
        Self::new()
    }
}

/// One action as a small form (works without JavaScript).
macro_rules! button {
    ($action:expr, $id:expr, $label:expr, $class:expr) => {
        view! {
            <ActionForm action=$action attr:class="inline">
                <input type="hidden" name="id" value=$id />
                <button type="submit" class=concat!("button ", $class)>{$label}</button>
            </ActionForm>
        }
    };
}

/// What the campaign's status allows, for roles that may change campaigns.
#[component]
pub fn ActionBar(
    id: String,
    status: CampaignStatus,
    failed: u64,
    actions: Actions,
) -> impl IntoView {
    use CampaignStatus as S;
    if !current_user().can(Permission::EditMarketing) {
        return view! { <RoleNote text="Only admins and marketers can create or change segments and campaigns." /> }.into_any();
    }
    let retryable = failed > 0 && !matches!(status, S::Draft | S::Cancelled | S::Paused);
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <div class="actions">
            {(status == S::Draft).then(|| view! {
                <a class="button" href=format!("/campaigns/{id}/edit")>"Edit"</a>
                <a class="button primary" href=format!("/campaigns/{id}/launch")>"Launch…"</a>
            })}
            {retryable.then(|| button!(actions.retry, id1.clone(), format!("Retry {failed} failed"), "primary"))}
            {status.is_live().then(|| button!(actions.pause, id2.clone(), "Pause", ""))}
            {(status == S::Paused).then(|| button!(actions.resume, id3.clone(), "Resume", "primary"))}
            {(status.is_live() || status == S::Paused).then(|| button!(actions.cancel, id4.clone(), "Cancel campaign", "danger"))}
        </div>
    }
    .into_any()
}

/// How the sends went once some settled: every one failed (red), some failed, or a retry
/// was queued.
#[component]
pub fn DeliveryNotice(
    status: CampaignStatus,
    totals: DeliveryTotals,
    actions: Actions,
) -> impl IntoView {
    let retried = move || {
        actions.retried().map(|n| view! {
            <p class="alert" role="status" data-testid="retry-notice">{format!("{n} failed messages are queued again; consent, caps and quiet hours are checked again before each send.")}</p>
        })
    };
    let next_step = if current_user().can(Permission::EditMarketing) {
        "fix the cause (often Settings → Channels), then retry the failed messages"
    } else {
        "an admin or marketer can fix the cause and retry them"
    };
    let settled = if status == CampaignStatus::Failed {
        Some(view! {
            <p class="alert alert-error" role="alert" data-testid="delivery-notice">
                {format!("Every send failed: {} messages failed and none was sent. The reasons are under Results; {next_step}.", totals.failed)}
            </p>
        }.into_any())
    } else if totals.failed > 0 {
        Some(view! {
            <p class="alert alert-warning" role="status" data-testid="delivery-notice">
                {format!("{} sent, {} failed. The reasons are under Results.", totals.sent, totals.failed)}
            </p>
        }.into_any())
    } else {
        None
    };
    view! { {retried} {settled} }
}
