//! The preview: each audience step with how many remain (a funnel), and every variant rendered
//! for a chosen customer, masked for roles that may not read personal data.
use crate::{
    api::campaigns::preview_campaign,
    components::LoadError,
    model::campaign::{AudienceStep, CampaignPreview, CampaignStatus},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Drafts preview the audience as it is now; launched campaigns show their latest run's steps.
#[component]
pub fn PreviewPanel(
    id: String,
    status: CampaignStatus,
    last_steps: Vec<AudienceStep>,
) -> impl IntoView {
    let query = use_query_map();
    let customer = move || query.read().get("customer").filter(|c| !c.is_empty());
    let preview = {
        let id = id.clone();
        Resource::new(
            move || (id.clone(), customer()),
            |(id, customer)| preview_campaign(id, customer),
        )
    };
    let draft = status == CampaignStatus::Draft;
    let heading = if draft {
        "Audience now"
    } else {
        "Audience of the latest run"
    };
    let launched_steps =
        (!draft && !last_steps.is_empty()).then(|| view! { <Funnel steps=last_steps /> });
    view! {
        <section class="card" aria-labelledby="preview-heading">
            <h2 id="preview-heading">{heading}</h2>
            {launched_steps}
            <Transition fallback=|| view! { <p class="loading" role="status">"Counting the audience…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        preview.await.map(|p| view! { <PreviewBody preview=p draft /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn PreviewBody(preview: CampaignPreview, draft: bool) -> impl IntoView {
    let options = preview
        .sample
        .iter()
        .map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> })
        .collect_view();
    let rendered = preview.rendered.iter().map(|r| view! {
        <article class="card message-preview" data-testid="rendered-message">
            <h4>{format!("Variant {}", r.variant)}</h4>
            <p><strong>"Subject: "</strong><span data-testid="rendered-subject">{r.subject.clone()}</span></p>
            <pre class="message-body">{r.body.clone()}</pre>
        </article>
    }).collect_view();
    let who = preview.customer.clone().map(|c| view! {
        <p data-testid="preview-customer">{format!("Rendered for {c}: {}", preview.customer_group.clone().unwrap_or_default())}</p>
    });
    let values = preview.customer.is_some().then(|| {
        let note = if preview.real_values {
            "The messages below show this customer's real values, as they would receive them; they are shown only here, and the preview is recorded in the audit log."
        } else {
            "Personal values are masked: real values are shown only for customers in this campaign's audience."
        };
        view! { <p class="hint" data-testid="preview-values">{note}</p> }
    });
    let warnings = (!preview.warnings.is_empty()).then(|| {
        let items = preview
            .warnings
            .iter()
            .map(|w| view! { <li>{w.clone()}</li> })
            .collect_view();
        view! {
            <div class="alert alert-warning" role="status" data-testid="preview-warnings">
                <p><strong>"Check these variables:"</strong></p>
                <ul>{items}</ul>
            </div>
        }
    });
    view! {
        {draft.then(|| view! { <Funnel steps=preview.steps.clone() /> })}
        <h3>"Message preview"</h3>
        {warnings}
        <form method="get" class="form preview-picker">
            <div class="field">
                <label for="preview-customer">"Customer"</label>
                <select id="preview-customer" name="customer">
                    <option value="">"Choose someone in the audience"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="button">"Preview"</button>
        </form>
        {who}
        {values}
        <div class="message-previews">{rendered}</div>
    }
}

/// The audience steps as horizontal bars.
#[component]
pub fn Funnel(steps: Vec<AudienceStep>) -> impl IntoView {
    let top = steps.first().map_or(1, |s| s.remaining.max(1));
    let rows = steps.into_iter().map(|s| {
        let width = format!("width: {:.1}%", s.remaining as f64 * 100.0 / top as f64);
        let removed = (s.removed > 0).then(|| format!("−{}", s.removed));
        view! {
            <tr>
                <th scope="row">{s.label.clone()}</th>
                <td class="num" data-testid="step-remaining">{s.remaining}</td>
                <td class="num muted">{removed}</td>
                <td class="bar-cell" aria-hidden="true"><span class="bar" style=width></span></td>
            </tr>
        }
    });
    view! {
        <table class="data-table funnel" data-testid="audience-steps">
            <thead><tr><th scope="col">"Step"</th><th scope="col" class="num">"Remaining"</th><th scope="col" class="num">"Removed"</th><th scope="col"><span class="visually-hidden">"Share"</span></th></tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
}
