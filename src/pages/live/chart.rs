//! One live chart: legend, the SVG drawn at its card's width, and the numbers as a table.
use crate::{
    components::{
        chart_svg::ChartSvg,
        live_charts::{Band, Look, css, render_bands_svg},
    },
    model::{live::LiveSeries, time_zone::UserZone},
};
use leptos::prelude::*;

/// Drawing height of a live chart.
const HEIGHT: u32 = 260;

/// A plotters chart of `bands` over `series`, with its legend and, for screen readers, the
/// numbers as a table.
#[component]
pub fn LiveChart(
    title: &'static str,
    #[prop(into)] unit: Signal<String>,
    testid: &'static str,
    stacked: bool,
    series: RwSignal<LiveSeries>,
    zone: UserZone,
    bands: Memo<Vec<Band>>,
) -> impl IntoView {
    let draw = move |width, height| {
        let y_label = unit.get();
        let look = Look {
            stacked,
            y_label: &y_label,
            zone,
            size: (width, height),
        };
        render_bands_svg(&series.read(), &bands.read(), look)
    };
    let summary = Signal::derive(move || summary(title, &unit.get(), &bands.read()));
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{title}</figcaption>
            <ul class="legend">
                {move || bands.read().iter().map(|b| view! {
                    <li><span class="swatch" style=format!("background: {}", css(b.color))></span>{b.name.clone()}</li>
                }).collect_view()}
            </ul>
            <ChartSvg label=summary height=HEIGHT default_width=720 draw />
            <ChartTable unit series bands zone />
        </figure>
    }
}

/// `title (unit): A peak 3.0, B peak 1.0` for screen readers.
fn summary(title: &str, unit: &str, bands: &[Band]) -> String {
    let parts: Vec<String> = bands
        .iter()
        .map(|b| {
            let peak = b.values.iter().fold(0.0_f64, |m, v| m.max(*v));
            format!("{} peak {peak:.1}", b.name)
        })
        .collect();
    let said = if parts.is_empty() {
        "no data yet".to_owned()
    } else {
        parts.join(", ")
    };
    format!("{title} ({unit}): {said}")
}

/// The chart's numbers, newest first, one column per band (non-empty rows only).
#[component]
fn ChartTable(
    unit: Signal<String>,
    series: RwSignal<LiveSeries>,
    bands: Memo<Vec<Band>>,
    zone: UserZone,
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
                    .map(|b| view! { <td class="num">{number(b.values.get(i).copied().unwrap_or(0.0))}</td> })
                    .collect_view();
                view! { <tr><td>{zone.clock(series.buckets[i].start)}</td>{cells}</tr> }
            })
            .collect_view()
    };
    view! {
        <details class="chart-data">
            <summary>"Show data table"</summary>
            <div class="table-scroll">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{format!("Time ({})", zone.name())}</th>
                            {move || bands.read().iter().map(|b| view! { <th scope="col" class="num">{format!("{} ({})", b.name, unit.get())}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

/// Whole numbers as counted; rates with one decimal.
fn number(v: f64) -> String {
    if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
