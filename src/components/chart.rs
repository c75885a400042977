//! Charts drawn with plotters into an SVG string, so the server and the browser share one path.
use super::chart_svg::ChartSvg;
use crate::model::DailyCount;
use leptos::prelude::*;
use plotters::{
    coord::{
        ranged1d::SegmentedCoord,
        types::{RangedCoordu32, RangedCoordu64},
    },
    prelude::*,
};

/// Bar colour: blue from the Okabe–Ito palette, distinguishable for colour-blind readers.
const BAR: RGBColor = RGBColor(0, 114, 178);
const INK: RGBColor = RGBColor(71, 85, 105);

/// Draws one bar per day with labelled axes; `y_label` names the unit.
pub fn render_daily_bars_svg(
    data: &[DailyCount],
    y_label: &str,
    width: u32,
    height: u32,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        // Drawing into a String cannot fail for I/O reasons; an error here is a layout bug.
        if let Err(err) = draw_daily_bars(&root, data, y_label) {
            return format!("<!-- chart error: {err} -->");
        }
    }
    svg
}

/// A chart with one segment per day on x and a count on y.
type DayChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordu32>, RangedCoordu64>>;

fn draw_daily_bars(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    data: &[DailyCount],
    y_label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let max = data.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let days = data.len().max(1) as u32;
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d((0u32..days).into_segmented(), 0u64..max + max.div_ceil(5))?;
    draw_axes(&mut chart, data, y_label)?;
    let bars = data.iter().enumerate().filter(|(_, d)| d.count > 0);
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(BAR.filled())
            .margin(4)
            .data(bars.map(|(i, d)| (i as u32, d.count))),
    )?;
    root.present()?;
    Ok(())
}

fn draw_axes(
    chart: &mut DayChart<'_, '_>,
    data: &[DailyCount],
    y_label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let label_style = ("sans-serif", 15).into_font().color(&INK);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(226, 232, 240))
        .bold_line_style(RGBColor(203, 213, 225))
        .axis_style(INK)
        .y_desc(y_label)
        .y_labels(5)
        .x_labels(data.len().clamp(1, 7))
        .x_label_formatter(&|v| day_label(data, v))
        .y_label_formatter(&|v| format!("{v}"))
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .draw()?;
    Ok(())
}

/// `MM-DD` for the day under a segment, empty between segments.
fn day_label(data: &[DailyCount], value: &SegmentValue<u32>) -> String {
    match value {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => data
            .get(*i as usize)
            .and_then(|d| d.day.get(5..))
            .unwrap_or_default()
            .to_owned(),
        SegmentValue::Last => String::new(),
    }
}

/// A daily bar chart with a caption and, for screen readers and the curious, the data as a table.
#[component]
pub fn DailyBarChart(
    /// Caption above the chart.
    #[prop(into)]
    title: String,
    /// Unit of the y axis.
    unit: &'static str,
    /// One entry per day, oldest first.
    data: Vec<DailyCount>,
) -> impl IntoView {
    let bars = data.clone();
    let draw = move |w, h| render_daily_bars_svg(&bars, unit, w, h);
    let total: u64 = data.iter().map(|d| d.count).sum();
    let summary = format!("{title}: {total} {unit} over {} days", data.len());
    let rows = data.into_iter().map(|d| {
        view! {
            <tr>
                <td>{d.day}</td>
                <td class="num">{d.count}</td>
            </tr>
        }
    });
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <ChartSvg label=summary height=240 default_width=640 draw />
            <details class="chart-data">
                <summary>"Show data table"</summary>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col" class="num">{unit}</th>
                        </tr>
                    </thead>
                    <tbody>{rows.collect_view()}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(counts: &[u64]) -> Vec<DailyCount> {
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| DailyCount {
                day: format!("2026-11-{:02}", i + 1),
                count: *c,
            })
            .collect()
    }

    #[test]
    fn draws_an_svg_with_one_bar_per_non_empty_day_and_labels() {
        let svg = render_daily_bars_svg(&days(&[3, 0, 7]), "profiles", 640, 240);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("profiles"), "y axis unit missing");
        assert!(svg.contains("11-03"), "day label missing");
        let bars = svg.matches(r##"fill="#0072B2""##).count();
        assert_eq!(bars, 2, "one filled bar per non-empty day:\n{svg}");
    }

    #[test]
    fn empty_data_still_draws_axes() {
        let svg = render_daily_bars_svg(&[], "profiles", 320, 200);
        assert!(svg.contains("<svg") && svg.contains("profiles"));
    }
}
