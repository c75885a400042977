//! The live page's charts, drawn with plotters into SVG strings (the same code on the server,
//! for the first paint and without JavaScript, and in the browser, once a second).
use crate::model::live::LiveSeries;
use chrono::{DateTime, Duration, Utc};
use plotters::prelude::*;

/// Okabe–Ito colours: told apart by readers with any common colour-vision deficiency.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
];
/// The colour of "everything else".
pub const OTHER_GREY: RGBColor = RGBColor(153, 153, 153);
const INK: RGBColor = RGBColor(71, 85, 105);
/// Event names stacked separately; the rest is one "Other" band.
pub const STACKED_NAMES: usize = 5;

/// The time zone the axes are labelled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Zone {
    /// Minutes east of UTC.
    pub offset_minutes: i32,
    /// Whether this is the reader's own zone (else UTC, as rendered on the server).
    pub local: bool,
}

impl Zone {
    /// The axis caption: `local time` or `UTC`.
    pub fn label(self) -> &'static str {
        if self.local { "local time" } else { "UTC" }
    }

    /// `at` as `HH:MM:SS` in this zone.
    pub fn clock(self, at: DateTime<Utc>) -> String {
        (at + Duration::minutes(i64::from(self.offset_minutes)))
            .format("%H:%M:%S")
            .to_string()
    }
}

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

/// Events per second by name: the [`STACKED_NAMES`] most frequent, then "Other".
pub fn event_rate_bands(series: &LiveSeries) -> Vec<Band> {
    let names: Vec<String> = series
        .top_events(STACKED_NAMES)
        .into_iter()
        .map(|n| n.name)
        .collect();
    let per_second = f64::from(series.bucket_seconds.max(1));
    let mut bands: Vec<Band> = names
        .iter()
        .zip(PALETTE)
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

/// Segment entries, exits and campaign sends per minute, one line each.
pub fn activity_bands(series: &LiveSeries) -> Vec<Band> {
    let per_minute = 60.0 / f64::from(series.bucket_seconds.max(1));
    let line =
        |name: &str, color: RGBColor, pick: fn(&crate::model::live::LiveBucket) -> u64| Band {
            name: name.to_owned(),
            color,
            values: series
                .buckets
                .iter()
                .map(|b| pick(b) as f64 * per_minute)
                .collect(),
        };
    vec![
        line("Segment entered", PALETTE[0], |b| b.entered),
        line("Segment exited", PALETTE[1], |b| b.exited),
        line("Campaign sends", PALETTE[2], |b| b.sends),
    ]
}

/// Draws `bands` over the series' buckets, stacked (areas) or side by side (lines).
pub fn render_bands_svg(
    series: &LiveSeries,
    bands: &[Band],
    stacked: bool,
    y_label: &str,
    zone: Zone,
    size: (u32, u32),
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        if let Err(err) = draw(&root, series, bands, stacked, y_label, zone) {
            return format!("<!-- chart error: {err} -->");
        }
    }
    svg
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    series: &LiveSeries,
    bands: &[Band],
    stacked: bool,
    y_label: &str,
    zone: Zone,
) -> Result<(), Box<dyn std::error::Error>> {
    let points = series.buckets.len().max(2);
    let tops = stack(bands, points, stacked);
    let max = tops.iter().flatten().fold(0.0_f64, |m, v| m.max(*v));
    let y_max = if max <= 0.0 { 1.0 } else { max * 1.15 };
    let label_style = ("sans-serif", 14).into_font().color(&INK);
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(64)
        .build_cartesian_2d(0..points - 1, 0.0..y_max)?;
    let start = series.buckets.first().map(|b| b.start).unwrap_or_default();
    let step = i64::from(series.bucket_seconds.max(1));
    let clock = |i: &usize| zone.clock(start + Duration::seconds(*i as i64 * step));
    chart
        .configure_mesh()
        .light_line_style(RGBColor(226, 232, 240))
        .bold_line_style(RGBColor(203, 213, 225))
        .axis_style(INK)
        .x_labels(6)
        .x_label_formatter(&clock)
        .x_desc(format!("time ({})", zone.label()))
        .y_desc(y_label)
        .y_labels(5)
        .y_label_formatter(&|v| axis_number(*v))
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .draw()?;
    // Drawn from the top band down, so each area covers only its own slice.
    for (band, top) in bands.iter().zip(&tops).rev() {
        let data = top.iter().enumerate().map(|(i, v)| (i, *v));
        if stacked {
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
mod tests {
    use super::*;
    use crate::model::{live::LiveBucket, live_series::add_name};

    fn series() -> LiveSeries {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut s = LiveSeries::new(5, now);
        for (i, name) in ["A", "B", "C", "D", "E", "F", "G"].iter().enumerate() {
            let mut b = LiveBucket::at(now - Duration::seconds(i as i64));
            add_name(&mut b.events, name, 10 - i as u64);
            b.entered = 1;
            s.add(&b);
        }
        s
    }

    #[test]
    fn the_five_most_frequent_names_are_stacked_and_the_rest_is_other() {
        let bands = event_rate_bands(&series());
        let names: Vec<&str> = bands.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D", "E", "Other"]);
        assert_eq!(
            bands[5].values.iter().sum::<f64>(),
            4.0 + 5.0,
            "F and G per second"
        );
        assert_eq!(bands[0].color, PALETTE[0]);
    }

    #[test]
    fn charts_have_units_time_labels_and_one_area_per_band() {
        let s = series();
        let zone = Zone {
            offset_minutes: 540,
            local: true,
        };
        let svg = render_bands_svg(
            &s,
            &event_rate_bands(&s),
            true,
            "events/s",
            zone,
            (640, 240),
        );
        assert!(
            svg.contains("events/s") && svg.contains("time (local time)"),
            "{svg}"
        );
        assert!(
            svg.contains(&css(PALETTE[0])[1..]) || svg.contains("#0072B2"),
            "band colour"
        );
        let per_minute = activity_bands(&s);
        assert_eq!(per_minute[0].values.iter().sum::<f64>(), 7.0 * 60.0);
        let lines = render_bands_svg(
            &s,
            &per_minute,
            false,
            "per minute",
            Zone::default(),
            (640, 200),
        );
        assert!(lines.contains("time (UTC)"));
    }

    #[test]
    fn clock_labels_follow_the_zone() {
        let at = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(Zone::default().clock(at), "00:00:00");
        assert_eq!(
            Zone {
                offset_minutes: -300,
                local: true
            }
            .clock(at),
            "19:00:00"
        );
    }
}
