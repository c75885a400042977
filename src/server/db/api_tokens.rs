//! The `api_tokens` collection: admins' personal tokens for scripts. Stored as SHA-256 digests
//! (256-bit random secrets, like write keys), with the role requests made with them have.
use super::sources::{digest, new_secret};
use crate::{
    error::AppError,
    model::access::{ApiTokenSummary, Role},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection of API tokens.
pub const COLLECTION: &str = "api_tokens";
/// Every API token starts with this, so a leaked one is recognisable (and secret scanners can
/// be taught it).
pub const TOKEN_PREFIX: &str = "enr_pat_";
/// `last_used_at` is written at most this often per token, so scripts do not write per call.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A stored token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenDoc {
    /// Token id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// SHA-256 of the secret, hex (unique).
    pub digest: String,
    /// The secret's first characters.
    pub prefix: String,
    /// What it is for.
    pub name: String,
    /// The role its requests have.
    pub role: Role,
    /// The admin it belongs to.
    pub owner: ObjectId,
    /// The owner's email when created (for the list).
    pub owner_email: String,
    /// When created.
    pub created_at: bson::DateTime,
    /// When it stops working by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<bson::DateTime>,
    /// Last use, to the minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<bson::DateTime>,
    /// When revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<bson::DateTime>,
}

impl ApiTokenDoc {
    /// The list form.
    pub fn summary(&self) -> ApiTokenSummary {
        ApiTokenSummary {
            id: self.id.to_hex(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            role: self.role,
            owner: self.owner_email.clone(),
            created_at: self.created_at.to_chrono(),
            expires_at: self.expires_at.map(|t| t.to_chrono()),
            last_used_at: self.last_used_at.map(|t| t.to_chrono()),
            revoked_at: self.revoked_at.map(|t| t.to_chrono()),
        }
    }

    /// Whether it may be used at `now`.
    pub fn is_live(&self, now: bson::DateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| now < end)
    }

    /// How it is named in the audit log: its name and prefix, never the secret.
    pub fn label(&self) -> String {
        format!("{} ({}…)", self.name, self.prefix)
    }
}

/// What a new token is.
pub struct NewToken<'a> {
    /// What it is for.
    pub name: &'a str,
    /// Its role.
    pub role: Role,
    /// Its owner's id and email.
    pub owner: (ObjectId, &'a str),
    /// When it expires.
    pub expires_at: Option<bson::DateTime>,
}

/// Repository over `api_tokens`.
#[derive(Clone, Debug)]
pub struct ApiTokens {
    collection: Collection<ApiTokenDoc>,
}

impl ApiTokens {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Stores a new token; returns it with its secret (which is not stored).
    pub async fn create(&self, new: NewToken<'_>) -> Result<(ApiTokenDoc, String), AppError> {
        let secret = new_secret(TOKEN_PREFIX);
        let token = ApiTokenDoc {
            id: ObjectId::new(),
            digest: digest(&secret),
            prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
            name: new.name.to_owned(),
            role: new.role,
            owner: new.owner.0,
            owner_email: new.owner.1.to_owned(),
            created_at: bson::DateTime::now(),
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        self.collection.insert_one(&token).await?;
        Ok((token, secret))
    }

    /// Every token, newest first.
    pub async fn list(&self) -> Result<Vec<ApiTokenDoc>, AppError> {
        Ok(self
            .collection
            .find(doc! {})
            .sort(doc! { "created_at": -1 })
            .await?
            .try_collect()
            .await?)
    }

    /// The token whose secret is `secret`, live or not.
    pub async fn by_secret(&self, secret: &str) -> Result<Option<ApiTokenDoc>, AppError> {
        Ok(self
            .collection
            .find_one(doc! { "digest": digest(secret) })
            .await?)
    }

    /// Revokes token `id`; the token if it was live.
    pub async fn revoke(&self, id: ObjectId) -> Result<Option<ApiTokenDoc>, AppError> {
        Ok(self
            .collection
            .find_one_and_update(
                doc! { "_id": id, "revoked_at": null },
                doc! { "$set": { "revoked_at": bson::DateTime::now() } },
            )
            .await?)
    }

    /// Records a use of `token` at `now`, unless one was recorded within the last minute.
    pub async fn touch(&self, token: &ApiTokenDoc, now: bson::DateTime) -> Result<(), AppError> {
        let recent = token
            .last_used_at
            .is_some_and(|at| now.timestamp_millis() - at.timestamp_millis() < TOUCH_EVERY_MS);
        if !recent {
            self.collection
                .update_one(
                    doc! { "_id": token.id },
                    doc! { "$set": { "last_used_at": now } },
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at: Option<bson::DateTime>, revoked: bool) -> ApiTokenDoc {
        ApiTokenDoc {
            id: ObjectId::new(),
            digest: String::new(),
            prefix: "enr_pat_abcdef".into(),
            name: "nightly export".into(),
            role: Role::Analyst,
            owner: ObjectId::new(),
            owner_email: "a@x.test".into(),
            created_at: bson::DateTime::from_millis(0),
            expires_at,
            last_used_at: None,
            revoked_at: revoked.then(|| bson::DateTime::from_millis(5)),
        }
    }

    #[test]
    fn a_token_is_live_until_it_expires_or_is_revoked() {
        let now = bson::DateTime::from_millis(1_000);
        assert!(token(None, false).is_live(now));
        assert!(token(Some(bson::DateTime::from_millis(1_001)), false).is_live(now));
        assert!(!token(Some(now), false).is_live(now));
        assert!(!token(None, true).is_live(now));
    }

    #[test]
    fn the_audit_label_names_the_token_without_its_secret() {
        assert_eq!(
            token(None, false).label(),
            "nightly export (enr_pat_abcdef…)"
        );
    }
}
