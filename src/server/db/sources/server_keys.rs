//! The `server_keys` collection: secret keys a customer's backend uses to read any person's
//! messages and recommendations, and to sign user tokens. Stored only as SHA-256 digests, like
//! write keys; the digest also verifies user tokens (see `ingest::auth::user_token`).
use super::{KeyDoc, SourceDoc, digest, summaries};
use crate::{
    error::AppError,
    model::source::{CreatedServerKey, KeySummary},
};
use base64::Engine;
use mongodb::{
    Collection, Database,
    bson::{doc, oid::ObjectId},
};
use rand::RngCore;

/// Collection of server keys.
pub const COLLECTION: &str = "server_keys";
/// Every server key starts with this, so leaked keys are recognisable.
pub const KEY_PREFIX: &str = "sk_";
/// Random bytes per key: with its prefix the key is longer than SHA-256's 64-byte block, so
/// HMAC under the key equals HMAC under its digest (RFC 2104), which is all the server keeps.
const KEY_BYTES: usize = 64;

fn new_key() -> String {
    let mut bytes = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The bytes of a hex digest.
fn digest_bytes(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Repository over server keys.
#[derive(Clone, Debug)]
pub struct ServerKeys {
    keys: Collection<KeyDoc>,
}

impl ServerKeys {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            keys: db.collection(COLLECTION),
        }
    }

    /// Issues a new server key for `source`; the returned text is never stored.
    pub async fn issue(&self, source: &SourceDoc) -> Result<CreatedServerKey, AppError> {
        let key = new_key();
        let stored = KeyDoc::new(&key, source.id);
        self.keys.insert_one(&stored).await?;
        Ok(CreatedServerKey {
            source: source.name.clone(),
            key_id: stored.id.to_hex(),
            key,
        })
    }

    /// Revokes key `key_id` (and with it every user token it signed); twice is harmless.
    pub async fn revoke(&self, key_id: ObjectId) -> Result<(), AppError> {
        super::revoke(&self.keys, key_id, "server key").await
    }

    /// The source a presented server key belongs to, if it is known and not revoked.
    pub async fn authenticate(&self, key: &str) -> Result<Option<ObjectId>, AppError> {
        let filter = doc! { "digest": digest(key), "revoked_at": { "$exists": false } };
        Ok(self.keys.find_one(filter).await?.map(|k| k.source_id))
    }

    /// The digest of live key `key_id` (the HMAC key of its user tokens), if there is one.
    pub async fn live_digest(&self, key_id: &str) -> Result<Option<Vec<u8>>, AppError> {
        Ok(self.live_signer(key_id).await?.map(|(digest, _)| digest))
    }

    /// The digest of live key `key_id` and the source it belongs to, if there is one.
    pub async fn live_signer(&self, key_id: &str) -> Result<Option<(Vec<u8>, ObjectId)>, AppError> {
        let Ok(id) = ObjectId::parse_str(key_id) else {
            return Ok(None);
        };
        let filter = doc! { "_id": id, "revoked_at": { "$exists": false } };
        let found = self.keys.find_one(filter).await?;
        Ok(found.and_then(|k| Some((digest_bytes(&k.digest)?, k.source_id))))
    }

    /// Every key as listed (never the key itself), newest first, with its source.
    pub async fn summaries(&self) -> Result<Vec<(ObjectId, KeySummary)>, AppError> {
        summaries(&self.keys).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_longer_than_a_hash_block_and_digests_decode() {
        let key = new_key();
        assert!(key.starts_with(KEY_PREFIX) && key.len() > 64, "{key}");
        assert_eq!(digest_bytes(&digest(&key)).unwrap().len(), 32);
        assert_eq!(digest_bytes("0aff"), Some(vec![0x0a, 0xff]));
        assert_eq!(digest_bytes("zz"), None);
    }
}
