//! Per-second counts of the last hour, the profiles active in the last five minutes and the
//! newest events: what the live charts and the snapshot endpoint read. Fed by the hub as it
//! publishes, so a lagging subscriber never makes the counts wrong.
use crate::model::{
    live::{LiveEvent, LiveMessage, LiveSeries, LiveTick},
    live_series::add_name,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};

/// Minutes of per-second counts kept (the longest chart window).
pub const KEPT_MINUTES: u32 = 60;
/// How long a profile counts as active after its last event.
pub const ACTIVE_MINUTES: i64 = 5;
/// Events the tail keeps.
pub const TAIL: usize = 50;

/// The live statistics of this process.
#[derive(Debug)]
pub struct LiveStats {
    seconds: LiveSeries,
    active: HashMap<String, DateTime<Utc>>,
    tail: VecDeque<LiveEvent>,
}

impl Default for LiveStats {
    fn default() -> Self {
        Self {
            seconds: LiveSeries::with_resolution(KEPT_MINUTES, 1, Utc::now()),
            active: HashMap::new(),
            tail: VecDeque::with_capacity(TAIL),
        }
    }
}

impl LiveStats {
    /// Counts one published message.
    pub fn record(&mut self, message: &LiveMessage) {
        match message {
            LiveMessage::Event(event) => self.record_event(event),
            LiveMessage::SegmentTransition { kind, at, .. } => {
                if let Some(slot) = self.seconds.slot_mut(*at) {
                    match kind.as_str() {
                        "entered" => slot.entered += 1,
                        _ => slot.exited += 1,
                    }
                }
            }
            LiveMessage::CampaignSend { at, .. } => {
                if let Some(slot) = self.seconds.slot_mut(*at) {
                    slot.sends += 1;
                }
            }
            LiveMessage::Tick(_) => {}
        }
    }

    fn record_event(&mut self, event: &LiveEvent) {
        if let Some(slot) = self.seconds.slot_mut(event.received_at) {
            add_name(&mut slot.events, &event.event, 1);
            if let Some(page) = &event.page {
                add_name(&mut slot.pages, page, 1);
            }
            if event.identified {
                slot.identified += 1;
            } else {
                slot.anonymous += 1;
            }
        }
        if let Some(profile) = &event.profile_id {
            let seen = self
                .active
                .entry(profile.clone())
                .or_insert(event.received_at);
            *seen = (*seen).max(event.received_at);
        }
        if self.tail.len() == TAIL {
            self.tail.pop_back();
        }
        self.tail.push_front(event.clone());
    }

    /// Counts a refused tracking request.
    pub fn record_error(&mut self, at: DateTime<Utc>) {
        if let Some(slot) = self.seconds.slot_mut(at) {
            slot.errors += 1;
        }
    }

    /// The counts of the second starting at `second`, for the ticker.
    pub fn tick(&mut self, second: DateTime<Utc>) -> LiveTick {
        let end = second + Duration::seconds(1);
        self.seconds.advance_to(second);
        let bucket = self.seconds.bucket(second).cloned().unwrap_or_default();
        LiveTick {
            bucket,
            active_profiles: self.active_profiles(end),
        }
    }

    /// Profiles with an event in the five minutes before `now` (older ones are forgotten).
    pub fn active_profiles(&mut self, now: DateTime<Utc>) -> u64 {
        let since = now - Duration::minutes(ACTIVE_MINUTES);
        self.active.retain(|_, seen| *seen >= since);
        self.active.len() as u64
    }

    /// The chart series for `window_minutes` (at most [`KEPT_MINUTES`]) ending at `now`,
    /// counting only the seconds before `until` (later ones reach clients as ticks).
    pub fn series(
        &mut self,
        window_minutes: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> LiveSeries {
        self.seconds.advance_to(now);
        let mut series = LiveSeries::new(window_minutes.min(KEPT_MINUTES), now);
        self.seconds
            .buckets
            .iter()
            .filter(|b| b.start < until)
            .for_each(|b| series.add(b));
        series
    }

    /// The newest events, newest first.
    pub fn tail(&self) -> Vec<LiveEvent> {
        self.tail.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(profile: &str, identified: bool, at: DateTime<Utc>) -> LiveMessage {
        LiveMessage::Event(LiveEvent {
            event: "Page Viewed".into(),
            kind: "page".into(),
            source: "web".into(),
            profile_id: Some(profile.into()),
            identified,
            who: None,
            page: Some("/pricing".into()),
            at,
            received_at: at,
        })
    }

    #[test]
    fn a_tick_reports_its_second_and_the_profiles_active_in_the_last_five_minutes() {
        let mut stats = LiveStats::default();
        let now = crate::model::live_series::align(Utc::now(), 1);
        stats.record(&event("a", true, now - Duration::minutes(6)));
        stats.record(&event("b", false, now));
        stats.record(&event("b", false, now));
        stats.record_error(now);
        let tick = stats.tick(now);
        assert_eq!(tick.bucket.total_events(), 2);
        assert_eq!((tick.bucket.identified, tick.bucket.anonymous), (0, 2));
        assert_eq!(tick.bucket.pages[0].count, 2);
        assert_eq!(tick.bucket.errors, 1);
        assert_eq!(tick.active_profiles, 1);
        assert_eq!(stats.tail().len(), 3);
        let later = now + Duration::seconds(1);
        let series = stats.series(5, now, later);
        assert_eq!(series.total().total_events(), 2);
        assert_eq!(stats.series(60, now, later).total().total_events(), 3);
        assert_eq!(
            stats.series(60, now, now).total().total_events(),
            1,
            "only before `until`"
        );
    }
}
