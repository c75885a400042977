//! The time zone every displayed time is shown in: one per user, chosen under "Your
//! preferences", UTC until they choose. Shared, so the server's first paint and the browser's
//! hydration format a time identically.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset as _, TimeZone as _, Utc};
use chrono_tz::Tz;

/// The zone of users who have not chosen one.
pub const DEFAULT_ZONE: &str = "UTC";

/// An IANA time zone (`Europe/Paris`, `Asia/Seoul`, `UTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserZone(Tz);

impl Default for UserZone {
    fn default() -> Self {
        Self(Tz::UTC)
    }
}

impl UserZone {
    /// The zone named `name` (an IANA name, as listed by [`zone_names`]), if it exists.
    pub fn parse(name: &str) -> Option<Self> {
        name.trim().parse::<Tz>().ok().map(Self)
    }

    /// The zone named `name`, or UTC when the name is unknown (a stored value from an older
    /// time-zone database, say): a time is still shown, in the zone it names.
    pub fn or_utc(name: &str) -> Self {
        Self::parse(name).unwrap_or_default()
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// `2026-12-02 18:04` in this zone.
    pub fn date_time(self, at: DateTime<Utc>) -> String {
        self.format(at, "%Y-%m-%d %H:%M")
    }

    /// `18:04:05` in this zone.
    pub fn clock(self, at: DateTime<Utc>) -> String {
        self.format(at, "%H:%M:%S")
    }

    /// `2026-12-02` in this zone.
    pub fn day(self, at: DateTime<Utc>) -> String {
        self.format(at, "%Y-%m-%d")
    }

    /// `at` formatted with a chrono `pattern` in this zone.
    pub fn format(self, at: DateTime<Utc>, pattern: &str) -> String {
        at.with_timezone(&self.0).format(pattern).to_string()
    }

    /// The zone's abbreviation at `at` (`CET`, `KST`, `UTC`; some zones only have `+03`).
    pub fn abbreviation(self, at: DateTime<Utc>) -> String {
        self.format(at, "%Z")
    }

    /// The day `at` falls on in this zone.
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// When `day` starts in this zone (its first instant, where summer time skips midnight).
    pub fn start_of(self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(NaiveTime::MIN);
        (0..3)
            .find_map(|h| {
                let local = midnight + Duration::hours(h);
                self.0.from_local_datetime(&local).earliest()
            })
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    }

    /// Minutes east of UTC at `at`.
    pub fn offset_minutes(self, at: DateTime<Utc>) -> i32 {
        self.0
            .offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
            / 60
    }
}

/// Every zone a user may choose, `UTC` first, then alphabetically.
pub fn zone_names() -> impl Iterator<Item = &'static str> {
    std::iter::once(DEFAULT_ZONE).chain(
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| *name != DEFAULT_ZONE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn item_16_times_follow_the_chosen_zone_including_summer_time() {
        let seoul = UserZone::parse("Asia/Seoul").unwrap();
        assert_eq!(
            seoul.date_time(at("2026-12-02T17:30:00Z")),
            "2026-12-03 02:30"
        );
        let paris = UserZone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.clock(at("2026-01-15T12:00:00Z")), "13:00:00");
        assert_eq!(paris.clock(at("2026-07-15T12:00:00Z")), "14:00:00");
        assert_eq!(paris.offset_minutes(at("2026-07-15T12:00:00Z")), 120);
        assert_eq!(UserZone::default().name(), "UTC");
        assert_eq!(UserZone::or_utc("Mars/Olympus").name(), "UTC");
        assert!(UserZone::parse("Mars/Olympus").is_none());
        let day = seoul.local_date(at("2026-12-02T17:30:00Z"));
        assert_eq!(day.to_string(), "2026-12-03");
        assert_eq!(seoul.start_of(day), at("2026-12-02T15:00:00Z"));
    }

    #[test]
    fn the_list_starts_with_utc_and_holds_each_zone_once() {
        let names: Vec<_> = zone_names().collect();
        assert_eq!(names[0], "UTC");
        assert_eq!(names.iter().filter(|n| **n == "UTC").count(), 1);
        assert!(names.contains(&"Asia/Seoul") && names.len() > 300);
    }
}
