//! Results: per variant and for the holdout — targeted, sent, failed, delivered, opened,
//! clicked, converted — with uplift against the holdout and its significance, and sends and
//! conversions per hour. A conversion is the goal event within the window after a send, credited
//! to the person's latest send before it among campaigns with the same goal; a held-out person
//! converts with the goal event within the window after their run was drawn.
use super::{CampaignService, tally::Tally};
use crate::{
    campaign::significance::{Group, compare},
    error::AppError,
    model::campaign::{CampaignResults, ConversionGoal, GoalFilter, VariantResult},
    server::db::{
        campaign_tallies::CampaignTallies,
        events,
        outbox::{OutboxDoc, OutboxStatus},
    },
};
use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use std::collections::{HashMap, HashSet};

impl CampaignService {
    /// The results of campaign `id`: its messages kept, plus the tally of those retention
    /// deleted.
    pub async fn results(&self, id: ObjectId) -> Result<CampaignResults, AppError> {
        let campaign = self.campaigns.must_get(id).await?;
        let tallies = CampaignTallies::new(&self.db);
        // The tally and the messages as of one moment: read again if a sweep moved messages
        // into the tally in between.
        let mut attempts = 0;
        let (stored, mut items) = loop {
            attempts += 1;
            let stored = tallies.get(id).await?;
            let items = self.outbox.of_campaign(id).await?;
            let version = stored.as_ref().map_or(0, |t| t.version);
            if attempts == 3 || tallies.versions(&[id]).await? == [version] {
                break (stored, items);
            }
        };
        if let Some(stored) = &stored {
            // Counted in the stored tally, on their way out.
            items.retain(|i| !stored.last_tallied.contains(&i.id));
        }
        let converted = match &campaign.definition.conversion {
            Some(goal) => self.conversions(id, goal, &items).await?,
            None => HashMap::new(),
        };
        let mut tally = Tally::of(&items, &converted);
        if let Some(stored) = &stored {
            tally.add(&stored.tally);
        }
        let mut keys: Vec<String> = campaign
            .definition
            .variants
            .iter()
            .map(|v| v.key.clone())
            .collect();
        keys.push("holdout".to_owned());
        let mut variants: Vec<VariantResult> = keys.iter().map(|k| tally.variant(k)).collect();
        let holdout = variants.last().map(|h| Group {
            size: h.targeted,
            converted: h.converted,
        });
        if let Some(holdout) =
            holdout.filter(|h| h.size > 0 && campaign.definition.conversion.is_some())
        {
            let treated = variants.len() - 1;
            for v in &mut variants[..treated] {
                if v.delivered > 0 {
                    v.comparison = Some(compare(
                        Group {
                            size: v.delivered,
                            converted: v.converted,
                        },
                        holdout,
                    ));
                }
            }
        }
        Ok(CampaignResults {
            variants,
            pending: items.iter().filter(|i| i.status.is_unsettled()).count() as u64,
            capped: tally.capped,
            deferred: tally.deferred,
            failures: tally.failures_by_count(),
            series: tally.series,
        })
    }

    /// When each converting outbox message converted, by outbox key.
    pub(super) async fn conversions(
        &self,
        campaign: ObjectId,
        goal: &ConversionGoal,
        items: &[OutboxDoc],
    ) -> Result<HashMap<String, DateTime<Utc>>, AppError> {
        let window = Duration::days(i64::from(goal.window_days));
        let mut out = HashMap::new();
        // Settled windows are read from the message; only open ones need the events.
        for item in items {
            if let Some(at) = item.settled.and_then(|s| s.converted_at) {
                out.insert(item.id.clone(), at.to_chrono());
            }
        }
        let counted: Vec<&OutboxDoc> = items
            .iter()
            .filter(|i| i.settled.is_none())
            .filter(|i| i.status.is_sent() || i.status == OutboxStatus::HeldOut)
            .collect();
        if counted.is_empty() {
            return Ok(out);
        }
        let profiles: Vec<ObjectId> = counted
            .iter()
            .map(|i| i.profile_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let goal_events = self.goal_events(&profiles, goal).await?;
        let rivals = self.rival_sends(campaign, &goal.event, &profiles).await?;
        for item in counted {
            let start = start_of(item);
            let Some(times) = goal_events.get(&item.profile_id) else {
                continue;
            };
            let credited = times.iter().copied().find(|t| {
                *t >= start
                    && *t <= start + window
                    && (item.status == OutboxStatus::HeldOut || latest_is(item, *t, items, &rivals))
            });
            if let Some(at) = credited {
                out.insert(item.id.clone(), at);
            }
        }
        Ok(out)
    }

    /// Goal events of `profiles`, oldest first, by profile.
    async fn goal_events(
        &self,
        profiles: &[ObjectId],
        goal: &ConversionGoal,
    ) -> Result<HashMap<ObjectId, Vec<DateTime<Utc>>>, AppError> {
        let mut out: HashMap<ObjectId, Vec<DateTime<Utc>>> = HashMap::new();
        for chunk in profiles.chunks(1_000) {
            let mut cursor = self
                .db
                .collection::<Document>(events::COLLECTION)
                .find(doc! { "profile_id": { "$in": chunk }, "event": &goal.event })
                .projection(doc! { "profile_id": 1, "timestamp": 1, "message.raw.properties": 1 })
                .sort(doc! { "timestamp": 1 })
                .await?;
            while let Some(event) = cursor.try_next().await? {
                let (Ok(profile), Ok(at)) = (
                    event.get_object_id("profile_id"),
                    event.get_datetime("timestamp"),
                ) else {
                    continue;
                };
                if goal.filters.iter().all(|f| holds(f, &event)) {
                    out.entry(profile).or_default().push(at.to_chrono());
                }
            }
        }
        Ok(out)
    }

    /// Other campaigns' sends to `profiles` whose goal is the same event, by profile.
    async fn rival_sends(
        &self,
        campaign: ObjectId,
        event: &str,
        profiles: &[ObjectId],
    ) -> Result<HashMap<ObjectId, Vec<DateTime<Utc>>>, AppError> {
        let rivals: Vec<ObjectId> = self
            .campaigns
            .list()
            .await?
            .into_iter()
            .filter(|c| {
                c.id != campaign
                    && c.definition
                        .conversion
                        .as_ref()
                        .is_some_and(|g| g.event == event)
            })
            .map(|c| c.id)
            .collect();
        let mut out: HashMap<ObjectId, Vec<DateTime<Utc>>> = HashMap::new();
        if rivals.is_empty() {
            return Ok(out);
        }
        for chunk in profiles.chunks(1_000) {
            let filter = doc! { "campaign_id": { "$in": &rivals }, "profile_id": { "$in": chunk }, "status": "sent" };
            let sends: Vec<OutboxDoc> = self
                .outbox
                .collection
                .find(filter)
                .await?
                .try_collect()
                .await?;
            for send in sends {
                if let Some(at) = send.sent_at {
                    out.entry(send.profile_id).or_default().push(at.to_chrono());
                }
            }
        }
        Ok(out)
    }
}

/// When `item`'s window opens: its send, or for the holdout, its draw.
pub(super) fn start_of(item: &OutboxDoc) -> DateTime<Utc> {
    item.sent_at.unwrap_or(item.created_at).to_chrono()
}

/// Whether `item` is the latest send to its person before `t` (this campaign's other runs and
/// rival campaigns included).
fn latest_is(
    item: &OutboxDoc,
    t: DateTime<Utc>,
    items: &[OutboxDoc],
    rivals: &HashMap<ObjectId, Vec<DateTime<Utc>>>,
) -> bool {
    let mine = start_of(item);
    let later_own = items.iter().any(|other| {
        other.profile_id == item.profile_id
            && other.id != item.id
            && other.status.is_sent()
            && start_of(other) > mine
            && start_of(other) <= t
    });
    let later_rival = rivals
        .get(&item.profile_id)
        .is_some_and(|times| times.iter().any(|r| *r > mine && *r <= t));
    !later_own && !later_rival
}

/// Whether the event's property equals the filter's value (numbers by value).
fn holds(filter: &GoalFilter, event: &Document) -> bool {
    let value = event
        .get_document("message")
        .ok()
        .and_then(|m| m.get_document("raw").ok())
        .and_then(|r| r.get_document("properties").ok())
        .and_then(|p| p.get(&filter.property));
    let wanted = filter.value.trim();
    match value {
        Some(Bson::String(text)) => text == wanted,
        Some(Bson::Boolean(b)) => wanted == b.to_string(),
        Some(Bson::Int32(n)) => wanted.parse::<f64>().is_ok_and(|w| w == f64::from(*n)),
        Some(Bson::Int64(n)) => wanted.parse::<f64>().is_ok_and(|w| w == *n as f64),
        Some(Bson::Double(n)) => wanted.parse::<f64>().is_ok_and(|w| w == *n),
        _ => false,
    }
}
