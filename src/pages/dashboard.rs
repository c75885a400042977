//! Home: the numbers people glance at first.
use crate::{
    api::{LoadDemoData, dashboard::CHART_DAYS, get_dashboard},
    components::{
        DailyBarChart, LoadError,
        live_socket::use_live_socket,
        session::current_user,
        sparkline::{sparkline_pair_svg, sparkline_svg},
    },
    model::{
        DashboardSummary,
        access::MARKETING_DATA,
        live::{LiveBucket, LiveMessage, ServerFrame, Stream, StreamFilter},
    },
};
use chrono::Timelike as _;
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
    let empty = summary.profile_count == 0;
    let live = LiveCounts::new(&summary);
    let _connection = use_live_socket(
        vec![(Stream::Stats, StreamFilter::default())],
        None,
        move |frame| {
            if let ServerFrame::Live(frame) = frame
                && let LiveMessage::Tick(tick) = frame.message
            {
                live.add(&tick.bucket);
            }
        },
    );
    view! {
        {empty.then(|| view! { <DemoOffer demo /> })}
        <div class="kpis">
            <ProfilesKpi summary=summary.clone() />
            <EventsKpi summary=summary.clone() live />
            <ErrorsKpi live />
            {current_user().can(MARKETING_DATA).then(|| view! { <SegmentsKpi summary=summary.clone() /> })}
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

/// The dashboard numbers the socket's ticks keep current between page loads.
#[derive(Clone, Copy)]
struct LiveCounts {
    /// The UTC hour the latest tick fell in.
    now: RwSignal<chrono::DateTime<chrono::Utc>>,
    events_today: RwSignal<u64>,
    by_hour: RwSignal<Vec<u64>>,
    errors: RwSignal<u64>,
    errors_by_minute: RwSignal<Vec<u64>>,
}

impl LiveCounts {
    fn new(summary: &DashboardSummary) -> Self {
        Self {
            now: RwSignal::new(summary.at),
            events_today: RwSignal::new(summary.events_today),
            by_hour: RwSignal::new(summary.events_by_hour_today.clone()),
            errors: RwSignal::new(summary.ingest_errors_last_hour),
            errors_by_minute: RwSignal::new(summary.ingest_errors_by_minute.clone()),
        }
    }

    fn add(&self, bucket: &LiveBucket) {
        if bucket.start.date_naive() != self.now.get_untracked().date_naive() {
            // Midnight (UTC) passed: today starts from nothing.
            self.events_today.set(0);
            self.by_hour.update(|h| h.iter_mut().for_each(|v| *v = 0));
        }
        self.now.set(bucket.start);
        let events = bucket.total_events();
        self.events_today.update(|n| *n += events);
        let hour = bucket.start.hour() as usize;
        self.by_hour.update(|h| {
            if let Some(slot) = h.get_mut(hour) {
                *slot += events;
            }
        });
        self.errors.update(|n| *n += bucket.errors);
        self.errors_by_minute.update(|m| {
            if let Some(last) = m.last_mut() {
                *last += bucket.errors;
            }
        });
    }
}

#[component]
fn ProfilesKpi(summary: DashboardSummary) -> impl IntoView {
    let added: Vec<u64> = summary.profiles_added.iter().map(|d| d.count).collect();
    let share = (summary.profile_count > 0)
        .then(|| summary.identified_count * 100 / summary.profile_count.max(1));
    view! {
        <article class="kpi card">
            <h2>"Profiles"</h2>
            <p class="kpi-value" data-testid="kpi-profiles">{summary.profile_count}</p>
            <span class="sparkline" role="img" aria-label=format!("profiles added per day, last {CHART_DAYS} days: {added:?}") inner_html=sparkline_svg(&added)></span>
            <p class="muted" data-testid="kpi-identified">
                {share.map_or("no profiles yet".to_owned(), |p| format!("{p}% identified ({} with a user id, email or phone)", summary.identified_count))}
            </p>
        </article>
    }
}

#[component]
fn EventsKpi(summary: DashboardSummary, live: LiveCounts) -> impl IntoView {
    let yesterday = summary.events_by_hour_yesterday.clone();
    let by_now = summary.events_yesterday_by_now;
    let compare = move || {
        let today = live.events_today.get();
        match by_now {
            0 => format!("{} yesterday in all", summary.events_yesterday),
            _ => {
                let change = (today as f64 - by_now as f64) / by_now as f64 * 100.0;
                format!("{change:+.0}% vs yesterday by this time ({by_now})")
            }
        }
    };
    view! {
        <article class="kpi card">
            <h2>"Events today (UTC)"</h2>
            <p class="kpi-value" data-testid="kpi-events-today">{move || live.events_today.get()}</p>
            <span class="sparkline" role="img" aria-label="events per hour, today in blue over yesterday in grey" inner_html=move || sparkline_pair_svg(&hours_so_far(&live.by_hour.get(), live.now.get()), &yesterday)></span>
            <p class="muted kpi-compare">{compare}</p>
        </article>
    }
}

/// Today's hours up to the current one (later hours have not happened yet).
fn hours_so_far(hours: &[u64], now: chrono::DateTime<chrono::Utc>) -> Vec<u64> {
    hours
        .iter()
        .take(now.hour() as usize + 1)
        .copied()
        .collect()
}

#[component]
fn ErrorsKpi(live: LiveCounts) -> impl IntoView {
    view! {
        <article class="kpi card">
            <h2>"Ingest errors, last hour"</h2>
            <p class="kpi-value" data-testid="kpi-errors">{move || live.errors.get()}</p>
            <span class="sparkline" role="img" aria-label="refused tracking calls per minute, last hour" inner_html=move || sparkline_svg(&live.errors_by_minute.get())></span>
            <p class="muted">"tracking calls refused (bad key, invalid body, too large)"</p>
        </article>
    }
}

#[component]
fn SegmentsKpi(summary: DashboardSummary) -> impl IntoView {
    let rows = summary
        .segments
        .into_iter()
        .map(|s| {
            view! {
                <li>
                    <a href=format!("/segments/{}", s.id)>{s.name.clone()}</a>
                    <span class="sparkline" role="img" aria-label=format!("{} size trend", s.name) inner_html=sparkline_svg(&s.trend)></span>
                    <span class="num">{s.size}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <article class="kpi card">
            <h2>"Active segments"</h2>
            <p class="kpi-value" data-testid="kpi-segments">{summary.active_segments}</p>
            {(summary.active_segments == 0).then(|| view! {
                <p class="muted">"No segments yet. " <a href="/segments/new">"Build one"</a></p>
            })}
            <ul class="segment-kpis">{rows}</ul>
            <p class="muted" data-testid="kpi-campaigns">{format!("{} active campaigns", summary.active_campaigns)}</p>
        </article>
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
