//! A customer's campaign history: every message queued for them, its variant, what became of
//! it, and whether they opened, clicked and converted.
use crate::{
    api::campaigns::list_profile_campaigns, components::LoadError,
    model::campaign::CampaignHistoryItem, pages::settings::when,
};
use leptos::prelude::*;

/// The campaign messages to customer `id`, newest first (shown to roles that see marketing
/// data).
#[component]
pub fn CampaignHistory(id: String) -> impl IntoView {
    let history = Resource::new(move || id.clone(), list_profile_campaigns);
    view! {
        <section class="card" aria-labelledby="campaigns-heading" data-testid="customer-campaigns">
            <h2 id="campaigns-heading">"Campaigns"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading campaigns…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { history.await.map(|items| view! { <HistoryTable items /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn HistoryTable(items: Vec<CampaignHistoryItem>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">"No campaign has reached this customer yet."</p> }
            .into_any();
    }
    let yes = |b: bool| if b { "yes" } else { "–" };
    let rows = items.into_iter().map(|h| {
        let name =
            view! { <a href=format!("/campaigns/{}", h.campaign_id)>{h.campaign.clone()}</a> };
        let status = match &h.error {
            Some(e) => format!("{} ({e})", h.status),
            None => h.status.clone(),
        };
        view! {
            <tr>
                <td>{when(h.sent_at.unwrap_or(h.queued_at))}</td>
                <th scope="row">{name}</th>
                <td>{h.channel.label()}</td>
                <td>{h.variant.clone()}</td>
                <td>{status}</td>
                <td>{yes(h.opened)}</td>
                <td>{yes(h.clicked)}</td>
                <td>{yes(h.converted)}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Campaign"</th><th scope="col">"Channel"</th><th scope="col">"Variant"</th>
                <th scope="col">"Status"</th><th scope="col">"Opened"</th><th scope="col">"Clicked"</th><th scope="col">"Converted"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
