//! A tally: a set of campaign messages counted the way results show them (per variant, failures
//! by reason, sends and conversions per hour). Results tally the messages kept and add the
//! tally retention stored of the ones it deleted, so no number changes when messages go.
use crate::{
    model::campaign::{ResultPoint, VariantResult},
    server::db::outbox::{OutboxDoc, OutboxStatus},
};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Counts of some of a campaign's messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Per variant key (and `holdout`), without comparisons.
    pub variants: Vec<VariantResult>,
    /// Permanent failures by reason.
    pub failures: Vec<(String, u64)>,
    /// Sends and conversions per hour, oldest first.
    pub series: Vec<ResultPoint>,
    /// Left out by the frequency cap.
    pub capped: u64,
    /// Deferred at least once by quiet hours.
    pub deferred: u64,
}

impl Tally {
    /// The tally of `items`, with the conversion times `converted` by outbox key.
    pub fn of<'a>(
        items: impl IntoIterator<Item = &'a OutboxDoc>,
        converted: &HashMap<String, DateTime<Utc>>,
    ) -> Self {
        let mut variants: BTreeMap<String, VariantResult> = BTreeMap::new();
        let mut failures: BTreeMap<String, u64> = BTreeMap::new();
        let mut series: BTreeMap<DateTime<Utc>, (u64, u64)> = BTreeMap::new();
        let (mut capped, mut deferred) = (0, 0);
        for item in items {
            let v = variants
                .entry(item.variant.clone())
                .or_insert_with(|| zero(&item.variant));
            let sent = item.status.is_sent();
            v.targeted += 1;
            v.sent += u64::from(sent);
            v.failed += u64::from(item.status == OutboxStatus::Failed);
            v.delivered += u64::from(sent && item.delivered);
            v.opened += u64::from(item.opened_at.is_some());
            v.clicked += u64::from(item.clicked_at.is_some());
            if let Some(at) = converted.get(&item.id) {
                v.converted += 1;
                series.entry(hour(*at)).or_default().1 += 1;
            }
            if item.status == OutboxStatus::Failed {
                *failures
                    .entry(item.error.clone().unwrap_or_default())
                    .or_default() += 1;
            }
            if let Some(at) = item.sent_at {
                series.entry(hour(at.to_chrono())).or_default().0 += 1;
            }
            capped += u64::from(item.status == OutboxStatus::Capped);
            deferred += u64::from(item.deferrals > 0);
        }
        Self {
            variants: variants.into_values().collect(),
            failures: failures.into_iter().collect(),
            series: points(series),
            capped,
            deferred,
        }
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Tally) {
        for theirs in &other.variants {
            match self.variants.iter_mut().find(|v| v.key == theirs.key) {
                Some(mine) => {
                    mine.targeted += theirs.targeted;
                    mine.sent += theirs.sent;
                    mine.failed += theirs.failed;
                    mine.delivered += theirs.delivered;
                    mine.opened += theirs.opened;
                    mine.clicked += theirs.clicked;
                    mine.converted += theirs.converted;
                }
                None => self.variants.push(theirs.clone()),
            }
        }
        self.variants.sort_by(|a, b| a.key.cmp(&b.key));
        self.failures.extend(other.failures.iter().cloned());
        self.merge_failures();
        let mut series: BTreeMap<DateTime<Utc>, (u64, u64)> = self
            .series
            .drain(..)
            .map(|p| (p.at, (p.sent, p.converted)))
            .collect();
        for p in &other.series {
            let point = series.entry(p.at).or_default();
            point.0 += p.sent;
            point.1 += p.converted;
        }
        self.series = points(series);
        self.capped += other.capped;
        self.deferred += other.deferred;
    }

    /// Adds up failures that came to have the same reason.
    pub fn merge_failures(&mut self) {
        let mut failures: BTreeMap<String, u64> = BTreeMap::new();
        for (reason, n) in self.failures.drain(..) {
            *failures.entry(reason).or_default() += n;
        }
        self.failures = failures.into_iter().collect();
    }

    /// The counts of variant `key` (zero when it has none).
    pub fn variant(&self, key: &str) -> VariantResult {
        self.variants
            .iter()
            .find(|v| v.key == key)
            .cloned()
            .unwrap_or_else(|| zero(key))
    }

    /// Failures by reason, most frequent first.
    pub fn failures_by_count(&self) -> Vec<(String, u64)> {
        let mut out = self.failures.clone();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Messages sent and failed.
    pub fn sent_and_failed(&self) -> (u64, u64) {
        self.variants
            .iter()
            .fold((0, 0), |(s, f), v| (s + v.sent, f + v.failed))
    }
}

fn zero(key: &str) -> VariantResult {
    VariantResult {
        key: key.to_owned(),
        targeted: 0,
        sent: 0,
        failed: 0,
        delivered: 0,
        opened: 0,
        clicked: 0,
        converted: 0,
        comparison: None,
    }
}

fn hour(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

fn points(series: BTreeMap<DateTime<Utc>, (u64, u64)>) -> Vec<ResultPoint> {
    series
        .into_iter()
        .map(|(at, (sent, converted))| ResultPoint {
            at,
            sent,
            converted,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::campaign::Channel;
    use mongodb::bson;
    use proptest::prelude::*;

    const STATUSES: [OutboxStatus; 5] = [
        OutboxStatus::Sent,
        OutboxStatus::Failed,
        OutboxStatus::HeldOut,
        OutboxStatus::Capped,
        OutboxStatus::Skipped,
    ];

    fn message(n: usize, (variant, status, hour, flags): (u8, usize, i64, u8)) -> OutboxDoc {
        let at = bson::DateTime::from_millis(1_700_000_000_000 + hour * 3_600_000 + 61_000);
        let status = STATUSES[status];
        OutboxDoc {
            id: format!("m{n}"),
            campaign_id: bson::oid::ObjectId::from_bytes([1; 12]),
            run: "1".into(),
            profile_id: bson::oid::ObjectId::from_bytes([2; 12]),
            channel: Channel::Email,
            variant: ["A", "B", "holdout"][usize::from(variant % 3)].into(),
            status,
            attempts: 1,
            next_at: at,
            lease_until: None,
            created_at: at,
            sent_at: (status == OutboxStatus::Sent).then_some(at),
            delivered: flags & 1 == 1,
            opened_at: (flags & 2 == 2).then_some(at),
            clicked_at: (flags & 4 == 4).then_some(at),
            deferrals: u32::from(flags & 8 == 8),
            error: (status == OutboxStatus::Failed).then(|| format!("reason {}", flags % 3)),
            trigger: None,
            claim: None,
            settled: None,
        }
    }

    proptest! {
        /// Tallying what retention deletes batch by batch and adding what is kept gives the
        /// numbers tallying everything at once gives: results never move when messages go.
        #[test]
        fn tallies_of_parts_add_up_to_the_tally_of_the_whole(
            specs in proptest::collection::vec((0u8..3, 0usize..5, 0i64..6, 0u8..16, any::<bool>()), 0..40),
            split in 0usize..40,
        ) {
            let items: Vec<OutboxDoc> = specs
                .iter()
                .enumerate()
                .map(|(n, (v, s, h, f, _))| message(n, (*v, *s, *h, *f)))
                .collect();
            let converted: HashMap<String, DateTime<Utc>> = items
                .iter()
                .zip(&specs)
                .filter(|(_, spec)| spec.4)
                .map(|(i, _)| (i.id.clone(), i.created_at.to_chrono() + Duration::minutes(90)))
                .collect();
            let split = split.min(items.len());
            let whole = Tally::of(&items, &converted);
            let mut parts = Tally::of(&items[..split], &converted);
            for chunk in items[split..].chunks(3) {
                parts.add(&Tally::of(chunk, &converted));
            }
            prop_assert_eq!(parts, whole);
        }
    }
}
