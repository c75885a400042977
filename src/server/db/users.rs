//! The `users` collection: people who sign in to enrich.
use crate::{
    error::AppError,
    model::access::{Role, UserSummary},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "users";

/// A user as stored. The password is only ever held as an argon2id PHC string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserDoc {
    /// User id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Sign-in email, lower-cased (unique).
    pub email: String,
    /// Role.
    pub role: Role,
    /// argon2id hash in PHC format.
    pub password_hash: String,
    /// Disabled users cannot sign in; their sessions end at the next request.
    #[serde(default)]
    pub disabled: bool,
    /// When added.
    pub created_at: bson::DateTime,
    /// The IANA time zone the user reads times in; `None` until they choose (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl UserDoc {
    /// The list form (no hash).
    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id.to_hex(),
            email: self.email.clone(),
            role: self.role,
            disabled: self.disabled,
            created_at: self.created_at.to_chrono(),
        }
    }
}

/// Repository over `users`.
#[derive(Clone, Debug)]
pub struct Users {
    collection: Collection<UserDoc>,
}

impl Users {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Stores a new user; a taken email is a 409 on `email`.
    pub async fn insert(&self, user: &UserDoc) -> Result<(), AppError> {
        match self.collection.insert_one(user).await {
            Ok(_) => Ok(()),
            Err(e) if super::is_duplicate_key(&e) => Err(AppError::Conflict {
                field: "email".into(),
                message: "a user with this email already exists".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The user signing in as `email` (already lower-cased).
    pub async fn by_email(&self, email: &str) -> Result<Option<UserDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "email": email }).await?)
    }

    /// The user with `id`.
    pub async fn get(&self, id: ObjectId) -> Result<Option<UserDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// Every user, by email.
    pub async fn list(&self) -> Result<Vec<UserDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! {})
            .sort(doc! { "email": 1 })
            .await?
            .try_collect()
            .await?)
    }

    /// How many users exist.
    pub async fn count(&self) -> Result<u64, AppError> {
        Ok(self.collection.count_documents(doc! {}).await?)
    }

    /// Sets role and disabled flag of user `id`; false if there is no such user.
    pub async fn update(&self, id: ObjectId, role: Role, disabled: bool) -> Result<bool, AppError> {
        let change = doc! { "$set": { "role": role.as_str(), "disabled": disabled } };
        let result = self
            .collection
            .update_one(doc! { "_id": id }, change)
            .await?;
        Ok(result.matched_count == 1)
    }

    /// Replaces the password hash of user `id`.
    pub async fn set_password(&self, id: ObjectId, hash: &str) -> Result<(), AppError> {
        self.collection
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "password_hash": hash } },
            )
            .await?;
        Ok(())
    }

    /// Sets the time zone user `id` reads times in.
    pub async fn set_time_zone(&self, id: ObjectId, zone: &str) -> Result<(), AppError> {
        self.collection
            .update_one(doc! { "_id": id }, doc! { "$set": { "time_zone": zone } })
            .await?;
        Ok(())
    }

    /// How many enabled admins there are (the last one may not be demoted or disabled).
    pub async fn active_admins(&self) -> Result<u64, AppError> {
        let filter = doc! { "role": "admin", "disabled": { "$ne": true } };
        Ok(self.collection.count_documents(filter).await?)
    }
}
