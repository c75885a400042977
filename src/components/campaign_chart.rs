//! A campaign's sends and conversions per hour, drawn with plotters into an SVG string.
use crate::model::{campaign::ResultPoint, time_zone::UserZone};
use plotters::prelude::*;

/// Sends: blue; conversions: orange (Okabe–Ito, distinguishable for colour-blind readers).
const SENT: RGBColor = RGBColor(0, 114, 178);
const CONVERTED: RGBColor = RGBColor(230, 159, 0);

/// Two lines over the hours in `points`, labelled in `zone`, with a legend.
pub fn render_campaign_svg(
    points: &[ResultPoint],
    zone: UserZone,
    width: u32,
    height: u32,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Err(err) = draw(&root, points, zone) {
            return format!("<!-- chart error: {err} -->");
        }
    }
    svg
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    points: &[ResultPoint],
    zone: UserZone,
) -> Result<(), Box<dyn std::error::Error>> {
    let max = points
        .iter()
        .map(|p| p.sent.max(p.converted))
        .max()
        .unwrap_or(0)
        .max(1);
    let hours = points.len().max(2) as u32;
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(0u32..hours - 1, 0u64..max + max.div_ceil(5))?;
    let label = |i: &u32| {
        points
            .get(*i as usize)
            .map_or(String::new(), |p| zone.format(p.at, "%d %H:00"))
    };
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&label)
        .y_desc("messages")
        .x_desc(format!("hour ({})", zone.name()))
        .light_line_style(RGBColor(241, 245, 249))
        .draw()?;
    let series = |pick: fn(&ResultPoint) -> u64| {
        points
            .iter()
            .enumerate()
            .map(move |(i, p)| (i as u32, pick(p)))
    };
    chart
        .draw_series(LineSeries::new(series(|p| p.sent), SENT.stroke_width(2)))?
        .label("sent")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], SENT.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            series(|p| p.converted),
            CONVERTED.stroke_width(2),
        ))?
        .label("converted")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CONVERTED.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_both_series_with_a_legend() {
        let at = |h: u32| format!("2026-12-01T{h:02}:00:00Z").parse().unwrap();
        let points: Vec<ResultPoint> = (0..4)
            .map(|h| ResultPoint {
                at: at(h),
                sent: 10 * u64::from(h),
                converted: u64::from(h),
            })
            .collect();
        let svg = render_campaign_svg(&points, UserZone::default(), 480, 200);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("sent") && svg.contains("converted"));
        let seoul = render_campaign_svg(&points, UserZone::or_utc("Asia/Seoul"), 480, 200);
        assert!(seoul.contains("01 09:00") && seoul.contains("hour (Asia/Seoul)"));
        assert!(svg.matches("<polyline").count() >= 2, "two lines");
        assert!(
            render_campaign_svg(&[], UserZone::default(), 480, 200).starts_with("<svg"),
            "an empty chart still draws"
        );
    }
}
