//! Learning from e-commerce events (in the recommendation worker): each new event pairs its
//! products with those of the customer's other recent product events (each pair of events once,
//! when the later-arriving one comes in), weighted by what was done, how recently, and how close
//! in time; products' popularity grows with every event.
use crate::server::{
    db::{
        events::EventDoc,
        product_signals::{SignalBatch, growth},
        profile_doc::ProductEventEntry,
    },
    products::links::Interaction,
};
use chrono::{DateTime, Utc};
use mongodb::bson::oid::ObjectId;
use std::collections::HashSet;

/// Product events of a customer's history that new ones are paired with.
pub const HISTORY: i64 = 100;
/// Events further apart than this are not paired.
const WINDOW_DAYS: f64 = 30.0;

/// A stored event that named catalog products.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedEvent {
    /// Event id.
    pub id: String,
    /// The profile it was applied to.
    pub profile: ObjectId,
    /// What was done.
    pub interaction: Interaction,
    /// The products (each once).
    pub products: Vec<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl LinkedEvent {
    /// How the profile's product memory and the recommendation queue keep it.
    pub fn entry(&self) -> ProductEventEntry {
        ProductEventEntry {
            id: self.id.clone(),
            event: self.interaction.event().to_owned(),
            products: self.products.clone(),
            at: mongodb::bson::DateTime::from_chrono(self.at),
        }
    }

    /// The linked event `entry` of `profile` is.
    pub fn from_entry(profile: ObjectId, entry: &ProductEventEntry) -> Option<Self> {
        Some(Self {
            id: entry.id.clone(),
            profile,
            interaction: Interaction::of_event(&entry.event)?,
            products: entry.products.clone(),
            at: entry.at.to_chrono(),
        })
    }

    /// The linked event `event` is, if it named catalog products.
    pub fn of(event: &EventDoc) -> Option<Self> {
        let interaction = Interaction::of_event(event.event.as_deref()?)?;
        let profile = event.profile_id?;
        (!event.products.is_empty()).then(|| Self {
            id: event.id.clone(),
            profile,
            interaction,
            products: event
                .products
                .iter()
                .map(|l| l.product_id.clone())
                .collect(),
            at: event.timestamp.to_chrono(),
        })
    }
}

/// The evidence `new` events add, given the customer's `history` (which includes them).
pub fn gather(batch: &mut SignalBatch, new: &[LinkedEvent], history: &[LinkedEvent]) {
    let new_ids: HashSet<&str> = new.iter().map(|e| e.id.as_str()).collect();
    let mut earlier: Vec<&LinkedEvent> = history
        .iter()
        .filter(|h| !new_ids.contains(h.id.as_str()))
        .collect();
    for event in new {
        let stat_weight = event.interaction.weight() * growth(event.at);
        for product in &event.products {
            let entry = batch.stats.entry(product.clone()).or_default();
            entry.0 += stat_weight;
            match event.interaction {
                Interaction::Viewed => entry.1 += 1,
                Interaction::Added => entry.2 += 1,
                Interaction::Purchased => entry.3 += 1,
            }
        }
        // Products of one order were bought together.
        for (i, p) in event.products.iter().enumerate() {
            for q in &event.products[i + 1..] {
                add_pair(batch, (p, q), (event, event));
            }
        }
        for other in &earlier {
            for p in &event.products {
                for q in other.products.iter().filter(|q| *q != p) {
                    add_pair(batch, (p, q), (event, other));
                }
            }
        }
        earlier.push(event);
    }
}

fn add_pair(batch: &mut SignalBatch, (p, q): (&str, &str), (x, y): (&LinkedEvent, &LinkedEvent)) {
    let gap_days = (x.at - y.at).num_seconds().unsigned_abs() as f64 / 86_400.0;
    if gap_days > WINDOW_DAYS {
        return;
    }
    let weight = x.interaction.weight().min(y.interaction.weight()) * growth(x.at.max(y.at))
        / (1.0 + gap_days);
    let bought = x.interaction == Interaction::Purchased && y.interaction == Interaction::Purchased;
    for key in [(p.to_owned(), q.to_owned()), (q.to_owned(), p.to_owned())] {
        let entry = batch.pairs.entry(key).or_default();
        if bought {
            entry.1 += weight;
        } else {
            entry.0 += weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(id: &str, interaction: Interaction, products: &[&str], day: u32) -> LinkedEvent {
        LinkedEvent {
            id: id.into(),
            profile: ObjectId::from_bytes([0; 12]),
            interaction,
            products: products.iter().map(|p| (*p).to_owned()).collect(),
            at: Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap(),
        }
    }

    fn pair(batch: &SignalBatch, a: &str, b: &str) -> (f64, f64) {
        batch
            .pairs
            .get(&(a.to_owned(), b.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    #[test]
    fn each_pair_of_events_counts_once_in_both_directions() {
        let old = event("1", Interaction::Viewed, &["a"], 1);
        let new = [
            event("2", Interaction::Viewed, &["b"], 1),
            event("3", Interaction::Viewed, &["c"], 1),
        ];
        let history = vec![new[1].clone(), new[0].clone(), old];
        let mut batch = SignalBatch::default();
        gather(&mut batch, &new, &history);
        let ab = pair(&batch, "a", "b");
        assert!(ab.0 > 0.0 && ab.1 == 0.0);
        assert_eq!(ab, pair(&batch, "b", "a"));
        assert_eq!(pair(&batch, "b", "c"), pair(&batch, "a", "c"));
        assert_eq!(batch.pairs.len(), 6);
        assert_eq!(batch.stats["b"].1, 1);
    }

    #[test]
    fn orders_are_bought_together_and_closeness_in_time_counts() {
        let order = event("2", Interaction::Purchased, &["a", "b"], 2);
        let near = event("1", Interaction::Viewed, &["c"], 2);
        let far = event("0", Interaction::Viewed, &["d"], 1);
        let mut batch = SignalBatch::default();
        gather(
            &mut batch,
            std::slice::from_ref(&order),
            &[order.clone(), near, far],
        );
        assert!(pair(&batch, "a", "b").1 > 0.0);
        assert_eq!(pair(&batch, "a", "b").0, 0.0);
        assert!(pair(&batch, "a", "c").0 > pair(&batch, "a", "d").0);
        assert_eq!(batch.stats["a"].3, 1);
    }

    #[test]
    fn events_a_month_apart_are_not_paired() {
        let mut late = event("2", Interaction::Viewed, &["b"], 1);
        late.at += chrono::Duration::days(40);
        let early = event("1", Interaction::Viewed, &["a"], 1);
        let mut batch = SignalBatch::default();
        gather(
            &mut batch,
            std::slice::from_ref(&late),
            &[late.clone(), early],
        );
        assert!(batch.pairs.is_empty());
    }
}
