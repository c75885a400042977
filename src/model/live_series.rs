//! The rolling window behind the live charts. The server keeps one at one-second resolution;
//! a browser keeps one at its window's resolution and folds each second's tick into it, so both
//! sides count the same way.
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Names one bucket keeps apart; the rest are counted under [`OTHER`], so a flood of distinct
/// names (a page path per user) cannot grow memory or messages without bound.
pub const MAX_NAMES: usize = 50;
/// Where names beyond [`MAX_NAMES`] are counted.
pub const OTHER: &str = "(other)";

/// A name and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    /// Event name or page path.
    pub name: String,
    /// Occurrences.
    pub count: u64,
}

/// The counts of one time slice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveBucket {
    /// Start of the slice.
    pub start: DateTime<Utc>,
    /// Events by name, sorted by name.
    pub events: Vec<NameCount>,
    /// Page views by path, sorted by path.
    pub pages: Vec<NameCount>,
    /// Events that carried a user id.
    pub identified: u64,
    /// Events with only an anonymous id.
    pub anonymous: u64,
    /// Segment entries.
    pub entered: u64,
    /// Segment exits.
    pub exited: u64,
    /// Campaign messages sent.
    pub sends: u64,
    /// Tracking API requests refused.
    pub errors: u64,
}

impl LiveBucket {
    /// An empty bucket starting at `start`.
    pub fn at(start: DateTime<Utc>) -> Self {
        Self {
            start,
            ..Self::default()
        }
    }

    /// All events in the bucket.
    pub fn total_events(&self) -> u64 {
        self.events.iter().map(|e| e.count).sum()
    }

    /// Adds `other`'s counts to this bucket (its start is ignored).
    pub fn absorb(&mut self, other: &LiveBucket) {
        for e in &other.events {
            add_name(&mut self.events, &e.name, e.count);
        }
        for p in &other.pages {
            add_name(&mut self.pages, &p.name, p.count);
        }
        self.identified += other.identified;
        self.anonymous += other.anonymous;
        self.entered += other.entered;
        self.exited += other.exited;
        self.sends += other.sends;
        self.errors += other.errors;
    }
}

/// Adds `count` to `name` in a name-sorted list, folding into [`OTHER`] once it is full.
pub fn add_name(list: &mut Vec<NameCount>, name: &str, count: u64) {
    let slot = match list.binary_search_by(|c| c.name.as_str().cmp(name)) {
        Ok(i) => i,
        Err(_) if list.len() >= MAX_NAMES && name != OTHER => return add_name(list, OTHER, count),
        Err(i) => {
            list.insert(
                i,
                NameCount {
                    name: name.to_owned(),
                    count: 0,
                },
            );
            i
        }
    };
    list[slot].count += count;
}

/// Contiguous buckets covering the last `window_minutes`, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveSeries {
    /// The window covered.
    pub window_minutes: u32,
    /// Width of each bucket.
    pub bucket_seconds: u32,
    /// Oldest first; the last one holds `now`.
    pub buckets: Vec<LiveBucket>,
}

impl LiveSeries {
    /// An empty window at the page's resolution for `window_minutes`, ending at `now`.
    pub fn new(window_minutes: u32, now: DateTime<Utc>) -> Self {
        Self::with_resolution(
            window_minutes,
            super::live::bucket_seconds(window_minutes),
            now,
        )
    }

    /// An empty window of `bucket_seconds`-wide buckets ending at `now`.
    pub fn with_resolution(window_minutes: u32, bucket_seconds: u32, now: DateTime<Utc>) -> Self {
        let bucket_seconds = bucket_seconds.max(1);
        let count = (window_minutes.max(1) * 60).div_ceil(bucket_seconds) as i64;
        let last = align(now, bucket_seconds);
        let buckets = (0..count)
            .rev()
            .map(|back| {
                LiveBucket::at(last - chrono::Duration::seconds(back * bucket_seconds as i64))
            })
            .collect();
        Self {
            window_minutes,
            bucket_seconds,
            buckets,
        }
    }

    /// Counts `bucket` in the slice holding its start, moving the window forward when it is
    /// newer than the last slice; counts older than the window are dropped.
    pub fn add(&mut self, bucket: &LiveBucket) {
        if let Some(slot) = self.slot_mut(bucket.start) {
            slot.absorb(bucket);
        }
    }

    /// Moves the window so its last bucket holds `now`, dropping what falls out of it.
    pub fn advance_to(&mut self, now: DateTime<Utc>) {
        let step = chrono::Duration::seconds(self.bucket_seconds as i64);
        let target = align(now, self.bucket_seconds);
        let Some(last) = self.buckets.last().map(|b| b.start) else {
            return;
        };
        if target <= last {
            return;
        }
        let missing = ((target - last).num_seconds() / self.bucket_seconds as i64) as usize;
        let len = self.buckets.len();
        if missing >= len {
            *self = Self::with_resolution(self.window_minutes, self.bucket_seconds, now);
            return;
        }
        self.buckets.drain(..missing);
        for i in 1..=missing {
            self.buckets.push(LiveBucket::at(last + step * i as i32));
        }
    }

    /// The bucket holding `at`, moving the window forward first if `at` is newer; `None` when
    /// `at` is older than the window.
    pub fn slot_mut(&mut self, at: DateTime<Utc>) -> Option<&mut LiveBucket> {
        self.advance_to(at);
        let index = self.index_of(at)?;
        self.buckets.get_mut(index)
    }

    /// The bucket holding `at`, if the window holds it.
    pub fn bucket(&self, at: DateTime<Utc>) -> Option<&LiveBucket> {
        self.buckets.get(self.index_of(at)?)
    }

    fn index_of(&self, at: DateTime<Utc>) -> Option<usize> {
        let first = self.buckets.first()?.start;
        let start = align(at, self.bucket_seconds);
        let offset = (start - first).num_seconds();
        (offset >= 0).then(|| (offset / self.bucket_seconds as i64) as usize)
    }

    /// The whole window as one bucket.
    pub fn total(&self) -> LiveBucket {
        let mut total = LiveBucket::at(self.buckets.first().map(|b| b.start).unwrap_or_default());
        self.buckets.iter().for_each(|b| total.absorb(b));
        total
    }

    /// The `n` most frequent event names over the window, most frequent first.
    pub fn top_events(&self, n: usize) -> Vec<NameCount> {
        top(self.total().events, n)
    }

    /// The `n` most viewed pages over the window, most viewed first.
    pub fn top_pages(&self, n: usize) -> Vec<NameCount> {
        top(self.total().pages, n)
    }
}

/// The `n` largest counts, largest first (ties by name).
pub fn top(mut list: Vec<NameCount>, n: usize) -> Vec<NameCount> {
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    list.truncate(n);
    list
}

/// The start of the `seconds`-wide slice holding `at` (slices are aligned to the Unix epoch).
pub fn align(at: DateTime<Utc>, seconds: u32) -> DateTime<Utc> {
    let seconds = seconds.max(1) as i64;
    let start = at.timestamp().div_euclid(seconds) * seconds;
    Utc.timestamp_opt(start, 0).single().unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn events(start: DateTime<Utc>, name: &str, count: u64) -> LiveBucket {
        let mut b = LiveBucket::at(start);
        add_name(&mut b.events, name, count);
        b
    }

    #[test]
    fn a_window_has_one_aligned_bucket_per_slice_ending_now() {
        let s = LiveSeries::new(15, at(7));
        assert_eq!(s.bucket_seconds, 5);
        assert_eq!(s.buckets.len(), 180);
        assert_eq!(s.buckets.last().unwrap().start, at(5));
        assert_eq!(
            s.buckets[1].start - s.buckets[0].start,
            chrono::Duration::seconds(5)
        );
    }

    #[test]
    fn seconds_fold_into_their_slice_and_the_window_rolls_forward() {
        let mut s = LiveSeries::new(15, at(0));
        s.add(&events(at(1), "Signed Up", 2));
        s.add(&events(at(4), "Signed Up", 3));
        assert_eq!(s.buckets.last().unwrap().total_events(), 5);
        s.add(&events(at(12), "Order Completed", 1));
        assert_eq!(s.buckets.last().unwrap().start, at(10));
        assert_eq!(s.buckets[s.buckets.len() - 3].total_events(), 5);
        assert_eq!(s.buckets.len(), 180);
        assert_eq!(s.top_events(1)[0].name, "Signed Up");
    }

    #[test]
    fn counts_older_than_the_window_are_dropped_and_a_long_gap_empties_it() {
        let mut s = LiveSeries::new(5, at(0));
        s.add(&events(at(-400), "Old", 1));
        assert_eq!(s.total().total_events(), 0);
        s.add(&events(at(0), "Now", 1));
        s.advance_to(at(10_000));
        assert_eq!(s.total().total_events(), 0);
        assert_eq!(s.buckets.last().unwrap().start, at(10_000));
    }

    #[test]
    fn names_beyond_the_limit_are_counted_as_other() {
        let mut list = Vec::new();
        for i in 0..MAX_NAMES + 10 {
            add_name(&mut list, &format!("/page/{i:03}"), 1);
        }
        assert_eq!(list.len(), MAX_NAMES + 1);
        let other = list.iter().find(|c| c.name == OTHER).unwrap();
        assert_eq!(other.count, 10);
        assert_eq!(
            list.iter().map(|c| c.count).sum::<u64>(),
            MAX_NAMES as u64 + 10
        );
    }
}
