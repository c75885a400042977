//! One campaign: what it sends to whom and when, the actions its status allows, the audience
//! and message preview, and its results.
use super::{
    actions::{ActionBar, Actions, DeliveryNotice},
    preview::PreviewPanel,
    results::ResultsPanel,
    status_badge,
};
use crate::{
    api::campaigns::get_campaign,
    components::{LoadError, status::set_status},
    error::AppError,
    model::campaign::{CampaignDetail, CampaignStatus, Schedule},
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

/// The campaign in the URL.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = Actions::new();
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
            <ActionBar id=id.clone() status=detail.status failed=detail.totals.failed actions />
        </header>
        {move || actions.error().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="campaign-action-error">{e}</p> })}
        <DeliveryNotice status=detail.status totals=detail.totals actions />
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
