//! `enrich keys rotate`: a new encryption key, and every stored restricted value re-encrypted.
use crate::server::{
    audit::{self, Record},
    config::Config,
    db::{baselines, events, merges, profiles},
    privacy::{keyring, restricted},
};
use clap::Subcommand;
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{Document, doc},
};

/// `enrich keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new key (it encrypts from now on) and re-encrypt every stored restricted value
    /// under it; values of fields classified restricted but stored in clear are encrypted too.
    /// Restart running servers afterwards so they encrypt with the new key.
    Rotate,
}

/// Collections that may hold restricted values.
const COLLECTIONS: [&str; 4] = [
    profiles::COLLECTION,
    events::COLLECTION,
    merges::COLLECTION,
    baselines::COLLECTION,
];

/// Runs a `keys` subcommand.
pub async fn run(config: &Config, command: KeysCommand) -> Result<u8, String> {
    let KeysCommand::Rotate = command;
    let old = super::load_keys(config)?;
    let ring = old.with_new_key();
    keyring::save(&config.field_keys_file, &ring)?;
    let state = super::state_for(config).await?;
    let restricted = restricted::restricted_keys(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    let mut changed = 0;
    for name in COLLECTIONS {
        changed += rewrap_collection(&state.db, name, &ring, &restricted).await?;
    }
    let record = Record::new("keys.rotate", ring.current_id().to_owned())
        .detail(format!("{changed} documents re-encrypted"));
    audit::write_system(&state.db, record)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "new key {}; {changed} documents re-encrypted; restart running servers",
        ring.current_id()
    );
    Ok(0)
}

async fn rewrap_collection(
    db: &Database,
    name: &str,
    ring: &keyring::KeyRing,
    restricted: &[String],
) -> Result<usize, String> {
    let collection = db.collection::<Document>(name);
    let mut cursor = collection.find(doc! {}).await.map_err(|e| e.to_string())?;
    let mut changed = 0;
    while let Some(mut document) = cursor.try_next().await.map_err(|e| e.to_string())? {
        let sealed = restricted::seal_stored(ring, restricted, name, &mut document)
            .map_err(|e| e.to_string())?;
        let rewrapped = ring.rewrap(&mut document).map_err(|e| e.to_string())?;
        if sealed + rewrapped > 0 {
            let id = document.get("_id").cloned().unwrap_or_default();
            collection
                .replace_one(doc! { "_id": id }, &document)
                .await
                .map_err(|e| e.to_string())?;
            changed += 1;
        }
    }
    Ok(changed)
}
