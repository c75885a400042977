//! Results: per variant and holdout counts, conversion rate, uplift with its interval and
//! significance, failures by reason, and sends and conversions per hour.
use super::actions::Actions;
use crate::{
    api::campaigns::get_campaign_results,
    campaign::significance::Comparison,
    components::{LoadError, campaign_chart::render_campaign_svg},
    model::campaign::{CampaignResults, VariantResult},
};
use leptos::prelude::*;

/// The results of campaign `id`.
#[component]
pub fn ResultsPanel(id: String, actions: Actions) -> impl IntoView {
    let results = Resource::new(
        move || (id.clone(), actions.version()),
        |(id, _)| get_campaign_results(id),
    );
    view! {
        <section class="card" aria-labelledby="results-heading" data-testid="campaign-results">
            <h2 id="results-heading">"Results"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading results…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { results.await.map(|r| view! { <ResultsBody results=r /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

fn uplift(comparison: &Option<Comparison>) -> String {
    let Some(c) = comparison else {
        return "–".to_owned();
    };
    let p = c
        .p_value
        .map_or("too few conversions to test".to_owned(), |p| {
            let verdict = if c.significant(0.05) {
                "significant"
            } else {
                "not significant"
            };
            format!("p = {p:.3}, {verdict}")
        });
    format!(
        "{:+.1} pp (95% CI {:+.1} to {:+.1}); {p}",
        c.uplift * 100.0,
        c.interval.0 * 100.0,
        c.interval.1 * 100.0
    )
}

fn row(v: VariantResult) -> impl IntoView {
    let base = if v.key == "holdout" {
        v.targeted
    } else {
        v.delivered
    };
    let label = if v.key == "holdout" {
        "Holdout".to_owned()
    } else {
        format!("Variant {}", v.key)
    };
    view! {
        <tr data-testid="variant-row">
            <th scope="row">{label}</th>
            <td class="num">{v.targeted}</td>
            <td class="num" data-testid="variant-sent">{v.sent}</td>
            <td class="num">{v.delivered}</td>
            <td class="num">{v.failed}</td>
            <td class="num">{v.opened}</td>
            <td class="num">{v.clicked}</td>
            <td class="num">{v.converted}</td>
            <td class="num">{percent(v.converted, base)}</td>
            <td>{uplift(&v.comparison)}</td>
        </tr>
    }
}

#[component]
fn ResultsBody(results: CampaignResults) -> impl IntoView {
    let zone = crate::components::local_time::user_zone();
    let chart = render_campaign_svg(&results.series, zone, 640, 220);
    let failures = (!results.failures.is_empty()).then(|| {
        let items = results
            .failures
            .iter()
            .map(|(reason, n)| view! { <li>{format!("{n} × {reason}")}</li> })
            .collect_view();
        view! { <h3>"Failures"</h3><ul class="failures">{items}</ul> }
    });
    let summary = format!(
        "{} pending · {} capped by the frequency cap · {} deferred by quiet hours",
        results.pending, results.capped, results.deferred
    );
    let has_series = !results.series.is_empty();
    view! {
        <p class="subtitle" data-testid="results-summary">{summary}</p>
        <table class="data-table">
            <thead><tr>
                <th scope="col">"Group"</th><th scope="col" class="num">"Targeted"</th><th scope="col" class="num">"Sent"</th>
                <th scope="col" class="num">"Delivered"</th><th scope="col" class="num">"Failed"</th><th scope="col" class="num">"Opened"</th>
                <th scope="col" class="num">"Clicked"</th><th scope="col" class="num">"Converted"</th><th scope="col" class="num">"Rate"</th>
                <th scope="col">"Uplift vs holdout"</th>
            </tr></thead>
            <tbody>{results.variants.into_iter().map(row).collect_view()}</tbody>
        </table>
        {has_series.then(|| view! {
            <figure class="chart">
                <span role="img" aria-label="Messages sent and conversions per hour" inner_html=chart></span>
                <figcaption>"Sent and converted per hour"</figcaption>
            </figure>
        })}
        {failures}
    }
}
