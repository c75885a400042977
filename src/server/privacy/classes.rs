//! Field classification: which top-level trait keys are PII (masked) and which are restricted
//! (never shown, encrypted at rest). Defaults below; admins override per key.
use crate::{
    error::AppError,
    model::{
        computed::{Aggregate, ComputedTraitDef},
        field::FieldClass,
    },
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{Document, doc},
};
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::RwLock;

/// Collection name: `{ _id: <trait key>, class: "pii" | "restricted" | "standard" }`.
pub const COLLECTION: &str = "field_classes";

/// Trait keys that are PII unless an admin says otherwise.
pub const DEFAULT_PII: [&str; 13] = [
    "email",
    "phone",
    "name",
    "first_name",
    "firstName",
    "last_name",
    "lastName",
    "address",
    "birthday",
    "birth_date",
    "birthdate",
    "date_of_birth",
    "mobile",
];
/// Trait keys that are restricted unless an admin says otherwise.
pub const DEFAULT_RESTRICTED: [&str; 3] = ["national_id", "ssn", "passport_number"];

/// How long an instance trusts its copy of the classification (other instances' changes).
const CACHE_TTL: Duration = Duration::from_secs(5);

/// The classification in force: defaults with overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classes {
    overrides: BTreeMap<String, FieldClass>,
    exposed: BTreeSet<String>,
}

impl Classes {
    /// The defaults with `overrides` (key → class) on top.
    pub fn with_overrides(overrides: BTreeMap<String, FieldClass>) -> Self {
        Self {
            overrides,
            exposed: BTreeSet::new(),
        }
    }

    /// These classes with `exposed` as the keys an admin exposed to websites.
    pub fn with_exposed(mut self, exposed: BTreeSet<String>) -> Self {
        self.exposed = exposed;
        self
    }

    /// Whether top-level trait `key` is exposed to websites: marked by an admin, and only ever
    /// while it is standard (a key classified personal or restricted later is not).
    pub fn is_exposed(&self, key: &str) -> bool {
        self.exposed.contains(key) && self.of(key) == FieldClass::Standard
    }

    /// The class of top-level trait key `key`.
    pub fn of(&self, key: &str) -> FieldClass {
        if let Some(class) = self.overrides.get(key) {
            return *class;
        }
        if DEFAULT_RESTRICTED.contains(&key) {
            FieldClass::Restricted
        } else if DEFAULT_PII.contains(&key) {
            FieldClass::Pii
        } else {
            FieldClass::Standard
        }
    }

    /// Whether a catalog path (`traits.address.city`, `properties.customer.email`) holds
    /// personal data: some key along it is PII or restricted, so a nested `contact.email` counts
    /// like a top-level `email`.
    pub fn is_personal_path(&self, path: &str) -> bool {
        let rest = ["traits.", "properties."]
            .into_iter()
            .find_map(|prefix| path.strip_prefix(prefix))
            .unwrap_or(path);
        rest.split('.')
            .any(|key| self.of(key) != FieldClass::Standard)
    }

    /// Whether a computed trait's values are personal data: it copies an event property's
    /// values (first, last or most frequent of a property; those may be anything a person
    /// typed), or its own name is classified.
    pub fn is_personal_computed(&self, definition: &ComputedTraitDef) -> bool {
        let copies = matches!(
            definition.aggregate,
            Aggregate::First | Aggregate::Last | Aggregate::MostFrequent
        ) && definition.property.is_some();
        copies || self.of(&definition.name) != FieldClass::Standard
    }

    /// The names of the computed traits defined in `db` whose values are personal data.
    pub async fn personal_computed(&self, db: &Database) -> Result<BTreeSet<String>, AppError> {
        let definitions = crate::server::db::computed_traits::ComputedTraits::new(db)
            .definitions()
            .await?;
        Ok(definitions
            .into_iter()
            .filter(|d| self.is_personal_computed(d))
            .map(|d| d.name)
            .collect())
    }

    /// Every restricted key.
    pub fn restricted(&self) -> Vec<String> {
        let defaults = DEFAULT_RESTRICTED.iter().map(|k| (*k).to_owned());
        let mut keys: Vec<String> = defaults.chain(self.overrides.keys().cloned()).collect();
        keys.sort();
        keys.dedup();
        keys.retain(|k| self.of(k) == FieldClass::Restricted);
        keys
    }
}

#[derive(Debug, serde::Deserialize)]
struct ClassDoc {
    #[serde(rename = "_id")]
    key: String,
    #[serde(default)]
    class: Option<FieldClass>,
    #[serde(default)]
    exposed: bool,
}

/// The stored classification, with a short-lived cache for the ingestion path.
#[derive(Clone, Debug)]
pub struct FieldClasses {
    collection: Collection<Document>,
    cache: Arc<RwLock<Option<(Instant, Classes)>>>,
}

impl FieldClasses {
    /// The store for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            cache: Arc::new(RwLock::new(None)),
        }
    }

    /// The classification, at most [`CACHE_TTL`] old (this instance's own changes at once).
    pub async fn current(&self) -> Result<Classes, AppError> {
        if let Some((at, classes)) = self.cache.read().await.as_ref()
            && at.elapsed() < CACHE_TTL
        {
            return Ok(classes.clone());
        }
        let docs: Vec<Document> = self.collection.find(doc! {}).await?.try_collect().await?;
        let docs: Vec<ClassDoc> = docs
            .into_iter()
            .filter_map(|d| mongodb::bson::from_document::<ClassDoc>(d).ok())
            .collect();
        let exposed = docs.iter().filter(|d| d.exposed).map(|d| d.key.clone());
        let exposed = exposed.collect();
        let overrides = docs
            .into_iter()
            .filter_map(|d| Some((d.key, d.class?)))
            .collect();
        let classes = Classes::with_overrides(overrides).with_exposed(exposed);
        *self.cache.write().await = Some((Instant::now(), classes.clone()));
        Ok(classes)
    }

    /// Classifies `key` as `class`; a key that becomes personal or restricted stops being
    /// exposed to websites.
    pub async fn set(&self, key: &str, class: FieldClass) -> Result<(), AppError> {
        let mut set = doc! { "class": class.as_str() };
        if class != FieldClass::Standard {
            set.insert("exposed", false);
        }
        self.collection
            .update_one(doc! { "_id": key }, doc! { "$set": set })
            .upsert(true)
            .await?;
        *self.cache.write().await = None;
        Ok(())
    }

    /// Exposes top-level trait `key` to websites (the personalization API), or stops. Personal
    /// and restricted keys never are: the error names `exposed`.
    pub async fn set_exposed(&self, key: &str, exposed: bool) -> Result<(), AppError> {
        *self.cache.write().await = None;
        if exposed && self.current().await?.of(key) != FieldClass::Standard {
            return Err(AppError::invalid(
                "exposed",
                format!("{key} is personal or restricted data, which is never exposed to websites"),
            ));
        }
        self.collection
            .update_one(doc! { "_id": key }, doc! { "$set": { "exposed": exposed } })
            .upsert(true)
            .await?;
        *self.cache.write().await = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_overrides_win() {
        let classes = Classes::default();
        assert_eq!(classes.of("email"), FieldClass::Pii);
        assert_eq!(classes.of("national_id"), FieldClass::Restricted);
        assert_eq!(classes.of("plan"), FieldClass::Standard);
        let overrides = BTreeMap::from([
            ("plan".to_owned(), FieldClass::Restricted),
            ("ssn".to_owned(), FieldClass::Pii),
        ]);
        let classes = Classes::with_overrides(overrides);
        assert_eq!(
            classes.restricted(),
            vec!["national_id", "passport_number", "plan"]
        );
    }

    #[test]
    fn only_standard_keys_are_ever_exposed() {
        let overrides = BTreeMap::from([("tier".to_owned(), FieldClass::Pii)]);
        let exposed = BTreeSet::from(["plan".to_owned(), "tier".to_owned(), "email".to_owned()]);
        let classes = Classes::with_overrides(overrides).with_exposed(exposed);
        assert!(classes.is_exposed("plan"));
        assert!(
            !classes.is_exposed("tier"),
            "classified personal after it was exposed"
        );
        assert!(!classes.is_exposed("email"), "personal by default");
        assert!(!classes.is_exposed("city"), "never marked");
    }

    #[test]
    fn a_path_is_personal_when_any_key_along_it_is() {
        let classes = Classes::default();
        for path in [
            "traits.email",
            "traits.address.city",
            "properties.customer.ssn",
        ] {
            assert!(classes.is_personal_path(path), "{path}");
        }
        for path in ["traits.plan", "properties.total", "traits.company.size"] {
            assert!(!classes.is_personal_path(path), "{path}");
        }
    }

    #[test]
    fn computed_traits_that_copy_property_values_are_personal() {
        let def = |aggregate, property: Option<&str>| ComputedTraitDef {
            name: "last_thing".into(),
            event: "Order Completed".into(),
            aggregate,
            property: property.map(str::to_owned),
            within_days: None,
        };
        let classes = Classes::default();
        assert!(classes.is_personal_computed(&def(Aggregate::Last, Some("coupon"))));
        assert!(classes.is_personal_computed(&def(Aggregate::MostFrequent, Some("city"))));
        assert!(!classes.is_personal_computed(&def(Aggregate::Last, None)));
        assert!(!classes.is_personal_computed(&def(Aggregate::Sum, Some("total"))));
        assert!(!classes.is_personal_computed(&def(Aggregate::Count, None)));
    }
}
