//! Per-profile counts of the events that segment event conditions with property filters look
//! for ("ordered something red 2 times in the last 30 days"), kept as events arrive: a total
//! and daily buckets per registered query, so evaluating a person never counts their stored
//! events. Queries whose filters test dates depend on the clock and are not kept.
use super::{
    Touch,
    apply::counted_event,
    counters::{DAY_FORMAT, Retention, add_to},
};
use crate::{
    segment::{
        eval::{Sets, Subject, matches},
        filter::{EventQuery, Filter, SetKey, lower_value},
    },
    server::db::profile_doc::{DayCount, ProfileDoc},
};
use chrono::Utc;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One registered query as ingestion matches it.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The query's key ([`key_of`]), under which profiles keep its counts.
    pub key: String,
    /// The event name it counts.
    pub event: String,
    /// Its property filters, over a subject whose `traits` is the message as sent.
    filter: Filter,
}

/// The key of `query`'s counts: its event and filters, whatever its window.
pub fn key_of(query: &EventQuery) -> String {
    let digest = Sha256::digest(format!("{}\n{}", query.event, query.filters));
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

impl Matcher {
    /// The matcher for `query`; `None` when a filter tests a date (such a test depends on
    /// when it is asked, which a count made on arrival cannot answer).
    pub fn new(query: &EventQuery) -> Option<Self> {
        let now = Utc::now();
        let parts: Vec<Filter> = query
            .property_filters()
            .iter()
            .map(|f| lower_value(&format!("traits.{}", f.path), &f.test, now))
            .collect();
        let filter = Filter::All(parts);
        timeless(&filter).then(|| Self {
            key: key_of(query),
            event: query.event.clone(),
            filter,
        })
    }

    fn matches(&self, message: &Subject) -> bool {
        matches(&self.filter, message, &NoSets)
    }
}

/// Whether `filter` tests only field values (never a date, a set or anything else).
fn timeless(filter: &Filter) -> bool {
    match filter {
        Filter::All(parts) | Filter::Any(parts) | Filter::NoneOf(parts) => {
            parts.iter().all(timeless)
        }
        Filter::Field { .. } => true,
        _ => false,
    }
}

struct NoSets;

impl Sets for NoSets {
    fn contains(&self, _: &SetKey) -> bool {
        false
    }
}

/// Counts `touch`'s event under every matcher it satisfies.
pub fn observe(
    profile: &mut ProfileDoc,
    touch: Touch<'_>,
    matchers: &[Matcher],
    retention: &Retention,
) {
    let Some(event) = counted_event(touch.message) else {
        return;
    };
    let mut candidates = matchers.iter().filter(|m| m.event == event).peekable();
    if candidates.peek().is_none() {
        return;
    }
    let subject = Subject {
        traits: Value::Object(touch.message.raw.clone()),
        ..Subject::default()
    };
    let day = touch.message.timestamp.format(DAY_FORMAT).to_string();
    for matcher in candidates.filter(|m| m.matches(&subject)) {
        let daily = [DayCount {
            day: day.clone(),
            count: 1,
        }];
        if !add_to(
            &mut profile.event_matches,
            &matcher.key,
            1,
            &daily,
            retention,
        ) {
            tracing::warn!(profile = %profile.id, "event match limit reached; not counted");
        }
    }
}

/// Adds the absorbed side's counts to the survivor's (a merge).
pub fn combine(survivor: &mut ProfileDoc, absorbed: &ProfileDoc, retention: &Retention) {
    for counter in &absorbed.event_matches {
        add_to(
            &mut survivor.event_matches,
            &counter.event,
            counter.total,
            &counter.daily,
            retention,
        );
    }
}

/// How many of `profile`'s events matched `key`: all of them, or those on `since_day` and later.
pub fn count(profile: &ProfileDoc, key: &str, since_day: Option<&str>) -> u64 {
    let Some(counter) = profile.event_matches.iter().find(|c| c.event == key) else {
        return 0;
    };
    let n = match since_day {
        None => counter.total,
        Some(since) => counter
            .daily
            .iter()
            .filter(|d| d.day.as_str() >= since)
            .map(|d| d.count)
            .sum(),
    };
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
#[path = "event_matches_tests.rs"]
mod tests;
