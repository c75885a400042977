//! Home: the numbers people glance at first.
use crate::{
    api::{LoadDemoData, dashboard::CHART_DAYS, get_dashboard},
    components::{DailyBarChart, LoadError},
    model::DashboardSummary,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// KPIs and the profiles-added chart.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let demo = ServerAction::<LoadDemoData>::new();
    let summary = Resource::new(move || demo.version().get(), |_| get_dashboard());
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
                    summary.await.map(|s| view! { <Summary summary=s demo /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Summary(summary: DashboardSummary, demo: ServerAction<LoadDemoData>) -> impl IntoView {
    let added: u64 = summary.profiles_added.iter().map(|d| d.count).sum();
    let empty = summary.profile_count == 0;
    view! {
        {empty.then(|| view! { <DemoOffer demo /> })}
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

/// On an empty database: one click fills it with realistic demo data.
#[component]
fn DemoOffer(demo: ServerAction<LoadDemoData>) -> impl IntoView {
    let failure = move || {
        demo.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <section class="card empty-state" data-testid="demo-offer">
            <h2>"No customers yet"</h2>
            <p>
                "Send events to the tracking API, import a file in Settings, or load demo data: "
                {format!("{} people", crate::api::dashboard::DEMO_CUSTOMERS)}
                " spread over two legacy systems, with 90 days of web and app events."
            </p>
            <ActionForm action=demo>
                <button type="submit" class="button primary" disabled=move || demo.pending().get()>
                    {move || if demo.pending().get() { "Loading demo data…" } else { "Load demo data" }}
                </button>
            </ActionForm>
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
        </section>
    }
}
