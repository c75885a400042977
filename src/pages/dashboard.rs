//! Home: the numbers people glance at first.
use crate::{
    api::{LoadDemoData, dashboard::CHART_DAYS, get_dashboard},
    components::{
        DailyBarChart, LoadError,
        live_socket::use_live_socket,
        local_time::user_zone,
        session::{RoleNote, current_user},
        sparkline::{sparkline_pair_svg, sparkline_svg},
    },
    model::{
        DashboardSummary,
        access::{MARKETING_DATA, Permission},
        live::{LiveBucket, LiveMessage, ServerFrame, Stream, StreamFilter},
        live_series::align,
        time_zone::UserZone,
    },
};
use chrono::{DateTime, Utc};
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
        {empty.then(|| if current_user().can(Permission::ManageData) {
            view! { <DemoOffer demo /> }.into_any()
        } else {
            view! { <RoleNote text="No customers yet: an admin can import customers or load demo data in Settings." /> }.into_any()
        })}
        <div class="kpis">
            <ProfilesKpi summary=summary.clone() />
            <EventsKpi summary=summary.clone() live />
            <ErrorsKpi live />
            {current_user().can(MARKETING_DATA).then(|| view! { <SegmentsKpi summary=summary.clone() /> })}
        </div>
        <section class="card">
            <DailyBarChart
                title=format!("Profiles added per day ({})", live.zone.name())
                unit="profiles"
                data=summary.profiles_added
            />
        </section>
    }
}

/// The dashboard numbers the socket's ticks keep current between page loads.
#[derive(Clone, Copy)]
struct LiveCounts {
    /// The reader's zone: "today" and its hours are theirs.
    zone: UserZone,
    /// When the latest tick started.
    now: RwSignal<DateTime<Utc>>,
    events_today: RwSignal<u64>,
    by_hour: RwSignal<Vec<u64>>,
    /// Refused calls per minute over the last hour, the newest minute last.
    errors_by_minute: RwSignal<Vec<u64>>,
}

impl LiveCounts {
    fn new(summary: &DashboardSummary) -> Self {
        Self {
            zone: user_zone(),
            now: RwSignal::new(summary.at),
            events_today: RwSignal::new(summary.events_today),
            by_hour: RwSignal::new(summary.events_by_hour_today.clone()),
            errors_by_minute: RwSignal::new(summary.ingest_errors_by_minute.clone()),
        }
    }

    fn add(&self, bucket: &LiveBucket) {
        let zone = self.zone;
        let before = self.now.get_untracked();
        if zone.local_date(bucket.start) != zone.local_date(before) {
            // Midnight passed: today starts from nothing.
            self.events_today.set(0);
            self.by_hour.update(|h| h.iter_mut().for_each(|v| *v = 0));
        }
        self.now.set(bucket.start);
        let events = bucket.total_events();
        self.events_today.update(|n| *n += events);
        let hour = hour_of_day(zone, bucket.start);
        self.by_hour.update(|h| {
            if let Some(slot) = h.get_mut(hour) {
                *slot += events;
            }
        });
        self.errors_by_minute.update(|m| {
            roll_minutes(m, before, bucket.start);
            if let Some(last) = m.last_mut() {
                *last += bucket.errors;
            }
        });
    }

    /// Refused calls in the last hour: what the sparkline shows, no more.
    fn errors(&self) -> u64 {
        self.errors_by_minute.read().iter().sum()
    }
}

/// The hour of its day `at` falls in, in `zone` (0–23; 24 in a 25-hour day's last hour).
fn hour_of_day(zone: UserZone, at: DateTime<Utc>) -> usize {
    let midnight = zone.start_of(zone.local_date(at));
    usize::try_from((at - midnight).num_hours()).unwrap_or(0)
}

/// Moves a per-minute window whose newest minute holds `last` forward to the minute holding
/// `now`: minutes that left the hour are dropped and new ones start at zero, so an old spike
/// scrolls away instead of staying in the count and the scale.
fn roll_minutes(minutes: &mut Vec<u64>, last: DateTime<Utc>, now: DateTime<Utc>) {
    let passed = (align(now, 60) - align(last, 60)).num_minutes();
    let passed = usize::try_from(passed).unwrap_or(0).min(minutes.len());
    minutes.drain(..passed);
    minutes.resize(minutes.len() + passed, 0);
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
            <h2>"Events today"</h2>
            <p class="kpi-value" data-testid="kpi-events-today">{move || live.events_today.get()}</p>
            <span class="sparkline" role="img" aria-label="events per hour, today in blue over yesterday in grey" inner_html=move || sparkline_pair_svg(&hours_so_far(&live.by_hour.get(), live.zone, live.now.get()), &yesterday)></span>
            <p class="muted kpi-compare">{compare}</p>
        </article>
    }
}

/// Today's hours up to the current one (later hours have not happened yet).
fn hours_so_far(hours: &[u64], zone: UserZone, now: DateTime<Utc>) -> Vec<u64> {
    hours
        .iter()
        .take(hour_of_day(zone, now) + 1)
        .copied()
        .collect()
}

#[component]
fn ErrorsKpi(live: LiveCounts) -> impl IntoView {
    view! {
        <article class="kpi card">
            <h2>"Ingest errors, last hour"</h2>
            <p class="kpi-value" data-testid="kpi-errors">{move || live.errors()}</p>
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
            {(summary.active_segments == 0).then(|| if current_user().can(Permission::EditMarketing) {
                view! { <p class="muted">"No segments yet. " <a href="/segments/new">"Build one"</a></p> }.into_any()
            } else {
                view! { <p class="muted">"No segments yet."</p> }.into_any()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn item_16_an_error_spike_scrolls_out_of_the_last_hour() {
        let mut minutes = vec![0; 60];
        minutes[59] = 500;
        roll_minutes(
            &mut minutes,
            at("2026-12-02T10:00:10Z"),
            at("2026-12-02T10:30:05Z"),
        );
        assert_eq!(minutes.len(), 60);
        assert_eq!(
            minutes[29], 500,
            "thirty minutes on, the spike has moved back"
        );
        roll_minutes(
            &mut minutes,
            at("2026-12-02T10:30:05Z"),
            at("2026-12-02T11:05:00Z"),
        );
        assert_eq!(minutes.iter().sum::<u64>(), 0, "an hour on, it is gone");
    }

    #[test]
    fn hours_are_counted_in_the_readers_zone() {
        let seoul = UserZone::parse("Asia/Seoul").unwrap();
        assert_eq!(hour_of_day(seoul, at("2026-12-02T15:30:00Z")), 0);
        assert_eq!(
            hour_of_day(UserZone::default(), at("2026-12-02T15:30:00Z")),
            15
        );
    }
}
