//! The `profiles` collection: one document per person.
use crate::{
    error::AppError,
    model::{CustomerSummary, DailyCount, NewCustomer},
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Collection name.
pub const COLLECTION: &str = "profiles";
/// The source recorded for customers typed in on the Customers page.
pub const MANUAL_SOURCE: &str = "manual";
/// Day keys, the same in MongoDB's `$dateToString` and chrono's `format`.
const DAY_FORMAT: &str = "%Y-%m-%d";

/// A profile as stored. Optional fields are omitted, never stored as null, so the sparse
/// unique index on `email` ignores profiles without one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileDoc {
    /// Profile id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Display name (may be empty for anonymous profiles).
    #[serde(default)]
    pub name: String,
    /// Lower-cased primary email; unique among profiles that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Compact phone (`+` and digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Names of the sources that contributed to this profile.
    #[serde(default)]
    pub sources: Vec<String>,
    /// When the profile was created.
    pub created_at: bson::DateTime,
    /// When the person was last active, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<bson::DateTime>,
}

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

/// Repository over `profiles`.
#[derive(Clone, Debug)]
pub struct Profiles {
    collection: Collection<ProfileDoc>,
}

impl Profiles {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Stores a hand-entered customer; a second profile with the same email is a conflict.
    pub async fn insert_manual(&self, customer: &NewCustomer) -> Result<CustomerSummary, AppError> {
        let profile = ProfileDoc {
            id: ObjectId::new(),
            name: customer.name.clone(),
            email: Some(customer.email.clone()),
            phone: customer.phone.clone(),
            sources: vec![MANUAL_SOURCE.to_owned()],
            created_at: bson::DateTime::now(),
            last_seen: None,
        };
        match self.collection.insert_one(&profile).await {
            Ok(_) => Ok(profile.into()),
            Err(err) if super::is_duplicate_key(&err) => Err(AppError::Conflict {
                field: "email".into(),
                message: "a customer with this email already exists".into(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// The most recently created profiles, newest first.
    pub async fn list_recent(&self, limit: i64) -> Result<Vec<CustomerSummary>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "created_at": -1, "_id": -1 })
            .limit(limit);
        let cursor = self
            .collection
            .find(doc! {})
            .with_options(options.build())
            .await?;
        let docs: Vec<ProfileDoc> = cursor.try_collect().await?;
        Ok(docs.into_iter().map(CustomerSummary::from).collect())
    }

    /// How many profiles exist (from collection metadata: constant time at any size).
    pub async fn count(&self) -> Result<u64, AppError> {
        Ok(self.collection.estimated_document_count().await?)
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
            doc! { "$match": { "created_at": { "$gte": bson::DateTime::from_millis(midnight) } } },
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

fn count_of(group: &bson::Document) -> u64 {
    match group.get("count") {
        Some(bson::Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(bson::Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        Some(bson::Bson::Double(n)) => *n as u64,
        _ => 0,
    }
}
