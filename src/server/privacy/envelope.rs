//! Encrypted values as stored in MongoDB: envelopes.
//!
//! An envelope is a sub-document with exactly four string keys:
//!
//! - `enc`: standard base64 of a 12-byte random nonce followed by the AES-256-GCM ciphertext
//!   and tag of the value's JSON text;
//! - `kid`: the id of the key it was encrypted under;
//! - `bidx`: the blind index, base64 of HMAC-SHA256(blind key, field || 0x00 || canonical JSON)
//!   (see [`KeyRing::blind_index`]), so equality lookups work without decrypting;
//! - `f`: the field name, which is also the AEAD associated data. A ciphertext copied to another
//!   field fails to open, and re-encryption can find the right associated data for an envelope
//!   wherever it is nested (`provenance[3].history[0].value`, `message.raw.traits.x`, ...).
use super::keyring::{KEY_LEN, KeyRing};
use crate::error::AppError;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use mongodb::bson::{Bson, Document};
use rand::RngCore;
use serde_json::Value;
use sha2::Sha256;

/// Envelope key: nonce and ciphertext, base64.
const ENC: &str = "enc";
/// Envelope key: the encrypting key's id.
const KID: &str = "kid";
/// Envelope key: the blind index.
const BIDX: &str = "bidx";
/// Envelope key: the field name (and associated data).
const FIELD: &str = "f";
/// How many keys an envelope has: exactly [`ENC`], [`KID`], [`BIDX`] and [`FIELD`].
const ENVELOPE_KEYS: usize = 4;

/// AES-GCM's standard nonce size.
const NONCE_LEN: usize = 12;

/// The MAC behind blind indexes.
type HmacSha256 = Hmac<Sha256>;

/// The parts of an envelope needed to open it.
#[derive(Clone, Copy)]
struct Parts<'a> {
    enc: &'a str,
    kid: &'a str,
    field: &'a str,
}

impl<'a> Parts<'a> {
    /// The parts of `doc` if it is an envelope: exactly the four keys, all strings.
    fn read(doc: &'a Document) -> Option<Self> {
        if doc.len() != ENVELOPE_KEYS || doc.get_str(BIDX).is_err() {
            return None;
        }
        Some(Parts {
            enc: doc.get_str(ENC).ok()?,
            kid: doc.get_str(KID).ok()?,
            field: doc.get_str(FIELD).ok()?,
        })
    }
}

/// Whether `value` is an envelope: a document with exactly the keys `enc`, `kid`, `bidx` and
/// `f`, all strings.
pub fn is_envelope(value: &Bson) -> bool {
    matches!(value, Bson::Document(doc) if Parts::read(doc).is_some())
}

/// [`is_envelope`] for a JSON value (as messages carry envelopes), without converting it.
pub fn is_envelope_json(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        map.len() == ENVELOPE_KEYS
            && [ENC, KID, BIDX, FIELD]
                .iter()
                .all(|key| map.get(*key).is_some_and(Value::is_string))
    })
}

impl KeyRing {
    /// Encrypts `value` of `field` under the current key, as an envelope sub-document.
    pub fn seal(&self, field: &str, value: &Value) -> Result<Document, AppError> {
        let (kid, key) = self.current_key();
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // `Value`'s Display is its compact JSON text, the same as `serde_json::to_string`.
        let plaintext = value.to_string();
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: field.as_bytes(),
        };
        let sealed = cipher(key)
            .encrypt(&nonce.into(), payload)
            .map_err(|_| AppError::internal(format!("cannot encrypt {field} under key {kid}")))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        let mut envelope = Document::new();
        envelope.insert(ENC, STANDARD.encode(blob));
        envelope.insert(KID, kid);
        envelope.insert(BIDX, self.blind_index(field, value));
        envelope.insert(FIELD, field);
        Ok(envelope)
    }

    /// Decrypts the envelope of `field`. Fails (as an internal error naming the field and key id,
    /// never the value) if it is not an envelope, belongs to another field, names a key this
    /// ring lacks, or does not authenticate.
    pub fn open(&self, field: &str, envelope: &Document) -> Result<Value, AppError> {
        let parts = Parts::read(envelope)
            .ok_or_else(|| AppError::internal(format!("{field}: not an encrypted envelope")))?;
        if parts.field != field {
            return Err(AppError::internal(format!(
                "{field}: the envelope belongs to field {} (key {})",
                parts.field, parts.kid
            )));
        }
        self.decrypt(parts)
    }

    /// The blind index of `value` in `field`: base64 of HMAC-SHA256(blind key,
    /// field || 0x00 || canonical JSON of the value). Equal values of one field share an index;
    /// other fields' indexes differ. A string is trimmed and lowercased first, so lookups by
    /// index are case-insensitive and ignore surrounding spaces; object keys are sorted.
    pub fn blind_index(&self, field: &str, value: &Value) -> String {
        let canonical = match value {
            Value::String(text) => Value::String(text.trim().to_lowercase()),
            other => sorted(other),
        };
        // Unreachable failure: HMAC accepts keys of any length, and this one is 32 bytes.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.blind_key())
            .expect("HMAC accepts keys of any length");
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(canonical.to_string().as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Re-encrypts under the current key every envelope in `doc` (at any depth, in
    /// sub-documents and arrays, or `doc` itself) that was sealed under an older key. Returns how
    /// many were re-encrypted; a second call right after returns 0.
    pub fn rewrap(&self, doc: &mut Document) -> Result<usize, AppError> {
        let stale = match Parts::read(doc) {
            None => None,
            Some(parts) if parts.kid == self.current_id() => return Ok(0),
            Some(parts) => Some((parts.field.to_owned(), self.decrypt(parts)?)),
        };
        match stale {
            None => doc
                .iter_mut()
                .map(|(_, value)| self.rewrap_value(value))
                .sum(),
            Some((field, value)) => {
                *doc = self.seal(&field, &value)?;
                Ok(1)
            }
        }
    }

    /// [`KeyRing::rewrap`] for any BSON value.
    fn rewrap_value(&self, value: &mut Bson) -> Result<usize, AppError> {
        match value {
            Bson::Document(doc) => self.rewrap(doc),
            Bson::Array(items) => items.iter_mut().map(|item| self.rewrap_value(item)).sum(),
            _ => Ok(0),
        }
    }

    /// Decrypts an envelope's parts, with its own field name as associated data.
    fn decrypt(&self, parts: Parts<'_>) -> Result<Value, AppError> {
        let Parts { enc, kid, field } = parts;
        let fail =
            |why: &str| AppError::internal(format!("cannot decrypt {field} (key {kid}): {why}"));
        let key = self.key(kid).ok_or_else(|| fail("unknown key id"))?;
        let blob = STANDARD.decode(enc).map_err(|_| fail("bad base64"))?;
        let (nonce, sealed) = blob
            .split_at_checked(NONCE_LEN)
            .ok_or_else(|| fail("too short"))?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail("bad nonce"))?;
        let payload = Payload {
            msg: sealed,
            aad: field.as_bytes(),
        };
        let plaintext = cipher(key)
            .decrypt(&nonce.into(), payload)
            .map_err(|_| fail("authentication failed"))?;
        serde_json::from_slice(&plaintext).map_err(|_| fail("the plaintext is not JSON"))
    }
}

/// An AES-256-GCM cipher for `key`.
fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    <Aes256Gcm as KeyInit>::new(&(*key).into())
}

/// `value` with every object's keys in sorted order, so equal values have equal JSON text
/// whatever order their keys were inserted in.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by_key(|entry| entry.0);
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), sorted(value)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
