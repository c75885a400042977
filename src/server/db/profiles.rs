//! The `profiles` collection: one document per person.
pub use super::profile_doc::ProfileDoc;
use super::{
    profile_changes::ProfileChanges, profile_derived::refresh_derived, profile_doc::ProfileStatus,
};
use crate::{
    error::AppError,
    model::{CustomerSummary, DailyCount},
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use std::collections::HashMap;

/// Collection name.
pub const COLLECTION: &str = "profiles";
/// Day keys, the same in MongoDB's `$dateToString` and chrono's `format`.
const DAY_FORMAT: &str = "%Y-%m-%d";

impl From<ProfileDoc> for CustomerSummary {
    fn from(doc: ProfileDoc) -> Self {
        Self {
            id: doc.id.to_hex(),
            name: doc.name,
            email: doc.email,
            last_seen: doc.last_seen.and_then(to_chrono),
            source_count: u32::try_from(doc.sources.len()).unwrap_or(u32::MAX),
        }
    }
}

fn to_chrono(at: bson::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(at.timestamp_millis())
}

/// What an edit in [`Profiles::modify`] made of the profile it was given.
pub enum Edit<T> {
    /// Write the edited profile, then answer this.
    Write(T),
    /// Nothing to write: answer this.
    Keep(T),
}

/// Repository over `profiles`.
#[derive(Clone, Debug)]
pub struct Profiles {
    pub(super) collection: Collection<ProfileDoc>,
    /// For commands the collection handle does not offer (multi-statement updates).
    pub(super) db: Database,
    /// Told of every profile written, for segment membership.
    pub changes: ProfileChanges,
}

impl Profiles {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
            changes: ProfileChanges::default(),
        }
    }

    /// Profile `id`, live or merged.
    pub async fn get(&self, id: ObjectId) -> Result<Option<ProfileDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// Ids of the live profiles that ever had `event` (what a back-fill over that event visits).
    pub async fn live_ids_with_event(&self, event: &str) -> Result<Vec<ObjectId>, AppError> {
        let mut filter = live();
        filter.insert("counters.event", event);
        let ids: Vec<bson::Document> = self
            .collection
            .clone_with_type::<bson::Document>()
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(ids
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect())
    }

    /// Profiles `ids`, live or merged.
    pub async fn get_many(&self, ids: &[ObjectId]) -> Result<Vec<ProfileDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! { "_id": { "$in": ids } })
            .await?
            .try_collect()
            .await?)
    }

    /// Stores a new profile.
    pub async fn insert(&self, profile: &ProfileDoc) -> Result<(), AppError> {
        let mut profile = profile.clone();
        refresh_derived(&mut profile);
        self.collection.insert_one(&profile).await?;
        self.changes.notify(profile.id);
        Ok(())
    }

    /// Deletes a profile that never held anything (a lost creation race).
    pub async fn delete_unused(&self, id: ObjectId) -> Result<(), AppError> {
        self.collection
            .delete_one(doc! { "_id": id, "rev": 0_i64 })
            .await?;
        Ok(())
    }

    /// The revision-checked update loop: reads profile `id`, lets `edit` change it, and
    /// writes it only if nobody wrote it since it was read; otherwise reads it again and edits
    /// again. Answers what the accepted edit answered, with the profile as written (or as read,
    /// for [`Edit::Keep`]); `None` when there is no such profile.
    pub async fn modify<T>(
        &self,
        id: ObjectId,
        mut edit: impl FnMut(&mut ProfileDoc) -> Edit<T>,
    ) -> Result<Option<(T, ProfileDoc)>, AppError> {
        loop {
            let Some(mut profile) = self.get(id).await? else {
                return Ok(None);
            };
            match edit(&mut profile) {
                Edit::Keep(answer) => return Ok(Some((answer, profile))),
                Edit::Write(answer) => {
                    if self.replace(&mut profile).await? {
                        return Ok(Some((answer, profile)));
                    }
                }
            }
        }
    }

    /// Replaces the stored profile if it is still at revision `profile.rev`, bumping it;
    /// `false` if someone else wrote it first (re-read and retry).
    pub async fn replace(&self, profile: &mut ProfileDoc) -> Result<bool, AppError> {
        let expected = profile.rev;
        profile.rev += 1;
        refresh_derived(profile);
        let result = self
            .collection
            .replace_one(doc! { "_id": profile.id, "rev": expected }, &*profile)
            .await;
        match result {
            Ok(r) if r.matched_count == 1 => {
                self.changes.notify(profile.id);
                Ok(true)
            }
            Ok(_) => {
                profile.rev = expected;
                Ok(false)
            }
            Err(err) => {
                profile.rev = expected;
                Err(err.into())
            }
        }
    }

    /// The most recently created profiles, newest first.
    pub async fn list_recent(&self, limit: i64) -> Result<Vec<CustomerSummary>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "created_at": -1, "_id": -1 })
            .limit(limit);
        let cursor = self
            .collection
            .find(live())
            .with_options(options.build())
            .await?;
        let docs: Vec<ProfileDoc> = cursor.try_collect().await?;
        Ok(docs.into_iter().map(CustomerSummary::from).collect())
    }

    /// How many live profiles exist, from metadata rather than a scan (see [`live_count`]).
    pub async fn count(&self) -> Result<u64, AppError> {
        live_count(&self.db).await
    }

    /// Profiles created on each of the `days` UTC days ending with `today`, oldest first,
    /// including days with none.
    pub async fn created_per_day(
        &self,
        today: NaiveDate,
        days: u32,
    ) -> Result<Vec<DailyCount>, AppError> {
        let first = today
            .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
            .unwrap_or(today);
        let counted = self.count_created_per_day_since(first).await?;
        Ok(first
            .iter_days()
            .take_while(|day| *day <= today)
            .map(|day| {
                let key = day.format(DAY_FORMAT).to_string();
                DailyCount {
                    count: counted.get(&key).copied().unwrap_or(0),
                    day: key,
                }
            })
            .collect())
    }

    /// `YYYY-MM-DD` → profiles created that UTC day, for days from `first` on that have any.
    async fn count_created_per_day_since(
        &self,
        first: NaiveDate,
    ) -> Result<HashMap<String, u64>, AppError> {
        let midnight = first.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
        let pipeline = [
            doc! { "$match": {
                "status": live_status(),
                "created_at": { "$gte": bson::DateTime::from_millis(midnight) },
            } },
            doc! { "$group": {
                "_id": { "$dateToString": { "format": DAY_FORMAT, "date": "$created_at" } },
                "count": { "$sum": 1 },
            } },
        ];
        let groups: Vec<bson::Document> = self
            .collection
            .aggregate(pipeline)
            .await?
            .try_collect()
            .await?;
        Ok(groups
            .iter()
            .filter_map(|g| Some((g.get_str("_id").ok()?.to_owned(), count_of(g))))
            .collect())
    }
}

fn live_status() -> bson::Bson {
    bson::to_bson(&ProfileStatus::Live).unwrap_or_default()
}

/// How many live profiles `db` holds, without scanning profiles: the collection's metadata
/// count less one per merge not undone (each merge leaves exactly one profile merged, and
/// erasure deletes a person's merges with their profiles). Read like other analytics, from a
/// secondary when there is one. While a merge or unmerge is under way it may be off by one.
pub async fn live_count(db: &Database) -> Result<u64, AppError> {
    use std::future::IntoFuture;
    let profiles = super::analytics::<bson::Document>(db, COLLECTION);
    let merges = super::analytics::<bson::Document>(db, super::merges::COLLECTION);
    let undone = bson::to_bson(&super::merges::MergeState::Undone).map_err(AppError::internal)?;
    let (stored, merged) = futures::try_join!(
        profiles.estimated_document_count().into_future(),
        merges
            .count_documents(doc! { "state": { "$ne": undone } })
            .into_future(),
    )?;
    Ok(stored.saturating_sub(merged))
}

/// Live profiles only: merged ones are kept for unmerge but are not people any more.
pub fn live() -> bson::Document {
    doc! { "status": live_status() }
}

fn count_of(group: &bson::Document) -> u64 {
    match group.get("count") {
        Some(bson::Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(bson::Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        Some(bson::Bson::Double(n)) => *n as u64,
        _ => 0,
    }
}
