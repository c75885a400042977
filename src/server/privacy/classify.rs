//! Changing a trait key's class. Newly restricted keys have their stored values encrypted at
//! once (profiles, trait history, events, campaign triggers, merge snapshots) and get a blind
//! index; the class a catalog path's samples are shown under.
use super::{
    classes::{Classes, FieldClasses},
    keyring::KeyRing,
    mask::mask_samples,
    restricted::seal_stored,
};
use crate::{
    error::AppError,
    model::field::{FieldClass, FieldInfo},
    server::db::{baselines, events, fields::Fields, merges, outbox, profiles},
};
use futures::TryStreamExt;
use mongodb::{
    Database, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};

/// Classifies `key` and, when it becomes restricted, encrypts what is stored in clear, at any
/// depth the field catalog has seen it (`properties.customer.ssn`), and drops the catalog's
/// samples of it. Returns how many documents were encrypted.
pub async fn classify(
    db: &Database,
    classes: &FieldClasses,
    keys: &KeyRing,
    key: &str,
    class: FieldClass,
) -> Result<u64, AppError> {
    classes.set(key, class).await?;
    if class != FieldClass::Restricted {
        return Ok(0);
    }
    ensure_blind_index(db, key).await?;
    let fields = Fields::new(db);
    let nested = fields.paths_through(key).await?;
    let restricted = [key.to_owned()];
    let mut sealed = 0;
    for (collection, filter) in holders(key, &nested) {
        sealed += seal_all(db, keys, &restricted, collection, filter).await?;
    }
    fields.drop_samples_through(key).await?;
    Ok(sealed)
}

/// The class a catalog path's values get: restricted when any key along it is (a restricted
/// key nested in an object is sealed wherever it is), else its top-level key's class.
pub fn path_class(classes: &Classes, path: &str) -> FieldClass {
    let rest = path
        .strip_prefix("traits.")
        .or_else(|| path.strip_prefix("properties."))
        .unwrap_or(path);
    let mut keys = rest.split('.');
    let top = classes.of(keys.next().unwrap_or(rest));
    if keys.any(|key| classes.of(key) == FieldClass::Restricted) {
        FieldClass::Restricted
    } else {
        top
    }
}

/// Masks a catalog entry's samples for a viewer by [`path_class`], so a restricted key nested
/// anywhere (`properties.customer.ssn`) shows no samples; the entry keeps its top-level class.
pub fn mask_catalog_samples(field: &mut FieldInfo, classes: &Classes, read_pii: bool) {
    let shown = field.class;
    field.class = path_class(classes, &field.path);
    mask_samples(field, read_pii);
    field.class = shown;
}

/// The blind index equality lookups on a restricted key use.
pub async fn ensure_blind_index(db: &Database, key: &str) -> Result<(), AppError> {
    let options = IndexOptions::builder()
        .name(format!("blind_{key}"))
        .sparse(true)
        .build();
    let model = IndexModel::builder()
        .keys(doc! { format!("traits.{key}.bidx"): 1 })
        .options(options)
        .build();
    db.collection::<Document>(profiles::COLLECTION)
        .create_index(model)
        .await?;
    Ok(())
}

/// Where values of `key` may be stored: (collection, filter). `nested` are catalog paths
/// (`traits.a.key`, `properties.b.key.c`) that pass through `key` below the top level.
fn holders(key: &str, nested: &[String]) -> Vec<(&'static str, Document)> {
    let exists = |path: String| doc! { path: { "$exists": true } };
    let (mut traits, mut properties) = (vec![key.to_owned()], vec![key.to_owned()]);
    for path in nested {
        let through = up_to(path, key);
        if let Some(inner) = through.strip_prefix("traits.") {
            traits.push(inner.to_owned());
        } else if let Some(inner) = through.strip_prefix("properties.") {
            properties.push(inner.to_owned());
        }
    }
    let mut profiles = vec![doc! { "provenance.key": key }];
    profiles.extend(traits.iter().map(|t| exists(format!("traits.{t}"))));
    let mut events = Vec::new();
    events.extend(
        traits
            .iter()
            .map(|t| exists(format!("message.raw.traits.{t}"))),
    );
    events.extend(
        traits
            .iter()
            .map(|t| exists(format!("message.raw.context.traits.{t}"))),
    );
    events.extend(
        properties
            .iter()
            .map(|p| exists(format!("message.raw.properties.{p}"))),
    );
    let triggers: Vec<Document> = properties
        .iter()
        .map(|p| exists(format!("trigger.properties.{p}")))
        .collect();
    vec![
        (profiles::COLLECTION, doc! { "$or": profiles }),
        (events::COLLECTION, doc! { "$or": events }),
        (outbox::COLLECTION, doc! { "$or": triggers }),
        (merges::COLLECTION, doc! {}),
        (baselines::COLLECTION, doc! {}),
    ]
}

/// `path` cut after its first segment equal to `key` (`traits.a.key.b` → `traits.a.key`).
fn up_to<'a>(path: &'a str, key: &str) -> &'a str {
    let mut end = 0;
    for segment in path.split('.') {
        end += segment.len();
        if segment == key {
            return &path[..end];
        }
        end += 1;
    }
    path
}

async fn seal_all(
    db: &Database,
    keys: &KeyRing,
    restricted: &[String],
    collection: &str,
    filter: Document,
) -> Result<u64, AppError> {
    let collection = db.collection::<Document>(collection);
    let mut cursor = collection.find(filter).await?;
    let mut sealed = 0;
    while let Some(mut document) = cursor.try_next().await? {
        if seal_stored(keys, restricted, "", &mut document)? > 0 {
            let id = document.get("_id").cloned().unwrap_or_default();
            collection
                .replace_one(doc! { "_id": id }, &document)
                .await?;
            sealed += 1;
        }
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_restricted_when_any_key_along_it_is() {
        let classes = Classes::default();
        for path in [
            "properties.customer.ssn",
            "traits.ssn",
            "traits.a.national_id.b",
        ] {
            assert_eq!(path_class(&classes, path), FieldClass::Restricted, "{path}");
        }
        assert_eq!(path_class(&classes, "traits.email"), FieldClass::Pii);
        assert_eq!(path_class(&classes, "traits.address.city"), FieldClass::Pii);
        assert_eq!(
            path_class(&classes, "properties.order.email"),
            FieldClass::Standard
        );
        assert_eq!(path_class(&classes, "traits.plan"), FieldClass::Standard);
    }

    #[test]
    fn holders_are_cut_at_the_key() {
        assert_eq!(up_to("traits.a.ssn.b", "ssn"), "traits.a.ssn");
        assert_eq!(up_to("properties.ssn", "ssn"), "properties.ssn");
        assert_eq!(up_to("traits.ssnx", "ssn"), "traits.ssnx");
    }
}
