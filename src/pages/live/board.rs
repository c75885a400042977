//! The charts and figures of the live page, fed by the snapshot and then by the socket.
use super::{chart::LiveChart, tail::EventTail};
use crate::{
    components::{
        chart_colours::NameColours,
        live_charts::{activity_bands, activity_unit, css, event_rate_bands},
        live_socket::{Connection, use_live_socket},
        local_time::user_zone,
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
    let zone = user_zone();
    // Kept for the page's life: a name keeps its colour in every chart and table.
    let colours = StoredValue::new(NameColours::default());
    let event_bands = Memo::new(move |_| {
        colours
            .try_update_value(|c| event_rate_bands(&series.read(), c))
            .unwrap_or_default()
    });
    let activity = Memo::new(move |_| activity_bands(&series.read()));
    let activity_unit = Signal::derive(move || activity_unit(&series.read()));
    let colour_of =
        Callback::new(move |name: String| colours.with_value(|c| c.get(&name)).map(css));
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
            <LiveChart
                title="Events per second, by event"
                unit="events/s"
                testid="events-chart"
                stacked=true
                series
                zone
                bands=event_bands
            />
        </section>
        <div class="grid-2">
            <section class="card">
                <TopTable title="Top events" testid="top-events" rows=Signal::derive(move || series.read().top_events(TOP_ROWS)) colour_of />
            </section>
            <section class="card">
                <TopTable title="Top pages" testid="top-pages" rows=Signal::derive(move || series.read().top_pages(TOP_ROWS)) colour_of=Callback::new(|_: String| None) />
            </section>
        </div>
        <section class="card">
            <LiveChart
                title="Segment entries, exits and campaign sends"
                unit=activity_unit
                testid="activity-chart"
                stacked=false
                series
                zone
                bands=activity
            />
        </section>
        <EventTail tail paused zone />
    }
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

/// The most frequent names of the window, with a bar for each.
#[component]
fn TopTable(
    title: &'static str,
    testid: &'static str,
    rows: Signal<Vec<NameCount>>,
    /// The colour a name has in the charts (bars of names not charted stay the default).
    colour_of: Callback<String, Option<String>>,
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
                let colour = colour_of.run(r.name.clone())
                    .map_or(String::new(), |c| format!("; background: {c}"));
                view! {
                    <tr>
                        <th scope="row">{r.name}</th>
                        <td class="bar-cell"><span class="inline-bar" style=format!("width: {width}%{colour}")></span></td>
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
