//! What every message passes before ingestion stores anything: messages about forgotten people
//! are dropped (and counted), and restricted values are encrypted.
use super::{
    classes::FieldClasses,
    keyring::KeyRing,
    restricted::{carries_clear, seal_message},
};
use crate::{
    error::AppError,
    server::{
        db::suppressions::Suppressions, identity::identifiers::IdentityPolicy,
        ingest::message::Message,
    },
};
use mongodb::Database;
use serde_json::Value;
use std::{borrow::Cow, sync::Arc};

/// The blind-index field name suppression hashes are keyed under.
const SUPPRESSION_FIELD: &str = "suppression";

/// Keys, classification and suppressions, shared by every ingestion path.
#[derive(Clone, Debug)]
pub struct Gate {
    /// Encryption and blind-index keys.
    pub keys: Arc<KeyRing>,
    /// Field classification (restricted keys).
    pub classes: FieldClasses,
    /// Forgotten people's identifier hashes.
    pub suppressions: Suppressions,
}

/// The messages let through.
#[derive(Debug)]
pub struct Admitted<'a> {
    /// What goes on into the pipeline (borrowed when nothing had to change).
    pub messages: Cow<'a, [Message]>,
    /// Messages dropped because they name a forgotten person.
    pub suppressed: usize,
}

impl Gate {
    /// The gate over `db` with `keys`.
    pub fn new(db: &Database, keys: Arc<KeyRing>) -> Self {
        Self {
            keys,
            classes: FieldClasses::new(db),
            suppressions: Suppressions::new(db),
        }
    }

    /// The keyed hash a forgotten identifier (`kind:value`) is remembered by, never the
    /// identifier itself.
    pub fn suppression_hash(&self, identity_key: &str) -> String {
        self.keys
            .blind_index(SUPPRESSION_FIELD, &Value::String(identity_key.to_owned()))
    }

    /// Drops messages about forgotten people and seals restricted values in the rest.
    pub async fn admit<'a>(
        &self,
        policy: &IdentityPolicy,
        messages: &'a [Message],
    ) -> Result<Admitted<'a>, AppError> {
        let restricted = self.classes.current().await?.restricted();
        let hashes: Vec<Vec<String>> = messages
            .iter()
            .map(|m| {
                policy
                    .identifiers_of(m)
                    .iter()
                    .map(|i| self.suppression_hash(&i.key()))
                    .collect()
            })
            .collect();
        let all: Vec<String> = hashes.iter().flatten().cloned().collect();
        let suppressed = self.suppressions.find(&all).await?;
        let must_seal = messages.iter().any(|m| carries(m, &restricted));
        if suppressed.is_empty() && !must_seal {
            return Ok(Admitted {
                messages: Cow::Borrowed(messages),
                suppressed: 0,
            });
        }
        let (mut kept, mut dropped) = (Vec::with_capacity(messages.len()), Vec::new());
        for (message, hashes) in messages.iter().zip(&hashes) {
            let hits: Vec<String> = hashes
                .iter()
                .filter(|h| suppressed.contains(*h))
                .cloned()
                .collect();
            if !hits.is_empty() {
                dropped.push(hits);
                continue;
            }
            let mut message = message.clone();
            seal_message(&self.keys, &restricted, &mut message.raw)?;
            kept.push(message);
        }
        self.suppressions.count_dropped(&dropped.concat()).await?;
        Ok(Admitted {
            messages: Cow::Owned(kept),
            suppressed: dropped.len(),
        })
    }
}

/// Whether `message` carries a restricted value in clear, at any depth.
fn carries(message: &Message, restricted: &[String]) -> bool {
    carries_clear(&message.raw, restricted)
}
