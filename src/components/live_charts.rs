//! The live page's charts, drawn with plotters into SVG strings (the same code on the server,
//! for the first paint and without JavaScript, and in the browser, once a second).
use super::chart_colours::{NameColours, PALETTE};
use crate::model::{live::LiveSeries, time_zone::UserZone};
use chrono::Duration;
use plotters::prelude::*;

/// The colour of "everything else".
pub const OTHER_GREY: RGBColor = RGBColor(153, 153, 153);
const INK: RGBColor = RGBColor(71, 85, 105);
/// Event names stacked separately; the rest is one "Other" band.
pub const STACKED_NAMES: usize = 5;

/// One coloured band or line: its name, colour and a value per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend text.
    pub name: String,
    /// Its colour.
    pub color: RGBColor,
    /// One value per bucket.
    pub values: Vec<f64>,
}

/// Events per second by name: the [`STACKED_NAMES`] most frequent, then "Other". Each name is
/// drawn in the colour `colours` gave it, so it keeps that colour as the ranking changes.
pub fn event_rate_bands(series: &LiveSeries, colours: &mut NameColours) -> Vec<Band> {
    let names: Vec<String> = series
        .top_events(STACKED_NAMES)
        .into_iter()
        .map(|n| n.name)
        .collect();
    let per_second = f64::from(series.bucket_seconds.max(1));
    let mut bands: Vec<Band> = names
        .iter()
        .zip(colours.colours_for(&names))
        .map(|(name, color)| Band {
            name: name.clone(),
            color,
            values: series
                .buckets
                .iter()
                .map(|b| count_of(b, name) as f64 / per_second)
                .collect(),
        })
        .collect();
    let rest: Vec<f64> = series
        .buckets
        .iter()
        .map(|b| {
            let named: u64 = names.iter().map(|n| count_of(b, n)).sum();
            (b.total_events() - named) as f64 / per_second
        })
        .collect();
    if rest.iter().any(|v| *v > 0.0) {
        bands.push(Band {
            name: "Other".into(),
            color: OTHER_GREY,
            values: rest,
        });
    }
    bands
}

fn count_of(bucket: &crate::model::live::LiveBucket, name: &str) -> u64 {
    bucket
        .events
        .iter()
        .find(|e| e.name == name)
        .map_or(0, |e| e.count)
}

/// Segment entries, exits and campaign sends as counted in each bucket: a single entry is 1,
/// never scaled up to a per-minute rate it did not have.
pub fn activity_bands(series: &LiveSeries) -> Vec<Band> {
    let line =
        |name: &str, color: RGBColor, pick: fn(&crate::model::live::LiveBucket) -> u64| Band {
            name: name.to_owned(),
            color,
            values: series.buckets.iter().map(|b| pick(b) as f64).collect(),
        };
    vec![
        line("Segment entered", PALETTE[2], |b| b.entered),
        line("Segment exited", PALETTE[5], |b| b.exited),
        line("Campaign sends", PALETTE[3], |b| b.sends),
    ]
}

/// The activity chart's unit: what one point counts (`per 5 s`).
pub fn activity_unit(series: &LiveSeries) -> String {
    format!("count per {} s", series.bucket_seconds.max(1))
}

/// How a chart is drawn: stacked areas or lines, its y unit, the reader's zone and its size.
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    /// Areas stacked on each other (else one line per band).
    pub stacked: bool,
    /// The y axis caption.
    pub y_label: &'a str,
    /// The zone the time axis is labelled in.
    pub zone: UserZone,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Draws `bands` over the series' buckets. The y scale follows what the window holds now.
pub fn render_bands_svg(series: &LiveSeries, bands: &[Band], look: Look<'_>) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, look.size).into_drawing_area();
        if let Err(err) = draw(&root, series, bands, look) {
            return format!("<!-- chart error: {err} -->");
        }
    }
    svg
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    series: &LiveSeries,
    bands: &[Band],
    look: Look<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let points = series.buckets.len().max(2);
    let tops = stack(bands, points, look.stacked);
    let label_style = ("sans-serif", 14).into_font().color(&INK);
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(0..points - 1, 0.0..y_max(&tops))?;
    let start = series.buckets.first().map(|b| b.start).unwrap_or_default();
    let step = i64::from(series.bucket_seconds.max(1));
    let clock = |i: &usize| look.zone.clock(start + Duration::seconds(*i as i64 * step));
    chart
        .configure_mesh()
        .light_line_style(RGBColor(226, 232, 240))
        .bold_line_style(RGBColor(203, 213, 225))
        .axis_style(INK)
        .x_labels((look.size.0 / 120).clamp(2, 8) as usize)
        .x_label_formatter(&clock)
        .x_desc(format!("time ({})", look.zone.name()))
        .y_desc(look.y_label)
        .y_labels(5)
        .y_label_formatter(&|v| axis_number(*v))
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .draw()?;
    // Drawn from the top band down, so each area covers only its own slice.
    for (band, top) in bands.iter().zip(&tops).rev() {
        let data = top.iter().enumerate().map(|(i, v)| (i, *v));
        if look.stacked {
            chart.draw_series(
                AreaSeries::new(data, 0.0, band.color.mix(0.85)).border_style(band.color),
            )?;
        } else {
            chart.draw_series(LineSeries::new(data, band.color.stroke_width(2)))?;
        }
    }
    root.present()?;
    Ok(())
}

/// The top of the y axis: a little above the highest point in the window (1 when empty).
fn y_max(tops: &[Vec<f64>]) -> f64 {
    let max = tops.iter().flatten().fold(0.0_f64, |m, v| m.max(*v));
    if max <= 0.0 { 1.0 } else { max * 1.15 }
}

/// `0.5`, `12`, `3k`: short enough for the axis, precise enough to read.
fn axis_number(v: f64) -> String {
    match v.abs() {
        a if a >= 10_000.0 => format!("{:.0}k", v / 1_000.0),
        a if a >= 10.0 || v == v.trunc() => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

/// The upper edge of each band: running sums when stacked, the values themselves otherwise.
fn stack(bands: &[Band], points: usize, stacked: bool) -> Vec<Vec<f64>> {
    let mut below = vec![0.0; points];
    bands
        .iter()
        .map(|band| {
            (0..points)
                .map(|i| {
                    let value = band.values.get(i).copied().unwrap_or(0.0);
                    if stacked {
                        below[i] += value;
                        below[i]
                    } else {
                        value
                    }
                })
                .collect()
        })
        .collect()
}

/// `#RRGGBB` of a colour, for legends drawn in HTML.
pub fn css(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

#[cfg(test)]
#[path = "live_charts_tests.rs"]
mod tests;
