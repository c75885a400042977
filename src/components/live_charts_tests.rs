use super::*;
use crate::model::{live::LiveBucket, live_series::add_name};
use chrono::{DateTime, Utc};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn series() -> LiveSeries {
    let mut s = LiveSeries::new(5, at(0));
    for (i, name) in ["A", "B", "C", "D", "E", "F", "G"].iter().enumerate() {
        let mut b = LiveBucket::at(at(-(i as i64)));
        add_name(&mut b.events, name, 10 - i as u64);
        b.entered = 1;
        s.add(&b);
    }
    s
}

/// The texts of an SVG's `<text>` elements.
fn labels(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            Some(
                t.split_once('>')?
                    .1
                    .split_once("</text>")?
                    .0
                    .trim()
                    .to_owned(),
            )
        })
        .collect()
}

fn look(zone: &str, stacked: bool) -> Look<'static> {
    Look {
        stacked,
        y_label: "events/s",
        zone: UserZone::or_utc(zone),
        size: (640, 240),
    }
}

#[test]
fn the_five_most_frequent_names_are_stacked_and_the_rest_is_other() {
    let bands = event_rate_bands(&series(), &mut NameColours::default());
    let names: Vec<&str> = bands.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C", "D", "E", "Other"]);
    assert_eq!(
        bands[5].values.iter().sum::<f64>(),
        4.0 + 5.0,
        "F and G per second"
    );
}

#[test]
fn item_16_each_event_name_keeps_its_colour_as_the_ranking_changes() {
    let mut colours = NameColours::default();
    let mut s = series();
    let before = event_rate_bands(&s, &mut colours);
    let mut flood = LiveBucket::at(at(0));
    add_name(&mut flood.events, "E", 100);
    s.add(&flood);
    let after = event_rate_bands(&s, &mut colours);
    assert_eq!(after[0].name, "E", "E now leads");
    let colour = |bands: &[Band], name: &str| bands.iter().find(|b| b.name == name).unwrap().color;
    for name in ["A", "B", "C", "D", "E"] {
        assert_eq!(
            colour(&before, name),
            colour(&after, name),
            "{name} changed colour"
        );
    }
}

#[test]
fn item_16_segment_entries_are_counted_not_extrapolated_to_a_rate() {
    let s = series();
    let activity = activity_bands(&s);
    assert_eq!(activity[0].name, "Segment entered");
    assert_eq!(
        activity[0].values.iter().sum::<f64>(),
        7.0,
        "seven entries, one each"
    );
    assert!(activity[0].values.iter().all(|v| *v <= 1.0));
    assert_eq!(activity_unit(&s), "count per 1 s");
}

#[test]
fn item_16_the_scale_follows_the_visible_window_once_a_spike_scrolls_away() {
    let mut s = LiveSeries::new(5, at(0));
    let mut spike = LiveBucket::at(at(0));
    add_name(&mut spike.events, "Spike", 5_000);
    s.add(&spike);
    let mut later = LiveBucket::at(at(400));
    add_name(&mut later.events, "Calm", 3);
    s.add(&later);
    let bands = event_rate_bands(&s, &mut NameColours::default());
    let svg = render_bands_svg(&s, &bands, look("UTC", true));
    let top = labels(&svg)
        .iter()
        .filter_map(|l| l.parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(
        (3.0..10.0).contains(&top),
        "the axis tops out near 3, not 5000: {top}"
    );
}

#[test]
fn item_16_time_labels_follow_the_users_zone() {
    let s = series();
    let bands = event_rate_bands(&s, &mut NameColours::default());
    let seoul = render_bands_svg(&s, &bands, look("Asia/Seoul", true));
    assert!(seoul.contains("time (Asia/Seoul)"), "{seoul}");
    let utc = at(-200).format("%H:").to_string();
    let kst = (at(-200) + Duration::hours(9)).format("%H:").to_string();
    assert!(
        seoul.contains(&kst) && !seoul.contains(&format!(">{utc}")),
        "{seoul}"
    );
    let lines = render_bands_svg(&s, &activity_bands(&s), look("UTC", false));
    assert!(lines.contains("time (UTC)") && lines.contains("<polyline"));
}
