//! Home: the numbers people glance at first.
use crate::{
    api::{dashboard::CHART_DAYS, get_dashboard},
    components::{DailyBarChart, LoadError},
    model::DashboardSummary,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// KPIs and the profiles-added chart.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Dashboard" />
        <header class="page-header">
            <h1>"Dashboard"</h1>
        </header>
        <Suspense fallback=|| {
            view! { <p class="loading" role="status">"Loading the dashboard…"</p> }
        }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    summary.await.map(|s| view! { <Summary summary=s /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Summary(summary: DashboardSummary) -> impl IntoView {
    let added: u64 = summary.profiles_added.iter().map(|d| d.count).sum();
    view! {
        <div class="kpis">
            <article class="kpi card">
                <h2>"Profiles"</h2>
                <p class="kpi-value" data-testid="kpi-profiles">{summary.profile_count}</p>
                <p class="muted">"one per person, across every source"</p>
            </article>
            <article class="kpi card">
                <h2>{format!("Added in {CHART_DAYS} days")}</h2>
                <p class="kpi-value">{added}</p>
                <p class="muted"><a href="/customers">"See customers"</a></p>
            </article>
        </div>
        <section class="card">
            <DailyBarChart
                title="Profiles added per day (UTC)"
                unit="profiles"
                data=summary.profiles_added
            />
        </section>
    }
}
