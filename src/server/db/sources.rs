//! The `sources` and `write_keys` collections (and `server_keys`, beside). Keys are stored only
//! as SHA-256 digests: they are 256-bit or longer random secrets, so a fast digest is enough
//! (passwords, being guessable, use argon2).
pub mod server_keys;

use crate::{
    error::AppError,
    model::source::{CreatedWriteKey, KeySummary, SourceKind, SourceSummary},
};
use base64::Engine;
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use server_keys::ServerKeys;
use sha2::{Digest, Sha256};

/// Collection of sources.
pub const COLLECTION: &str = "sources";
/// Collection of write keys.
pub const KEYS_COLLECTION: &str = "write_keys";
/// Every write key starts with this, so leaked keys are recognisable.
const KEY_PREFIX: &str = "wk_";

/// A stored source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDoc {
    /// Source id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Unique name.
    pub name: String,
    /// How it sends data.
    pub kind: SourceKind,
    /// When it was created.
    pub created_at: bson::DateTime,
    /// Saved column → field mapping for imports (TOML text), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// Web origins whose pages may call enrich with this source's keys (CORS), normalised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
}

impl SourceDoc {
    /// Whether a page of `origin` (as the browser sent it) may call with this source's keys.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

/// A stored write or server key (one shape for both collections).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct KeyDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    digest: String,
    prefix: String,
    source_id: ObjectId,
    created_at: bson::DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_at: Option<bson::DateTime>,
}

/// SHA-256 of a key, hex.
pub(crate) fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The start of `key` that is stored and shown to tell keys apart (never enough to use it).
pub fn key_prefix(key: &str) -> String {
    key.chars().take(KEY_PREFIX.len() + 6).collect()
}

fn new_key() -> String {
    new_secret(KEY_PREFIX)
}

/// 256 random bits, URL-safe, after `prefix` (which makes a leaked secret recognisable).
pub(crate) fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Repository over sources and their keys.
#[derive(Clone, Debug)]
pub struct Sources {
    sources: Collection<SourceDoc>,
    keys: Collection<KeyDoc>,
    server_keys: ServerKeys,
    db: Database,
}

/// Sources by the digest of a live write key, so the tracking API does not read the key and
/// its source per request. A revocation or a source change in this process applies at once;
/// one made by another instance within [`memo::TTL`](super::memo::TTL).
static BY_KEY: std::sync::LazyLock<super::memo::Memo<SourceDoc>> =
    std::sync::LazyLock::new(super::memo::Memo::new);

impl Sources {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            sources: db.collection(COLLECTION),
            keys: db.collection(KEYS_COLLECTION),
            server_keys: ServerKeys::new(db),
            db: db.clone(),
        }
    }

    /// The sources' server keys.
    pub fn server_keys(&self) -> &ServerKeys {
        &self.server_keys
    }

    /// Creates a source; the name must be free.
    pub async fn create(&self, name: &str, kind: SourceKind) -> Result<SourceDoc, AppError> {
        let source = SourceDoc {
            id: ObjectId::new(),
            name: name.to_owned(),
            kind,
            created_at: bson::DateTime::now(),
            mapping: None,
            allowed_origins: Vec::new(),
        };
        match self.sources.insert_one(&source).await {
            Ok(_) => Ok(source),
            Err(err) if super::is_duplicate_key(&err) => Err(AppError::Conflict {
                field: "name".into(),
                message: format!("a source named {name} already exists"),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// The source named `name`, created with `kind` if there is none.
    pub async fn get_or_create(&self, name: &str, kind: SourceKind) -> Result<SourceDoc, AppError> {
        if let Some(found) = self.by_name(name).await? {
            return Ok(found);
        }
        match self.create(name, kind).await {
            Err(AppError::Conflict { .. }) => self
                .by_name(name)
                .await?
                .ok_or_else(|| AppError::internal("source vanished after a name conflict")),
            other => other,
        }
    }

    /// The source named `name`.
    pub async fn by_name(&self, name: &str) -> Result<Option<SourceDoc>, AppError> {
        Ok(self.sources.find_one(doc! { "name": name }).await?)
    }

    /// The source with id `id`.
    pub async fn by_id(&self, id: ObjectId) -> Result<Option<SourceDoc>, AppError> {
        Ok(self.sources.find_one(doc! { "_id": id }).await?)
    }

    /// Saves the import mapping of `source_id`.
    pub async fn save_mapping(&self, source_id: ObjectId, mapping: &str) -> Result<(), AppError> {
        self.sources
            .update_one(
                doc! { "_id": source_id },
                doc! { "$set": { "mapping": mapping } },
            )
            .await?;
        BY_KEY.forget(&self.db);
        Ok(())
    }

    /// Replaces the allowed origins of `source_id` (already normalised).
    pub async fn save_origins(
        &self,
        source_id: ObjectId,
        origins: &[String],
    ) -> Result<(), AppError> {
        self.sources
            .update_one(
                doc! { "_id": source_id },
                doc! { "$set": { "allowed_origins": origins } },
            )
            .await?;
        BY_KEY.forget(&self.db);
        Ok(())
    }

    /// Whether any source allows `origin`: what a CORS preflight, which carries no key, can
    /// check (the request itself is then checked against its own source).
    pub async fn any_allows_origin(&self, origin: &str) -> Result<bool, AppError> {
        Ok(self
            .sources
            .find_one(doc! { "allowed_origins": origin })
            .await?
            .is_some())
    }

    /// Issues a new key for `source`; the returned text is never stored.
    pub async fn issue_key(&self, source: &SourceDoc) -> Result<CreatedWriteKey, AppError> {
        let key = new_key();
        self.keys.insert_one(KeyDoc::new(&key, source.id)).await?;
        Ok(CreatedWriteKey {
            source: source.name.clone(),
            key,
        })
    }

    /// Revokes key `key_id`; revoking twice is harmless.
    pub async fn revoke_key(&self, key_id: ObjectId) -> Result<(), AppError> {
        let revoked = revoke(&self.keys, key_id, "write key").await;
        BY_KEY.forget(&self.db);
        revoked
    }

    /// The source a presented key belongs to, if the key is known and not revoked.
    pub async fn authenticate(&self, key: &str) -> Result<Option<SourceDoc>, AppError> {
        let digest = digest(key);
        if let Some(source) = BY_KEY.get(&self.db, &digest) {
            return Ok(Some(source.as_ref().clone()));
        }
        // By the digest alone: the unique index answers it on every server.
        let found = self.keys.find_one(doc! { "digest": &digest }).await?;
        let Some(found) = found.filter(|k| k.revoked_at.is_none()) else {
            return Ok(None);
        };
        let source = self.by_id(found.source_id).await?;
        if let Some(source) = &source {
            BY_KEY.put(&self.db, &digest, source.clone());
        }
        Ok(source)
    }

    /// Every source with its write and server keys, by name.
    pub async fn list(&self) -> Result<Vec<SourceSummary>, AppError> {
        let sources: Vec<SourceDoc> = self
            .sources
            .find(doc! {})
            .with_options(FindOptions::builder().sort(doc! { "name": 1 }).build())
            .await?
            .try_collect()
            .await?;
        let keys = summaries(&self.keys).await?;
        let server_keys = self.server_keys.summaries().await?;
        let of = |all: &[(ObjectId, KeySummary)], source: ObjectId| -> Vec<KeySummary> {
            let mine = all.iter().filter(|(s, _)| *s == source);
            mine.map(|(_, k)| k.clone()).collect()
        };
        Ok(sources
            .into_iter()
            .map(|s| SourceSummary {
                id: s.id.to_hex(),
                keys: of(&keys, s.id),
                server_keys: of(&server_keys, s.id),
                allowed_origins: s.allowed_origins,
                name: s.name,
                kind: s.kind,
                created_at: s.created_at.to_chrono(),
            })
            .collect())
    }
}

impl KeyDoc {
    /// The stored form of a new `key` of `source_id`: its digest and prefix, never the key.
    pub(super) fn new(key: &str, source_id: ObjectId) -> Self {
        Self {
            id: ObjectId::new(),
            digest: digest(key),
            prefix: key_prefix(key),
            source_id,
            created_at: bson::DateTime::now(),
            revoked_at: None,
        }
    }

    fn summary(self) -> KeySummary {
        KeySummary {
            id: self.id.to_hex(),
            prefix: self.prefix,
            created_at: self.created_at.to_chrono(),
            revoked_at: self.revoked_at.map(|at| at.to_chrono()),
        }
    }
}

/// Every key of `keys` as listed (never the key itself), newest first, with its source.
pub(super) async fn summaries(
    keys: &Collection<KeyDoc>,
) -> Result<Vec<(ObjectId, KeySummary)>, AppError> {
    let found: Vec<KeyDoc> = keys
        .find(doc! {})
        .sort(doc! { "created_at": -1 })
        .await?
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .map(|k| (k.source_id, k.summary()))
        .collect())
}

/// Marks key `key_id` of `keys` revoked (write and server keys alike); twice is harmless, an
/// unknown id is `NotFound` naming `what`.
pub(super) async fn revoke(
    keys: &Collection<KeyDoc>,
    key_id: ObjectId,
    what: &str,
) -> Result<(), AppError> {
    let result = keys
        .update_one(
            doc! { "_id": key_id, "revoked_at": { "$exists": false } },
            doc! { "$set": { "revoked_at": bson::DateTime::now() } },
        )
        .await?;
    if result.matched_count == 0 && keys.count_documents(doc! { "_id": key_id }).await? == 0 {
        return Err(AppError::NotFound {
            what: format!("{what} {key_id}"),
        });
    }
    Ok(())
}
