//! Quiet hours: no message reaches a person between the configured hours of their own day;
//! such a message is deferred to the end of the quiet span, never dropped.
use crate::model::campaign_settings::QuietHours;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone named `name`, if it is a known IANA zone.
pub fn zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// When a message due at `now` to a person in `zone` may go: `None` if now, else the end of
/// the quiet span it falls in.
pub fn deferred_until(quiet: &QuietHours, zone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (start, end) = (
        u32::from(quiet.start_hour % 24),
        u32::from(quiet.end_hour % 24),
    );
    if !quiet.enabled || start == end {
        return None;
    }
    let local = now.with_timezone(&zone);
    let hour = chrono::Timelike::hour(&local);
    let quiet_now = if start < end {
        hour >= start && hour < end
    } else {
        hour >= start || hour < end
    };
    if !quiet_now {
        return None;
    }
    let end_time = NaiveTime::from_hms_opt(end, 0, 0)?;
    let mut day = local.date_naive();
    if hour >= end && start > end {
        day = day.succ_opt()?;
    }
    // The first instant at or after the local end hour (a DST gap moves it an hour on).
    let naive = day.and_time(end_time);
    let resumed = zone.from_local_datetime(&naive).earliest().or_else(|| {
        zone.from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
    })?;
    Some(resumed.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(start: u8, end: u8) -> QuietHours {
        QuietHours {
            enabled: true,
            start_hour: start,
            end_hour: end,
            default_timezone: "UTC".into(),
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn an_overnight_span_defers_to_the_next_morning_in_the_persons_zone() {
        let paris = zone("Europe/Paris").unwrap();
        // 21:30 UTC is 22:30 in Paris in winter: quiet until 08:00 Paris = 07:00 UTC.
        let until = deferred_until(&quiet(21, 8), paris, utc("2026-12-01T21:30:00Z"));
        assert_eq!(until, Some(utc("2026-12-02T07:00:00Z")));
        // 02:00 Paris is still quiet, the same morning.
        let until = deferred_until(&quiet(21, 8), paris, utc("2026-12-02T01:00:00Z"));
        assert_eq!(until, Some(utc("2026-12-02T07:00:00Z")));
        // Noon Paris is not.
        assert_eq!(
            deferred_until(&quiet(21, 8), paris, utc("2026-12-02T11:00:00Z")),
            None
        );
    }

    #[test]
    fn a_same_day_span_and_disabled_hours() {
        let tokyo = zone("Asia/Tokyo").unwrap();
        // 04:00 UTC is 13:00 in Tokyo: quiet 12–14 until 14:00 Tokyo = 05:00 UTC.
        let until = deferred_until(&quiet(12, 14), tokyo, utc("2026-12-01T04:00:00Z"));
        assert_eq!(until, Some(utc("2026-12-01T05:00:00Z")));
        let mut off = quiet(12, 14);
        off.enabled = false;
        assert_eq!(
            deferred_until(&off, tokyo, utc("2026-12-01T04:00:00Z")),
            None
        );
        assert!(zone("Mars/Olympus").is_none());
    }
}
