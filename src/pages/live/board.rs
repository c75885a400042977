//! The charts and figures of the live page, fed by the snapshot and then by the socket.
use super::tail::EventTail;
use crate::{
    components::{
        live_charts::{Band, Zone, activity_bands, css, event_rate_bands, render_bands_svg},
        live_socket::{Connection, use_live_socket},
    },
    model::live::{
        Control, LiveMessage, LiveSeries, LiveSnapshot, NameCount, ServerFrame, Stream,
        StreamFilter,
    },
};
use leptos::prelude::*;

/// Events the tail keeps on screen.
pub const TAIL_ROWS: usize = 50;
/// Rows in the top-events and top-pages tables.
const TOP_ROWS: usize = 8;

/// Everything below the page header, for one snapshot.
#[component]
pub fn LiveBoard(snapshot: LiveSnapshot, resync: Callback<()>) -> impl IntoView {
    let series = RwSignal::new(snapshot.series);
    let tail = RwSignal::new(snapshot.tail);
    let active = RwSignal::new(snapshot.active_profiles);
    let paused = RwSignal::new(false);
    let zone = RwSignal::new(Zone::default());
    Effect::new(move |_| zone.set(browser_zone()));
    let ticks_from = snapshot.ticks_from;
    let streams = vec![
        (Stream::Events, StreamFilter::default()),
        (Stream::Stats, StreamFilter::default()),
    ];
    let connection = use_live_socket(streams, Some(snapshot.seq), move |frame| match frame {
        ServerFrame::Live(live) => match live.message {
            LiveMessage::Tick(tick) if tick.bucket.start >= ticks_from => {
                series.update(|s| s.add(&tick.bucket));
                active.set(tick.active_profiles);
            }
            LiveMessage::Event(event) if !paused.get_untracked() => tail.update(|rows| {
                rows.insert(0, event);
                rows.truncate(TAIL_ROWS);
            }),
            _ => {}
        },
        ServerFrame::Control(c) => {
            if matches!(c.control, Control::Lagged { .. } | Control::Resync { .. }) {
                resync.run(());
            }
        }
    });
    view! {
        <Status connection feed=snapshot.feed />
        <Figures series active />
        <section class="card">
            <Chart
                title="Events per second, by event"
                unit="events/s"
                testid="events-chart"
                stacked=true
                series
                zone
                bands=event_rate_bands
            />
        </section>
        <div class="grid-2">
            <section class="card">
                <TopTable title="Top events" testid="top-events" rows=Signal::derive(move || series.read().top_events(TOP_ROWS)) />
            </section>
            <section class="card">
                <TopTable title="Top pages" testid="top-pages" rows=Signal::derive(move || series.read().top_pages(TOP_ROWS)) />
            </section>
        </div>
        <section class="card">
            <Chart
                title="Segment entries, exits and campaign sends per minute"
                unit="per minute"
                testid="activity-chart"
                stacked=false
                series
                zone
                bands=activity_bands
            />
        </section>
        <EventTail tail paused />
    }
}

/// The reader's time zone, once the page runs in a browser.
fn browser_zone() -> Zone {
    #[cfg(feature = "hydrate")]
    {
        let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
        Zone {
            offset_minutes: offset,
            local: true,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    Zone::default()
}

/// Connection badge and where events come from.
#[component]
fn Status(connection: ReadSignal<Connection>, feed: String) -> impl IntoView {
    let feed = match feed.as_str() {
        "change_stream" => "every instance's events (change streams)",
        _ => "this instance's events",
    };
    view! {
        <p class="live-status" role="status" aria-live="polite">
            <span
                class="badge"
                class:badge-live=move || connection.get() == Connection::Live
                data-testid="live-connection"
            >
                {move || connection.get().label()}
            </span>
            <span class="muted">{format!(" Showing {feed}.")}</span>
        </p>
    }
}

/// Active profiles, events in the window and the identified share.
#[component]
fn Figures(series: RwSignal<LiveSeries>, active: RwSignal<u64>) -> impl IntoView {
    let total = Memo::new(move |_| series.read().total());
    let events = move || total.read().total_events();
    let identified_share = move || {
        let t = total.read();
        let all = t.identified + t.anonymous;
        (all > 0).then(|| (t.identified * 100 + all / 2) / all)
    };
    let window = move || series.read().window_minutes;
    view! {
        <div class="kpis">
            <article class="kpi card">
                <h2>"Active profiles"</h2>
                <p class="kpi-value" data-testid="active-profiles">{move || active.get()}</p>
                <p class="muted">"with an event in the last 5 minutes"</p>
            </article>
            <article class="kpi card">
                <h2>"Events"</h2>
                <p class="kpi-value" data-testid="window-events">{events}</p>
                <p class="muted">{move || format!("in the last {} minutes", window())}</p>
            </article>
            <article class="kpi card">
                <h2>"Identified"</h2>
                <p class="kpi-value" data-testid="identified-share">
                    {move || identified_share().map_or("–".to_owned(), |p| format!("{p}%"))}
                </p>
                <div class="share-bar" aria-hidden="true">
                    <span style=move || format!("width: {}%", identified_share().unwrap_or(0))></span>
                </div>
                <p class="muted">"of events carried a user id; the rest were anonymous"</p>
            </article>
        </div>
    }
}

/// A plotters chart with its legend and, for screen readers, the numbers as a table.
#[component]
fn Chart(
    title: &'static str,
    unit: &'static str,
    testid: &'static str,
    stacked: bool,
    series: RwSignal<LiveSeries>,
    zone: RwSignal<Zone>,
    bands: fn(&LiveSeries) -> Vec<Band>,
) -> impl IntoView {
    let drawn = Memo::new(move |_| bands(&series.read()));
    let svg = move || {
        render_bands_svg(
            &series.read(),
            &drawn.read(),
            stacked,
            unit,
            zone.get(),
            (720, 260),
        )
    };
    let summary = move || {
        let parts: Vec<String> = drawn
            .read()
            .iter()
            .map(|b| {
                format!(
                    "{} peak {:.1}",
                    b.name,
                    b.values.iter().fold(0.0_f64, |m, v| m.max(*v))
                )
            })
            .collect();
        format!(
            "{title} ({unit}): {}",
            if parts.is_empty() {
                "no data yet".to_owned()
            } else {
                parts.join(", ")
            }
        )
    };
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{title}</figcaption>
            <ul class="legend">
                {move || drawn.read().iter().map(|b| view! {
                    <li><span class="swatch" style=format!("background: {}", css(b.color))></span>{b.name.clone()}</li>
                }).collect_view()}
            </ul>
            <div class="chart-svg wide" role="img" aria-label=summary inner_html=svg></div>
            <ChartTable unit series bands=drawn zone />
        </figure>
    }
}

/// The chart's numbers, newest first, one column per band (non-empty rows only).
#[component]
fn ChartTable(
    unit: &'static str,
    series: RwSignal<LiveSeries>,
    bands: Memo<Vec<Band>>,
    zone: RwSignal<Zone>,
) -> impl IntoView {
    let rows = move || {
        let series = series.read();
        let bands = bands.read();
        (0..series.buckets.len())
            .rev()
            .filter(|i| bands.iter().any(|b| b.values.get(*i).is_some_and(|v| *v > 0.0)))
            .take(60)
            .map(|i| {
                let cells = bands
                    .iter()
                    .map(|b| view! { <td class="num">{format!("{:.1}", b.values.get(i).copied().unwrap_or(0.0))}</td> })
                    .collect_view();
                view! { <tr><td>{zone.get().clock(series.buckets[i].start)}</td>{cells}</tr> }
            })
            .collect_view()
    };
    view! {
        <details class="chart-data">
            <summary>"Show data table"</summary>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{move || format!("Time ({})", zone.get().label())}</th>
                        {move || bands.read().iter().map(|b| view! { <th scope="col" class="num">{format!("{} ({unit})", b.name)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

/// The most frequent names of the window, with a bar for each.
#[component]
fn TopTable(
    title: &'static str,
    testid: &'static str,
    rows: Signal<Vec<NameCount>>,
) -> impl IntoView {
    let body = move || {
        let rows = rows.get();
        let max = rows.first().map_or(1, |r| r.count.max(1));
        if rows.is_empty() {
            return view! { <p class="muted">"Nothing in this window yet."</p> }.into_any();
        }
        let items = rows
            .into_iter()
            .map(|r| {
                let width = r.count * 100 / max;
                view! {
                    <tr>
                        <th scope="row">{r.name}</th>
                        <td class="bar-cell"><span class="inline-bar" style=format!("width: {width}%")></span></td>
                        <td class="num">{r.count}</td>
                    </tr>
                }
            })
            .collect_view();
        view! { <table class="top-table"><tbody>{items}</tbody></table> }.into_any()
    };
    view! {
        <h2>{title}</h2>
        <div data-testid=testid>{body}</div>
    }
}
