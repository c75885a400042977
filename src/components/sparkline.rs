//! Sparklines: a small line per KPI, scaled to its own range, drawn as plain SVG.

const W: f64 = 100.0;
const H: f64 = 24.0;
/// Current values.
const BLUE: &str = "#0072B2";
/// The comparison (yesterday, the previous period).
const GREY: &str = "#999999";

/// A small line of `values` (oldest first).
pub fn sparkline_svg(values: &[u64]) -> String {
    svg(&[(values, BLUE)], values.iter().copied().max().unwrap_or(0))
}

/// `current` over `previous` (grey), on one scale: today against yesterday.
pub fn sparkline_pair_svg(current: &[u64], previous: &[u64]) -> String {
    let max = current.iter().chain(previous).copied().max().unwrap_or(0);
    svg(&[(previous, GREY), (current, BLUE)], max)
}

fn svg(lines: &[(&[u64], &str)], max: u64) -> String {
    let max = max.max(1) as f64;
    // One x scale for all lines, so a day still in progress stops where it is.
    let longest = lines
        .iter()
        .map(|(values, _)| values.len())
        .max()
        .unwrap_or(0);
    let step = W / longest.saturating_sub(1).max(1) as f64;
    let polylines: String = lines
        .iter()
        .filter(|(values, _)| values.len() >= 2)
        .map(|(values, colour)| {
            let points: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    format!(
                        "{:.1},{:.1}",
                        i as f64 * step,
                        H - 2.0 - (*v as f64 / max) * (H - 4.0)
                    )
                })
                .collect();
            format!(
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            )
        })
        .collect();
    format!(
        "<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" aria-hidden=\"true\">{polylines}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_draws_both_lines_on_one_scale_and_short_series_draw_nothing() {
        let pair = sparkline_pair_svg(&[0, 5, 10], &[10, 10, 10]);
        assert_eq!(pair.matches("<polyline").count(), 2);
        assert!(
            pair.contains("0.0,2.0 50.0,2.0 100.0,2.0"),
            "yesterday's 10 is the top: {pair}"
        );
        assert_eq!(sparkline_svg(&[3]).matches("<polyline").count(), 0);
    }
}
