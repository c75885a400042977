//! One campaign: what it sends to whom and when, the actions its status allows, the audience
//! and message preview, and its results.
use super::{preview::PreviewPanel, results::ResultsPanel, status_badge};
use crate::{
    api::campaigns::{CancelCampaign, LaunchCampaign, PauseCampaign, ResumeCampaign, get_campaign},
    components::{LoadError, session::current_user, status::set_status},
    error::AppError,
    model::{
        access::Permission,
        campaign::{CampaignDetail, CampaignStatus, Schedule},
    },
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

/// The actions of the campaign page, so every panel refetches after one.
#[derive(Clone, Copy)]
pub struct Actions {
    launch: ServerAction<LaunchCampaign>,
    pause: ServerAction<PauseCampaign>,
    resume: ServerAction<ResumeCampaign>,
    cancel: ServerAction<CancelCampaign>,
}

impl Actions {
    /// Changes whenever any action completes.
    pub fn version(self) -> usize {
        self.launch.version().get()
            + self.pause.version().get()
            + self.resume.version().get()
            + self.cancel.version().get()
    }

    fn error(self) -> Option<String> {
        let err = |e: Option<Result<_, AppError>>| e.and_then(Result::err).map(|e| e.to_string());
        err(self.launch.value().get().map(|r| r.map(|_| ())))
            .or_else(|| err(self.pause.value().get()))
            .or_else(|| err(self.resume.value().get()))
            .or_else(|| err(self.cancel.value().get()))
    }
}

/// The campaign in the URL.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = Actions {
        launch: ServerAction::new(),
        pause: ServerAction::new(),
        resume: ServerAction::new(),
        cancel: ServerAction::new(),
    };
    let detail = Resource::new(
        move || (id(), actions.version()),
        |(id, _)| get_campaign(id),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the campaign…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    let loaded = detail.await;
                    if matches!(loaded, Err(AppError::NotFound { .. })) {
                        set_status(404);
                    }
                    loaded.map(|d| view! { <Campaign detail=d actions /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Campaign(detail: CampaignDetail, actions: Actions) -> impl IntoView {
    let d = detail.definition.clone();
    let sending = detail.status == CampaignStatus::Sending;
    let name_of = |id: &String| {
        detail
            .segment_names
            .iter()
            .find(|(i, _)| i == id)
            .map_or(id.clone(), |(_, n)| n.clone())
    };
    let include = d.include.iter().map(name_of).collect::<Vec<_>>().join(", ");
    let exclude = d.exclude.iter().map(name_of).collect::<Vec<_>>().join(", ");
    let schedule = match &d.schedule {
        Schedule::Now => "Once, when launched".to_owned(),
        Schedule::At { at } => format!("Once, at {}", when(*at)),
        Schedule::Recurring { cron, timezone } => format!("Recurring: {cron} ({timezone})"),
        Schedule::Triggered { segment_id } => {
            format!("When someone enters {}", name_of(segment_id))
        }
    };
    let next = detail
        .next_run_at
        .map(|at| view! { <dd>{format!("next run {}", when(at))}</dd> });
    let goal = d.conversion.as_ref().map_or("none".to_owned(), |g| {
        let filters: Vec<String> = g
            .filters
            .iter()
            .map(|f| format!("{} = {}", f.property, f.value))
            .collect();
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!(" where {}", filters.join(", "))
        };
        format!("{}{filter} within {} days", g.event, g.window_days)
    });
    let variants = d
        .variants
        .iter()
        .map(|v| format!("{} ({}%)", v.key, v.split))
        .collect::<Vec<_>>()
        .join(", ");
    let id = detail.id.clone();
    view! {
        <Title text=format!("{} · Campaigns", d.name) />
        {sending.then(|| view! { <Meta http_equiv="refresh" content="3" /> })}
        <header class="page-header">
            <h1>{d.name.clone()}" "{status_badge(detail.status.as_str())}</h1>
            <p class="subtitle">{d.goal.clone()}</p>
            <ActionBar id=id.clone() status=detail.status actions />
        </header>
        {move || actions.error().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
        <section class="card" aria-labelledby="definition-heading">
            <h2 id="definition-heading">"Definition"</h2>
            <dl class="facts">
                <dt>"Channel"</dt><dd>{d.channel.label()}" · consent: "{d.purpose().to_owned()}</dd>
                <dt>"Audience"</dt><dd>{include}{(!exclude.is_empty()).then(|| format!(", except {exclude}"))}</dd>
                <dt>"Variants"</dt><dd>{variants}" · holdout "{d.holdout_percent}"%"</dd>
                <dt>"Schedule"</dt><dd>{schedule}</dd>{next}
                <dt>"Conversion goal"</dt><dd>{goal}</dd>
                <dt>"Last change"</dt><dd>{format!("{} by {}", when(detail.updated_at), detail.updated_by)}</dd>
            </dl>
        </section>
        <PreviewPanel id=id.clone() status=detail.status last_steps=detail.last_steps.clone() />
        {(detail.status != CampaignStatus::Draft).then(|| view! { <ResultsPanel id actions /> })}
    }
}

#[component]
fn ActionBar(id: String, status: CampaignStatus, actions: Actions) -> impl IntoView {
    if !current_user().can(Permission::EditMarketing) {
        return ().into_any();
    }
    use CampaignStatus as S;
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <div class="actions">
            {(status == S::Draft).then(|| view! {
                <a class="button" href=format!("/campaigns/{id}/edit")>"Edit"</a>
                <ActionForm action=actions.launch attr:class="inline">
                    <input type="hidden" name="id" value=id1 />
                    <button type="submit" class="button primary">"Launch"</button>
                </ActionForm>
            })}
            {status.is_live().then(|| view! {
                <ActionForm action=actions.pause attr:class="inline">
                    <input type="hidden" name="id" value=id2 />
                    <button type="submit" class="button">"Pause"</button>
                </ActionForm>
            })}
            {(status == S::Paused).then(|| view! {
                <ActionForm action=actions.resume attr:class="inline">
                    <input type="hidden" name="id" value=id3 />
                    <button type="submit" class="button primary">"Resume"</button>
                </ActionForm>
            })}
            {(status.is_live() || status == S::Paused).then(|| view! {
                <ActionForm action=actions.cancel attr:class="inline">
                    <input type="hidden" name="id" value=id4 />
                    <button type="submit" class="button danger">"Cancel campaign"</button>
                </ActionForm>
            })}
        </div>
    }
    .into_any()
}
