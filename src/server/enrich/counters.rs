//! Per-event-name counters: a total plus daily buckets inside the retention window, so
//! segments can ask "N times in the last D days" without scanning events.
use crate::server::db::profile_doc::{DayCount, EventCounter, ProfileDoc};
use chrono::{DateTime, Days, NaiveDate, Utc};

/// Distinct event names counted per profile; beyond it new names are not counted (a client
/// sending unique event names must not grow a profile past MongoDB's 16 MB document limit).
pub const MAX_COUNTERS: usize = 500;
/// Day keys (`YYYY-MM-DD`), UTC.
pub const DAY_FORMAT: &str = "%Y-%m-%d";

/// How long daily buckets are kept, counted back from `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days of buckets kept (today included).
    pub days: u32,
    /// The current UTC day.
    pub today: NaiveDate,
}

impl Retention {
    /// The default 90 days, ending today.
    pub fn days_from_now(days: u32) -> Self {
        Self {
            days: days.max(1),
            today: Utc::now().date_naive(),
        }
    }

    /// The oldest day still kept, as a day key.
    pub fn first_kept_day(&self) -> String {
        self.today
            .checked_sub_days(Days::new(u64::from(self.days) - 1))
            .unwrap_or(NaiveDate::MIN)
            .format(DAY_FORMAT)
            .to_string()
    }
}

/// Adds `count` occurrences of `event` at `at`.
pub fn count_event(
    profile: &mut ProfileDoc,
    event: &str,
    at: DateTime<Utc>,
    count: i64,
    retention: &Retention,
) {
    let day = at.date_naive().format(DAY_FORMAT).to_string();
    add_counts(profile, event, count, &[DayCount { day, count }], retention);
}

/// Adds a total and daily counts to `event`'s counter, dropping days outside retention.
pub fn add_counts(
    profile: &mut ProfileDoc,
    event: &str,
    total: i64,
    daily: &[DayCount],
    retention: &Retention,
) {
    if !add_to(&mut profile.counters, event, total, daily, retention) {
        tracing::warn!(profile = %profile.id, %event, "counter limit reached; event not counted");
    }
}

/// Adds a total and daily counts to the counter keyed `key` in `counters` (at most
/// [`MAX_COUNTERS`] of them), dropping days outside retention; `false` if the limit refused a
/// new key.
pub fn add_to(
    counters: &mut Vec<EventCounter>,
    key: &str,
    total: i64,
    daily: &[DayCount],
    retention: &Retention,
) -> bool {
    let index = match counters.iter().position(|c| c.event == key) {
        Some(index) => index,
        None if counters.len() >= MAX_COUNTERS => return false,
        None => {
            counters.push(EventCounter {
                event: key.to_owned(),
                total: 0,
                daily: Vec::new(),
            });
            counters.len() - 1
        }
    };
    let counter = &mut counters[index];
    counter.total += total;
    let first_kept = retention.first_kept_day();
    for add in daily.iter().filter(|d| d.day >= first_kept) {
        match counter.daily.binary_search_by(|d| d.day.cmp(&add.day)) {
            Ok(i) => counter.daily[i].count += add.count,
            Err(i) => counter.daily.insert(i, add.clone()),
        }
    }
    counter.daily.retain(|d| d.day >= first_kept);
    true
}
