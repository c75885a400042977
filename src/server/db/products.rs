//! The `products` collection: the catalog, one document per product with its variants, plus the
//! fields the list filters on (kept in step on every write).
use crate::{
    error::AppError,
    model::product::{CatalogQuery, PriceRange, Product, ProductSummary, Variant},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Bson, Document, doc},
    options::{FindOptions, ReplaceOptions},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "products";
/// Products per catalog page.
pub const PAGE_SIZE: u32 = 25;

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDoc {
    /// Product id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Name.
    pub name: String,
    /// `name` lower-cased, for case-insensitive search.
    pub name_lower: String,
    /// Description.
    pub text: String,
    /// Locale; empty for every locale.
    pub locale: String,
    /// Variants.
    pub variants: Vec<VariantDoc>,
    /// Extra attributes.
    pub attributes: Document,
    /// Every variant's SKU (unique across products by index).
    pub skus: Vec<String>,
    /// Units in stock over all variants.
    pub stock: i64,
    /// Whether any variant has stock.
    pub in_stock: bool,
    /// Created.
    pub created_at: bson::DateTime,
    /// Last changed.
    pub updated_at: bson::DateTime,
}

/// A variant as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantDoc {
    /// SKU.
    pub id: String,
    /// Name.
    pub name: String,
    /// Units in stock.
    pub stock: i64,
    /// Size.
    pub size: String,
    /// Colour name.
    pub color: String,
    /// `#RRGGBB`.
    pub display_color: String,
    /// Thumbnail URL.
    pub display_thumbnail: String,
    /// Minor units.
    pub price: i64,
    /// ISO 4217.
    pub currency: String,
    /// Picture URLs.
    pub pictures: Vec<String>,
    /// Extra attributes.
    pub attributes: Document,
}

fn to_document(map: &serde_json::Map<String, serde_json::Value>) -> Document {
    bson::to_document(map).unwrap_or_default()
}

fn to_map(document: &Document) -> serde_json::Map<String, serde_json::Value> {
    match Bson::Document(document.clone()).into_relaxed_extjson() {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

impl ProductDoc {
    /// The stored form of a validated `product`.
    pub fn from_product(product: &Product, created_at: bson::DateTime) -> Self {
        let variants: Vec<VariantDoc> = product
            .variants
            .iter()
            .map(|v| VariantDoc {
                id: v.id.clone(),
                name: v.name.clone(),
                stock: v.stock,
                size: v.size.clone(),
                color: v.color.clone(),
                display_color: v.display_color.clone(),
                display_thumbnail: v.display_thumbnail.clone(),
                price: v.price,
                currency: v.currency.clone(),
                pictures: v.pictures.clone(),
                attributes: to_document(&v.attributes),
            })
            .collect();
        Self {
            id: product.id.clone(),
            name: product.name.clone(),
            name_lower: product.name.to_lowercase(),
            text: product.text.clone(),
            locale: product.locale.clone(),
            skus: variants.iter().map(|v| v.id.clone()).collect(),
            stock: variants.iter().map(|v| v.stock).sum(),
            in_stock: product.in_stock(),
            variants,
            attributes: to_document(&product.attributes),
            created_at,
            updated_at: bson::DateTime::now(),
        }
    }

    /// The product as served.
    pub fn to_product(&self) -> Product {
        Product {
            id: self.id.clone(),
            name: self.name.clone(),
            text: self.text.clone(),
            locale: self.locale.clone(),
            variants: self
                .variants
                .iter()
                .map(|v| Variant {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    stock: v.stock,
                    size: v.size.clone(),
                    color: v.color.clone(),
                    display_color: v.display_color.clone(),
                    display_thumbnail: v.display_thumbnail.clone(),
                    price: v.price,
                    currency: v.currency.clone(),
                    pictures: v.pictures.clone(),
                    attributes: to_map(&v.attributes),
                })
                .collect(),
            attributes: to_map(&self.attributes),
        }
    }

    /// The catalog list's row.
    pub fn summary(&self) -> ProductSummary {
        let product = self.to_product();
        let lead = product.lead_variant();
        let same_currency = |v: &&Variant| lead.is_some_and(|l| l.currency == v.currency);
        let prices: Vec<i64> = product
            .variants
            .iter()
            .filter(same_currency)
            .map(|v| v.price)
            .collect();
        ProductSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            locale: self.locale.clone(),
            variants: self.variants.len(),
            stock: self.stock,
            price: lead.map(|l| PriceRange {
                min: prices.iter().copied().min().unwrap_or(l.price),
                max: prices.iter().copied().max().unwrap_or(l.price),
                currency: l.currency.clone(),
            }),
            thumbnail: lead
                .map(|l| l.display_thumbnail.clone())
                .unwrap_or_default(),
            updated_at: self.updated_at.to_chrono(),
        }
    }
}

/// What saving a product did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// It was new.
    Created,
    /// It replaced a different stored version.
    Updated,
    /// The stored version was the same: nothing was written.
    Unchanged,
}

/// Repository over `products`.
#[derive(Clone, Debug)]
pub struct Products {
    collection: Collection<ProductDoc>,
    db: Database,
}

/// A catalog product's id and SKUs: what linking an event to it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductKeys {
    /// Product id.
    pub id: String,
    /// Its variants' SKUs.
    pub skus: Vec<String>,
}

/// `sku:…` / `id:…` → the product it names (or none), so ingestion reads each reference at
/// most every few seconds. A save in this process applies at once.
static BY_REFERENCE: std::sync::LazyLock<super::memo::Memo<Option<ProductKeys>>> =
    std::sync::LazyLock::new(super::memo::Memo::new);

impl Products {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Product `id`.
    pub async fn get(&self, id: &str) -> Result<Option<ProductDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": id }).await?)
    }

    /// The products with these ids, in no particular order.
    pub async fn many(&self, ids: &[String]) -> Result<Vec<ProductDoc>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.collection.find(doc! { "_id": { "$in": ids } }).await?;
        Ok(found.try_collect().await?)
    }

    /// Products having any of `skus` as a variant, or any of `ids` as their id.
    pub async fn by_references(
        &self,
        skus: &[String],
        ids: &[String],
    ) -> Result<Vec<ProductDoc>, AppError> {
        if skus.is_empty() && ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! { "$or": [ { "skus": { "$in": skus } }, { "_id": { "$in": ids } } ] };
        Ok(self.collection.find(filter).await?.try_collect().await?)
    }

    /// The products `skus` and `ids` name, each reference read from the database at most every
    /// few seconds (one query for those not known).
    pub async fn keys_of_references(
        &self,
        skus: &[String],
        ids: &[String],
    ) -> Result<Vec<ProductKeys>, AppError> {
        let (mut found, mut unknown_skus, mut unknown_ids) = (Vec::new(), Vec::new(), Vec::new());
        for (prefix, values, unknown) in [
            ("sku", skus, &mut unknown_skus),
            ("id", ids, &mut unknown_ids),
        ] {
            for value in values {
                match BY_REFERENCE.get(&self.db, &format!("{prefix}:{value}")) {
                    Some(known) => found.extend(known.as_ref().clone()),
                    None => unknown.push(value.clone()),
                }
            }
        }
        unknown_skus.sort();
        unknown_skus.dedup();
        unknown_ids.sort();
        unknown_ids.dedup();
        let read: Vec<ProductKeys> = self
            .by_references(&unknown_skus, &unknown_ids)
            .await?
            .into_iter()
            .map(|p| ProductKeys {
                id: p.id,
                skus: p.skus,
            })
            .collect();
        for sku in &unknown_skus {
            let product = read.iter().find(|p| p.skus.contains(sku)).cloned();
            BY_REFERENCE.put(&self.db, &format!("sku:{sku}"), product);
        }
        for id in &unknown_ids {
            let product = read.iter().find(|p| p.id == *id).cloned();
            BY_REFERENCE.put(&self.db, &format!("id:{id}"), product);
        }
        found.extend(read);
        Ok(found)
    }

    /// Stores a validated `product` by its id, unless a SKU of it belongs to another product
    /// (a conflict naming the variant). An identical stored version is left alone.
    pub async fn save(&self, product: &Product) -> Result<Saved, AppError> {
        self.check_skus_free(product).await?;
        let existing = self.get(&product.id).await?;
        if let Some(stored) = &existing
            && stored.to_product() == *product
        {
            return Ok(Saved::Unchanged);
        }
        let created_at = existing
            .as_ref()
            .map_or_else(bson::DateTime::now, |e| e.created_at);
        let document = ProductDoc::from_product(product, created_at);
        let options = ReplaceOptions::builder().upsert(true).build();
        let result = self
            .collection
            .replace_one(doc! { "_id": &product.id }, &document)
            .with_options(options)
            .await;
        BY_REFERENCE.forget(&self.db);
        match result {
            Ok(_) if existing.is_some() => Ok(Saved::Updated),
            Ok(_) => Ok(Saved::Created),
            // The unique SKU index caught a concurrent save of the same SKU elsewhere.
            Err(err) if super::is_duplicate_key(&err) => Err(AppError::Conflict {
                field: "variants".into(),
                message: "a SKU of this product was just saved on another product".into(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    async fn check_skus_free(&self, product: &Product) -> Result<(), AppError> {
        let skus: Vec<&str> = product.variants.iter().map(|v| v.id.as_str()).collect();
        let filter = doc! { "skus": { "$in": &skus }, "_id": { "$ne": &product.id } };
        let Some(other) = self.collection.find_one(filter).await? else {
            return Ok(());
        };
        let (index, sku) = product
            .variants
            .iter()
            .enumerate()
            .find(|(_, v)| other.skus.contains(&v.id))
            .map(|(i, v)| (i, v.id.clone()))
            .unwrap_or_default();
        Err(AppError::Conflict {
            field: format!("variants[{index}].id"),
            message: format!("SKU {sku} already belongs to product {}", other.id),
        })
    }

    /// One page of products matching `query`, and how many match in all.
    pub async fn list(
        &self,
        filter: Document,
        page: u32,
    ) -> Result<(Vec<ProductSummary>, u64), AppError> {
        let total = self.collection.count_documents(filter.clone()).await?;
        let options = FindOptions::builder()
            .sort(doc! { "name_lower": 1, "_id": 1 })
            .skip(u64::from(page) * u64::from(PAGE_SIZE))
            .limit(i64::from(PAGE_SIZE))
            .build();
        let found: Vec<ProductDoc> = self
            .collection
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok((found.iter().map(ProductDoc::summary).collect(), total))
    }

    /// Every locale products are sold in, sorted.
    pub async fn locales(&self) -> Result<Vec<String>, AppError> {
        let values = self.collection.distinct("locale", doc! {}).await?;
        let mut locales: Vec<String> = values
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .filter(|l| !l.is_empty())
            .collect();
        locales.sort();
        Ok(locales)
    }

    /// Up to `limit` in-stock products by name (the demo shop's window).
    pub async fn in_stock_by_name(&self, limit: i64) -> Result<Vec<ProductDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "name_lower": 1, "_id": 1 })
            .limit(limit)
            .build();
        Ok(self
            .collection
            .find(doc! { "in_stock": true })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// In-stock products among `ids` (for ranking candidates).
    pub async fn in_stock(&self, ids: &[String]) -> Result<Vec<ProductDoc>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! { "_id": { "$in": ids }, "in_stock": true };
        Ok(self.collection.find(filter).await?.try_collect().await?)
    }
}

/// The list filter for `query`, compiled from its typed fields; a price that is not a number is
/// an error naming the field.
pub fn catalog_filter(query: &CatalogQuery) -> Result<Document, AppError> {
    let mut filter = Document::new();
    let q = query.q.trim();
    if !q.is_empty() {
        // Escaped: the search text is matched literally, never as a pattern.
        let contains = regex::escape(&q.to_lowercase());
        filter.insert(
            "$or",
            vec![
                doc! { "name_lower": { "$regex": contains } },
                doc! { "_id": q },
                doc! { "skus": q },
            ],
        );
    }
    if !query.locale.is_empty() {
        filter.insert("locale", &query.locale);
    }
    if query.in_stock {
        filter.insert("in_stock", true);
    }
    let mut price = Document::new();
    if let Some(min) = price_bound("min_price", &query.min_price)? {
        price.insert("$gte", min);
    }
    if let Some(max) = price_bound("max_price", &query.max_price)? {
        price.insert("$lte", max);
    }
    if !price.is_empty() {
        filter.insert("variants", doc! { "$elemMatch": { "price": price } });
    }
    Ok(filter)
}

/// A typed price bound (`12.50`) in cents; `None` when empty.
fn price_bound(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::invalid(field, "must be an amount of 0 or more, e.g. 12.50");
    let amount: f64 = text.parse().map_err(|_| invalid())?;
    if !amount.is_finite() || !(0.0..=1e12).contains(&amount) {
        return Err(invalid());
    }
    Ok(Some((amount * 100.0).round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile_from_typed_values() {
        let query = CatalogQuery {
            q: "Tee (XL)".into(),
            locale: "en-US".into(),
            in_stock: true,
            min_price: "10".into(),
            max_price: "19.99".into(),
            page: 0,
        };
        let filter = catalog_filter(&query).unwrap();
        assert_eq!(filter.get_str("locale").unwrap(), "en-US");
        assert!(filter.get_bool("in_stock").unwrap());
        let text = format!("{filter}");
        assert!(text.contains(r"tee \(xl\)"), "{text}");
        assert!(text.contains("1000") && text.contains("1999"), "{text}");
    }

    #[test]
    fn a_bad_price_bound_names_its_field() {
        let query = CatalogQuery {
            max_price: "-3".into(),
            ..CatalogQuery::default()
        };
        let err = catalog_filter(&query).unwrap_err();
        assert!(err.message_for("max_price").is_some());
        assert!(catalog_filter(&CatalogQuery::default()).unwrap().is_empty());
    }
}
