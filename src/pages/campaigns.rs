//! Campaigns: the list, the editor, and one campaign's page (audience preview, message preview,
//! actions, results).
mod actions;
mod detail;
mod editor;
mod launch;
mod preview;
mod results;
mod sections;
mod variables;

pub use detail::CampaignPage;
pub use editor::{EditCampaignPage, NewCampaignPage};
pub use launch::LaunchCampaignPage;

use crate::{
    api::campaigns::list_campaigns,
    components::{
        LoadError,
        session::{RoleNote, current_user},
    },
    model::{access::Permission, campaign::CampaignSummary},
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Every campaign, newest change first.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let campaigns = Resource::new(|| (), |_| list_campaigns());
    let can_edit = current_user().can(Permission::EditMarketing);
    view! {
        <Title text="Campaigns" />
        <header class="page-header">
            <h1>"Campaigns"</h1>
            <Show when=move || can_edit>
                <div class="actions">
                    <a class="button primary" href="/campaigns/new">"New campaign"</a>
                </div>
            </Show>
        </header>
        {(!can_edit).then(|| view! { <RoleNote text="Only admins and marketers can create or change segments and campaigns." /> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading campaigns…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    campaigns.await.map(|items| view! { <CampaignTable items /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// A status as a badge.
pub fn status_badge(status: &str) -> impl IntoView + use<> {
    let class = format!("badge status-{status}");
    view! { <span class=class data-testid="campaign-status">{status.to_owned()}</span> }
}

/// A failure count, in red when there is any.
pub fn failed_cell(failed: u64) -> impl IntoView + use<> {
    let class = if failed > 0 { "failed-count" } else { "muted" };
    view! { <span class=class>{failed}</span> }
}

#[component]
fn CampaignTable(items: Vec<CampaignSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty-state">
                <h3>"No campaigns yet"</h3>
                <p>"Send a message to a segment by email, webhook or in-app, now, later, on a schedule or when someone enters a segment."</p>
            </div>
        }
        .into_any();
    }
    let rows = items.into_iter().map(|c| {
        view! {
            <tr>
                <th scope="row"><a href=format!("/campaigns/{}", c.id)>{c.name.clone()}</a></th>
                <td>{c.channel.label()}</td>
                <td>{status_badge(c.status.as_str())}</td>
                <td>{c.schedule.clone()}</td>
                <td class="num" data-testid="campaign-sent">{c.totals.sent}</td>
                <td class="num" data-testid="campaign-failed">{failed_cell(c.totals.failed)}</td>
                <td>{when(c.updated_at)}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table" data-testid="campaign-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Channel"</th><th scope="col">"Status"</th>
                <th scope="col">"Schedule"</th><th scope="col" class="num">"Sent"</th><th scope="col" class="num">"Failed"</th><th scope="col">"Last change"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
